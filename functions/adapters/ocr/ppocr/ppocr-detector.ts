/**
 * TextDetector on PaddleOCR's PP-OCRv4 mobile DB detector, run by onnxruntime-node on the CPU.
 * Pre- and post-processing are hand-rolled over typed arrays (resample.ts, db-postprocess.ts:
 * the Node wrappers that do it with OpenCV measured 0.8–1.2 GB RSS here).
 */
import { OcrEngineError } from '../../../core/errors.js';
import type { DetectOptions, PixelPoint, Raster, TextDetector, TextRegion } from '../../../core/ports.js';
import { dbPostprocess, type DbOptions } from './db-postprocess.js';
import { DET_MODEL, defaultModelDir, readModelFile } from './model-files.js';
import { createOnnxModel, deadlineIn, runModel } from './onnx-session.js';
import { assertRaster, resizeIntoTensor } from './resample.js';

/** How the detector is set up. */
export interface PpocrDetectorOptions extends DbOptions {
  /** Folder holding the model files; default: the committed `models/` (model-files.ts). */
  readonly modelDir?: string;
  /** onnxruntime intra-op threads. Default 1. */
  readonly threads?: number;
  /** Budget of one `detect` call, ms (0 = none). Default 10 000. */
  readonly timeoutMs?: number;
  /** The longer image side is scaled to this (rounded to a multiple of 32). Default 960. */
  readonly maxSide?: number;
}

// ImageNet statistics, in the BGR channel order PaddleOCR trains with: value = (p/255 - mean) / std.
const MEAN = [0.485, 0.456, 0.406] as const;
const STD = [0.229, 0.224, 0.225] as const;
/** The detector's input normalisation, per tensor channel: `value = p * DET_SCALE[c] + DET_BIAS[c]` (tools reuse it). */
export const DET_SCALE = [1 / (255 * STD[0]), 1 / (255 * STD[1]), 1 / (255 * STD[2])] as const;
/** See {@link DET_SCALE}. */
export const DET_BIAS = [-MEAN[0] / STD[0], -MEAN[1] / STD[1], -MEAN[2] / STD[2]] as const;

/** Size the detector sees for a `width`×`height` image: long side ≈ `maxSide`, both sides multiples of 32. */
export function detectorInputSize(width: number, height: number, maxSide: number): { width: number; height: number } {
  const scale = maxSide / Math.max(width, height);
  const round32 = (v: number) => Math.max(32, Math.round(v / 32) * 32);
  return { width: round32(width * scale), height: round32(height * scale) };
}

/**
 * Loads and checksum-verifies the detector model and builds its session (≈ 0.1–0.3 s). Throws
 * OcrEngineError naming the file when it is missing or corrupt. Create once per process.
 */
export async function createPpocrDetector(options: PpocrDetectorOptions = {}): Promise<TextDetector> {
  const modelDir = options.modelDir ?? defaultModelDir();
  const bytes = await readModelFile(modelDir, DET_MODEL);
  const model = await createOnnxModel(bytes, DET_MODEL.name, options.threads === undefined ? {} : { threads: options.threads });
  const defaultMaxSide = options.maxSide ?? 960;
  const timeoutMs = options.timeoutMs ?? 10_000;
  let closed = false;
  // The input tensor's buffer, kept for the next call (a 960 px input is 7 MB, a 1280 px one
  // 12 MB: allocated, zero-filled and collected on every call otherwise). Every element is
  // written by the resize before a run. A call that finds it taken (another photo's detect in
  // flight on this detector) gets its own.
  let spare: Float32Array | null = null;

  return {
    name: 'ppocr-det-v4',
    async detect(image: Raster, detectOptions: DetectOptions = {}): Promise<TextRegion[]> {
      if (closed) throw new OcrEngineError('ppocr-det-v4 detect called after close(): create a new detector.');
      assertRaster(image, 'ppocr-det-v4 input');
      if (image.width < 2 || image.height < 2) return [];
      const maxSide = detectOptions.maxSide ?? defaultMaxSide;
      if (!(maxSide >= 32 && maxSide <= 4096)) throw new RangeError(`maxSide: expected 32..4096, got ${maxSide}`);
      const deadline = deadlineIn(timeoutMs, 'ppocr-det-v4 detect');
      const size = detectorInputSize(image.width, image.height, maxSide);
      const n = 3 * size.width * size.height;
      let buffer = spare;
      spare = null;
      if (!buffer || buffer.length < n) buffer = new Float32Array(n);
      const tensor = buffer.length === n ? buffer : buffer.subarray(0, n);
      resizeIntoTensor(image, size.width, size.height, {
        tensor, offset: 0, tensorWidth: size.width, tensorHeight: size.height, scale: DET_SCALE, bias: DET_BIAS,
      });
      let out;
      try {
        out = await runModel(model, tensor, [1, 3, size.height, size.width], deadline);
      } finally {
        spare = buffer;
      }
      let boxes;
      try {
        const [, , mh, mw] = out.dims as [number, number, number, number];
        if (mh !== size.height || mw !== size.width) {
          throw new OcrEngineError(`ppocr-det-v4: expected a ${size.width}×${size.height} probability map, got ${mw}×${mh}.`);
        }
        boxes = dbPostprocess(out.data as Float32Array, mw, mh, options);
      } finally {
        out.dispose();
      }
      const sx = image.width / size.width, sy = image.height / size.height;
      const toImage = (p: PixelPoint): PixelPoint => ({
        x: Math.min(image.width, Math.max(0, (p.x + 0.5) * sx - 0.5)),
        y: Math.min(image.height, Math.max(0, (p.y + 0.5) * sy - 0.5)),
      });
      return boxes.map((b) => ({
        quad: [toImage(b.quad[0]), toImage(b.quad[1]), toImage(b.quad[2]), toImage(b.quad[3])],
        score: b.score,
      }));
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await model.session.release();
    },
  };
}
