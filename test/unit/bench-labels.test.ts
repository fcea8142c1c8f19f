/**
 * The bench report at --concurrency N > 1 (the default on a multi-core host) says so where the
 * numbers are: the warm p50/p95 header and the peak RSS line are what gets compared to issue 7's
 * bars (per photo at concurrency 1; one reader's RSS). Review 9 S3 (its test, kept).
 */
import { expect, it } from 'vitest';
import { missCounts } from '../../tools/bench/misses.js';
import { formatReport, type BenchReport } from '../../tools/bench/run.js';

const report = (concurrency: number): BenchReport => ({
    dir: 'd',
    concurrency,
    accuracy: {
      photos: 1, cards: 1, negatives: 0, panExact: 1, wrongPan: 0, noPan: 0, wrongUnverified: 0, expiryCards: 1, expiryExact: 1, expiryWrong: 0, expiryInvented: 0,
      nameCards: 1, nameExact: 1, nameCharAccuracy: 1, brand: 1, negativesWithPan: 0, failed: 0, statuses: { ok: 1 },
    },
    misses: [],
    panMisses: [],
    panMissCounts: missCounts([]),
    sources: null,
    diagnosedPhotos: 1,
    warm: { stages: { total: { p50: 800, p95: 1500, n: 1 } }, wallMs: 100, photosPerSecond: 10 },
    cold: { runs: [900], medianMs: 900, stages: {} },
    peakRssMb: 960,
    comparison: null,
    notes: [],
  }) as unknown as BenchReport;

it('labels warm per-photo times and peak RSS with the concurrency they were measured at', () => {
  const lines = formatReport(report(2)).split('\n');
  const speed = lines.find((l) => l.startsWith('Speed, warm'));
  const rss = lines.find((l) => l.startsWith('Peak RSS'));
  expect(speed).toMatch(/concurrency 2|2 (photos|readers|reader threads) at once/);
  expect(rss).toMatch(/2 reader threads|concurrency 2/);
  expect(rss).not.toMatch(/reader in-process/);
});

it('labels them as one photo at a time at --concurrency 1', () => {
  const lines = formatReport(report(1)).split('\n');
  expect(lines.find((l) => l.startsWith('Speed, warm'))).toMatch(/one photo at a time/);
  expect(lines.find((l) => l.startsWith('Peak RSS'))).toMatch(/one reader in-process/);
});
