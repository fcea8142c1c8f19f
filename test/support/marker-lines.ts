/**
 * Scripted text lines for the learned reader's geometry tests (views, steep rows): line quads
 * and a grey frame marking where each line's text starts, so a scripted recogniser can tell an
 * upright crop from a turned one.
 */
import type { PixelPoint, Raster, TextRegion } from '../../functions/core/ports.js';
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
