/**
 * A card upside down among upright print (reader.ts `rereadTurned`): the view's direction is
 * decided by most of its print, so the card's number line reads as garbage; a poorly read line
 * shaped like a number is read again turned half round, and a sure number read that way by
 * PP-OCR and by the card-line model is reported. Scripted engines (no models) on a frame shaded
 * dark to light from left to right, so a recogniser can tell a crop turned half round (light on
 * its left) from one read the view's way up.
 */
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import type { LineRecognizer, Raster, RecognizedLine, TextDetector, TextRegion } from '../../functions/core/ports.js';
import type { ReadResult } from '../../functions/core/card.js';
import { createCardReader, type CardReader, type ReadDiagnostics } from '../../functions/reader/reader.js';
import { rectQuad } from '../support/scripted-engines.js';

const NOW = new Date('2026-11-27T00:00:00Z');
/** A Luhn-valid published test number. */
const PAN = '4111 1111 1111 1111';

const quad = rectQuad;

/** The number line, the name line and two lines of other print, wherever the view is. */
const detector: TextDetector = {
  name: 'scripted-det',
  async detect(image: Raster): Promise<TextRegion[]> {
    const w = image.width, h = image.height;
    return [
      { quad: quad(w * 0.1, h * 0.45, w * 0.9, h * 0.53), score: 0.9 },
      { quad: quad(w * 0.1, h * 0.75, w * 0.5, h * 0.81), score: 0.9 },
      // Upright print beside the card (a letter's lines), which decides the view's direction.
      { quad: quad(w * 0.1, h * 0.1, w * 0.4, h * 0.16), score: 0.9 },
      { quad: quad(w * 0.1, h * 0.25, w * 0.4, h * 0.31), score: 0.9 },
    ];
  },
  async close() {},
};

/** Mean of a crop's first and last columns (grey or the first channel). */
function edges(r: Raster): { left: number; right: number } {
  let left = 0, right = 0;
  for (let y = 0; y < r.height; y++) {
    left += r.data[(y * r.width) * r.channels]!;
    right += r.data[(y * r.width + r.width - 1) * r.channels]!;
  }
  return { left: left / r.height, right: right / r.height };
}

/**
 * Reads the name line well the view's way up and as garbage turned; the number line as garbage
 * the view's way up and, turned, as `turnedNumber` at `turnedConfidence`.
 */
function recognizer(name: string, turnedNumber: string, turnedConfidence: number): LineRecognizer & { crops: number; turned: number } {
  const r = {
    name,
    crops: 0,
    turned: 0,
    async recognize(lines: readonly Raster[]): Promise<RecognizedLine[]> {
      r.crops += lines.length;
      return lines.map((l) => {
        const e = edges(l);
        const turned = e.left > e.right;
        if (turned) r.turned++;
        const ratio = l.width / l.height;
        const upright = ratio >= 9 ? 'JANE Q PUBLIC' : 'DEAR CUSTOMER';
        const [text, confidence] = ratio >= 12 ? (turned ? [turnedNumber, turnedConfidence] : ['8l0 Zbb', 0.2]) : turned ? ['ƆI7ᗺUԀ Ꝺ ƎИAᒋ', 0.2] : [upright, 0.97];
        return { text, confidence, charConfidences: [...text].map(() => confidence) };
      });
    },
    async close() {},
  };
  return r;
}

const readers: CardReader[] = [];
afterAll(async () => {
  await Promise.all(readers.map((x) => x.close()));
});

async function read(recognizers: LineRecognizer[]): Promise<{ r: ReadResult; diag: ReadDiagnostics | null }> {
  let diag: ReadDiagnostics | null = null;
  const reader = await createCardReader({
    engines: { ocr: async () => Promise.reject(new Error('unused')), detector: async () => detector, recognizers: async () => recognizers },
    now: () => NOW,
    onDiagnostics: (d) => {
      diag = d;
    },
  });
  readers.push(reader);
  // Dark on the left, light on the right, top to bottom.
  const w = 800, h = 500;
  const rgb = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) rgb.fill(40 + Math.round((180 * x) / w), (y * w + x) * 3, (y * w + x) * 3 + 3);
  const png = await sharp(rgb, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
  const r = await reader.readNormalised(png, { view: 'frame' });
  return { r, diag: diag as ReadDiagnostics | null };
}

describe('a number line printed the other way up from the rest of the view', () => {
  it('is read turned half round by both recognisers and reported once they agree', async () => {
    const ppocr = recognizer('ppocr-rec-v4', PAN, 0.95);
    const crnn = recognizer('card-crnn-v1', PAN, 0.95);
    const { r, diag } = await read([ppocr, crnn]);
    expect(r.status).toBe('ok');
    expect(r.revealPan()).toBe(PAN.replace(/ /g, ''));
    expect(diag!.sources.pan).toEqual(['card-crnn-v1@frame/turned', 'ppocr-rec-v4@frame/turned']);
    // The view itself was read its own way up (not turned as a whole: its other print decides).
    expect(diag!.views.find((v) => v.id === 'frame')?.rotation).toBe(0);
    // Only the number line was tried turned, once by each recogniser.
    expect(ppocr.turned).toBeGreaterThanOrEqual(1);
    expect(crnn.turned).toBe(1);
  });

  it('an unsure turned reading is not taken, and the other recognisers are not asked', async () => {
    const ppocr = recognizer('ppocr-rec-v4', PAN, 0.6);
    const crnn = recognizer('card-crnn-v1', PAN, 0.95);
    const { r } = await read([ppocr, crnn]);
    expect(r.card.pan).toBeNull();
    expect(r.revealPan()).toBeNull();
    expect(crnn.turned).toBe(0);
  });

  it('turned crops count with the detection whose box they were cut from (fuse.ts detectionOf)', async () => {
    // The card-line model cannot read it either way: PP-OCR's turned readings need a second
    // detection of their own, the detector's second scale.
    const ppocr = recognizer('ppocr-rec-v4', PAN, 0.95);
    const crnn = recognizer('card-crnn-v1', 'ZbbZ', 0.2);
    const { r, diag } = await read([ppocr, crnn]);
    expect(r.revealPan()).toBe(PAN.replace(/ /g, ''));
    expect(diag!.sources.pan).toEqual(['ppocr-rec-v4@frame/det1280/turned', 'ppocr-rec-v4@frame/turned']);
  });
});
