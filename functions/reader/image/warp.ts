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
    // Numerators and denominator are linear in u: step them along the row.
    let nx = a * 0.5 + b * vy + c, ny = d * 0.5 + e * vy + f, dn = g * 0.5 + hh * vy + 1;
    let o = v * w;
    for (let u = 0; u < w; u++, nx += a, ny += d, dn += g) {
      let x = nx / dn - 0.5;
      let y = ny / dn - 0.5;
      if (x < 0) x = 0; else if (x > maxX) x = maxX;
      if (y < 0) y = 0; else if (y > maxY) y = maxY;
      const x0 = x | 0, y0 = y | 0;
      const i0 = y0 * sw + x0;
      const dx = x0 < maxX ? 1 : 0, dy = y0 < maxY ? sw : 0;
      const fx = x - x0, fy = y - y0;
      const p00 = s[i0]!, p10 = s[i0 + dx]!, p01 = s[i0 + dy]!, p11 = s[i0 + dy + dx]!;
      const top = p00 + (p10 - p00) * fx;
      const bot = p01 + (p11 - p01) * fx;
      out[o++] = (top + (bot - top) * fy + 0.5) | 0;
    }
  }
  return { width: w, height: h, data: out };
}

/**
 * Grayscale (BT.601 luma, integer maths) of a rectangle of an interleaved RGB image,
 * halved `halvings` times by 2×2 box averaging (anti-aliasing before a shrinking warp).
 */
export function grayRegion(
  src: { width: number; height: number; data: Uint8Array },
  left: number,
  top: number,
  width: number,
  height: number,
  halvings: number,
): GrayImage {
  const sw = src.width, s = src.data;
  let out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    let si = ((top + y) * sw + left) * 3;
    let oi = y * width;
    for (let x = 0; x < width; x++, si += 3) out[oi++] = (77 * s[si]! + 150 * s[si + 1]! + 29 * s[si + 2]! + 128) >> 8;
  }
  let w = width, h = height;
  for (let k = 0; k < halvings && w >= 4 && h >= 4; k++) {
    const nw = w >> 1, nh = h >> 1;
    const half = new Uint8Array(nw * nh);
    for (let y = 0; y < nh; y++) {
      const r0 = 2 * y * w, r1 = r0 + w;
      for (let x = 0; x < nw; x++) {
        const c = 2 * x;
        half[y * nw + x] = (out[r0 + c]! + out[r0 + c + 1]! + out[r1 + c]! + out[r1 + c + 1]! + 2) >> 2;
      }
    }
    out = half;
    w = nw;
    h = nh;
  }
  return { width: w, height: h, data: out };
}

/**
 * Linear contrast stretch in place: the `lower` and `upper` percentiles map to 0 and 255.
 * (What sharp's normalise() does, without a round trip through libvips.)
 */
export function stretchContrast(img: GrayImage, lower = 0.01, upper = 0.99): void {
  const d = img.data;
  const hist = new Uint32Array(256);
  for (let i = 0; i < d.length; i++) hist[d[i]!]!++;
  let acc = 0, lo = 0, hi = 255;
  for (let v = 0; v < 256; v++) {
    acc += hist[v]!;
    if (acc <= lower * d.length) lo = v;
    if (acc < upper * d.length) hi = v + 1;
  }
  if (hi <= lo) return;
  const lut = new Uint8Array(256);
  for (let v = 0; v < 256; v++) {
    const t = ((v - lo) * 255) / (hi - lo);
    lut[v] = t < 0 ? 0 : t > 255 ? 255 : Math.round(t);
  }
  for (let i = 0; i < d.length; i++) d[i] = lut[d[i]!]!;
}

/** The image turned by 180° (a reversed pixel array). */
export function rotate180(img: GrayImage): GrayImage {
  const out = new Uint8Array(img.data.length);
  const n = img.data.length;
  for (let i = 0; i < n; i++) out[i] = img.data[n - 1 - i]!;
  return { width: img.width, height: img.height, data: out };
}
