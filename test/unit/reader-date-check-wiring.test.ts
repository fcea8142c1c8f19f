/**
 * The reader passes a date check's sureness to fusion (reader.ts, fuse.ts `FieldReading.sure`):
 * PP-OCR's `06729` under the number (slash read as 7, a digit doubted) is a guess; the card-line
 * model re-reading the same box as `06/29` confirms it only when sure of every digit (review 7a
 * B3, review 7b S1). Scripted engines, no real models; a published test number.
 */
import { describe, expect, it } from 'vitest';
import type { Raster } from '../../functions/core/ports.js';
import { fractionDetector, readPlainFrame, scriptedRecognizer } from '../support/scripted-engines.js';

const NOW = new Date('2026-11-27T00:00:00Z');
const PAN = '4111 1111 1111 1111';

/** A number line and, centred below it, a short date line. */
const detector = fractionDetector([[0.1, 0.5, 0.9, 0.6], [0.42, 0.65, 0.58, 0.72]]);

const isNumber = (crop: Raster): boolean => crop.width > crop.height * 7;

/** The expiry reported when the card-line model reads the date box as `06/29` with `crnnChar` per character. */
async function expiryWith(crnnChar: (i: number) => number): Promise<string | null> {
  const ppocr = scriptedRecognizer('ppocr-rec-v4', (c) => (isNumber(c) ? PAN : '06729'), 0.9, (t, i) => (t === '06729' ? [0.94, 0.69, 0.58, 0.99, 0.99][i]! : 0.97));
  const crnn = scriptedRecognizer('card-crnn-v1', (c) => (isNumber(c) ? PAN : '06/29'), 0.9, (t, i) => (t === '06/29' ? crnnChar(i) : 0.97));
  const r = await readPlainFrame(detector, [ppocr, crnn], NOW);
  expect(r.revealPan()).toBe(PAN.replace(/ /g, ''));
  return r.card.expiry;
}

describe('a doubted date checked by the card-line model, through the reader', () => {
  it('is reported when the check is sure of every digit', async () => {
    expect(await expiryWith(() => 0.97)).toBe('06/29');
  });
  it('stays missing when the check doubts the digit PP-OCR doubted', async () => {
    expect(await expiryWith((i) => (i === 1 ? 0.55 : 0.97))).toBeNull();
  });
});
