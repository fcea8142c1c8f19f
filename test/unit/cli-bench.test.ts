/**
 * Benchmark arithmetic: truth parsing, scoring rules (those of score-cards.mjs: exact, wrong PAN,
 * panUnverified for Luhn-failing specimens, negatives with a number, name character accuracy),
 * miss classification, percentiles, argument parsing and the masked report. No OCR here.
 */
import { describe, expect, it } from 'vitest';
import { classifyPanMiss, missCounts } from '../../tools/bench/misses.js';
import { formatReport, parseBenchArgs, reportJson, type BenchReport } from '../../tools/bench/run.js';
import { charAccuracy, parseTruth, score, type Reading } from '../../tools/bench/score.js';
import { percentile, stageStats } from '../../tools/bench/stats.js';
import { UsageError } from '../../functions/cli/usage.js';
import { defaultScanConcurrency } from '../../functions/cli/scan.js';

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
    expect(a).toMatchObject({ photos: 5, cards: 3, negatives: 2, negativesWithPan: 1, failed: 0, expiryCards: 3, nameCards: 3 });
    expect(a.panExact).toBeCloseTo(1 / 3);
    expect(a.wrongPan).toBeCloseTo(1 / 3);
    expect(a.noPan).toBeCloseTo(1 / 3);
    expect(a.expiryExact).toBeCloseTo(1);
    expect(a.nameExact).toBeCloseTo(1 / 3);
    expect(a.brand).toBeCloseTo(2 / 3);
    // 1 − Σ edits / Σ truth letters: ANNA ADLER 0/10, BEN OSEI 1/8, ZOE PARK 8/8.
    expect(a.nameCharAccuracy).toBeCloseTo(1 - 9 / 26);
    expect(a.statuses).toEqual({ ok: 3, partial: 1, no_card: 1 });
    expect(a.misses.map((m) => `${m.file}:${m.field}`)).toEqual(['b.jpg:pan', 'b.jpg:name', 'c.jpg:pan', 'c.jpg:name', 'c.jpg:brand', 'n2.jpg:negative']);
  });

  it('scores a real-corpus truth: nulls, luhn_valid, panUnverified, placeholders and mixed-case names', () => {
    const real = parseTruth([
      // A specimen whose printed number fails Luhn: panUnverified is the right answer.
      { file: 's.png', kind: 'payment_card', pan: '4000123456789010', brand: 'visa', expiry: null, name: "I. DON'T BUYIT", luhn_valid: false, notes: 'x' },
      // The same, but the reader called it a verified PAN: still counted (it is the printed number).
      { file: 't.png', kind: 'payment_card', pan: '1234567898765432', brand: null, expiry: '12/99', name: 'AL HOLDER', luhn_valid: false },
      // Luhn-valid truth: panUnverified never counts.
      { file: 'v.png', kind: 'payment_card', pan: VISA, brand: 'visa', expiry: '07/29', name: null, luhn_valid: true },
      { file: 'n.png', kind: 'none', pan: null, brand: null, expiry: null, name: null, luhn_valid: false },
    ]);
    const a = score(
      real,
      new Map<string, Reading>([
        ['s.png', reading({ panUnverified: '4000123456789010', brand: 'visa', name: 'I DONT BUYIT', expiry: '01/30' })],
        ['t.png', reading({ panUnverified: '1234567898765432', expiry: '12/99', name: 'AL HOLDER' })],
        ['v.png', reading({ panUnverified: VISA, expiry: '07/29' })],
        ['n.png', reading({ panUnverified: '1234567898765432' })],
      ]),
    );
    expect(a).toMatchObject({ cards: 3, expiryCards: 2, nameCards: 2, negativesWithPan: 1, expiryInvented: 1, wrongUnverified: 0 });
    // A misread offered as unverified (one digit off) is counted as a wrong offer.
    const off = score(real.slice(2, 3), new Map([['v.png', reading({ panUnverified: '4929123456781244' })]]));
    expect(off).toMatchObject({ wrongUnverified: 1, panExact: 0, wrongPan: 0 });
    expect(a.panExact).toBeCloseTo(2 / 3);
    expect(a.noPan).toBeCloseTo(1 / 3);
    expect(a.expiryExact).toBe(1);
    expect(a.nameExact).toBe(1);
    // A card without a brand in truth never counts as a brand hit (as in score-cards.mjs).
    expect(a.brand).toBeCloseTo(1 / 3);
  });

  it('refuses a truth file without PANs for cards, and readings that miss a photo', () => {
    expect(() => parseTruth([{ file: 'x.jpg', kind: 'payment_card' }])).toThrow(/without a pan/);
    expect(() => parseTruth([{ file: 'x.jpg', kind: 'payment_card', pan: null }])).toThrow(/without a pan/);
    expect(() => parseTruth([{ file: 'x.jpg', kind: 'maybe' }])).toThrow();
    expect(() => score(truth, new Map())).toThrow(/no reading for a\.jpg/);
  });

  it('character accuracy', () => {
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
  it('parses options with defaults (the short run: host concurrency, one cold start, no native comparison) and rejects bad ones', () => {
    expect(parseBenchArgs(['corpus'])).toEqual({ dir: 'corpus', concurrency: defaultScanConcurrency(), limit: null, compare: 0, coldRuns: 1, repeat: 1, json: false });
    expect(parseBenchArgs(['d', '--concurrency', '2', '--limit', '10', '--compare', '0', '--json'])).toMatchObject({ concurrency: 2, limit: 10, compare: 0, json: true });
    expect(() => parseBenchArgs([])).toThrow(UsageError);
    expect(() => parseBenchArgs(['a', 'b'])).toThrow(UsageError);
    expect(() => parseBenchArgs(['d', '--limit', '0'])).toThrow(/--limit/);
  });

  it('prints and serialises misses with PANs masked', () => {
    const misses = [classifyPanMiss(truth[0]!, reading({ pan: '4929123456781244' }), null)!];
    const report: BenchReport = {
      dir: 'd',
      concurrency: 1,
      accuracy: {
        photos: 1, cards: 1, negatives: 0, panExact: 0, wrongPan: 1, noPan: 0, wrongUnverified: 0, expiryCards: 1, expiryExact: 1, expiryWrong: 0, expiryInvented: 0,
        nameCards: 1, nameExact: 1, nameCharAccuracy: 1, brand: 1, negativesWithPan: 0, failed: 0, statuses: { ok: 1 },
      },
      misses: [{ file: 'a.jpg', field: 'pan', expected: VISA, got: '4929123456781244' }],
      panMisses: misses,
      panMissCounts: missCounts(misses),
      sources: { pan: { 'ppocr@frame0': { reported: 1, right: 0 } }, panUnverified: {}, expiry: {}, name: {} },
      diagnosedPhotos: 0,
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
      expect(out).toContain('492912••••••1244');
    }
    expect(text).toMatch(/ratio cardocr \/ native tesseract: 0\.88 \(within the bar of 1\.50\)/);
    expect(text).toMatch(/PAN exact\s+0\.0% \(0\/1\)/);
    expect(text).toMatch(/wrong number reported 1/);
    expect(text).toMatch(/pan\s+ppocr@frame0 1\/0/);
    expect(text).toMatch(/Cold start \(fresh process → first result\): 900 ms/);
    expect(text).toContain('reader stages (ms): total 700');
  });
});

