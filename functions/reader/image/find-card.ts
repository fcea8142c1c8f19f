/**
 * Finds the card in a small working copy of the photo (≈ 400 px on the long side).
 *
 * Why this way: a card is one object that differs from the desk around it, and the
 * frame border is (almost always) desk. So we model the background from a ring along the
 * frame border (a smooth quadratic colour surface per channel, fitted robustly, which
 * absorbs lighting gradients), mark pixels that differ from it, take the largest
 * connected blob with its holes filled (text and logos inside the card), and fit a
 * quadrilateral to the blob's outline: min-area rectangle first, then one line per side
 * through the outline points near that side (which follows mild perspective).
 */
import {
  convexHull,
  fitLine,
  intersect,
  minAreaRect,
  polygonArea,
  rectCorners,
  type Point,
  type Quad,
  type RotatedRect,
} from './geometry.js';

/** Raw interleaved RGB pixels. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** What the finder saw; `quad` is null when nothing card-like stands out. */
export interface CardCandidate {
  /** Corners TL, TR, BR, BL in working-copy pixels, not yet oriented (TL–TR is a long side). */
  quad: Quad;
  rect: RotatedRect;
  /** Blob area / frame area. */
  blobFraction: number;
  /** Blob area / quad area (1 = a clean rectangle). */
  solidity: number;
  /** Long side / short side of the quad. */
  aspect: number;
  /** Sides of the frame the blob touches (0–4). */
  bordersTouched: number;
}

/** What stands out from the background at all (before any blob logic). */
export interface ForegroundStats {
  /** Fraction of the frame that differs from the background model. */
  fraction: number;
  /** Extent of those pixels (1st–99th percentile of their coordinates) as fractions of width and height. */
  spanX: number;
  spanY: number;
  /** Fraction of the border ring that stands out (desk texture does; a card's margin does not). */
  ringFraction: number;
}

/** The finder's answer: the best card-like blob (if any) and what stood out overall. */
export interface SceneAnalysis {
  candidate: CardCandidate | null;
  foreground: ForegroundStats;
}

/** Pixels of the frame border used to model the background, as a fraction of the short side. */
const RING_FRACTION = 0.04;

/** Median of values in 0–255 (rounded), by histogram: no sort. */
function median(values: ArrayLike<number>): number {
  return quantile(values, 0.5);
}

/** The q-quantile of values in 0–255 (rounded), by histogram. */
function quantile(values: ArrayLike<number>, q: number): number {
  const n = values.length;
  if (n === 0) return 0;
  const hist = new Uint32Array(256);
  for (let i = 0; i < n; i++) {
    const v = Math.round(values[i]!);
    hist[v < 0 ? 0 : v > 255 ? 255 : v]!++;
  }
  return histQuantile(hist, n, q);
}

/** Fits c(x, y) = a·[1, X, Y, XY, X², Y²] to ring samples, per channel. */
function fitBackground(img: RgbImage, ring: Int32Array, weights: Uint8Array): Float64Array {
  const { width: w, height: h, data } = img;
  const ata = new Float64Array(36);
  const atb = new Float64Array(18);
  const f = new Float64Array(6);
  for (let k = 0; k < ring.length; k++) {
    if (!weights[k]) continue;
    const i = ring[k]!;
    const x = (i % w) / w - 0.5;
    const y = Math.floor(i / w) / h - 0.5;
    f[0] = 1; f[1] = x; f[2] = y; f[3] = x * y; f[4] = x * x; f[5] = y * y;
    for (let r = 0; r < 6; r++) {
      const fr = f[r]!;
      // The normal matrix is symmetric: its upper triangle is summed here and mirrored below
      // (fr·f[c] and f[c]·fr are the same product, so the same sums as summing every entry).
      for (let c = r; c < 6; c++) ata[r * 6 + c]! += fr * f[c]!;
      for (let ch = 0; ch < 3; ch++) atb[ch * 6 + r]! += fr * data[i * 3 + ch]!;
    }
  }
  for (let r = 1; r < 6; r++) for (let c = 0; c < r; c++) ata[r * 6 + c] = ata[c * 6 + r]!;
  // Tiny ridge keeps the system solvable when the ring is degenerate.
  for (let r = 0; r < 6; r++) ata[r * 7]! += 1e-3;
  const coef = new Float64Array(18);
  for (let ch = 0; ch < 3; ch++) {
    const sol = solveSym6(ata, atb.subarray(ch * 6, ch * 6 + 6));
    coef.set(sol, ch * 6);
  }
  return coef;
}

