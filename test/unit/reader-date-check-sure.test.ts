/**
 * A checking reading (the card-line CRNN re-reading a doubted date's own boxes) confirms the
 * doubted date only when it read each digit surely, with a separator that is no digit (review
 * 7a B3: PP-OCR's `06729` with the 6 at 0.69, the CRNN's `06/29` with it at 0.55 — a printed
 * 08/29 was reported as 06/29).
 */
import { describe, expect, it } from 'vitest';
import { fuseField } from '../../functions/reader/fuse.js';
import { DATE_CHECK_SURE_DIGIT, readsDateSurely } from '../../functions/reader/reader.js';
import type { ReadLine } from '../../functions/reader/readers/learned.js';

const line = (text: string, charConfidences: number[]): ReadLine => ({
  text,
  confidence: charConfidences.reduce((a, b) => a + b, 0) / charConfidences.length,
  charConfidences,
  quads: [],
  across: 0,
  along: 0,
  extent: 100,
  height: 20,
  source: 'card-crnn-v1@card/line',
});

describe('readsDateSurely', () => {
  it('needs each of the four digits sure and a non-digit separator', () => {
    expect(readsDateSurely({ lines: [line('06/29', [0.97, 0.95, 0.96, 0.99, 0.99])] }, '06/29')).toBe(true);
    expect(readsDateSurely({ lines: [line('THRU 06/2029', [0.9, 0.9, 0.9, 0.9, 0.3, 0.97, 0.95, 0.5, 0.99, 0.99, 0.99, 0.99])] }, '06/29')).toBe(true);
    // The digit PP-OCR doubted, doubted again by the check.
    expect(readsDateSurely({ lines: [line('06/29', [0.97, 0.55, 0.96, 0.99, 0.99])] }, '06/29')).toBe(false);
    expect(readsDateSurely({ lines: [line('06/29', [0.97, 0.99, 0.96, 0.99, DATE_CHECK_SURE_DIGIT - 0.01])] }, '06/29')).toBe(false);
    // The slash read as a digit, or not this date at all.
    expect(readsDateSurely({ lines: [line('06729', [0.99, 0.99, 0.99, 0.99, 0.99])] }, '06/29')).toBe(false);
    expect(readsDateSurely({ lines: [line('106/29', [0.99, 0.99, 0.99, 0.99, 0.99, 0.99])] }, '06/29')).toBe(false);
    expect(readsDateSurely({ lines: [line('O6/29', [0.99, 0.99, 0.99, 0.99, 0.99])] }, '06/29')).toBe(false);
  });
});

describe('fuseField: a checking reading confirms a doubted date only when sure', () => {
  const doubted = { source: 'ppocr-rec-v4@card', value: null, missing: 'unreadable', tentative: '06/29' };
  const check = (sure?: boolean) => ({ source: 'card-crnn-v1@card/line', value: '06/29', confidence: 0.9, check: true, ...(sure === undefined ? {} : { sure }) });

  it('an unsure check confirms nothing; a sure one does', () => {
    expect(fuseField([doubted, check(false)]).value).toBeNull();
    expect(fuseField([doubted, check(true)]).value).toBe('06/29');
    // Unjudged (names weigh their letters before fusion): as before.
    expect(fuseField([doubted, check()]).value).toBe('06/29');
  });
});
