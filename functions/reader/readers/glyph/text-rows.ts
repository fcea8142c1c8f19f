/**
 * Finds the rows of printed characters on a normalised card: ink components grouped into
 * rows of similar height and baseline, split into words at wide gaps. Works on the whole
 * card so no fixed layout is assumed (Amex and other layouts put the number elsewhere).
 */
import { binarize, components, glyphFeature, type Box, type Component, type Gray } from './glyphs.js';
import type { GlyphInput } from './glyph-classifier.js';

/** One glyph box in a row. */
export interface RowGlyph extends Box {
  /** Index of the word the glyph belongs to within its row. */
  word: number;
}

/** A row of similar-sized glyphs. */
export interface TextRow extends Box {
  readonly glyphs: RowGlyph[];
  /** Median glyph height, px. */
  readonly height: number;
  readonly words: number;
}

export interface RowOptions {
  /** Smallest and largest glyph height to consider, px. */
  minHeight?: number;
  maxHeight?: number;
  /** Binarisation offset (grey levels). */
  offset?: number;
  /** Only look inside this box. */
  rect?: Box;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.floor(s.length / 2)]!;
};

/** Ink mask and its glyph-sized components. */
export function inkComponents(card: Gray, options: RowOptions = {}): { mask: Uint8Array; comps: Component[] } {
  const mask = binarize(card, { offset: options.offset ?? 18, ...(options.rect ? { rect: options.rect } : {}) });
  const minH = options.minHeight ?? 10;
  const maxH = options.maxHeight ?? 90;
  const comps = components(mask, card.width, card.height, options.rect).filter((c) => {
    const h = c.y1 - c.y0;
    const w = c.x1 - c.x0;
    // Allow short pieces (e.g. the parts of a broken glyph); rows are built from tall ones.
    // Wider than one glyph is allowed for glyph-tall pieces: two or three digits whose
    // strokes touch (Roboto's `444`) form one component that the row reader splits again.
    if (h > maxH || w > Math.max(maxH * 1.2, 3 * h) || c.area < 6) return false;
    if (c.x0 <= 2 || c.y0 <= 2 || c.x1 >= card.width - 2 || c.y1 >= card.height - 2) return false;
    return h >= Math.min(4, minH) || w >= 4;
  });
  return { mask, comps };
}

/**
 * Groups components of at least `minHeight` into rows of glyphs of similar height and centre
 * line; pieces that overlap horizontally merge into one glyph, and very wide gaps split a row
 * into separate segments.
 */
export function findRows(comps: Component[], options: RowOptions = {}): TextRow[] {
  const minH = options.minHeight ?? 10;
  const tall = comps.filter((c) => c.y1 - c.y0 >= minH).sort((a, b) => a.x0 - b.x0);
  // Rows are chained left to right: a glyph joins the row whose last glyph is level with it
  // and not far to its left, so a slightly tilted line still forms one row.
  type Acc = { members: Component[]; yc: number; h: number; x1: number };
  const rows: Acc[] = [];
  for (const c of tall) {
    const h = c.y1 - c.y0;
    const yc = (c.y0 + c.y1) / 2;
    let best: Acc | null = null;
    let bestDy = Infinity;
    for (const r of rows) {
      const dy = Math.abs(yc - r.yc);
      if (dy < 0.3 * r.h && h > 0.6 * r.h && h < 1.6 * r.h && c.x0 - r.x1 < 4 * r.h && dy < bestDy) {
        best = r;
        bestDy = dy;
      }
    }
    if (best) {
      best.members.push(c);
      const n = Math.min(best.members.length, 4);
      // Follow the line locally (recent glyphs weigh most) so tilt does not break it.
      best.yc += (yc - best.yc) / 2;
      best.h += (h - best.h) / n;
      best.x1 = Math.max(best.x1, c.x1);
    } else rows.push({ members: [c], yc, h, x1: c.x1 });
  }
  const out: TextRow[] = [];
  for (const r of rows) {
    if (r.members.length < 2) continue;
    const h = median(r.members.map((m) => m.y1 - m.y0));
    // Merge pieces that overlap horizontally into one glyph (broken strokes, `i` dots).
    const merged: Box[] = [];
    for (const m of [...r.members].sort((a, b) => a.x0 - b.x0)) {
      const last = merged[merged.length - 1];
      const overlap = last ? Math.min(last.x1, m.x1) - Math.max(last.x0, m.x0) : -1;
      if (last && overlap > 0.5 * Math.min(last.x1 - last.x0, m.x1 - m.x0)) {
        last.x0 = Math.min(last.x0, m.x0);
        last.y0 = Math.min(last.y0, m.y0);
        last.x1 = Math.max(last.x1, m.x1);
        last.y1 = Math.max(last.y1, m.y1);
      } else merged.push({ x0: m.x0, y0: m.y0, x1: m.x1, y1: m.y1 });
    }
    // A gap of more than ~1.6 glyph heights separates unrelated print on the same line
    // (a name and a logo, a start date and an expiry date).
    let segment: Box[] = [];
    const flush = (): void => {
      if (segment.length >= 2) out.push(makeRow(segment, h));
      segment = [];
    };
    for (const g of merged) {
      const last = segment[segment.length - 1];
      if (last && g.x0 - last.x1 > 1.6 * h) flush();
      segment.push(g);
    }
    flush();
  }
  return out.sort((a, b) => a.y0 - b.y0);
}

function makeRow(boxes: Box[], h: number): TextRow {
  const glyphs = splitWords(boxes, h);
  return {
    glyphs,
    height: median(boxes.map((b) => b.y1 - b.y0)) || h,
    words: (glyphs[glyphs.length - 1]?.word ?? 0) + 1,
    x0: Math.min(...glyphs.map((g) => g.x0)),
    y0: Math.min(...glyphs.map((g) => g.y0)),
    x1: Math.max(...glyphs.map((g) => g.x1)),
    y1: Math.max(...glyphs.map((g) => g.y1)),
  };
}

