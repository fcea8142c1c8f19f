/**
 * The reader's engines as the composition roots build them (CLI, local compute thread, read
 * Lambda, bench). The reader itself never imports an adapter: it receives these factories.
 */
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
  /** onnxruntime intra-op threads per learned model. Default 1 (photos run in parallel on other workers). */
  readonly threads?: number;
}

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
  const learned = {
    ...(options.modelDir === undefined ? {} : { modelDir: options.modelDir }),
    ...(options.threads === undefined ? {} : { threads: options.threads }),
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
      const recognizers: LineRecognizer[] = [await createPpocrRecognizer(learned)];
      // The project's own card-line model: an independent second reader (other data, other architecture).
      // Its file ships in the source tree; a bundle that lacks it keeps PP-OCR rather than losing both.
      try {
        const { createCardCrnnRecognizer } = await import('./crnn/crnn-recognizer.js');
        recognizers.push(await createCardCrnnRecognizer(options.threads === undefined ? {} : { threads: options.threads }));
      } catch (err) {
        options.log?.warn('card-line model card-crnn-v1 failed to load; lines are read by PP-OCR alone', { code: toCardOcrError(err).code });
      }
      return recognizers;
    }),
  };
}
