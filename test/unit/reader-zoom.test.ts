/**
 * Closer looks at a frame, with scripted engines (no models): a close-up of a frame's print is
 * never looked at closer again (detector passes stay bounded when the print stays small in
 * every view), and a frame where the first detection found nothing is detected again at the
 * larger input side, its number line then read from a close-up that counts with that detection.
 */
import sharp from 'sharp';
import { afterAll, expect, it } from 'vitest';
import type { LineRecognizer, Raster, TextDetector, TextRegion } from '../../functions/core/ports.js';
import type { ReadResult } from '../../functions/core/card.js';
import { createCardReader, type CardReader, type ReadDiagnostics } from '../../functions/reader/reader.js';
import { scriptedRecognizer, rectQuad } from '../support/scripted-engines.js';

/** A number that fails Luhn (a specimen's, or no card's). */
const SPECIMEN = '4111 1111 1111 1112';

const quad = rectQuad;

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
  // The frame, its close-up, and a second detector scale of each, and the date close-up
  // (date-zone.ts: no date is printed).
  expect(d!.work!.detect.length).toBeLessThanOrEqual(5);
});

/** A Luhn-valid published test number. */
const PAN = '4111 1111 1111 1111';

/** A number line the detector finds only from input side 1280 on (and on a close-up of it, any side); counts the close-ups it was given. */
const faintPrint: TextDetector & { closeUps: number } = {
  name: 'scripted-det',
  closeUps: 0,
  async detect(image: Raster, options?: { maxSide?: number }): Promise<TextRegion[]> {
    const w = image.width, h = image.height;
    const closeUp = w < 1000;
    if (closeUp) faintPrint.closeUps++;
    if (!closeUp && (options?.maxSide ?? 960) < 1280) return [];
    return [{ quad: closeUp ? quad(w * 0.1, h * 0.35, w * 0.9, h * 0.6) : quad(w * 0.3, h * 0.5, w * 0.7, h * 0.54), score: 0.9 }];
  },
  async close() {},
};

async function readFaint(recognizers: LineRecognizer[]): Promise<{ r: ReadResult; diag: ReadDiagnostics }> {
  faintPrint.closeUps = 0;
  let diag: ReadDiagnostics | null = null;
  const reader = await createCardReader({
    engines: { ocr: async () => Promise.reject(new Error('unused')), detector: async () => faintPrint, recognizers: async () => recognizers },
    onDiagnostics: (d) => {
      diag = d;
    },
  });
  readers.push(reader);
  const png = await sharp({ create: { width: 1280, height: 720, channels: 3, background: '#d8d8d8' } }).png().toBuffer();
  const r = await reader.readNormalised(png, { view: 'frame' });
  return { r, diag: diag! };
}

it('detects a frame where nothing was found again at the larger side, and reads the number from a close-up', async () => {
  // The frame's crops of the small line are too coarse: PP-OCR drops a digit, the card-line
  // model reads nothing; once a close-up was detected, both read it.
  const coarse = () => !faintPrint.closeUps;
  const { r, diag } = await readFaint([
    scriptedRecognizer('ppocr-rec-v4', () => (coarse() ? PAN.slice(0, -1) : PAN)),
    scriptedRecognizer('card-crnn-v1', () => (coarse() ? '' : PAN)),
  ]);
  expect(r.revealPan()).toBe(PAN.replace(/ /g, ''));
  expect(diag.work!.detect.map((d) => d.maxSide).slice(0, 2)).toEqual([960, 1280]);
  expect(diag.sources.pan).toContain('ppocr-rec-v4@frame-number/det1280');
});

it('counts the close-up with the detection it was cut from: one reader on both is one reading', async () => {
  // The card-line model reads nothing: PP-OCR's readings on the 1280 pass and on its close-up are one detection's.
  const { r, diag } = await readFaint([scriptedRecognizer('ppocr-rec-v4', () => PAN), scriptedRecognizer('card-crnn-v1', () => '')]);
  expect(r.revealPan()).toBeNull();
  expect(diag.panReason).toBe('single_reading');
});

