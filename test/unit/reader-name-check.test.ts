/**
 * A name PP-OCR read with a doubted letter, checked by the card-line model (reader.ts name
 * checks, fuse.ts `check`): the second reader reading the same letters confirms it; reading
 * others leaves the name missing. Scripted engines, no real models.
 */
import { describe, expect, it } from 'vitest';
import type { Raster } from '../../functions/core/ports.js';
import { agreedConfidences, nameLines } from '../../functions/reader/reader.js';
import { fractionDetector, readPlainFrame, scriptedRecognizer } from '../support/scripted-engines.js';

const NOW = new Date('2026-11-27T00:00:00Z');
/** A Luhn-valid published test number. */
const PAN = '4111 1111 1111 1111';
const NAME = 'JANE Q PUBLIC';

/** A number line and, below its start, a name line. */
const detector = fractionDetector([[0.1, 0.5, 0.9, 0.6], [0.1, 0.75, 0.45, 0.85]]);

const isNumber = (crop: Raster): boolean => crop.width > crop.height * 7;

/** PP-OCR reads the name doubting its second letter; the card-line model reads it as `crnnName`, sure. */
async function readName(crnnName: string, crnnChar: (text: string, i: number) => number = () => 0.97): Promise<string | null> {
  const ppocr = scriptedRecognizer('ppocr-rec-v4', (c) => (isNumber(c) ? PAN : NAME), 0.97, (t, i) => (t === NAME && i === 1 ? 0.4 : 0.97));
  const crnn = scriptedRecognizer('card-crnn-v1', (c) => (isNumber(c) ? PAN : crnnName), 0.97, (t, i) => (t === crnnName ? crnnChar(t, i) : 0.97));
  const r = await readPlainFrame(detector, [ppocr, crnn], NOW);
  expect(r.revealPan()).toBe(PAN.replace(/ /g, ''));
  return r.card.name;
}

describe('a doubted name checked by the card-line model', () => {
  it('is reported when the second reader reads the same letters', async () => {
    expect(await readName(NAME)).toBe(NAME);
  });
  it('is reported when the two doubt different letters of the same reading (each letter sure in one)', async () => {
    expect(await readName(NAME, (_, i) => (i === 5 ? 0.5 : 0.97))).toBe(NAME);
  });
  it('stays missing when both doubt the same letter', async () => {
    expect(await readName(NAME, (_, i) => (i === 1 ? 0.5 : 0.97))).toBeNull();
  });
  it('stays missing when the second reader is not sure of the letter the first doubted (review 7b B1)', async () => {
    expect(await readName(NAME, (_, i) => (i === 1 ? 0.72 : 0.97))).toBeNull();
    expect(await readName(NAME, () => 0.72)).toBeNull();
  });
  it('stays missing when the second reader reads other letters', async () => {
    expect(await readName('JANE O PUBLIC')).toBeNull();
  });
});

describe('nameLines', () => {
  const line = (text: string) => ({ text, confidence: 0.9, charConfidences: [], quads: [], across: 0, along: 0, extent: 0, height: 0, source: 'ppocr-rec-v4@frame' });
  it('finds the line a doubted name was read from, or the words a detector boxed one by one', () => {
    const lines = [line('Harbor Trust'), line('JANE Q PUBLIC'), line('VALID THRU 03/27')];
    expect(nameLines({ lines }, NAME).map((l) => l.text)).toEqual(['JANE Q PUBLIC']);
    expect(nameLines({ lines: [line('JANE'), line('Q PUBLIC,'), line('VISA')] }, NAME).map((l) => l.text)).toEqual(['JANE', 'Q PUBLIC,']);
  });
});

describe('agreedConfidences', () => {
  it('takes the surer of two readers per letter only where they read the same text and it is sure', () => {
    expect(agreedConfidences({ text: 'AB', charConfidences: [0.4, 0.9] }, { text: 'AB', charConfidences: [0.95, 0.5] })).toEqual([0.95, 0.9]);
    expect(agreedConfidences({ text: 'AB', charConfidences: [0.4, 0.9] }, { text: 'AB', charConfidences: [0.8, 0.5] })).toEqual([0.4, 0.9]);
    expect(agreedConfidences({ text: 'AB', charConfidences: [0.4, 0.9] }, { text: 'AR', charConfidences: [0.8, 0.5] })).toEqual([0.8, 0.5]);
  });
});
