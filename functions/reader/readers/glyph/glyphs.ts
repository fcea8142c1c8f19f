/**
 * Glyph geometry on a normalised card: adaptive binarisation, connected components, and
 * the size-normalised feature vector a glyph classifier compares with its templates. The
 * same code turns rendered font templates into features (tools/build-glyph-templates.ts),
 * so templates and card glyphs are measured identically.
 */

/** Row-major 8-bit grayscale image. */
export interface Gray {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** Axis-aligned box, right/bottom exclusive. */
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** A connected group of ink pixels. */
export interface Component extends Box {
  /** Number of ink pixels. */
  area: number;
}

/** Feature grid size: glyphs are scaled to this height, centred in this width. */
export const FEATURE_W = 20;
export const FEATURE_H = 28;

/** Block size of the local-mean grid used by `binarize`, px. */
const MEAN_SHIFT = 2;
const MEAN_BLOCK = 1 << MEAN_SHIFT;

/**
 * Marks ink (text darker than its surroundings): a pixel is ink when it is darker than the
 * mean of a `window`-sized neighbourhood by more than `offset` grey levels. Local means cope
 * with the gradients, circles and vignettes printed on cards. The means are computed on a
 * grid of 4 × 4 blocks (a box filter over block sums), which is as good for a 41 px window
 * and several times cheaper than a per-pixel integral image.
 */
export function binarize(img: Gray, options: { window?: number; offset?: number; rect?: Box } = {}): Uint8Array {
  const { width: w, height: h, data } = img;
  const offset = options.offset ?? 18;
  const rect = options.rect ?? { x0: 0, y0: 0, x1: w, y1: h };
  const rb = Math.max(1, Math.round((options.window ?? 41) / 2 / MEAN_BLOCK));
  const sw = (w + MEAN_BLOCK - 1) >> MEAN_SHIFT;
  const sh = (h + MEAN_BLOCK - 1) >> MEAN_SHIFT;
  // Block sums (32-bit: a whole 1000 × 630 card sums to < 2^31).
  const sums = new Int32Array(sw * sh);
  for (let y = 0; y < h; y++) {
    const base = (y >> MEAN_SHIFT) * sw;
    const src = y * w;
    for (let x = 0; x < w; x++) sums[base + (x >> MEAN_SHIFT)]! += data[src + x]!;
  }
  // Integral of the block grid (sums and pixel counts), then the windowed mean per block.
  const iw = sw + 1;
  const is = new Int32Array(iw * (sh + 1));
  const ic = new Int32Array(iw * (sh + 1));
  for (let by = 0; by < sh; by++) {
    const bh = Math.min(MEAN_BLOCK, h - (by << MEAN_SHIFT));
    let rs = 0;
    let rc = 0;
    for (let bx = 0; bx < sw; bx++) {
      rs += sums[by * sw + bx]!;
      rc += bh * Math.min(MEAN_BLOCK, w - (bx << MEAN_SHIFT));
      const k = (by + 1) * iw + bx + 1;
      is[k] = is[k - iw]! + rs;
      ic[k] = ic[k - iw]! + rc;
    }
  }
  const limit = new Float32Array(sw * sh);
  for (let by = 0; by < sh; by++) {
    const ya = Math.max(0, by - rb) * iw;
    const yb = Math.min(sh, by + rb + 1) * iw;
    for (let bx = 0; bx < sw; bx++) {
      const xa = Math.max(0, bx - rb);
      const xb = Math.min(sw, bx + rb + 1);
      const sum = is[yb + xb]! - is[ya + xb]! - is[yb + xa]! + is[ya + xa]!;
      const cnt = ic[yb + xb]! - ic[ya + xb]! - ic[yb + xa]! + ic[ya + xa]!;
      limit[by * sw + bx] = sum / cnt - offset;
    }
  }
  const mask = new Uint8Array(w * h);
  for (let y = rect.y0; y < rect.y1; y++) {
    const base = (y >> MEAN_SHIFT) * sw;
    const src = y * w;
    for (let x = rect.x0; x < rect.x1; x++) {
      if (data[src + x]! < limit[base + (x >> MEAN_SHIFT)]!) mask[src + x] = 1;
    }
  }
  return mask;
}

/** 8-connected components of a mask within `rect` (default: whole image). */
export function components(mask: Uint8Array, width: number, height: number, rect?: Box): Component[] {
  const r = rect ?? { x0: 0, y0: 0, x1: width, y1: height };
  const seen = new Uint8Array(width * height);
  const out: Component[] = [];
  const stack: number[] = [];
  for (let y = r.y0; y < r.y1; y++) {
    for (let x = r.x0; x < r.x1; x++) {
      const i = y * width + x;
      if (!mask[i] || seen[i]) continue;
      seen[i] = 1;
      stack.push(i);
      const c: Component = { x0: x, y0: y, x1: x + 1, y1: y + 1, area: 0 };
      while (stack.length > 0) {
        const j = stack.pop()!;
        const jx = j % width;
        const jy = (j - jx) / width;
        c.area += 1;
        if (jx < c.x0) c.x0 = jx;
        if (jx + 1 > c.x1) c.x1 = jx + 1;
        if (jy < c.y0) c.y0 = jy;
        if (jy + 1 > c.y1) c.y1 = jy + 1;
        for (let dy = -1; dy <= 1; dy++) {
          const ny = jy + dy;
          if (ny < r.y0 || ny >= r.y1) continue;
          for (let dx = -1; dx <= 1; dx++) {
            const nx = jx + dx;
            if (nx < r.x0 || nx >= r.x1) continue;
            const k = ny * width + nx;
            if (mask[k] && !seen[k]) {
              seen[k] = 1;
              stack.push(k);
            }
          }
        }
      }
      out.push(c);
    }
  }
  return out;
}

/**
 * Feature vector of the ink inside `box`: the box is scaled to FEATURE_H rows keeping its
 * aspect (narrow glyphs such as `1` stay narrow), centred in FEATURE_W columns, and each
 * cell holds the fraction of ink it covers (area sampling, so thin strokes survive).
 * `canvasW` widens the canvas (same vertical scale), for sliding a template over a region.
 */
export function glyphFeature(mask: Uint8Array, width: number, box: Box, canvasW: number = FEATURE_W): Float32Array {
  const FW = canvasW;
  const bw = box.x1 - box.x0;
  const bh = box.y1 - box.y0;
  const f = new Float32Array(FW * FEATURE_H);
  if (bw <= 0 || bh <= 0) return f;
  const s = FEATURE_H / bh;
  const sx = Math.min(s, FW / bw); // very wide glyphs are squeezed to fit
  const outW = bw * sx;
  const offX = (FW - outW) / 2;
  const counts = new Float32Array(FW * FEATURE_H);
  for (let y = box.y0; y < box.y1; y++) {
    const fy0 = (y - box.y0) * s;
    const fy1 = fy0 + s;
    for (let x = box.x0; x < box.x1; x++) {
      const ink = mask[y * width + x] ? 1 : 0;
      const fx0 = offX + (x - box.x0) * sx;
      const fx1 = fx0 + sx;
      // Spread the source pixel over the feature cells it overlaps.
      for (let cy = Math.floor(fy0); cy < Math.min(FEATURE_H, Math.ceil(fy1)); cy++) {
        const oy = Math.min(fy1, cy + 1) - Math.max(fy0, cy);
        if (oy <= 0) continue;
        for (let cx = Math.max(0, Math.floor(fx0)); cx < Math.min(FW, Math.ceil(fx1)); cx++) {
          const ox = Math.min(fx1, cx + 1) - Math.max(fx0, cx);
          if (ox <= 0) continue;
          const a = ox * oy;
          counts[cy * FW + cx]! += a;
          f[cy * FW + cx]! += a * ink;
        }
      }
    }
  }
  // Cells fully inside the scaled box hold an ink fraction; cells outside stay 0 (paper).
  for (let i = 0; i < f.length; i++) {
    const c = counts[i]!;
    f[i] = c > 0 ? Math.min(1, f[i]! / Math.max(c, 1)) : 0;
  }
  return f;
}
