/**
 * Geometry for the result: where the card and its fields are in the photo the user uploaded
 * (after EXIF orientation), as the web page's overlay draws them. Every view a reader looks at
 * (the rectified card, the downscaled frame, a close-up of part of it, the read stage's
 * normalised PNG) carries a map from its pixels back to those source pixels; the reader maps
 * the quads of the lines that produced each field through it.
 *
 * Pure: points in, points out. Coordinates only: no pixels, no text.
 */
import type { GeometryQuad } from '../../core/card.js';
import { homographyFromRect, type Quad } from './geometry.js';

/** A point in some image's pixels. */
export interface Pt {
  readonly x: number;
  readonly y: number;
}

/** Maps a point of a view to the oriented source photo. */
export type ToSource = (p: Pt) => Pt;

/** The identity map (the view is the source). */
export const identityMap: ToSource = (p) => p;

/**
 * A view that is the source scaled by (`sx`, `sy`) after cutting it at (`left`, `top`): a
 * downscaled frame (`left = top = 0`), or a close-up of a box of the source.
 * A view pixel x covers source [left + x·sx, left + (x+1)·sx): point coordinates (edges, not
 * centres) scale exactly.
 */
export function scaleMap(sx: number, sy: number, left = 0, top = 0): ToSource {
  return (p) => ({ x: left + p.x * sx, y: top + p.y * sy });
}

/** `inner` then `outer`: a view of a view. */
export function composeMaps(outer: ToSource, inner: ToSource): ToSource {
  return (p) => outer(inner(p));
}

/**
 * A `w`×`h` rectified card warped from `corners` (its TL, TR, BR, BL in source pixels, as the
 * card reads upright) back to the source: the same homography the warp sampled with
 * (image/warp.ts), so a point of the card lands where its pixel came from.
 */
export function cardMap(w: number, h: number, corners: readonly [Pt, Pt, Pt, Pt]): ToSource {
  const H = homographyFromRect(w, h, corners.map((c) => ({ x: c.x, y: c.y })) as Quad);
  const [a, b, c, d, e, f, g, hh] = H as [number, number, number, number, number, number, number, number];
  return (p) => {
    // The homography maps continuous coordinates (pixel i spans [i, i+1]) both ways; warp.ts
    // adds and takes the half pixel around it to sample pixel centres.
    const u = p.x, v = p.y;
    const dn = g * u + hh * v + 1;
    return { x: (a * u + b * v + c) / dn, y: (d * u + e * v + f) / dn };
  };
}

/** A quad in view pixels mapped to the source, rounded to 0.1 px and clamped to the image. */
export function toSourceQuad(quad: readonly Pt[], map: ToSource, image: { width: number; height: number }): GeometryQuad | null {
  if (quad.length !== 4) return null;
  const out = quad.map((q) => {
    const p = map(q);
    const x = Math.min(image.width, Math.max(0, p.x));
    const y = Math.min(image.height, Math.max(0, p.y));
    return [Math.round(x * 10) / 10, Math.round(y * 10) / 10] as const;
  });
  if (out.some(([x, y]) => !Number.isFinite(x) || !Number.isFinite(y))) return null;
  return out as unknown as GeometryQuad;
}

/** An axis-aligned box (`x0 ≤ x1`, `y0 ≤ y1`) as a quad TL, TR, BR, BL. */
export function boxQuad(b: { x0: number; y0: number; x1: number; y1: number }): [Pt, Pt, Pt, Pt] {
  return [{ x: b.x0, y: b.y0 }, { x: b.x1, y: b.y0 }, { x: b.x1, y: b.y1 }, { x: b.x0, y: b.y1 }];
}

/**
 * The bounding quad of several quads, aligned with the reading direction (`angle` degrees,
 * `flipped` when the view reads upside down), starting at the top-left as the text reads and
 * going clockwise. Null for no quads.
 */
export function readingQuad(quads: ReadonlyArray<readonly Pt[]>, angle: number, flipped: boolean): [Pt, Pt, Pt, Pt] | null {
  const t = ((angle + (flipped ? 180 : 0)) * Math.PI) / 180;
  return boundsAlong(quads, Math.cos(t), Math.sin(t));
}

