/**
 * A number printed on a row that labels it as no card's (a screen's "Tracking …", a letter's
 * "IBAN …", a sentence in lower case) is never reported, even when it passes Luhn and two readers
 * agree on it, and never stands in the way of the card's own number: scripted engines (no
 * models) on a plain frame.
 */
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import type { LineRecognizer, Raster, TextDetector, TextRegion } from '../../functions/core/ports.js';
import type { ReadResult } from '../../functions/core/card.js';
import { createCardReader, type CardReader } from '../../functions/reader/reader.js';
import { scriptedRecognizer } from '../support/scripted-engines.js';

const NOW = new Date('2026-11-27T00:00:00Z');
/** Published Luhn-valid test numbers: the card's, and one a screen prints as its "tracking" number. */
const PAN = '4111 1111 1111 1111';
const OTHER = '5500 0000 0000 0004';

const quad = (x0: number, y0: number, x1: number, y1: number): TextRegion['quad'] => [
  { x: x0, y: y0 }, { x: x1, y: y0 }, { x: x1, y: y1 }, { x: x0, y: y1 },
];

/** Boxes wherever the view is: a long one (≈ 16:1, the labelled row), with `card` a card number's (≈ 11:1), and a short name line. */
function detector(card: boolean): TextDetector {
  return {
    name: 'scripted-det',
    async detect(image: Raster): Promise<TextRegion[]> {
      const w = image.width, h = image.height;
      const unit = h * 0.05;
      return [
        { quad: quad(w * 0.05, h * 0.2, w * 0.05 + 16 * unit, h * 0.2 + unit), score: 0.9 },
        ...(card ? [{ quad: quad(w * 0.05, h * 0.45, w * 0.05 + 11 * unit, h * 0.45 + unit), score: 0.9 }] : []),
        { quad: quad(w * 0.05, h * 0.75, w * 0.05 + 5 * unit, h * 0.75 + unit), score: 0.9 },
      ];
    },
    async close() {},
  };
}

/** Reads the ≈ 16:1 crop as `labelled` (`digitsOnly`: its digits alone, as the card-line model reads), the ≈ 11:1 crop as PAN, shorter ones as a name. */
function recognizer(name: string, labelled: string, digitsOnly: boolean): LineRecognizer {
  return scriptedRecognizer(name, (l) => {
    const ratio = l.width / l.height;
    if (ratio >= 13) return digitsOnly ? labelled.replace(/\D/g, '') : labelled;
    return ratio >= 8 ? PAN : 'JANE Q PUBLIC';
  });
}

const readers: CardReader[] = [];
afterAll(async () => {
  await Promise.all(readers.map((r) => r.close()));
});

/** A plain 800 × 500 frame read by a reader with these scripted engines (no models). */
async function readWith(det: TextDetector, recognizers: LineRecognizer[]): Promise<ReadResult> {
  const reader = await createCardReader({
    engines: { ocr: async () => Promise.reject(new Error('unused')), detector: async () => det, recognizers: async () => recognizers },
    now: () => NOW,
  });
  readers.push(reader);
  const png = await sharp({ create: { width: 800, height: 500, channels: 3, background: '#d8d8d8' } }).png().toBuffer();
  return reader.readNormalised(png, { view: 'frame' });
}

async function read(labelled: string, card: boolean): Promise<ReadResult> {
  return readWith(detector(card), [recognizer('ppocr-rec-v4', labelled, false), recognizer('card-crnn-v1', labelled, true)]);
}

describe('numbers labelled as no card\'s', () => {
  it.each([`Tracking ${OTHER}`, `Order no. ${OTHER}`, `IBAN ${OTHER}`, `TRACKING NO ${OTHER}`, `Sendungsnummer ${OTHER}`, `Your code is ${OTHER}`, `ваш код ${OTHER}`])(
    'never reports a Luhn-valid number read twice on a row "%s"',
    async (row) => {
      const r = await read(row, false);
      expect(r.revealPan()).toBeNull();
      expect(r.revealPanUnverified()).toBeNull();
      expect(r.status).toBe('no_card');
    },
  );

  it('still reports the same number on a row of its own, labelled as a card\'s, or before a tier word', async () => {
    // Cards' own labels for the number (some backs print them) and a first group misread as
    // look-alike letters are no non-card label.
    for (const row of [OTHER, `CARD ${OTHER}`, `${OTHER} Rewards`, `ACCOUNT NUMBER ${OTHER}`, `Card number ${OTHER}`, `Kartennummer ${OTHER}`, `Número de tarjeta ${OTHER}`, `sooo ${OTHER}`, `Senior Arch ${OTHER}`, `Senior Ärztin ${OTHER}`, `Özdemir ${OTHER}`]) {
      const r = await read(row, false);
      expect(r.revealPan()).toBe(OTHER.replace(/ /g, ''));
    }
  });

  it.each([`Account number ${OTHER}`, `Your account number is ${OTHER}`, `Bank account no. ${OTHER}`, `Número de cuenta ${OTHER}`, `N° de compte ${OTHER}`])(
    'never reports a bank account\'s number, labelled as a letter or statement prints it: "%s"',
    async (row) => {
      // A card back prints ACCOUNT NUMBER in capitals (reported above); in mixed case it is a bank account's label.
      const r = await read(row, false);
      expect(r.revealPan()).toBeNull();
      expect(r.revealPanUnverified()).toBeNull();
      expect(r.status).toBe('no_card');
    },
  );

  it('reports the card\'s number next to a labelled one (the labelled one is no rival)', async () => {
    const r = await read(`Tracking ${OTHER}`, true);
    expect(r.status).toBe('ok');
    expect(r.revealPan()).toBe(PAN.replace(/ /g, ''));
  });
});

