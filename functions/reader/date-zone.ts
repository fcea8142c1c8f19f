/**
 * The date close-up: where a card prints its dates, cut from the full-resolution photo around
 * the card number's line and read again at a size the text detector boxes well.
 *
 * Why: on the tuning sets, most expiry misses (34 of 40) were date lines the detector never
 * boxed. Dates are printed in type ≈ 0.6–0.8× the number's height, and on a small card (a card
 * 250–350 px wide in a 1–2 MP photo) the whole-view pass at 960 or 1280 px shrinks them to
 * 5–7 px, under what the detector finds. The number line is boxed (it is larger and longer),
 * and its box says where the dates are: cards print them below the number (its columns, up to a
 * few number heights down), beside its end, or, on some backs, just above it. That zone is taken
 * in the number's own frame (its direction of reading, its height), so a turned, tilted or
 * upside-down card gets the same zone as a level one, cut upright (a quad warp, image/crop-quad)
 * and scaled so the number's box is `NUMBER_HEIGHT` px high.
 *
 * The reader asks for it only when no reading read an expiry, or one saw a date and could not
 * read it (`dateDoubted`), so most photos pay nothing; its reading counts for the expiry alone
 * (fuse.ts `fuseField` and the CRNN date check, like any reading), never for the number or name.
 *
 * The close-up holds the number line itself (its top edge is above it): extraction then finds the
 * number in the same reading and places the dates against it as on any other reading (a date far
 * from the number, or off its columns without a label, is not taken; extract/expiry.ts).
 *
 * Pure geometry (`dateZone`) plus one async helper that cuts and reads the zone.
 */
import type { LineRecognizer, PixelPoint, Raster, TextDetector } from '../core/ports.js';
import type { ExtractedFields } from './extract/index.js';
import { cropQuad } from './image/crop-quad.js';
import { cardMap, composeMaps, type Pt, type ToSource } from './image/field-geometry.js';
import { numberLikeLines, readViewLearned, type LearnedReading, type ReadLine } from './readers/learned.js';
import { lineDigits } from './locate-fields.js';
import { lineGeometry, type View } from './views.js';

type Quad = readonly [PixelPoint, PixelPoint, PixelPoint, PixelPoint];

/**
 * The zone around a number line where cards print dates, in box heights (`h`, the height of
 * the detector's box of the number line, about twice its digits' height: DB boxes carry their
 * unclip margin) and number lengths (`L`, its extent along the reading direction, at least
 * `MIN_LENGTH_H` × h), measured from the number's reading-aligned box. From the tuning sets'
 * truth (354 expiry lines; layouts, not photos), in the digits' own height: the date's centre was
 * 1.2–1.5 below the number's centre on 85% of cards, up to 3.7 on backs and two-row layouts (95%
 * within 6, i.e. ≈ 3 box heights), and along the number from its start (−0.47 L from its centre)
 * to just past its end. Dates printed across the card from a number running down its edge (3 of
 * 354) are out of this zone.
 */
export const ZONE = {
  /** Above the number's top, × h (a back's date printed over the number). */
  above: 0.75,
  /** Below the number's bottom, × h. */
  below: 3.5,
  /** Before the number's start, × L. */
  before: 0.15,
  /** After the number's end, × L (a date beside the number's last group). */
  after: 0.25,
} as const;

/** A zone's reach around the number line, in the units of `ZONE` (another field's zone, e.g. the name's). */
export interface ZoneExtent {
  readonly above: number;
  readonly below: number;
  readonly before: number;
  readonly after: number;
}

/** A number line shorter than this many heights (a stacked group, a number read in part) is taken as this long. */
const MIN_LENGTH_H = 6;

/**
 * Height of the number's box in the close-up, px: its digits ≈ 45 px, a date's ≈ 20–30 px, in
 * the range PP-OCR's detector boxes small print at (the whole-view passes shrank them to 5–7 px
 * on the misses). Measured on real-world-80001's 16 expiry misses (tuning): 64 and 96 read one
 * more date, 40 none; what the close-up still misses there is boxed but misread, limited by the
 * photo's own pixels (MAX_UPSCALE), not by the size.
 */
export const NUMBER_HEIGHT = 96;

