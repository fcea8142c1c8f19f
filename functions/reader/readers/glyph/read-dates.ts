/**
 * Reads `MM/YY` dates and their small labels (VALID FROM, VALID THRU, EXPIRES END,
 * MONTH/YEAR...) from rows the glyph reader found. A date is anchored on its `/`: the two
 * year digits to its right give the pitch and the digit height, which locate the month
 * digits even where a label overprints them (a common MONTH/YEAR layout); such covered
 * digits are compared on their uncovered lower part only, jointly with the rule that a month
 * is 01–12. A date that cannot be read confidently comes back as `??/YY` so the field
 * checks know a date was there.
 */
import { distance } from 'fastest-levenshtein';
import { classifyLine, slidingCharDistances, type LineRead } from './glyph-classifier.js';
import { components, FEATURE_H, FEATURE_W, glyphFeature, type Box } from './glyphs.js';
import { findRows, rowInputs, type TextRow } from './text-rows.js';

const DIGITS = '0123456789';
const LABEL_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ/';
/** Known label words; small print is matched to the nearest one. */
const LABEL_WORDS = ['VALID', 'FROM', 'THRU', 'GOOD', 'EXPIRES', 'END', 'UNTIL', 'MONTH/YEAR', 'MEMBER', 'SINCE', 'EXP', 'DATE'];

/** One date read from a row segment. */
export interface DateReading {
  /** `MM/YY`, with `?` for digits that could not be read. */
  readonly text: string;
  readonly confidence: number;
  /** Canonical label words printed before the date (may be empty). */
  readonly label: string;
  readonly box: Box;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.floor(s.length / 2)]!;
};

/** The label word closest to what was read (prefixes count: a label may be cut by a date it overlaps). */
export function canonicalLabel(read: string): string | null {
  let best: string | null = null;
  let bestScore = Infinity;
  for (const w of LABEL_WORDS) {
    const full = distance(read, w) / w.length;
    const prefix = read.length >= 4 && read.length < w.length ? distance(read, w.slice(0, read.length)) / read.length : Infinity;
    const score = Math.min(full, prefix);
    if (score < bestScore) {
      bestScore = score;
      best = w;
    }
  }
  return bestScore <= 0.34 ? best : null;
}

/** Months as digit pairs. */
const MONTHS = Array.from({ length: 12 }, (_, i) => String(i + 1).padStart(2, '0'));

/** Reads every date in a row segment (one per `/`), left to right. */
export function readDates(mask: Uint8Array, width: number, row: TextRow, font?: number): Array<Omit<DateReading, 'label'>> {
  const read = classifyLine(rowInputs(mask, width, row), DIGITS + '/', font);
  const out: Array<Omit<DateReading, 'label'>> = [];
  read.glyphs.forEach((g, s) => {
    if (g.char !== '/' || g.confidence < 0.3) return;
    const d = readDateAt(mask, width, row, read, s);
    if (d) out.push(d);
  });
  return out;
}

