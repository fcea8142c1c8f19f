/**
 * Several photos in flight on one reader (what `cardocr scan` does to decode the next photo
 * while the current one is read): every call settles with its own result, whatever order
 * the photos fail or succeed in, and a slot is never lost on an error path (a lost slot
 * would hang the later calls and time the test out).
 */
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import type { LineRecognizer, OcrEngine, TextDetector } from '../../functions/core/ports.js';
import { createCardReader, type CardReader } from '../../functions/reader/reader.js';

const NOW = new Date('2026-11-27T00:00:00Z');

/** A card close-up filling the frame (the reader takes the whole frame as the card). */
async function cardPhoto(pan: string, face = 'DejaVu Sans Mono'): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="630">
  <rect width="1000" height="630" fill="#e4e4e4"/>
  <text x="60" y="100" font-family="Roboto" font-weight="bold" font-size="40" fill="#1a1a1a">HARBOR BANK</text>
  <text x="80" y="380" font-family="${face}" font-size="62" fill="#1a1a1a">${pan}</text>
  <text x="500" y="450" font-family="Roboto" font-size="14" fill="#1a1a1a">VALID</text>
  <text x="500" y="468" font-family="Roboto" font-size="14" fill="#1a1a1a">THRU</text>
  <text x="560" y="470" font-family="DejaVu Sans Mono" font-size="44" fill="#1a1a1a">07/30</text>
  <text x="80" y="560" font-family="DejaVu Sans Mono" font-size="40" fill="#1a1a1a">JANE Q PUBLIC</text>
</svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 92 }).toBuffer();
}

/** An empty desk: decodes fine, then preprocessing finds no card (fails inside the reader's slot). */
function desk(): Promise<Buffer> {
  return sharp({ create: { width: 800, height: 600, channels: 3, background: '#6b4f3a' } }).jpeg().toBuffer();
}

const noEngine: OcrEngine = {
  async recognize() {
    throw new Error('not expected: the glyph reader settles these names');
  },
  async close() {},
};

/**
 * A scripted recogniser for the number row: the 5555 card is printed in Liberation Mono, whose
 * digits are wider for their height than DejaVu Sans Mono's, so its row crop is ≈ 10.8:1
 * against ≈ 9.9:1.
 */
const recognizer: LineRecognizer = {
  name: 'fake-rec',
  async recognize(lines) {
    return lines.map((l) => {
      const text = l.width / l.height > 10.35 ? '5555 5555 5555 4444' : '4111 1111 1111 1111';
      return { text, confidence: 0.97, charConfidences: [...text].map(() => 0.97) };
    });
  },
  async close() {},
};
const detector: TextDetector = { name: 'empty-det', async detect() { return []; }, async close() {} };

let reader: CardReader;
afterAll(async () => {
  await reader?.close();
});

describe('reader with more photos in flight than workers', () => {
  it('settles every call with its own result and frees its slot on every path', async () => {
    reader = await createCardReader({ workers: 1, engines: { ocr: async () => noEngine, detector: async () => detector, recognizers: async () => [recognizer] }, now: () => NOW });
    const photos = [
      await cardPhoto('4111 1111 1111 1111'),
      await desk(),
      Buffer.from('not an image at all'),
      await cardPhoto('5555 5555 5555 4444', 'Liberation Mono'),
      await desk(),
      await cardPhoto('4111 1111 1111 1111'),
    ];
    const results = await Promise.all(photos.map((p) => reader.readPhoto(p)));
    expect(results.map((r) => r.status)).toEqual(['ok', 'no_card', 'failed', 'ok', 'no_card', 'ok']);
    expect(results.map((r) => r.card.pan)).toEqual([
      '411111••••••1111', null, null, '555555••••••4444', null, '411111••••••1111',
    ]);
    // And the reader still works one photo at a time afterwards.
    expect((await reader.readPhoto(photos[3]!)).status).toBe('ok');
  });
});