describe('a number that fails Luhn, before any card evidence', () => {
  /** A specimen's number (fails Luhn), and a date row found only at the detector's larger input side. */
  const SPECIMEN = '4111 1111 1111 1112';
  const specimenDetector: TextDetector = {
    name: 'scripted-det',
    async detect(image: Raster, options?: { maxSide?: number }): Promise<TextRegion[]> {
      const w = image.width, h = image.height;
      const unit = h * 0.05;
      return [
        { quad: quad(w * 0.05, h * 0.45, w * 0.05 + 11 * unit, h * 0.45 + unit), score: 0.9 },
        ...((options?.maxSide ?? 960) >= 1280 ? [{ quad: quad(w * 0.05, h * 0.65, w * 0.05 + 4 * unit, h * 0.65 + unit), score: 0.9 }] : []),
      ];
    },
    async close() {},
  };
  const specimenRecognizer = (name: string): LineRecognizer =>
    scriptedRecognizer(name, (l) => (l.width / l.height >= 8 ? SPECIMEN : 'THRU 07/30'));

  it('reads on for card evidence (a date a larger detection finds) instead of stopping at a number the card-evidence check would drop', async () => {
    const r = await readWith(specimenDetector, [specimenRecognizer('ppocr-rec-v4'), specimenRecognizer('card-crnn-v1')]);
    expect(r.revealPanUnverified()).toBe(SPECIMEN.replace(/ /g, ''));
    expect(r.card.expiry).toBe('07/30');
    expect(r.status).toBe('partial');
  });

  it('a date read but disputed (the card-line model reads it otherwise) is still card evidence: the expiry is missing, the number offered', async () => {
    // No label (THRU is a card word, evidence of its own): only the date vouches for the card.
    const rec = (name: string, date: string) => scriptedRecognizer(name, (l) => (l.width / l.height >= 8 ? SPECIMEN : date));
    const r = await readWith(specimenDetector, [rec('ppocr-rec-v4', '07/30'), rec('card-crnn-v1', '07/38')]);
    expect(r.card.expiry).toBeNull();
    expect(r.missing.expiry).toBe('conflicting_readings');
    expect(r.revealPanUnverified()).toBe(SPECIMEN.replace(/ /g, ''));
  });
});

describe('a number under a row that labels it as no card\'s', () => {
  /** A label row (≈ 6:1) right above a number row (≈ 11:1), as a screen prints a label over its value. */
  const stacked: TextDetector = {
    name: 'scripted-det',
    async detect(image: Raster): Promise<TextRegion[]> {
      const w = image.width, h = image.height;
      const unit = h * 0.05;
      return [
        { quad: quad(w * 0.05, h * 0.38, w * 0.05 + 6 * unit, h * 0.38 + unit), score: 0.9 },
        { quad: quad(w * 0.05, h * 0.45, w * 0.05 + 11 * unit, h * 0.45 + unit), score: 0.9 },
      ];
    },
    async close() {},
  };
  const readUnder = async (label: string): Promise<ReadResult> => {
    const rec = (name: string) => scriptedRecognizer(name, (l) => (l.width / l.height >= 9 ? OTHER : label));
    return readWith(stacked, [rec('ppocr-rec-v4'), rec('card-crnn-v1')]);
  };

  it.each(['Tracking number', 'ORDER NO.', 'IBAN'])('never reports a Luhn-valid number under "%s"', async (label) => {
    const r = await readUnder(label);
    expect(r.revealPan()).toBeNull();
    expect(r.revealPanUnverified()).toBeNull();
  });

  it('reports it under a bank\'s name, or under a labelled row that holds a value of its own', async () => {
    // A card back prints "Tel 0800 …" or "IBAN DE…" over the number: a field with its own value, not the number's label.
    for (const label of ['MERIDIAN BANK', 'Tel 0800 123 4567', 'IBAN DE89 3704 0044']) {
      const r = await readUnder(label);
      expect(r.revealPan(), label).toBe(OTHER.replace(/ /g, ''));
    }
  });
});
