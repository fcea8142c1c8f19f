/**
 * LineRecognizer on the project's own card-line model (`card-crnn-v1`): a small CRNN trained
 * here on synthetic card print only (embossed relief, foil, flat and OCR-A/B faces; recipe,
 * data and accuracy in MODEL_CARD.md next to this file), run by onnxruntime-node on the CPU.
 *
 * It is an independent second reader next to PP-OCR: different architecture, different data,
 * different input (grey, 32 px high), so fusion can demand that the two agree. Its alphabet is
 * card print only (digits, A–Z, space, `/ - . '`): it never reads lower case.
 *
 * Crops are turned grey (Rec. 601 luma, as in training), scaled to 32 px high keeping their
 * aspect (squeezed to 400 px when wider), batched by similar width with the crop's own edge
 * column as padding (as in training), and decoded greedily (one frame per 4 px).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OcrEngineError } from '../../../core/errors.js';
import type { LineRecognizer, Raster, RecognizedLine } from '../../../core/ports.js';
import { decodeBatch } from '../ppocr/ctc-decode.js';
import { createOnnxModel, deadlineIn, runModel } from '../ppocr/onnx-session.js';
import { readVerifiedFile, type ModelFileAdvice } from '../ppocr/model-files.js';
import { assertRaster, resizeIntoTensor } from '../ppocr/resample.js';
import { CARD_CRNN_MODEL } from './model-file.js';

/** The model's characters: class k (k ≥ 1) is `CARD_CRNN_CHARSET[k - 1]`, class 0 the CTC blank. */
export const CARD_CRNN_CHARSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ /-.'";
/** Input height of the model, px. */
export const CARD_CRNN_HEIGHT = 32;
/** Widest input the model was trained on, px at height 32 (wider crops are squeezed to it). */
export const CARD_CRNN_MAX_WIDTH = 400;
/** Pixels per output frame (two 2×2 poolings along the width). */
const STRIDE = 4;
const TABLE = ['', ...Array.from(CARD_CRNN_CHARSET)];

/** How the recogniser is set up. */
export interface CardCrnnOptions {
  /** Path of `card-crnn-v1.onnx`; default: the committed file next to this module (or in the source tree when run from dist/). */
  readonly modelPath?: string;
  /** onnxruntime intra-op threads. Default 1. */
  readonly threads?: number;
  /** Budget of one `recognize` call, ms (0 = none). Default 10 000. */
  readonly timeoutMs?: number;
  /** Lines per model run. Default 8. */
  readonly batchSize?: number;
  /** Report name; default the committed model file's name without `.onnx` (`card-crnn-v1`). */
  readonly name?: string;
  /**
   * The file to expect at `modelPath` (default: the committed model's name, sha256 and size). Only
   * tools that evaluate a freshly trained candidate pass another one.
   */
  readonly expect?: { readonly sha256: string; readonly bytes: number };
}

/**
 * Where the committed model is: next to this module when run from source (tsx, vitest), or in
 * the source tree when run from `dist/` (tsc does not copy model files).
 */
export function defaultCardCrnnModelPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const beside = join(here, CARD_CRNN_MODEL.name);
  if (existsSync(beside)) return beside;
  const fromDist = here.replace(/([\\/])dist[\\/]functions[\\/]/, '$1functions$1');
  const inSource = join(fromDist, CARD_CRNN_MODEL.name);
  return existsSync(inSource) ? inSource : beside;
}

const CRNN_ADVICE: ModelFileAdvice = {
  label: 'card-line model',
  expected: 'the file committed in functions/adapters/ocr/crnn/',
  restore: 'Restore it from git, or pass modelPath (a bundled Lambda ships it beside its code).',
  replace: 'Restore the committed file; a retrained model comes with its new checksum in model-file.ts (`npm run train` writes both).',
};

/** A grey copy of an RGB raster (Rec. 601 luma, the weights the training crops were made with). */
function toGrey(r: Raster): Raster {
  if (r.channels === 1) return r;
  const n = r.width * r.height;
  const out = new Uint8Array(n);
  const d = r.data;
  for (let i = 0, j = 0; i < n; i++, j += 3) out[i] = Math.round(0.299 * d[j]! + 0.587 * d[j + 1]! + 0.114 * d[j + 2]!);
  return { width: r.width, height: r.height, channels: 1, data: out };
}

