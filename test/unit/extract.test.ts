/**
 * Field checks on read lines (no OCR). Card numbers are published test numbers or made up and
 * Luhn-valid; specimen numbers (4000 1234 5678 9010) are the ones printed on public renders.
 */
import { describe, expect, it } from 'vitest';
import {
  brandOf,
  extractExpiry,
  extractFields,
  extractName,
  checkPan,
  extractPan,
  judgeLine,
  labelOnly,
  panCandidates,
  panCandidatesOfLines,
  repairDigits,
  type LineBox,
  type TextLine,
} from '../../functions/reader/extract/index.js';

const NOW = new Date('2026-11-27T12:00:00Z');
const line = (text: string, role: TextLine['role'] = 'any', confidence = 0.95): TextLine => ({ text, role, confidence });
/** A learned-reader line: box in view pixels, per-character confidences (all `c` unless given). */
const learned = (text: string, box: LineBox, c: number | number[] = 0.98, source = 'ppocr'): TextLine => ({
  text,
  confidence: 0.95,
  box,
  charConfidences: Array.isArray(c) ? c : Array.from(text, () => c),
  source,
});
const box = (left: number, top: number, width: number, height: number): LineBox => ({ left, top, width, height });

describe('repairDigits', () => {
  it('turns look-alike letters into digits inside number-like tokens', () => {
    expect(repairDigits('4H21')).toEqual({ digits: '4421', substitutions: 1 });
    expect(repairDigits('O5')).toEqual({ digits: '05', substitutions: 1 });
    expect(repairDigits('1234')).toEqual({ digits: '1234', substitutions: 0 });
  });
  it('leaves words alone', () => {
    for (const w of ['CEDAR', 'BOB', 'SOLO']) expect(repairDigits(w)).toBeNull();
  });
});

describe('extractPan: what is read', () => {
  const cases: Array<{ name: string; lines: TextLine[]; pan: string | null; brand?: string | null; unverified?: string | null; reason?: string | null }> = [
    { name: '4-4-4-4 Visa (published test number)', lines: [line('4111 1111 1111 1111', 'number')], pan: '4111111111111111', brand: 'visa' },
    { name: '15-digit Amex 4-6-5', lines: [line('3782 822463 10005', 'number')], pan: '378282246310005', brand: 'amex' },
    { name: '14-digit Diners 4-6-4', lines: [line('3622 720627 1667', 'number')], pan: '36227206271667', brand: 'diners' },
    { name: '19-digit UnionPay 4-4-4-4-3', lines: [line('6212 3456 7890 1234 569', 'number')], pan: '6212345678901234569', brand: 'unionpay' },
    { name: '19-digit UnionPay unspaced', lines: [line('6212345678901234569', 'number')], pan: '6212345678901234569', brand: 'unionpay' },
    { name: '19-digit UnionPay 6-13', lines: [line('622600 0000000000005', 'number')], pan: '6226000000000000005', brand: 'unionpay' },
    { name: '19-digit Visa 4-4-4-4-3', lines: [line('4000 0000 0000 0000 006', 'number')], pan: '4000000000000000006', brand: 'visa' },
    { name: 'Mastercard 2-series', lines: [line('2223 0000 4841 0010')], pan: '2223000048410010', brand: 'mastercard' },
    { name: 'Discover', lines: [line('6011 1111 1111 1117')], pan: '6011111111111117', brand: 'discover' },
    { name: 'JCB', lines: [line('3566 0020 2036 0505')], pan: '3566002020360505', brand: 'jcb' },
    { name: 'printed without spaces', lines: [line('4012888888881881', 'number')], pan: '4012888888881881' },
    { name: 'dashes between groups', lines: [line('4111-1111-1111-1111')], pan: '4111111111111111' },
    { name: 'OCR dropped one space (boundaries still the brand\'s)', lines: [line('4111 11111111 1111')], pan: '4111111111111111' },
    { name: 'inside a longer line, next to words', lines: [line('CARD NO 4111 1111 1111 1111 VALID')], pan: '4111111111111111' },
    { name: 'edge punctuation on a group', lines: [line('4111 1111 1111 1111.')], pan: '4111111111111111' },
    { name: 'a date beside the number ends the run (its digits are no group)', lines: [line('4111 1111 1111 1111 12/28')], pan: '4111111111111111' },
    { name: 'Persian digits', lines: [line('۴۱۱۱ ۱۱۱۱ ۱۱۱۱ ۱۱۱۱')], pan: '4111111111111111' },
    { name: 'a wide gap read as a slash', lines: [line('4111/111111111111')], pan: '4111111111111111' },
    { name: 'a wide gap read as a dot', lines: [line('4111 1111 1111.1111')], pan: '4111111111111111' },
  ];
  it.each(cases)('$name', ({ lines, pan, brand }) => {
    const r = extractPan(lines);
    expect(r.pan).toBe(pan);
    if (brand !== undefined) expect(r.brand).toBe(brand);
  });
});

describe('extractPan: what is refused', () => {
  const cases: Array<{ name: string; lines: TextLine[]; unverified?: string | null; reason: string }> = [
    { name: '15-digit Amex grouped like a Visa (4-4-4-3)', lines: [line('3782 8224 6310 005', 'number')], reason: 'bad_grouping' },
    { name: 'a 13-digit fragment with a broken grouping (passes Luhn)', lines: [line('4111 1111 1111 1', 'number')], reason: 'bad_length' },
    { name: 'a dropped digit', lines: [line('4111 111 1111 1111', 'number')], reason: 'bad_length' },
    { name: 'CVV, dates, a 4-digit group alone', lines: [line('CVV 123'), line('VALID THRU 04/28'), line('737'), line('4000')], reason: 'not_found' },
    { name: 'a phone number', lines: [line('CALL 1-800-432-1000 24/7'), line('+44 20 7946 0958')], reason: 'not_found' },
    { name: 'two different valid numbers of similar confidence', lines: [line('4111 1111 1111 1111', 'number', 0.9), line('5555 5555 5555 4444', 'number', 0.88)], reason: 'ambiguous' },
    { name: 'the number read in the name region', lines: [line('4111 1111 1111 1111', 'name')], reason: 'not_found' },
    { name: 'all zeros: Luhn-valid but no network\'s IIN', lines: [line('0000 0000 0000 0000')], reason: 'unknown_iin' },
    { name: 'a 16-digit part of an 18-digit run is never cut out', lines: [line('4111 1111 1111 1111 12')], reason: 'bad_grouping' },
    { name: 'a fifth group after a valid 4-4-4-4 run (whole run only)', lines: [line('4111 1111 1111 1111 4111')], reason: 'not_found' },
    { name: 'an amount is not split into groups', lines: [line('$25.00 4111 1111')], reason: 'not_found' },
    { name: 'many letters: not number-like', lines: [line('SSSS 5555 SSSS HHHH', 'number')], reason: 'not_found' },
  ];
  it.each(cases)('$name', ({ lines, reason, unverified }) => {
    const r = extractPan(lines);
    expect(r.pan).toBeNull();
    expect(r.panUnverified).toBe(unverified ?? null);
    expect(r.reason).toBe(reason);
  });

  it('offers a clean Luhn-failing specimen as unverified, never as the PAN', () => {
    const r = extractPan([line('4000 1234 5678 9010', 'number')]);
    expect(r).toMatchObject({ pan: null, panUnverified: '4000123456789010', brand: 'visa', reason: 'luhn_failed' });
  });
  it('offers a clean 4-4-4-4 placeholder of no network as unverified, without a brand', () => {
    const r = extractPan([line('1234 5678 9876 5432')]);
    expect(r).toMatchObject({ pan: null, panUnverified: '1234567898765432', brand: null, reason: 'unknown_iin' });
  });
  it('does not offer a doubtful Luhn-failing read as unverified', () => {
    expect(extractPan([line('4111 1111 1111 1112', 'number', 0.5)]).panUnverified).toBeNull();
  });
  it('ignores the 4-digit group printed under the number', () => {
    const r = extractPan([line('4000 1234 5678 9010'), line('4000')]);
    expect(r.panUnverified).toBe('4000123456789010');
  });
  it('merges reads of one number from several readers', () => {
    const r = extractPan([learned('4111 1111 1111 1111', box(0, 0, 400, 30), 0.97, 'ppocr'), { ...line('4111 1111 1111 1111'), source: 'glyph' }]);
    expect(r.pan).toBe('4111111111111111');
    expect([...(r.chosen?.sources ?? [])].sort()).toEqual(['glyph', 'ppocr']);
  });
});

