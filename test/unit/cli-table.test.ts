/**
 * The `cardocr scan` table in a terminal: never wider than the terminal, every photo
 * identifiable by its (shortened) base name, columns giving way in order, and a reason on
 * every row without a card number. No OCR: ReadResults are built by hand.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { redactPans } from '../../functions/core/mask.js';
import { describe, expect, it } from 'vitest';
import { ReadResult } from '../../functions/core/card.js';
import { displayNames, endEllipsis, middleEllipsis, Table, toScanLine } from '../../functions/cli/format.js';
import { FIELD_REASONS, fieldReason, reasonOf } from '../../functions/cli/reasons.js';
import { FIELD_MISSING } from '../../functions/handlers/api/web/client/advice.js';

const PAN = '4929123456781236'; // made up, Luhn-valid

const results = (i: number): ReadResult => {
  switch (i % 4) {
    case 0:
      return new ReadResult({ status: 'ok', pan: PAN, brand: 'american-express', expiry: '04/29', name: 'MARIA-LUISA VON HOHENBERG-ESCHENBACH', timingsMs: { total: 1234 } });
    case 1:
      return new ReadResult({ status: 'partial', expiry: '11/30', missing: { pan: 'single_reading', name: 'not_found' }, timingsMs: { total: 2000 } });
    case 2:
      return new ReadResult({ status: 'no_card', error: { code: 'no_card', message: 'x' }, missing: { pan: 'not_found' }, timingsMs: { total: 900 } });
    default:
      return new ReadResult({ status: 'failed', error: { code: 'unsupported_format', message: 'expected a JPEG, PNG or WebP image, got text' }, timingsMs: { total: 1 } });
  }
};

const width = (s: string): number => [...s].length;
const fileCell = (row: string): string => row.split(/ {2,}/)[0] ?? '';

/** Renders the table for `files` at `columns` and returns header + rows. */
function render(files: string[], columns: number): string[] {
  const table = new Table(files, columns);
  return [table.header(), ...files.map((f, i) => table.row(toScanLine(f, results(i), false)))];
}