/**
 * Longest side of the close-up, px: a long number's zone at `NUMBER_HEIGHT` reached 2,200 px on
 * real-dev-v1 (1.7 MP, more than a whole-view pass at 960 px); at most the frame view's size.
 */
const MAX_SIDE = 1280;

/** The close-up is enlarged at most this much over the photo's own pixels (beyond, it only blurs). */
const MAX_UPSCALE = 4;

/** A zone: its quad (top-left as the number reads, then clockwise) in view pixels, and the number's height in them. */
export interface DateZone {
  readonly quad: readonly [Pt, Pt, Pt, Pt];
  readonly numberHeight: number;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * Where the dates of a card are printed, from its number line's boxes (`quads`, in view
 * pixels, as a detector gave them: one per group or one for the row), the reading's text
 * angle (degrees, views.ts `textAngle`) and whether it reads upside down. The zone runs along
 * the number's reading direction whatever the line's angle in the view. Null without a box.
 */
export function dateZone(quads: readonly Quad[], angle: number, flipped: boolean, extent: ZoneExtent = ZONE): DateZone | null {
  if (quads.length === 0) return null;
  const dir = lineDirection(quads, angle, flipped);
  const ux = dir.x, uy = dir.y;
  // Across: the reading direction turned 90° clockwise (down the text, screen y growing down).
  const vx = -uy, vy = ux;
  let a0 = Infinity, a1 = -Infinity, b0 = Infinity, b1 = -Infinity;
  for (const q of quads) for (const p of q) {
    const a = p.x * ux + p.y * uy, b = p.x * vx + p.y * vy;
    a0 = Math.min(a0, a);
    a1 = Math.max(a1, a);
    b0 = Math.min(b0, b);
    b1 = Math.max(b1, b);
  }
  // The type's height: each box's own (a tilted row's union is taller than its type).
  const h = median(quads.map((q) => lineGeometry(q).height));
  if (!(h >= 1) || !Number.isFinite(a0)) return null;
  const length = Math.max(a1 - a0, MIN_LENGTH_H * h);
  const mid = (a0 + a1) / 2;
  const A0 = Math.min(a0, mid - length / 2) - extent.before * length;
  const A1 = Math.max(a1, mid + length / 2) + extent.after * length;
  const B0 = b0 - extent.above * h, B1 = b1 + extent.below * h;
  const pt = (a: number, b: number): Pt => ({ x: a * ux + b * vx, y: a * uy + b * vy });
  return { quad: [pt(A0, B0), pt(A1, B0), pt(A1, B1), pt(A0, B1)], numberHeight: h };
}

/**
 * The number line's own direction of reading (unit vector): a card's other lines, which the
 * reading's angle (views.ts `textAngle`) is weighed over, can run at another angle in the view
 * (a card bent or seen at a slant, a label printed at an angle), and a zone cut along them
 * leaves the dates at a slant. A row of several boxes (a group each) runs from its first box's
 * centre to its last's; one box along its own long side. The sense (which end reads first) is
 * the one the recogniser read the boxes in: each crop's x axis (lineGeometry's u), turned half
 * round when the reading was made upside down (`flipped`). Not the view's: a steep row whose
 * quads start at the other corner reads against the view's direction (learned.ts
 * `readsAgainstFrame`, review 6b S-d), and a zone cut in the view's sense lay above its number,
 * away from the dates (review 6b S-a). Boxes squarer than a line say nothing of either: the
 * reading's `angle` (+ 180° when `flipped`) then.
 */