function solveSym6(ata: Float64Array, b: Float64Array): Float64Array {
  const n = 6;
  const M = new Float64Array(n * (n + 1));
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) M[r * 7 + c] = ata[r * 6 + c]!;
    M[r * 7 + 6] = b[r]!;
  }
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r * 7 + c]!) > Math.abs(M[piv * 7 + c]!)) piv = r;
    if (piv !== c) for (let k = 0; k < 7; k++) { const t = M[c * 7 + k]!; M[c * 7 + k] = M[piv * 7 + k]!; M[piv * 7 + k] = t; }
    const pv = M[c * 7 + c]!;
    if (Math.abs(pv) < 1e-12) continue;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const fct = M[r * 7 + c]! / pv;
      if (fct === 0) continue;
      for (let k = c; k < 7; k++) M[r * 7 + k]! -= fct * M[c * 7 + k]!;
    }
  }
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const d = M[r * 7 + r]!;
    out[r] = Math.abs(d) < 1e-12 ? 0 : M[r * 7 + 6]! / d;
  }
  return out;
}

/** Colour distance of pixel `i` from the fitted background, clipped to 0–255. */
function residualAt(img: RgbImage, coef: Float64Array, i: number): number {
  const w = img.width;
  const x = (i % w) / w - 0.5;
  const y = Math.floor(i / w) / img.height - 0.5;
  let s = 0;
  for (let ch = 0; ch < 3; ch++) {
    const o = ch * 6;
    const bg = coef[o]! + coef[o + 1]! * x + coef[o + 2]! * y + coef[o + 3]! * x * y + coef[o + 4]! * x * x + coef[o + 5]! * y * y;
    const d = img.data[i * 3 + ch]! - bg;
    s += d * d;
  }
  const v = Math.sqrt(s);
  return v > 255 ? 255 : v;
}

/** Per-pixel colour distance from the fitted background, clipped to 0–255. */
function residualMap(img: RgbImage, coef: Float64Array): Uint8Array {
  const { width: w, height: h, data } = img;
  const out = new Uint8Array(w * h);
  // The surface's terms that depend on x only (c1·x, c3·x, c4·x·x) are the same on every row
  // and those on y only (c2·y, c5·y·y) along a row: taken once per column and per row, then
  // summed in the formula's order (c0 + c1·x + c2·y + c3·x·y + c4·x·x + c5·y·y), so the same
  // bits as evaluating it whole at every pixel (with the two changes in morph: 19% less CPU per
  // analyseScene on real-dev-v1 and embossed-95001 working copies).
  const cx = new Float64Array(w * 9);
  for (let xx = 0; xx < w; xx++) {
    const x = xx / w - 0.5;
    for (let ch = 0; ch < 3; ch++) {
      const o = ch * 6, q = xx * 9 + ch * 3;
      cx[q] = coef[o + 1]! * x;
      cx[q + 1] = coef[o + 3]! * x;
      cx[q + 2] = coef[o + 4]! * x * x;
    }
  }
  const c0 = coef[0]!, c6 = coef[6]!, c12 = coef[12]!;
  for (let yy = 0; yy < h; yy++) {
    const y = yy / h - 0.5;
    const y0 = coef[2]! * y, yy0 = coef[5]! * y * y;
    const y1 = coef[8]! * y, yy1 = coef[11]! * y * y;
    const y2 = coef[14]! * y, yy2 = coef[17]! * y * y;
    for (let xx = 0, i = yy * w, q = 0; xx < w; xx++, i++, q += 9) {
      const bg0 = c0 + cx[q]! + y0 + cx[q + 1]! * y + cx[q + 2]! + yy0;
      const bg1 = c6 + cx[q + 3]! + y1 + cx[q + 4]! * y + cx[q + 5]! + yy1;
      const bg2 = c12 + cx[q + 6]! + y2 + cx[q + 7]! * y + cx[q + 8]! + yy2;
      const d0 = data[i * 3]! - bg0, d1 = data[i * 3 + 1]! - bg1, d2 = data[i * 3 + 2]! - bg2;
      const v = Math.sqrt(d0 * d0 + d1 * d1 + d2 * d2);
      out[i] = v > 255 ? 255 : v;
    }
  }
  return out;
}

