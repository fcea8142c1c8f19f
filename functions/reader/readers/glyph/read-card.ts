/**
 * Reads the printed fields of a normalised card with the glyph classifier: finds the rows
 * of characters, picks the number row (13–19 evenly pitched digits that fit the card
 * typefaces), the date rows beneath it and the name row, and decodes each with the
 * character set that suits it. Output is plain text lines with roles and confidences for
 * extract.ts, which applies the field checks. Raw text: never log it.
 */
import type { TextLine } from '../../extract/text.js';
import { classifyLine, type LineRead } from './glyph-classifier.js';
import { glyphFeature, type Box, type Gray } from './glyphs.js';
import { readDates, readLabel, type DateReading } from './read-dates.js';
import { findRows, groupDigits, inkComponents, rowInputs, type RowGlyph, type TextRow } from './text-rows.js';

const DIGITS = '0123456789';
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
/** Mean template distance above which a row is not card print in a known typeface. */
const MAX_ROW_DISTANCE = 0.07;
/** Lowest glyph confidence for a name read by the glyph reader alone. */
export const NAME_MIN_CONFIDENCE = 0.3;
/**
 * Looser limit for the number row: blurred or low-quality photos fit the templates less well,
 * and the number has its own strong checks (Luhn, IIN, length, grouping) downstream.
 */
const MAX_NUMBER_DISTANCE = 0.11;

/** One decoded row. */
export interface RowReading {
  readonly row: TextRow;
  readonly read: LineRead;
  /** Characters with spaces between words. */
  readonly text: string;
  /** Lowest glyph confidence in the row. */
  readonly minConfidence: number;
}

/** Everything read from one card. */
export interface CardReading {
  readonly number: RowReading | null;
  readonly dates: DateReading[];
  readonly name: RowReading | null;
  /** Lines for extract.ts. */
  readonly lines: TextLine[];
}

export interface ReadCardOptions {
  /** Binarisation offset in grey levels (a second hypothesis uses a different one). */
  offset?: number;
}

function decode(mask: Uint8Array, width: number, row: TextRow, charset: string, groups?: readonly number[] | null, font?: number): RowReading {
  const read = classifyLine(rowInputs(mask, width, row), charset, font);
  if (groups) {
    // Number rows: words from the fitted grouping rather than from gaps.
    let i = 0;
    groups.forEach((g, w) => {
      for (let k = 0; k < g; k++) row.glyphs[i++]!.word = w;
    });
  }
  let text = '';
  let word = 0;
  read.glyphs.forEach((g, i) => {
    const w = row.glyphs[i]!.word;
    if (w !== word) {
      text += ' ';
      word = w;
    }
    text += g.char;
  });
  const minConfidence = read.glyphs.length > 0 ? Math.min(...read.glyphs.map((g) => g.confidence)) : 0;
  return { row, read, text, minConfidence };
}

/** Tight box of the ink inside `box`. */
function tighten(mask: Uint8Array, width: number, box: Box): Box | null {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (let y = box.y0; y < box.y1; y++) {
    for (let x = box.x0; x < box.x1; x++) {
      if (!mask[y * width + x]) continue;
      if (x < x0) x0 = x;
      if (y < y0) y0 = y;
      if (x + 1 > x1) x1 = x + 1;
      if (y + 1 > y1) y1 = y + 1;
    }
  }
  return Number.isFinite(x0) ? { x0, y0, x1, y1 } : null;
}

/**
 * Splits glyphs that are two touching letters (kerned pairs such as `KA`, or print that ran
 * together): a glyph much wider than the row's typical glyph is cut at its thinnest column
 * when both halves fit the templates better than the whole.
 */
