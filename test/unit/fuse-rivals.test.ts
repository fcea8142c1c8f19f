/**
 * Review 4: the two-digits-apart exception of fusePan (fuse.ts `outweighs`) must not let one
 * reader's sure two-digit misread that passes Luhn be reported over a sure disagreement.
 * Numbers are made up: TRUTH is Luhn-valid; MISREAD is TRUTH with digits 6 and 9 changed and still
 * passes Luhn; RIVAL is TRUTH with digit 9 changed (fails Luhn), two digits apart from MISREAD.
 */
import { describe, expect, it } from 'vitest';
import { fusePan, reading, type PanReading } from '../../functions/reader/fuse.js';

const TRUTH = '4539148803436467';
const MISREAD = '4539146807436467';
const RIVAL = '4539148808436467';

const read = (digits: string, source: string, confidence: number, disputed: number): PanReading => {
  const x = reading(digits, [4, 4, 4, 4], source, confidence);
  if (!x) throw new Error('test number does not pass IIN/length');
  return { ...x, digitConfidences: Array.from(digits, (_, i) => (i === 6 || i === 9 ? disputed : 0.99)) };
};

/** Fuses the readings and expects nothing reported, as a conflict. */
const expectConflict = (readings: readonly PanReading[]): void => {
  const f = fusePan(readings);
  expect(f.pan).toBeNull();
  expect(f.reason).toBe('conflicting_readings');
};

describe('review 4: a Luhn-failing rival two digits apart, read surely', () => {
  it('the numbers are what the test says', () => {
    expect(reading(TRUTH, [4, 4, 4, 4], 'x', 1)!.luhnValid).toBe(true);
    expect(reading(MISREAD, [4, 4, 4, 4], 'x', 1)!.luhnValid).toBe(true);
    expect(reading(RIVAL, [4, 4, 4, 4], 'x', 1)!.luhnValid).toBe(false);
  });

  it('two readers each sure of their own number on two detections: nothing is reported', () => {
    // PP-OCR sure and wrong on two digits (on both detector scales); the card-line CRNN right at
    // one of them and sure of both, on two detections as well. Confidences of two models are not
    // on one scale: 0.99 against 0.97 says nothing about which is right.
    expectConflict([
      read(MISREAD, 'ppocr-rec@frame', 0.97, 0.99),
      read(MISREAD, 'ppocr-rec@frame/det1280', 0.97, 0.99),
      read(RIVAL, 'crnn@frame/line', 0.97, 0.97),
      read(RIVAL, 'crnn@frame/det1280/line', 0.97, 0.97),
    ]);
  });

  it('the rival read by the top\'s own reader on another detection too: nothing is reported', () => {
    // PP-OCR itself read the rival's digits on the number close-up; outweighs() weighs only the
    // CRNN's confidences against the top, never this reading.
    expectConflict([
      read(MISREAD, 'ppocr-rec@frame', 0.97, 0.99),
      read(MISREAD, 'ppocr-rec@frame/det1280', 0.97, 0.99),
      read(RIVAL, 'ppocr-rec@frame-number', 0.97, 0.99),
      read(RIVAL, 'crnn@frame/line', 0.96, 0.96),
    ]);
  });
});
