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
  // Four pixels at a time into their block (integer sums: the same whatever the order), about
  // twice as fast as one read-modify-write of the block per pixel.
  const whole = w >> MEAN_SHIFT;
  for (let y = 0; y < h; y++) {
    const base = (y >> MEAN_SHIFT) * sw;
    const src = y * w;
    for (let bx = 0, p = src; bx < whole; bx++, p += MEAN_BLOCK) {
      sums[base + bx]! += data[p]! + data[p + 1]! + data[p + 2]! + data[p + 3]!;
    }
    for (let x = whole << MEAN_SHIFT; x < w; x++) sums[base + whole]! += data[src + x]!;
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
    // Block by block: each block's limit is read once for its (up to four) pixels.
    for (let x = rect.x0; x < rect.x1; ) {
      const lim = limit[base + (x >> MEAN_SHIFT)]!;
      const end = Math.min(rect.x1, ((x >> MEAN_SHIFT) + 1) << MEAN_SHIFT);
      for (; x < end; x++) if (data[src + x]! < lim) mask[src + x] = 1;
    }
  }
  return mask;
}

/**
 * 8-connected components of a mask within `rect` (default: whole image), in the raster order of
 * their first pixel. A flood fill over an Int32Array stack whose neighbour bounds are settled
 * once per pixel (row and column ranges) rather than tested for each of the nine neighbours.
 */
export function components(mask: Uint8Array, width: number, height: number, rect?: Box): Component[] {
  const r = rect ?? { x0: 0, y0: 0, x1: width, y1: height };
  const { x0: rx0, y0: ry0, x1: rx1, y1: ry1 } = r;
  const seen = new Uint8Array(width * height);
  const out: Component[] = [];
  let stack = new Int32Array(1024);
  for (let y = ry0; y < ry1; y++) {
    for (let x = rx0; x < rx1; x++) {
      const i = y * width + x;
      if (!mask[i] || seen[i]) continue;
      seen[i] = 1;
      let sp = 0;
      stack[sp++] = i;
      let cx0 = x, cy0 = y, cx1 = x + 1, cy1 = y + 1, area = 0;
      while (sp > 0) {
        const j = stack[--sp]!;
        const jy = (j / width) | 0;
        const jx = j - jy * width;
        area += 1;
        if (jx < cx0) cx0 = jx;
        if (jx + 1 > cx1) cx1 = jx + 1;
        if (jy < cy0) cy0 = jy;
        if (jy + 1 > cy1) cy1 = jy + 1;
        // The same bounds as testing each neighbour against the rectangle.
        const dyLo = jy - 1 < ry0 ? 0 : -1, dyHi = jy + 1 >= ry1 ? 0 : 1;
        const dxLo = jx - 1 < rx0 ? 0 : -1, dxHi = jx + 1 >= rx1 ? 0 : 1;
        if (sp + 9 > stack.length) {
          const grown = new Int32Array(stack.length * 2);
          grown.set(stack);
          stack = grown;
        }
        for (let dy = dyLo; dy <= dyHi; dy++) {
          const row = j + dy * width;
          for (let dx = dxLo; dx <= dxHi; dx++) {
            const k = row + dx;
            if (mask[k] && !seen[k]) {
              seen[k] = 1;
              stack[sp++] = k;
            }
          }
        }
      }
      out.push({ x0: cx0, y0: cy0, x1: cx1, y1: cy1, area });
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
  // The cells a source column (row) overlaps and by how much depend on x (y) alone: worked out
  // once per column and per row instead of once per pixel. Accumulated in the same order with
  // the same values, so the sums are the same bits; a paper pixel adds exactly 0 to `f`.
  const colStart = new Int32Array(bw + 1);
  const colCell: number[] = [];
  const colOverlap: number[] = [];
  for (let x = box.x0; x < box.x1; x++) {
    const fx0 = offX + (x - box.x0) * sx;
    const fx1 = fx0 + sx;
    for (let cx = Math.max(0, Math.floor(fx0)); cx < Math.min(FW, Math.ceil(fx1)); cx++) {
      const ox = Math.min(fx1, cx + 1) - Math.max(fx0, cx);
      if (ox <= 0) continue;
      colCell.push(cx);
      colOverlap.push(ox);
    }
    colStart[x - box.x0 + 1] = colCell.length;
  }
  // One row's cells, reused across rows (a row overlaps at most FEATURE_H cells): no allocation per source row.
  const rowCells = new Int32Array(FEATURE_H);
  const rowOverlap = new Float64Array(FEATURE_H);
  for (let y = box.y0; y < box.y1; y++) {
    const fy0 = (y - box.y0) * s;
    const fy1 = fy0 + s;
    let rowCount = 0;
    for (let cy = Math.floor(fy0); cy < Math.min(FEATURE_H, Math.ceil(fy1)); cy++) {
      const oy = Math.min(fy1, cy + 1) - Math.max(fy0, cy);
      if (oy <= 0) continue;
      rowCells[rowCount] = cy * FW;
      rowOverlap[rowCount++] = oy;
    }
    const src = y * width;
    for (let x = box.x0; x < box.x1; x++) {
      const ink = mask[src + x] ? 1 : 0;
      const c0 = colStart[x - box.x0]!, c1 = colStart[x - box.x0 + 1]!;
      // Spread the source pixel over the feature cells it overlaps.
      for (let r = 0; r < rowCount; r++) {
        const rowBase = rowCells[r]!;
        const oy = rowOverlap[r]!;
        for (let c = c0; c < c1; c++) {
          const a = colOverlap[c]! * oy;
          const cell = rowBase + colCell[c]!;
          counts[cell]! += a;
          if (ink) f[cell]! += a;
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
