/**
 * A pool of worker threads for the CPU-bound steps of the stages (see compute-thread.ts).
 * The card reader's glyph reading and the preprocessing are synchronous JavaScript: run on
 * the main thread they would use one core whatever the worker count and stall the API for
 * seconds under load. Each thread keeps its own card reader with one OCR worker, so the pool
 * as a whole has as many OCR workers as threads. A thread that dies or overruns its deadline
 * is replaced; its job fails with a typed error (retryable for OCR, `timeout` for an image).
 */
import { Worker } from 'node:worker_threads';
import type { ImageLimits } from '../reader/decode.js';
import { CardOcrError, ERROR_CODES, ImageInputError, NoCardError, OcrEngineError, type ErrorCode } from '../core/errors.js';
import type { Log } from '../core/log.js';
import type { ReadHints } from '../core/record.js';
import type { NormalisedReader, Preprocessed, PreprocessFn, ReadView } from '../core/stages.js';
import type { ComputeReply, ComputeRequest } from './compute-thread.js';

export interface ComputePoolOptions {
  readonly threads: number;
  readonly limits: ImageLimits;
  readonly recycleAfter?: number;
  /** onnxruntime threads per learned model in each thread's reader. */
  readonly ocrThreads?: number;
  readonly log: Log;
  /** Hard deadline of one job, ms (default: 3 × the decode budget + 60 s). */
  readonly deadlineMs?: number;
}

interface Task {
  readonly op: 'preprocess' | 'read';
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
 * Starts a thread on the compiled `.js` entry next to this file, or, when running from the
 * TypeScript sources (tsx, vitest), on the `.ts` entry with tsx registered in the thread.
 */
function startThread(workerData: unknown): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./compute-thread.js', import.meta.url), { workerData });
  const entry = new URL('./compute-thread.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`;
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

  #spawn(): Slot {
    const worker = startThread({ limits: this.#o.limits, ...(this.#o.ocrThreads ? { ocrThreads: this.#o.ocrThreads } : {}), ...(this.#o.recycleAfter ? { recycleAfter: this.#o.recycleAfter } : {}) });
    const slot: Slot = { worker, task: null, overran: false };
    worker.on('message', (reply: ComputeReply) => {
      const task = slot.task;
      if (!task || task.id !== reply.id) return;
      clearTimeout(task.timer);
      slot.task = null;
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
          slot.overran && task.op === 'preprocess'
            ? new ImageInputError('timeout', 'preprocessing the photo took too long')
            : new OcrEngineError(`compute thread ${why}`),
        );
      }
      if (this.#closed) return;
      this.#o.log.warn('compute thread replaced', { why });
      const i = this.#slots.indexOf(slot);
      if (i >= 0) this.#slots[i] = this.#spawn();
      this.#pump();
    };
    worker.on('error', (err) => lost(`failed: ${err.message}`));
    worker.on('exit', (code) => {
      if (this.#slots.includes(slot)) lost(`exited with code ${code}`);
    });
    worker.unref();
    return slot;
  }

  #run(op: 'preprocess' | 'read', bytes: Uint8Array, hints?: ReadHints): Promise<unknown> {
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
