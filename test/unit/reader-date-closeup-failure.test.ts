/**
 * The date close-up (date-zone.ts) fails on its own (review 6b N-a): an engine error, or a bug,
 * in the close-up's cut or its detector pass costs the close-up only, never the number and
 * fields read before it. Scripted engines, no models; the number is a published test number.
 */
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import type { Raster, TextDetector, TextRegion } from '../../functions/core/ports.js';
import { OcrEngineError } from '../../functions/core/errors.js';
import { createCardReader, type CardReader } from '../../functions/reader/reader.js';
import { scriptedRecognizer } from '../support/scripted-engines.js';

const PAN = '4111 1111 1111 1111';

const quad = (x0: number, y0: number, x1: number, y1: number): TextRegion['quad'] => [
  { x: x0, y: y0 }, { x: x1, y: y0 }, { x: x1, y: y1 }, { x: x0, y: y1 },
];

/** Boxes the number line on the frame; the date close-up (its second pass) fails with `fail`. */
function failingOnCloseUp(fail: () => Error): TextDetector & { calls: number } {
  const d = {
    name: 'scripted-det',
    calls: 0,
    async detect(image: Raster): Promise<TextRegion[]> {
      d.calls++;
      if (d.calls > 1) throw fail();
      const w = image.width, h = image.height;
      return [{ quad: quad(w * 0.2, h * 0.45, w * 0.8, h * 0.52), score: 0.9 }];
    },
    async close() {},
  };
  return d;
}

const readers: CardReader[] = [];
afterAll(async () => {
  await Promise.all(readers.map((r) => r.close()));
});

describe('a failing date close-up', () => {
  for (const [what, fail] of [
    ['an engine error', () => new OcrEngineError('detector session failed')],
    ['an unexpected error', () => new TypeError('cannot read properties of undefined')],
  ] as const) {
    it(`costs only the close-up (${what}): the number read before it stands`, async () => {
      const detector = failingOnCloseUp(fail);
      const reader = await createCardReader({
        engines: {
          ocr: async () => Promise.reject(new Error('unused')),
          detector: async () => detector,
          recognizers: async () => [scriptedRecognizer('ppocr-rec-v4', () => PAN), scriptedRecognizer('card-crnn-v1', () => PAN)],
        },
      });
      readers.push(reader);
      const png = await sharp({ create: { width: 1000, height: 630, channels: 3, background: '#d8d8d8' } }).png().toBuffer();
      const r = await reader.readNormalised(png, { view: 'frame' });
      // The close-up was asked for (no date read) and failed.
      expect(detector.calls).toBe(2);
      expect(r.revealPan()).toBe(PAN.replace(/ /g, ''));
      expect(r.card.expiry).toBeNull();
    });
  }
});
