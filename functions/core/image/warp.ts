/**
 * Perspective warp of a grayscale image onto a fixed-size rectangle. sharp has affine
 * transforms but no projective one, and one bilinear pass over ≈ 0.6 MP in plain JS
 * costs a few milliseconds, so this is done by hand.
 */
import { homographyFromRect, type Quad } from './geometry.js';

/** Raw 8-bit single-channel pixels. */
export interface GrayImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * Samples `src` inside `quad` (TL, TR, BR, BL, in `src` pixels) into a `w`×`h` image.
 * Outside the source, the nearest edge pixel is repeated.
 */
export function warpQuad(src: GrayImage, quad: Quad, w: number, h: number): GrayImage {
  const H = homographyFromRect(w, h, quad);
  const [a, b, c, d, e, f, g, hh] = H as [number, number, number, number, number, number, number, number];
  const out = new Uint8Array(w * h);
  const sw = src.width, sh = src.height, s = src.data;
  const maxX = sw - 1, maxY = sh - 1;
  for (let v = 0; v < h; v++) {
    const vy = v + 0.5;
    for (let u = 0; u < w; u++) {
      const ux = u + 0.5;
      const den = g * ux + hh * vy + 1;
      let x = (a * ux + b * vy + c) / den - 0.5;
      let y = (d * ux + e * vy + f) / den - 0.5;
      if (x < 0) x = 0; else if (x > maxX) x = maxX;
      if (y < 0) y = 0; else if (y > maxY) y = maxY;
      const x0 = x | 0, y0 = y | 0;
      const x1 = x0 < maxX ? x0 + 1 : x0, y1 = y0 < maxY ? y0 + 1 : y0;
      const fx = x - x0, fy = y - y0;
      const p00 = s[y0 * sw + x0]!, p10 = s[y0 * sw + x1]!, p01 = s[y1 * sw + x0]!, p11 = s[y1 * sw + x1]!;
      const top = p00 + (p10 - p00) * fx;
      const bot = p01 + (p11 - p01) * fx;
      out[v * w + u] = (top + (bot - top) * fy + 0.5) | 0;
    }
  }
  return { width: w, height: h, data: out };
}

/** The image turned by 180° (a reversed pixel array). */
export function rotate180(img: GrayImage): GrayImage {
  const out = new Uint8Array(img.data.length);
  const n = img.data.length;
  for (let i = 0; i < n; i++) out[i] = img.data[n - 1 - i]!;
  return { width: img.width, height: img.height, data: out };
}
