/**
 * fusePan's outvoted misread: a lone valid reading a few digits off a number two different
 * readers agree on is that reader's misread of the same print, not a conflict; anything more
 * (a rival read on two detections, one far from the number, an agreement of one reader only)
 * still conflicts, and so does any rival that is itself sure, or against readers that doubted the
 * digits it reads otherwise (review 6a B1). Numbers are made up: TRUTH and MISREAD both pass Luhn and differ in digits 6
 * and 9; OTHER passes Luhn and differs from TRUTH almost everywhere (another card's number).
 */
import { describe, expect, it } from 'vitest';
import { fusePan, needsMoreReadings, reading, type PanReading } from '../../functions/reader/fuse.js';

const TRUTH = '4539148803436467';
const MISREAD = '4539146807436467';
const OTHER = '4916338506082832';

const r = (digits: string, source: string, confidence = 0.95): PanReading => {
  const x = reading(digits, [4, 4, 4, 4], source, confidence);
  if (!x) throw new Error(`test number ${digits} does not pass IIN/length`);
  return x;
};
/** A reading with per-digit confidences: `disputed` on digits 6 and 9 (where TRUTH and MISREAD differ), 0.99 elsewhere. */
const dr = (digits: string, source: string, disputed: number, confidence = 0.95): PanReading => ({
  ...r(digits, source, confidence),
  digitConfidences: Array.from(digits, (_, i) => (i === 6 || i === 9 ? disputed : 0.99)),
});