describe('PAN miss classification', () => {
  const t = truth[0]!; // VISA
  const diag = (lines: Array<[string, string]>, cands: Array<[string, string]> = [], panReason: string | null = 'not_found') => ({
    views: [{ id: 'frame0' }],
    lines: lines.map(([source, digits]) => ({ source, digits, confidence: 0.9 })),
    panCandidates: cands.map(([digits, verdict]) => ({ digits, verdict, sources: ['ppocr@frame0'], confidence: 0.9 })),
    panReason,
  });
  it('no miss when the PAN is right', () => {
    expect(classifyPanMiss(t, reading({ pan: VISA }), diag([]))).toBeNull();
  });
  it('no text found: no digit line at all', () => {
    expect(classifyPanMiss(t, reading({}), diag([]))?.class).toBe('no_text');
  });
  it('misread: digit lines, none with the right digits; the closest one masked', () => {
    const m = classifyPanMiss(t, reading({}), diag([['ppocr@frame0', '4929123456781286'], ['ppocr@frame0', '0425']]))!;
    expect(m.class).toBe('misread');
    expect(m.detail).toContain('492912••••••1286');
    expect(m.detail).toContain('1 edits');
    expect(m.detail).not.toContain('4929123456781286');
  });
  it('rejected: a candidate with the right digits that fusion refused', () => {
    const m = classifyPanMiss(t, reading({}), diag([['ppocr@frame0', VISA]], [[VISA, 'single_reading']], 'single_reading'))!;
    expect(m.class).toBe('rejected');
    expect(m.detail).toContain('single_reading');
    expect(m.detail).not.toContain(VISA);
  });
  it('rejected: the right digits on a line, or split over lines of one source, but no candidate', () => {
    expect(classifyPanMiss(t, reading({}), diag([['glyph@card', VISA]]))?.class).toBe('rejected');
    const split = diag(['4929', '1234', '5678', '1236'].map((d) => ['ppocr@frame0', d] as [string, string]));
    expect(classifyPanMiss(t, reading({}), split)?.detail).toMatch(/split over several lines/);
  });
  it('wrong: a different number was reported', () => {
    expect(classifyPanMiss(t, reading({ pan: MC }), diag([['ppocr@frame0', MC]], [[MC, 'reported']]))?.class).toBe('wrong');
  });
  it('unknown without diagnostics', () => {
    expect(classifyPanMiss(t, reading({}), null)?.class).toBe('unknown');
  });
});
