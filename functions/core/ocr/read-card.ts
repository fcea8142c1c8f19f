/**
 * Reads the printed fields of a normalised card with the glyph classifier: finds the rows
 * of characters, picks the number row (13–19 evenly pitched digits that fit the card
 * typefaces), the date rows beneath it and the name row, and decodes each with the
 * character set that suits it. Output is plain text lines with roles and confidences for
 * extract.ts, which applies the field checks. Raw text: never log it.
 */
import type { TextLine } from '../extract/text.js';
import { classifyLine, type LineRead } from './glyph-classifier.js';
import type { Gray } from './glyphs.js';
import { findRows, groupDigits, inkComponents, rowInputs, type TextRow } from './text-rows.js';

const DIGITS = '0123456789';
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
/** Mean template distance above which a row is not card print in a known typeface. */
const MAX_ROW_DISTANCE = 0.07;

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
  readonly dates: RowReading[];
  readonly name: RowReading | null;
  /** Lines for extract.ts. */
  readonly lines: TextLine[];
}

export interface ReadCardOptions {
  /** Binarisation offset in grey levels (a second hypothesis uses a different one). */
  offset?: number;
}

function decode(mask: Uint8Array, width: number, row: TextRow, charset: string, groups?: readonly number[] | null): RowReading {
  const read = classifyLine(rowInputs(mask, width, row), charset);
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

/** Reads the number, date and name rows of an upright normalised card (text dark on light). */
export function readCardGlyphs(card: Gray, options: ReadCardOptions = {}): CardReading {
  const { mask, comps } = inkComponents(card, options.offset === undefined ? {} : { offset: options.offset });
  const rows = findRows(comps);
  const W = card.width;

  // The number: the best-fitting row of 13–19 digit-sized glyphs.
  let number: RowReading | null = null;
  for (const row of rows) {
    const n = row.glyphs.length;
    if (n < 13 || n > 19 || row.height < card.height * 0.045) continue;
    const r = decode(mask, W, row, DIGITS, groupDigits(row.glyphs, row.height));
    if (r.read.meanDistance > MAX_ROW_DISTANCE) continue;
    if (!number || r.read.meanDistance < number.read.meanDistance) number = r;
  }

  // Dates and the name sit below the number (or anywhere when no number was found).
  const below = rows.filter((r) => r !== number?.row && (!number || r.y0 > number.row.y0 + number.row.height * 0.5));
  const dates: RowReading[] = [];
  let name: RowReading | null = null;
  for (const row of below) {
    const n = row.glyphs.length;
    if (n < 4 || row.height < card.height * 0.03) continue;
    const asDate = decode(mask, W, row, DIGITS + '/');
    if (asDate.read.meanDistance <= MAX_ROW_DISTANCE && /\d\d?\/\d\d/.test(asDate.text)) {
      dates.push(asDate);
      continue;
    }
    if (n > 26) continue;
    const asName = decode(mask, W, row, LETTERS);
    if (asName.read.meanDistance > MAX_ROW_DISTANCE) continue;
    // The lowest well-fitting letter row is the name (the bank name sits at the top).
    if (!name || row.y0 > name.row.y0) name = asName;
  }

  const lines: TextLine[] = [];
  if (number) lines.push({ text: number.text, confidence: number.minConfidence, role: 'number' });
  for (const d of dates) lines.push({ text: d.text, confidence: d.minConfidence, role: 'expiry' });
  if (name) lines.push({ text: name.text, confidence: name.minConfidence, role: 'name' });
  return { number, dates, name, lines };
}
