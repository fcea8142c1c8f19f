/**
 * How the Lambda handlers are packaged: one esbuild bundle per function (ESM, source
 * maps, AWS SDK v3 bundled so its version is pinned by our lockfile), with the packages
 * that cannot live inside a single-file bundle installed into the asset's `node_modules`
 * instead:
 *
 * - `sharp` ships a native addon per OS/CPU/libc; it is installed for the Lambda's
 *   target (linux, glibc, arm64 or x64) whatever the machine that synthesises.
 * - `tesseract.js` starts its worker from a file path and loads its WASM core at run
 *   time; bundled into one file it breaks.
 * - `@tesseract.js-data/eng` is the language data, read from the package path
 *   (`/var/task` is read-only, so nothing is downloaded or cached at run time).
 *
 * Everything here runs locally with the installed esbuild (no Docker); the `npm ci`
 * of the external packages needs the npm registry or a warm npm cache.
 */
import { Architecture } from 'aws-cdk-lib/aws-lambda';
import { OutputFormat, type BundlingOptions, type ICommandHooks } from 'aws-cdk-lib/aws-lambda-nodejs';

/** The packages each function needs outside its bundle (see the module comment). */
export const EXTERNAL_NODE_MODULES = Object.freeze({
  preprocess: Object.freeze(['sharp']),
  read: Object.freeze(['sharp', 'tesseract.js', '@tesseract.js-data/eng']),
  api: Object.freeze([] as string[]),
});

/** Which handler a bundle is for. */
export type PipelineFunctionKind = keyof typeof EXTERNAL_NODE_MODULES;

/**
 * Files removed from the asset after `npm ci`, relative to the asset root. They are never
 * loaded on Lambda, and dropping them keeps the read asset well under half its size:
 * - the 4.0.0 (fast, legacy+LSTM) eng model: the reader uses 4.0.0_best_int only;
 * - the `*.wasm.js` cores (WASM inlined as base64, for browsers; Node loads `*.wasm`);
 * - the `*-lstm` cores: tesseract.js 7.0.0 on Node never loads them. Its worker calls
 *   `getCore(lstmOnly, ...)` with a boolean where `getCore` compares against OEM numbers, so
 *   it always picks the full core (`tesseract-core[-simd|-relaxedsimd]`), which reads LSTM
 *   models too. Which of the three depends on the runtime's WASM features, so all three stay.
 *   (Trimming the full cores instead made Tesseract fail to start in the asset: the
 *   artifact test starts it there.)
 */
export const TRIMMED_PATHS: readonly string[] = Object.freeze([
  'node_modules/@tesseract.js-data/eng/4.0.0',
  'node_modules/tesseract.js-core/*.wasm.js',
  'node_modules/tesseract.js-core/tesseract-core-lstm.js',
  'node_modules/tesseract.js-core/tesseract-core-lstm.wasm',
  'node_modules/tesseract.js-core/tesseract-core-simd-lstm.js',
  'node_modules/tesseract.js-core/tesseract-core-simd-lstm.wasm',
  'node_modules/tesseract.js-core/tesseract-core-relaxedsimd-lstm.js',
  'node_modules/tesseract.js-core/tesseract-core-relaxedsimd-lstm.wasm',
]);

/** npm's name for the Lambda CPU, as used by `--cpu` and sharp's `@img/sharp-linux-<cpu>`. */
export function npmCpuFor(architecture: Architecture): 'arm64' | 'x64' {
  if (architecture.name === Architecture.ARM_64.name) return 'arm64';
  if (architecture.name === Architecture.X86_64.name) return 'x64';
  throw new Error(`unsupported Lambda architecture: ${architecture.name}`);
}

/**
 * The `.npmrc` written into the asset before `npm ci`: it makes npm pick the optional
 * native packages (sharp's `@img/sharp-linux-*`) for the Lambda instead of this machine,
 * and skips install scripts (sharp needs none with its prebuilt binaries).
 */
export function npmrcFor(architecture: Architecture): string {
  return ['os=linux', `cpu=${npmCpuFor(architecture)}`, 'libc=glibc', 'ignore-scripts=true', 'fund=false', 'audit=false', ''].join(
    '\n',
  );
}

/** Single-quotes a string for a POSIX shell. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Command hooks: write the target `.npmrc` before `npm ci`; trim and tidy after it. */
export function commandHooksFor(architecture: Architecture, kind: PipelineFunctionKind): ICommandHooks {
  const hasModules = EXTERNAL_NODE_MODULES[kind].length > 0;
  return {
    beforeBundling: () => [],
    beforeInstall: (_inputDir: string, outputDir: string) =>
      hasModules ? [`printf '%s' ${shellQuote(npmrcFor(architecture))} > ${shellQuote(`${outputDir}/.npmrc`)}`] : [],
    afterBundling: (_inputDir: string, outputDir: string) =>
      hasModules
        ? [
            // Unquoted globs on purpose (the shell expands them); outputDir is quoted.
            `cd ${shellQuote(outputDir)} && rm -rf .npmrc package-lock.json node_modules/.package-lock.json ${TRIMMED_PATHS.join(' ')}`,
          ]
        : [],
  };
}

/**
 * Bundling options for one pipeline function. ESM output (`index.mjs`) with a `require`
 * shim in the banner, because some bundled CommonJS dependencies call `require` on Node
 * built-ins; source maps without embedded sources (small asset, readable stack traces).
 */
export function bundlingFor(architecture: Architecture, kind: PipelineFunctionKind): BundlingOptions {
  const nodeModules = [...EXTERNAL_NODE_MODULES[kind]];
  return {
    format: OutputFormat.ESM,
    target: 'node22',
    mainFields: ['module', 'main'],
    banner: "import { createRequire as __cardocrCreateRequire } from 'node:module'; const require = __cardocrCreateRequire(import.meta.url);",
    minify: true,
    keepNames: true,
    sourceMap: true,
    sourcesContent: false,
    bundleAwsSDK: true,
    ...(nodeModules.length > 0 ? { nodeModules } : {}),
    commandHooks: commandHooksFor(architecture, kind),
  };
}
