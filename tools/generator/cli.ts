/**
 * Command line of the card-photo generator (a dev tool: never imported by functions/ or bin/).
 *
 *   npx tsx tools/generator/cli.ts --profile real-world --seed 1000 --count 120 --out .tmp/gen/real-1000
 *   npx tsx tools/generator/cli.ts --profile classic --seed 7 --preset committed --out test/fixtures/cards --max-bytes 80000
 *   npx tsx tools/generator/cli.ts --set fixtures     # regenerates test/fixtures/real-world
 *   npx tsx tools/generator/cli.ts --set bench        # held-out bench sets into .tmp/bench (never tune on them)
 *
 * Writes `<prefix>-NNN.jpg` and a `truth.json` (the shared corpus schema; real-world profiles
 * add `lines`: text, role and quad of every printed line in output pixels). Photo i of a run
 * has seed `(seed * 7919 + i * 104729) >>> 0`, recorded in its truth entry, so any one photo
 * can be rebuilt alone. Logs name files and counts only: no card number is ever printed.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { GeneratorError } from './errors.js';
import { assertGeneratorFonts } from './fonts.js';
import { generate, writeFixtures } from './generate.js';
import { REAL_PROFILES, renderReal, type RealProfile, type RealTruth } from './real-world.js';

/** Seed of photo `i` of a run (same formula as the classic generator). */
export const photoSeed = (seed: number, i: number): number => (seed * 7919 + i * 104729) >>> 0;

/** Options of one real-world run. */
export interface RealRun {
  profile: RealProfile;
  seed: number;
  count: number;
  prefix?: string;
  maxSide?: number;
  /** Lower the JPEG quality in steps until a photo fits, where possible. */
  maxBytes?: number;
  /** Report progress (counts only) on stderr every 25 photos. */
  progress?: boolean;
}

/** Renders a run: photos in order with their truth entries. */
export async function generateReal(run: RealRun): Promise<Array<{ bytes: Buffer; truth: RealTruth }>> {
  const out: Array<{ bytes: Buffer; truth: RealTruth }> = [];
  const prefix = run.prefix ?? `${run.profile}-${run.seed}`;
  for (let i = 0; i < run.count; i++) {
    const seed = photoSeed(run.seed, i);
    let r = await renderReal(seed, run.profile, { ...(run.maxSide ? { maxSide: run.maxSide } : {}) });
    let q = Number(r.truth.style.quality);
    while (run.maxBytes && r.bytes.length > run.maxBytes && q > 30) {
      q -= 10;
      r = await renderReal(seed, run.profile, { ...(run.maxSide ? { maxSide: run.maxSide } : {}), quality: q });
    }
    out.push({ bytes: r.bytes, truth: { file: `${prefix}-${String(i).padStart(3, '0')}.jpg`, ...r.truth } });
    if (run.progress && (i + 1) % 25 === 0) process.stderr.write(`${run.profile}: ${i + 1}/${run.count} photos\n`);
  }
  return out;
}

/** Writes photos and truth.json (appending to `truth` entries already written in this folder by the same call). */
export async function writeReal(dir: string, items: Array<{ bytes: Buffer; truth: RealTruth }>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const item of items) await writeFile(join(dir, item.truth.file), item.bytes);
  await writeFile(join(dir, 'truth.json'), JSON.stringify(items.map((i) => i.truth), null, 1) + '\n');
}

/**
 * The committed fixture set (test/fixtures/real-world): every profile, fixed seeds, small
 * frames (long side ≤ 1024) and ≤ 150 KB per photo so the set stays under 4 MB.
 */
export const FIXTURE_RUNS: readonly RealRun[] = ([
  { profile: 'real-world', seed: 2026, count: 5 },
  { profile: 'embossed', seed: 2027, count: 4 },
  { profile: 'flat', seed: 2028, count: 2 },
  // Chosen because their first photo's name is Cyrillic / Greek (truth name null), which the random runs missed.
  { profile: 'flat', seed: 2054, count: 1 },
  { profile: 'hand', seed: 2058, count: 1 },
  { profile: 'hand', seed: 2029, count: 3 },
  { profile: 'scan', seed: 2030, count: 3 },
  { profile: 'vertical', seed: 2031, count: 3 },
  { profile: 'back', seed: 2032, count: 2 },
  { profile: 'hard', seed: 2033, count: 2 },
  { profile: 'negative', seed: 2034, count: 4 },
] satisfies RealRun[]).map((r) => ({ ...r, maxSide: 1024, maxBytes: 150_000 }));

