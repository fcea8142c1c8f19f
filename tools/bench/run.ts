/**
 * `npm run bench -- <dir with truth.json> [--concurrency N] [--limit N] [--compare N]
 *  [--cold-runs N] [--repeat N] [--json]`
 *
 * 1. Reads every photo in-process with one card reader (after one warm-up read) and scores it
 *    against truth.json: PAN exact, wrong PAN, expiry, name (exact and character accuracy),
 *    brand, photos without a card reported with a PAN; warm p50/p95 per stage.
 * 2. Cold start: a fresh `cardocr scan --json <one photo>` process, spawn → first result.
 * 3. When `tesseract` is on the PATH: whole-process wall clock of the native CLI reading the
 *    first N photos in one process (`tesseract list.txt stdout`, OMP_THREAD_LIMIT=1) and of
 *    `cardocr scan --concurrency 1` over the same photos, and their ratio.
 * Full PANs are used in memory for the comparison only; every PAN printed is masked.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { maskPan } from '../core/mask.js';
import { createReaderEngines } from '../adapters/ocr/reader-engines.js';
import { createCardReader } from '../reader/reader.js';
import { loadReaderConfig } from '../runtime/config.js';
import { parseCliArgs, positiveInt, UsageError } from '../cli/usage.js';
import { cardocrCommand, hasNativeTesseract, timeCardocr, timeNativeTesseract, timeProcess } from './processes.js';
import { parseTruth, score, type Accuracy, type Reading, type TruthEntry } from './score.js';
import { percentile, stageStats } from './stats.js';

/** Parsed bench options. */
export interface BenchOptions {
  dir: string;
  concurrency: number;
  limit: number | null;
  compare: number;
  coldRuns: number;
  repeat: number;
  json: boolean;
}

export const BENCH_USAGE =
  'usage: npm run bench -- <dir with truth.json> [--concurrency N] [--limit N] [--compare N (0 = skip)] [--cold-runs N] [--repeat N] [--json]\n';

/** Parses bench arguments. Throws UsageError. */
export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const parsed = parseCliArgs(argv, {
        concurrency: { type: 'string' },
        limit: { type: 'string' },
        compare: { type: 'string' },
        'cold-runs': { type: 'string' },
        repeat: { type: 'string' },
        json: { type: 'boolean', default: false },
      });
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UsageError('give exactly one directory holding truth.json');
  const nonNegative = (v: string | undefined, flag: string, def: number): number => {
    if (v === undefined) return def;
    if (!/^\d+$/.test(v)) throw new UsageError(`${flag} must be a whole number, got "${v}"`);
    return Number(v);
  };
  return {
    dir: positionals[0] as string,
    concurrency: positiveInt(values.concurrency, '--concurrency', 64) ?? 1,
    limit: positiveInt(values.limit, '--limit', 1_000_000) ?? null,
    compare: nonNegative(values.compare, '--compare', 30),
    coldRuns: nonNegative(values['cold-runs'], '--cold-runs', 3),
    repeat: positiveInt(values.repeat, '--repeat', 20) ?? 1,
    json: values.json,
  };
}

/** Everything the bench measured (the `--json` output). */
export interface BenchReport {
  dir: string;
  concurrency: number;
  accuracy: Omit<Accuracy, 'misses'>;
  misses: Accuracy['misses'];
  warm: { stages: Record<string, { p50: number; p95: number; n: number }>; wallMs: number; photosPerSecond: number };
  /** Spawn → first result of fresh processes, and the reader's own stage timings of that first photo. */
  cold: { runs: number[]; medianMs: number | null; stages: Record<string, { p50: number; p95: number; n: number }> };
  peakRssMb: number;
  comparison: null | {
    photos: number;
    nativeTesseractMs: number[];
    cardocrMs: number[];
    nativeMedianMs: number;
    cardocrMedianMs: number;
    ratio: number;
    cardocrBuilt: boolean;
  };
  notes: string[];
}

const median = (xs: number[]): number => percentile(xs, 50);

async function loadTruth(dir: string): Promise<TruthEntry[]> {
  let text: string;
  try {
    text = await readFile(join(dir, 'truth.json'), 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${join(dir, 'truth.json')}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, { cause: err });
  }
  try {
    return parseTruth(JSON.parse(text));
  } catch (err) {
    throw new UsageError(`${join(dir, 'truth.json')} is not in the expected format: ${(err as Error).message.slice(0, 300)}`, { cause: err });
  }
}