/**
 * The quad bounding every point of `quads`, its sides along the unit direction (ux, uy) and
 * across it: the corner first along and first across, then clockwise. Null for no points.
 */
export function boundsAlong(quads: ReadonlyArray<readonly Pt[]>, ux: number, uy: number): [Pt, Pt, Pt, Pt] | null {
  // along = p·u, across = p·v with v = u turned 90° clockwise (screen y grows down).
  const vx = -uy, vy = ux;
  let a0 = Infinity, a1 = -Infinity, b0 = Infinity, b1 = -Infinity;
  for (const q of quads) for (const p of q) {
    const a = p.x * ux + p.y * uy;
    const b = p.x * vx + p.y * vy;
    a0 = Math.min(a0, a);
    a1 = Math.max(a1, a);
    b0 = Math.min(b0, b);
    b1 = Math.max(b1, b);
  }
  if (!Number.isFinite(a0)) return null;
  const pt = (a: number, b: number): Pt => ({ x: a * ux + b * vx, y: a * uy + b * vy });
  return [pt(a0, b0), pt(a1, b0), pt(a1, b1), pt(a0, b1)];
}

/** ISO ID-1 aspect (85.60 / 53.98). */
const CARD_ASPECT = 85.6 / 53.98;

/**
 * The card's outline estimated from its printed lines when no outline was found: their
 * reading-aligned extent, grown to a card's proportions. A card number spans about 80% of the
 * card's width (ISO 7813 embossing area; flat prints are similar), so the card is at least
 * `numberLength / 0.8` wide, and the lines sit inside margins of ≈ 6% of its width. Null
 * without a number line to scale from.
 */
export function cardFromLines(
  numberQuad: readonly Pt[] | null,
  lineQuads: ReadonlyArray<readonly Pt[]>,
  angle: number,
  flipped: boolean,
): [Pt, Pt, Pt, Pt] | null {
  if (!numberQuad) return null;
  const t = ((angle + (flipped ? 180 : 0)) * Math.PI) / 180;
  const ux = Math.cos(t), uy = Math.sin(t);
  const vx = -uy, vy = ux;
  const proj = (q: readonly Pt[]) => {
    let a0 = Infinity, a1 = -Infinity, b0 = Infinity, b1 = -Infinity;
    for (const p of q) {
      const a = p.x * ux + p.y * uy, b = p.x * vx + p.y * vy;
      a0 = Math.min(a0, a); a1 = Math.max(a1, a); b0 = Math.min(b0, b); b1 = Math.max(b1, b);
    }
    return { a0, a1, b0, b1 };
  };
  const n = proj(numberQuad);
  const len = n.a1 - n.a0;
  if (!(len > 0)) return null;
  const width = len / 0.8;
  const height = width / CARD_ASPECT;
  // Only lines that can be on the same card: within one card size of the number line.
  let a0 = n.a0, a1 = n.a1, b0 = n.b0, b1 = n.b1;
  for (const q of lineQuads) {
    const l = proj(q);
    if (l.a1 < n.a0 - 0.25 * width || l.a0 > n.a1 + 0.25 * width) continue;
    if (l.b1 < n.b0 - 0.75 * height || l.b0 > n.b1 + 0.75 * height) continue;
    a0 = Math.min(a0, l.a0); a1 = Math.max(a1, l.a1); b0 = Math.min(b0, l.b0); b1 = Math.max(b1, l.b1);
  }
  const margin = 0.06 * width;
  const ca = (a0 + a1) / 2, cb = (b0 + b1) / 2;
  const w = Math.max(width, a1 - a0 + 2 * margin);
  const h = Math.max(height, b1 - b0 + 2 * margin);
  const pt = (a: number, b: number): Pt => ({ x: a * ux + b * vx, y: a * uy + b * vy });
  return [pt(ca - w / 2, cb - h / 2), pt(ca + w / 2, cb - h / 2), pt(ca + w / 2, cb + h / 2), pt(ca - w / 2, cb + h / 2)];
}
