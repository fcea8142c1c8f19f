/**
 * Resampling a Raster straight into a normalised CHW float32 tensor slot.
 *
 * Hand-rolled over typed arrays on purpose: the ready-made PP-OCR wrappers for Node pull in
 * opencv-js or pinned sharp builds and measured 0.8–1.2 GB RSS on this machine, while the
 * whole reader must stay under 700 MB. A separable triangle filter whose support widens with
 * the shrink factor (PIL's "bilinear" with antialiasing) avoids the aliasing of point-sampled
 * bilinear when a 12 MP photo is shrunk to 960 px, and costs two passes over the pixels.
 */
import type { Raster } from '../../../core/ports.js';

interface Taps {
  /** First source index of each destination sample. */
  readonly start: Int32Array;
  /** Number of taps of each destination sample. */
  readonly count: Int32Array;
  /** `maxTaps` weights per destination sample (normalised to sum 1). */
  readonly weights: Float32Array;
  readonly maxTaps: number;
}

function taps(srcLen: number, dstLen: number): Taps {
  const scale = srcLen / dstLen;
  const support = Math.max(scale, 1);
  const maxTaps = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(dstLen);
  const count = new Int32Array(dstLen);
  const weights = new Float32Array(dstLen * maxTaps);
  for (let i = 0; i < dstLen; i++) {
    const centre = (i + 0.5) * scale;
    const lo = Math.max(0, Math.floor(centre - support));
    const hi = Math.min(srcLen, Math.ceil(centre + support));
    let sum = 0;
    let n = 0;
    for (let j = lo; j < hi && n < maxTaps; j++, n++) {
      const w = Math.max(0, 1 - Math.abs((j + 0.5 - centre) / support));
      weights[i * maxTaps + n] = w;
      sum += w;
    }
    if (sum <= 0) {
      // Degenerate (dst larger than src by a lot near an edge): nearest sample.
      weights[i * maxTaps] = 1;
      sum = 1;
      n = Math.max(n, 1);
    }
    for (let k = 0; k < n; k++) weights[i * maxTaps + k]! /= sum;
    // Taps of weight 0 at either end (the triangle's feet: one of the three taps of every
    // enlarged sample) add exactly nothing: dropped, so the passes below do a third less work
    // on enlargements and give the same bits (x + 0·p is x; no value is -0 or not finite).
    let first = 0;
    while (first < n - 1 && weights[i * maxTaps + first] === 0) first++;
    while (n - 1 > first && weights[i * maxTaps + n - 1] === 0) n--;
    if (first > 0) {
      for (let k = first; k < n; k++) weights[i * maxTaps + k - first] = weights[i * maxTaps + k]!;
      n -= first;
    }
    start[i] = lo + first;
    count[i] = n;
  }
  return { start, count, weights, maxTaps };
}

/**
 * The horizontal pass's rows, reused from call to call (every element is written before it is
 * read): a detector input is 3–14 MB of them, zero-filled and collected again on every call
 * otherwise (the pair of passes measured 13% faster on a real-dev-v1 mix of detector and line
 * inputs). One module-level buffer is safe because a resize never yields. Larger inputs than
 * SCRATCH_MAX get their own buffer, so no more than 16 MB stays allocated.
 */
let scratchBuf = new Float32Array(0);
const SCRATCH_MAX = 4 * 1024 * 1024;
function scratch(n: number): Float32Array {
  if (n > SCRATCH_MAX) return new Float32Array(n);
  if (scratchBuf.length < n) scratchBuf = new Float32Array(Math.max(n, Math.min(SCRATCH_MAX, scratchBuf.length * 2)));
  return scratchBuf;
}

/** Where and how a resized raster is written into a float32 NCHW tensor. */
export interface TensorSlot {
  readonly tensor: Float32Array;
  /** Index of element [n, 0, 0, 0] of this slot. */
  readonly offset: number;
  /** Tensor width and height (the resized image may be narrower: the rest is padding). */
  readonly tensorWidth: number;
  readonly tensorHeight: number;
  /** Per tensor channel: value = pixel * scale[c] + bias[c], pixel in 0..255. */
  readonly scale: readonly [number, number, number];
  readonly bias: readonly [number, number, number];
}