/** Runs the benchmark; progress lines go to `log` (stderr), the report is returned. */
export async function runBench(opts: BenchOptions, env: Record<string, string | undefined>, log: (line: string) => void): Promise<BenchReport> {
  const all = await loadTruth(opts.dir);
  const truth = opts.limit ? all.slice(0, opts.limit) : all;
  const paths = truth.map((t) => join(opts.dir, t.file));
  for (const p of paths) await stat(p).catch((err: unknown) => {
    throw new UsageError(`photo listed in truth.json is missing: ${p}`, { cause: err });
  });
  const notes: string[] = [];
  const config = loadReaderConfig(env);
  const reader = await createCardReader({
    workers: opts.concurrency,
    engines: createReaderEngines({ workers: opts.concurrency, recycleAfter: config.CARDOCR_OCR_RECYCLE_AFTER }),
    limits: { maxInputBytes: config.CARDOCR_MAX_INPUT_BYTES, maxInputPixels: config.CARDOCR_MAX_INPUT_PIXELS, timeoutMs: config.CARDOCR_DECODE_TIMEOUT_MS },
  });

  // 1. In-process reads. One warm-up read first so that "warm" excludes one-off start-up.
  const readings = new Map<string, Reading>();
  const timings: Array<Record<string, number>> = [];
  let wallMs = 0;
  try {
    if (paths[0]) await reader.readPhoto(await readFile(paths[0]));
    log(`reading ${paths.length} photos in-process (concurrency ${opts.concurrency})…`);
    const t0 = performance.now();
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < truth.length) {
        const i = next++;
        const entry = truth[i] as TruthEntry;
        const result = await reader.readPhoto(await readFile(paths[i] as string));
        // The full number stays in this map, in memory, for the comparison only.
        readings.set(entry.file, {
          status: result.status,
          pan: result.revealPan(),
          brand: result.card.brand,
          expiry: result.card.expiry,
          name: result.card.name,
        });
        timings.push(result.timingsMs);
      }
    };
    await Promise.all(Array.from({ length: Math.min(opts.concurrency, truth.length) }, lane));
    wallMs = performance.now() - t0;
  } finally {
    await reader.close();
  }
  const accuracy = score(truth, readings);
  readings.clear();
  const peakRssMb = process.resourceUsage().maxRSS / 1024;

  // 2. Cold start: fresh process → first result line.
  const { command, prefix, built } = cardocrCommand();
  if (!built) notes.push('cardocr was started through tsx (bench not run from dist): cold start and wall clock include TypeScript loading; run `npm run bench` for the built CLI');
  const cold: number[] = [];
  const coldStages: Array<Record<string, number>> = [];
  const firstCard = truth.findIndex((t) => t.kind === 'payment_card');
  if (opts.coldRuns > 0 && firstCard >= 0) {
    log(`cold start: ${opts.coldRuns} fresh processes…`);
    for (let i = 0; i < opts.coldRuns; i++) {
      // The line is the CLI's masked JSON; only its timings are kept.
      const t = await timeProcess(command, [...prefix, 'scan', '--json', paths[firstCard] as string], { env, keepFirstLine: true });
      if (t.firstLineMs !== null) cold.push(t.firstLineMs);
      try {
        const line = JSON.parse(t.firstLine ?? '') as { timingsMs?: Record<string, number> };
        if (line.timingsMs) coldStages.push(line.timingsMs);
      } catch {
        notes.push(`cold run ${i + 1}: no JSON result line (exit ${t.exitCode})`);
      }
    }
  }

  // 3. Whole-process wall clock against the native Tesseract CLI on the same photos.
  let comparison: BenchReport['comparison'] = null;
  const n = Math.min(opts.compare, paths.length);
  if (n > 0 && hasNativeTesseract(env)) {
    const photos = paths.slice(0, n);
    const work = await mkdtemp(join(tmpdir(), 'cardocr-bench-'));
    const nativeMs: number[] = [];
    const oursMs: number[] = [];
    try {
      for (let r = 0; r < opts.repeat; r++) {
        log(`wall clock ${r + 1}/${opts.repeat}: native tesseract and cardocr scan --concurrency 1 over ${n} photos…`);
        const native = await timeNativeTesseract(photos, work, env);
        if (native.exitCode !== 0) notes.push(`native tesseract exited with ${native.exitCode}`);
        nativeMs.push(native.wallMs);
        const ours = await timeCardocr(photos, 1, env);
        if (ours.exitCode !== 0) notes.push(`cardocr scan exited with ${ours.exitCode}`);
        oursMs.push(ours.wallMs);
      }
    } finally {
      await rm(work, { recursive: true, force: true });
    }
    comparison = {
      photos: n,
      nativeTesseractMs: nativeMs,
      cardocrMs: oursMs,
      nativeMedianMs: median(nativeMs),
      cardocrMedianMs: median(oursMs),
      ratio: median(oursMs) / median(nativeMs),
      cardocrBuilt: built,
    };
  } else if (n > 0) {
    notes.push('tesseract is not on the PATH: native comparison skipped');
  }

  const { misses, ...rest } = accuracy;
  return {
    dir: opts.dir,
    concurrency: opts.concurrency,
    accuracy: rest,
    misses,
    warm: { stages: stageStats(timings), wallMs, photosPerSecond: truth.length / (wallMs / 1000) },
    cold: { runs: cold, medianMs: cold.length ? median(cold) : null, stages: stageStats(coldStages) },
    peakRssMb,
    comparison,
    notes,
  };
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`.padStart(6);
const ms = (x: number): string => (Number.isFinite(x) ? x.toFixed(0) : '-').padStart(7);

/** Masks a PAN-bearing miss for printing. */
const shown = (field: string, v: string | null): string => (v === null ? '—' : field === 'pan' || field === 'negative' ? maskPan(v) : v);

/** The human-readable report. */
export function formatReport(r: BenchReport): string {
  const a = r.accuracy;
  const c = (x: number): string => `(${Math.round(x * a.cards)}/${a.cards})`;
  const lines = [
    `cardocr bench — ${r.dir}: ${a.photos} photos (${a.cards} cards, ${a.negatives} without a card), concurrency ${r.concurrency}`,
    '',
    'Accuracy',
    `  PAN exact          ${pct(a.panExact)} ${c(a.panExact)}`,
    `  wrong PAN          ${pct(a.wrongPan)} ${c(a.wrongPan)}`,
    `  expiry exact       ${pct(a.expiryExact)} ${c(a.expiryExact)}`,
    `  name exact         ${pct(a.nameExact)} ${c(a.nameExact)}   character accuracy ${pct(a.nameCharAccuracy)}`,
    `  brand              ${pct(a.brand)} ${c(a.brand)}`,
    `  no-card photos reported with a PAN: ${a.negativesWithPan} of ${a.negatives}`,
    `  statuses: ${Object.entries(a.statuses).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    '',
    `Speed, warm (in-process, ms)     p50      p95`,
    ...Object.entries(r.warm.stages).map(([stage, s]) => `  ${stage.padEnd(26)} ${ms(s.p50)}  ${ms(s.p95)}`),
    `  throughput: ${r.warm.photosPerSecond.toFixed(2)} photos/s (${(r.warm.wallMs / 1000).toFixed(1)} s wall)`,
    `Cold start (fresh process → first result): ${r.cold.medianMs === null ? 'not measured' : `${r.cold.medianMs.toFixed(0)} ms median of [${r.cold.runs.map((x) => x.toFixed(0)).join(', ')}]`}`,
    ...(Object.keys(r.cold.stages).length
      ? [`  first photo in a fresh process, reader stages (ms): ${Object.entries(r.cold.stages).map(([k, v]) => `${k} ${v.p50.toFixed(0)}`).join(', ')} (p50 of ${r.cold.runs.length})`]
      : []),
    `Peak RSS (bench process, reader in-process): ${r.peakRssMb.toFixed(0)} MB`,
  ];
  if (r.comparison) {
    const k = r.comparison;
    lines.push(
      '',
      `Whole-process wall clock, same ${k.photos} photos, same run:`,
      `  native tesseract list.txt stdout (OMP_THREAD_LIMIT=1): ${(k.nativeMedianMs / 1000).toFixed(2)} s (${(k.nativeMedianMs / k.photos).toFixed(0)} ms/photo)  runs [${k.nativeTesseractMs.map((x) => (x / 1000).toFixed(2)).join(', ')}]`,
      `  cardocr scan --concurrency 1 --json:                   ${(k.cardocrMedianMs / 1000).toFixed(2)} s (${(k.cardocrMedianMs / k.photos).toFixed(0)} ms/photo)  runs [${k.cardocrMs.map((x) => (x / 1000).toFixed(2)).join(', ')}]`,
      `  ratio cardocr / native tesseract: ${k.ratio.toFixed(2)} (${k.ratio <= 1 ? 'within' : 'over'} the bar of 1.00)`,
    );
  }
  if (r.misses.length) {
    lines.push('', `Misses (${r.misses.length}; PANs masked):`);
    for (const m of r.misses.slice(0, 40)) lines.push(`  ${m.file}  ${m.field.padEnd(8)} expected ${shown(m.field, m.expected)}  got ${shown(m.field, m.got)}`);
    if (r.misses.length > 40) lines.push(`  … ${r.misses.length - 40} more (see --json)`);
  }
  for (const note of r.notes) lines.push(`note: ${note}`);
  return lines.join('\n') + '\n';
}

/** JSON report with every PAN masked. */
export function reportJson(r: BenchReport): string {
  return JSON.stringify({ ...r, misses: r.misses.map((m) => ({ ...m, expected: shown(m.field, m.expected), got: shown(m.field, m.got) })) }, null, 2) + '\n';
}