describe('extractPan: letter repair and the confidence gate', () => {
  const pan = '4111 1111 1111 1111';
  it('repairs one safe look-alike when every other digit is confidently read', () => {
    const text = '4l11 1111 1111 1111';
    const r = extractPan([learned(text, box(0, 0, 400, 30), 0.97)]);
    expect(r.pan).toBe('4111111111111111');
    expect(r.confidence!).toBeLessThan(0.95);
  });
  it('never repairs without per-character confidences (Tesseract-style lines)', () => {
    const r = extractPan([line('4l11 1111 1111 1111', 'number')]);
    expect(r.pan).toBeNull();
    expect(r.reason).toBe('unsafe_repair');
  });
  it('never repairs two letters in one number', () => {
    expect(extractPan([learned('4l11 1111 1111 111l', box(0, 0, 400, 30), 0.99)]).pan).toBeNull();
  });
  it('never repairs when another digit is weak (the repair could make a wrong number pass Luhn)', () => {
    const c = Array.from('4l11 1111 1111 1111', () => 0.97);
    c[10] = 0.7; // one digit read with doubt
    expect(extractPan([learned('4l11 1111 1111 1111', box(0, 0, 400, 30), c)]).pan).toBeNull();
  });
  it('refuses a number with one digit under the per-character floor', () => {
    const c = Array.from(pan, () => 0.97);
    c[7] = 0.4;
    const r = extractPan([learned(pan, box(0, 0, 400, 30), c)]);
    expect(r.pan).toBeNull();
    expect(r.reason).toBe('low_confidence');
  });
  it('takes its confidence from the weakest digit', () => {
    const c = Array.from(pan, () => 0.97);
    c[3] = 0.72;
    expect(extractPan([learned(pan, box(0, 0, 400, 30), c)]).confidence).toBeCloseTo(0.72);
  });
});

describe('extractPan: groups in separate boxes', () => {
  it('reads a vertical stack of four 4-digit groups of one print size', () => {
    const lines = ['4242', '4242', '4242', '4242'].map((t, i) => learned(t, box(600, 100 + i * 60, 120, 40)));
    const r = extractPan(lines);
    expect(r.pan).toBe('4242424242424242');
    expect(r.chosen?.box).toEqual(box(600, 100, 120, 220));
  });
  it('reads a right-aligned stack whose boxes differ in width', () => {
    const lines = [box(600, 100, 120, 40), box(590, 160, 130, 40), box(605, 220, 115, 40), box(598, 280, 122, 40)].map((b) => learned('4242', b));
    expect(extractPan(lines).pan).toBe('4242424242424242');
  });
  it('does not stack groups far apart, of different sizes, or from different readers', () => {
    const spread = ['4242', '4242', '4242', '4242'].map((t, i) => learned(t, box(600, 100 + i * 200, 120, 40)));
    expect(extractPan(spread).pan).toBeNull();
    const sizes = [40, 40, 80, 40].map((h, i) => learned('4242', box(600, 100 + i * 90, 120, h)));
    expect(extractPan(sizes).pan).toBeNull();
    const readers = ['a', 'b', 'a', 'b'].map((s, i) => learned('4242', box(600, 100 + i * 60, 120, 40), 0.98, s));
    expect(extractPan(readers).pan).toBeNull();
  });
  it('joins groups a detector split on one row, and only whole rows', () => {
    const row = ['4111', '1111', '1111', '1111'].map((t, i) => learned(t, box(50 + i * 140, 200, 110, 40)));
    expect(extractPan(row).pan).toBe('4111111111111111');
    // A fifth group continuing the row: the run is not a card number as printed.
    const longer = [...row, learned('7777', box(610, 200, 110, 40))];
    expect(extractPan(longer).pan).toBeNull();
  });
  it('joins boxes of several groups each on one row (#### ######## ####)', () => {
    const row = [learned('4111', box(50, 200, 110, 40)), learned('11111111', box(180, 200, 230, 40)), learned('1111', box(430, 202, 110, 38))];
    expect(extractPan(row).pan).toBe('4111111111111111');
  });
  it('never stitches digits across unrelated lines', () => {
    // 4111 1111 on the number row, 1111 1111 at the bottom of the card: not one number.
    const lines = [learned('4111 1111', box(50, 200, 250, 40)), learned('1111 1111', box(50, 420, 250, 40))];
    expect(extractPan(lines).pan).toBeNull();
  });
});

describe('candidates for fusion (checkPan, panCandidates, panCandidatesOfLines)', () => {
  it('passes only numbers whose IIN, length and grouping hold; Luhn may fail', () => {
    expect(checkPan('4111111111111111', [4, 4, 4, 4], 0.9)).toMatchObject({ luhnValid: true, brand: 'visa' });
    expect(checkPan('4000123456789010', [4, 4, 4, 4], 0.9)).toMatchObject({ luhnValid: false, brand: 'visa' });
    expect(checkPan('378282246310005', [4, 4, 4, 3], 0.9)).toBeNull();
    // Unknown IIN: only as a Luhn-failing number (never valid), without a brand.
    expect(checkPan('0000000000000000', [4, 4, 4, 4], 0.9)).toBeNull();
    expect(checkPan('1234567898765432', [4, 4, 4, 4], 0.9)).toMatchObject({ luhnValid: false, brand: null });
  });
  it('keeps refused runs out of panCandidates but explains them in judgeLine', () => {
    const weak = learned('4111 1111 1111 1111', box(0, 0, 400, 30), 0.3);
    expect(panCandidates(weak)).toEqual([]);
    expect(judgeLine(weak).map((c) => c.verdict)).toEqual(['low_confidence']);
  });
  it('includes numbers joined by geometry', () => {
    const lines = ['4242', '4242', '4242', '4242'].map((t, i) => learned(t, box(600, 100 + i * 60, 120, 40)));
    expect(panCandidatesOfLines(lines).map((c) => c.digits)).toEqual(['4242424242424242']);
  });
});

describe('brandOf', () => {
  it('maps credit-card-type ids to short brand names', () => {
    expect(brandOf('378282246310005')).toBe('amex');
    expect(brandOf('36227206271667')).toBe('diners');
    expect(brandOf('4111111111111111')).toBe('visa');
    expect(brandOf('6538207770091733')).toBe('discover');
  });
});