describe('fusePan: a lone valid misread outvoted by two readers', () => {
  it('the numbers are what the test says', () => {
    for (const d of [TRUTH, MISREAD, OTHER]) expect(r(d, 'x').luhnValid).toBe(true);
    const apart = (a: string, b: string) => [...a].filter((c, i) => c !== b[i]).length;
    expect(apart(TRUTH, MISREAD)).toBe(2);
    expect(apart(TRUTH, OTHER)).toBeGreaterThan(10);
  });

  it('two readers agree, a third reads two digits otherwise once: the agreed number is reported', () => {
    // The glyph templates' lone misread of an embossed number PP-OCR and the card-line CRNN agree on.
    // (embossed-95001 #020: both at >= 0.999 on the disputed digits, a joined row without digit confidences beside them)
    const f = fusePan([dr(TRUTH, 'ppocr-rec-v4@card', 0.999), dr(TRUTH, 'card-crnn-v1@card/line', 0.999), r(TRUTH, 'ppocr-rec-v4@card/row', 0.94), r(MISREAD, 'glyph@card', 0.12)]);
    expect(f.pan).toBe(TRUTH);
    expect(f.candidates.find((c) => c.digits === MISREAD)?.verdict).toBe('single_reading');
  });

  it('review 6a B1: a sure lone reading against a pair of one box that doubted the disputed digits conflicts', () => {
    // The roles swapped: the doubted pair read MISREAD, PP-OCR on another detector scale is sure of TRUTH.
    const f = fusePan([dr(MISREAD, 'ppocr-rec-v4@frame', 0.5, 0.5), dr(MISREAD, 'card-crnn-v1@frame/line', 0.5, 0.5), dr(TRUTH, 'ppocr-rec-v4@frame/det1280', 0.99, 0.99)]);
    expect(f.pan).toBeNull();
    expect(f.reason).toBe('conflicting_readings');
    // The same, TRUTH read by PP-OCR on the levelled frame and its crops.
    const level = fusePan([
      dr(MISREAD, 'ppocr-rec-v4@frame', 0.5, 0.5),
      dr(MISREAD, 'card-crnn-v1@frame/line', 0.5, 0.5),
      ...['', '/pad', '/tight'].map((c) => dr(TRUTH, `ppocr-rec-v4@frame-level${c}`, 0.99, 0.99)),
    ]);
    expect(level.pan).toBeNull();
    // The glyph templates and PP-OCR doubted, the CRNN sure of the other number.
    const glyph = fusePan([r(MISREAD, 'glyph@card', 0.5), dr(MISREAD, 'ppocr-rec-v4@card', 0.5, 0.5), dr(TRUTH, 'card-crnn-v1@card/line', 0.99, 0.99)]);
    expect(glyph.pan).toBeNull();
  });

  it('a weak rival is not outvoted by readers that doubted a disputed digit (one of them is enough)', () => {
    const base = [dr(TRUTH, 'ppocr-rec-v4@card', 0.999), r(MISREAD, 'glyph@card', 0.12)];
    expect(fusePan([...base, dr(TRUTH, 'card-crnn-v1@card/line', 0.999)]).pan).toBe(TRUTH);
    const f = fusePan([...base, dr(TRUTH, 'card-crnn-v1@card/line', 0.7)]);
    expect(f.pan).toBeNull();
    expect(f.reason).toBe('conflicting_readings');
    // Readers without digit confidences are no sure reader: one sure reader and a joined row is not two.
    expect(fusePan([...base, r(TRUTH, 'card-crnn-v1@card/row', 0.999)]).pan).toBeNull();
  });

  it('a sure rival is not outvoted, though the two readers were sure too', () => {
    const base = [dr(TRUTH, 'ppocr-rec-v4@card', 0.999), dr(TRUTH, 'card-crnn-v1@card/line', 0.999)];
    expect(fusePan([...base, r(MISREAD, 'glyph@card', 0.97)]).pan).toBeNull();
    // Sure line, doubted digit: weak.
    expect(fusePan([...base, dr(MISREAD, 'card-crnn-v1@card/pad', 0.6, 0.97)]).pan).toBe(TRUTH);
  });

  it('two readers of one crop turned half round supply no agreement to outvote a rival (review 6a on f21ee33)', () => {
    const turned = [dr(TRUTH, 'ppocr-rec-v4@frame/turned', 0.999), dr(TRUTH, 'card-crnn-v1@frame/turned', 0.999)];
    const f = fusePan([...turned, r(MISREAD, 'glyph@card', 0.12)]);
    expect(f.pan).toBeNull();
    expect(f.reason).toBe('conflicting_readings');
    // An upright reading by another reader with the turned one is still one sure reader upright.
    expect(fusePan([turned[0]!, dr(TRUTH, 'card-crnn-v1@frame/line', 0.999), r(MISREAD, 'glyph@card', 0.12)]).pan).toBeNull();
    expect(fusePan([...turned, dr(TRUTH, 'ppocr-rec-v4@frame', 0.999), dr(TRUTH, 'card-crnn-v1@frame/line', 0.999), r(MISREAD, 'glyph@card', 0.12)]).pan).toBe(TRUTH);
  });

  it('the misread by one of the agreeing readers on another crop of the same box is outvoted too', () => {
    const f = fusePan([
      dr(TRUTH, 'ppocr-rec-v4@frame', 0.99),
      dr(TRUTH, 'ppocr-rec-v4@frame/tight', 0.99),
      dr(TRUTH, 'card-crnn-v1@frame/tight', 0.99),
      dr(MISREAD, 'card-crnn-v1@frame/line', 0.6),
    ]);
    expect(f.pan).toBe(TRUTH);
  });

  it('the misread by one of the agreeing readers on another detection conflicts: that reader read the print two ways', () => {
    const f = fusePan([dr(TRUTH, 'ppocr-rec-v4@frame', 0.99), dr(TRUTH, 'card-crnn-v1@frame/line', 0.99), dr(MISREAD, 'card-crnn-v1@frame/det1280/line', 0.6)]);
    expect(f.pan).toBeNull();
    expect(f.reason).toBe('conflicting_readings');
  });

  it('a lone misread read on more crops of its one box than the agreed number has sources still loses', () => {
    const f = fusePan([
      dr(TRUTH, 'ppocr-rec-v4@frame', 0.99),
      dr(TRUTH, 'card-crnn-v1@frame/line', 0.99),
      dr(MISREAD, 'card-crnn-v1@frame/pad', 0.6),
      dr(MISREAD, 'card-crnn-v1@frame/tight', 0.6),
      dr(MISREAD, 'card-crnn-v1@frame/turned', 0.6),
    ]);
    expect(f.pan).toBe(TRUTH);
  });

  it('one reader agreeing with itself on two detections does not outvote a lone rival', () => {
    const f = fusePan([r(TRUTH, 'ppocr-rec-v4@frame'), r(TRUTH, 'ppocr-rec-v4@frame/det1280'), r(MISREAD, 'glyph@card', 0.12)]);
    expect(f.pan).toBeNull();
    expect(f.reason).toBe('conflicting_readings');
  });

  it('one reader on two detections never outvotes the other reader, whichever of them is sure (review 7a B1)', () => {
    // One model's two detections of a card are often the same pixels (a view and its glyph row,
    // another detector scale, the levelled frame), and a sure misread repeats on each of them.
    const doubtedRival = (digits: string, source: string, line: number): PanReading => ({
      ...r(digits, source, line),
      digitConfidences: Array.from(digits, (_, i) => (i === 6 ? 0.59 : i === 9 ? 0.68 : 0.99)),
    });
    // PP-OCR sure of its misread on the card view and its row; the card-line CRNN read the print, unsure.
    const b = fusePan([dr(MISREAD, 'ppocr-rec-v4@card', 0.978, 0.97), r(MISREAD, 'ppocr-rec-v4@card/row', 0.89), doubtedRival(TRUTH, 'card-crnn-v1@card/line', 0.94)]);
    expect(b.pan).toBeNull();
    expect(b.reason).toBe('conflicting_readings');
    // The card-line CRNN sure on the frame and at the detector's other scale; PP-OCR unsure.
    const a = fusePan([dr(MISREAD, 'card-crnn-v1@frame/line', 0.97, 0.97), dr(MISREAD, 'card-crnn-v1@frame/det1280/line', 0.97, 0.97), doubtedRival(TRUTH, 'ppocr-rec-v4@frame', 0.93)]);
    expect(a.pan).toBeNull();
    // embossed-95001 #030's shape (PP-OCR sure on the frame and a joined row, the CRNN's lone doubted misread): a conflict too.
    const c = fusePan([dr(TRUTH, 'ppocr-rec-v4@frame', 0.995, 0.97), dr(TRUTH, 'ppocr-rec-v4@frame/tight', 0.96, 0.95), r(TRUTH, 'ppocr-rec-v4@frame/det1280', 0.89), doubtedRival(MISREAD, 'card-crnn-v1@frame/line', 0.904)]);
    expect(c.pan).toBeNull();
    // Not final: a reading by the other reader may still settle it.
    expect(needsMoreReadings(c)).toBe(true);
  });

  it('one reader does not outvote a rival sure of one disputed digit, nor without being sure itself, nor on one detection', () => {
    const top = [dr(TRUTH, 'ppocr-rec-v4@frame', 0.995, 0.97), r(TRUTH, 'ppocr-rec-v4@frame/det1280', 0.89)];
    const rival = (d6: number, d9: number, line = 0.904): PanReading => ({ ...r(MISREAD, 'card-crnn-v1@frame/line', line), digitConfidences: Array.from(MISREAD, (_, i) => (i === 6 ? d6 : i === 9 ? d9 : 0.99)) });
    // The rival sure of one of its digits (weak by the other), or sure of its line.
    expect(fusePan([...top, rival(0.59, 0.8)]).pan).toBeNull();
    expect(fusePan([...top, rival(0.59, 0.68, 0.96)]).pan).toBeNull();
    // The top's reader doubted a disputed digit.
    expect(fusePan([dr(TRUTH, 'ppocr-rec-v4@frame', 0.9, 0.97), r(TRUTH, 'ppocr-rec-v4@frame/det1280', 0.89), rival(0.59, 0.68)]).pan).toBeNull();
    // One detection and its crops is one reading: nothing agreed to outvote with.
    expect(fusePan([dr(TRUTH, 'ppocr-rec-v4@frame', 0.995), dr(TRUTH, 'ppocr-rec-v4@frame/tight', 0.995), rival(0.59, 0.68)]).pan).toBeNull();
    // A rival without digit confidences is not known to have doubted them.
    expect(fusePan([...top, r(MISREAD, 'card-crnn-v1@frame/line', 0.904)]).pan).toBeNull();
  });

  it('a rival read on two detections conflicts, even against two readers', () => {
    const f = fusePan([
      r(TRUTH, 'ppocr-rec-v4@frame'),
      r(TRUTH, 'card-crnn-v1@frame/line'),
      r(MISREAD, 'glyph@card'),
      r(MISREAD, 'ppocr-rec-v4@frame/det1280'),
    ]);
    expect(f.pan).toBeNull();
    expect(f.reason).toBe('conflicting_readings');
    expect(needsMoreReadings(f)).toBe(false);
  });

  it("another card's number read once conflicts, even against two readers (two cards in the photo)", () => {
    const f = fusePan([r(TRUTH, 'ppocr-rec-v4@frame'), r(TRUTH, 'card-crnn-v1@frame/line'), r(OTHER, 'ppocr-rec-v4@frame/det1280')]);
    expect(f.pan).toBeNull();
    expect(f.reason).toBe('conflicting_readings');
    expect(needsMoreReadings(f)).toBe(false);
  });

  it('a rival of another length is not a misread of the same digits: it conflicts', () => {
    const long: PanReading = { digits: `${MISREAD}123`, groups: [4, 4, 4, 4, 3], source: 'glyph@card', confidence: 0.9, luhnValid: true, brand: 'visa' };
    const f = fusePan([r(TRUTH, 'ppocr-rec-v4@frame'), r(TRUTH, 'card-crnn-v1@frame/line'), long]);
    expect(f.pan).toBeNull();
    expect(f.reason).toBe('conflicting_readings');
  });

  it('two lone valid readings a few digits apart are not final: more readings may outvote one', () => {
    const f = fusePan([r(TRUTH, 'ppocr-rec-v4@frame'), r(MISREAD, 'card-crnn-v1@frame/line')]);
    expect(f.pan).toBeNull();
    expect(f.reason).toBe('conflicting_readings');
    expect(needsMoreReadings(f)).toBe(true);
    // Two lone readings of two cards' numbers are final.
    const two = fusePan([r(TRUTH, 'ppocr-rec-v4@frame'), r(OTHER, 'card-crnn-v1@frame/line')]);
    expect(two.reason).toBe('conflicting_readings');
    expect(needsMoreReadings(two)).toBe(false);
  });
});