/** Held-out bench sets: fixed seeds, never used for tuning (see tools/generator/README.md). */
export const BENCH_RUNS: readonly RealRun[] = [
  { profile: 'real-world', seed: 90001, count: 100 },
  { profile: 'embossed', seed: 91001, count: 50 },
];

async function runAll(runs: readonly RealRun[], dir: string): Promise<number> {
  const items: Array<{ bytes: Buffer; truth: RealTruth }> = [];
  for (const run of runs) items.push(...(await generateReal({ ...run, progress: true })));
  await writeReal(dir, items);
  return items.length;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      profile: { type: 'string', default: 'real-world' },
      seed: { type: 'string', default: '1' },
      count: { type: 'string', default: '20' },
      preset: { type: 'string', default: 'random' },
      prefix: { type: 'string' },
      'max-bytes': { type: 'string' },
      'max-side': { type: 'string' },
      set: { type: 'string' },
    },
  });
  // The machine is shared; one libvips thread per generator keeps it polite.
  sharp.concurrency(1);
  // A missing family is printed in another face without a word from librsvg: refuse instead.
  assertGeneratorFonts();
  const usage = `usage: cli.ts --profile ${['classic', ...REAL_PROFILES].join('|')} --seed N --count N --out DIR [--prefix P] [--max-side N] [--max-bytes N]\n       cli.ts --set fixtures|bench [--out DIR]\n`;
  if (values.set === 'fixtures' || values.set === 'bench') {
    if (values.set === 'fixtures') {
      const dir = resolve(values.out ?? 'test/fixtures/real-world');
      const n = await runAll(FIXTURE_RUNS, dir);
      process.stdout.write(`wrote ${n} photos and truth.json to ${dir}\n`);
    } else {
      const root = resolve(values.out ?? '.tmp/bench');
      for (const run of BENCH_RUNS) {
        const dir = join(root, `${run.profile}-${run.seed}`);
        const n = await runAll([run], dir);
        process.stdout.write(`wrote ${n} photos and truth.json to ${dir}\n`);
      }
    }
    return;
  }
  const count = Number(values.count);
  const seed = Number(values.seed);
  if (!values.out || !Number.isInteger(count) || count < 1 || !Number.isInteger(seed) || seed < 0) {
    process.stderr.write(usage);
    process.exitCode = 2;
    return;
  }
  if (values.profile === 'classic') {
    if (values.preset !== 'committed' && values.preset !== 'random') {
      process.stderr.write(usage);
      process.exitCode = 2;
      return;
    }
    const items = await generate({ seed, preset: values.preset, count, ...(values.prefix ? { prefix: values.prefix } : {}), ...(values['max-bytes'] ? { maxBytes: Number(values['max-bytes']) } : {}) });
    await writeFixtures(resolve(values.out), items);
    process.stdout.write(`wrote ${items.length} photos and truth.json to ${values.out}\n`);
    return;
  }
  if (!(REAL_PROFILES as readonly string[]).includes(values.profile)) {
    process.stderr.write(`unknown profile "${values.profile}"\n${usage}`);
    process.exitCode = 2;
    return;
  }
  const items = await generateReal({
    profile: values.profile as RealProfile,
    seed,
    count,
    ...(values.prefix ? { prefix: values.prefix } : {}),
    ...(values['max-side'] ? { maxSide: Number(values['max-side']) } : {}),
    ...(values['max-bytes'] ? { maxBytes: Number(values['max-bytes']) } : {}),
    progress: true,
  });
  await writeReal(resolve(values.out), items);
  process.stdout.write(`wrote ${items.length} photos and truth.json to ${values.out}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    await main();
  } catch (err) {
    // A GeneratorError's message says what to change; anything else is a bug and keeps its stack.
    if (!(err instanceof GeneratorError)) throw err;
    process.stderr.write(`generator: ${err.message}\n`);
    process.exitCode = 1;
  }
}
