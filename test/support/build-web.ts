/** vitest globalSetup: bundles the web page script first, so the API app serves the current client/app.ts. */
export default async function setup(): Promise<void> {
  // @ts-expect-error -- a plain .mjs build script without type declarations
  const { buildWebBundle } = (await import('../../tools/build-web.mjs')) as { buildWebBundle: () => Promise<number> };
  await buildWebBundle();
}