/** Reads the date whose `/` is glyph `s` of the row. */
function readDateAt(mask: Uint8Array, width: number, row: TextRow, read: LineRead, s: number): Omit<DateReading, 'label'> | null {
  const font = read.fontIndex;
  const right = row.glyphs.slice(s + 1, s + 3);
  if (right.length < 2) return null;
  const slash = row.glyphs[s]!;
  const yearReads = read.glyphs.slice(s + 1, s + 3);
  const year = yearReads.map((g) => g.char).join('');
  const yearConf = Math.min(...yearReads.map((g) => g.confidence));
  const slashRead = read.glyphs[s]!;
  const slashH = slash.y1 - slash.y0;
  const digitShaped = right.every((g) => Math.abs(g.y1 - g.y0 - slashH) <= 0.25 * slashH && g.x1 - g.x0 <= 1.1 * slashH);
  const yearClear = yearConf >= 0.3 && yearReads.every((g) => g.distance <= 0.08);
  if (!yearClear) {
    // A clear slash between digit-sized glyphs is a date even when blur hides its digits: it
    // must not vanish (it may be the expiry, leaving only the start date). Anything else
    // (e.g. a logo whose letters look like a slash) is not a date.
    if (slashRead.distance <= 0.06 && slashRead.confidence >= 0.5 && digitShaped) {
      return { text: '??/??', confidence: 0, box: { x0: row.glyphs[Math.max(0, s - 2)]!.x0, y0: row.y0, x1: right[1]!.x1, y1: row.y1 } };
    }
    return null;
  }
  const box: Box = { x0: row.glyphs[Math.max(0, s - 2)]!.x0, y0: row.y0, x1: right[1]!.x1, y1: row.y1 };

  const left = read.glyphs.slice(Math.max(0, s - 2), s);
  const leftBoxes = row.glyphs.slice(Math.max(0, s - 2), s);
  const digitH = median(right.map((g) => g.y1 - g.y0));
  const cleanLeft =
    left.length === 2 &&
    left.every((g) => g.confidence >= 0.35 && g.distance <= 0.08) &&
    leftBoxes.every((b) => b.x1 - b.x0 <= 1.25 * Math.max(...right.map((r) => r.x1 - r.x0)) && Math.abs(b.y1 - b.y0 - digitH) <= 0.2 * digitH);
  if (cleanLeft) {
    const month = left.map((g) => g.char).join('');
    return { text: `${month}/${year}`, confidence: Math.min(yearConf, ...left.map((g) => g.confidence)), box };
  }

  // Covered month digits: locate their cells from the year digits and compare lower parts only.
  const cx = (b: Box): number => (b.x0 + b.x1) / 2;
  const pitch = cx(right[1]!) - cx(right[0]!);
  const delta = cx(right[0]!) - cx(slash);
  const top = median(right.map((g) => g.y0));
  const bottom = median(right.map((g) => g.y1));
  const h = bottom - top;
  if (pitch <= 0 || h <= 0) return null;
  // Labels overprint the upper part: compare only the lower half of each month digit, sliding
  // the templates across the digit's cell (its exact extent is unknown where print touches it).
  const fromRow = Math.round(0.5 * FEATURE_H);
  const cells = [cx(slash) - delta - pitch, cx(slash) - delta].map((c) => {
    const xa = Math.max(0, Math.round(c - 0.75 * pitch));
    // Never into the slash, whose foot leans under the digit before it.
    const xb = Math.min(width, Math.round(c + 0.75 * pitch), slash.x0);
    if (xb - xa < 3) return null;
    const canvasW = Math.max(FEATURE_W, Math.round(((xb - xa) * FEATURE_H) / h));
    const wide = glyphFeature(mask, width, { x0: xa, y0: top, x1: xb, y1: bottom }, canvasW);
    return slidingCharDistances(wide, canvasW, DIGITS, font, fromRow);
  });
  const [d1, d2] = cells;
  if (!d1 || !d2) return { text: `??/${year}`, confidence: 0, box };
  const scored = MONTHS.map((m) => ({ m, d: d1.get(m[0]!)! + d2.get(m[1]!)! })).sort((a, b) => a.d - b.d);
  const best = scored[0]!;
  const second = scored[1]!;
  const margin = second.d - best.d;
  // Same scale as the classifier's confidence: clear margins above ~0.04, good fits below ~0.06 for two digits.
  const conf = Math.max(0, Math.min(1, margin / 0.04)) * Math.max(0, 1 - Math.max(0, best.d - 0.06) / 0.12);
  if (conf < 0.3) return { text: `??/${year}`, confidence: 0, box };
  return { text: `${best.m}/${year}`, confidence: Math.min(conf, yearConf), box };
}

/**
 * The label printed just before a date: small print to its left (stacked labels such as
 * VALID / FROM, or MONTH/YEAR above-left), read as letters and matched to known label words.
 * Label print can be tiny, so components are looked for in that area only, at any size
 * between a sixth and two thirds of the date's height.
 */
export function readLabel(mask: Uint8Array, width: number, height: number, date: Box): string {
  const h = date.y1 - date.y0;
  const rect: Box = {
    x0: Math.max(0, Math.round(date.x0 - 3.2 * h)),
    y0: Math.max(0, Math.round(date.y0 - 0.8 * h)),
    x1: Math.min(width, Math.round(date.x0 + 0.3 * h)),
    y1: Math.min(height, Math.round(date.y1 + 0.1 * h)),
  };
  const comps = components(mask, width, height, rect).filter((c) => {
    const ch = c.y1 - c.y0;
    return ch >= 0.15 * h && ch <= 0.7 * h && c.area >= 3;
  });
  const near = findRows(comps, { minHeight: Math.max(4, Math.round(0.15 * h)) })
    .filter((r) => r.x1 <= date.x0 + 0.6 * h && r.y1 >= date.y0 - 0.8 * h && r.y0 <= date.y1)
    .sort((a, b) => a.y0 - b.y0);
  const words: string[] = [];
  for (const r of near) {
    const read = classifyLine(rowInputs(mask, width, r), LABEL_CHARS);
    let text = '';
    let w = 0;
    read.glyphs.forEach((g, i) => {
      const gw = r.glyphs[i]!.word;
      if (gw !== w) {
        text += ' ';
        w = gw;
      }
      text += g.char;
    });
    for (const t of text.split(' ')) {
      const c = canonicalLabel(t);
      if (c) words.push(c);
    }
  }
  return words.join(' ');
}
