/**
 * `npm run bench -- <dir with truth.json> [--concurrency N] [--limit N] [--compare N]
 *  [--cold-runs N] [--repeat N] [--json]` (see BENCH_USAGE for the defaults)
 *
 * 1. Reads every photo in-process (at `--concurrency` N > 1 on N reader threads, like `cardocr
 *    scan`; each reader after one warm-up read) and scores it
 *    against truth.json by the rules of `../shared/tools/score-cards.mjs` (score.ts): PAN exact,
 *    wrong PAN, expiry, name (exact and character accuracy), brand, photos without a card
 *    reported with a number; which reader produced each reported field (`ReadResult.sources`);
 *    where every PAN miss failed (misses.ts, from the reader's `onDiagnostics`); warm p50/p95
 *    per stage and per reader (`timingsMs`), throughput, peak RSS.
 * 2. Cold start: a fresh `cardocr scan --json <one photo>` process, spawn → first result.
 * 3. When asked (`--compare N`) and `tesseract` is on the PATH: whole-process wall clock of the
 *    native CLI reading the first N photos in one process (`tesseract list.txt stdout`, OMP_THREAD_LIMIT=1) and of
 *    `cardocr scan --concurrency 1` over the same photos, and their ratio (`--repeat` runs).
 * Full PANs are used in memory for the comparison only; every PAN printed is masked.
 *
 * Lives in tools/: never compiled into dist/, never imported by runtime code (run by tsx).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { maskPan } from '../../functions/core/mask.js';
import { ReadResult } from '../../functions/core/card.js';
import { toCardOcrError } from '../../functions/core/errors.js';
import { createReaderEngines, hostThreads } from '../../functions/adapters/ocr/reader-engines.js';
import { createCardReader, type CardReader } from '../../functions/reader/reader.js';
import { silentLog } from '../../functions/core/log.js';
import { ComputePool } from '../../functions/local/compute-pool.js';
import { loadConfig } from '../../functions/core/config.js';
import { parseCliArgs, positiveInt, UsageError } from '../../functions/cli/usage.js';
import { defaultScanConcurrency, MAX_DEFAULT_CONCURRENCY } from '../../functions/cli/scan.js';
import { classifyPanMiss, missCounts, type BenchDiagnostics, type MissClass, type PanMiss } from './misses.js';
import { cardocrCommand, hasNativeTesseract, timeCardocr, timeNativeTesseract, timeProcess } from './processes.js';
import { countedPan, isTruePan, normName, parseTruth, score, type Accuracy, type Reading, type TruthEntry } from './score.js';
import { percentile, stageStats } from './stats.js';
import { detectorInputSize } from '../../functions/adapters/ocr/ppocr/ppocr-detector.js';

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

export const BENCH_USAGE = `usage: npm run bench -- <dir with truth.json> [options]

The default run is the short one: every photo read and scored at the host's concurrency, and
one cold start. The issue's speed bars are per photo at one photo at a time (peak RSS of one
reader), cold start median of 3, and against the native Tesseract CLI; ask for them:
  npm run bench -- DIR --concurrency 1 --cold-runs 3 --compare 30

options:
  --concurrency N   photos read at once, each on its own reader thread when N > 1
                    (default: like cardocr scan, the host's cores, at most ${MAX_DEFAULT_CONCURRENCY})
  --limit N         only the first N photos of truth.json
  --cold-runs N     fresh \`cardocr scan\` processes timed to their first result (default 1)
  --compare N       native tesseract and \`cardocr scan --concurrency 1\` over the first N
                    photos, when tesseract is installed (default 0: skipped)
  --repeat N        runs of that comparison (default 1)
  --json            the report as JSON (PANs masked)
`;

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
    concurrency: positiveInt(values.concurrency, '--concurrency', 64) ?? defaultScanConcurrency(),
    limit: positiveInt(values.limit, '--limit', 1_000_000) ?? null,
    // The comparison reads its photos twice more in fresh processes (real-dev-v1: 14.7 + 3.0 s
    // idle), and each extra cold start costs ≈ 2.5 s: both only when asked for.
    compare: nonNegative(values.compare, '--compare', 0),
    coldRuns: nonNegative(values['cold-runs'], '--cold-runs', 1),
    repeat: positiveInt(values.repeat, '--repeat', 20) ?? 1,
    json: values.json,
  };
}

/** Reports per field of one reader source: how often it produced the field, and how often that was right. */
export type SourceTable = Record<'pan' | 'panUnverified' | 'expiry' | 'name', Record<string, { reported: number; right: number }>>;

