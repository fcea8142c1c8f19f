/**
 * OcrEngine on tesseract.js 7, fully offline: the LSTM-only `eng` model comes from the
 * `@tesseract.js-data/eng` package (4.0.0_best_int), never from a CDN, and nothing is cached
 * to disk (`cacheMethod: 'none'`), so it runs from a read-only package directory such as
 * Lambda's /var/task and a stray `eng.traineddata` in the working directory cannot override it.
 *
 * Workers are created once and reused: a small pool, each worker running one job at a time,
 * recycled after `recycleAfter` jobs because tesseract.js' WASM heap only grows.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createWorker, OEM, PSM, type Page, type Worker } from 'tesseract.js';
import { OcrEngineError } from '../../core/errors.js';
import { redactPans } from '../../core/mask.js';
import { silentLog, type Log } from '../../core/log.js';
import type { OcrEngine, OcrRegionOptions, OcrText, OcrWord } from '../../core/ports.js';

export interface TesseractOcrEngineOptions {
  /** Number of workers (each one is single-threaded). Default 1. */
  workers?: number;
  /** Replace a worker after this many jobs. Default 500. */
  recycleAfter?: number;
  /** Directory holding `eng.traineddata.gz`; default: the LSTM model of `@tesseract.js-data/eng`. */
  langPath?: string;
  /** Give up starting a worker after this long, ms. Default 60 000. */
  startTimeoutMs?: number;
  log?: Log;
}

/** Directory of the packaged LSTM-only English model (about half the start-up cost of the legacy data). */
export function defaultLangPath(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@tesseract.js-data/eng')), '4.0.0_best_int');
}

const PSM_BY_LAYOUT: Record<NonNullable<OcrRegionOptions['layout']>, PSM> = {
  line: PSM.SINGLE_LINE,
  word: PSM.SINGLE_WORD,
  block: PSM.SINGLE_BLOCK,
  sparse: PSM.SPARSE_TEXT,
};

interface PoolWorker {
  worker: Worker;
  jobs: number;
}

interface Waiter {
  resolve: (w: PoolWorker) => void;
  reject: (err: unknown) => void;
}

/**
 * Creates the engine and starts its workers in the background (so the model loads while the
 * first photo is being decoded). Start-up failures surface on the first `recognize`.
 */
