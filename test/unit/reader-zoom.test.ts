/**
 * A close-up of a frame's print is never looked at closer again: with scripted engines (no
 * models) whose print stays small in every view, the reader's detector passes stay bounded
 * instead of zooming until the photo's budget is spent.
 */
import sharp from 'sharp';
import { afterAll, expect, it } from 'vitest';
import type { Raster, TextDetector, TextRegion } from '../../functions/core/ports.js';
import { createCardReader, type CardReader, type ReadDiagnostics } from '../../functions/reader/reader.js';
import { scriptedRecognizer } from '../support/scripted-engines.js';

/** A number that fails Luhn (a specimen's, or no card's). */
const SPECIMEN = '4111 1111 1111 1112';

const quad = (x0: number, y0: number, x1: number, y1: number): TextRegion['quad'] => [
  { x: x0, y: y0 }, { x: x1, y: y0 }, { x: x1, y: y1 }, { x: x0, y: y1 },
];

/** One small line box in the middle of whatever view it is given (≈ 4 % of it). */
const smallPrint: TextDetector = {
  name: 'scripted-det',
  async detect(image: Raster): Promise<TextRegion[]> {
    const w = image.width, h = image.height;
    return [{ quad: quad(w * 0.4, h * 0.45, w * 0.6, h * 0.5), score: 0.9 }];
  },
  async close() {},
};

const readers: CardReader[] = [];
afterAll(async () => {
  await Promise.all(readers.map((r) => r.close()));
});

it('zooms into a small print once, not into its own close-up again', async () => {
  let diag: ReadDiagnostics | null = null;
  const reader = await createCardReader({
    engines: {
      ocr: async () => Promise.reject(new Error('unused')),
      detector: async () => smallPrint,
      // A number that fails Luhn and nothing else of a card: the reader reads on for card evidence it never finds.
      recognizers: async () => [scriptedRecognizer('ppocr-rec-v4', () => SPECIMEN), scriptedRecognizer('card-crnn-v1', () => SPECIMEN)],
    },
    onDiagnostics: (d) => {
      diag = d;
    },
  });
  readers.push(reader);
  const png = await sharp({ create: { width: 800, height: 500, channels: 3, background: '#d8d8d8' } }).png().toBuffer();
  const r = await reader.readNormalised(png, { view: 'frame' });
  // Read twice the same way, but with nothing else of a card: not reported.
  expect(r.revealPanUnverified()).toBeNull();
  expect(r.card.pan).toBeNull();
  const d = diag as ReadDiagnostics | null;
  expect(d!.work!.skipped).toEqual([]);
  const views = d!.views.map((v) => v.id);
  expect(views.filter((v) => v.includes('zoom-zoom'))).toEqual([]);
  // The frame, its close-up, and a second detector scale of each.
  expect(d!.work!.detect.length).toBeLessThanOrEqual(4);
});