/** A per-row or per-column background and its residual map. */
interface StripeModel {
  /** The full residual map, computed only when the model is used. */
  residual: () => Uint8Array;
  /** 90th percentile residual on the held-out border strips. */
  typical: number;
  /** 99th percentile residual on the held-out border strips. */
  noise: number;
}

/** The q-quantile of a histogram of `n` values (same rule as `quantile`). */
function histQuantile(hist: Uint32Array, n: number, q: number): number {
  if (n === 0) return 0;
  const target = q * (n - 1);
  let acc = 0;
  for (let v = 0; v < 256; v++) {
    acc += hist[v]!;
    if (acc > target) return v;
  }
  return 255;
}

/**
 * Best of two stripe models: per-row colour from the left/right border strips (scored on
 * the top/bottom strips, which it did not see), or per-column from top/bottom (scored on
 * left/right). Null when the frame is too small.
 * (Hot path: medians by histogram, and the full residual map only for the model in use.)
 */
function stripeModel(img: RgbImage, r: number): StripeModel | null {
  const { width: w, height: h, data } = img;
  if (w < 4 * r || h < 4 * r) return null;
  const hist = new Uint32Array(256 * 3);
  const residualAt = (bg: Float64Array, k: number, i: number): number => {
    const d0 = data[i * 3]! - bg[k * 3]!, d1 = data[i * 3 + 1]! - bg[k * 3 + 1]!, d2 = data[i * 3 + 2]! - bg[k * 3 + 2]!;
    const v = Math.sqrt(d0 * d0 + d1 * d1 + d2 * d2);
    // Same truncation as storing into a Uint8Array.
    return v > 255 ? 255 : v | 0;
  };
  const build = (alongRows: boolean): StripeModel => {
    const n = alongRows ? h : w;
    const across = alongRows ? w : h;
    const bg = new Float64Array(n * 3);
    const count = 2 * r;
    for (let k = 0; k < n; k++) {
      hist.fill(0);
      for (let t = 0; t < r; t++) {
        const ia = alongRows ? k * w + t : t * w + k;
        const ib = alongRows ? k * w + (across - 1 - t) : (across - 1 - t) * w + k;
        hist[data[ia * 3]!]!++;
        hist[256 + data[ia * 3 + 1]!]!++;
        hist[512 + data[ia * 3 + 2]!]!++;
        hist[data[ib * 3]!]!++;
        hist[256 + data[ib * 3 + 1]!]!++;
        hist[512 + data[ib * 3 + 2]!]!++;
      }
      for (let c = 0; c < 3; c++) bg[k * 3 + c] = histQuantile(hist.subarray(c * 256, c * 256 + 256), count, 0.5);
    }
    // Held-out check: the strips across the model's direction.
    const check = new Uint32Array(256);
    let checked = 0;
    for (let t = 0; t < r; t++) {
      for (let k = r; k < across - r; k += 2) {
        const ea = t, eb = (alongRows ? h : w) - 1 - t;
        const ia = alongRows ? ea * w + k : k * w + ea;
        const ib = alongRows ? eb * w + k : k * w + eb;
        check[residualAt(bg, alongRows ? Math.floor(ia / w) : ia % w, ia)]!++;
        check[residualAt(bg, alongRows ? Math.floor(ib / w) : ib % w, ib)]!++;
        checked += 2;
      }
    }
    const residual = (): Uint8Array => {
      const out = new Uint8Array(w * h);
      for (let y = 0, i = 0; y < h; y++) {
        for (let x = 0; x < w; x++, i++) out[i] = residualAt(bg, alongRows ? y : x, i);
      }
      return out;
    };
    return { residual, typical: histQuantile(check, checked, 0.9), noise: histQuantile(check, checked, 0.99) };
  };
  const rows = build(true);
  const cols = build(false);
  return rows.typical <= cols.typical ? rows : cols;
}

