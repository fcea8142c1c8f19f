/**
 * `cardocr scan <file|dir>... [--json] [--reveal] [--concurrency N] [--strict | --fail-on S,...]`.
 *
 * Reads every photo with one card reader — at `--concurrency 1` on this thread (one photo
 * being read and the next decoded ahead), at N > 1 on N reader threads (compute-pool.ts) — and
 * prints one result per photo, in input order, as soon as it and every earlier one are done.
 * The default concurrency is the host's cores, capped by memory (defaultScanConcurrency).
 * Exit code 0 when every photo was processed (whatever it held:
 * a card, no card, a corrupt file) unless `--strict`/`--fail-on` names its status, 1 when
 * such a photo was seen or the reader itself broke on some photo, 2 on a usage error.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import pLimit from 'p-limit';
import { ReadResult } from '../core/card.js';
import type { CardReader, CardReaderOptions } from '../reader/reader.js';
import { CardOcrError, toCardOcrError } from '../core/errors.js';
import { loadConfig } from '../core/config.js';
import { summary, Table, toScanLine, type ScanLine } from './format.js';
import { expandInputs, type ScanInput } from './inputs.js';
import { createProgress, type ProgressStream } from './progress.js';
import { EXIT, parseCliArgs, readerThreadsOption, UsageError } from './usage.js';
import { defaultReaderThreads, processMemory } from '../core/reader-memory.js';

/** Where the command writes (the process streams, or stand-ins in tests). */
export interface ScanIo {
  /** `columns`: the terminal's width, when stdout is one (the table is 80 wide otherwise). */
  stdout: { write(chunk: string): boolean; isTTY?: boolean; columns?: number };
  stderr: ProgressStream;
}

/** Options of one scan run, after parsing. */
export interface ScanOptions {
  inputs: string[];
  json: boolean;
  reveal: boolean;
  /** Photos read at once: reader threads when > 1 (default: defaultScanConcurrency()). */
  concurrency: number;
  /** Statuses that make the run exit 1 (`--strict` = all but `ok`). */
  failOn: ReadonlyArray<Exclude<ReadResult['status'], 'ok'>>;
}

const FAIL_STATUSES = ['failed', 'no_card', 'partial'] as const;
type FailStatus = (typeof FAIL_STATUSES)[number];

function parseFailOn(value: string | undefined, strict: boolean): FailStatus[] {
  if (strict) return [...FAIL_STATUSES];
  if (value === undefined) return [];
  const list = value.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = list.filter((s) => !(FAIL_STATUSES as readonly string[]).includes(s));
  if (list.length === 0 || bad.length > 0) {
    throw new UsageError(`--fail-on takes ${FAIL_STATUSES.join(', ')} (comma-separated), got "${value}"`, { command: 'scan' });
  }
  return FAIL_STATUSES.filter((s) => list.includes(s));
}

/**
 * Most reader threads `scan` starts by default: each holds its own model sessions and image
 * buffers (≈ 300–600 MB RSS a thread measured: see core/reader-memory.ts THREAD_MEMORY_BYTES), and a folder of
 * photos rarely gains from more.
 */
export const MAX_DEFAULT_CONCURRENCY = 8;

/**
 * `--concurrency` when not given: one reader thread per core, at most
 * {@link MAX_DEFAULT_CONCURRENCY}, and no more than half the memory the process may use holds
 * (600 MiB a thread, core/reader-memory.ts: `process.constrainedMemory()` where a cgroup limits it,
 * else the host's). One reader keeps about 1.5 cores busy whatever its onnxruntime thread count
 * (the steps between model runs are single-threaded JavaScript and libvips), so one photo per
 * core is what fills a host; a container's memory limit is what stops it (review 9 S4: a 2 GB
 * container on a 16-core host would have started 8 threads, ≈ 2.5 GB). The measured runs are in
 * the README (Command line).
 */