it('does not detect again a frame the first pass saw whole (no larger than its input side)', async () => {
  let diag: ReadDiagnostics | null = null;
  const reader = await createCardReader({
    engines: {
      ocr: async () => Promise.reject(new Error('unused')),
      detector: async () => ({
        name: 'scripted-det',
        // The number line only from input side 1280 on.
        async detect(image: Raster, options?: { maxSide?: number }): Promise<TextRegion[]> {
          const w = image.width, h = image.height;
          return (options?.maxSide ?? 960) >= 1280 ? [{ quad: quad(w * 0.3, h * 0.5, w * 0.7, h * 0.54), score: 0.9 }] : [];
        },
        async close() {},
      }),
      recognizers: async () => [scriptedRecognizer('ppocr-rec-v4', () => PAN), scriptedRecognizer('card-crnn-v1', () => PAN)],
    },
    onDiagnostics: (d) => {
      diag = d;
    },
  });
  readers.push(reader);
  // 800 × 500: the 960 px pass already enlarged it; nothing found there is no_card.
  const png = await sharp({ create: { width: 800, height: 500, channels: 3, background: '#d8d8d8' } }).png().toBuffer();
  const r = await reader.readNormalised(png, { view: 'frame' });
  expect(r.status).toBe('no_card');
  expect((diag as ReadDiagnostics | null)!.work!.detect.map((d) => d.maxSide)).toEqual([960]);
});

/**
 * Reads a 1080 × 1920 photo (its frame 720 × 1280) whose print is boxed only in the photo's own
 * pixels (`regions` of the image, when its larger side exceeds 1280), never in the frame,
 * whatever side the frame is detected at: a small card far away. Both recognisers read `text`.
 */
async function readSmallCard(regions: (w: number, h: number) => TextRegion[], text: (crop: Raster) => string): Promise<{ r: ReadResult; d: ReadDiagnostics }> {
  let diag: ReadDiagnostics | null = null;
  const reader = await createCardReader({
    engines: {
      ocr: async () => Promise.reject(new Error('unused')),
      detector: async () => ({
        name: 'scripted-det',
        async detect(image: Raster): Promise<TextRegion[]> {
          return Math.max(image.width, image.height) > 1280 ? regions(image.width, image.height) : [];
        },
        async close() {},
      }),
      recognizers: async () => [scriptedRecognizer('ppocr-rec-v4', text), scriptedRecognizer('card-crnn-v1', text)],
    },
    onDiagnostics: (d) => {
      diag = d;
    },
  });
  readers.push(reader);
  const jpeg = await sharp({ create: { width: 1080, height: 1920, channels: 3, background: '#d8d8d8' } }).jpeg().toBuffer();
  const r = await reader.readPhoto(jpeg);
  return { r, d: (diag as ReadDiagnostics | null)! };
}

it('reads a photo larger than its frame at its own size when the frame showed nothing (a small card far away)', async () => {
  const { r, d } = await readSmallCard((w, h) => [{ quad: quad(w * 0.3, h * 0.6, w * 0.5, h * 0.61), score: 0.9 }], () => PAN);
  expect(d.work!.detect.slice(0, 2)).toEqual([
    { width: 720, height: 1280, maxSide: 960 },
    { width: 1080, height: 1920, maxSide: 1920 },
  ]);
  // Two readers on the full-size detection's box: reported, and placed in the photo's pixels.
  expect(r.revealPan()).toBe(PAN.replace(/ /g, ''));
  expect(d.sources.pan).toContain('ppocr-rec-v4@frame/full');
  const pan = r.geometry?.fields?.pan;
  expect(pan).toBeDefined();
  const ys = pan!.map((p) => p[1]);
  expect(Math.min(...ys)).toBeGreaterThan(1920 * 0.55);
  expect(Math.max(...ys)).toBeLessThan(1920 * 0.66);
});

it('after the photo-size pass, a date seen and not read gets no 1280-px pass of the frame too (review 8 S1)', async () => {
  // The number and a date label.
  const { r, d } = await readSmallCard(
    (w, h) => [{ quad: quad(w * 0.3, h * 0.6, w * 0.5, h * 0.61), score: 0.9 }, { quad: quad(w * 0.3, h * 0.63, w * 0.36, h * 0.64), score: 0.9 }],
    (c) => (c.width > 7 * c.height ? PAN : 'VALID THRU'),
  );
  expect(r.revealPan()).toBe(PAN.replace(/ /g, ''));
  const sides = d.work!.detect.map((x) => x.maxSide);
  expect(sides.slice(0, 2)).toEqual([960, 1920]);
  expect(sides).not.toContain(1280);
});
