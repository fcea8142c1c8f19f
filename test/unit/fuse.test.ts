/**
 * Fusion table: which readings of a card number become the PAN, `panUnverified`, or nothing.
 * Numbers are networks' published test numbers (Luhn-valid) and specimen numbers (Luhn-failing).
 */
import { describe, expect, it } from 'vitest';
import { fuseField, fusePan, needsMoreReadings, panReadings, reading, type PanReading } from '../../functions/reader/fuse.js';

const VISA = '4111111111111111';
const VISA_2 = '4012888888881881';
const SPECIMEN = '4000123456789010'; // printed on issuer specimens, fails Luhn
const r = (digits: string, source: string, confidence = 0.95): PanReading => {
  const x = reading(digits, [4, 4, 4, 4], source, confidence);
  if (!x) throw new Error(`test number ${digits} does not pass IIN/length`);
  return x;
};

describe('fusePan', () => {
  it('reports a number two independent readers agree on', () => {
    const f = fusePan([r(VISA, 'glyph@card'), r(VISA, 'ppocr-rec-v4@card/row')]);
    expect(f.pan).toBe(VISA);
    expect(f.brand).toBe('visa');
    expect(f.sources).toEqual(['glyph@card', 'ppocr-rec-v4@card/row']);
    expect(f.candidates).toEqual([expect.objectContaining({ digits: VISA, verdict: 'reported' })]);
    expect(needsMoreReadings(f)).toBe(false);
  });

  it('counts one reader on two detections as two readings; two crops of one box or the same source twice as one', () => {
    expect(fusePan([r(VISA, 'rec@frame'), r(VISA, 'rec@frame/det1280')]).pan).toBe(VISA);
    expect(fusePan([r(VISA, 'rec@frame'), r(VISA, 'other@frame/line')]).pan).toBe(VISA);
    const oneBox = fusePan([r(VISA, 'rec@frame'), r(VISA, 'rec@frame/pad'), r(VISA, 'rec@frame/tight')]);
    expect(oneBox.pan).toBeNull();
    expect(oneBox.reason).toBe('single_reading');
    expect(needsMoreReadings(oneBox)).toBe(true);
    const once = fusePan([r(VISA, 'rec@frame'), r(VISA, 'rec@frame')]);
    expect(once.pan).toBeNull();
    expect(once.reason).toBe('single_reading');
    expect(once.candidates[0]!.verdict).toBe('single_reading');
    expect(needsMoreReadings(once)).toBe(true);
  });

  it('reports nothing when another valid reading conflicts, even if the first is agreed', () => {
    const f = fusePan([r(VISA, 'a'), r(VISA, 'b'), r(VISA_2, 'c')]);
    expect(f.pan).toBeNull();
    expect(f.panUnverified).toBeNull();
    expect(f.reason).toBe('conflicting_readings');
    expect(f.candidates.map((c) => c.verdict).sort()).toEqual(['conflict', 'conflict']);
    expect(needsMoreReadings(f)).toBe(false);
  });

  it('a longer valid number containing the agreed one is a rival (the agreed one may have lost digits)', () => {
    // Fusion takes checked readings as given: a 19-digit reading that passed the checks.
    const long: PanReading = { digits: `${VISA}123`, groups: [4, 4, 4, 4, 3], source: 'c', confidence: 0.95, luhnValid: true, brand: 'visa' };
    const f = fusePan([r(VISA, 'a'), r(VISA, 'b'), long]);
    expect(f.pan).toBeNull();
    expect(f.reason).toBe('conflicting_readings');
    // A fragment of the agreed number read by the same sources is part of it, not a rival.
    const fragment: PanReading = { ...long, digits: VISA.slice(0, 13), groups: [4, 4, 4, 1], source: 'a' };
    expect(fusePan([r(VISA, 'a'), r(VISA, 'b'), fragment]).pan).toBe(VISA);
  });

  it('a Luhn-failing specimen read the same way by two detections is panUnverified; by one, it is not', () => {
    const twice = fusePan([r(SPECIMEN, 'rec@frame'), r(SPECIMEN, 'rec@frame/det1280')]);
    expect(twice.pan).toBeNull();
    expect(twice.panUnverified).toBe(SPECIMEN);
    expect(twice.reason).toBe('luhn_failed');
    expect(twice.candidates[0]!.verdict).toBe('unverified');

    // Two crops of one detected line share its box: not independent enough when Luhn cannot check.
    const oneBox = fusePan([r(SPECIMEN, 'rec@frame'), r(SPECIMEN, 'rec@frame/pad')]);
    expect(oneBox.panUnverified).toBeNull();
    expect(oneBox.candidates[0]!.verdict).toBe('single_reading');
    expect(needsMoreReadings(oneBox)).toBe(true);

    const once = fusePan([r(SPECIMEN, 'rec@frame')]);
    expect(once.panUnverified).toBeNull();
    expect(once.reason).toBe('single_reading');

    const unsure = fusePan([r(SPECIMEN, 'a', 0.5), r(SPECIMEN, 'b', 0.5)]);
    expect(unsure.panUnverified).toBeNull();
    expect(unsure.candidates[0]!.verdict).toBe('failed_checks');
  });

  it('a valid reading needs its second reading even when a Luhn-failing misread of it is read twice', () => {
    const misread = '4111111111111112';
    expect(fusePan([r(VISA, 'a'), r(misread, 'b'), r(misread, 'c')]).pan).toBeNull();
  });

  it('a confident Luhn-failing reading by another reader, two or more digits apart, blocks an agreed valid number (review S1)', () => {
    const top = '4539148803436467'; // Luhn-valid, made up
    const misread = '4539178803436468'; // two digits off: fails Luhn
    const f = fusePan([r(top, 'ppocr-rec@frame'), r(top, 'ppocr-rec@frame/det1280'), r(misread, 'crnn@frame', 0.99)]);
    expect(f.pan).toBeNull();
    expect(f.panUnverified).toBeNull();
    expect(f.reason).toBe('conflicting_readings');
    expect(f.candidates.map((c) => [c.digits, c.verdict])).toEqual([
      [top, 'conflict'],
      [misread, 'conflict'],
    ]);
    // Not final: the CRNN may still read the agreed number on another detection…
    expect(needsMoreReadings(f)).toBe(true);
    // …and then it is among the number's readers, and its one other reading no longer vetoes it.
    expect(fusePan([r(top, 'ppocr-rec@frame'), r(top, 'ppocr-rec@frame/det1280'), r(misread, 'crnn@frame', 0.99), r(top, 'crnn@frame/det1280')]).pan).toBe(top);
    // The veto holds on a single reading too: the top is not reported once a second agrees.
    expect(fusePan([r(top, 'ppocr-rec@frame'), r(misread, 'crnn@frame', 0.99)]).reason).toBe('conflicting_readings');
  });

  it('an unsure rival, one digit off, a re-crop by one of the agreeing readers, or a shorter run does not block', () => {
    const top = '4539148803436467';
    const misread = '4539178803436468';
    const agreed = [r(top, 'ppocr-rec@frame'), r(top, 'ppocr-rec@frame/det1280')];
    // One digit off: Luhn catches every single-digit error, so one misread digit in the rival
    // explains it; the valid number agreed by two detections stands.
    const oneOff = '4539148803436468';
    const near = fusePan([...agreed, r(oneOff, 'crnn@frame', 0.99)]);
    expect(near.pan).toBe(top);
    expect(near.candidates.find((c) => c.digits === oneOff)!.verdict).toBe('failed_checks');
    // Below the confidence bar: not a confident disagreement.
    const unsure = fusePan([...agreed, r(misread, 'crnn@frame', 0.9)]);
    expect(unsure.pan).toBe(top);
    expect(unsure.candidates.find((c) => c.digits === misread)!.verdict).toBe('failed_checks');
    // The same reader on a re-crop of its box read something else once: not another reader's veto.
    expect(fusePan([...agreed, r(misread, 'ppocr-rec@frame/pad', 0.99)]).pan).toBe(top);
    // A reader that also read the top number is among the top's readers.
    expect(fusePan([...agreed, r(top, 'crnn@frame'), r(misread, 'crnn@frame/det1280', 0.99)]).pan).toBe(top);
    // Another length (a different-length run) is not this rule's rival: a 15-digit Luhn-failing run.
    const short: PanReading = { digits: '453914880343646', groups: [4, 4, 4, 3], source: 'crnn@frame', confidence: 0.99, luhnValid: false, brand: 'visa' };
    expect(fusePan([...agreed, short]).pan).toBe(top);
  });

  it('an agreed number whose readers were sure of both digits a rival two apart reads otherwise, on two detections, outweighs it', () => {
    const top = '4539148803436467'; // Luhn-valid, made up
    const misread = '4539178803436468'; // positions 5 and 15 differ: fails Luhn
    // Per-digit confidences: sure everywhere unless given.
    const dc = (at: Record<number, number> = {}, base = 0.99): number[] => Array.from(top, (_, i) => at[i] ?? base);
    const sure = (digits: string, source: string, digitConfidences: number[], confidence = 0.95): PanReading => ({ ...r(digits, source, confidence), digitConfidences });
    const agreed = [sure(top, 'ppocr-rec@frame', dc()), sure(top, 'ppocr-rec@frame/pad', dc({ 5: 0.7 })), sure(top, 'ppocr-rec@frame/det1280', dc())];
    const rival = sure(misread, 'crnn@frame/line', dc({ 5: 0.9, 15: 0.96 }), 0.98);
    const f = fusePan([...agreed, rival]);
    expect(f.pan).toBe(top);
    expect(f.candidates.find((c) => c.digits === misread)!.verdict).toBe('failed_checks');
    // Sure on one detection only (the other read digit 5 at 0.9 on every crop): the rival blocks.
    expect(fusePan([sure(top, 'ppocr-rec@frame', dc()), sure(top, 'ppocr-rec@frame/det1280', dc({ 5: 0.9 })), rival]).reason).toBe('conflicting_readings');
    // The rival's reader surer of its digit than the top's readers of theirs: it blocks.
    expect(fusePan([...agreed, sure(misread, 'crnn@frame/line', dc({ 15: 0.999 }), 0.98)]).reason).toBe('conflicting_readings');
    // Without per-digit confidences on either side nothing is weighed: it blocks.
    expect(fusePan([...agreed, r(misread, 'crnn@frame/line', 0.98)]).reason).toBe('conflicting_readings');
    expect(fusePan([r(top, 'ppocr-rec@frame'), r(top, 'ppocr-rec@frame/det1280'), rival]).reason).toBe('conflicting_readings');
    // Three apart, a mix of the two readings may be another valid number: it blocks however sure the top's readers were.
    const threeOff = '4539178803436418';
    expect(fusePan([...agreed, sure(threeOff, 'crnn@frame/line', dc({ 5: 0.5, 14: 0.5, 15: 0.5 }), 0.98)]).reason).toBe('conflicting_readings');
    // Sure only on two close-ups of one line (cut with two detections' boxes, near the same
    // pixels: one reading, fuse.ts independentReadings), and on the top's other readings not: it blocks.
    const closeUps = [
      sure(top, 'ppocr-rec@frame-number', dc()), sure(top, 'ppocr-rec@frame-number/det1280', dc()),
      sure(top, 'ppocr-rec@frame', dc({ 5: 0.9 })), sure(top, 'ppocr-rec@frame/det1280', dc({ 5: 0.9 })),
    ];
    expect(fusePan([...closeUps, rival]).reason).toBe('conflicting_readings');
    // One of them and another detection of the whole view, both sure: outweighed.
    expect(fusePan([...closeUps.slice(0, 3), sure(top, 'ppocr-rec@frame/det1280', dc()), rival]).pan).toBe(top);
  });

  it('panReadings carries the per-digit confidences of a whole line, none for a number joined from boxes or read without them', () => {
    const text = '4111 1111 1111 1111';
    const charConfidences = Array.from(text, (ch, i) => (ch === ' ' ? 0.5 : 0.9 + (i % 10) / 100));
    const [clean] = panReadings([{ text, confidence: 0.95, charConfidences, role: 'any' }], 'rec@frame');
    expect(clean!.digitConfidences).toEqual(Array.from(text).flatMap((ch, i) => (ch === ' ' ? [] : [charConfidences[i]])));
    // Joined from two boxes on one row: no one line holds the number's digits.
    const half = '4111 1111';
    const [joined] = panReadings(
      [
        { text: half, confidence: 0.95, charConfidences: Array.from(half, () => 0.99), role: 'any', box: { left: 0, top: 0, width: 90, height: 12 } },
        { text: '1111 1111', confidence: 0.95, charConfidences: Array.from(half, () => 0.99), role: 'any', box: { left: 100, top: 0, width: 90, height: 12 } },
      ],
      'rec@frame',
    );
    expect(joined).toMatchObject({ digits: VISA });
    expect(joined!.digitConfidences).toBeUndefined();
    const [noChars] = panReadings([{ text, confidence: 0.95, role: 'any' }], 'rec@frame');
    expect(noChars!.digitConfidences).toBeUndefined();
  });

  it('a Luhn-failing number is not panUnverified when another reading of other digits is reproduced surely', () => {
    const misread = '4000123456789011';
    const twice = [r(SPECIMEN, 'crnn@frame/line', 0.88), r(SPECIMEN, 'crnn@frame/det1280/line', 0.88)];
    // Read by PP-OCR on one detection and its re-crop (a stable answer of that reader): conflict.
    const f = fusePan([...twice, r(misread, 'ppocr-rec@frame', 0.95), r(misread, 'ppocr-rec@frame/pad', 0.92)]);
    expect(f.panUnverified).toBeNull();
    expect(f.reason).toBe('conflicting_readings');
    expect(f.candidates.map((c) => c.verdict)).toEqual(['conflict', 'conflict']);
    // Read once (one crop): that crop's noise, the number read on two detections stands.
    expect(fusePan([...twice, r(misread, 'ppocr-rec@frame', 0.95)]).panUnverified).toBe(SPECIMEN);
    // Reproduced but unsure: no evidence against it.
    expect(fusePan([...twice, r(misread, 'ppocr-rec@frame', 0.6), r(misread, 'ppocr-rec@frame/pad', 0.6)]).panUnverified).toBe(SPECIMEN);
  });

  it('nothing read → not_found', () => {
    const f = fusePan([]);
    expect(f).toMatchObject({ pan: null, panUnverified: null, reason: 'not_found', candidates: [] });
    expect(needsMoreReadings(f)).toBe(false);
  });

  it('panReadings takes number lines only, tagged with their source', () => {
    const rs = panReadings(
      [
        { text: '4111 1111 1111 1111', confidence: 0.9, role: 'any' },
        { text: '4111 1111 1111 1111', confidence: 0.9, role: 'name' },
        { text: 'VALID THRU 07/30', confidence: 0.9, role: 'any' },
      ],
      'rec@frame',
    );
    expect(rs).toEqual([expect.objectContaining({ digits: VISA, source: 'rec@frame', luhnValid: true })]);
  });
});

