/**
 * Scripted line recognisers for reader tests: each crop's text is decided by the test from the
 * crop's shape (the reader cuts number, name and date lines at different aspect ratios), every
 * character read at one confidence, and the crops asked for are counted.
 */
import sharp from 'sharp';
import type { ReadResult } from '../../functions/core/card.js';
import type { LineRecognizer, Raster, TextDetector, TextRegion } from '../../functions/core/ports.js';
import { DEFAULT_IMAGE_LIMITS } from '../../functions/reader/decode.js';
import { createCardReader } from '../../functions/reader/reader.js';

/** An upright rectangle's quad (TL, TR, BR, BL), for scripted detectors. */
export const rectQuad = (x0: number, y0: number, x1: number, y1: number): TextRegion['quad'] => [
  { x: x0, y: y0 }, { x: x1, y: y0 }, { x: x1, y: y1 }, { x: x0, y: y1 },
];

/**
 * A LineRecognizer named `name` that reads each crop as `textFor(crop)` at `confidence`, each
 * character at `charConfidence(text, index)` (default `confidence`), counting crops in `crops`.
 */
export function scriptedRecognizer(
  name: string,
  textFor: (crop: Raster) => string,
  confidence = 0.97,
  charConfidence: (text: string, index: number) => number = () => confidence,
): LineRecognizer & { crops: number } {
  const r = {
    name,
    crops: 0,
    async recognize(lines: readonly Raster[]) {
      r.crops += lines.length;
      return lines.map((l) => {
        const text = textFor(l);
        return { text, confidence, charConfidences: [...text].map((_, i) => charConfidence(text, i)) };
      });
    },
    async close() {},
  };
  return r;
}

/**
 * Reads a plain grey 800×500 photo as a frame view (`readNormalised`, no card outline) with a
 * card reader on `detector` and `recognizers` (no Tesseract, no models; dates judged against
 * `now`), then closes the reader. What the scripted engines return decides what is read.
 */
export async function readPlainFrame(detector: TextDetector, recognizers: readonly LineRecognizer[], now: Date): Promise<ReadResult> {
  const reader = await createCardReader({
    engines: { ocr: async () => Promise.reject(new Error('unused: no Tesseract in scripted reads')), detector: async () => detector, recognizers: async () => [...recognizers] },
    limits: { ...DEFAULT_IMAGE_LIMITS, timeoutMs: 60_000 },
    now: () => now,
  });
  try {
    const png = await sharp({ create: { width: 800, height: 500, channels: 3, background: '#d8d8d8' } }).png().toBuffer();
    return await reader.readNormalised(png, { view: 'frame' });
  } finally {
    await reader.close();
  }
}

/**
 * A TextDetector that boxes the same upright rectangles in whatever view it is given, each as
 * fractions `[x0, y0, x1, y1]` of the view's width and height (score 0.9).
 */
export function fractionDetector(boxes: ReadonlyArray<readonly [number, number, number, number]>): TextDetector {
  return {
    name: 'scripted-det',
    async detect(image: Raster): Promise<TextRegion[]> {
      const w = image.width, h = image.height;
      return boxes.map(([x0, y0, x1, y1]) => ({ quad: rectQuad(w * x0, h * y0, w * x1, h * y1), score: 0.9 }));
    },
    async close() {},
  };
}