/** Everything the bench measured (the `--json` output). */
export interface BenchReport {
  dir: string;
  concurrency: number;
  accuracy: Omit<Accuracy, 'misses'>;
  misses: Accuracy['misses'];
  /** Where every PAN miss failed (masked details). */
  panMisses: PanMiss[];
  panMissCounts: Record<MissClass, number>;
  /** Which reader produced each field; null when the reader reports no sources. */
  sources: SourceTable | null;
  /** Photos for which the reader called onDiagnostics. */
  diagnosedPhotos: number;
  warm: { stages: Record<string, { p50: number; p95: number; n: number }>; wallMs: number; photosPerSecond: number };
  /** Spawn → first result of fresh processes, and the reader's own stage timings of that first photo. */
  cold: { runs: number[]; medianMs: number | null; stages: Record<string, { p50: number; p95: number; n: number }> };
  peakRssMb: number;
  /** Work per photo (from the reader's diagnostics): detector passes, detector input, line crops, skipped passes. */
  work?: WorkSummary | null;
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

/** What reading the set cost, in work rather than time (the shared machine's load does not blur it). */
export interface WorkSummary {
  photos: number;
  /** Detector passes per photo: mean and max. */
  detectMean: number;
  detectMax: number;
  /** Passes by input side asked for (`960`, `1280`, `default`), over all photos. */
  detectBySide: Record<string, number>;
  /** Detector input, megapixels per photo (mean), as the detector scales it. */
  detectMpMean: number;
  /** Line crops per photo (mean), per recogniser. */
  linesMean: Record<string, number>;
  /** Photos on which the time budget skipped a pass, and the passes skipped. */
  skippedPhotos: number;
  skipped: Record<string, number>;
}

/** Sums the reader's per-photo work diagnostics. */
export function summariseWork(ds: readonly BenchDiagnostics[]): WorkSummary | null {
  const withWork = ds.filter((d) => d.work);
  if (withWork.length === 0) return null;
  const n = withWork.length;
  const bySide: Record<string, number> = {};
  const lines: Record<string, number> = {};
  const skipped: Record<string, number> = {};
  let passes = 0, max = 0, mp = 0, skippedPhotos = 0;
  for (const d of withWork) {
    const w = d.work!;
    passes += w.detect.length;
    max = Math.max(max, w.detect.length);
    for (const p of w.detect) {
      const key = p.maxSide === null ? 'default' : String(p.maxSide);
      bySide[key] = (bySide[key] ?? 0) + 1;
      const size = detectorInputSize(p.width, p.height, p.maxSide ?? 960);
      mp += (size.width * size.height) / 1e6;
    }
    for (const [k, v] of Object.entries(w.lines)) lines[k] = (lines[k] ?? 0) + v;
    if (w.skipped.length > 0) skippedPhotos++;
    for (const s of w.skipped) skipped[s] = (skipped[s] ?? 0) + 1;
  }
  const linesMean: Record<string, number> = {};
  for (const [k, v] of Object.entries(lines)) linesMean[k] = v / n;
  return { photos: n, detectMean: passes / n, detectMax: max, detectBySide: bySide, detectMpMean: mp / n, linesMean, skippedPhotos, skipped };
}

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

/** What a ReadResult may carry beyond its masked fields (older readers: absent). */
interface ResultExtras {
  revealPanUnverified?: () => string | null;
  sources?: Partial<Record<'pan' | 'panUnverified' | 'expiry' | 'name', readonly string[]>>;
}

const FIELDS = ['pan', 'panUnverified', 'expiry', 'name'] as const;

/** Whether each reported field of a reading is right for its truth entry. */
function fieldRight(t: TruthEntry, r: Reading, field: (typeof FIELDS)[number]): boolean {
  if (field === 'pan') return r.pan !== null && isTruePan(t, r.pan);
  if (field === 'panUnverified') {
    const p = countedPan(t, r);
    return r.pan === null && p !== null && isTruePan(t, p);
  }
  if (field === 'expiry') return r.expiry !== null && r.expiry === (t.expiry ?? null);
  return r.name !== null && normName(r.name) === normName(t.name);
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
  const config = loadConfig(['limits', 'ocr'], env);
  // Diagnostics arrive through a callback; the async context of each read says which photo
  // they belong to, so several photos may be in flight at once.
  const photoContext = new AsyncLocalStorage<string>();
  const diagnostics = new Map<string, BenchDiagnostics>();
  const onDiagnostics = (d: BenchDiagnostics): void => {
    const file = photoContext.getStore();
    if (file !== undefined) diagnostics.set(file, d);
  };
  // Several photos at once are read on as many threads, each with its own reader, like
  // `cardocr scan --concurrency N` (onnxruntime's run blocks the thread that calls it).
  const threaded = opts.concurrency > 1;
  const reader: CardReader = threaded
    ? new ComputePool({
        threads: opts.concurrency,
        limits: config.limits,
        ...(config.ocr.recycleAfter ? { recycleAfter: config.ocr.recycleAfter } : {}),
        ocrThreads: config.ocr.threads || hostThreads(opts.concurrency),
        log: silentLog,
        fullResults: true,
        diagnostics: true,
      }).photoReader({ onDiagnostics })
    : await createCardReader({
        workers: 1,
        engines: createReaderEngines({ workers: 1, recycleAfter: config.ocr.recycleAfter, threads: config.ocr.threads }),
        limits: config.limits,
        onDiagnostics,
      });

  // 1. In-process reads. One warm-up read first so that "warm" excludes one-off start-up.
  const readings = new Map<string, Reading>();
  const sourcesByFile = new Map<string, ResultExtras['sources']>();
  const timings: Array<Record<string, number>> = [];
  let wallMs = 0;
  try {
    if (paths[0]) {
      // Every reader thread reads the first photo once (the pool gives each idle thread one).
      const first = await readFile(paths[0]);
      await Promise.all(Array.from({ length: opts.concurrency }, () => reader.readPhoto(first)));
    }
    diagnostics.clear();
    log(`reading ${paths.length} photos in-process (concurrency ${opts.concurrency})…`);
    const t0 = performance.now();
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < truth.length) {
        const i = next++;
        const entry = truth[i] as TruthEntry;
        const bytes = await readFile(paths[i] as string);
        // A reader thread that dies fails its photo and is replaced (compute-pool.ts): the photo
        // is scored as failed and the run goes on, as `cardocr scan` does (review 9 S7).
        const result = await photoContext
          .run(entry.file, () => reader.readPhoto(bytes))
          .catch((err: unknown) => {
            const e = toCardOcrError(err);
            notes.push(`${entry.file}: the reader failed (${e.code}): ${e.message.slice(0, 200)}`);
            return new ReadResult({ status: 'failed', error: e.toJSON(), timingsMs: {} });
          });
        const extras = result as unknown as ResultExtras;
        // The full numbers stay in this map, in memory, for the comparison only.
        readings.set(entry.file, {
          status: result.status,
          pan: result.revealPan(),
          panUnverified: typeof extras.revealPanUnverified === 'function' ? extras.revealPanUnverified.call(result) : null,
          brand: result.card.brand,
          expiry: result.card.expiry,
          name: result.card.name,
        });
        sourcesByFile.set(entry.file, extras.sources);
        timings.push(result.timingsMs);
      }
    };
    await Promise.all(Array.from({ length: Math.min(opts.concurrency, truth.length) }, lane));
    wallMs = performance.now() - t0;
  } finally {
    await reader.close();
  }
  const accuracy = score(truth, readings);
  const panMisses: PanMiss[] = [];
  for (const t of truth) {
    if (t.kind !== 'payment_card') continue;
    const m = classifyPanMiss(t, readings.get(t.file) as Reading, diagnostics.get(t.file) ?? null);
    if (m) panMisses.push(m);
  }
  let sources: SourceTable | null = null;
  if ([...sourcesByFile.values()].some((s) => s !== undefined)) {
    sources = { pan: {}, panUnverified: {}, expiry: {}, name: {} };
    for (const t of truth) {
      const s = sourcesByFile.get(t.file);
      const r = readings.get(t.file) as Reading;
      for (const field of FIELDS) {
        for (const src of s?.[field] ?? []) {
          const row = (sources[field][src] ??= { reported: 0, right: 0 });
          row.reported++;
          if (t.kind === 'payment_card' && fieldRight(t, r, field)) row.right++;
        }
      }
    }
  } else notes.push('the reader reports no per-field sources (ReadResult.sources): the source table is skipped');
  if (diagnostics.size === 0) notes.push('the reader sent no diagnostics (onDiagnostics): PAN misses are not classified');
  const diagnosedPhotos = diagnostics.size;
  const work = summariseWork([...diagnostics.values()]);
  readings.clear();
  diagnostics.clear();
  const peakRssMb = process.resourceUsage().maxRSS / 1024;

  // 2. Cold start: fresh process → first result line.
  const { command, prefix, built } = cardocrCommand();
  if (!built) notes.push('dist/bin/cardocr.js not found: cardocr was started through tsx, so cold start and wall clock include TypeScript loading (run `npm run bench`, which builds first)');
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
    notes.push('tesseract is not on the PATH: native comparison skipped (Debian: apt-get install tesseract-ocr)');
  } else {
    notes.push('native tesseract comparison not run (--compare 30 runs it)');
  }
  if (threaded) {
    notes.push(`per-photo warm times are with ${opts.concurrency} photos at once sharing the cores; one photo at a time: --concurrency 1`);
  }

  const { misses, ...rest } = accuracy;
  return {
    dir: opts.dir,
    concurrency: opts.concurrency,
    accuracy: rest,
    misses,
    panMisses,
    panMissCounts: missCounts(panMisses),
    sources,
    diagnosedPhotos,
    warm: { stages: stageStats(timings), wallMs, photosPerSecond: truth.length / (wallMs / 1000) },
    cold: { runs: cold, medianMs: cold.length ? median(cold) : null, stages: stageStats(coldStages) },
    peakRssMb,
    work,
    comparison,
    notes,
  };
}

