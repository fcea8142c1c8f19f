/**
 * Scripted line recognisers for reader tests: each crop's text is decided by the test from the
 * crop's shape (the reader cuts number, name and date lines at different aspect ratios), every
 * character read at one confidence, and the crops asked for are counted.
 */
import type { LineRecognizer, Raster, TextRegion } from '../../functions/core/ports.js';

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