export function lineDirection(quads: readonly Quad[], angle: number, flipped: boolean): Pt {
  const t = ((angle + (flipped ? 180 : 0)) * Math.PI) / 180;
  const geos = quads.map((q) => lineGeometry(q));
  // The sense the boxes were read in, by length (the crops' own x axis, or its opposite when read turned).
  const read = flipped ? -1 : 1;
  let ox = 0, oy = 0;
  for (const g of geos) {
    ox += read * g.ux * g.length;
    oy += read * g.uy * g.length;
  }
  const lineLike = !geos.every((g) => g.length < 1.5 * g.height) && Math.hypot(ox, oy) > 0;
  const rx = lineLike ? ox : Math.cos(t), ry = lineLike ? oy : Math.sin(t);
  // Length-weighted mean of the boxes' own directions, each turned to that sense.
  let bx = 0, by = 0;
  for (const g of geos) {
    const s = g.ux * rx + g.uy * ry >= 0 ? 1 : -1;
    bx += s * g.ux * g.length;
    by += s * g.uy * g.length;
  }
  const bn = Math.hypot(bx, by);
  if (!(bn > 0) || !lineLike) return { x: Math.cos(t), y: Math.sin(t) };
  let dx = bx / bn, dy = by / bn;
  if (geos.length >= 2) {
    // Groups side by side: the row runs from the first group's centre to the last's, which
    // measures its slant over its whole length. Groups stacked one under another (a stacked
    // number) run across it: their own direction stands.
    const along = geos.map((g) => g.cx * dx + g.cy * dy);
    const first = geos[along.indexOf(Math.min(...along))]!, last = geos[along.indexOf(Math.max(...along))]!;
    const ex = last.cx - first.cx, ey = last.cy - first.cy;
    const en = Math.hypot(ex, ey);
    if (en > 2 * median(geos.map((g) => g.height)) && (ex * dx + ey * dy) / en > Math.cos(Math.PI / 9)) {
      dx = ex / en;
      dy = ey / en;
    }
  }
  const s = dx * rx + dy * ry >= 0 ? 1 : -1;
  return { x: s * dx, y: s * dy };
}

/**
 * The inverse of an affine map (a scale, a cut): the maps from the photo to the reader's source
 * raster are affine (reader.ts: identity, or the normalised frame's scale). Null when singular.
 */
export function invertAffine(map: ToSource): ToSource | null {
  const o = map({ x: 0, y: 0 }), ex = map({ x: 1, y: 0 }), ey = map({ x: 0, y: 1 });
  const a = ex.x - o.x, b = ey.x - o.x, c = ex.y - o.y, d = ey.y - o.y;
  const det = a * d - b * c;
  if (!(Math.abs(det) > 1e-12)) return null;
  return (p) => {
    const x = p.x - o.x, y = p.y - o.y;
    return { x: (d * x - b * y) / det, y: (-c * x + a * y) / det };
  };
}

/**
 * The number line a reading read: the line holding `digits`, else (only with `fallback`) its most
 * number-like line (≥ 8 digits) when that shares the number's first 4 and last 4 digits (a
 * reading that split or misread a digit of the number's middle). Without `digits`, its most
 * number-like line.
 */
export function numberLineIn(reading: LearnedReading, digits: string | null, fallback = true): ReadLine | null {
  if (digits) {
    const line = reading.lines.find((l) => lineDigits(l).includes(digits));
    if (line || !fallback) return line ?? null;
  }
  const [best] = numberLikeLines(reading, 1);
  if (!best || lineDigits(best).length < 8) return null;
  if (!digits) return best;
  const d = lineDigits(best);
  return digits.length >= 8 && d.startsWith(digits.slice(0, 4)) && d.endsWith(digits.slice(-4)) ? best : null;
}

/**
 * The reading and line the date zone is cut around: the first of `reads` holding `digits` on a
 * line; only when none does, the first whose most number-like line shares the number's first
 * and last 4 digits (numberLineIn). A reading's longest digit run may be another object's (a
 * receipt, a second card), and a zone cut around it reads that object's date (review 6a S4), so
 * the number's own digits are looked for in every reading before any fallback.
 */
export function numberLineOf(reads: readonly LearnedReading[], digits: string | null): { reading: LearnedReading; line: ReadLine } | null {
  for (const fallback of digits ? [false, true] : [true]) {
    for (const reading of reads) {
      const line = numberLineIn(reading, digits, fallback);
      if (line) return { reading, line };
    }
  }
  return null;
}

/** A reading that saw a date and could not read it (`unreadable`, `low_confidence`): the close-up may read it. */
export function dateDoubted(f: ExtractedFields): boolean {
  return f.expiry === null && (f.missing.expiry === 'unreadable' || f.missing.expiry === 'low_confidence');
}

