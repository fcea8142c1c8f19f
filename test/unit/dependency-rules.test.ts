/**
 * The dependency rules of DESIGN.md ("Rooms"), checked by dependency-cruiser over the whole
 * tree as part of `npm test`: a wrong arrow (core importing an adapter, the reader importing
 * an engine, runtime code importing tools/, a runtime cycle...) fails here with the rule and
 * the import. A second case proves the rules bite: the same config over a scratch tree with
 * one wrong arrow per kind must report each of them.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');

interface Violation {
  readonly from: string;
  readonly to: string;
  readonly rule: { readonly name: string; readonly severity: string };
}

async function cruise(cwd: string, paths: string[]): Promise<Violation[]> {
  // Exit code 1 means violations were found: the JSON report is on stdout either way.
  const out = await run(process.execPath, [CLI, ...paths, '--config', CONFIG, '--output-type', 'json'], {
    cwd,
    maxBuffer: 64 * 1024 * 1024,
  }).catch((err: { stdout?: string; stderr?: string }) => {
    if (!err.stdout) throw new Error(`dependency-cruiser failed: ${err.stderr ?? 'no output'}`);
    return { stdout: err.stdout };
  });
  return (JSON.parse(out.stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

describe('dependency rules (dependency-cruiser, .dependency-cruiser.cjs)', () => {
  it('the tree has no wrong arrow', { timeout: 120_000 }, async () => {
    const violations = await cruise(ROOT, ['functions', 'lib', 'bin', 'tools', 'test']);
    const errors = violations.filter((v) => v.rule.severity === 'error').map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
    expect(errors).toEqual([]);
  });

  it('reports each kind of wrong arrow in a scratch tree', { timeout: 120_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cardocr-deps-'));
    try {
      const files: Record<string, string> = {
        'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', allowJs: false } }),
        'functions/core/stages.ts': "import { S3 } from '../adapters/aws/s3.js';\nexport const x = S3;\n",
        'functions/adapters/aws/s3.ts': "import { read } from '../../reader/reader.js';\nexport const S3 = read;\n",
        'functions/reader/reader.ts': "import { engine } from '../adapters/ocr/engine.js';\nexport const read = engine;\n",
        'functions/adapters/ocr/engine.ts': 'export const engine = 1;\n',
        'functions/local/runner.ts': "import { gen } from '../../tools/generator/gen.js';\nimport { h } from '../handlers/aws/entry.js';\nexport const r = [gen, h];\n",
        'functions/handlers/aws/entry.ts': 'export const h = 1;\n',
        'tools/generator/gen.ts': 'export const gen = 1;\n',
        'functions/cli/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
        'functions/cli/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n",
      };
      for (const [path, text] of Object.entries(files)) {
        await mkdir(dirname(join(dir, path)), { recursive: true });
        await writeFile(join(dir, path), text);
      }
      const rules = new Set((await cruise(dir, ['functions', 'tools'])).map((v) => `${v.rule.name}: ${v.from} → ${v.to}`));
      expect([...rules].sort()).toEqual(
        expect.arrayContaining([
          'core-imports-nothing-else: functions/core/stages.ts → functions/adapters/aws/s3.ts',
          'adapters-import-core-only: functions/adapters/aws/s3.ts → functions/reader/reader.ts',
          'reader-imports-core-only: functions/reader/reader.ts → functions/adapters/ocr/engine.ts',
          'tools-never-imported-by-runtime: functions/local/runner.ts → tools/generator/gen.ts',
          'local-imports-down-only: functions/local/runner.ts → functions/handlers/aws/entry.ts',
          'no-cycles: functions/cli/a.ts → functions/cli/b.ts',
        ]),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