export function defaultScanConcurrency(cores: number = availableParallelism(), memoryBytes: number = processMemory()): number {
  return Math.min(MAX_DEFAULT_CONCURRENCY, defaultReaderThreads(cores, memoryBytes));
}

/**
 * Parses `scan` arguments (without the `scan` word itself). Throws UsageError.
 * `memoryBytes` is the memory the process may use (tests pass their own).
 */
export function parseScanArgs(argv: readonly string[], memoryBytes: number = processMemory()): ScanOptions {
  const parsed = parseCliArgs(argv, {
        json: { type: 'boolean', default: false },
        reveal: { type: 'boolean', default: false },
        concurrency: { type: 'string' },
        strict: { type: 'boolean', default: false },
        'fail-on': { type: 'string' },
      }, 'scan');
  const { values, positionals } = parsed;
  if (values.strict && values['fail-on'] !== undefined) {
    throw new UsageError('use --strict or --fail-on, not both (--strict = --fail-on failed,no_card,partial)', { command: 'scan' });
  }
  const requested = readerThreadsOption(values.concurrency, 'scan', memoryBytes);
  return {
    inputs: positionals,
    json: values.json,
    reveal: values.reveal,
    concurrency: requested ?? defaultScanConcurrency(availableParallelism(), memoryBytes),
    failOn: parseFailOn(values['fail-on'], values.strict),
  };
}

/**
 * What the scan command asks of a reader factory (the engines are the factory's to compose):
 * `workers` photos at once; `ocrThreads` onnxruntime threads per model of each (0: from the host).
 */
export type ScanReaderOptions = Omit<CardReaderOptions, 'engines'> & { recycleAfter?: number; ocrThreads?: number };
type ReaderFactory = (options: ScanReaderOptions) => Promise<CardReader>;

const defaultReaderFactory: ReaderFactory = async ({ recycleAfter, ocrThreads, ...options }) => {
  const workers = options.workers ?? 1;
  if (workers > 1) {
    // onnxruntime-node's `run` blocks the thread that calls it, so N readers on the main thread
    // read one photo at a time (real-dev-v1: 42 s at --concurrency 2 against 36 s at 1): N
    // photos at once need N threads, each with its own reader and engines (the compute pool
    // `cardocr serve` uses, here returning whole results). Their onnxruntime threads share the
    // host's cores.
    const [{ ComputePool }, { hostThreads }, { silentLog }] = await Promise.all([
      import('../local/compute-pool.js'),
      import('../adapters/ocr/reader-engines.js'),
      import('../core/log.js'),
    ]);
    const pool = new ComputePool({
      threads: workers,
      limits: options.limits ?? (await import('../reader/decode.js')).DEFAULT_IMAGE_LIMITS,
      ...(recycleAfter === undefined ? {} : { recycleAfter }),
      ocrThreads: ocrThreads || hostThreads(workers),
      log: options.log ?? silentLog,
      fullResults: true,
    });
    return pool.photoReader();
  }
  // Loaded only now, so usage errors answer before sharp and the OCR code are even loaded.
  const [{ createCardReader }, { createReaderEngines }] = await Promise.all([
    import('../reader/reader.js'),
    import('../adapters/ocr/reader-engines.js'),
  ]);
  const engines = createReaderEngines({
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    // CARDOCR_OCR_THREADS holds at one photo at a time too (the bench's --concurrency 1 run honours it: review 9 N4).
    ...(ocrThreads ? { threads: ocrThreads } : {}),
    ...(recycleAfter === undefined ? {} : { recycleAfter }),
    ...(options.log ? { log: options.log } : {}),
  });
  return createCardReader({ ...options, engines });
};