/** Otsu's threshold over a 0–255 map. */
function otsu(map: Uint8Array): number {
  const hist = new Float64Array(256);
  for (let i = 0; i < map.length; i++) hist[map[i]!]!++;
  const total = map.length;
  let sum = 0;
  for (let t = 0; t < 256; t++) sum += t * hist[t]!;
  let sumB = 0, wB = 0, best = 0, bestT = 0;
  for (let t = 0; t < 256; t++) {
    wB += hist[t]!;
    if (wB === 0) continue;
    const wF = total - wB;
    if (wF === 0) break;
    sumB += t * hist[t]!;
    const mB = sumB / wB, mF = (sum - sumB) / wF;
    const between = wB * wF * (mB - mF) * (mB - mF);
    if (between > best) {
      best = between;
      bestT = t;
    }
  }
  return bestT;
}

/**
 * Binary erosion or dilation with a (2r+1)² square, separable, with running counts so the
 * cost does not grow with r. Pixels outside the frame are ignored. (Hot path: the column
 * pass walks rows in memory order with one running count per column.)
 */
function morph(mask: Uint8Array, w: number, h: number, r: number, dilate: boolean): Uint8Array {
  // Both operations become "does the window hold a hit": a 1 for dilation, a 0 for
  // erosion (XOR with `flip`), so no window sizes need tracking at the frame edges.
  const flip = dilate ? 0 : 1;
  const tmp = new Uint8Array(w * h);
  const out = new Uint8Array(w * h);
  // Rows: window [x - r, x + r] clipped to the frame. The row is walked in three spans (the
  // window entering, full, leaving) so the inner loops test no frame edges: the same counts
  // as testing both edges at every pixel (7 morphs a photo; see residualMap for the measure).
  const enterEnd = Math.min(w, r + 1), fullEnd = Math.max(enterEnd, w - r);
  for (let y = 0; y < h; y++) {
    const base = y * w;
    let hits = 0;
    for (let k = 0; k < r && k < w; k++) hits += mask[base + k]! ^ flip;
    let x = 0;
    // x − r − 1 < 0 here: nothing leaves the window yet.
    for (; x < enterEnd; x++) {
      if (x + r < w) hits += mask[base + x + r]! ^ flip;
      tmp[base + x] = hits > 0 ? 1 : 0;
    }
    // x + r < w and x − r − 1 ≥ 0: one pixel enters, one leaves.
    for (; x < fullEnd; x++) {
      hits += (mask[base + x + r]! ^ flip) - (mask[base + x - r - 1]! ^ flip);
      tmp[base + x] = hits > 0 ? 1 : 0;
    }
    // x + r ≥ w: nothing enters any more.
    for (; x < w; x++) {
      hits -= mask[base + x - r - 1]! ^ flip;
      tmp[base + x] = hits > 0 ? 1 : 0;
    }
  }
  // Columns: one running count per column, rows visited in memory order.
  const cnt = new Int32Array(w);
  for (let k = 0; k < r && k < h; k++) {
    const base = k * w;
    for (let x = 0; x < w; x++) cnt[x]! += tmp[base + x]!;
  }
  // Per row, the entering row is added, the leaving one taken off and the result written in one
  // sweep over the counts (not three).
  for (let y = 0; y < h; y++) {
    const base = y * w;
    const enter = y + r < h ? (y + r) * w : -1;
    const leave = y - r - 1 >= 0 ? (y - r - 1) * w : -1;
    if (enter >= 0 && leave >= 0) {
      for (let x = 0; x < w; x++) {
        const c = cnt[x]! + tmp[enter + x]! - tmp[leave + x]!;
        cnt[x] = c;
        out[base + x] = (c > 0 ? 1 : 0) ^ flip;
      }
    } else if (enter >= 0) {
      for (let x = 0; x < w; x++) {
        const c = cnt[x]! + tmp[enter + x]!;
        cnt[x] = c;
        out[base + x] = (c > 0 ? 1 : 0) ^ flip;
      }
    } else if (leave >= 0) {
      for (let x = 0; x < w; x++) {
        const c = cnt[x]! - tmp[leave + x]!;
        cnt[x] = c;
        out[base + x] = (c > 0 ? 1 : 0) ^ flip;
      }
    } else {
      for (let x = 0; x < w; x++) out[base + x] = (cnt[x]! > 0 ? 1 : 0) ^ flip;
    }
  }
  return out;
}

