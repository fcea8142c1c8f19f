/**
 * Worker-thread entry of the compute pool: runs the CPU-bound steps of the stages (decode +
 * preprocess, glyph reading + OCR + checks) off the main thread, so the API stays responsive
 * and the steps run on as many cores as there are threads. Only masked results go back: the
 * full PAN never leaves this thread — except in a pool started with `fullResults` (the
 * `cardocr scan` and bench readers, in one local process), whose `photo` op returns the whole
 * result for `--reveal` and scoring; a serve pool's threads refuse that op.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ImageLimits } from '../reader/decode.js';
import { toCardOcrError } from '../core/errors.js';
import { redactPans } from '../core/mask.js';
import { preprocessForRead } from '../reader/preprocess.js';
import { createReaderEngines } from '../adapters/ocr/reader-engines.js';
import { createCardReader, type CardReader, type ReadDiagnostics } from '../reader/reader.js';
import type { ReadResult, ReadResultInit } from '../core/card.js';
import type { ReadHints } from '../core/record.js';
import type { Preprocessed, ReadView } from '../core/stages.js';

/** A request from the pool. */
export type ComputeRequest =
  | { id: number; op: 'preprocess' | 'read' | 'photo'; bytes: Uint8Array; hints?: ReadHints }
  | { id: number; op: 'close' };

/**
 * What the `photo` op returns: the whole result as its constructor takes it (full PAN
 * included: in-process memory of a local command, never logged), and the reader's
 * diagnostics when the pool asked for them (they carry full digits too).
 */
export interface PhotoRead {
  readonly init: ReadResultInit;
  readonly diagnostics?: ReadDiagnostics;
}

/** What the pool starts a thread with. */
export interface ComputeThreadData {
  readonly limits: ImageLimits;
  readonly recycleAfter?: number;
  readonly ocrThreads?: number;
  /** Allow the `photo` op (full results), and build the reader at once so its models load while the first photo is on its way. */
  readonly fullResults?: boolean;
  /** With `fullResults`: send the reader's per-photo diagnostics along (the bench). */
  readonly diagnostics?: boolean;
}

/** A reply to the pool. */
export type ComputeReply =
  | { id: number; ok: true; value: Preprocessed | ReadView | PhotoRead | null }
  | { id: number; ok: false; error: { code: string; message: string; retryable: boolean; cause?: { name: string; code?: string; message: string } } };

const { limits, recycleAfter, ocrThreads, fullResults, diagnostics } = workerData as ComputeThreadData;
/** The diagnostics of the photo being read (one photo at a time per thread). */
let lastDiagnostics: ReadDiagnostics | undefined;
let reader: Promise<CardReader> | null = null;
const startReader = (): Promise<CardReader> =>
  (reader ??= createCardReader({
    workers: 1,
    limits,
    engines: createReaderEngines({ workers: 1, ...(ocrThreads ? { threads: ocrThreads } : {}), ...(recycleAfter ? { recycleAfter } : {}) }),
    ...(fullResults && diagnostics ? { onDiagnostics: (d: ReadDiagnostics) => void (lastDiagnostics = d) } : {}),
  }));
// A scan's thread reads a photo soon: its model sessions load now, alongside the other threads'.
if (fullResults) void startReader().catch(() => undefined);
const port = parentPort!;

/** The result as its constructor takes it (the non-enumerable sources and the full numbers included). */
function toInit(r: ReadResult): ReadResultInit {
  return {
    status: r.status,
    pan: r.revealPan(),
    panUnverified: r.revealPanUnverified(),
    brand: r.card.brand,
    expiry: r.card.expiry,
    name: r.card.name,
    confidence: { ...r.confidence },
    missing: { ...r.missing },
    error: r.error,
    timingsMs: { ...r.timingsMs },
    geometry: r.geometry,
    sources: r.sources,
  };
}

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
    if (msg.op === 'photo') {
      if (!fullResults) throw new Error('the photo op is for pools started with fullResults');
      lastDiagnostics = undefined;
      const r = await (await startReader()).readPhoto(msg.bytes);
      const value: PhotoRead = { init: toInit(r), ...(lastDiagnostics ? { diagnostics: lastDiagnostics } : {}) };
      lastDiagnostics = undefined;
      port.postMessage({ id: msg.id, ok: true, value } satisfies ComputeReply);
      return;
    }
    const r = await (await startReader()).readNormalised(msg.bytes, msg.hints);
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