/** The issue's bar: `cardocr scan --concurrency 1` at most 1.5× the native Tesseract CLI on the same photos. */
const RATIO_BAR = 1.5;

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`.padStart(6);
const ms = (x: number): string => (Number.isFinite(x) ? x.toFixed(0) : '-').padStart(7);

/** Masks a PAN-bearing miss for printing. */
const shown = (field: string, v: string | null): string => (v === null ? '—' : field === 'pan' || field === 'negative' ? maskPan(v) : v);

/** The human-readable report. */
export function formatReport(r: BenchReport): string {
  const a = r.accuracy;
  const of = (x: number, n: number): string => `(${Math.round(x * n)}/${n})`;
  const lines = [
    `cardocr bench — ${r.dir}: ${a.photos} photos (${a.cards} cards, ${a.negatives} without a card), concurrency ${r.concurrency}`,
    '',
    'Accuracy (rules of score-cards.mjs: a Luhn-failing specimen read as panUnverified counts)',
    `  PAN exact          ${pct(a.panExact)} ${of(a.panExact, a.cards)}`,
    `  wrong PAN          ${pct(a.wrongPan)} ${of(a.wrongPan, a.cards)}`,
    `  no PAN             ${pct(a.noPan)} ${of(a.noPan, a.cards)}`,
    `  unverified number offered that is not the card's (masked, for a person to confirm): ${a.wrongUnverified}`,
    `  expiry exact       ${pct(a.expiryExact)} ${of(a.expiryExact, a.expiryCards)}   wrong ${Math.round(a.expiryWrong * a.expiryCards)}, reported where none is printed ${a.expiryInvented}`,
    `  name exact         ${pct(a.nameExact)} ${of(a.nameExact, a.nameCards)}   character accuracy ${pct(a.nameCharAccuracy)}`,
    `  brand              ${pct(a.brand)} ${of(a.brand, a.cards)}`,
    `  no-card photos reported with a number: ${a.negativesWithPan} of ${a.negatives}`,
    `  statuses: ${Object.entries(a.statuses).map(([k, v]) => `${k} ${v}`).join(', ')}`,
  ];
  const c = r.panMissCounts;
  const totalMisses = r.panMisses.length;
  lines.push('', `PAN misses by where they failed (${totalMisses}; diagnostics for ${r.diagnosedPhotos} photos):`);
  lines.push(`  no text found ${c.no_text}   misread ${c.misread}   rejected by checks/fusion ${c.rejected}   wrong number reported ${c.wrong}   unclassified ${c.unknown}`);
  for (const m of r.panMisses) lines.push(`  ${m.file.padEnd(36)} ${m.class.padEnd(8)} ${m.detail}`);
  if (r.sources) {
    lines.push('', 'Which reader produced each field (reported / right):');
    for (const field of FIELDS) {
      const rows = Object.entries(r.sources[field]).sort((x, y) => y[1].reported - x[1].reported);
      if (rows.length) lines.push(`  ${field.padEnd(14)} ${rows.map(([src, v]) => `${src} ${v.reported}/${v.right}`).join(', ')}`);
    }
  }
  lines.push(
    '',
    r.concurrency > 1
      ? `Speed, warm at concurrency ${r.concurrency} (${r.concurrency} photos at once sharing the cores; per photo alone: --concurrency 1), ms   p50      p95`
      : `Speed, warm (in-process, one photo at a time, ms; per stage and per reader)   p50      p95`,
    ...Object.entries(r.warm.stages).map(([stage, s]) => `  ${stage.padEnd(50)} ${ms(s.p50)}  ${ms(s.p95)}`),
    `  throughput: ${r.warm.photosPerSecond.toFixed(2)} photos/s (${(r.warm.wallMs / 1000).toFixed(1)} s wall)`,
    `Cold start (fresh process → first result): ${r.cold.medianMs === null ? 'not measured' : `${r.cold.medianMs.toFixed(0)} ms median of [${r.cold.runs.map((x) => x.toFixed(0)).join(', ')}]`}`,
    ...(Object.keys(r.cold.stages).length
      ? [`  first photo in a fresh process, reader stages (ms): ${Object.entries(r.cold.stages).map(([k, v]) => `${k} ${v.p50.toFixed(0)}`).join(', ')} (p50 of ${r.cold.runs.length})`]
      : []),
    `Peak RSS (bench process, ${r.concurrency > 1 ? `${r.concurrency} reader threads` : 'one reader in-process'}): ${r.peakRssMb.toFixed(0)} MB`,
  );
  if (r.work) {
    const w = r.work;
    const sides = Object.entries(w.detectBySide).sort((a, b) => a[0].localeCompare(b[0])).map(([k, v]) => `${k}px ${v}`).join(', ');
    const crops = Object.entries(w.linesMean).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ');
    const skipped = Object.entries(w.skipped).map(([k, v]) => `${k} ${v}`).join(', ');
    lines.push(
      `Work per photo (${w.photos} photos): detector passes ${w.detectMean.toFixed(2)} mean, ${w.detectMax} max (by input side asked: ${sides || 'none'}); detector input ${w.detectMpMean.toFixed(2)} MP mean`,
      `  line crops read per photo: ${crops || 'none'}; photos with passes skipped by the time budget: ${w.skippedPhotos}${skipped ? ` (${skipped})` : ''}`,
    );
  }
  if (r.comparison) {
    const k = r.comparison;
    lines.push(
      '',
      `Whole-process wall clock, same ${k.photos} photos, same run:`,
      `  native tesseract list.txt stdout (OMP_THREAD_LIMIT=1): ${(k.nativeMedianMs / 1000).toFixed(2)} s (${(k.nativeMedianMs / k.photos).toFixed(0)} ms/photo)  runs [${k.nativeTesseractMs.map((x) => (x / 1000).toFixed(2)).join(', ')}]`,
      `  cardocr scan --concurrency 1 --json:                   ${(k.cardocrMedianMs / 1000).toFixed(2)} s (${(k.cardocrMedianMs / k.photos).toFixed(0)} ms/photo)  runs [${k.cardocrMs.map((x) => (x / 1000).toFixed(2)).join(', ')}]`,
      `  ratio cardocr / native tesseract: ${k.ratio.toFixed(2)} (${k.ratio <= RATIO_BAR ? 'within' : 'over'} the bar of ${RATIO_BAR.toFixed(2)})`,
    );
  }
  if (r.misses.length) {
    lines.push('', `Misses (${r.misses.length}; PANs masked):`);
    for (const m of r.misses.slice(0, 60)) lines.push(`  ${m.file}  ${m.field.padEnd(8)} expected ${shown(m.field, m.expected)}  got ${shown(m.field, m.got)}`);
    if (r.misses.length > 60) lines.push(`  … ${r.misses.length - 60} more (see --json)`);
  }
  for (const note of r.notes) lines.push(`note: ${note}`);
  return lines.join('\n') + '\n';
}

/** JSON report with every PAN masked. */
export function reportJson(r: BenchReport): string {
  return JSON.stringify({ ...r, misses: r.misses.map((m) => ({ ...m, expected: shown(m.field, m.expected), got: shown(m.field, m.got) })) }, null, 2) + '\n';
}