/** Sets to 1 every 0-pixel not 4-connected to the frame border (holes inside blobs). */
function fillHoles(mask: Uint8Array, w: number, h: number): void {
  const seen = new Uint8Array(w * h);
  const stack = new Int32Array(w * h);
  let sp = 0;
  const push = (i: number) => {
    if (!mask[i] && !seen[i]) {
      seen[i] = 1;
      stack[sp++] = i;
    }
  };
  for (let x = 0; x < w; x++) { push(x); push((h - 1) * w + x); }
  for (let y = 0; y < h; y++) { push(y * w); push(y * w + w - 1); }
  while (sp > 0) {
    const i = stack[--sp]!;
    const x = i % w, y = (i - x) / w;
    if (x > 0) push(i - 1);
    if (x < w - 1) push(i + 1);
    if (y > 0) push(i - w);
    if (y < h - 1) push(i + w);
  }
  for (let i = 0; i < w * h; i++) if (!mask[i] && !seen[i]) mask[i] = 1;
}

/** Largest 4-connected component: returns its label map (1 inside) and pixel count. */
function largestComponent(mask: Uint8Array, w: number, h: number): { blob: Uint8Array; area: number } {
  const label = new Int32Array(w * h);
  const stack = new Int32Array(w * h);
  let next = 0, bestLabel = 0, bestArea = 0;
  for (let s = 0; s < w * h; s++) {
    if (!mask[s] || label[s]) continue;
    next++;
    let sp = 0, area = 0;
    stack[sp++] = s;
    label[s] = next;
    while (sp > 0) {
      const i = stack[--sp]!;
      area++;
      const x = i % w, y = (i - x) / w;
      if (x > 0 && mask[i - 1] && !label[i - 1]) { label[i - 1] = next; stack[sp++] = i - 1; }
      if (x < w - 1 && mask[i + 1] && !label[i + 1]) { label[i + 1] = next; stack[sp++] = i + 1; }
      if (y > 0 && mask[i - w] && !label[i - w]) { label[i - w] = next; stack[sp++] = i - w; }
      if (y < h - 1 && mask[i + w] && !label[i + w]) { label[i + w] = next; stack[sp++] = i + w; }
    }
    if (area > bestArea) { bestArea = area; bestLabel = next; }
  }
  const blob = new Uint8Array(w * h);
  if (bestLabel) for (let i = 0; i < w * h; i++) if (label[i] === bestLabel) blob[i] = 1;
  return { blob, area: bestArea };
}

/** Debug hook for scratch scripts: receives intermediate maps. */
export type FindCardDebug = (name: string, map: Uint8Array, w: number, h: number) => void;

/**
 * Locates the largest object that stands out from the frame-border background.
 * @returns the candidate, or null when no blob covers a meaningful part of the frame
 */
