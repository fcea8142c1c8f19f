/**
 * Worker-thread entry of the compute pool: runs the CPU-bound steps of the stages (decode +
 * preprocess, glyph reading + OCR + checks) off the main thread, so the API stays responsive
 * and the steps run on as many cores as there are threads. Only masked results go back: the
 * full PAN never leaves this thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ImageLimits } from '../reader/decode.js';
import { toCardOcrError } from '../core/errors.js';
import { redactPans } from '../core/mask.js';
import { preprocessForRead } from '../reader/preprocess.js';
import { createReaderEngines } from '../adapters/ocr/reader-engines.js';
import { createCardReader, type CardReader } from '../reader/reader.js';
import type { ReadHints } from '../core/record.js';
import type { Preprocessed, ReadView } from '../core/stages.js';

/** A request from the pool. */
export type ComputeRequest =
  | { id: number; op: 'preprocess' | 'read'; bytes: Uint8Array; hints?: ReadHints }
  | { id: number; op: 'close' };

/** A reply to the pool. */
export type ComputeReply =
  | { id: number; ok: true; value: Preprocessed | ReadView | null }
  | { id: number; ok: false; error: { code: string; message: string; retryable: boolean; cause?: { name: string; code?: string; message: string } } };

const { limits, recycleAfter, ocrThreads } = workerData as { limits: ImageLimits; recycleAfter?: number; ocrThreads?: number };
let reader: Promise<CardReader> | null = null;
const port = parentPort!;

port.on('message', (msg: ComputeRequest) => {
  void handle(msg);
});

async function handle(msg: ComputeRequest): Promise<void> {
  try {
    if (msg.op === 'close') {
      if (reader) await (await reader).close();
      port.postMessage({ id: msg.id, ok: true, value: null } satisfies ComputeReply);
      return;
    }
    if (msg.op === 'preprocess') {
      const done = await preprocessForRead(msg.bytes, limits);
      const image = new Uint8Array(done.image); // own buffer, safe to transfer
      const value: Preprocessed = { ...done, image, timingsMs: { ...done.timingsMs } };
      port.postMessage({ id: msg.id, ok: true, value } satisfies ComputeReply, [image.buffer]);
      return;
    }
    reader ??= createCardReader({ workers: 1, limits, engines: createReaderEngines({ workers: 1, ...(ocrThreads ? { threads: ocrThreads } : {}), ...(recycleAfter ? { recycleAfter } : {}) }) });
    const r = await (await reader).readNormalised(msg.bytes, msg.hints);
    const { pan, last4, brand, expiry, name } = r.card;
    const view: ReadView = {
      status: r.status,
      card: { pan, last4, brand, expiry, name },
      confidence: { ...r.confidence },
      missing: { ...r.missing },
      error: r.error,
      timingsMs: { ...r.timingsMs },
      geometry: r.geometry,
    };
    port.postMessage({ id: msg.id, ok: true, value: view } satisfies ComputeReply);
  } catch (err) {
    const e = toCardOcrError(err);
    // An unexpected error is not dropped: its name, code and (redacted) message go to the pool, which logs them.
    const errno = (err as { code?: unknown } | null)?.code;
    const cause =
      e !== err && err instanceof Error
        ? { name: err.name, message: redactPans(err.message), ...(typeof errno === 'string' ? { code: errno } : {}) }
        : undefined;
    port.postMessage(
      { id: msg.id, ok: false, error: { code: e.code, message: e.message, retryable: e.retryable, ...(cause ? { cause } : {}) } } satisfies ComputeReply,
    );
  }
}
