/**
 * The name close-up's dates (reader.ts): the zone below the number, read for a name, holds the
 * card's dates too. A card printing a start date and, beside it, the expiry, whose views boxed
 * only the start date, had that start date reported as the expiry; the close-up that read both
 * now contradicts it (missing, never wrong), and never reports a date of its own. Scripted
 * engines, no models; the number is a published test number.
 */
import { describe, expect, it } from 'vitest';
import type { Raster, TextDetector, TextRegion } from '../../functions/core/ports.js';
import { readPlainFrame, rectQuad, scriptedRecognizer } from '../support/scripted-engines.js';

const NOW = new Date('2026-11-27T00:00:00Z');
const PAN = '4111 1111 1111 1111';
const START = '07/27';
const THRU = '10/33';

/**
 * The frame (800×500): the number line and one short date box under it, no name. The close-up
 * (a strip over twice as wide as tall): the number at its top and, under it, `zone` — the start
 * date's box (about square) and the expiry's (about three times as long as tall).
 */
function detectorOf(zone: 'both' | 'thru-only' | 'none'): TextDetector {
  return {
    name: 'scripted-det',
    async detect(image: Raster): Promise<TextRegion[]> {
      const w = image.width, h = image.height;
      if (w > 2 * h) {
        const boxH = h * 0.12, top = h * 0.5;
        return [
          { quad: rectQuad(w * 0.12, h * 0.1, w * 0.82, h * 0.24), score: 0.9 },
          ...(zone === 'both' ? [{ quad: rectQuad(w * 0.3, top, w * 0.3 + boxH * 1.4, top + boxH), score: 0.9 }] : []),
          ...(zone !== 'none' ? [{ quad: rectQuad(w * 0.55, top, w * 0.55 + boxH * 3.2, top + boxH), score: 0.9 }] : []),
        ];
      }
      return [
        { quad: rectQuad(w * 0.1, h * 0.5, w * 0.9, h * 0.6), score: 0.9 },
        { quad: rectQuad(w * 0.3, h * 0.63, w * 0.3 + h * 0.08 * 1.4, h * 0.71), score: 0.9 },
      ];
    },
    async close() {},
  };
}

/** Number crops are long and thin; a date crop about square is the start date, a longer one the expiry. */
const textOf = (c: Raster): string => (c.width > c.height * 7 ? PAN : c.width < c.height * 2.3 ? START : THRU);

async function read(zone: 'both' | 'thru-only' | 'none', thruChar = 0.97): Promise<{ expiry: string | null; missing: string | undefined }> {
  const char = (t: string, i: number): number => (t === THRU && i === 1 ? thruChar : 0.97);
  const r = await readPlainFrame(detectorOf(zone), [scriptedRecognizer('ppocr-rec-v4', textOf, 0.97, char), scriptedRecognizer('card-crnn-v1', textOf, 0.97, char)], NOW);
  expect(r.revealPan()).toBe(PAN.replace(/ /g, ''));
  return { expiry: r.card.expiry, missing: r.missing.expiry };
}

describe('the name close-up and the expiry', () => {
  it('a lone date read where nothing else was boxed stands (the close-up read nothing of it)', async () => {
    expect(await read('none')).toEqual({ expiry: START, missing: undefined });
  });
  it('the close-up reading the lone date and a later one beside it leaves the expiry missing, not the start date', async () => {
    expect(await read('both')).toEqual({ expiry: null, missing: 'conflicting_readings' });
  });
  it('the close-up alone never reports a date: another date read there only contradicts', async () => {
    expect(await read('thru-only')).toEqual({ expiry: null, missing: 'conflicting_readings' });
  });
  it('a date the close-up doubted a digit of contradicts nothing (its misread had cost a right date)', async () => {
    expect(await read('thru-only', 0.85)).toEqual({ expiry: START, missing: undefined });
  });
});