export function analyseScene(img: RgbImage, debug?: FindCardDebug): SceneAnalysis {
  const { width: w, height: h } = img;
  const r = Math.max(2, Math.round(Math.min(w, h) * RING_FRACTION));
  const ringList: number[] = [];
  for (let y = 0; y < h; y += 2) {
    for (let x = 0; x < w; x += 2) {
      if (x < r || x >= w - r || y < r || y >= h - r) ringList.push(y * w + x);
    }
  }
  const ring = Int32Array.from(ringList);
  const weights = new Uint8Array(ring.length);
  // Robust start: the per-channel median of the ring, which ignores a card covering
  // less than half of it (a card touching one or two frame sides).
  const med3 = [0, 1, 2].map((ch) => median(Array.from(ring, (i) => img.data[i * 3 + ch]!)));
  let dist = Array.from(ring, (i) => {
    const d0 = img.data[i * 3]! - med3[0]!, d1 = img.data[i * 3 + 1]! - med3[1]!, d2 = img.data[i * 3 + 2]! - med3[2]!;
    return Math.sqrt(d0 * d0 + d1 * d1 + d2 * d2);
  });
  let cut = Math.max(20, 2.5 * median(dist));
  let coef: Float64Array = new Float64Array(18);
  // Iteratively reweighted fit: refit on the ring samples that agree with the model.
  for (let pass = 0; pass < 3; pass++) {
    for (let k = 0; k < ring.length; k++) weights[k] = dist[k]! <= cut ? 1 : 0;
    coef = fitBackground(img, ring, weights);
    dist = Array.from(ring, (i) => residualAt(img, coef, i));
    const inl = dist.filter((_, k) => weights[k]);
    cut = Math.max(8, 3 * median(inl));
  }
  let res = residualMap(img, coef);
  // Background variation: a high quantile, so thin desk stripes/grain count as desk.
  let noise = quantile(dist.filter((v) => v <= cut), 0.99);
  // Striped desks (planks, cloth, generator stripes) defeat a smooth surface. If the
  // desk is constant along rows (or columns), model it per row from the left and right
  // border strips (or per column from top and bottom), checked on the other strips.
  const stripes = stripeModel(img, r);
  const surfaceSpread = quantile(dist, 0.9);
  if (stripes && stripes.typical < 0.6 * surfaceSpread && surfaceSpread > 6) {
    res = stripes.residual();
    noise = stripes.noise;
  }
  debug?.('residual', res, w, h);

  // The threshold follows the background's own variation (texture, noise, JPEG), not
  // Otsu alone: Otsu splits card text from card body when the card is close to the desk
  // colour. Otsu only caps it, for high-contrast scenes.
  const t = Math.max(12, Math.min(otsu(res), noise * 1.3 + 4));
  let mask: Uint8Array = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) mask[i] = res[i]! > t ? 1 : 0;
  const foreground = foregroundStats(mask, w, h, r);
  // Opening wide enough to cut desk stripes/grain off the card, closing to seal small
  // gaps along the outline, hole filling for text and logos, then the opening again for
  // anything the closing glued back.
  const open = Math.max(2, Math.round(Math.min(w, h) * 0.012));
  // (The opening's dilation and the closing's dilation merge into one of radius open + 2:
  // square dilations compose exactly, also at the frame edges.)
  mask = morph(morph(morph(mask, w, h, open, false), w, h, open + 2, true), w, h, 2, false);
  fillHoles(mask, w, h);
  mask = morph(morph(mask, w, h, open, false), w, h, open, true);
  debug?.('mask', mask, w, h);

  const { blob, area } = largestComponent(mask, w, h);
  if (area < w * h * 0.02) return { candidate: null, foreground };
  debug?.('blob', blob, w, h);

  let candidate = candidateFromBlob(blob, area, w, h);
  const cardLike = (c: CardCandidate) => c.solidity >= 0.85 && c.aspect > 1.4 && c.aspect < 1.8;
  if (!cardLike(candidate)) {
    // Something touches the card (a note, a pen, a phone). Cut it off with a wide
    // opening: the card's core survives, a smaller or thinner object's link does not.
    // Opening (not reconstruction) keeps the card's outline, minus rounded corners.
    const rad = Math.max(3, Math.round(Math.min(candidate.rect.width, candidate.rect.height) * 0.18));
    const opened = morph(morph(blob, w, h, rad, false), w, h, rad, true);
    const core = largestComponent(opened, w, h);
    if (core.area > w * h * 0.02) {
      const second = candidateFromBlob(core.blob, core.area, w, h);
      if (cardLike(second) || (!cardLike(candidate) && second.solidity > candidate.solidity)) {
        debug?.('blob-opened', core.blob, w, h);
        candidate = second;
      }
    }
  }
  return { candidate, foreground };
}

function foregroundStats(mask: Uint8Array, w: number, h: number, r: number): ForegroundStats {
  const colHist = new Uint32Array(w);
  const rowHist = new Uint32Array(h);
  let n = 0, ringN = 0, ringFg = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const inRing = x < r || x >= w - r || y < r || y >= h - r;
      if (inRing) ringN++;
      if (mask[y * w + x]) {
        colHist[x]!++;
        rowHist[y]!++;
        n++;
        if (inRing) ringFg++;
      }
    }
  }
  const span = (hist: Uint32Array): number => {
    if (n === 0) return 0;
    let acc = 0, lo = -1, hi = -1;
    for (let i = 0; i < hist.length; i++) {
      acc += hist[i]!;
      if (lo < 0 && acc > n * 0.01) lo = i;
      if (hi < 0 && acc >= n * 0.99) hi = i;
    }
    return (hi - lo + 1) / hist.length;
  };
  return { fraction: n / (w * h), spanX: span(colHist), spanY: span(rowHist), ringFraction: ringN ? ringFg / ringN : 0 };
}