/** Width a `w`×`h` crop gets at the model height, capped at {@link CARD_CRNN_MAX_WIDTH}. */
export function cardCrnnInputWidth(w: number, h: number): number {
  return Math.max(8, Math.min(CARD_CRNN_MAX_WIDTH, Math.round((CARD_CRNN_HEIGHT * w) / h)));
}

const SCALE = [1 / 255, 1 / 255, 1 / 255] as const;
const BIAS = [0, 0, 0] as const;

/**
 * Loads and checksum-verifies the committed model and builds its session. Throws
 * OcrEngineError when the file is missing, corrupt or cannot be loaded. Create once per process.
 */
export async function createCardCrnnRecognizer(options: CardCrnnOptions = {}): Promise<LineRecognizer> {
  const path = options.modelPath ?? defaultCardCrnnModelPath();
  const bytes = await readVerifiedFile(path, { ...CARD_CRNN_MODEL, ...options.expect }, CRNN_ADVICE);
  const model = await createOnnxModel(bytes, CARD_CRNN_MODEL.name, {
    ...(options.threads === undefined ? {} : { threads: options.threads }),
    label: CRNN_ADVICE.label,
    restore: CRNN_ADVICE.restore,
  });
  const batchSize = Math.max(1, options.batchSize ?? 8);
  const timeoutMs = options.timeoutMs ?? 10_000;
  // The name follows the model file, so a retrained model (model-file.ts rewritten by `npm run train`) reports as itself.
  const name = options.name ?? CARD_CRNN_MODEL.name.replace(/\.onnx$/, '');
  let closed = false;

  return {
    name,
    async recognize(lines: readonly Raster[]): Promise<RecognizedLine[]> {
      if (closed) throw new OcrEngineError(`${name} recognize called after close(): create a new recogniser.`);
      lines.forEach((l, i) => assertRaster(l, `${name} line ${i}`));
      const deadline = deadlineIn(timeoutMs, `${name} recognize (${lines.length} lines)`);
      const results: RecognizedLine[] = lines.map(() => ({ text: '', confidence: 0, charConfidences: [] }));
      const widths = lines.map((l) => (l.width >= 1 && l.height >= 1 ? cardCrnnInputWidth(l.width, l.height) : 0));
      const order = lines.map((_, i) => i).filter((i) => widths[i]! > 0).sort((a, b) => widths[a]! - widths[b]!);
      for (let b = 0; b < order.length; b += batchSize) {
        const batch = order.slice(b, b + batchSize);
        // The model pools the width by 4; a multiple of 4 keeps every crop's frames whole.
        const tensorWidth = Math.ceil(Math.max(...batch.map((i) => widths[i]!)) / STRIDE) * STRIDE;
        const plane = CARD_CRNN_HEIGHT * tensorWidth;
        const tensor = new Float32Array(batch.length * plane);
        // resizeIntoTensor writes three (equal, for grey) planes; one scratch slot of three is reused per line.
        const scratch = new Float32Array(3 * plane);
        batch.forEach((i, n) => {
          const w = widths[i]!;
          resizeIntoTensor(toGrey(lines[i]!), w, CARD_CRNN_HEIGHT, {
            tensor: scratch, offset: 0, tensorWidth, tensorHeight: CARD_CRNN_HEIGHT, scale: SCALE, bias: BIAS,
          });
          const dst = n * plane;
          for (let y = 0; y < CARD_CRNN_HEIGHT; y++) {
            const row = y * tensorWidth;
            tensor.set(scratch.subarray(row, row + w), dst + row);
            // Padding repeats the crop's last column, as in training (no bars a single crop never has).
            tensor.fill(scratch[row + w - 1]!, dst + row + w, dst + row + tensorWidth);
          }
        });
        const out = await runModel(model, tensor, [batch.length, 1, CARD_CRNN_HEIGHT, tensorWidth], deadline);
        try {
          const [n, frames, classes] = out.dims as [number, number, number];
          if (n !== batch.length || classes !== TABLE.length || frames !== tensorWidth / STRIDE) {
            throw new OcrEngineError(`${name}: expected ${batch.length}×${tensorWidth / STRIDE}×${TABLE.length} class scores, got ${out.dims.join('×')}.`);
          }
          // Only each crop's own frames: the padded tail would add nothing but noise.
          decodeBatch(out.data as Float32Array, frames, classes, batch, TABLE, results, { ownFrames: (i) => Math.floor(widths[i]! / STRIDE) });
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
