/**
 * The card-line recogniser reads every number-like line (issue 8), not only the lines PP-OCR
 * already read a number from: which lines look like a number (learned.ts `numberLikeLines`,
 * on hand-made readings), and a reader whose first recogniser misreads the number line as
 * letters, with scripted engines (no models). It also re-reads the date lines of every reading
 * that reports an expiry, as a check: a sure date it reads otherwise is missing, never wrong.
 */
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import type { LineRecognizer, Raster, TextDetector, TextRegion } from '../../functions/core/ports.js';
import { numberLikeLines, type LearnedReading, type ReadLine } from '../../functions/reader/readers/learned.js';
import type { ReadResult } from '../../functions/core/card.js';
import { createCardReader, type CardReader, type ReadDiagnostics } from '../../functions/reader/reader.js';
import { scriptedRecognizer } from '../support/scripted-engines.js';

const NOW = new Date('2026-11-27T00:00:00Z');
/** A Luhn-valid published test number. */
const PAN = '4111 1111 1111 1111';

const quad = (x0: number, y0: number, x1: number, y1: number): TextRegion['quad'] => [
  { x: x0, y: y0 }, { x: x1, y: y0 }, { x: x1, y: y1 }, { x: x0, y: y1 },
];

/** A read line at (`along`, `across`), `extent` × `height`. */
function line(text: string, along: number, across: number, extent: number, height: number): ReadLine {
  return { text, confidence: 0.9, charConfidences: [...text].map(() => 0.9), quads: [quad(along, across, along + extent, across + height)], across, along, extent, height, source: 'rec@frame' };
}

function readingOf(lines: ReadLine[], unread: ReadLine[] = []): LearnedReading {
  return {
    view: { id: 'frame', kind: 'frame', raster: { width: 1, height: 1, channels: 1, data: new Uint8Array(1) }, rotation: 0 },
    regions: [],
    lines,
    unread,
    angle: 0,
    flipped: false,
    source: 'rec@frame',
    timingsMs: { detect: 0, recognize: 0 },
  };
}

describe('numberLikeLines', () => {
  it('takes digit rows (look-alike letters counted) and long rows or unread boxes in the tallest print, never words or short lines', () => {
    const bank = line('MERIDIAN BANK', 40, 20, 300, 30);
    const misread = line('4Z6O 64I2 O9SS', 40, 120, 420, 40);
    const letters = line('AHHO ILOQ IZSB', 40, 120, 420, 40);
    const date = line('08/26', 200, 180, 90, 24);
    const name = line('JANE HENDERSON', 40, 220, 260, 26);
    const box = line('', 40, 300, 400, 38);
    const small = line('', 40, 360, 200, 12);
    const got = numberLikeLines(readingOf([bank, misread, letters, date, name], [box, small]), 5);
    expect(got).toEqual([misread, letters, box]);
    // Best first, at most `max`.
    expect(numberLikeLines(readingOf([bank, misread, letters, date, name], [box, small]), 1)).toEqual([misread]);
  });

  it('takes nothing from a page of words', () => {
    expect(numberLikeLines(readingOf([line('TRACKING NUMBER', 0, 0, 300, 30), line('THANK YOU', 0, 50, 200, 30)]))).toEqual([]);
  });
});

/** A detector that boxes the same parts of whatever view it sees: `[left, top, right, height]` as fractions of the view. */
function boxesDetector(boxes: ReadonlyArray<readonly [number, number, number, number]>): TextDetector {
  return {
    name: 'scripted-det',
    async detect(image: Raster): Promise<TextRegion[]> {
      const w = image.width, h = image.height;
      return boxes.map(([x0, y0, x1, dy]) => ({ quad: quad(w * x0, h * y0, w * x1, h * y0 + h * dy), score: 0.9 }));
    },
    async close() {},
  };
}

/** The number line's box, wherever the view is. */
const NUMBER_BOX = [0.1, 0.45, 0.9, 0.08] as const;

/** Two boxes, the number line and the name line, wherever the view is (and, with `faint`, a box in the number's type that reads as nothing). */
function detector(faint = false): TextDetector {
  return boxesDetector([NUMBER_BOX, [0.1, 0.75, 0.5, 0.06], ...(faint ? [[0.1, 0.2, 0.5, 0.08] as const] : [])]);
}

/** Reads the longest crops (≥ 12:1) as `number`, ≥ 9:1 as the name, shorter ones (the faint box) as `faint`. */
function recognizer(name: string, number: string, faint = ''): LineRecognizer & { crops: number } {
  return scriptedRecognizer(name, (l) => {
    const ratio = l.width / l.height;
    return ratio >= 12 ? number : ratio >= 9 ? 'JANE Q PUBLIC' : faint;
  });
}

const readers: CardReader[] = [];
afterAll(async () => {
  await Promise.all(readers.map((r) => r.close()));
});

/** Reads a plain 800×500 frame with a reader on `detector` and `recognizers`, keeping its diagnostics. */
async function readFrame(detector: TextDetector, recognizers: LineRecognizer[]): Promise<{ r: ReadResult; diag: ReadDiagnostics | null }> {
  let diag: ReadDiagnostics | null = null;
  const reader = await createCardReader({
    engines: { ocr: async () => Promise.reject(new Error('unused')), detector: async () => detector, recognizers: async () => recognizers },
    now: () => NOW,
    onDiagnostics: (d) => {
      diag = d;
    },
  });
  readers.push(reader);
  const png = await sharp({ create: { width: 800, height: 500, channels: 3, background: '#d8d8d8' } }).png().toBuffer();
  const r = await reader.readNormalised(png, { view: 'frame' });
  return { r, diag: diag as ReadDiagnostics | null };
}

