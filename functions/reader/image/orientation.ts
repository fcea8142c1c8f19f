/**
 * Deciding 0° vs 180° for a landscape card crop (the aspect already settles 0 vs 90).
 *
 * Cue: on a payment card the embossed/printed number band and the expiry sit in the
 * lower half of the card's middle (ISO 7811 puts the number line below the centre), while
 * the band above the centre, between chip and logo, is usually empty. So in the central
 * columns (25–75 % of the width) text energy below the centre outweighs that above it.
 * The chip (left) and brand logo (bottom right) are outside those columns, so they do not
 * vote. Accuracy is measured on the corpus (see the report); callers that can check a
 * read (Luhn) should still try the 180° turn when the first read fails.
 */
import type { GrayImage } from './warp.js';

/** Sum of |horizontal gradient| over a band of rows/columns (fractions of the card). */
function bandEnergy(img: GrayImage, y0: number, y1: number, x0: number, x1: number): number {
  const { width: w, height: h, data } = img;
  const ys = Math.floor(y0 * h), ye = Math.floor(y1 * h);
  const xs = Math.floor(x0 * w), xe = Math.floor(x1 * w);
  let e = 0;
  for (let y = ys; y < ye; y += 2) {
    const row = y * w;
    for (let x = xs; x < xe - 1; x++) {
      const d = data[row + x + 1]! - data[row + x]!;
      // Ignore faint background art; count edges of strokes.
      const a = d < 0 ? -d : d;
      if (a > 12) e += a;
    }
  }
  return e;
}

/**
 * Score in [-1, 1]: positive means the crop is upright, negative means it is upside down.
 * Expects dark text on a light card (invert dark cards first).
 */
export function uprightScore(card: GrayImage): number {
  const below = bandEnergy(card, 0.5, 0.82, 0.25, 0.75);
  const above = bandEnergy(card, 0.18, 0.5, 0.25, 0.75);
  return (below - above) / Math.max(1, below + above);
}
