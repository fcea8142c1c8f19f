/**
 * A reading that read the card's dates and took none still contradicts another reading's
 * different date (extract/expiry.ts `seen`, fuse.ts `seenVetoWithin`; review 8 B1): PP-OCR's
 * `05/26 05/50` (the later date misread far ahead: 05/26 may be the start date) reports no
 * expiry, and a second detection's lone misread `05/36` must not be reported in its place.
 * Scripted engines, no models; the number is a published test number.
 */
import { describe, expect, it } from 'vitest';
import type { Raster, TextDetector, TextRegion } from '../../functions/core/ports.js';
import { extractExpiry } from '../../functions/reader/extract/index.js';
import { readPlainFrame, rectQuad, scriptedRecognizer } from '../support/scripted-engines.js';

const NOW = new Date('2026-11-27T00:00:00Z');
const PAN = '4111 1111 1111 1111';

/** First detection: the number and a long date line under it; every later one: a short date box. */
function detector(): TextDetector {
  let calls = 0;
  return {
    name: 'scripted-det',
    async detect(image: Raster): Promise<TextRegion[]> {
      calls++;
      const w = image.width, h = image.height;
      if (w > 2 * h) return [{ quad: rectQuad(w * 0.12, h * 0.1, w * 0.82, h * 0.24), score: 0.9 }, { quad: rectQuad(w * 0.3, h * 0.5, w * 0.3 + h * 0.12 * 1.6, h * 0.62), score: 0.9 }];
      const number = { quad: rectQuad(w * 0.1, h * 0.5, w * 0.9, h * 0.6), score: 0.9 };
      return calls === 1
        ? [number, { quad: rectQuad(w * 0.3, h * 0.63, w * 0.3 + h * 0.08 * 5.5, h * 0.71), score: 0.9 }]
        : [number, { quad: rectQuad(w * 0.3, h * 0.63, w * 0.3 + h * 0.08 * 1.6, h * 0.71), score: 0.9 }];
    },
    async close() {},
  };
}

const textOf = (c: Raster): string => (c.width > c.height * 7 ? PAN : c.width > c.height * 3.5 ? '05/26 05/50' : '05/36');

describe('dates seen and not taken', () => {
  it('are kept by extraction where it takes none', () => {
    expect(extractExpiry([{ text: '05/26 05/50', role: 'any', confidence: 0.95 }], NOW)).toMatchObject({ expiry: null, startDate: '05/26', seen: ['05/26'] });
  });
  it('a doubted date earlier than one read beside it: the later date is seen (review 8 B1: `m11/2911/34`)', () => {
    const text = 'm11/2911/34';
    const line = { text, confidence: 0.95, role: 'any' as const, box: { left: 120, top: 316, width: 300, height: 30 }, charConfidences: Array.from(text, (_, i) => (i === 0 ? 0.43 : 0.98)), source: 'ppocr' };
    expect(extractExpiry([line], NOW, { panBox: { left: 100, top: 250, width: 500, height: 40 } })).toMatchObject({ expiry: null, startDate: '11/29', seen: ['11/34'] });
  });
  it('contradict another detection\'s lone different date, through the reader', async () => {
    const r = await readPlainFrame(detector(), [scriptedRecognizer('ppocr-rec-v4', textOf), scriptedRecognizer('card-crnn-v1', textOf)], NOW);
    expect(r.revealPan()).toBe(PAN.replace(/ /g, ''));
    expect(r.card.expiry).toBeNull();
    expect(r.missing.expiry).toBe('conflicting_readings');
  });
});
