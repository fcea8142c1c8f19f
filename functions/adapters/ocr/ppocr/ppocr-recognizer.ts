/**
 * LineRecognizer on PaddleOCR's PP-OCRv4 mobile recogniser (SVTR-LCNet + CTC, 6625 classes:
 * Chinese, Latin, digits, punctuation), run by onnxruntime-node on the CPU. Crops are scaled
 * to the model's 48 px height keeping their aspect, optionally batched by similar width (padding
 * is the normalised zero, i.e. mid grey, as in PaddleOCR), and decoded greedily.
 */
import { OcrEngineError } from '../../../core/errors.js';
import type { LineRecognizer, Raster, RecognizedLine } from '../../../core/ports.js';
import { decodeBatch, toAscii } from './ctc-decode.js';
import { defaultModelDir, parseDictionary, readModelFile, REC_DICT, REC_MODEL } from './model-files.js';
import { createOnnxModel, deadlineIn, runModel } from './onnx-session.js';
import { assertRaster, resizeIntoTensor } from './resample.js';

/** How the recogniser is set up. */
export interface PpocrRecognizerOptions {
  /** Folder holding the model files; default: the committed `models/` (model-files.ts). */
  readonly modelDir?: string;
  /** onnxruntime intra-op threads. Default 1. */
  readonly threads?: number;
  /** Budget of one `recognize` call, ms (0 = none). Default 10 000. */
  readonly timeoutMs?: number;
  /**
   * Widest line fed to the model, px at height 48 (wider lines are squeezed). Default 640: a
   * 19-digit card number in four groups is ≈ 12:1, and the model emits one frame per 8 px, so
   * 640 px keeps ~80 frames for ~23 characters while bounding the cost of one line.
   */
  readonly maxWidth?: number;
  /**
   * At most this many lines of similar width (within 20%) share one model run. Default 1: on one
   * intra-op thread batching measured slower here (76 lines: 1306 ms one by one, 1617 ms in
   * batches of up to 6; 13 card lines: 208 ms either way). Worth trying with `threads` > 1.
   */
  readonly batchSize?: number;
  /**
   * When set, only these characters can be read (constrained decoding: each frame picks the best
   * allowed class). Lets a card reader ask for e.g. digits, capitals and `/` only.
   */
  readonly charset?: string;
  /** Report name; default `ppocr-rec-v4` (suffix it when `charset` is set, so fusion tells them apart). */
  readonly name?: string;
}

const HEIGHT = 48;
/** The recogniser's input normalisation, `value = p * REC_SCALE[c] + REC_BIAS[c]` (to [-1, 1]; tools reuse it). */
export const REC_SCALE = [2 / 255, 2 / 255, 2 / 255] as const;
/** See {@link REC_SCALE}. */
export const REC_BIAS = [-1, -1, -1] as const;

/** Width a `w`×`h` crop gets at the model height, capped at `maxWidth`. */
export function recognizerInputWidth(w: number, h: number, maxWidth: number): number {
  return Math.max(8, Math.min(maxWidth, Math.ceil((HEIGHT * w) / h)));
}

/**
 * Loads and checksum-verifies the recogniser model and dictionary and builds its session
 * (≈ 0.2–0.6 s). Throws OcrEngineError naming the file when one is missing or corrupt.
 * Create once per process.
 */
export async function createPpocrRecognizer(options: PpocrRecognizerOptions = {}): Promise<LineRecognizer> {
  const modelDir = options.modelDir ?? defaultModelDir();
  // Both files are read at once, but a failure names the model first when both are missing
  // (Promise.all would name whichever read failed first: not the same message every time).
  const [modelRead, dictRead] = await Promise.allSettled([readModelFile(modelDir, REC_MODEL), readModelFile(modelDir, REC_DICT)]);
  if (modelRead.status === 'rejected') throw modelRead.reason;
  if (dictRead.status === 'rejected') throw dictRead.reason;
  const modelBytes = modelRead.value;
  const dictBytes = dictRead.value;
  const table = parseDictionary(dictBytes).map(toAscii);
  const model = await createOnnxModel(modelBytes, REC_MODEL.name, options.threads === undefined ? {} : { threads: options.threads });
  const maxWidth = Math.max(32, options.maxWidth ?? 640);
  const batchSize = Math.max(1, options.batchSize ?? 1);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const name = options.name ?? 'ppocr-rec-v4';
  let allowed: Uint8Array | undefined;
  if (options.charset !== undefined) {
    const set = new Set(Array.from(options.charset));
    allowed = new Uint8Array(table.length);
    table.forEach((ch, k) => {
      if (k > 0 && set.has(ch)) allowed![k] = 1;
    });
  }
  let closed = false;

  return {
    name,
    async recognize(lines: readonly Raster[]): Promise<RecognizedLine[]> {
      if (closed) throw new OcrEngineError(`${name} recognize called after close(): create a new recogniser.`);
      lines.forEach((l, i) => assertRaster(l, `${name} line ${i}`));
      const deadline = deadlineIn(timeoutMs, `${name} recognize (${lines.length} lines)`);
      const results: RecognizedLine[] = lines.map(() => ({ text: '', confidence: 0, charConfidences: [] }));
      const widths = lines.map((l) => (l.width >= 1 && l.height >= 1 ? recognizerInputWidth(l.width, l.height, maxWidth) : 0));
      // Similar widths share a batch, so padding wastes little.
      const order = lines.map((_, i) => i).filter((i) => widths[i]! > 0).sort((a, b) => widths[a]! - widths[b]!);
      for (let b = 0; b < order.length; ) {
        // A batch holds lines within 20% of its narrowest width: padding a narrow line to a wide
        // one costs more than a run's overhead (13 card lines: 231 ms one by one, 322 ms in
        // fixed batches of 6 regardless of width).
        const limit = widths[order[b]!]! * 1.2;
        let e = b + 1;
        while (e < order.length && e - b < batchSize && widths[order[e]!]! <= limit) e++;
        const batch = order.slice(b, e);
        b = e;
        const tensorWidth = Math.max(...batch.map((i) => widths[i]!));
        const plane = 3 * HEIGHT * tensorWidth;
        // Zero-filled: the padding right of each narrower line is mid grey after normalisation.
        const tensor = new Float32Array(batch.length * plane);
        batch.forEach((i, n) => {
          resizeIntoTensor(lines[i]!, widths[i]!, HEIGHT, {
            tensor, offset: n * plane, tensorWidth, tensorHeight: HEIGHT, scale: REC_SCALE, bias: REC_BIAS,
          });
        });
        const out = await runModel(model, tensor, [batch.length, 3, HEIGHT, tensorWidth], deadline);
        try {
          const [n, frames, classes] = out.dims as [number, number, number];
          if (n !== batch.length || classes !== table.length) {
            throw new OcrEngineError(`${name}: expected ${batch.length}×T×${table.length} class scores, got ${out.dims.join('×')}.`);
          }
          decodeBatch(out.data as Float32Array, frames, classes, batch, table, results, { allowed });
        } finally {
          out.dispose();
        }
      }
      return results;
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await model.session.release();
    },
  };
}
