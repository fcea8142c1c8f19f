/**
 * Small plane-geometry helpers for card finding: convex hull, minimum-area rectangle,
 * line fitting and the homography used to warp a card quadrilateral to a rectangle.
 */

/** A point in image pixels (x right, y down). */
export interface Point {
  x: number;
  y: number;
}

/** Four corners of a card: top-left, top-right, bottom-right, bottom-left, in that order. */
export type Quad = [Point, Point, Point, Point];

/** Convex hull (Andrew's monotone chain), counter-clockwise in image coordinates. */
export function convexHull(points: Point[]): Point[] {
  const pts = points.slice().sort((a, b) => a.x - b.x || a.y - b.y);
  if (pts.length < 3) return pts;
  const cross = (o: Point, a: Point, b: Point) => (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
  const lower: Point[] = [];
  for (const p of pts) {
    while (lower.length >= 2 && cross(lower[lower.length - 2]!, lower[lower.length - 1]!, p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: Point[] = [];
  for (let i = pts.length - 1; i >= 0; i--) {
    const p = pts[i]!;
    while (upper.length >= 2 && cross(upper[upper.length - 2]!, upper[upper.length - 1]!, p) <= 0) upper.pop();
    upper.push(p);
  }
  upper.pop();
  lower.pop();
  return lower.concat(upper);
}

/** Area of a simple polygon (shoelace), always positive. */
export function polygonArea(poly: Point[]): number {
  let a = 0;
  for (let i = 0; i < poly.length; i++) {
    const p = poly[i]!;
    const q = poly[(i + 1) % poly.length]!;
    a += p.x * q.y - q.x * p.y;
  }
  return Math.abs(a) / 2;
}

/** A rotated rectangle: centre, unit axis `u` (along `width`), and full side lengths. */
export interface RotatedRect {
  cx: number;
  cy: number;
  /** Direction of the `width` side, radians. */
  angle: number;
  width: number;
  height: number;
}

/** Minimum-area enclosing rectangle of a convex polygon (one hull edge lies on a side). */
export function minAreaRect(hull: Point[]): RotatedRect {
  let best: RotatedRect = { cx: 0, cy: 0, angle: 0, width: 0, height: 0 };
  let bestArea = Infinity;
  const n = hull.length;
  for (let i = 0; i < n; i++) {
    const p = hull[i]!;
    const q = hull[(i + 1) % n]!;
    const len = Math.hypot(q.x - p.x, q.y - p.y);
    if (len < 1e-9) continue;
    const ux = (q.x - p.x) / len;
    const uy = (q.y - p.y) / len;
    let minU = Infinity, maxU = -Infinity, minV = Infinity, maxV = -Infinity;
    for (const r of hull) {
      const u = r.x * ux + r.y * uy;
      const v = -r.x * uy + r.y * ux;
      if (u < minU) minU = u;
      if (u > maxU) maxU = u;
      if (v < minV) minV = v;
      if (v > maxV) maxV = v;
    }
    const area = (maxU - minU) * (maxV - minV);
    if (area < bestArea) {
      bestArea = area;
      const cu = (minU + maxU) / 2;
      const cv = (minV + maxV) / 2;
      best = {
        cx: cu * ux - cv * uy,
        cy: cu * uy + cv * ux,
        angle: Math.atan2(uy, ux),
        width: maxU - minU,
        height: maxV - minV,
      };
    }
  }
  return best;
}

/** Corners of a rotated rectangle, in the order (−u−v), (+u−v), (+u+v), (−u+v). */
export function rectCorners(r: RotatedRect): Quad {
  const ux = Math.cos(r.angle), uy = Math.sin(r.angle);
  const hw = r.width / 2, hh = r.height / 2;
  const at = (su: number, sv: number): Point => ({
    x: r.cx + su * hw * ux - sv * hh * uy,
    y: r.cy + su * hw * uy + sv * hh * ux,
  });
  return [at(-1, -1), at(1, -1), at(1, 1), at(-1, 1)];
}

/** A line in normal form: `nx * x + ny * y = d`, with (nx, ny) a unit vector. */
export interface Line {
  nx: number;
  ny: number;
  d: number;
}

/** Total-least-squares line through points (null when fewer than 2 or degenerate). */
export function fitLine(points: Point[]): Line | null {
  const n = points.length;
  if (n < 2) return null;
  let mx = 0, my = 0;
  for (const p of points) {
    mx += p.x;
    my += p.y;
  }
  mx /= n;
  my /= n;
  let sxx = 0, sxy = 0, syy = 0;
  for (const p of points) {
    const dx = p.x - mx, dy = p.y - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  // Direction = principal eigenvector; the normal is perpendicular to it.
  const theta = 0.5 * Math.atan2(2 * sxy, sxx - syy);
  const nx = -Math.sin(theta), ny = Math.cos(theta);
  return { nx, ny, d: nx * mx + ny * my };
}

/** Intersection of two lines, or null when (nearly) parallel. */
export function intersect(a: Line, b: Line): Point | null {
  const det = a.nx * b.ny - a.ny * b.nx;
  if (Math.abs(det) < 1e-6) return null;
  return { x: (a.d * b.ny - a.ny * b.d) / det, y: (a.nx * b.d - a.d * b.nx) / det };
}

/**
 * Homography mapping the unit-free destination rectangle (0,0)-(w,h) onto `quad`
 * (TL, TR, BR, BL). Returns the 3×3 matrix row-major, h33 = 1.
 */
export function homographyFromRect(w: number, h: number, quad: Quad): number[] {
  const src: Array<[number, number]> = [[0, 0], [w, 0], [w, h], [0, h]];
  // Solve the 8×8 system A·x = b for h11..h32.
  const A: number[][] = [];
  const b: number[] = [];
  for (let i = 0; i < 4; i++) {
    const [u, v] = src[i]!;
    const { x, y } = quad[i]!;
    A.push([u, v, 1, 0, 0, 0, -u * x, -v * x]);
    b.push(x);
    A.push([0, 0, 0, u, v, 1, -u * y, -v * y]);
    b.push(y);
  }
  const x = solve(A, b);
  return [...x, 1];
}

/** Gaussian elimination with partial pivoting (small dense systems only). */
export function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[piv]![c]!)) piv = r;
    [M[c], M[piv]] = [M[piv]!, M[c]!];
    const pr = M[c]!;
    const pv = pr[c]!;
    if (Math.abs(pv) < 1e-12) continue;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const row = M[r]!;
      const f = row[c]! / pv;
      if (f === 0) continue;
      for (let k = c; k <= n; k++) row[k] = row[k]! - f * pr[k]!;
    }
  }
  return M.map((row, i) => {
    const d = row[i]!;
    return Math.abs(d) < 1e-12 ? 0 : row[n]! / d;
  });
}