describe('the card-line recogniser on a number PP-OCR misread', () => {
  it('reads the number line PP-OCR read as letters, and reports it once two detections agree', async () => {
    // PP-OCR reads the embossed number as letters only: no card-number candidate from it.
    const ppocr = recognizer('ppocr-rec-v4', 'AHHI IIII IIII IIII');
    const crnn = recognizer('card-crnn-v1', PAN);
    const { r, diag } = await readFrame(detector(), [ppocr, crnn]);
    expect(r.status).toBe('ok');
    expect(r.revealPan()).toBe(PAN.replace(/ /g, ''));
    // Only the card-line model read it: on the frame, on the close-up of its line (which counts
    // with the frame: fuse.ts detectionOf), and on the frame's second detector scale.
    // Its confirming crops of the same boxes (`/tight`, reader.ts CHECK_REREAD) agree too, and add
    // no detection of their own.
    const sources = diag!.sources.pan!;
    expect(sources.every((s) => s.startsWith('card-crnn-v1@'))).toBe(true);
    expect(sources.filter((s) => !s.endsWith('/tight'))).toHaveLength(3);
    expect(sources.some((s) => s.includes('/det'))).toBe(true);
    // It read the number-like line only (not the name) on each detection, once as a first
    // reading, and as a confirming crop on the two detections that did not settle it: 3 + 2.
    expect(crnn.crops).toBe(5);
  });

  it('reads the other number-like lines only when PP-OCR\'s candidates did not settle the number', async () => {
    const setup = async (crnnNumber: string, crnnFaint: string) => {
      const crnn = recognizer('card-crnn-v1', crnnNumber, crnnFaint);
      const { r } = await readFrame(detector(true), [recognizer('ppocr-rec-v4', PAN), crnn]);
      return { r, crnn };
    };
    // PP-OCR read the number and the card-line model agrees on its line: the faint box is not read.
    const agreed = await setup(PAN, PAN);
    expect(agreed.r.revealPan()).toBe(PAN.replace(/ /g, ''));
    expect(agreed.crnn.crops).toBe(1);
    // The card-line model reads nothing on PP-OCR's number line: then it reads the faint box too.
    const unsettled = await setup('', PAN);
    expect(unsettled.crnn.crops).toBe(2);
    expect(unsettled.r.revealPan()).toBe(PAN.replace(/ /g, ''));
  });
});

describe('the card-line recogniser checks every reading\'s date', () => {
  /** The number line and a date line, wherever the view is. */
  const dateDetector = boxesDetector([NUMBER_BOX, [0.45, 0.62, 0.8, 0.06]]);
  /** Reads the number line as PAN and the date line as `date`, the character at `doubt` (if any) at 0.3. */
  const dateRecognizer = (name: string, date: string, doubt?: number): LineRecognizer & { crops: number } =>
    scriptedRecognizer(name, (l) => (l.width / l.height >= 12 ? PAN : date), 0.9, (text, i) => (text === date && i === doubt ? 0.3 : 0.97));
  const read = async (ppocrDate: string, doubt: number | undefined, crnnDate: string) => {
    const crnn = dateRecognizer('card-crnn-v1', crnnDate);
    const { r, diag } = await readFrame(dateDetector, [dateRecognizer('ppocr-rec-v4', ppocrDate, doubt), crnn]);
    return { r, crnn, diag };
  };

  it('confirms a date PP-OCR read with one doubted digit when the card-line model reads the same', async () => {
    const { r, diag } = await read('THRU 07/30', 5, 'THRU 07/30');
    expect(r.revealPan()).toBe(PAN.replace(/ /g, ''));
    expect(r.card.expiry).toBe('07/30');
    expect(diag!.sources.expiry!.some((s) => s.startsWith('card-crnn-v1@'))).toBe(true);
  });

  it('reports no date when the card-line model reads the doubted date otherwise', async () => {
    const { r } = await read('THRU 07/30', 5, 'THRU 07/38');
    expect(r.card.expiry).toBeNull();
  });

  it('checks a date PP-OCR read surely: a different reading of its line leaves it missing, never wrong', async () => {
    // A sure single misread (an 8 read as 9) passes every check a date has: only another
    // recogniser's reading of the same print can contradict it.
    const { r, crnn } = await read('THRU 07/30', undefined, 'THRU 07/38');
    expect(r.revealPan()).toBe(PAN.replace(/ /g, ''));
    expect(r.card.expiry).toBeNull();
    expect(r.missing.expiry).toBe('conflicting_readings');
    // The number line and the date line: no more.
    expect(crnn.crops).toBe(2);
  });

  it('keeps a sure date the card-line model reads the same, or reads nothing on', async () => {
    const same = await read('THRU 07/30', undefined, 'THRU 07/30');
    expect(same.r.card.expiry).toBe('07/30');
    expect(same.diag!.sources.expiry).toEqual(expect.arrayContaining([expect.stringMatching(/^ppocr-rec-v4@/), expect.stringMatching(/^card-crnn-v1@/)]));
    const blank = await read('THRU 07/30', undefined, '');
    expect(blank.r.card.expiry).toBe('07/30');
    expect(blank.diag!.sources.expiry!.every((s) => s.startsWith('ppocr-rec-v4@'))).toBe(true);
  });
});