describe('fusePan: confirming re-reads (PanReading.check)', () => {
  const check = (digits: string, source: string, confidence = 0.97): PanReading => ({ ...r(digits, source, confidence), check: true });
  const RIVAL_2 = '4539146808436467'; // TRUTH with digits 6 and 9 changed: fails Luhn, two apart

  it('a confirming re-read by another reader agrees like any reading', () => {
    const f = fusePan([r(TRUTH, 'ppocr-rec-v4@frame'), check(TRUTH, 'card-crnn-v1@frame/tight')]);
    expect(f.pan).toBe(TRUTH);
    expect(f.sources).toEqual(['card-crnn-v1@frame/tight', 'ppocr-rec-v4@frame']);
  });

  it('never contradicts: a sure Luhn-failing check two digits apart blocks nothing, the same reading as a first reading does', () => {
    const base = [r(TRUTH, 'ppocr-rec-v4@frame'), r(TRUTH, 'ppocr-rec-v4@frame/det1280')];
    expect(fusePan([...base, check(RIVAL_2, 'card-crnn-v1@frame/tight', 0.99)]).pan).toBe(TRUTH);
    const vetoed = fusePan([...base, r(RIVAL_2, 'card-crnn-v1@frame/line', 0.99)]);
    expect(vetoed.pan).toBeNull();
    expect(vetoed.reason).toBe('conflicting_readings');
  });

  it('a valid check of other digits is no rival; numbers only checks read are no candidates', () => {
    const f = fusePan([r(TRUTH, 'ppocr-rec-v4@frame'), r(TRUTH, 'ppocr-rec-v4@frame/det1280'), check(OTHER, 'card-crnn-v1@frame/tight')]);
    expect(f.pan).toBe(TRUTH);
    const alone = fusePan([check(TRUTH, 'card-crnn-v1@frame/tight'), check(TRUTH, 'card-crnn-v1@frame/det1280/tight')]);
    expect(alone.pan).toBeNull();
    expect(alone.reason).toBe('not_found');
  });

  it('a check by one of the top\'s readers lifts no veto of that reader\'s own sure reading', () => {
    // The CRNN read the rival surely on its first crop; its confirming crop reading the top does
    // not make it one of the top's readers.
    const f = fusePan([
      r(TRUTH, 'ppocr-rec-v4@frame'),
      r(TRUTH, 'ppocr-rec-v4@frame/det1280'),
      r(RIVAL_2, 'card-crnn-v1@frame/line', 0.99),
      check(TRUTH, 'card-crnn-v1@frame/det1280/tight'),
    ]);
    expect(f.pan).toBeNull();
    expect(f.reason).toBe('conflicting_readings');
  });

  it("a check of the rival's digits does not strengthen the rival against an agreed number that outweighs it", () => {
    // PP-OCR sure of both disputed digits on two detections; the CRNN's first reading of the
    // rival doubted them (outweighed), its confirming crop is sure of them: still outweighed.
    const sure = (digits: string, source: string, disputed: number, asCheck = false): PanReading => ({
      ...r(digits, source, 0.97),
      digitConfidences: Array.from(digits, (_, i) => (i === 6 || i === 9 ? disputed : 0.99)),
      ...(asCheck ? { check: true } : {}),
    });
    const base = [sure(TRUTH, 'ppocr-rec-v4@frame', 0.99), sure(TRUTH, 'ppocr-rec-v4@frame/det1280', 0.99), sure(RIVAL_2, 'card-crnn-v1@frame/line', 0.9)];
    expect(fusePan(base).pan).toBe(TRUTH);
    expect(fusePan([...base, sure(RIVAL_2, 'card-crnn-v1@frame/tight', 0.999, true)]).pan).toBe(TRUTH);
    // The same sure reading as a first reading is a rival the top does not outweigh.
    expect(fusePan([...base, sure(RIVAL_2, 'card-crnn-v1@frame/det1280/line', 0.999)]).pan).toBeNull();
  });

  it('a Luhn-failing rival needs two readings of its own to block an unverified number; checks do not count', () => {
    const SPECIMEN = '4000123456789010';
    const OFF = '4000123456789011';
    const base = [r(SPECIMEN, 'ppocr-rec-v4@frame'), r(SPECIMEN, 'ppocr-rec-v4@frame/det1280')];
    expect(fusePan([...base, r(OFF, 'card-crnn-v1@frame/line', 0.9), check(OFF, 'card-crnn-v1@frame/tight', 0.9)]).panUnverified).toBe(SPECIMEN);
    expect(fusePan([...base, r(OFF, 'card-crnn-v1@frame/line', 0.9), r(OFF, 'card-crnn-v1@frame/det1280/line', 0.9)]).panUnverified).toBeNull();
  });
});

