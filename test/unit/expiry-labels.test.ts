/**
 * Review 4: the slash-read-as-1 rule (extract/expiry.ts slashReadAsCharacter) must respect the
 * label beside the date as the normal date path does: a VALID FROM date is never the expiry.
 */
import { describe, expect, it } from 'vitest';
import { extractExpiry, type LineBox, type TextLine } from '../../functions/reader/extract/index.js';

const NOW = new Date('2026-11-27T12:00:00Z');
const box = (left: number, top: number, width: number, height: number): LineBox => ({ left, top, width, height });
const learned = (text: string, b: LineBox, c: number[] | number = 0.98): TextLine => ({
  text, confidence: 0.95, box: b, source: 'ppocr', charConfidences: Array.isArray(c) ? c : Array.from(text, () => c),
});
const pan = { panBox: box(108, 354, 769, 53) };
const date = box(426, 455, 141, 38);
const label = box(230, 460, 180, 30); // on the date's row, just left of it

describe('review 4: a slash read as 1 under a FROM label', () => {
  it('the normal path: VALID FROM 11/25 alone is no expiry', () => {
    expect(extractExpiry([learned('VALID FROM', label), learned('11/25', date)], NOW, pan)).toMatchObject({ expiry: null, reason: 'only_valid_from' });
  });
  it('the same date with its slash read as a doubted 1 is no expiry either', () => {
    const r = extractExpiry([learned('VALID FROM', label), learned('11125', date, [1, 1, 0.63, 1, 1])], NOW, pan);
    expect(r.expiry).toBeNull();
  });
  it('nor under MEMBER SINCE', () => {
    const r = extractExpiry([learned('MEMBER SINCE', label), learned('09119', date, [1, 1, 0.6, 1, 1])], NOW, pan);
    expect(r.expiry).toBeNull();
  });
});

describe('review 4: a labelled date beside the card (placeOf "beside")', () => {
  it('a labelled date on another card or a note right of this one does not replace the card\'s own', () => {
    // The card's VALID THRU under its number; another object's VALID THRU 12/31 off the number's
    // columns but not `far` (centre within 1.5 × (number width + height)).
    const own = learned('VALID THRU 05/29', box(426, 455, 260, 38));
    const other = learned('VALID THRU 12/31', box(1100, 455, 260, 38));
    const r = extractExpiry([own, other], NOW, pan);
    expect(r.expiry === '05/29' || r.expiry === null).toBe(true);
  });
});
