import { describe, expect, it } from 'vitest';
import {
  brandOf,
  extractExpiry,
  extractFields,
  extractName,
  extractPan,
  repairDigits,
  type TextLine,
} from '../../functions/reader/extract/index.js';

const NOW = new Date('2026-11-27T12:00:00Z');
const line = (text: string, role: TextLine['role'] = 'any', confidence = 0.95): TextLine => ({ text, role, confidence });

describe('repairDigits', () => {
  it('turns look-alike letters into digits inside number-like tokens', () => {
    expect(repairDigits('4H21')).toEqual({ digits: '4421', substitutions: 1 });
    expect(repairDigits('O5')).toEqual({ digits: '05', substitutions: 1 });
    expect(repairDigits('1234')).toEqual({ digits: '1234', substitutions: 0 });
  });
  it('leaves words alone', () => {
    expect(repairDigits('CEDAR')).toBeNull();
    expect(repairDigits('BOB')).toBeNull();
    expect(repairDigits('SOLO')).toBeNull();
  });
});

describe('extractPan', () => {
  it('reads a 4-4-4-4 Visa number (published test number)', () => {
    const r = extractPan([line('4111 1111 1111 1111', 'number')]);
    expect(r.pan).toBe('4111111111111111');
    expect(r.brand).toBe('visa');
  });
  it('reads an Amex number grouped 4-6-5', () => {
    const r = extractPan([line('3782 822463 10005', 'number')]);
    expect(r.pan).toBe('378282246310005');
    expect(r.brand).toBe('amex');
  });
  it('rejects an Amex number grouped like a Visa', () => {
    // 15 digits printed 4-4-4-3 is not how any network prints a 15-digit number.
    const r = extractPan([line('3782 8224 6310 005', 'number')]);
    expect(r.pan).toBeNull();
  });
  it('reads a 19-digit number grouped 4-4-4-4-3', () => {
    // Luhn-valid made-up Visa 19-digit number.
    const r = extractPan([line('4000 0000 0000 0000 006', 'number')]);
    expect(r.pan).toBe('4000000000000000006');
    expect(r.brand).toBe('visa');
  });
  it('reads Mastercard 2-series and Discover numbers', () => {
    expect(extractPan([line('2223 0000 4841 0010', 'number')]).brand).toBe('mastercard');
    expect(extractPan([line('6011 1111 1111 1117', 'number')]).brand).toBe('discover');
    expect(extractPan([line('5555 5555 5555 4444', 'number')]).pan).toBe('5555555555554444');
  });
  it('reads a number printed without spaces', () => {
    expect(extractPan([line('4012888888881881', 'number')]).pan).toBe('4012888888881881');
  });
  it('repairs OCR letter confusions in the number', () => {
    // 5→S, 4→H, 1→l, 0→O
    const r = extractPan([line('SSSS 5555 SSSS HHHH', 'number')]);
    expect(r.pan).toBeNull(); // too many substitutions: not number-like
    const r2 = extractPan([line('4l11 1111 1111 1111', 'number')]);
    expect(r2.pan).toBe('4111111111111111');
    expect(r2.confidence!).toBeLessThan(0.95);
  });
  it('never reports a number that fails Luhn as the PAN', () => {
    const r = extractPan([line('4111 1111 1111 1112', 'number')]);
    expect(r.pan).toBeNull();
    expect(r.panUnverified).toBe('4111111111111112');
    expect(r.reason).toBe('luhn_failed');
  });
  it('does not offer a doubtful Luhn-failing read as unverified', () => {
    const r = extractPan([line('4111 1111 1111 1112', 'number', 0.5)]);
    expect(r.panUnverified).toBeNull();
  });
  it('does not accept a 13-digit fragment of a longer number that happens to pass Luhn', () => {
    // 4111 1111 1111 1 passes Luhn but is a fragment with a broken grouping.
    const r = extractPan([line('4111 1111 1111 1', 'number')]);
    expect(r.pan).toBeNull();
  });
  it('ignores a dropped digit rather than guessing', () => {
    const r = extractPan([line('4111 111 1111 1111', 'number')]);
    expect(r.pan).toBeNull();
    expect(r.panUnverified).toBeNull();
  });
  it('ignores CVV-like three-digit numbers and dates', () => {
    const r = extractPan([line('CVV 123', 'any'), line('VALID THRU 04/28', 'any'), line('737', 'any')]);
    expect(r.pan).toBeNull();
    expect(r.reason).toBe('not_found');
  });
  it('finds the number inside a longer line', () => {
    const r = extractPan([line('CARD NO 4111 1111 1111 1111 VALID', 'any')]);
    expect(r.pan).toBe('4111111111111111');
  });
  it('refuses to choose between two different valid numbers of similar confidence', () => {
    const r = extractPan([line('4111 1111 1111 1111', 'number', 0.9), line('5555 5555 5555 4444', 'number', 0.88)]);
    expect(r.pan).toBeNull();
    expect(r.reason).toBe('ambiguous');
  });
  it('does not look for the PAN in the name or expiry lines', () => {
    expect(extractPan([line('4111 1111 1111 1111', 'name')]).pan).toBeNull();
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
  it('reads the date after VALID THRU', () => {
    expect(extractExpiry([line('VALID THRU 04/28')], NOW).expiry).toBe('04/28');
  });
  it('never takes the VALID FROM date', () => {
    const r = extractExpiry([line('VALID FROM 10/25 VALID THRU 05/29')], NOW);
    expect(r.expiry).toBe('05/29');
    expect(extractExpiry([line('VALID FROM 10/25')], NOW).expiry).toBeNull();
    expect(extractExpiry([line('VALID FROM 10/25')], NOW).reason).toBe('only_valid_from');
  });
  it('takes the later of two unlabelled dates', () => {
    expect(extractExpiry([line('06/21 02/26')], NOW).expiry).toBe('02/26');
    expect(extractExpiry([line('02/31 10/27')], NOW).expiry).toBe('02/31');
  });
  it('does not take an expiry that precedes the VALID FROM date', () => {
    expect(extractExpiry([line('MEMBER SINCE 09/24'), line('08/23')], NOW).expiry).toBeNull();
  });
  it('accepts every common label', () => {
    for (const label of ['GOOD THRU', 'EXPIRES END', 'VALID UNTIL', 'MONTH/YEAR', 'EXP']) {
      expect(extractExpiry([line(`${label} 11/30`)], NOW).expiry).toBe('11/30');
    }
  });
  it('prefers a labelled expiry over an unlabelled later date', () => {
    expect(extractExpiry([line('GOOD THRU 03/29'), line('12/31')], NOW).expiry).toBe('03/29');
  });
  it('reads MM/YYYY and spaced slashes', () => {
    expect(extractExpiry([line('VALID THRU 07/2030')], NOW).expiry).toBe('07/30');
    expect(extractExpiry([line('VALID THRU 07 / 30')], NOW).expiry).toBe('07/30');
  });
  it('rejects impossible months and implausible years', () => {
    expect(extractExpiry([line('VALID THRU 13/28')], NOW).expiry).toBeNull();
    expect(extractExpiry([line('VALID THRU 00/28')], NOW).expiry).toBeNull();
    expect(extractExpiry([line('VALID THRU 04/99')], NOW).expiry).toBeNull();
  });
  it('repairs OCR confusions in dates', () => {
    expect(extractExpiry([line('THRU O5/2S')], NOW).expiry).toBe('05/25');
  });
  it('reports no expiry when an unlabelled date could not be read (it may be the expiry)', () => {
    // The reader saw a second date but could not read it: the readable one may be VALID FROM.
    const r = extractExpiry([line('10/25', 'expiry'), line('??/29', 'expiry')], NOW);
    expect(r.expiry).toBeNull();
    expect(r.reason).toBe('unreadable');
  });
  it('still reads a labelled expiry next to an unreadable date', () => {
    expect(extractExpiry([line('??/??', 'expiry'), line('VALID THRU 05/29', 'expiry')], NOW).expiry).toBe('05/29');
  });
  it('ignores an unreadable date labelled VALID FROM', () => {
    expect(extractExpiry([line('VALID FROM ??/??', 'expiry'), line('05/29', 'expiry')], NOW).expiry).toBe('05/29');
  });
  it('ignores the number and name lines', () => {
    expect(extractExpiry([line('12/30', 'number')], NOW).expiry).toBeNull();
  });
});

describe('extractName', () => {
  it('reads an uppercase name with an initial', () => {
    expect(extractName([line('PRIYA R MARTIN', 'name')]).name).toBe('PRIYA R MARTIN');
  });
  it('rejects bank names, brands and labels', () => {
    expect(extractName([line('CEDAR BANK')]).name).toBeNull();
    expect(extractName([line('VALID THRU')]).name).toBeNull();
    expect(extractName([line('AMERICAN EXPRESS')]).name).toBeNull();
  });
  it('rejects lower-case text, digits and single words', () => {
    expect(extractName([line('Priya Martin')]).name).toBeNull();
    expect(extractName([line('PRIYA 4R MARTIN')]).name).toBeNull();
    expect(extractName([line('PRIYA')]).name).toBeNull();
  });
  it('prefers the line read from the name region', () => {
    expect(extractName([line('METRO FIRST', 'any', 0.99), line('LEILA MULLER', 'name', 0.8)]).name).toBe('LEILA MULLER');
  });
  it('strips stray punctuation at word edges', () => {
    expect(extractName([line('. JOHN E OKAFOR ,', 'name')]).name).toBe('JOHN E OKAFOR');
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
    expect(f.pan).toBe('378282246310005');
    expect(f.brand).toBe('amex');
    expect(f.expiry).toBe('02/30');
    expect(f.name).toBe('OLIVER OKAFOR');
    expect(f.confidence.pan).toBeGreaterThan(0.5);
    expect(f.missing).toEqual({});
  });
  it('reports each missing field with a reason', () => {
    const f = extractFields([line('4111 1111 1111 1112', 'number')], { now: NOW });
    expect(f.pan).toBeNull();
    expect(f.missing.pan).toBe('luhn_failed');
    expect(f.missing.expiry).toBe('not_found');
    expect(f.missing.name).toBeDefined();
    expect(f.panUnverified).toBe('4111111111111112');
  });
  it('never returns a CVV-like value anywhere', () => {
    const f = extractFields([line('CVV 123'), line('CVC2 456')], { now: NOW });
    expect(JSON.stringify(f)).not.toMatch(/123|456/);
  });
});
