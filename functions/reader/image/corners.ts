/**
 * Corner shape: ISO ID-1 cards have rounded corners (radius 3.18 mm ≈ 3.7 % of the
 * width), paper notes, receipts and screens usually do not. Right at the corner point
 * of the fitted quad, a rounded card shows background; a square object shows itself.
 */
import type { Point, Quad } from './geometry.js';

interface Rgb {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Mean RGB of a 3×3 neighbourhood, or null outside the image. */
function sample(img: Rgb, p: Point): [number, number, number] | null {
  const x = Math.round(p.x), y = Math.round(p.y);
  if (x < 1 || y < 1 || x > img.width - 2 || y > img.height - 2) return null;
  const acc: [number, number, number] = [0, 0, 0];
  for (let dy = -1; dy <= 1; dy++) {
    for (let dx = -1; dx <= 1; dx++) {
      const i = ((y + dy) * img.width + x + dx) * 3;
      acc[0] += img.data[i]!;
      acc[1] += img.data[i + 1]!;
      acc[2] += img.data[i + 2]!;
    }
  }
  return [acc[0] / 9, acc[1] / 9, acc[2] / 9];
}

const dist = (a: number[], b: number[]) => Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!);

/** Per-corner verdicts: 'square', 'round' or 'unknown' (low contrast, out of frame). */
export function cornerShapes(img: Rgb, quad: Quad): Array<'square' | 'round' | 'unknown'> {
  const long = (Math.hypot(quad[1].x - quad[0].x, quad[1].y - quad[0].y) + Math.hypot(quad[2].x - quad[3].x, quad[2].y - quad[3].y)) / 2;
  return quad.map((c, k) => {
    const prev = quad[(k + 3) % 4]!, next = quad[(k + 1) % 4]!;
    const a = { x: prev.x - c.x, y: prev.y - c.y }, b = { x: next.x - c.x, y: next.y - c.y };
    const la = Math.hypot(a.x, a.y), lb = Math.hypot(b.x, b.y);
    let bx = a.x / la + b.x / lb, by = a.y / la + b.y / lb;
    const lbis = Math.hypot(bx, by);
    bx /= lbis;
    by /= lbis;
    const at = (t: number) => ({ x: c.x + bx * t * long, y: c.y + by * t * long });
    const inside = sample(img, at(0.06));
    const outside = sample(img, at(-0.03));
    const corner = sample(img, at(0.007));
    if (!inside || !outside || !corner) return 'unknown';
    if (dist(inside, outside) < 30) return 'unknown';
    const toIn = dist(corner, inside), toOut = dist(corner, outside);
    const s = toIn / (toIn + toOut);
    return s < 0.3 ? 'square' : s > 0.5 ? 'round' : 'unknown';
  });
}
