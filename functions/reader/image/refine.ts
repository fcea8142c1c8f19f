/**
 * Refines a card quadrilateral found on the small working copy against the full-resolution
 * photo. The working copy is ~4× smaller, so its outline is only good to a few source
 * pixels, and its blob includes the soft drop shadow. Along each side we look, across the
 * side, for the strongest sharp colour step near the coarse outline (a card edge is a
 * crisp step; a shadow is a gentle ramp), then fit a line through those points with one
 * round of outlier rejection, and intersect neighbouring sides.
 */
import { fitLine, intersect, type Line, type Point, type Quad } from './geometry.js';

/** Raw interleaved RGB pixels. */
interface Rgb {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Samples per side, and the part of each side used (rounded corners excluded). */
const SAMPLES = 28;
const SIDE_FROM = 0.12;
const SIDE_TO = 0.88;

function rgbAt(img: Rgb, x: number, y: number, out: Float64Array): boolean {
  if (x < 0 || y < 0 || x > img.width - 1 || y > img.height - 1) return false;
  const x0 = Math.min(img.width - 2, Math.floor(x)), y0 = Math.min(img.height - 2, Math.floor(y));
  const fx = x - x0, fy = y - y0;
  const w = img.width, d = img.data;
  const i00 = (y0 * w + x0) * 3, i10 = i00 + 3, i01 = i00 + w * 3, i11 = i01 + 3;
  for (let c = 0; c < 3; c++) {
    const top = d[i00 + c]! + (d[i10 + c]! - d[i00 + c]!) * fx;
    const bot = d[i01 + c]! + (d[i11 + c]! - d[i01 + c]!) * fx;
    out[c] = top + (bot - top) * fy;
  }
  return true;
}

/**
 * @param quad coarse corners TL, TR, BR, BL in source pixels
 * @param reach how far across each side to search, source pixels
 * @returns the refined quad, or the input when a side cannot be refined
 */
export function refineQuadEdges(img: Rgb, quad: Quad, reach: number): Quad {
  const cx = (quad[0].x + quad[1].x + quad[2].x + quad[3].x) / 4;
  const cy = (quad[0].y + quad[1].y + quad[2].y + quad[3].y) / 4;
  const lines: Array<Line | null> = [];
  const steps = Math.max(4, Math.ceil(reach));
  const profile = new Float64Array((2 * steps + 1) * 3);
  const ok = new Uint8Array(2 * steps + 1);
  const px = new Float64Array(3);
  for (let s = 0; s < 4; s++) {
    const a = quad[s]!, b = quad[(s + 1) % 4]!;
    const len = Math.hypot(b.x - a.x, b.y - a.y);
    if (len < 8) return quad;
    const tx = (b.x - a.x) / len, ty = (b.y - a.y) / len;
    // Outward normal: pointing away from the quad's centre.
    let nx = -ty, ny = tx;
    const mx = (a.x + b.x) / 2, my = (a.y + b.y) / 2;
    if ((mx - cx) * nx + (my - cy) * ny < 0) { nx = -nx; ny = -ny; }
    const pts: Point[] = [];
    const scores: number[] = [];
    for (let k = 0; k < SAMPLES; k++) {
      const t = SIDE_FROM + ((SIDE_TO - SIDE_FROM) * k) / (SAMPLES - 1);
      const bx = a.x + (b.x - a.x) * t, by = a.y + (b.y - a.y) * t;
      for (let j = -steps; j <= steps; j++) {
        const idx = j + steps;
        ok[idx] = rgbAt(img, bx + nx * j, by + ny * j, px) ? 1 : 0;
        profile[idx * 3] = px[0]!;
        profile[idx * 3 + 1] = px[1]!;
        profile[idx * 3 + 2] = px[2]!;
      }
      // Colour step over two pixels at each offset; take the innermost step that is
      // nearly as strong as the strongest (a drop shadow lies outside the card edge).
      const grads = new Float64Array(2 * steps + 1);
      let best = 0;
      for (let j = -steps + 1; j < steps; j++) {
        const i0 = j - 1 + steps, i1 = j + 1 + steps;
        if (!ok[i0] || !ok[i1]) continue;
        const g =
          Math.abs(profile[i1 * 3]! - profile[i0 * 3]!) +
          Math.abs(profile[i1 * 3 + 1]! - profile[i0 * 3 + 1]!) +
          Math.abs(profile[i1 * 3 + 2]! - profile[i0 * 3 + 2]!);
        grads[j + steps] = g;
        if (g > best) best = g;
      }
      let bestJ = 0;
      for (let j = -steps + 1; j < steps; j++) {
        const g = grads[j + steps]!;
        if (g >= best * 0.6 && g >= grads[j + steps - 1]! && g >= grads[j + steps + 1]!) {
          bestJ = j;
          break;
        }
      }
      if (best < 24) continue; // no clear edge here (e.g. the side leaves the frame)
      pts.push({ x: bx + nx * bestJ, y: by + ny * bestJ });
      scores.push(best);
    }
    if (pts.length < SAMPLES / 3) { lines.push(null); continue; }
    let line = fitLine(pts);
    if (line) {
      // One round of outlier rejection: keep points within 1.5 px or the best 70 %.
      const l0 = line;
      const dists = pts.map((p) => Math.abs(l0.nx * p.x + l0.ny * p.y - l0.d));
      const sorted = dists.slice().sort((p, q) => p - q);
      const lim = Math.max(1.5, sorted[Math.floor(sorted.length * 0.7)] ?? 0);
      const kept = pts.filter((_, i) => dists[i]! <= lim);
      if (kept.length >= SAMPLES / 3) line = fitLine(kept);
    }
    lines.push(line);
  }
  const out: Point[] = [];
  for (let c = 0; c < 4; c++) {
    // Corner c joins side c-1 (ending at it) and side c (starting at it).
    const l1 = lines[(c + 3) % 4], l2 = lines[c];
    const fallback = quad[c]!;
    const p = l1 && l2 ? intersect(l1, l2) : null;
    out.push(p && Math.hypot(p.x - fallback.x, p.y - fallback.y) <= reach * 1.5 ? p : fallback);
  }
  return out as Quad;
}