// Same unit and wording as the reader's own size check (functions/reader/decode.ts).
const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** Runs the scan command and returns the exit code. Usage errors are thrown as UsageError. */
export async function runScan(
  argv: readonly string[],
  io: ScanIo,
  deps: { createReader?: ReaderFactory; env?: Record<string, string | undefined> } = {},
): Promise<number> {
  const started = performance.now();
  const opts = parseScanArgs(argv);
  const inputs = await expandInputs(opts.inputs);
  let config;
  try {
    config = loadConfig(['limits', 'ocr'], deps.env);
  } catch (err) {
    throw new UsageError((err as Error).message, { cause: err });
  }
  const { limits } = config;
  // No more reader threads than photos: each one costs its start-up and memory.
  const concurrency = Math.max(1, Math.min(opts.concurrency, inputs.length));
  const reader = await (deps.createReader ?? defaultReaderFactory)({
    workers: concurrency,
    recycleAfter: config.ocr.recycleAfter,
    ocrThreads: config.ocr.threads,
    limits,
  });

  const columns = io.stdout.isTTY && io.stdout.columns ? io.stdout.columns : 80;
  const table = opts.json ? null : new Table(inputs.map((i) => i.file), columns);
  const progress = createProgress(io.stderr, inputs.length);
  const out = (text: string): void => {
    progress.clear();
    io.stdout.write(text + '\n');
  };
  if (table) out(table.header());

  const lines: Array<ScanLine | undefined> = new Array(inputs.length);
  const counts: Record<string, number> = {};
  let emitted = 0; // lines[0..emitted) are printed
  let finished = 0;
  let broken = false;
  let flagged = false; // a photo whose status --strict / --fail-on names

  const readOne = async (input: ScanInput): Promise<ReadResult> => {
    if (input.size > limits.maxInputBytes) {
      // Refused without reading a byte of it into memory.
      return new ReadResult({
        status: 'failed',
        error: {
          code: 'too_large',
          message: `expected at most ${mib(limits.maxInputBytes)} (${limits.maxInputBytes} bytes), got ${mib(input.size)} (${input.size} bytes)`,
        },
        timingsMs: { total: 0 },
      });
    }
    const t0 = performance.now();
    try {
      // Read synchronously on purpose: a local photo (size-checked above) reads in well under a
      // millisecond, while the async read is four libuv round trips that stall behind the
      // photo being processed and so delay this photo's decode-ahead (see the lanes below).
      const bytes = readFileSync(input.file);
      return await reader.readPhoto(bytes);
    } catch (err) {
      // The reader reports bad input as a result; anything thrown means the run itself broke.
      broken = true;
      const e: CardOcrError = toCardOcrError(err);
      return new ReadResult({ status: 'failed', error: e.toJSON(), timingsMs: { total: Math.round(performance.now() - t0) } });
    }
  };

  const flush = (): void => {
    while (emitted < lines.length && lines[emitted]) {
      const line = lines[emitted] as ScanLine;
      out(table ? table.row(line) : JSON.stringify(line));
      // Printed lines are dropped so that a long run holds only the out-of-order ones.
      lines[emitted] = undefined;
      emitted++;
    }
    progress.tick(finished);
  };

  const readInto = async (input: ScanInput, index: number): Promise<void> => {
    const result = await readOne(input);
    lines[index] = toScanLine(input.file, result, opts.reveal);
    counts[result.status] = (counts[result.status] ?? 0) + 1;
    if ((opts.failOn as readonly string[]).includes(result.status)) flagged = true;
    finished++;
    flush();
  };
  // One photo more in flight than the reader's slots: the reader lets `concurrency` photos into
  // its main-thread stages at a time, so the extra photo is read from disk and decoded
  // (libvips, off the main thread) while the others are processed, rather than after them.
  // p-limit starts them in input order.
  const limit = pLimit(concurrency + 1);
  try {
    await Promise.all(inputs.map((input, index) => limit(() => readInto(input, index))));
  } finally {
    progress.done();
    await reader.close();
  }
  if (table) io.stdout.write(summary(counts, inputs.length, performance.now() - started) + '\n');
  return broken || flagged ? EXIT.failure : EXIT.ok;
}