describe('table width', () => {
  // 60 photos with long names in a deep folder, differing only near the end.
  const long = Array.from({ length: 60 }, (_, i) => `/home/anna/Pictures/2026-11-30 card photos from the phone/IMG_20261130_142233_card-front-${String(i).padStart(2, '0')}.jpg`);

  it('renders 60 long file names in 80 columns: every line ≤ 80, every photo identifiable, full paths in --json', () => {
    const lines = render(long, 80);
    for (const line of lines) expect(width(line), line).toBeLessThanOrEqual(80);
    const cells = lines.slice(1).map(fileCell);
    expect(new Set(cells).size).toBe(60);
    // Base names only, cut in the middle so the distinguishing end stays.
    for (const [i, cell] of cells.entries()) {
      expect(cell).not.toContain('/home/anna');
      expect(cell.endsWith(`-${String(i).padStart(2, '0')}.jpg`), cell).toBe(true);
      expect(cell).toContain('…');
    }
    // Full paths in --json with --reveal; without it, a card-number-like run of digits in a name
    // (here the 14-digit timestamp) is masked like any other (one redaction policy, core/mask.ts).
    expect(toScanLine(long[0] ?? '', results(0), true).file).toBe(long[0]);
    expect(toScanLine(long[0] ?? '', results(0), false).file).toBe(redactPans(long[0] ?? ''));
  });

  it('keeps names that differ only in the middle apart (shared prefix dropped first)', () => {
    const files = Array.from({ length: 60 }, (_, i) => `batch-december-2026-kitchen-${String(i).padStart(2, '0')}-front-of-the-card-on-the-table-in-daylight.jpg`);
    for (const columns of [80, 60, 100]) {
      const lines = render(files, columns);
      for (const line of lines) expect(width(line)).toBeLessThanOrEqual(columns);
      expect(new Set(lines.slice(1).map(fileCell)).size, `${columns} columns`).toBe(60);
    }
  });

  it('drops the narrow, least useful columns first as the terminal narrows, and keeps FILE STATUS PAN', () => {
    const files = Array.from({ length: 5 }, (_, i) => `card-photo-number-${i}.jpg`);
    const header = (columns: number): string[] => (render(files, columns)[0] ?? '').split(/\s+/);
    expect(header(140)).toEqual(['FILE', 'STATUS', 'PAN', 'EXPIRY', 'NAME', 'BRAND', 'MS']);
    expect(header(100)).toEqual(['FILE', 'STATUS', 'PAN', 'EXPIRY', 'NAME', 'BRAND']);
    expect(header(80)).toEqual(['FILE', 'STATUS', 'PAN', 'EXPIRY', 'NAME']);
    expect(header(74)).toEqual(['FILE', 'STATUS', 'PAN', 'NAME']);
    expect(header(50)).toEqual(['FILE', 'STATUS', 'PAN']);
    for (const columns of [40, 50, 60, 80, 100, 140]) for (const line of render(files, columns)) expect(width(line)).toBeLessThanOrEqual(columns);
  });

  it('shows every photo without a number with its reason, at any width', () => {
    for (const columns of [60, 80, 120]) {
      const [, ok, partial, noCard, failed] = render(['a.jpg', 'b.jpg', 'c.jpg', 'd.jpg'], columns);
      expect(ok).toContain('492912••••••1236');
      expect(partial).toMatch(columns >= 80 ? /^b\.jpg\s+partial\s+number read once\s+11\/30/ : /^b\.jpg\s+partial\s+number read once/);
      // Advice that does not fit is cut at a clause, not mid-word.
      expect(noCard).toMatch(columns >= 80 ? /^c\.jpg\s+no_card\s+no card found — fit the whole card in the frame/ : /^c\.jpg\s+no_card\s+no card found$/);
      expect(failed).toMatch(/^d\.jpg\s+failed\s+not a JPEG, PNG or WebP photo$/);
    }
  });

  it('names photos with the same base name by their folders', () => {
    expect(displayNames(['x/a/card.jpg', 'x/b/card.jpg', 'other.jpg'])).toEqual(['a/card.jpg', 'b/card.jpg', 'other.jpg']);
    expect(displayNames(['p/q/card.jpg', 'r/q/card.jpg'])).toEqual(['p/q/card.jpg', 'r/q/card.jpg']);
  });

  it('cuts text in the middle or at the end to the exact width', () => {
    expect(middleEllipsis('abcdefghij', 7)).toBe('abc…hij');
    expect(middleEllipsis('abcdefghij', 6)).toBe('ab…hij');
    expect(middleEllipsis('short', 10)).toBe('short');
    expect(endEllipsis('abcdefghij', 5)).toBe('abcd…');
  });
});

describe('reasons', () => {
  it('maps reader codes to advice, and unknown codes to words rather than nothing', () => {
    const partial = (pan: string) => reasonOf(new ReadResult({ status: 'partial', missing: { pan } }));
    expect(partial('conflicting_readings')?.advice).toMatch(/^card number readings disagree — retake/);
    expect(partial('luhn_failed')?.short).toBe('check digit failed');
    expect(partial('brand_new_code')).toEqual({ short: 'brand new code', advice: 'card number missing: brand new code' });
    expect(reasonOf(new ReadResult({ status: 'ok', pan: PAN }))).toBeNull();
    expect(reasonOf(new ReadResult({ status: 'failed', error: { code: 'too_large', message: 'm' } }))?.advice).toMatch(/^image too large — /);
    for (const r of ['not_found', 'single_reading', 'conflicting_readings', 'luhn_failed', 'unknown_iin', 'bad_length', 'low_confidence']) {
      expect(width(partial(r)?.short ?? ''), r).toBeLessThanOrEqual(19);
    }
    expect(fieldReason('expiry', 'only_valid_from')).toBe('only a valid-from date');
    expect(fieldReason('name', 'mystery_code')).toBe('mystery code');
  });

  it('has a phrase, in the CLI and on the web page, for every reason code an expiry or name extractor can give', () => {
    // Codes are read from the extractors' source, so a new one without a phrase fails here
    // instead of reaching users as its bare code.
    const dir = join(dirname(fileURLToPath(import.meta.url)), '../../functions/reader/extract');
    const codes = new Set<string>();
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
      for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/reason: '([a-z_]+)'/g)) codes.add(m[1]!);
    }
    expect(codes.size).toBeGreaterThan(5);
    for (const code of codes) {
      expect(Object.keys(FIELD_REASONS), `cardocr: ${code}`).toContain(code);
      expect(Object.keys(FIELD_MISSING), `web page: ${code}`).toContain(code);
    }
  });
});