/**
 * Resizes `src` to `dstW`×`dstH` and writes it normalised into `slot`, channels in BGR order
 * (PaddleOCR trains on OpenCV's BGR images); a grey raster fills all three channels.
 */
export function resizeIntoTensor(src: Raster, dstW: number, dstH: number, slot: TensorSlot): void {
  const { width: sw, height: sh, channels: ch, data } = src;
  if (sw <= 0 || sh <= 0 || dstW <= 0 || dstH <= 0) return;
  if (dstW > slot.tensorWidth || dstH > slot.tensorHeight) {
    throw new RangeError(`resized ${dstW}×${dstH} does not fit the ${slot.tensorWidth}×${slot.tensorHeight} tensor slot`);
  }
  const tx = taps(sw, dstW);
  const ty = taps(sh, dstH);
  // Horizontal pass: sh rows of dstW samples, channels interleaved. Loops are specialised per
  // channel count and run in memory order (3–4× faster than a generic channel loop here).
  const rowLen = dstW * ch;
  const mid = scratch(rowLen * sh);
  const hw = tx.weights, hs = tx.start, hn = tx.count, hm = tx.maxTaps;
  if (ch === 3) {
    for (let y = 0; y < sh; y++) {
      const row = y * sw * 3;
      let o = y * rowLen;
      for (let x = 0; x < dstW; x++) {
        let p = row + hs[x]! * 3;
        const wo = x * hm, n = hn[x]!;
        if (n === 2) {
          // Two taps (every enlarged sample): the loop below, unrolled.
          const w0 = hw[wo]!, w1 = hw[wo + 1]!;
          mid[o++] = data[p]! * w0 + data[p + 3]! * w1;
          mid[o++] = data[p + 1]! * w0 + data[p + 4]! * w1;
          mid[o++] = data[p + 2]! * w0 + data[p + 5]! * w1;
          continue;
        }
        if (n === 3) {
          // Three taps (most samples of a slight shrink, 1000 → 960 px): unrolled likewise.
          const w0 = hw[wo]!, w1 = hw[wo + 1]!, w2 = hw[wo + 2]!;
          mid[o++] = data[p]! * w0 + data[p + 3]! * w1 + data[p + 6]! * w2;
          mid[o++] = data[p + 1]! * w0 + data[p + 4]! * w1 + data[p + 7]! * w2;
          mid[o++] = data[p + 2]! * w0 + data[p + 5]! * w1 + data[p + 8]! * w2;
          continue;
        }
        let r = 0, g = 0, b = 0;
        for (let k = 0; k < n; k++, p += 3) {
          const w = hw[wo + k]!;
          r += data[p]! * w;
          g += data[p + 1]! * w;
          b += data[p + 2]! * w;
        }
        mid[o++] = r;
        mid[o++] = g;
        mid[o++] = b;
      }
    }
  } else {
    for (let y = 0; y < sh; y++) {
      const row = y * sw;
      let o = y * rowLen;
      for (let x = 0; x < dstW; x++) {
        const p = row + hs[x]!, wo = x * hm, n = hn[x]!;
        // Two and three taps unrolled (a grey card view shrunk to 960 px or enlarged to 1280).
        if (n === 2) {
          mid[o++] = data[p]! * hw[wo]! + data[p + 1]! * hw[wo + 1]!;
          continue;
        }
        if (n === 3) {
          mid[o++] = data[p]! * hw[wo]! + data[p + 1]! * hw[wo + 1]! + data[p + 2]! * hw[wo + 2]!;
          continue;
        }
        let v = 0;
        for (let k = 0; k < n; k++) v += data[p + k]! * hw[wo + k]!;
        mid[o++] = v;
      }
    }
  }
  // Vertical pass, straight into the tensor planes. Each sample is summed over its taps in
  // float32 (Math.fround after every add), exactly as a Float32Array row accumulator would, so
  // the values are the same bits as summing whole rows; without the accumulator row's extra
  // store and load per tap and the second loop over it (measured 2× faster on real-dev views).
  const plane = slot.tensorWidth * slot.tensorHeight;
  const out = slot.tensor;
  const fr = Math.fround;
  const [s0, s1, s2] = slot.scale;
  const [b0, b1, b2] = slot.bias;
  const vw = ty.weights, vm = ty.maxTaps;
  for (let y = 0; y < dstH; y++) {
    const first = ty.start[y]!, n = ty.count[y]!, wo = y * vm;
    const r0 = slot.offset + y * slot.tensorWidth, r1 = r0 + plane, r2 = r1 + plane;
    const m0 = first * rowLen;
    if (n === 2) {
      const w0 = vw[wo]!, w1 = vw[wo + 1]!, m1 = m0 + rowLen;
      if (ch === 3) {
        // Tensor channel 0 is blue: source channel 2 of an RGB raster.
        for (let x = 0, i = 0; x < dstW; x++, i += 3) {
          out[r0 + x] = fr(fr(mid[m0 + i + 2]! * w0) + mid[m1 + i + 2]! * w1) * s0 + b0;
          out[r1 + x] = fr(fr(mid[m0 + i + 1]! * w0) + mid[m1 + i + 1]! * w1) * s1 + b1;
          out[r2 + x] = fr(fr(mid[m0 + i]! * w0) + mid[m1 + i]! * w1) * s2 + b2;
        }
      } else {
        for (let x = 0; x < dstW; x++) {
          const v = fr(fr(mid[m0 + x]! * w0) + mid[m1 + x]! * w1);
          out[r0 + x] = v * s0 + b0;
          out[r1 + x] = v * s1 + b1;
          out[r2 + x] = v * s2 + b2;
        }
      }
    } else if (n === 3) {
      // Three taps, unrolled: the same float32 sums as the loop below.
      const w0 = vw[wo]!, w1 = vw[wo + 1]!, w2 = vw[wo + 2]!, m1 = m0 + rowLen, m2 = m1 + rowLen;
      if (ch === 3) {
        for (let x = 0, i = 0; x < dstW; x++, i += 3) {
          out[r0 + x] = fr(fr(fr(mid[m0 + i + 2]! * w0) + mid[m1 + i + 2]! * w1) + mid[m2 + i + 2]! * w2) * s0 + b0;
          out[r1 + x] = fr(fr(fr(mid[m0 + i + 1]! * w0) + mid[m1 + i + 1]! * w1) + mid[m2 + i + 1]! * w2) * s1 + b1;
          out[r2 + x] = fr(fr(fr(mid[m0 + i]! * w0) + mid[m1 + i]! * w1) + mid[m2 + i]! * w2) * s2 + b2;
        }
      } else {
        for (let x = 0; x < dstW; x++) {
          const v = fr(fr(fr(mid[m0 + x]! * w0) + mid[m1 + x]! * w1) + mid[m2 + x]! * w2);
          out[r0 + x] = v * s0 + b0;
          out[r1 + x] = v * s1 + b1;
          out[r2 + x] = v * s2 + b2;
        }
      }
    } else if (ch === 3) {
      for (let x = 0, i = 0; x < dstW; x++, i += 3) {
        let r = 0, g = 0, b = 0;
        for (let k = 0, m = m0 + i; k < n; k++, m += rowLen) {
          const w = vw[wo + k]!;
          r = fr(r + mid[m]! * w);
          g = fr(g + mid[m + 1]! * w);
          b = fr(b + mid[m + 2]! * w);
        }
        out[r0 + x] = b * s0 + b0;
        out[r1 + x] = g * s1 + b1;
        out[r2 + x] = r * s2 + b2;
      }
    } else {
      for (let x = 0; x < dstW; x++) {
        let v = 0;
        for (let k = 0, m = m0 + x; k < n; k++, m += rowLen) v = fr(v + mid[m]! * vw[wo + k]!);
        out[r0 + x] = v * s0 + b0;
        out[r1 + x] = v * s1 + b1;
        out[r2 + x] = v * s2 + b2;
      }
    }
  }
}

/** Checks that a raster's buffer matches its declared shape (a caller bug otherwise). */
export function assertRaster(r: Raster, what: string): void {
  if (!Number.isInteger(r.width) || !Number.isInteger(r.height) || r.width < 0 || r.height < 0 || (r.channels !== 1 && r.channels !== 3)) {
    throw new RangeError(`${what}: expected integer width/height ≥ 0 and 1 or 3 channels, got ${r.width}×${r.height}×${r.channels}`);
  }
  if (r.data.length !== r.width * r.height * r.channels) {
    throw new RangeError(`${what}: expected ${r.width * r.height * r.channels} bytes for ${r.width}×${r.height}×${r.channels}, got ${r.data.length}`);
  }
}
