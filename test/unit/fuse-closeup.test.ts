/**
 * A close-up of the number line (`<view>-number`: the number line's box cut from the photo by
 * that view's own reading and detected again) shares its parent view's detection of the line,
 * so one reader on a view and on its close-up is one reading, not two. Numbers are made up
 * (Luhn-valid) or specimen-like (Luhn-failing).
 */
import { describe, expect, it } from 'vitest';
import { detectionOf, fusePan, independentReadings, needsMoreReadings, reading, type PanReading } from '../../functions/reader/fuse.js';

const VALID = '4539148803436467'; // made up, passes Luhn
const FAILING = '4000123456789010'; // specimen-like, fails Luhn
const r = (digits: string, source: string, confidence = 0.95): PanReading => {
  const x = reading(digits, [4, 4, 4, 4], source, confidence);
  if (!x) throw new Error(`test number ${digits} does not pass IIN/length`);
  return x;
};

describe('fusePan: a number-line close-up counts with its parent view', () => {
  it('detectionOf maps a close-up (and its crops) to the parent view, and keeps other views apart', () => {
    expect(detectionOf('ppocr-rec-v4@frame-number/pad')).toBe('ppocr-rec-v4@frame');
    expect(detectionOf('ppocr-rec-v4@frame-number')).toBe('ppocr-rec-v4@frame');
    expect(detectionOf('card-crnn-v1@card-number/line')).toBe('card-crnn-v1@card');
    expect(detectionOf('ppocr-rec-v4@frame-level-number/tight')).toBe('ppocr-rec-v4@frame-level');
    expect(detectionOf('ppocr-rec-v4@frame/det1280')).toBe('ppocr-rec-v4@frame/det1280');
    expect(detectionOf('ppocr-rec-v4@frame-level')).toBe('ppocr-rec-v4@frame-level');
    expect(detectionOf('ppocr-rec-v4@card/row')).toBe('ppocr-rec-v4@card/row');
  });

  it('one reader on a view and on its close-up is one reading: not reported, more readings wanted', () => {
    // The tuning-set misread (embossed-83001): agreed only by `@frame/pad` and `@frame-number/pad`.
    const f = fusePan([r(VALID, 'ppocr-rec-v4@frame/pad'), r(VALID, 'ppocr-rec-v4@frame-number/pad')]);
    expect(f.pan).toBeNull();
    expect(f.reason).toBe('single_reading');
    expect(f.candidates[0]!.verdict).toBe('single_reading');
    expect(needsMoreReadings(f)).toBe(true);
    const crnn = fusePan([r(VALID, 'card-crnn-v1@card/line'), r(VALID, 'card-crnn-v1@card-number/line')]);
    expect(crnn.pan).toBeNull();
  });

  it('a close-up and another detection or another reader still agree', () => {
    expect(fusePan([r(VALID, 'ppocr-rec-v4@frame'), r(VALID, 'ppocr-rec-v4@frame-number'), r(VALID, 'ppocr-rec-v4@frame/det1280')]).pan).toBe(VALID);
    expect(fusePan([r(VALID, 'ppocr-rec-v4@card-number'), r(VALID, 'ppocr-rec-v4@frame')]).pan).toBe(VALID);
    expect(fusePan([r(VALID, 'ppocr-rec-v4@frame'), r(VALID, 'card-crnn-v1@frame-number/line')]).pan).toBe(VALID);
  });

  it('a Luhn-failing number read on a view and its close-up only is not panUnverified', () => {
    // Nothing checks a Luhn-failing number: its two readings must be two detections, not a view and its close-up.
    const f = fusePan([r(FAILING, 'ppocr-rec-v4@card'), r(FAILING, 'ppocr-rec-v4@card-number')]);
    expect(f.panUnverified).toBeNull();
    expect(f.reason).toBe('single_reading');
    expect(needsMoreReadings(f)).toBe(true);
    expect(fusePan([r(FAILING, 'ppocr-rec-v4@card'), r(FAILING, 'ppocr-rec-v4@card/det1280')]).panUnverified).toBe(FAILING);
  });

  it('two close-ups of one view\'s number line, cut with two detections\' boxes, are one reading', () => {
    // The frame read the number on neither pass; a close-up was cut from each pass's box of the
    // line (near the same pixels): one reader agreeing with itself on them is no second reading.
    const closeUps = ['ppocr-rec-v4@frame-number', 'ppocr-rec-v4@frame-number/pad', 'ppocr-rec-v4@frame-number/det1280', 'ppocr-rec-v4@frame-number/det1280/tight'];
    const f = fusePan(closeUps.map((s) => r(VALID, s)));
    expect(f.pan).toBeNull();
    expect(f.reason).toBe('single_reading');
    expect(needsMoreReadings(f)).toBe(true);
    expect(fusePan(closeUps.map((s) => r(FAILING, s))).panUnverified).toBeNull();
    // Either close-up with another detection of the whole view, or another reader, still agrees.
    expect(fusePan([r(VALID, 'ppocr-rec-v4@frame-number/det1280'), r(VALID, 'ppocr-rec-v4@frame')]).pan).toBe(VALID);
    expect(fusePan([r(VALID, 'ppocr-rec-v4@frame-number'), r(VALID, 'card-crnn-v1@frame-number/det1280/line')]).pan).toBe(VALID);
    // Close-ups of two views (a card view and the frame) are cut from different views' boxes.
    expect(independentReadings(['ppocr-rec-v4@card-number', 'ppocr-rec-v4@frame-number/det1280'])).toBe(true);
    expect(independentReadings(['ppocr-rec-v4@frame-level-number', 'ppocr-rec-v4@frame-level-number/det1280/pad'])).toBe(false);
  });
});
