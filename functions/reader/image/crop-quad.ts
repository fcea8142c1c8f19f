/**
 * Cuts one text line out of an image as an upright raster: the line's quadrilateral (e.g. from
 * a TextDetector) is warped onto a rectangle by a homography with bilinear sampling. Engine
 * neutral: any recogniser that takes upright line crops can use it. sharp has no projective
 * transform, and a line crop is a few thousand pixels, so this is plain JS.
 */
import type { PixelPoint, Raster } from '../../core/ports.js';
import { homographyFromRect } from './geometry.js';

/** How a line is cropped. */
export interface CropQuadOptions {
  /**
   * Margin added on every side, as a fraction of the line height. Default 0: a DB detector's
   * quads already carry its unclip margin, and PaddleOCR's recogniser was trained on crops of
   * exactly those boxes (on real-dev-v1, 0.08 read 26/30 card numbers and 0 read 28/30 at 960 px).
   * Pass some for tight boxes from other finders.
   */
  readonly padding?: number;
}

/**
 * Warps `quad` (corners clockwise from the text's top-left, in `src` pixels with pixel centres
 * at integer coordinates) to an upright raster with `src`'s channels. The output is as wide and
 * high as the quad's mean side lengths plus padding, or scaled to `outHeight` px high keeping
 * the aspect. Outside the source the nearest edge pixel is repeated. When the crop is shrunk,
 * each output pixel averages up to 4×4 samples so thin strokes do not alias away.
 * A degenerate quad (a side under one pixel) gives an empty 0×0 raster.
 */
export function cropQuad(
  src: Raster,
  quad: readonly [PixelPoint, PixelPoint, PixelPoint, PixelPoint],
  outHeight?: number,
  options: CropQuadOptions = {},
): Raster {
  const [tl, tr, br, bl] = quad;
  const w = (Math.hypot(tr.x - tl.x, tr.y - tl.y) + Math.hypot(br.x - bl.x, br.y - bl.y)) / 2;
  const h = (Math.hypot(bl.x - tl.x, bl.y - tl.y) + Math.hypot(br.x - tr.x, br.y - tr.y)) / 2;
  const ch = src.channels;
  if (!(w >= 1 && h >= 1) || src.width < 1 || src.height < 1) return { width: 0, height: 0, channels: ch, data: new Uint8Array(0) };
  const pad = Math.max(0, options.padding ?? 0) * h;
  const fullW = w + 2 * pad, fullH = h + 2 * pad;
  const scale = outHeight !== undefined && outHeight > 0 ? outHeight / fullH : 1;
  const outH = Math.max(1, Math.round(fullH * scale));
  const outW = Math.max(1, Math.round(fullW * scale));
  const [a, b, c, d, e, f, g, hh] = homographyFromRect(w, h, [
    { x: tl.x, y: tl.y }, { x: tr.x, y: tr.y }, { x: br.x, y: br.y }, { x: bl.x, y: bl.y },
  ]) as [number, number, number, number, number, number, number, number];
  // Samples per output pixel and axis: enough to cover one source pixel step when shrinking.
  const k = Math.min(4, Math.max(1, Math.ceil(1 / scale - 1e-9)));
  const sw = src.width, sh = src.height, s = src.data;
  const maxX = sw - 1, maxY = sh - 1;
  const out = new Uint8Array(outW * outH * ch);
  const acc = new Float64Array(ch);
  const inv = 1 / (k * k);
  for (let v = 0; v < outH; v++) {
    for (let u = 0; u < outW; u++) {
      acc.fill(0);
      for (let j = 0; j < k; j++) {
        // Rectangle coordinates of this sample, (0,0) = the quad's top-left corner.
        const rv = (v + (j + 0.5) / k) / scale - pad;
        for (let i = 0; i < k; i++) {
          const ru = (u + (i + 0.5) / k) / scale - pad;
          const dn = g * ru + hh * rv + 1;
          let x = (a * ru + b * rv + c) / dn;
          let y = (d * ru + e * rv + f) / dn;
          if (!(x >= 0)) x = 0; else if (x > maxX) x = maxX;
          if (!(y >= 0)) y = 0; else if (y > maxY) y = maxY;
          const x0 = x | 0, y0 = y | 0;
          const fx = x - x0, fy = y - y0;
          const i00 = (y0 * sw + x0) * ch;
          const dx = x0 < maxX ? ch : 0, dy = y0 < maxY ? sw * ch : 0;
          for (let q = 0; q < ch; q++) {
            const p00 = s[i00 + q]!, p10 = s[i00 + dx + q]!, p01 = s[i00 + dy + q]!, p11 = s[i00 + dy + dx + q]!;
            const top = p00 + (p10 - p00) * fx;
            const bot = p01 + (p11 - p01) * fx;
            acc[q]! += top + (bot - top) * fy;
          }
        }
      }
      const o = (v * outW + u) * ch;
      for (let q = 0; q < ch; q++) out[o + q] = Math.round(acc[q]! * inv);
    }
  }
  return { width: outW, height: outH, channels: ch, data: out };
}
