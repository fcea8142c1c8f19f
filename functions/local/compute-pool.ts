/**
 * A pool of worker threads for the CPU-bound steps of the stages (see compute-thread.ts).
 * The card reader's glyph reading and the preprocessing are synchronous JavaScript: run on
 * the main thread they would use one core whatever the worker count and stall the API for
 * seconds under load. Each thread keeps its own card reader with one OCR worker, so the pool
 * as a whole has as many OCR workers as threads. A thread that dies or overruns its deadline
 * is replaced; its job fails with a typed error (retryable for OCR, `timeout` for an image).
 *
 * `cardocr scan` and the bench use the same pool for whole photos (`fullResults`,
 * {@link ComputePool.photoReader}): onnxruntime's `run` blocks the thread it is called on, so
 * N readers on one thread read one photo at a time, while N threads read N.
 */
import { Worker } from 'node:worker_threads';
import type { ImageLimits } from '../reader/decode.js';
import { CardOcrError, ERROR_CODES, ImageInputError, NoCardError, OcrEngineError, type ErrorCode } from '../core/errors.js';
import type { Log } from '../core/log.js';
import { redactPans } from '../core/mask.js';
import type { ReadHints } from '../core/record.js';
import type { NormalisedReader, Preprocessed, PreprocessFn, ReadView } from '../core/stages.js';
import { ReadResult } from '../core/card.js';
import type { CardReader, ReadDiagnostics } from '../reader/reader.js';
import type { ComputeReply, ComputeRequest, ComputeThreadData, PhotoRead } from './compute-thread.js';

export interface ComputePoolOptions {
  readonly threads: number;
  readonly limits: ImageLimits;
  readonly recycleAfter?: number;
  /** onnxruntime threads per learned model in each thread's reader. */
  readonly ocrThreads?: number;
  readonly log: Log;
  /** Hard deadline of one job, ms (default: 3 × the decode budget + 60 s). */
  readonly deadlineMs?: number;
  /**
   * Whole photos with their full results (the `photo` op, {@link ComputePool.photoReader}),
   * for a local command that prints or scores them (`scan --reveal`, the bench). Off for the
   * serve pool, whose threads then refuse that op: only masked results leave them.
   */
  readonly fullResults?: boolean;
  /** With `fullResults`: each photo's reader diagnostics come back too (the bench; full digits, never log them). */
  readonly diagnostics?: boolean;
  /** The threads' entry module (default: compute-thread next to this file; tests pass a stand-in that crashes). */
  readonly entry?: URL;
}

/** A card reader over the pool's threads (see {@link ComputePool.photoReader}). */
export interface PhotoReaderOptions {
  /** Called with each photo's diagnostics, in the async context of its `readPhoto` call (pool started with `diagnostics`). */
  readonly onDiagnostics?: (d: ReadDiagnostics) => void;
}

type Op = 'preprocess' | 'read' | 'photo';

interface Task {
  readonly op: Op;
  readonly bytes: Uint8Array;
  readonly hints?: ReadHints;
  resolve(value: unknown): void;
  reject(err: Error): void;
}

interface Slot {
  worker: Worker;
  task: (Task & { id: number; timer: NodeJS.Timeout }) | null;
  /** Terminated for overrunning the deadline (rather than crashed). */
  overran: boolean;
}

function toError(e: { code: string; message: string; retryable: boolean; cause?: { name: string; code?: string; message: string } }): CardOcrError {
  const code = (ERROR_CODES as readonly string[]).includes(e.code) ? (e.code as ErrorCode) : 'internal';
  if (code === 'invalid_image' || code === 'unsupported_format' || code === 'too_large' || code === 'timeout') {
    return new ImageInputError(code, e.message);
  }
  if (code === 'no_card') return new NoCardError(e.message);
  if (code === 'ocr_failed') return new OcrEngineError(e.message);
  const cause = e.cause ? Object.assign(new Error(e.cause.message), { name: e.cause.name, ...(e.cause.code ? { code: e.cause.code } : {}) }) : undefined;
  return new CardOcrError(code, e.message, { retryable: e.retryable, ...(cause ? { cause } : {}) });
}

/**
 * Starts a thread on `entry`, by default the compiled `.js` entry next to this file, or, when
 * running from the TypeScript sources (tsx, vitest), the `.ts` entry; a `.ts` entry runs with
 * tsx registered in the thread.
 */
function startThread(workerData: unknown, entry?: URL): Worker {
  const url = entry ?? new URL(import.meta.url.endsWith('.ts') ? './compute-thread.ts' : './compute-thread.js', import.meta.url);
  if (!url.pathname.endsWith('.ts')) return new Worker(url, { workerData });
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(boot, { eval: true, workerData });
}

/** Runs preprocessing and reading on worker threads. */
export class ComputePool {
  readonly #o: ComputePoolOptions;
  readonly #slots: Slot[] = [];
  readonly #queue: Task[] = [];
  #nextId = 1;
  #closed = false;

  constructor(options: ComputePoolOptions) {
    this.#o = options;
    for (let i = 0; i < Math.max(1, options.threads); i++) this.#slots.push(this.#spawn());
  }

  /** The preprocess step, as the stages take it. */
  readonly preprocess: PreprocessFn = (bytes) => this.#run('preprocess', bytes) as Promise<Preprocessed>;

