/**
 * The reader's engines as the composition roots build them (CLI, local compute thread, read
 * Lambda, bench). The reader itself never imports an adapter: it receives these factories.
 */
import { availableParallelism } from 'node:os';
import { toCardOcrError } from '../../core/errors.js';
import type { Log } from '../../core/log.js';
import type { LineRecognizer, OcrEngine, TextDetector } from '../../core/ports.js';

/** How the engines are set up for one process. */
export interface ReaderEngineOptions {
  /** Tesseract workers (each single-threaded). Default 1. */
  readonly workers?: number;
  /** Recycle a Tesseract worker after this many jobs (its WASM heap only grows). */
  readonly recycleAfter?: number;
  readonly log?: Log;
  /** Folder of the PP-OCR model files (a bundled Lambda passes its own); default: the committed functions/adapters/ocr/ppocr/models. */
  readonly modelDir?: string;
  /**
   * onnxruntime intra-op threads per learned model. Default (undefined or 0): the host's cores
   * shared by this process's photo workers, `availableParallelism() / workers` (at least 1) —
   * one photo at a time on a 2-core host gets both cores; parallel workers get one each.
   * The card-line model always runs on {@link CARD_CRNN_THREADS}.
   */
  readonly threads?: number;
}

/** Learned-model threads for `workers` photos at once on this host (see ReaderEngineOptions.threads). */
export function hostThreads(workers: number, cores: number = availableParallelism()): number {
  return Math.max(1, Math.floor(cores / Math.max(1, workers)));
}

/**
 * onnxruntime intra-op threads of the card-line model, whatever `threads` says. Its runs are
 * 1–8 crops 32 px high (≈ 3.5 ms CPU a crop on one thread), mostly per-operator overhead that a
 * second thread only adds to: replaying real-dev-v1's 78 card-line calls (185 crops,
 * tools/models/engine-calls.ts) took 645 ms CPU on one thread and 1126 ms on two, outputs
 * identical; even a perfect split of the two-thread run would save under 0.5 ms a crop.
 */
export const CARD_CRNN_THREADS = 1;

/** Engine factories matching the reader's `ReaderEngines` (structurally: adapters do not import the reader). */
export interface ReaderEngineFactories {
  readonly ocr: () => Promise<OcrEngine>;
  /** The learned text-line detector (PP-OCRv4 DB). Created on first call, the same one after; the caller closes it. */
  readonly detector: () => Promise<TextDetector>;
  /**
   * The learned line recognisers, best first (PP-OCRv4 rec, then the project's own card-line model
   * `card-crnn-v1`). Created on first call, the same ones after; the caller closes them.
   */
  readonly recognizers: () => Promise<LineRecognizer[]>;
}

/** Runs `make` once; a failed start is forgotten so the next call retries it. */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= make().catch((err: unknown) => {
      pending = undefined;
      throw err;
    });
    return pending;
  };
}

/**
 * Factories that start each engine on first call. tesseract.js and onnxruntime-node are
 * imported only then, so a process whose photos never need an engine is spared its load.
 */
export function createReaderEngines(options: ReaderEngineOptions = {}): ReaderEngineFactories {
  const threads = options.threads ? Math.max(1, Math.floor(options.threads)) : hostThreads(options.workers ?? 1);
  const learned = {
    ...(options.modelDir === undefined ? {} : { modelDir: options.modelDir }),
    threads,
  };
  return {
    ocr: async () => {
      const { createTesseractOcrEngine } = await import('./tesseract-ocr-engine.js');
      return createTesseractOcrEngine({
        workers: options.workers ?? 1,
        ...(options.recycleAfter === undefined ? {} : { recycleAfter: options.recycleAfter }),
        ...(options.log ? { log: options.log } : {}),
      });
    },
    detector: once(async () => {
      const { createPpocrDetector } = await import('./ppocr/ppocr-detector.js');
      return createPpocrDetector(learned);
    }),
    recognizers: once(async () => {
      const { createPpocrRecognizer } = await import('./ppocr/ppocr-recognizer.js');
      // PP-OCR rec and the project's own card-line model (an independent second reader: other
      // data, other architecture), loaded side by side. Both are required: without the second
      // reader far fewer numbers reach two agreeing readings (real-dev-v1: it is one of the two on
      // 17 of 29), so a bundle that lacks its file fails loudly (OcrEngineError naming the file)
      // rather than storing worse results as final ones.
      const [ppocr, crnn] = await Promise.allSettled([
        createPpocrRecognizer(learned),
        import('./crnn/crnn-recognizer.js').then(({ createCardCrnnRecognizer }) => createCardCrnnRecognizer({ threads: CARD_CRNN_THREADS })),
      ]);
      if (ppocr.status === 'rejected' || crnn.status === 'rejected') {
        // The one that loaded is closed again; the PP-OCR failure is named first when both fail.
        await Promise.allSettled([ppocr, crnn].map((r) => (r.status === 'fulfilled' ? r.value.close() : undefined)));
        const failed = ppocr.status === 'rejected' ? ppocr : (crnn as PromiseRejectedResult);
        options.log?.error('a learned line recogniser failed to load', { code: toCardOcrError(failed.reason).code });
        throw failed.reason;
      }
      return [ppocr.value, crnn.value];
    }),
  };
}
