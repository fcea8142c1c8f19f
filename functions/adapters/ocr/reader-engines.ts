/**
 * The reader's engines as the composition roots build them (CLI, local compute thread, read
 * Lambda, bench). The reader itself never imports an adapter: it receives these factories.
 */
import type { Log } from '../../core/log.js';
import type { OcrEngine } from '../../core/ports.js';

/** How the engines are set up for one process. */
export interface ReaderEngineOptions {
  /** Tesseract workers (each single-threaded). Default 1. */
  readonly workers?: number;
  /** Recycle a Tesseract worker after this many jobs (its WASM heap only grows). */
  readonly recycleAfter?: number;
  readonly log?: Log;
}

/** Engine factories matching the reader's `ReaderEngines` (structurally: adapters do not import the reader). */
export interface ReaderEngineFactories {
  readonly ocr: () => Promise<OcrEngine>;
}

/**
 * Factories that start each engine on first call. tesseract.js is imported only then, so a
 * process whose photos never need it (most cards) is spared its load.
 */
export function createReaderEngines(options: ReaderEngineOptions = {}): ReaderEngineFactories {
  return {
    ocr: async () => {
      const { createTesseractOcrEngine } = await import('./tesseract-ocr-engine.js');
      return createTesseractOcrEngine({
        workers: options.workers ?? 1,
        ...(options.recycleAfter === undefined ? {} : { recycleAfter: options.recycleAfter }),
        ...(options.log ? { log: options.log } : {}),
      });
    },
  };
}