describe('fuseField (expiry and name across readings, review S3)', () => {
  it('takes the value the readings agree on, with every agreeing source and the best confidence', () => {
    const f = fuseField([
      { source: 'rec@frame', value: '05/29', confidence: 0.91 },
      { source: 'rec@frame/det1280', value: '05/29', confidence: 0.97 },
    ]);
    expect(f).toEqual({ value: '05/29', confidence: 0.97, sources: ['rec@frame', 'rec@frame/det1280'], reason: null });
  });

  it('two readings that each passed the checks with different values: missing, conflicting_readings', () => {
    const f = fuseField([
      { source: 'rec@frame', value: '05/28', confidence: 0.95 },
      { source: 'rec@frame/det1280', value: '05/26', confidence: 0.96 },
    ]);
    expect(f).toMatchObject({ value: null, confidence: null, sources: [], reason: 'conflicting_readings' });
    // The glyph reader disagreeing with the learned one is a conflict too.
    expect(fuseField([{ source: 'rec@card', value: 'JOHN SMITH', confidence: 0.9 }, { source: 'glyph@card', value: 'JOHN SMYTH', confidence: 0.9 }]).reason).toBe('conflicting_readings');
  });

  it('another reader\'s doubted reading of other digits contradicts a value; the same reader\'s, or an agreeing one, does not', () => {
    const doubted = { source: 'ppocr-rec@frame', value: null, missing: 'unreadable', tentative: '05/15' };
    // The card-line CRNN sure of 05/35 where PP-OCR doubted a digit of 05/15: which is right cannot be told.
    expect(fuseField([doubted, { source: 'crnn@frame/line', value: '05/35', confidence: 0.97 }])).toMatchObject({ value: null, reason: 'conflicting_readings' });
    // Agreeing with the doubted reading: the sure value stands.
    expect(fuseField([doubted, { source: 'crnn@frame/line', value: '05/15', confidence: 0.97 }])).toMatchObject({ value: '05/15', sources: ['crnn@frame/line'] });
    // The doubting reader itself sure of another value on another view: its sure reading outweighs its doubt.
    expect(fuseField([doubted, { source: 'ppocr-rec@frame/det1280', value: '05/35', confidence: 0.97 }])).toMatchObject({ value: '05/35' });
    // A doubted reading alone, or two readers doubting alike, is never a value.
    expect(fuseField([doubted])).toMatchObject({ value: null, reason: 'unreadable' });
    expect(fuseField([doubted, { ...doubted, source: 'crnn@frame/line' }])).toMatchObject({ value: null, reason: 'unreadable' });
  });

  it("with doubtVetoes 'any' (names), the same reader's doubted reading of another value blocks its sure one on another view", () => {
    const doubted = { source: 'ppocr-rec@frame', value: null, missing: 'low_confidence', tentative: 'ANNAF HOLM' };
    const sure = { source: 'ppocr-rec@frame/det1280', value: 'ANA HOLM', confidence: 0.97 };
    // By default (dates) the reader's sure reading outweighs its own doubt…
    expect(fuseField([doubted, sure])).toMatchObject({ value: 'ANA HOLM' });
    // …for names every doubt of a different name counts: which reading is right cannot be told.
    expect(fuseField([doubted, sure], { doubtVetoes: 'any' })).toMatchObject({ value: null, reason: 'conflicting_readings' });
    // A doubt of the same name, or no doubt at all, leaves the sure name standing.
    expect(fuseField([{ ...doubted, tentative: 'ANA HOLM' }, sure], { doubtVetoes: 'any' })).toMatchObject({ value: 'ANA HOLM' });
    expect(fuseField([{ ...doubted, tentative: undefined }, sure], { doubtVetoes: 'any' })).toMatchObject({ value: 'ANA HOLM' });
  });

  it('with seenVetoWithin (names), a name some reading read and did not take, a letter or two from the value, blocks it', () => {
    // real-world-80001: the frame's sure AHNA F HOLM; two detections of the card view read ANNA F
    // HOLM, refused there for want of the number in their reading.
    const sure = { source: 'ppocr-rec@frame/det1280', value: 'AHNA F HOLM', confidence: 0.91 };
    const unplaced = (seen: string[]) => ({ source: 'ppocr-rec@card', value: null, missing: 'not_near_number', seen });
    expect(fuseField([sure, unplaced(['ANNA F HOLM'])])).toMatchObject({ value: 'AHNA F HOLM' });
    expect(fuseField([sure, unplaced(['ANNA F HOLM'])], { seenVetoWithin: 2 })).toMatchObject({ value: null, reason: 'conflicting_readings' });
    // The same name seen again, or another person's name (a business card beside the card), does not.
    expect(fuseField([sure, unplaced(['AHNA F HOLM'])], { seenVetoWithin: 2 })).toMatchObject({ value: 'AHNA F HOLM' });
    expect(fuseField([sure, unplaced(['PRIYA RAMAN'])], { seenVetoWithin: 2 })).toMatchObject({ value: 'AHNA F HOLM' });
  });

  it('a checking reading (a second recogniser on the same boxes) is never alone the source of a value, but may confirm a doubted one', () => {
    const crnn = (value: string | null) => ({ source: 'crnn@frame/line', value, confidence: 0.98, check: true, ...(value ? {} : { missing: 'not_found' }) });
    const doubted = { source: 'ppocr-rec@frame', value: null, missing: 'unreadable', tentative: '05/15' };
    // Alone, or beside a reading that saw no date: nothing (it may be sure and wrong).
    expect(fuseField([crnn('05/15')])).toMatchObject({ value: null, reason: 'not_found' });
    expect(fuseField([{ source: 'ppocr-rec@frame', value: null, missing: 'unreadable' }, crnn('05/15')])).toMatchObject({ value: null, reason: 'unreadable' });
    // Confirming what PP-OCR read with one doubted digit: two readers, the same digits.
    expect(fuseField([doubted, crnn('05/15')])).toEqual({ value: '05/15', confidence: 0.98, sources: ['ppocr-rec@frame', 'crnn@frame/line'], reason: null });
    // Reading other digits there: a conflict, not a value.
    expect(fuseField([doubted, crnn('05/35')])).toMatchObject({ value: null, reason: 'conflicting_readings' });
    // Beside a sure first reading it agrees or contradicts as any reading does.
    const sure = { source: 'ppocr-rec@frame', value: '05/29', confidence: 0.96 };
    expect(fuseField([sure, crnn('05/29')])).toMatchObject({ value: '05/29', sources: ['ppocr-rec@frame', 'crnn@frame/line'] });
    expect(fuseField([sure, crnn('05/28')])).toMatchObject({ value: null, reason: 'conflicting_readings' });
  });

  it('a reading without a value does not contradict one with it; with none, the first reading says why', () => {
    expect(fuseField([{ source: 'rec@frame', value: null, missing: 'unreadable' }, { source: 'rec@frame/det1280', value: '05/15', confidence: 0.93 }])).toMatchObject({
      value: '05/15',
      sources: ['rec@frame/det1280'],
    });
    expect(fuseField([{ source: 'rec@frame', value: null, missing: 'unreadable' }, { source: 'glyph@card', value: null, missing: 'not_found' }])).toMatchObject({ value: null, reason: 'unreadable' });
    expect(fuseField([])).toMatchObject({ value: null, reason: 'not_found' });
  });

  it('with no value, a later reading that saw the field and doubted it says why, not an empty first view', () => {
    const empty = { source: 'rec@card', value: null, missing: 'not_found' };
    expect(fuseField([empty, { source: 'rec@frame', value: null, missing: 'low_confidence' }])).toMatchObject({ value: null, reason: 'low_confidence' });
    // A name: no name-like line on the card view, a name running off the photo on the frame.
    expect(fuseField([{ source: 'rec@card', value: null, missing: 'not_a_name' }, empty, { source: 'rec@frame', value: null, missing: 'cut_off' }])).toMatchObject({ reason: 'cut_off' });
    // Lines read but none a name says more than no line at all.
    expect(fuseField([empty, { source: 'rec@frame', value: null, missing: 'not_a_name' }])).toMatchObject({ reason: 'not_a_name' });
    // Among readings that saw something, the first (most trusted) one's reason stands.
    expect(fuseField([empty, { source: 'rec@frame', value: null, missing: 'only_valid_from' }, { source: 'glyph@card', value: null, missing: 'unreadable' }])).toMatchObject({ reason: 'only_valid_from' });
    // A checking reading's reason comes after every first reading's.
    const check = { source: 'crnn@frame/line', value: null, missing: 'impossible_month', check: true };
    expect(fuseField([check, { source: 'rec@frame', value: null, missing: 'unreadable' }])).toMatchObject({ reason: 'unreadable' });
    expect(fuseField([check, empty])).toMatchObject({ reason: 'impossible_month' });
  });
});
