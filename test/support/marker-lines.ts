/**
 * Scripted text lines for the learned reader's geometry tests (views, steep rows): line quads
 * and a grey frame marking where each line's text starts, so a scripted recogniser can tell an
 * upright crop from a turned one.
 */
import type { LineRecognizer, PixelPoint, Raster, TextRegion } from '../../functions/core/ports.js';
import { lineGeometry } from '../../functions/reader/views.js';

type Quad = TextRegion['quad'];

/** A line quad centred at (cx, cy), `len` × `h`, reading along `deg` (clockwise from +x): corners from the text's top-left, clockwise. */
export function lineQuad(cx: number, cy: number, len: number, h: number, deg: number): Quad {
  const t = (deg * Math.PI) / 180;
  const ux = Math.cos(t), uy = Math.sin(t), vx = -uy, vy = ux;
  const p = (a: number, b: number): PixelPoint => ({ x: cx + a * ux + b * vx, y: cy + a * uy + b * vy });
  return [p(-len / 2, -h / 2), p(len / 2, -h / 2), p(len / 2, h / 2), p(-len / 2, h / 2)];
}

/** A grey `w`×`h` frame with a dark marker square at the start of each line (the side its text starts on). */
export function frameWithLines(w: number, h: number, quads: readonly Quad[]): Raster {
  const data = new Uint8Array(w * h).fill(230);
  for (const q of quads) {
    const g = lineGeometry(q);
    const sx = g.cx - g.ux * (g.length / 2 - g.height / 2), sy = g.cy - g.uy * (g.length / 2 - g.height / 2);
    const r = g.height * 0.4;
    for (let y = Math.floor(sy - r); y <= sy + r; y++) for (let x = Math.floor(sx - r); x <= sx + r; x++) if (x >= 0 && y >= 0 && x < w && y < h) data[y * w + x] = 20;
  }
  return { width: w, height: h, channels: 1, data };
}

/** A made-up Luhn-valid number's four groups, as the steep-row tests print them (lengths tell them apart). */
export const STEEP_GROUPS = ['4539', '1488', '0343', '6467'];
/** Each group's box length, px: the scripted recogniser tells the groups apart by it. */
export const STEEP_LENGTHS = [100, 130, 160, 190];
/** Each group's box height, px. */
export const STEEP_HEIGHT = 30;

/** The four groups in a row along `deg`, 20 px apart, centred on (450, 450). */
export function steepGroupQuads(deg: number): Quad[] {
  const t = (deg * Math.PI) / 180;
  const total = STEEP_LENGTHS.reduce((a, b) => a + b, 0) + 20 * (STEEP_LENGTHS.length - 1);
  let at = -total / 2;
  return STEEP_LENGTHS.map((len) => {
    const c = at + len / 2;
    at += len + 20;
    return lineQuad(450 + c * Math.cos(t), 450 + c * Math.sin(t), len, STEEP_HEIGHT, deg);
  });
}

/** Reads an upright crop (marker left) as the group of its length, anything else as noise. */
export const markerRecognizer: LineRecognizer = {
  name: 'scripted',
  async recognize(lines: readonly Raster[]) {
    return lines.map((c) => {
      const third = Math.max(1, Math.floor(c.width / 3));
      let left = 0, right = 0;
      for (let y = 0; y < c.height; y++) for (let x = 0; x < third; x++) {
        left += c.data[(y * c.width + x) * c.channels]!;
        right += c.data[(y * c.width + c.width - 1 - x) * c.channels]!;
      }
      const nearest = STEEP_LENGTHS.reduce((b, len, i) => (Math.abs(len - c.width) < Math.abs(STEEP_LENGTHS[b]! - c.width) ? i : b), 0);
      const text = left < right ? STEEP_GROUPS[nearest]! : '~';
      const conf = left < right ? 0.98 : 0.2;
      return { text, confidence: conf, charConfidences: [...text].map(() => conf) };
    });
  },
  async close() {},
};
