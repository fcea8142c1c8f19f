/**
 * Benchmark arithmetic: truth parsing, scoring rules (exact, wrong PAN, negatives with a PAN,
 * name character accuracy), percentiles and argument parsing. No OCR here.
 */
import { describe, expect, it } from 'vitest';
import { formatReport, parseBenchArgs, reportJson, type BenchReport } from '../../functions/bench/run.js';
import { charAccuracy, levenshtein, parseTruth, score, type Reading } from '../../functions/bench/score.js';
import { percentile, stageStats } from '../../functions/bench/stats.js';
import { UsageError } from '../../functions/cli/usage.js';

const VISA = '4929123456781236'; // made up, Luhn-valid
const MC = '5425233430109903'; // Mastercard's published test number

const truth = parseTruth([
  { file: 'a.jpg', kind: 'payment_card', pan: VISA, brand: 'visa', expiry: '04/29', name: 'ANNA ADLER', style: { dark: false } },
  { file: 'b.jpg', kind: 'payment_card', pan: MC, brand: 'mastercard', expiry: '11/30', name: 'BEN OSEI' },
  { file: 'c.jpg', kind: 'payment_card', pan: VISA, brand: 'visa', expiry: '01/27', name: 'ZOE PARK' },
  { file: 'n1.jpg', kind: 'none' },
  { file: 'n2.jpg', kind: 'none' },
]);

const reading = (r: Partial<Reading>): Reading => ({ status: 'ok', pan: null, brand: null, expiry: null, name: null, ...r });

describe('bench scoring', () => {
  it('counts exact, wrong and missing PANs, field matches and negatives with a PAN', () => {
    const readings = new Map<string, Reading>([
      ['a.jpg', reading({ pan: VISA, brand: 'visa', expiry: '04/29', name: 'ANNA ADLER' })],
      ['b.jpg', reading({ pan: '5425233430109911', brand: 'mastercard', expiry: '11/30', name: 'BEN 0SEI' })],
      ['c.jpg', reading({ status: 'partial', expiry: '01/27' })],
      ['n1.jpg', reading({ status: 'no_card' })],
      ['n2.jpg', reading({ pan: MC })],
    ]);
    const a = score(truth, readings);
    expect(a).toMatchObject({ photos: 5, cards: 3, negatives: 2, negativesWithPan: 1, failed: 0 });
    expect(a.panExact).toBeCloseTo(1 / 3);
    expect(a.wrongPan).toBeCloseTo(1 / 3);
    expect(a.expiryExact).toBeCloseTo(1);
    expect(a.nameExact).toBeCloseTo(1 / 3);
    expect(a.brand).toBeCloseTo(2 / 3);
    // ANNA ADLER 1, BEN 0SEI 7/8, missing 0.
    expect(a.nameCharAccuracy).toBeCloseTo((1 + 7 / 8 + 0) / 3);
    expect(a.statuses).toEqual({ ok: 3, partial: 1, no_card: 1 });
    expect(a.misses.map((m) => `${m.file}:${m.field}`)).toEqual(['b.jpg:pan', 'b.jpg:name', 'c.jpg:pan', 'c.jpg:name', 'c.jpg:brand', 'n2.jpg:negative']);
  });

  it('refuses a truth file without PANs for cards, and readings that miss a photo', () => {
    expect(() => parseTruth([{ file: 'x.jpg', kind: 'payment_card' }])).toThrow(/without a pan/);
    expect(() => parseTruth([{ file: 'x.jpg', kind: 'maybe' }])).toThrow();
    expect(() => score(truth, new Map())).toThrow(/no reading for a\.jpg/);
  });

  it('edit distance and character accuracy', () => {
    expect(levenshtein('KITTEN', 'SITTING')).toBe(3);
    expect(levenshtein('', 'ABC')).toBe(3);
    expect(charAccuracy('ABCD', 'ABCD')).toBe(1);
    expect(charAccuracy('ABCD', null)).toBe(0);
    expect(charAccuracy('ABCD', 'ABXD')).toBeCloseTo(0.75);
  });

  it('percentiles by nearest rank, per stage', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 95)).toBe(95);
    expect(percentile([7], 95)).toBe(7);
    expect(Number.isNaN(percentile([], 50))).toBe(true);
    expect(stageStats([{ total: 10, ocr: 4 }, { total: 30 }, { total: 20, ocr: 6 }])).toEqual({
      total: { p50: 20, p95: 30, n: 3 },
      ocr: { p50: 4, p95: 6, n: 2 },
    });
  });
});

describe('bench arguments and report', () => {
  it('parses options with defaults and rejects bad ones', () => {
    expect(parseBenchArgs(['corpus'])).toEqual({ dir: 'corpus', concurrency: 1, limit: null, compare: 30, coldRuns: 3, repeat: 1, json: false });
    expect(parseBenchArgs(['d', '--concurrency', '2', '--limit', '10', '--compare', '0', '--json'])).toMatchObject({ concurrency: 2, limit: 10, compare: 0, json: true });
    expect(() => parseBenchArgs([])).toThrow(UsageError);
    expect(() => parseBenchArgs(['a', 'b'])).toThrow(UsageError);
    expect(() => parseBenchArgs(['d', '--limit', '0'])).toThrow(/--limit/);
  });

  it('prints and serialises misses with PANs masked', () => {
    const report: BenchReport = {
      dir: 'd',
      concurrency: 1,
      accuracy: { photos: 1, cards: 1, negatives: 0, panExact: 0, wrongPan: 1, expiryExact: 1, nameExact: 1, nameCharAccuracy: 1, brand: 1, negativesWithPan: 0, failed: 0, statuses: { ok: 1 } },
      misses: [{ file: 'a.jpg', field: 'pan', expected: VISA, got: '4929123456781244' }],
      warm: { stages: { total: { p50: 100, p95: 120, n: 1 } }, wallMs: 100, photosPerSecond: 10 },
      cold: { runs: [900], medianMs: 900, stages: { total: { p50: 700, p95: 700, n: 1 } } },
      peakRssMb: 200,
      comparison: { photos: 1, nativeTesseractMs: [170], cardocrMs: [150], nativeMedianMs: 170, cardocrMedianMs: 150, ratio: 150 / 170, cardocrBuilt: true },
      notes: [],
    };
    const text = formatReport(report);
    const json = reportJson(report);
    for (const out of [text, json]) {
      expect(out).not.toContain(VISA);
      expect(out).not.toContain('4929123456781244');
      expect(out).toContain('492912••••••1236');
    }
    expect(text).toMatch(/ratio cardocr \/ native tesseract: 0\.88 \(within the bar of 1\.00\)/);
    expect(text).toMatch(/PAN exact\s+0\.0% \(0\/1\)/);
    expect(text).toMatch(/Cold start \(fresh process → first result\): 900 ms/);
    expect(text).toContain('reader stages (ms): total 700');
  });
});
