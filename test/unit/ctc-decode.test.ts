/**
 * Word gaps restored by the CTC decoder (ctc-decode.ts): a space the argmax dropped between two
 * letters comes back when the blank frames between them show it, and never inside a word or
 * between digits.
 */
import { describe, expect, it } from 'vitest';
import { ctcGreedyDecode, WORD_GAP_SPACE_P, WORD_GAP_WEAK_SPACE_P } from '../../functions/adapters/ocr/ppocr/ctc-decode.js';

// Classes: blank, letters A B C, digits 1 2, space.
const table = ['', 'A', 'B', 'C', '1', '2', ' '];
const K = table.length;
const SPACE = 6;

/** Builds frames from a pattern: a letter/digit = that class at 0.9; `_` = blank; `_3`..`_9` = blank with space at 0.3 etc. */
function frames(pattern: Array<string | [string, number]>): { p: Float32Array; n: number } {
  const rows: number[][] = [];
  for (const step of pattern) {
    const row = new Array<number>(K).fill(0);
    if (Array.isArray(step)) {
      // A blank frame whose runner-up is the space class at the given probability.
      row[0] = 1 - step[1];
      row[SPACE] = step[1];
    } else if (step === '_') row[0] = 0.95;
    else {
      row[table.indexOf(step)] = 0.9;
      row[0] = 0.1;
    }
    rows.push(row);
  }
  return { p: new Float32Array(rows.flat()), n: rows.length };
}

const decode = (pattern: Array<string | [string, number]>, allowed?: Uint8Array) => {
  const { p, n } = frames(pattern);
  return ctcGreedyDecode(p, 0, n, K, table, allowed);
};
const blanks = (n: number): string[] => new Array<string>(n).fill('_');
const gap = (n: number, p: number): Array<[string, number]> => new Array(n).fill(0).map(() => ['_', p] as [string, number]);

describe('ctcGreedyDecode word gaps', () => {
  it('restores a dropped space between letters where the blank frames favour the space class', () => {
    const r = decode(['A', ...blanks(3), 'B', ...blanks(3), 'C', ...gap(4, WORD_GAP_SPACE_P + 0.1), 'A', ...blanks(3), 'B']);
    expect(r.text).toBe('ABC AB');
    expect(r.charConfidences).toHaveLength(r.text.length);
    // The restored gap is as sure as its letters: it does not lower the line's mean.
    expect(r.charConfidences[3]).toBeCloseTo(0.9, 5);
  });

  it('keeps a word whole when the space class is only faintly there, or the gap is short', () => {
    expect(decode(['A', ...blanks(3), 'B', ...gap(4, 0.02), 'C', ...blanks(3), 'A']).text).toBe('ABCA');
    // A strong space peak in a gap shorter than the line's usual letter gap is not a word gap.
    expect(decode(['A', ...blanks(4), 'B', ...blanks(4), 'C', ...gap(2, 0.5), 'A', ...blanks(4), 'B']).text).toBe('ABCAB');
  });

  it('takes a weaker space peak only over a long blank run', () => {
    const weak = WORD_GAP_WEAK_SPACE_P + 0.02;
    expect(decode(['A', ...blanks(3), 'B', ...blanks(3), 'C', ...gap(6, weak), 'A', ...blanks(3), 'B']).text).toBe('ABC AB');
    expect(decode(['A', ...blanks(3), 'B', ...blanks(3), 'C', ...gap(4, weak), 'A', ...blanks(3), 'B']).text).toBe('ABCAB');
  });

  it('never splits digits (a card number keeps its printed grouping) nor letters from digits', () => {
    expect(decode(['1', ...blanks(2), '2', ...gap(6, 0.5), '1', ...blanks(2), '2']).text).toBe('1212');
    expect(decode(['A', ...blanks(2), 'B', ...gap(6, 0.5), '1', ...blanks(2), '2']).text).toBe('AB12');
  });

  it('keeps a space the model emitted, and restores none when the space class is not allowed', () => {
    expect(decode(['A', ...blanks(2), 'B', '_', ' ', '_', 'C', ...blanks(2), 'A']).text).toBe('AB CA');
    const noSpace = new Uint8Array([0, 1, 1, 1, 1, 1, 0]);
    expect(decode(['A', ...blanks(3), 'B', ...blanks(3), 'C', ...gap(6, 0.4), 'A', ...blanks(3), 'B'], noSpace).text).toBe('ABCAB');
  });
});