/** Outline, min-area rectangle and fitted quad of one blob. */
function candidateFromBlob(blob: Uint8Array, area: number, w: number, h: number): CardCandidate {
  const boundary: Point[] = [];
  let tl = false, tr = false, tt = false, tb = false;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (!blob[i]) continue;
      const edge = x === 0 || y === 0 || x === w - 1 || y === h - 1 || !blob[i - 1] || !blob[i + 1] || !blob[i - w] || !blob[i + w];
      if (!edge) continue;
      boundary.push({ x: x + 0.5, y: y + 0.5 });
      if (x === 0) tl = true;
      if (x === w - 1) tr = true;
      if (y === 0) tt = true;
      if (y === h - 1) tb = true;
    }
  }
  const hull = convexHull(boundary);
  const rect = minAreaRect(hull);
  // Make `width` the long side.
  if (rect.height > rect.width) {
    rect.angle += Math.PI / 2;
    [rect.width, rect.height] = [rect.height, rect.width];
  }
  const quad = refineQuad(rect, boundary);
  const quadArea = polygonArea(quad);
  const top = Math.hypot(quad[1].x - quad[0].x, quad[1].y - quad[0].y);
  const bottom = Math.hypot(quad[2].x - quad[3].x, quad[2].y - quad[3].y);
  const left = Math.hypot(quad[3].x - quad[0].x, quad[3].y - quad[0].y);
  const right = Math.hypot(quad[2].x - quad[1].x, quad[2].y - quad[1].y);
  return {
    quad,
    rect,
    blobFraction: area / (w * h),
    solidity: quadArea > 0 ? area / quadArea : 0,
    aspect: (top + bottom) / Math.max(1e-6, left + right),
    bordersTouched: +tl + +tr + +tt + +tb,
  };
}

/**
 * Fits one line per side through the outline points near that side of the min-area
 * rectangle (ignoring the rounded corners), and intersects neighbouring lines.
 * Falls back to the rectangle's corners when a side has too few points.
 */
function refineQuad(rect: RotatedRect, boundary: Point[]): Quad {
  const corners = rectCorners(rect);
  const ux = Math.cos(rect.angle), uy = Math.sin(rect.angle);
  const tol = Math.max(3, Math.min(rect.width, rect.height) * 0.08);
  const sides: Point[][] = [[], [], [], []];
  for (const p of boundary) {
    const dx = p.x - rect.cx, dy = p.y - rect.cy;
    const u = dx * ux + dy * uy;
    const v = -dx * uy + dy * ux;
    const hw = rect.width / 2, hh = rect.height / 2;
    if (Math.abs(u) < hw * 0.8) {
      if (Math.abs(v + hh) < tol) sides[0]!.push(p);
      else if (Math.abs(v - hh) < tol) sides[2]!.push(p);
    }
    if (Math.abs(v) < hh * 0.75) {
      if (Math.abs(u - hw) < tol) sides[1]!.push(p);
      else if (Math.abs(u + hw) < tol) sides[3]!.push(p);
    }
  }
  const lines = sides.map((s) => (s.length >= 8 ? fitLine(s) : null));
  const [top, right, bottom, left] = lines;
  const pick = (a: typeof top, b: typeof top, fallback: Point): Point => {
    if (!a || !b) return fallback;
    const p = intersect(a, b);
    if (!p) return fallback;
    // A wild intersection means a bad side fit: keep the rectangle corner.
    const lim = Math.min(rect.width, rect.height) * 0.15;
    return Math.hypot(p.x - fallback.x, p.y - fallback.y) > lim ? fallback : p;
  };
  return [
    pick(top, left, corners[0]),
    pick(top, right, corners[1]),
    pick(bottom, right, corners[2]),
    pick(bottom, left, corners[3]),
  ];
}