describe('extractExpiry', () => {
  const cases: Array<{ name: string; lines: TextLine[]; expiry: string | null; reason?: string }> = [
    { name: 'VALID THRU MM/YY', lines: [line('VALID THRU 04/28')], expiry: '04/28' },
    { name: 'M/YY', lines: [line('GOOD THRU 4/28')], expiry: '04/28' },
    { name: 'MM/YYYY', lines: [line('VALID THRU 07/2030')], expiry: '07/30' },
    { name: 'MM-YY', lines: [line('EXP 07-30')], expiry: '07/30' },
    { name: 'spaced slash', lines: [line('VALID THRU 07 / 30')], expiry: '07/30' },
    { name: 'label glued to the date', lines: [line('THRU05/29')], expiry: '05/29' },
    { name: 'EXPIRES', lines: [line('EXPIRES 11/30')], expiry: '11/30' },
    { name: 'EXPIRES END', lines: [line('EXPIRES END 11/30')], expiry: '11/30' },
    { name: 'VALID UNTIL', lines: [line('VALID UNTIL 11/30')], expiry: '11/30' },
    { name: 'MONTH/YEAR then the date', lines: [line('MONTH/YEAR 11/30')], expiry: '11/30' },
    { name: 'THRU alone', lines: [line('THRU 11/30')], expiry: '11/30' },
    { name: '有效期', lines: [line('有效期 11/30')], expiry: '11/30' },
    { name: '月/年 label line above the date', lines: [line('月/年'), line('11/30')], expiry: '11/30' },
    { name: 'no label', lines: [line('11/30')], expiry: '11/30' },
    { name: 'labels read without spaces', lines: [line('MEMBERSINCE 08/10'), line('GOODTHRU 05/16')], expiry: '05/16' },
    { name: 'VALID FROM then THRU on one line', lines: [line('VALID FROM 10/25 VALID THRU 05/29')], expiry: '05/29' },
    { name: 'THRU date before the FROM date', lines: [line('THRU 05/29 FROM 10/25')], expiry: '05/29' },
    { name: 'MEMBER SINCE and an unlabelled date', lines: [line('MEMBER SINCE 08/10'), line('05/16')], expiry: '05/16' },
    { name: 'two unlabelled dates: the later', lines: [line('06/21 02/26')], expiry: '02/26' },
    { name: 'a labelled expiry beats a later unlabelled date', lines: [line('GOOD THRU 03/29'), line('12/31')], expiry: '03/29' },
    { name: 'a year printed as 99 stays as printed when labelled', lines: [line('VALID THRU 12/99')], expiry: '12/99' },
    { name: 'an unlabelled date 16 years back is not taken over a plausible one', lines: [line('08/10'), line('05/29')], expiry: '05/29' },
    { name: 'a labelled expiry beside an unlabelled date implausibly far ahead', lines: [line('VALID THRU 05/30'), line('05/50')], expiry: '05/30' },
    { name: 'full-width digits and slash', lines: [line('有效期 １１／３０')], expiry: '11/30' },
    { name: 'two dates read without the gap between them: the later', lines: [line('04/2808/31')], expiry: '08/31' },
    { name: 'glued dates under a FROM label: the later, not the start', lines: [line('VALID FROM'), line('04/2808/31')], expiry: '08/31' },
  ];
  it.each(cases)('$name', ({ lines, expiry }) => {
    expect(extractExpiry(lines, NOW).expiry).toBe(expiry);
  });

  const refused: Array<{ name: string; lines: TextLine[]; reason: string }> = [
    { name: 'only VALID FROM', lines: [line('VALID FROM 10/25')], reason: 'only_valid_from' },
    { name: 'FROM alone', lines: [line('FROM 10/25')], reason: 'only_valid_from' },
    { name: 'VALIDFROM glued', lines: [line('VALIDFROM 10/25')], reason: 'only_valid_from' },
    { name: 'a date before MEMBER SINCE', lines: [line('MEMBER SINCE 09/24'), line('08/23')], reason: 'only_valid_from' },
    { name: 'impossible month 13', lines: [line('VALID THRU 13/28')], reason: 'impossible_month' },
    { name: 'impossible month 00', lines: [line('VALID THRU 00/28')], reason: 'impossible_month' },
    { name: 'placeholder 00/00', lines: [line('EXPIRATION: END OF 00/00')], reason: 'placeholder' },
    { name: 'placeholder with a start date beside it', lines: [line('VALID FROM 01/20'), line('VALID THRU 00/00')], reason: 'placeholder' },
    { name: 'only an unlabelled date 16 years back (a MEMBER SINCE whose label was lost)', lines: [line('08/10')], reason: 'implausible_date' },
    { name: 'only an unlabelled date 30 years ahead', lines: [line('04/56')], reason: 'implausible_date' },
    // VALID FROM 05/26 VALID THRU 05/30, labels lost and the 3 read as 5: the misread later date
    // says the plausible one may be the start date.
    { name: 'an unlabelled date beside one implausibly far ahead (the later date misread)', lines: [line('05/26 05/50')], reason: 'implausible_date' },
    { name: 'the same on two lines', lines: [line('05/26'), line('05/50')], reason: 'implausible_date' },
    { name: 'Solar Hijri 1403/01', lines: [line('1403/01')], reason: 'non_gregorian' },
    { name: 'Solar Hijri in Persian digits', lines: [line('۱۴۰۳/۰۱')], reason: 'non_gregorian' },
    { name: 'Solar Hijri MM/YYYY', lines: [line('EXP 01/1403')], reason: 'non_gregorian' },
    { name: 'a dashed "date" inside the card number', lines: [line('4111 1111 1111 11-11')], reason: 'not_found' },
    { name: 'dashed groups of a number', lines: [line('4111-1111-1111-1111')], reason: 'not_found' },
    { name: 'a phone number', lines: [line('CALL 1-800-432-1000')], reason: 'not_found' },
    { name: 'the number and name lines', lines: [line('12/30', 'number'), line('12/30', 'name')], reason: 'not_found' },
  ];
  it.each(refused)('missing: $name', ({ lines, reason }) => {
    const r = extractExpiry(lines, NOW);
    expect(r.expiry).toBeNull();
    expect(r.reason).toBe(reason);
  });

  it('a plausible date read beside one implausibly far ahead is the start date for the other readings too', () => {
    // VALID FROM 05/26 VALID THRU 05/30 with the 3 read as 5: another reading that read only
    // 05/26 must not have it reported (reader.ts drops an expiry some reading calls the start date).
    expect(extractExpiry([line('05/26 05/50')], NOW)).toMatchObject({ expiry: null, reason: 'implausible_date', startDate: '05/26' });
    // Two plausible dates read: which one is the start date cannot be said.
    expect(extractExpiry([line('05/26 09/29 05/50')], NOW).startDate).toBeUndefined();
  });
  it('reads the label on the line above the date by geometry', () => {
    const r = extractExpiry([learned('VALID FROM', box(100, 300, 120, 14)), learned('10/25', box(105, 316, 70, 22)), learned('GOOD THRU', box(300, 300, 110, 14)), learned('05/29', box(300, 316, 70, 22))], NOW);
    expect(r.expiry).toBe('05/29');
    // The later date is the FROM one here: geometry, not order, decides.
    const swapped = extractExpiry([learned('GOOD THRU', box(100, 300, 120, 14)), learned('05/24', box(105, 316, 70, 22)), learned('VALID FROM', box(300, 300, 110, 14)), learned('10/25', box(300, 316, 70, 22))], NOW);
    expect(swapped.reason).toBe('only_valid_from');
  });
  it('a date with a doubted digit is unreadable, not a guess', () => {
    const c = Array.from('VALID THRU 05/36', () => 0.97);
    c[14] = 0.45; // the 3
    expect(extractExpiry([learned('VALID THRU 05/36', box(0, 0, 200, 20), c)], NOW)).toMatchObject({ expiry: null, reason: 'unreadable' });
    expect(extractExpiry([learned('VALID THRU 05/16', box(0, 0, 200, 20), 0.97)], NOW).expiry).toBe('05/16');
    const embossed = Array.from('05/15', () => 0.99);
    embossed[3] = 0.51; // an embossed 1, read right with doubt
    expect(extractExpiry([learned('05/15', box(0, 0, 80, 20), embossed)], NOW, { panBox: box(0, -80, 400, 50) }).expiry).toBe('05/15');
  });
  it('an unlabelled date among boxed lines with no card number located is not taken (a receipt, a ticket)', () => {
    expect(extractExpiry([learned('07/20', box(493, 240, 81, 67))], NOW)).toMatchObject({ expiry: null, reason: 'no_number_near' });
    // Labelled as the expiry, it is the card's.
    expect(extractExpiry([learned('VALID THRU 07/30', box(300, 240, 200, 40))], NOW).expiry).toBe('07/30');
    expect(extractExpiry([learned('07/30', box(493, 240, 81, 67))], NOW, { panBox: box(300, 150, 600, 60) }).expiry).toBe('07/30');
  });
  it('repairs one safe look-alike letter in a date only with per-character proof', () => {
    // O for 0, read surely by a reader that gives per-character confidences: repaired.
    expect(extractExpiry([learned('VALID THRU O5/29', box(0, 0, 200, 20), 0.97)], NOW).expiry).toBe('05/29');
    // The same letter without per-character confidences (Tesseract, glyph): seen, not read.
    expect(extractExpiry([line('VALID THRU O5/29')], NOW)).toMatchObject({ expiry: null, reason: 'unreadable' });
    // Two repaired letters, or a look-alike that is as often another digit (A→4, T→7, U→0): not read.
    expect(extractExpiry([learned('VALID THRU O5/2S', box(0, 0, 200, 20), 0.97)], NOW)).toMatchObject({ expiry: null, reason: 'unreadable' });
    expect(extractExpiry([learned('VALID THRU 05/2A', box(0, 0, 200, 20), 0.97)], NOW)).toMatchObject({ expiry: null, reason: 'unreadable' });
    // A label glued to the date is split off first: THRU's U is no digit of the date.
    expect(extractExpiry([learned('THRU05/29', box(0, 0, 120, 20), 0.97)], NOW).expiry).toBe('05/29');
  });
  it('a repaired letter must clear the per-character floor like a digit (review S2)', () => {
    const text = 'VALID THRU 05/2S';
    const c = Array.from(text, () => 0.97);
    c[15] = 0.2; // the S, read where a 5 belongs, barely
    expect(extractExpiry([learned(text, box(0, 0, 200, 20), c)], NOW)).toMatchObject({ expiry: null, reason: 'unreadable' });
    c[15] = 0.95;
    expect(extractExpiry([learned(text, box(0, 0, 200, 20), c)], NOW).expiry).toBe('05/25');
  });
  it('a date missing only for a doubted digit says what was read, as tentative (for fusion, never a value)', () => {
    const b = box(100, 300, 100, 30);
    const pan = { panBox: box(40, 245, 345, 50) };
    const doubted = (text: string, at: number): TextLine => learned(text, b, Array.from(text, (_, i) => (i === at ? 0.4 : 0.99)));
    expect(extractExpiry([doubted('05/15', 3)], NOW, pan)).toEqual({ expiry: null, confidence: null, reason: 'unreadable', tentative: '05/15' });
    expect(extractFields([learned('4111 1111 1111 1111', box(40, 245, 345, 50)), doubted('05/15', 3)], { now: NOW })).toMatchObject({ expiry: null, tentative: { expiry: '05/15' } });
    // A repaired letter, an impossible month, a one-digit month or two unreadable dates: nothing to offer.
    expect(extractExpiry([doubted('O5/15', 3)], NOW, pan).tentative).toBeUndefined();
    expect(extractExpiry([doubted('15/15', 3)], NOW, pan).tentative).toBeUndefined();
    expect(extractExpiry([doubted('5/15', 2)], NOW, pan).tentative).toBeUndefined();
    expect(extractExpiry([doubted('05/15', 3), doubted('06/16', 3)], NOW, pan).tentative).toBeUndefined();
    // A sure date is a value, with no tentative.
    expect(extractExpiry([learned('05/15', b)], NOW, pan)).not.toHaveProperty('tentative');
  });
  it('a date read with low confidence is missing, not a guess (review S2)', () => {
    // Repaired letters and a line at 0.3: never reported.
    expect(extractExpiry([line('VALID THRU O5/2B', 'any', 0.3)], NOW)).toMatchObject({ expiry: null });
    // A clean date on an unsure line: low_confidence, and no fall-back to the other date.
    expect(extractExpiry([line('VALID THRU 05/28', 'any', 0.5)], NOW)).toMatchObject({ expiry: null, reason: 'low_confidence' });
    expect(extractExpiry([line('06/21'), line('05/28', 'any', 0.5)], NOW)).toMatchObject({ expiry: null, reason: 'low_confidence' });
    expect(extractExpiry([line('VALID THRU 05/28', 'any', 0.61)], NOW).expiry).toBe('05/28');
    // A sure, labelled expiry stands beside an unsure unlabelled date.
    expect(extractExpiry([line('GOOD THRU 05/28'), line('06/27', 'any', 0.4)], NOW).expiry).toBe('05/28');
  });
  it('a date with a stray character glued to it is seen, not read, and blocks the other date', () => {
    // MEMBER SINCE 06/21 (label unread) and VALID THRU read as m05/26: 06/21 must not become the expiry.
    expect(extractExpiry([line('06/21 m05/26')], NOW)).toMatchObject({ expiry: null, reason: 'unreadable' });
    expect(extractExpiry([line('06/21'), line('05/26x')], NOW)).toMatchObject({ expiry: null, reason: 'unreadable' });
  });
  it('a doubted letter glued before a whole date is a speck when it cannot be a digit', () => {
    const pan = { panBox: box(40, 245, 345, 50) };
    const b = box(100, 300, 100, 30);
    const speck = (text: string, first: number): TextLine => learned(text, b, Array.from(text, (_, i) => (i === 0 ? first : 0.98)));
    expect(extractExpiry([speck('w09/32', 0.56)], NOW, pan)).toMatchObject({ expiry: '09/32', reason: null });
    // Sure of the letter, or a letter that may be a digit (T for 7, O for 0, l for 1, G for 6): seen, not read.
    expect(extractExpiry([speck('w09/32', 0.95)], NOW, pan)).toMatchObject({ expiry: null, reason: 'unreadable' });
    for (const t of ['T09/32', 'O9/32', 'l09/32', 'G09/32']) expect(extractExpiry([speck(t, 0.4)], NOW, pan).expiry).toBeNull();
    // Without per-character confidences nothing says it was doubted.
    expect(extractExpiry([line('w09/32')], NOW)).toMatchObject({ expiry: null, reason: 'unreadable' });
  });
  it('a date elsewhere in the photo (a sticky note beside the card) is not the card\'s', () => {
    const pan = { panBox: box(40, 245, 345, 50) };
    const lines = [learned('11/31', box(196, 293, 113, 39)), learned('20/10 1pm', box(876, 305, 145, 73))];
    expect(extractExpiry(lines, NOW, pan).expiry).toBe('11/31');
    // A valid date on the note is not taken either (it would be the later one).
    expect(extractExpiry([learned('11/31', box(196, 293, 113, 39)), learned('10/35', box(876, 305, 145, 73))], NOW, pan).expiry).toBe('11/31');
    expect(extractExpiry([learned('11/28', box(196, 293, 113, 39)), learned('10/35', box(196, 40, 100, 30))], NOW, pan).expiry).toBe('11/28');
    // Without the number's place every date counts (lines without boxes: a reader that does not place them)…
    expect(extractExpiry([line('11/31'), line('20/10')], NOW)).toMatchObject({ expiry: null, reason: 'impossible_month' });
    // …but a date with a time of day is a note's wherever it is: cards print no times.
    expect(extractExpiry([line('11/31'), line('20/10 1pm')], NOW).expiry).toBe('11/31');
  });
  it('a labelled date off the number\'s columns is the card\'s; an unlabelled one there is not', () => {
    // The number ends at x = 385; VALID THRU and its date are printed right of its end, below it.
    const pan = { panBox: box(40, 245, 345, 50) };
    const label = learned('VALID THRU', box(380, 320, 60, 18));
    const date = learned('08/32', box(445, 316, 80, 26));
    expect(extractExpiry([label, date], NOW, pan)).toMatchObject({ expiry: '08/32', reason: null });
    expect(extractExpiry([learned('GOOD THRU 08/32', box(440, 316, 150, 26))], NOW, pan).expiry).toBe('08/32');
    // Unlabelled there: it may be something next to the card.
    expect(extractExpiry([date], NOW, pan)).toMatchObject({ expiry: null, reason: 'not_found' });
    // Labelled but far from the number: another object in the photo (a coupon's EXPIRES).
    expect(extractExpiry([learned('EXPIRES 08/32', box(1400, 900, 150, 26))], NOW, pan)).toMatchObject({ expiry: null, reason: 'not_found' });
  });
  it('dates no card prints (a day, a time of day) are ignored: neither taken nor blocking', () => {
    expect(extractExpiry([line('Date 15/05/2020'), line('06/31')], NOW).expiry).toBe('06/31');
    expect(extractExpiry([line('2024-05-15'), line('VALID THRU 06/31')], NOW).expiry).toBe('06/31');
    expect(extractExpiry([line('28/107pm'), line('12/29')], NOW).expiry).toBe('12/29');
    expect(extractExpiry([line('12/05 6 pm'), line('17/04 10:30'), line('12/29')], NOW).expiry).toBe('12/29');
    expect(extractExpiry([line('Due 01.12.26')], NOW)).toMatchObject({ expiry: null, reason: 'not_found' });
    // A lone date is still a date, and two dates of a number-free line are not a day-level one.
    expect(extractExpiry([line('19/03')], NOW)).toMatchObject({ expiry: null, reason: 'impossible_month' });
    expect(extractExpiry([line('05/29-1234')], NOW)).toMatchObject({ expiry: null, reason: 'unreadable' });
  });
  it('two whole dates with one character read in the gap are two dates (FROM and THRU side by side, a range)', () => {
    expect(extractExpiry([line('09/23-07/28')], NOW).expiry).toBe('07/28');
    expect(extractExpiry([line('08/29m02/33')], NOW).expiry).toBe('02/33');
    expect(extractExpiry([line('MEMBER SINCE 09/23~07/28')], NOW).expiry).toBe('07/28');
    // Every digit of both dates is still weighed: a doubted one makes the line unreadable.
    const text = '08/29m02/33';
    const weak = learned(text, box(100, 300, 200, 30), Array.from(text, (_, i) => (i === 7 ? 0.4 : 0.98)));
    expect(extractExpiry([weak], NOW)).toMatchObject({ expiry: null, reason: 'unreadable' });
    // Two characters in the gap are not a gap read as one: seen, not read.
    expect(extractExpiry([line('08/29mm02/33')], NOW)).toMatchObject({ expiry: null, reason: 'unreadable' });
  });
  it('a slash read as a doubted 1 or 7 under the number is the date (11128 for 11/28); nowhere else, never sure', () => {
    const pan = { panBox: box(108, 354, 769, 53) };
    const under = box(426, 455, 141, 38);
    const slash = (text: string, mid: number, b = under, rest = 1): TextLine => learned(text, b, [rest, rest, mid, rest, rest]);
    expect(extractExpiry([slash('11128', 0.63)], NOW, pan)).toMatchObject({ expiry: '11/28', reason: null });
    expect(extractExpiry([slash('05730', 0.8)], NOW, pan).expiry).toBe('05/30');
    // The reader was sure of its 1: a five-digit number or a date, seen and not read, its MM/YY a guess for another reader.
    expect(extractExpiry([slash('11128', 0.97)], NOW, pan)).toMatchObject({ expiry: null, reason: 'unreadable', tentative: '11/28' });
    expect(extractExpiry([slash('08730', 0.96)], NOW, pan)).toMatchObject({ expiry: null, tentative: '08/30' });
    // Not under the number, or no number to place it by: no guess either.
    expect(extractExpiry([slash('08730', 0.96, box(1200, 900, 141, 38))], NOW, pan).tentative).toBeUndefined();
    expect(extractExpiry([slash('08730', 0.96)], NOW).tentative).toBeUndefined();
    // A digit of the date doubted too, an impossible month, another middle character: not taken.
    expect(extractExpiry([slash('11128', 0.63, under, 0.85)], NOW, pan).expiry).toBeNull();
    expect(extractExpiry([slash('13128', 0.63)], NOW, pan).expiry).toBeNull();
    expect(extractExpiry([slash('11828', 0.63)], NOW, pan).expiry).toBeNull();
    // Not under the number: on its row (a group of the number boxed alone), above it, beside it, far below.
    for (const b of [box(880, 354, 120, 53), box(426, 280, 141, 38), box(900, 455, 141, 38), box(426, 600, 141, 38)]) {
      expect(extractExpiry([slash('11128', 0.63, b)], NOW, pan).expiry).toBeNull();
    }
    // No number located in the reading: nothing to place it by.
    expect(extractExpiry([slash('11128', 0.63)], NOW).expiry).toBeNull();
    // More on the line, or another date in the reading (even an unreadable one): not this rule's.
    expect(extractExpiry([learned('11128 A', under, [1, 1, 0.63, 1, 1, 1, 1])], NOW, pan).expiry).toBeNull();
    expect(extractExpiry([slash('11128', 0.63), learned('05/29', box(426, 500, 141, 38))], NOW, pan).expiry).toBe('05/29');
    expect(extractExpiry([slash('11128', 0.63), learned('0?/29', box(426, 500, 141, 38))], NOW, pan).expiry).toBeNull();
    // Two such lines: which is the date cannot be told.
    expect(extractExpiry([slash('11128', 0.63), slash('05730', 0.6, box(426, 500, 141, 38))], NOW, pan).expiry).toBeNull();
  });
  it('a slash read as a character with a digit doubted is a guess for the CRNN to confirm, never a value (embossed 06729 for 06/29)', () => {
    const pan = { panBox: box(108, 354, 769, 53) };
    const under = box(426, 455, 141, 38);
    // embossed-95001 (tuning): the 6 at 0.69 on the whole view, 0.85 on the date close-up; the 7 at 0.58 and 0.73.
    for (const conf of [[0.94, 0.69, 0.58, 0.99, 0.99], [0.99, 0.85, 0.73, 0.99, 1], [0.99, 0.85, 0.97, 0.99, 1]]) {
      expect(extractExpiry([learned('06729', under, conf)], NOW, pan), conf.join()).toMatchObject({ expiry: null, reason: 'unreadable', tentative: '06/29' });
    }
    // A digit read more weakly than that: no guess; off the number's columns: none either.
    expect(extractExpiry([learned('06729', under, [0.94, 0.5, 0.58, 0.99, 0.99])], NOW, pan).tentative).toBeUndefined();
    expect(extractExpiry([learned('06729', box(1200, 900, 141, 38), [0.94, 0.69, 0.58, 0.99, 0.99])], NOW, pan).tentative).toBeUndefined();
  });
  it('a second date on the line with its slash read as a character blocks the other date when it may be the later one', () => {
    // MEMBER SINCE 01/27 MONTH/YEAR 07/32, labels unread, 07/32 read 07732: 01/27 is no expiry.
    expect(extractExpiry([line('01/27 07732')], NOW)).toMatchObject({ expiry: null, reason: 'unreadable' });
    expect(extractExpiry([line('01/27 07l32')], NOW)).toMatchObject({ expiry: null, reason: 'unreadable' });
    // The misread one is the earlier (the start date printed first): the later date stands.
    expect(extractExpiry([line('04730 11/33')], NOW).expiry).toBe('11/33');
    // Labelled the expiry, earlier or not, it is the expiry unread; a labelled expiry read beside it stands.
    expect(extractExpiry([line('11/33 THRU 04730')], NOW)).toMatchObject({ expiry: null, reason: 'unreadable' });
    expect(extractExpiry([line('SINCE 01/27 THRU 07/32'), line('01/27 07732')], NOW).expiry).toBe('07/32');
    // Not a month before the look-alike, another middle character, or no other date on the line: not this rule's.
    expect(extractExpiry([line('01/27 13732')], NOW).expiry).toBe('01/27');
    expect(extractExpiry([line('01/27 07832')], NOW).expiry).toBe('01/27');
  });
  it('so does one with a label remnant and a mark glued before it, right after the date (09/23 3--07128)', () => {
    // real-world-80001 (tuning): MEMBER SINCE 09/23 VALID THRU 07/28 read `09/23 3--07128` at 1280 px, 09/23 taken.
    for (const text of ['09/23 3--07128', '09/23 U-07728', '09/23 3.07l28']) {
      expect(extractExpiry([line(text)], NOW), text).toMatchObject({ expiry: null, reason: 'unreadable', startDate: '09/23' });
    }
    // The earlier one misread so: the later date read stands; a longer run before the mark is a phone number's.
    expect(extractExpiry([line('11/33 3--04730')], NOW).expiry).toBe('11/33');
    expect(extractExpiry([line('09/23 030-07128')], NOW).expiry).toBe('09/23');
    // Not right after the date, or another middle character: not this rule's.
    expect(extractExpiry([line('3--07128 09/23')], NOW).expiry).toBe('09/23');
    expect(extractExpiry([line('09/23 3--07828')], NOW).expiry).toBe('09/23');
  });
  it('an expiry label between the read date and the misread one changes nothing (review 7a S2)', () => {
    for (const text of ['09/23 THRU 3--07128', '09/23 EXP 3--07128']) {
      expect(extractExpiry([line(text)], NOW), text).toMatchObject({ expiry: null, reason: 'unreadable' });
    }
    // Earlier than the date read, though labelled: it blocks, with no guess and no start date (review 7b S3).
    const earlier = extractExpiry([line('12/30 EXP 3--07129')], NOW);
    expect(earlier).toMatchObject({ expiry: null, reason: 'unreadable' });
    expect(earlier.tentative).toBeUndefined();
    expect(earlier.startDate).toBeUndefined();
  });
  it('an earlier date seen with its slash read as a mark after a read date is no guess at the expiry (review 7a S1)', () => {
    // 12/28 03.23: the date lost is before the one read, so at most the start date.
    expect(extractExpiry([line('12/28 03.23')], NOW).tentative).toBeUndefined();
    expect(extractExpiry([line('12/28 12.28')], NOW).tentative).toBeUndefined();
    // The later one still is (the rule below).
    expect(extractExpiry([line('12/28 03.31')], NOW).tentative).toBe('03/31');
  });
  it('the later date seen with its slash read as a character or mark is a guess for the CRNN to confirm, never a value', () => {
    // real-world-80001 (tuning): VALID FROM 03/23 GOOD THRU 12/28 read `(03/23 12.28` and `03/23 12128`.
    expect(extractExpiry([line('(03/23 12.28')], NOW)).toMatchObject({ expiry: null, reason: 'unreadable', tentative: '12/28', startDate: '03/23' });
    expect(extractExpiry([line('03/23 12128')], NOW)).toMatchObject({ expiry: null, reason: 'unreadable', tentative: '12/28', startDate: '03/23' });
    expect(extractExpiry([line('09/23 3--07128')], NOW)).toMatchObject({ expiry: null, tentative: '07/28' });
    // Four digits with no mark between them, or a remnant: no guess (which digits are the date's cannot be told).
    expect(extractExpiry([line('03/23 1228')], NOW).tentative).toBeUndefined();
    expect(extractExpiry([line('03/28 07')], NOW).tentative).toBeUndefined();
  });
  it('what is left of a second date cut short (digits right after a date, a slash and a year alone) is a date seen, not read', () => {
    // MEMBER SINCE 03/28 EXPIRES 07/34, labels lost, the second date cut to `07`: 03/28 is no expiry.
    expect(extractExpiry([line('03/28 07')], NOW)).toMatchObject({ expiry: null, reason: 'unreadable' });
    expect(extractExpiry([line('03/28 7/')], NOW)).toMatchObject({ expiry: null, reason: 'unreadable' });
    // The date read before it is the start date (for fusion to hold against a reading of it alone).
    expect(extractExpiry([line('03/28 07')], NOW).startDate).toBe('03/28');
    expect(extractFields([line('03/28 07')], { now: NOW }).startDate).toBe('03/28');
    expect(extractExpiry([line('03/28'), line('/34')], NOW).startDate).toBeUndefined();
    // The month lost: `/34` beside an unlabelled date, on its line or another.
    expect(extractExpiry([line('03/28 /34')], NOW)).toMatchObject({ expiry: null, reason: 'unreadable' });
    expect(extractExpiry([line('03/28'), line('/34')], NOW)).toMatchObject({ expiry: null, reason: 'unreadable' });
    // A date labelled the expiry stands beside a remnant.
    expect(extractExpiry([line('THRU 07/34 03')], NOW).expiry).toBe('07/34');
    expect(extractExpiry([line('VALID THRU 07/34'), line('/28')], NOW).expiry).toBe('07/34');
    // Digits not right after a date, or three of them (a code), are not a date's remnant.
    expect(extractExpiry([line('07 03/28')], NOW).expiry).toBe('03/28');
    expect(extractExpiry([line('03/28 123')], NOW).expiry).toBe('03/28');
    expect(extractExpiry([line('03/28'), line('/345')], NOW).expiry).toBe('03/28');
  });
  it('a date seen after a read date on its line (a remnant, a glued or doubted date, an expiry label with no date read) makes the read one the start date (review 6a S2)', () => {
    // MEMBER SINCE 03/28 EXPIRES 07/34 (VALID FROM 07/27 THRU …) read with the later date, or its labels, lost.
    for (const text of ['03/28 07/3', '03/28 O7', '03/28 EXPIRES 07', '03/28 EXPIRES', '03/28 8007/34', '03/28 ??/34', '03/28 VALID THRU']) {
      expect(extractExpiry([line(text)], NOW), text).toMatchObject({ expiry: null, reason: 'unreadable', startDate: '03/28' });
    }
    expect(extractExpiry([line('07/27 THRU 1')], NOW)).toMatchObject({ expiry: null, reason: 'unreadable', startDate: '07/27' });
    // The later date with its slash read as a character (MEMBER SINCE 01/27 MONTH/YEAR 07/32).
    expect(extractExpiry([line('01/27 07732')], NOW)).toMatchObject({ expiry: null, reason: 'unreadable', startDate: '01/27' });
    // A later date read in full on the line stays the expiry.
    expect(extractExpiry([line('03/28 EXPIRES 07/34')], NOW).expiry).toBe('07/34');
    expect(extractExpiry([line('03/28 07/34')], NOW).expiry).toBe('07/34');
    // A date labelled the expiry is no start date, whatever follows it.
    expect(extractExpiry([line('THRU 07/34 ??/35')], NOW).startDate).toBeUndefined();
    expect(extractExpiry([line('THRU 07/34 EXPIRES')], NOW).expiry).toBe('07/34');
    // MONTH/YEAR after a date says nothing of which date it is; a word after the label is no label.
    expect(extractExpiry([line('03/28 MONTH/YEAR')], NOW).expiry).toBe('03/28');
    expect(extractExpiry([line('03/28 THRU JOHN')], NOW).expiry).toBe('03/28');
    // Letters that are no digit after a date are no remnant of one.
    expect(extractExpiry([line('03/28 OK')], NOW).expiry).toBe('03/28');
  });

  it('a guess at a date earlier than a date read beside it is no guess: at most the start date', () => {
    // VALID FROM 11/29 GOOD THRU 11/34 read `m11/2911/34` (embossed-83001, tuning), the m doubted:
    // 11/29 was offered as the guess for the CRNN check to confirm.
    const text = 'm11/2911/34';
    const glued = learned(text, box(120, 316, 300, 30), Array.from(text, (_, i) => (i === 0 ? 0.43 : 0.98)));
    const r = extractExpiry([glued], NOW, { panBox: box(100, 250, 500, 40) });
    expect(r).toMatchObject({ expiry: null, reason: 'unreadable', startDate: '11/29' });
    expect(r.tentative).toBeUndefined();
    // A guess later than the date read beside it stays the guess (the read one the start date).
    const later = '01/26 A05/31';
    const g = learned(later, box(120, 316, 300, 30), Array.from(later, (_, i) => (i === 6 ? 0.39 : 0.98)));
    expect(extractExpiry([g], NOW, { panBox: box(100, 250, 500, 40) })).toMatchObject({ expiry: null, reason: 'unreadable', tentative: '05/31', startDate: '01/26' });
  });
  it('what is left of a start date\'s label right before its date labels it (a word ending in M, MEMBER cut short)', () => {
    // VALID FROM 06/30 read `VAM 06/30`, MEMBER SINCE 04/22 read `ME04/22`, VALID FROM 11/23 read
    // `VALIDFOM11/23` (embossed-84001, generated): each start date had been reported as the expiry.
    for (const text of ['VAM 06/30', 'ME04/22', 'VALIDFOM11/23', 'MEMB 04/22']) {
      expect(extractExpiry([line(text)], NOW), text).toMatchObject({ expiry: null, reason: 'only_valid_from' });
    }
    // With the expiry read after it, the expiry.
    expect(extractExpiry([line('VAM 06/30 VALID THRU 06/34')], NOW).expiry).toBe('06/34');
    // Other words before a date, or ME not right before it, are no start date's label.
    expect(extractExpiry([line('VALDTHRL 06/30')], NOW).expiry).toBe('06/30');
    expect(extractExpiry([line('ME X 06/30')], NOW).expiry).toBe('06/30');
    // A doubted label read as letters ending in M is no start date's (VALID UNTIL 09/27 read `hwm09/27`).
    expect(extractExpiry([line('hwm09/27')], NOW).expiry).toBe('09/27');
  });
  it('a date some reading read labelled as the start date is that start date for the other readings', () => {
    // One detection read `VALI FROM11/23` (a card printing no expiry), another `VALIDFOX11/23`.
    expect(extractExpiry([line('VALI FROM11/23')], NOW)).toMatchObject({ expiry: null, reason: 'only_valid_from', startDate: '11/23' });
    expect(extractFields([line('MEMBER SINCE 09/24')], { now: NOW }).startDate).toBe('09/24');
    // The latest of two start dates; none when the reading reads an expiry.
    expect(extractExpiry([line('FROM 09/21'), line('FROM 09/24')], NOW).startDate).toBe('09/24');
    expect(extractExpiry([line('VALID FROM 09/24 VALID THRU 05/30')], NOW)).toMatchObject({ expiry: '05/30' });
    expect(extractExpiry([line('VALID FROM 09/24 VALID THRU 05/30')], NOW).startDate).toBeUndefined();
  });
  it('a month and a slash after a date seen on its line, labels misread between them, is the later date cut short', () => {
    // VALID FROM 01/26 VALID UNTIL 05/31 read `A01/26 vALiD UmL05/3 1` (embossed-95001, tuning):
    // the start date's guess was the line's only date, offered for the CRNN check to confirm.
    const text = 'A01/26 vALiD UmL05/3 1';
    const cut = learned(text, box(115, 417, 500, 44), Array.from(text, (_, i) => (i === 0 ? 0.39 : 0.9)));
    const r = extractExpiry([cut], NOW, { panBox: box(67, 338, 800, 49) });
    expect(r).toMatchObject({ expiry: null, reason: 'unreadable' });
    expect(r.tentative).toBeUndefined();
    // Nothing date-like after it: the glued date stays a guess.
    const alone = 'A01/26 vALiD UmL';
    const a = learned(alone, box(115, 417, 400, 44), Array.from(alone, (_, i) => (i === 0 ? 0.39 : 0.9)));
    expect(extractExpiry([a], NOW, { panBox: box(67, 338, 800, 49) }).tentative).toBe('01/26');
    // After a read date, labels between: the read one is the start date.
    expect(extractExpiry([line('01/26 VALD UmL 05/3')], NOW)).toMatchObject({ expiry: null, reason: 'unreadable', startDate: '01/26' });
  });

  it('after two dates read on a line, a stray token marks neither as the start date (review 6b S-c)', () => {
    // Marking 05/29 would drop the real expiry in fusion and let another reading's lone 11/25 through.
    for (const text of ['11/25 05/29 1', '11/25 05/29 THRU', '11/25 05/29 EXPIRES', '11/25 05/29 S8']) {
      const r = extractExpiry([line(text)], NOW);
      expect(r.startDate, text).toBeUndefined();
      expect(r.expiry, text).not.toBe('11/25');
    }
    // One date read before the stray still is the start date.
    expect(extractExpiry([line('11/25 05')], NOW).startDate).toBe('11/25');
  });

  it('a second date with its slash read as another mark or lost makes the date before it the start date (review 6b S-b)', () => {
    for (const text of ['11/25 05.29', '11/25 05,29', '11/25 05)29', '11/25 05?29', '11/25 0529']) {
      expect(extractExpiry([line(text)], NOW), text).toMatchObject({ expiry: null, reason: 'unreadable', startDate: '11/25' });
    }
    // No month in the four digits: no date, and the one date read stands.
    expect(extractExpiry([line('11/25 1334')], NOW).expiry).toBe('11/25');
  });
  it('a date with stray characters glued to it is seen, not read, with the whole MM/YY inside it as a guess for another reader to confirm', () => {
    // GOOD THRU 06/34 read 8006/34 (a label's remnant glued on): not read, and not invisible either.
    expect(extractExpiry([line('8006/34')], NOW)).toMatchObject({ expiry: null, reason: 'unreadable', tentative: '06/34' });
    expect(extractFields([line('8006/34')], { now: NOW }).tentative).toEqual({ expiry: '06/34' });
    expect(extractExpiry([line('m05/26')], NOW)).toMatchObject({ expiry: null, reason: 'unreadable', tentative: '05/26' });
    expect(extractExpiry([line('05/26x')], NOW)).toMatchObject({ expiry: null, reason: 'unreadable', tentative: '05/26' });
    // No month inside, or more than one date seen: nothing to guess.
    expect(extractExpiry([line('88066/34')], NOW)).toEqual(expect.not.objectContaining({ tentative: expect.anything() }));
    expect(extractExpiry([line('8006/34'), line('m05/26')], NOW)).toEqual(expect.not.objectContaining({ tentative: expect.anything() }));
    // A year-first date of a real calendar is still judged as one (1403/01: Solar Hijri).
    expect(extractExpiry([line('1403/01')], NOW)).toMatchObject({ expiry: null, reason: 'non_gregorian' });
    // A slash with a longer run of digits after it is a phone number (card backs print
    // `Tel. 030/1234567` near the number), no date: the expiry beside it stands.
    expect(extractExpiry([line('05/29'), line('TEL 030/1234567')], NOW).expiry).toBe('05/29');
    expect(extractExpiry([line('05/29'), line('0800/123456')], NOW).expiry).toBe('05/29');
  });
  it('a number printed down the card: a date across the card from it is on the card', () => {
    // A landscape card view 1000 px wide, the number down its right edge, the date at the bottom left.
    const pan = { panBox: box(903, 74, 49, 490) };
    expect(extractExpiry([learned('07/32', box(68, 458, 106, 31))], NOW, pan)).toMatchObject({ expiry: '07/32', reason: null });
    // Beyond the card's reach (another object in the photo): not taken.
    expect(extractExpiry([learned('07/32', box(-400, 900, 106, 31))], NOW, pan).expiry).toBeNull();
    // A tilted number's upright box (not a level column) keeps the row's reach.
    expect(extractExpiry([learned('07/32', box(68, 458, 106, 31))], NOW, { panBox: box(700, 74, 252, 490) }).expiry).toBe('07/32');
    expect(extractExpiry([learned('07/32', box(-900, 900, 106, 31))], NOW, { panBox: box(700, 74, 252, 490) }).expiry).toBeNull();
  });
  it('a one-digit month glued to its label is not read (the label may have swallowed a digit)', () => {
    // VALID THRU 11/32 read as VALIDTHRUl1/32: not 01/32.
    expect(extractExpiry([line('VALIDTHRUl1/32')], NOW)).toMatchObject({ expiry: null, reason: 'unreadable' });
    expect(extractExpiry([line('VALIDTHRU11/32')], NOW).expiry).toBe('11/32');
    // 3–9 glued: 13–19 are no months, so it is 06 either way.
    expect(extractExpiry([line('MONTH6/32')], NOW).expiry).toBe('06/32');
    // A lone month 1 or 2 may be 10–12 with a digit lost (1/33 read for 11/33): not read; 3–9 are.
    expect(extractExpiry([line('VALID THRU 1/32')], NOW)).toMatchObject({ expiry: null, reason: 'unreadable' });
    expect(extractExpiry([line('VALID THRU 4/32')], NOW).expiry).toBe('04/32');
    // The month's first digit split off by a wide gap: 11/32 or 01/32 cannot be told.
    expect(extractExpiry([line('VALI THRu 1 1/32')], NOW)).toMatchObject({ expiry: null, reason: 'unreadable' });
  });
  it('a Title Case line is a name only where the geometry places it (issuers print their names that way)', () => {
    // A tilted card: boxes say nothing, the bank's Title Case name is not taken; capitals are.
    const tilted = { panBox: box(485, 116, 429, 336) };
    expect(extractName([learned('Kaiser Sparkasse', box(337, 70, 266, 197))], tilted).name).toBeNull();
    expect(extractName([learned('SOFIA MENDES', box(500, 420, 260, 120))], tilted).name).toBe('SOFIA MENDES');
    // Far from a tilted number: another object in the photo (a loyalty card).
    expect(extractName([learned('PET PALACE', box(397, 595, 177, 77))], { panBox: box(361, 325, 118, 42) }).name).toBeNull();
    // Level and below the number: a printed specimen's Title Case name is read.
    expect(extractName([learned("I. Don't Buyit", box(60, 460, 200, 30))], { panBox: box(60, 380, 520, 50) }).name).toBe("I. DON'T BUYIT");
    // Bank words of other countries are never names.
    expect(extractName([learned('KAISER SPARKASSE', box(60, 460, 260, 30))], { panBox: box(60, 380, 520, 50) }).name).toBeNull();
  });
  it('a date-shaped token with non-digits blocks a guess from the other date', () => {
    // MEMBER SINCE unread, VALID THRU read as 05/1日: 08/10 must not become the expiry.
    expect(extractExpiry([line('08/10'), line('05/1日')], NOW)).toMatchObject({ expiry: null, reason: 'unreadable' });
    expect(extractExpiry([line('08/10'), line('THRU 05/1日'), line('GOOD THRU 05/16')], NOW).expiry).toBe('05/16');
  });
  it('tells label-only lines', () => {
    expect(labelOnly('VALID THRU')).toBe('expiry');
    expect(labelOnly('MEMBER SINCE')).toBe('from');
    expect(labelOnly('JOHN SMITH')).toBeNull();
  });
  it('reports no expiry when an unlabelled date could not be read (it may be the expiry)', () => {
    const r = extractExpiry([line('10/25', 'expiry'), line('??/29', 'expiry')], NOW);
    expect(r).toMatchObject({ expiry: null, reason: 'unreadable' });
  });
  it('still reads a labelled expiry next to an unreadable date', () => {
    expect(extractExpiry([line('??/??', 'expiry'), line('VALID THRU 05/29', 'expiry')], NOW).expiry).toBe('05/29');
    expect(extractExpiry([line('VALID FROM ??/??', 'expiry'), line('05/29', 'expiry')], NOW).expiry).toBe('05/29');
  });
});

