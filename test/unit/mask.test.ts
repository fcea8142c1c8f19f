import { describe, expect, it } from 'vitest';
import { lastFour, maskPan, redactPans } from '../../functions/core/mask.js';

describe('maskPan', () => {
  it('keeps first 6 and last 4 of a 16-digit PAN', () => {
    expect(maskPan('4111111111111111')).toBe('411111••••••1111');
  });
  it('hides at least 3 digits of short numbers and ignores grouping', () => {
    expect(maskPan('3782 822463 10005')).toBe('378282•••••0005');
    const m = maskPan('4222222222222');
    expect(m.replace(/[^•]/g, '').length).toBeGreaterThanOrEqual(3);
    expect(m.endsWith('2222')).toBe(true);
  });
  it('never shows more than 10 digits of a 19-digit PAN', () => {
    expect(maskPan('6011000990139424123').replace(/\D/g, '')).toHaveLength(10);
  });
  it('lastFour', () => {
    expect(lastFour('5555 5555 5555 4444')).toBe('4444');
    expect(lastFour('123')).toBeNull();
  });
});

describe('redactPans', () => {
  it('masks grouped and ungrouped card numbers inside text', () => {
    const out = redactPans('read 4111 1111 1111 1111 and 5555555555554444 ok, order 12345');
    expect(out).not.toMatch(/4111 1111 1111 1111|5555555555554444/);
    expect(out).toContain('411111••••••1111');
    expect(out).toContain('555555••••••4444');
    expect(out).toContain('order 12345');
  });
  it('masks numbers in URL-encoded object keys and file names', () => {
    const out = redactPans('uploads/4111+1111+1111+1111.jpg uploads/5555%205555%205555%204444.png 4000_0566_5566_5556.jpg');
    expect(out.replace(/\D/g, ' ')).not.toMatch(/4111 1111 1111 1111|5555 5555 5555 4444|4000 0566 5566 5556/);
    expect(out).toContain('411111••••••1111');
    expect(out).toContain('555555••••••4444');
    expect(out).toContain('400005••••••5556');
  });
  it('masks numbers spaced by several separators, commas, slashes, tabs and JSON-escaped tabs (review B4a)', () => {
    const names = [
      'uploads/4539  1488  0343  6467.jpg',
      'uploads/4539 - 1488 - 0343 - 6467.jpg',
      'uploads/4539,1488,0343,6467.jpg',
      'uploads/4539/1488/0343/6467.jpg',
      'uploads/4539\t1488\n0343\t6467.jpg',
      JSON.stringify('uploads/4539\t1488\t0343\t6467.jpg'),
    ];
    for (const name of names) {
      const out = redactPans(name);
      expect(out.replace(/\\[tn]/g, ' ').replace(/\D/g, '')).not.toContain('4539148803436467');
      expect(out).toContain('453914••••••6467');
    }
  });
  it('leaves short numbers, dates and times alone', () => {
    const text = 'expiry 05/28, order 12345, at 2026-12-01T12:00:00Z, took 1134 ms';
    expect(redactPans(text)).toBe(text);
  });
});