function splitTouching(mask: Uint8Array, width: number, row: TextRow, charset: string, font?: number): TextRow {
  const widths = row.glyphs.map((g) => g.x1 - g.x0).sort((a, b) => a - b);
  const typical = widths[Math.floor(widths.length / 2)] ?? 0;
  if (typical <= 0) return row;
  const out: RowGlyph[] = [];
  let changed = false;
  for (const g of row.glyphs) {
    const w = g.x1 - g.x0;
    if (w < 1.45 * typical) {
      out.push(g);
      continue;
    }
    // Thinnest column in the middle part of the glyph.
    let cut = -1;
    let least = Infinity;
    for (let x = g.x0 + Math.round(0.3 * w); x <= g.x0 + Math.round(0.7 * w); x++) {
      let ink = 0;
      for (let y = g.y0; y < g.y1; y++) ink += mask[y * width + x]!;
      if (ink < least) {
        least = ink;
        cut = x;
      }
    }
    const a = tighten(mask, width, { x0: g.x0, y0: g.y0, x1: cut, y1: g.y1 });
    const b = tighten(mask, width, { x0: cut + 1, y0: g.y0, x1: g.x1, y1: g.y1 });
    if (!a || !b) {
      out.push(g);
      continue;
    }
    const whole = classifyLine([{ feature: glyphFeature(mask, width, g), aspect: w / Math.max(1, g.y1 - g.y0) }], charset, font);
    const halves = classifyLine(
      [a, b].map((h) => ({ feature: glyphFeature(mask, width, h), aspect: (h.x1 - h.x0) / Math.max(1, h.y1 - h.y0) })),
      charset,
      font,
    );
    if (halves.meanDistance < whole.meanDistance * 0.8) {
      out.push({ ...a, word: g.word }, { ...b, word: g.word });
      changed = true;
    } else out.push(g);
  }
  return changed ? { ...row, glyphs: out } : row;
}

/** Reads the number, date and name rows of an upright normalised card (text dark on light). */
export function readCardGlyphs(card: Gray, options: ReadCardOptions = {}): CardReading {
  const { mask, comps } = inkComponents(card, options.offset === undefined ? {} : { offset: options.offset });
  const rows = findRows(comps);
  const W = card.width;

  // The number: the best-fitting row of 13–19 digit-sized glyphs.
  let number: RowReading | null = null;
  for (const found of rows) {
    if (found.glyphs.length < 10 || found.glyphs.length > 19 || found.height < card.height * 0.03) continue;
    // Blur and emboss shadows can join neighbouring digits: split them first.
    // Repeated, since three touching digits split one at a time.
    let row = found;
    for (let pass = 0; pass < 2 && row.glyphs.length < 19; pass++) {
      const split = splitTouching(mask, W, row, DIGITS);
      if (split === row) break;
      row = split;
    }
    const n = row.glyphs.length;
    if (n < 13 || n > 19) continue;
    const r = decode(mask, W, row, DIGITS, groupDigits(row.glyphs, row.height));
    if (r.read.meanDistance > MAX_NUMBER_DISTANCE) continue;
    if (!number || r.read.meanDistance < number.read.meanDistance) number = r;
  }

  // Dates and the name sit below the number (or anywhere when no number was found).
  const below = rows.filter((r) => r !== number?.row && (!number || r.y0 > number.row.y0 + number.row.height * 0.5));
  const dates: DateReading[] = [];
  let name: RowReading | null = null;
  for (const row of below) {
    const n = row.glyphs.length;
    if (n < 3 || row.height < card.height * 0.03) continue;
    let found = readDates(mask, W, row, number?.read.fontIndex);
    if (found.length === 0 && n <= 5) {
      // An embossed `/` can touch a digit (`2/` as one glyph), hiding the date's anchor.
      const split = splitTouching(mask, W, row, DIGITS + '/', number?.read.fontIndex);
      if (split !== row) found = readDates(mask, W, split, number?.read.fontIndex);
    }
    if (found.length > 0) {
      for (const d of found) dates.push({ ...d, label: readLabel(mask, W, card.height, d.box) });
      continue;
    }
    if (n < 4 || n > 26) continue;
    const font = number?.read.fontIndex;
    const asName = decode(mask, W, splitTouching(mask, W, row, LETTERS, font), LETTERS, null, font);
    if (asName.read.meanDistance > MAX_ROW_DISTANCE) continue;
    // The lowest well-fitting letter row is the name (the bank name sits at the top).
    if (!name || row.y0 > name.row.y0) name = asName;
  }
  // Reading order: top to bottom by band, then left to right (a start date precedes the expiry).
  dates.sort((a, b) => (Math.abs(a.box.y0 - b.box.y0) < (a.box.y1 - a.box.y0) / 2 ? a.box.x0 - b.box.x0 : a.box.y0 - b.box.y0));
  // A name row must not sit above the dates.
  if (name && dates.length > 0 && name.row.y1 < Math.min(...dates.map((d) => d.box.y0))) name = null;

  const lines: TextLine[] = [];
  if (number) lines.push({ text: number.text, confidence: number.minConfidence, role: 'number' });
  for (const d of dates) lines.push({ text: `${d.label} ${d.text}`.trim(), confidence: d.confidence, role: 'expiry' });
  // A name with a doubtful letter is left to the Tesseract cross-check (see reader.ts).
  if (name && name.minConfidence >= NAME_MIN_CONFIDENCE) lines.push({ text: name.text, confidence: name.minConfidence, role: 'name' });
  return { number, dates, name, lines };
}