describe('extractName', () => {
  const cases: Array<{ name: string; lines: TextLine[]; expected: string | null; reason?: string }> = [
    { name: 'uppercase with an initial', lines: [line('JOHN R SAMPLE', 'name')], expected: 'JOHN R SAMPLE' },
    { name: 'initial with a dot', lines: [line('JOHN T. SAMPLE')], expected: 'JOHN T. SAMPLE' },
    { name: 'initial and surname', lines: [line('G RAYMOND')], expected: 'G RAYMOND' },
    { name: 'Title Case with an apostrophe, reported in capitals', lines: [line("I. Don't Buyit")], expected: "I. DON'T BUYIT" },
    { name: 'three words', lines: [line('JOSE MARIA SANCHEZ')], expected: 'JOSE MARIA SANCHEZ' },
    { name: 'five words with a particle', lines: [line('JUAN CARLOS DE LA CRUZ')], expected: 'JUAN CARLOS DE LA CRUZ' },
    { name: 'expiry beside the name is cut off', lines: [line('JOHN R SAMPLE 05/15')], expected: 'JOHN R SAMPLE' },
    { name: 'label and expiry beside the name', lines: [line('PRIYA MARTIN VALID THRU 05/29')], expected: 'PRIYA MARTIN' },
    { name: 'stray punctuation at word edges', lines: [line('. JOHN E OKAFOR ,', 'name')], expected: 'JOHN E OKAFOR' },
    { name: 'accented Latin letters', lines: [line('ÉLODIE MÜLLER')], expected: 'ÉLODIE MÜLLER' },
    { name: 'the name-region line wins', lines: [line('METRO FIRST', 'any', 0.99), line('LEILA MULLER', 'name', 0.8)], expected: 'LEILA MULLER' },
    { name: 'gaps a recogniser dropped: initial with a dot', lines: [line('JOHNT.SAMPLE')], expected: 'JOHN T. SAMPLE' },
    { name: 'gaps a recogniser dropped: Title Case', lines: [line("I.Don'tBuyit")], expected: "I. DON'T BUYIT" },
    { name: 'McDonald keeps its capital', lines: [line('Anna McDonald')], expected: 'ANNA MCDONALD' },
    { name: 'a specimen holder word beside a name', lines: [line('LEE CARDHOLDER')], expected: 'LEE CARDHOLDER' },
    { name: 'capitals win over Title Case', lines: [line('Thank You', 'any', 0.99), line('ANNA ADLER', 'any', 0.8)], expected: 'ANNA ADLER' },
  ];
  it.each(cases)('$name', ({ lines, expected }) => {
    expect(extractName(lines).name).toBe(expected);
  });

  const refused: Array<{ name: string; text: string }> = [
    { name: 'a bank', text: 'CEDAR BANK' },
    { name: 'a credit union', text: 'PSECU FCU' },
    { name: 'a brand', text: 'AMERICAN EXPRESS' },
    { name: 'a product tier', text: 'VISA SIGNATURE' },
    { name: 'a product tier 2', text: 'PLATINUM REWARDS' },
    { name: 'card kind', text: 'DEBIT CARD' },
    { name: 'a label', text: 'VALID THRU' },
    { name: 'member since', text: 'MEMBER SINCE' },
    { name: 'a holder label', text: 'CARDHOLDER NAME' },
    { name: 'a slogan', text: 'Payment Protection' },
    { name: 'a URL', text: 'RINGGITPLUS.COM' },
    { name: 'a URL with www', text: 'WWW BANK COM' },
    { name: 'lower case', text: 'priya martin' },
    { name: 'digits inside', text: 'PRIYA 4R MARTIN' },
    { name: 'a single word', text: 'PRIYA' },
    { name: 'too many words', text: 'ONE TWO THREE FOUR FIVE' },
    { name: 'longer than a track allows', text: 'MAXIMILIANO ALEJANDRO FERNANDEZ' },
    { name: 'consonant noise', text: 'XKCD BRRT' },
    { name: 'a slogan of common words', text: 'EVERYWHERE YOU ARE' },
    { name: 'a slogan read without spaces', text: 'PaymentProtection' },
    { name: 'capitals without spaces cannot be split', text: 'MAXMUSTERMANN' },
    { name: 'screen text', text: 'INFORMATION PROPERTY LIST' },
    { name: 'a phone line', text: 'CALL 1 800 432 1000' },
    { name: 'strokes read as one letter repeated', text: 'III I' },
    { name: 'a single word in the holder slot', text: 'CARDHOLDER' },
    { name: 'a two-word holder label', text: 'CARD HOLDER' },
    { name: 'the expiry label', text: 'GOOD THRU' },
  ];
  it.each(refused)('not a name: $name', ({ text }) => {
    expect(extractName([line(text)]).name).toBeNull();
  });

  it('a non-Latin name is missing, not wrong', () => {
    expect(extractName([line('ИВАН ПЕТРОВ')])).toMatchObject({ name: null, reason: 'non_latin' });
    expect(extractName([line('张伟')])).toMatchObject({ name: null, reason: 'non_latin' });
  });
  it('prefers the line just below the number over the bank name above it', () => {
    const pan = box(40, 200, 560, 50);
    const lines = [learned('FIRST CEDAR', box(40, 30, 300, 40)), learned('ANNA ADLER', box(40, 300, 240, 30), 0.9)];
    expect(extractName(lines, { panBox: pan, panSources: ['ppocr'] }).name).toBe('ANNA ADLER');
  });
  it('prefers the line beside the expiry', () => {
    const lines = [learned('CEDAR SAVERS', box(40, 40, 300, 30), 0.99), learned('JOHN R SAMPLE', box(40, 300, 260, 30), 0.9), learned('05/29', box(420, 300, 80, 30))];
    expect(extractName(lines, { expiryBox: box(420, 300, 80, 30) }).name).toBe('JOHN R SAMPLE');
    // Without the date (or the number) nothing ties a boxed line to the card: no name.
    expect(extractName(lines.slice(0, 2))).toMatchObject({ name: null, reason: 'not_near_number' });
  });
  it('takes the name below the number, never what is printed above it or beside the card', () => {
    const pan = { panBox: box(60, 380, 520, 50) };
    const bankAbove = [learned('KESTREL SAVERS', box(60, 60, 300, 40)), learned('ANNA ADLER', box(70, 560, 220, 30))];
    expect(extractName(bankAbove, pan).name).toBe('ANNA ADLER');
    // The issuer's name alone (the holder's line unread): refused, not taken.
    expect(extractName(bankAbove.slice(0, 1), pan)).toMatchObject({ name: null, reason: 'not_near_number' });
    // A business card beside the payment card: right of the number, far below it.
    expect(extractName([learned('JONAS WEBER', box(900, 420, 240, 30))], pan).name).toBeNull();
    expect(extractName([learned('JONAS WEBER', box(70, 900, 240, 30))], pan).name).toBeNull();
    // A vertical number says nothing about rows: the line is judged on its own.
    expect(extractName([learned('ANNA ADLER', box(70, 60, 220, 30))], { panBox: box(600, 40, 50, 400) }).name).toBe('ANNA ADLER');
  });
  it('joins words a detector boxed one by one, not fields far apart', () => {
    const pan = { panBox: box(100, 420, 700, 60) };
    const words = [learned('HENRY', box(108, 551, 137, 37)), learned('MARIN', box(280, 551, 141, 37))];
    expect(extractName(words, pan).name).toBe('HENRY MARIN');
    const far = [learned('HENRY', box(108, 551, 137, 37)), learned('MARIN', box(600, 551, 141, 37))];
    expect(extractName(far, pan).name).toBeNull();
    const otherReader = [learned('HENRY', box(108, 551, 137, 37), 0.98, 'a'), learned('MARIN', box(280, 551, 141, 37), 0.98, 'b')];
    expect(extractName(otherReader, pan).name).toBeNull();
  });
  it('refuses a name with a weak letter', () => {
    const c = Array.from('ANNA ADLER', () => 0.95);
    // The name under the number, clear of the view's edges (a line at an edge may be cut off).
    const pan = { panBox: box(40, 100, 400, 50) };
    c[6] = 0.2;
    expect(extractName([learned('ANNA ADLER', box(40, 180, 200, 30), c)], pan)).toMatchObject({ name: null, reason: 'low_confidence' });
    // A misread letter measured 0.19–0.68; right names' weakest letter ≥ 0.80 (NAME_CHAR_CONFIDENCE_FLOOR 0.7).
    c[6] = 0.65;
    expect(extractName([learned('ANNA ADLER', box(40, 180, 200, 30), c)], pan)).toMatchObject({ name: null, reason: 'low_confidence' });
    c[6] = 0.8;
    expect(extractName([learned('ANNA ADLER', box(40, 180, 200, 30), c)], pan).name).toBe('ANNA ADLER');
  });

  it('extractFields passes a name refused for a weak letter on as tentative (for fusion, never a value)', () => {
    const c = Array.from('ANNA ADLER', () => 0.95);
    c[6] = 0.3;
    const lines = [learned('4111 1111 1111 1111', box(40, 100, 400, 50)), learned('ANNA ADLER', box(40, 180, 200, 30), c)];
    expect(extractFields(lines, { now: NOW })).toMatchObject({ name: null, missing: { name: 'low_confidence' }, tentative: { name: 'ANNA ADLER' } });
    c[6] = 0.95;
    const sure = extractFields(lines, { now: NOW });
    expect(sure.name).toBe('ANNA ADLER');
    expect(sure.tentative).toBeUndefined();
  });
});