describe('fusePan: a Luhn-failing number is unverified only where its readers were sure of the disputed digits', () => {
  const SPECIMEN = '4000123456789010';
  const OFF = '4000123456789011';
  /** A reading of `digits` with `last` as its last digit's confidence, 0.99 elsewhere. */
  const fr = (digits: string, source: string, last: number, confidence = 0.92): PanReading => ({
    ...r(digits, source, confidence),
    digitConfidences: Array.from(digits, (_, i) => (i === digits.length - 1 ? last : 0.99)),
  });

  it('two detections that both doubted the digit another reading reads otherwise offer nothing (embossed-83001 #013)', () => {
    // The card-line CRNN read the last digit 0.74 / 0.55 on two detections; PP-OCR read another there once.
    const f = fusePan([fr(OFF, 'card-crnn-v1@frame/line', 0.74), fr(OFF, 'card-crnn-v1@frame-level/line', 0.55), fr(SPECIMEN, 'ppocr-rec-v4@frame', 0.38)]);
    expect(f.panUnverified).toBeNull();
    expect(f.reason).toBe('single_reading');
  });

  it('a doubted top is not replaced by the runner-up it disputes (review 7a B2)', () => {
    // The better-ranked number (PP-OCR plus a card-line check, both doubting the last digit) fails
    // the check; the other number, read twice by the CRNN, must not be offered in its place.
    const f = fusePan([
      fr(OFF, 'ppocr-rec-v4@frame', 0.6, 0.85),
      { ...fr(OFF, 'card-crnn-v1@frame/det1280/line', 0.7, 0.95), check: true },
      fr(SPECIMEN, 'card-crnn-v1@frame/line', 0.99, 0.86),
      fr(SPECIMEN, 'card-crnn-v1@frame-level/line', 0.99, 0.86),
    ]);
    expect(f.panUnverified).toBeNull();
    expect(f.pan).toBeNull();
  });

  it('one sure reading of the disputed digit is enough; undisputed doubt and readings without digit confidences are as before', () => {
    expect(fusePan([fr(OFF, 'card-crnn-v1@frame/line', 0.74), fr(OFF, 'card-crnn-v1@frame-level/line', 0.85), fr(SPECIMEN, 'ppocr-rec-v4@frame', 0.38)]).panUnverified).toBe(OFF);
    // Only an unsure reading (under 0.8, like the glyph templates' garbage) read that digit otherwise, or nobody did: its doubt is not weighed.
    expect(fusePan([fr(OFF, 'card-crnn-v1@frame/line', 0.74), fr(OFF, 'card-crnn-v1@frame-level/line', 0.55), { ...r(SPECIMEN, 'glyph@card', 0) }]).panUnverified).toBe(OFF);
    expect(fusePan([fr(OFF, 'card-crnn-v1@frame/line', 0.74), fr(OFF, 'card-crnn-v1@frame-level/line', 0.55)]).panUnverified).toBe(OFF);
    expect(fusePan([r(OFF, 'ppocr-rec-v4@frame', 0.92), r(OFF, 'ppocr-rec-v4@frame/det1280', 0.92), fr(SPECIMEN, 'card-crnn-v1@frame/line', 0.38)]).panUnverified).toBe(OFF);
  });
});