/** What the date close-up needs from the reader. */
export interface DateCloseUpInput {
  /** Readings so far, best first (the reading that read the number first). */
  readonly reads: readonly LearnedReading[];
  /** The card number read (full digits, compared in memory only), or the best candidate. */
  readonly digits: string | null;
  /** The photo's pixels the views were made from (full resolution), when known. */
  readonly source: Raster | null;
  /** Maps `source` pixels to the photo's (views' `toSource` end in the photo's pixels). */
  readonly sourceToPhoto: ToSource | null;
  readonly detector: TextDetector;
  readonly recognizer: LineRecognizer;
  /** The zone's reach (default `ZONE`, the dates'). */
  readonly extent?: ZoneExtent;
  /** What the close-up's view is named after (`<view>-<field>`; default `date`). */
  readonly field?: string;
}

/**
 * Cuts the date zone around the number line of the first reading that holds one (close-ups of
 * the number line alone come last: their boxes say less of the card), upright and scaled, from
 * the full-resolution `source` when the view maps to it (else from the view's own pixels), and
 * reads it. The reading's view is `<view>-date` (its source `rec@<view>-date`) and maps back to
 * the photo. Null when no reading holds a number line, or the zone is degenerate.
 */
export async function readDateCloseUp(input: DateCloseUpInput): Promise<{ reading: LearnedReading; cropMs: number } | null> {
  const reads = [...input.reads.filter((r) => !r.view.id.endsWith('-number')), ...input.reads.filter((r) => r.view.id.endsWith('-number'))];
  const from = numberLineOf(reads, input.digits);
  if (!from) return null;
  const { reading, line } = from;
  const zone = dateZone(line.quads, reading.angle, reading.flipped, input.extent);
  if (!zone) return null;
  const t0 = performance.now();
  const view = reading.view;
  // The zone in the pixels it is cut from: the full-resolution photo when the view maps to it.
  const photoToSource = input.source && input.sourceToPhoto && view.toSource ? invertAffine(input.sourceToPhoto) : null;
  const toCut: ToSource | null = photoToSource && view.toSource ? composeMaps(photoToSource, view.toSource) : null;
  const raster = toCut ? input.source! : view.raster;
  const quad = (toCut ? zone.quad.map(toCut) : zone.quad) as unknown as readonly [Pt, Pt, Pt, Pt];
  const side = (p: Pt, q: Pt): number => Math.hypot(q.x - p.x, q.y - p.y);
  const zoneHeightView = side(zone.quad[0], zone.quad[3]);
  const zoneHeight = (side(quad[0], quad[3]) + side(quad[1], quad[2])) / 2;
  const numberHeight = zone.numberHeight * (zoneHeight / Math.max(1, zoneHeightView));
  const zoneLength = (side(quad[0], quad[1]) + side(quad[3], quad[2])) / 2;
  const scale = Math.min(MAX_UPSCALE, NUMBER_HEIGHT / Math.max(1, numberHeight), MAX_SIDE / Math.max(1, zoneLength, zoneHeight));
  // No floor on the height: one (32 px) would undo the MAX_SIDE cap on a long thin zone, and a
  // zone the cap leaves under 32 px high holds dates of a few pixels, nothing to read (review 6b N-b).
  const outHeight = Math.round(zoneHeight * scale);
  if (outHeight < 32) return null;
  const crop = cropQuad(raster, quad as unknown as Quad, outHeight);
  if (crop.width < 32 || crop.height < 32) return null;
  // Close-up pixels → the cut's pixels (the same homography the warp sampled with) → the photo.
  const cropToCut = cardMap(crop.width, crop.height, quad);
  const toPhoto: ToSource | undefined = toCut
    ? composeMaps(input.sourceToPhoto!, cropToCut)
    : view.toSource
      ? composeMaps(view.toSource, cropToCut)
      : undefined;
  const cropMs = performance.now() - t0;
  const dateView: View = {
    id: `${view.id}-${input.field ?? 'date'}`,
    kind: view.kind,
    raster: crop,
    rotation: view.rotation + Math.round(reading.angle + (reading.flipped ? 180 : 0)),
    ...(toPhoto ? { toSource: toPhoto } : {}),
  };
  const longer = Math.max(crop.width, crop.height);
  // Cut upright as the number reads: no 180° probe.
  const lr = await readViewLearned(dateView, input.detector, input.recognizer, { maxSide: Math.max(320, Math.ceil(longer / 32) * 32), flip: false });
  return { reading: lr, cropMs };
}