describe('extractFields', () => {
  it('combines the fields with confidences', () => {
    const f = extractFields(
      [
        line('METRO FIRST', 'any'),
        line('3782 822463 10005', 'number'),
        line('VALID FROM 06/21 EXPIRES END 02/30', 'expiry'),
        line('OLIVER OKAFOR', 'name'),
      ],
      { now: NOW },
    );
    expect(f).toMatchObject({ pan: '378282246310005', brand: 'amex', expiry: '02/30', name: 'OLIVER OKAFOR', missing: {} });
    expect(f.confidence.pan).toBeGreaterThan(0.5);
  });
  it('reads a learned-reader card: bank on top, number, expiry, name below', () => {
    const f = extractFields(
      [
        learned('CEDAR BANK', box(30, 20, 200, 36)),
        learned('4111 1111 1111 1111', box(40, 200, 560, 50)),
        learned('4111', box(40, 252, 60, 14)),
        learned('VALID THRU', box(300, 270, 60, 12)),
        learned('12/29', box(300, 284, 80, 24)),
        learned('ANNA ADLER', box(40, 320, 240, 30)),
      ],
      { now: NOW },
    );
    expect(f).toMatchObject({ pan: '4111111111111111', expiry: '12/29', name: 'ANNA ADLER' });
  });
  it('reports each missing field with a reason', () => {
    const f = extractFields([line('4111 1111 1111 1112', 'number')], { now: NOW });
    expect(f.pan).toBeNull();
    expect(f.missing).toMatchObject({ pan: 'luhn_failed', expiry: 'not_found' });
    expect(f.missing.name).toBeDefined();
    expect(f.panUnverified).toBe('4111111111111112');
  });
  it('never returns a CVV-like value anywhere', () => {
    const f = extractFields([line('CVV 123'), line('CVC2 456'), line('7373')], { now: NOW });
    expect(JSON.stringify(f)).not.toMatch(/123|456|7373/);
  });
});