/**
 * Splits a row into words at gaps wider than about a third of the glyph height and clearly
 * wider than the row's usual letter gap, or where the centre-to-centre pitch jumps by more
 * than half (monospace spaces); number rows are grouped by `groupDigits`.
 */
export function splitWords(glyphs: readonly Box[], height: number): RowGlyph[] {
  const gaps = glyphs.slice(1).map((g, i) => g.x0 - glyphs[i]!.x1);
  let gapLimit = Math.max(0.3 * height, 2.5 * Math.max(1, median(gaps)));
  // Proportional print: word gaps stand apart from letter gaps as the first big jump in the
  // sorted gaps above the median (a space next to an `I` is narrower than 2.5 letter gaps).
  const sorted = [...gaps].sort((a, b) => a - b);
  for (let k = Math.floor(sorted.length / 2); k + 1 < sorted.length; k++) {
    const lo = Math.max(1, sorted[k]!);
    const hi = sorted[k + 1]!;
    if (hi >= 0.3 * height && hi >= 1.6 * lo) {
      gapLimit = Math.min(gapLimit, hi - 0.5);
      break;
    }
  }
  const centres = glyphs.map((g) => (g.x0 + g.x1) / 2);
  const steps = centres.slice(1).map((c, i) => c - centres[i]!);
  const pitch = median(steps);
  const widths = glyphs.map((g) => g.x1 - g.x0);
  const typicalW = median(widths);
  // Monospace: most steps are one pitch (proportional print varies far more).
  const regular = steps.length >= 3 && steps.filter((st) => Math.abs(st - pitch) <= 0.15 * pitch).length >= 0.6 * steps.length;
  const out: RowGlyph[] = [];
  let word = 0;
  for (let i = 0; i < glyphs.length; i++) {
    const g = glyphs[i]!;
    const prev = glyphs[i - 1];
    // In monospace print a space is a whole extra pitch, even next to a narrow `I` whose
    // side bearings make ordinary gaps look wide.
    const pitchJump =
      regular &&
      centres[i]! - centres[i - 1]! > 1.6 * pitch &&
      g.x0 - (prev?.x1 ?? g.x0) > 0.15 * height &&
      widths[i]! <= 1.3 * typicalW &&
      widths[i - 1]! <= 1.3 * typicalW;
    if (prev && (g.x0 - prev.x1 > gapLimit || pitchJump)) word += 1;
    out.push({ x0: g.x0, y0: g.y0, x1: g.x1, y1: g.y1, word });
  }
  return out;
}

/** How networks print card numbers of each length: group sizes. */
const NUMBER_PATTERNS: Readonly<Record<number, ReadonlyArray<readonly number[]>>> = {
  13: [[4, 4, 5], [4, 3, 3, 3], [13]],
  14: [[4, 6, 4], [4, 4, 4, 2], [14]],
  15: [[4, 6, 5], [4, 4, 4, 3], [15]],
  16: [[4, 4, 4, 4], [4, 6, 6], [16]],
  17: [[4, 4, 4, 4, 1], [4, 4, 4, 5], [17]],
  18: [[4, 4, 4, 4, 2], [4, 4, 4, 6], [18]],
  19: [[4, 4, 4, 4, 3], [6, 13], [19]],
};

/**
 * Groups the glyphs of a number row the way cards print numbers: of the usual groupings for
 * this many digits, the one whose breaks fall on the widest spacings, provided every break is
 * wider than every non-break. Spacing mixes centre pitch and edge gap, so a narrow `1` (wide
 * edge gaps, regular pitch) does not look like a group break. Null when no grouping fits.
 */
export function groupDigits(glyphs: readonly Box[], height: number): number[] | null {
  const n = glyphs.length;
  const centres = glyphs.map((g) => (g.x0 + g.x1) / 2);
  const pitch = median(centres.slice(1).map((c, i) => c - centres[i]!)) || 1;
  const spacing = glyphs.slice(1).map((g, i) => (centres[i + 1]! - centres[i]!) / pitch + (g.x0 - glyphs[i]!.x1) / height);
  let best: { groups: number[]; margin: number } | null = null;
  for (const groups of NUMBER_PATTERNS[n] ?? []) {
    const breaks = new Set<number>();
    let at = 0;
    for (const g of groups.slice(0, -1)) {
      at += g;
      breaks.add(at - 1); // spacing index between glyph at-1 and at
    }
    let minBreak = Infinity;
    let maxOther = -Infinity;
    spacing.forEach((s, i) => {
      if (breaks.has(i)) minBreak = Math.min(minBreak, s);
      else maxOther = Math.max(maxOther, s);
    });
    if (breaks.size === 0) {
      // Unbroken: only when the spacing is uniform.
      const margin = 0.35 - (maxOther - Math.min(...spacing));
      if (margin > 0 && (!best || margin > best.margin)) best = { groups: [...groups], margin };
      continue;
    }
    const margin = minBreak - maxOther;
    if (margin > 0.15 && (!best || margin > best.margin)) best = { groups: [...groups], margin };
  }
  return best ? best.groups : null;
}

/** Classifier inputs for the glyphs of a row. */
export function rowInputs(mask: Uint8Array, width: number, row: TextRow): GlyphInput[] {
  return row.glyphs.map((g) => ({
    feature: glyphFeature(mask, width, g),
    aspect: (g.x1 - g.x0) / Math.max(1, g.y1 - g.y0),
  }));
}
