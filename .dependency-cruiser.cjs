/**
 * The rooms of the house and the arrows allowed between them (docs: DESIGN.md "Rooms").
 * Checked inside `npm test` by test/unit/dependency-rules.test.ts: a wrong arrow fails the
 * suite with the rule's name and the offending import.
 *
 *   bin/ ─▶ lib/ (CDK app), functions/cli (CLI)
 *   lib/ ─▶ functions/core/{ids,env-names,errors}, functions/adapters/aws/result-table-schema
 *   functions/cli ─▶ local, reader, adapters, core        functions/local ─▶ handlers/api, reader, adapters, core
 *   functions/handlers/aws ─▶ handlers/api, reader, adapters, core
 *   functions/handlers/api ─▶ core                        functions/reader ─▶ core
 *   functions/adapters ─▶ core                            functions/core ─▶ (nothing in the project)
 *   tools/ ─▶ anything; nothing in bin/, lib/ or functions/ ─▶ tools/;  test/ is imported by test/ only.
 */
const RUNTIME = '^(functions|lib|bin)/';
const ROOMS_OUTSIDE_FUNCTIONS = '^(lib|bin|tools|test)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'No module may depend on itself through others at run time.',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'no-type-cycles',
      severity: 'warn',
      comment: 'A cycle through `import type` only is erased at compile time; still worth untangling.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-imports-nothing-else',
      severity: 'error',
      comment: 'functions/core is the domain: it imports only itself (and node / zod).',
      from: { path: '^functions/core/' },
      to: { path: ['^functions/(?!core/)', ROOMS_OUTSIDE_FUNCTIONS] },
    },
    {
      name: 'core-npm-only-zod',
      severity: 'error',
      comment: 'The domain uses no library but zod: no SDK, no image or OCR package.',
      from: { path: '^functions/core/' },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg'], pathNot: '^node_modules/zod/' },
    },
    {
      name: 'reader-imports-core-only',
      severity: 'error',
      comment: 'functions/reader is a library over core types; engines are injected, never imported.',
      from: { path: '^functions/reader/' },
      to: { path: ['^functions/(?!core/|reader/)', ROOMS_OUTSIDE_FUNCTIONS] },
    },
    {
      name: 'adapters-import-core-only',
      severity: 'error',
      comment: 'functions/adapters implement ports: they import core (and other adapters), never reader, handlers, local or cli.',
      from: { path: '^functions/adapters/' },
      to: { path: ['^functions/(?!core/|adapters/)', ROOMS_OUTSIDE_FUNCTIONS] },
    },
    {
      name: 'api-is-runtime-neutral',
      severity: 'error',
      comment: 'The Hono app (handlers/api) runs on both runtimes: it imports core only.',
      from: { path: '^functions/handlers/api/' },
      to: { path: ['^functions/(?!core/|handlers/api/)', ROOMS_OUTSIDE_FUNCTIONS] },
    },
    {
      name: 'aws-edge-imports-down-only',
      severity: 'error',
      comment: 'handlers/aws (Lambda entries + their composition) may use core, adapters, reader and the API app; not the local runner or the CLI.',
      from: { path: '^functions/handlers/aws/' },
      to: { path: ['^functions/(local|cli)/', ROOMS_OUTSIDE_FUNCTIONS] },
    },
    {
      name: 'local-imports-down-only',
      severity: 'error',
      comment: 'functions/local (runner + its composition) may use core, adapters, reader and the API app; not the AWS edge or the CLI.',
      from: { path: '^functions/local/' },
      to: { path: ['^functions/(handlers/aws|cli)/', ROOMS_OUTSIDE_FUNCTIONS] },
    },
    {
      name: 'cli-imports-down-only',
      severity: 'error',
      comment: 'functions/cli may start the local runner and the reader; never the AWS edge.',
      from: { path: '^functions/cli/' },
      to: { path: ['^functions/handlers/', ROOMS_OUTSIDE_FUNCTIONS] },
    },
    {
      name: 'lib-imports-constants-only',
      severity: 'error',
      comment: 'The CDK constructs share names and key schemas with the functions, nothing else (no runtime code in the CDK app).',
      from: { path: '^lib/' },
      to: {
        path: '^(functions|tools|test)/',
        pathNot: '^functions/(core/(ids|env-names|errors)|adapters/aws/result-table-schema)\\.ts$',
      },
    },
    {
      name: 'bin-is-entry-points-only',
      severity: 'error',
      comment: 'bin/ holds the CDK app and the CLI entry: it reaches lib/, the CLI room and core errors only.',
      from: { path: '^bin/' },
      to: { path: ['^functions/(?!cli/|core/)', '^(tools|test)/'] },
    },
    {
      name: 'tools-never-imported-by-runtime',
      severity: 'error',
      comment: 'tools/ (bench, generator, training) is not shipped: runtime code never imports it.',
      from: { path: RUNTIME },
      to: { path: '^tools/' },
    },
    {
      name: 'test-imported-by-tests-only',
      severity: 'error',
      from: { pathNot: '^test/' },
      to: { path: '^test/' },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      comment: 'An import that resolves to nothing is a typo or a deleted module.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^node_modules/', '^dist/', '^cdk\\.out/'] },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    // `.js` specifiers in the TypeScript sources name the `.ts` files beside them.
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.cjs', '.json', '.d.ts'], exportsFields: ['exports'], conditionNames: ['import', 'node', 'default', 'types'] },
    extraExtensionsToScan: [],
  },
};
