/**
 * Packaging options of the Lambda bundles (no synth, no esbuild): what is kept out of the
 * esbuild bundle, the npm target of sharp's native binary, and what is trimmed from the asset.
 * The real bundles are built and run by the artifact test.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Architecture } from 'aws-cdk-lib/aws-lambda';
import { OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { bundlingFor, commandHooksFor, EXTERNAL_NODE_MODULES, npmCpuFor, npmrcFor } from '../../lib/lambda-bundling.js';

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

  it('after bundling: removes the npm files, the unused model and the unused tesseract cores', () => {
    const out = join(scratch, "after 'bundling'");
    const files = [
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
      'node_modules/tesseract.js-core/tesseract-core.js',
    ];
    for (const f of files) {
      mkdirSync(join(out, f, '..'), { recursive: true });
      writeFileSync(join(out, f), 'x');
    }
    run(commandHooksFor(Architecture.X86_64, 'read').afterBundling('/in', out));
    const left = (dir: string) => readdirSync(join(out, dir)).sort();
    expect(readdirSync(out).sort()).toEqual(['index.mjs', 'node_modules']);
    expect(left('node_modules/@tesseract.js-data/eng')).toEqual(['4.0.0_best_int']);
    expect(left('node_modules/tesseract.js-core')).toEqual(['tesseract-core-simd.wasm', 'tesseract-core.js']);
  });
});