export function createTesseractOcrEngine(options: TesseractOcrEngineOptions = {}): OcrEngine {
  const size = Math.max(1, options.workers ?? 1);
  const recycleAfter = Math.max(1, options.recycleAfter ?? 500);
  const langPath = options.langPath ?? defaultLangPath();
  const log = options.log ?? silentLog;
  const startTimeoutMs = options.startTimeoutMs ?? 60_000;
  const idle: PoolWorker[] = [];
  const waiters: Waiter[] = [];
  const starting = new Set<Promise<void>>();
  let live = 0;
  let closed = false;
  let startError: unknown = null;

  const spawn = (): void => {
    live += 1;
    const started = Date.now();
    const p = startWorker(langPath, startTimeoutMs, log)
      .then((worker) => {
        log.debug('ocr worker ready', { ms: Date.now() - started });
        release({ worker, jobs: 0 });
      })
      .catch((err: unknown) => {
        live -= 1;
        startError = err;
        log.error('ocr worker failed to start', { ms: Date.now() - started });
        // Nobody can serve the waiters if no worker is alive or starting.
        if (live === 0) for (const w of waiters.splice(0)) w.reject(err);
      })
      .finally(() => starting.delete(p));
    starting.add(p);
  };

  const release = (pw: PoolWorker): void => {
    if (closed) {
      void pw.worker.terminate().catch(() => {});
      return;
    }
    if (pw.jobs >= recycleAfter) {
      live -= 1;
      void pw.worker.terminate().catch(() => {});
      spawn();
      return;
    }
    const waiter = waiters.shift();
    if (waiter) waiter.resolve(pw);
    else idle.push(pw);
  };

  const acquire = (): Promise<PoolWorker> => {
    if (closed) return Promise.reject(new OcrEngineError('OCR engine is closed'));
    const pw = idle.pop();
    if (pw) return Promise.resolve(pw);
    if (live === 0) {
      // Every worker failed to start: try once more, so a transient failure is not permanent.
      if (startError) spawn();
    }
    return new Promise<PoolWorker>((resolve, reject) => waiters.push({ resolve, reject }));
  };

  for (let i = 0; i < size; i++) spawn();

  return {
    async recognize(image: Uint8Array, opts: OcrRegionOptions = {}): Promise<OcrText> {
      let pw: PoolWorker;
      try {
        pw = await acquire();
      } catch (err) {
        if (err instanceof OcrEngineError) throw err;
        throw new OcrEngineError('OCR engine could not start', { cause: err });
      }
      pw.jobs += 1;
      try {
        const params: Record<string, string> = {
          tessedit_pageseg_mode: PSM_BY_LAYOUT[opts.layout ?? 'line'],
          // Crops carry no resolution; without this Tesseract warns on stderr for every job.
          user_defined_dpi: '300',
        };
        if (opts.whitelist !== undefined) params.tessedit_char_whitelist = opts.whitelist;
        const recOptions: Record<string, unknown> = { ...params };
        if (opts.rectangle) recOptions.rectangle = opts.rectangle;
        const result = await pw.worker.recognize(Buffer.from(image), recOptions, { text: true, blocks: true });
        return toOcrText(result.data);
      } catch (err) {
        // A failed job may leave the worker in a bad state: replace it.
        pw.jobs = recycleAfter;
        throw new OcrEngineError('OCR failed', { cause: err });
      } finally {
        release(pw);
      }
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      for (const w of waiters.splice(0)) w.reject(new OcrEngineError('OCR engine is closed'));
      await Promise.allSettled([...starting]);
      await Promise.allSettled(idle.splice(0).map((pw) => pw.worker.terminate()));
    },
  };
}

/**
 * Starts one worker. tesseract.js reports a failed model load by throwing from a message
 * handler (which kills the process) or, with an `errorHandler`, by never settling; so the
 * model file is checked first, errors are routed to the handler, and start-up has a deadline.
 */
async function startWorker(langPath: string, timeoutMs: number, log: Log): Promise<Worker> {
  const model = join(langPath, 'eng.traineddata.gz');
  if (!existsSync(model)) throw new OcrEngineError(`OCR language data not found: expected ${model}`);
  let fail: (err: unknown) => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    fail = reject;
  });
  failed.catch(() => {}); // may settle after the race is decided
  const timer = setTimeout(() => fail(new OcrEngineError(`OCR worker did not start within ${timeoutMs} ms`)), timeoutMs);
  const starting = createWorker('eng', OEM.LSTM_ONLY, {
    langPath,
    gzip: true,
    cacheMethod: 'none',
    errorHandler: (err: unknown) => {
      // Failed jobs are also rejected to their caller; this only keeps tesseract.js from throwing.
      log.warn('ocr worker reported an error', { error: redactPans(String(err)).slice(0, 200) });
      fail(err);
    },
  });
  try {
    return await Promise.race([starting, failed]);
  } catch (err) {
    void starting.then((w) => w.terminate()).catch(() => {});
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

function toOcrText(page: Page): OcrText {
  const words: OcrWord[] = [];
  for (const block of page.blocks ?? []) {
    for (const para of block.paragraphs) {
      for (const line of para.lines) {
        for (const w of line.words) {
          words.push({
            text: w.text,
            confidence: clamp01(w.confidence / 100),
            box: { left: w.bbox.x0, top: w.bbox.y0, width: w.bbox.x1 - w.bbox.x0, height: w.bbox.y1 - w.bbox.y0 },
          });
        }
      }
    }
  }
  return { text: page.text ?? '', confidence: clamp01((page.confidence ?? 0) / 100), words };
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}