  /** The read step, as the stages take it. */
  readonly reader: NormalisedReader & { close(): Promise<void> } = {
    readNormalised: (png, hints) => this.#run('read', png, hints) as Promise<ReadView>,
    close: () => this.close(),
  };

  /**
   * A card reader whose `readPhoto` reads each photo on the next free thread (pool started
   * with `fullResults`). Bad input comes back as a `failed` result like the in-process
   * reader's, a photo that overran the deadline as `failed`/`timeout`; a thread that died
   * rejects with a retryable OcrEngineError (the caller decides; the pool has replaced it).
   * `close` closes the pool.
   */
  photoReader(options: PhotoReaderOptions = {}): CardReader {
    return {
      readPhoto: async (bytes) => {
        const t0 = performance.now();
        let read: PhotoRead;
        try {
          read = (await this.#run('photo', bytes)) as PhotoRead;
        } catch (err) {
          if (!(err instanceof ImageInputError)) throw err;
          return new ReadResult({ status: 'failed', error: { code: err.code, message: err.message }, timingsMs: { total: Math.round(performance.now() - t0) } });
        }
        if (read.diagnostics) options.onDiagnostics?.(read.diagnostics);
        return new ReadResult(read.init);
      },
      readNormalised: () => Promise.reject(new CardOcrError('internal', 'a photo reader reads whole photos only')),
      close: () => this.close(),
    };
  }

  #spawn(): Slot {
    const data: ComputeThreadData = {
      limits: this.#o.limits,
      ...(this.#o.ocrThreads ? { ocrThreads: this.#o.ocrThreads } : {}),
      ...(this.#o.recycleAfter ? { recycleAfter: this.#o.recycleAfter } : {}),
      ...(this.#o.fullResults ? { fullResults: true, ...(this.#o.diagnostics ? { diagnostics: true } : {}) } : {}),
    };
    const worker = startThread(data, this.#o.entry);
    const slot: Slot = { worker, task: null, overran: false };
    worker.on('message', (reply: ComputeReply) => {
      const task = slot.task;
      if (!task || task.id !== reply.id) return;
      clearTimeout(task.timer);
      slot.task = null;
      worker.unref();
      if (reply.ok) task.resolve(reply.value);
      else {
        if (reply.error.cause) this.#o.log.warn('compute step failed unexpectedly', { op: task.op, code: reply.error.code, cause: reply.error.cause });
        task.reject(toError(reply.error));
      }
      this.#pump();
    });
    const lost = (why: string) => {
      const task = slot.task;
      slot.task = null;
      if (task) {
        clearTimeout(task.timer);
        // An image that overran its deadline is bad input; a crash or an OCR overrun may pass on retry.
        task.reject(
          slot.overran && task.op !== 'read'
            ? new ImageInputError('timeout', `${task.op === 'photo' ? 'reading' : 'preprocessing'} the photo took too long`)
            : new OcrEngineError(`compute thread ${why}`),
        );
      }
      if (this.#closed) return;
      this.#o.log.warn('compute thread replaced', { why });
      const i = this.#slots.indexOf(slot);
      if (i >= 0) this.#slots[i] = this.#spawn();
      this.#pump();
    };
    // A thread's uncaught error may quote what it was reading (a library error with OCR text in
    // it): the log line and the photo's error get its message redacted (review 9 S2).
    worker.on('error', (err) => lost(`failed: ${redactPans(err.message)}`));
    worker.on('exit', (code) => {
      if (this.#slots.includes(slot)) lost(`exited with code ${code}`);
    });
    // An idle thread does not keep the process alive; one with a job does (see #pump), so a
    // command awaiting only the pool (`cardocr scan`) is not ended with the job in flight.
    worker.unref();
    return slot;
  }

  #run(op: Op, bytes: Uint8Array, hints?: ReadHints): Promise<unknown> {
    if (this.#closed) return Promise.reject(new OcrEngineError('the compute pool is closed'));
    return new Promise((resolve, reject) => {
      this.#queue.push({ op, bytes, resolve, reject, ...(hints ? { hints } : {}) });
      this.#pump();
    });
  }

  #pump(): void {
    for (const slot of this.#slots) {
      if (slot.task) continue;
      const task = this.#queue.shift();
      if (!task) return;
      const id = this.#nextId++;
      const deadline = this.#o.deadlineMs ?? this.#o.limits.timeoutMs * 3 + 60_000;
      const timer = setTimeout(() => {
        // A synchronous loop cannot be interrupted in place: replace the whole thread.
        slot.overran = true;
        void slot.worker.terminate();
      }, deadline);
      timer.unref();
      slot.task = { ...task, id, timer };
      slot.worker.ref();
      slot.worker.postMessage({ id, op: task.op, bytes: task.bytes, ...(task.hints ? { hints: task.hints } : {}) } satisfies ComputeRequest);
    }
  }

  /** Stops the threads (their OCR workers first). Pending jobs fail with a retryable error. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const task of this.#queue.splice(0)) task.reject(new OcrEngineError('the compute pool is closed'));
    await Promise.all(
      this.#slots.map(async (slot) => {
        const bye = new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 5000);
          slot.worker.once('message', () => {
            clearTimeout(timer);
            resolve();
          });
        });
        if (!slot.task) {
          slot.worker.postMessage({ id: 0, op: 'close' } satisfies ComputeRequest);
          await bye;
        }
        await slot.worker.terminate();
      }),
    );
  }
}
