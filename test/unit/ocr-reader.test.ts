/**
 * The reader's composition on normalised cards rendered here (what the read stage receives):
 * hypotheses (inverted, upside down), the Tesseract name cross-check through the OcrEngine
 * port (a scripted fake here; the real engine has its own test), and graceful degradation
 * when the engine fails. Numbers are networks' published test numbers.
 */
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { OcrEngineError } from '../../functions/core/errors.js';
import type { OcrEngine, OcrRegionOptions, OcrText } from '../../functions/core/ports.js';
import { createCardReader, type CardReader } from '../../functions/reader/reader.js';

const NOW = new Date('2026-11-27T00:00:00Z');

function cardSvg(o: { nameFont?: string; dark?: boolean } = {}): string {
  const bg = o.dark ? '#20252c' : '#e4e4e4';
  const ink = o.dark ? '#eeeeee' : '#1a1a1a';
  return `<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="630">
  <rect width="1000" height="630" fill="${bg}"/>
  <text x="60" y="100" font-family="Roboto" font-weight="bold" font-size="40" fill="${ink}">HARBOR BANK</text>
  <text x="80" y="380" font-family="DejaVu Sans Mono" font-size="62" fill="${ink}">4111 1111 1111 1111</text>
  <text x="500" y="450" font-family="Roboto" font-size="14" fill="${ink}">VALID</text>
  <text x="500" y="468" font-family="Roboto" font-size="14" fill="${ink}">THRU</text>
  <text x="560" y="470" font-family="DejaVu Sans Mono" font-size="44" fill="${ink}">07/30</text>
  <text x="80" y="560" font-family="${o.nameFont ?? 'DejaVu Sans Mono'}" font-size="40" fill="${ink}">JANE Q PUBLIC</text>
</svg>`;
}

async function cardPng(o: Parameters<typeof cardSvg>[0] & { upsideDown?: boolean } = {}): Promise<Buffer> {
  let img = sharp(Buffer.from(cardSvg(o))).greyscale();
  if (o.upsideDown) img = img.rotate(180);
  return img.png().toBuffer();
}

/** A scripted OcrEngine: answers every job with `reply` (or throws it) and counts jobs. */
function fakeEngine(reply: OcrText | Error): OcrEngine & { jobs: OcrRegionOptions[] } {
  const jobs: OcrRegionOptions[] = [];
  return {
    jobs,
    async recognize(_img: Uint8Array, options: OcrRegionOptions = {}) {
      jobs.push(options);
      if (reply instanceof Error) throw reply;
      return reply;
    },
    async close() {},
  };
}

const readers: CardReader[] = [];
async function reader(engine: OcrEngine): Promise<CardReader> {
  const r = await createCardReader({ engines: { ocr: async () => engine }, now: () => NOW });
  readers.push(r);
  return r;
}
afterAll(async () => {
  await Promise.all(readers.map((r) => r.close()));
});

describe('reader on normalised cards', () => {
  it('reads all fields with the glyph reader alone when they are clear', async () => {
    const engine = fakeEngine(new Error('must not be called'));
    const r = await (await reader(engine)).readNormalised(await cardPng());
    expect(r.status).toBe('ok');
    expect(r.revealPan()).toBe('4111111111111111');
    expect(r.card).toMatchObject({ pan: '411111••••••1111', last4: '1111', brand: 'visa', expiry: '07/30', name: 'JANE Q PUBLIC' });
    expect(engine.jobs).toHaveLength(0);
    for (const k of ['decode', 'ocr', 'extract', 'total']) expect(r.timingsMs[k]).toBeGreaterThanOrEqual(0);
  });

  it('reads a light-on-dark card and an upside-down card (other hypotheses)', async () => {
    const rd = await reader(fakeEngine(new Error('unused')));
    const dark = await rd.readNormalised(await cardPng({ dark: true }));
    expect(dark.revealPan()).toBe('4111111111111111');
    const turned = await rd.readNormalised(await cardPng({ upsideDown: true }));
    expect(turned.revealPan()).toBe('4111111111111111');
    expect(turned.card.expiry).toBe('07/30');
  });

  it('asks the OCR engine for a name in a face it has no templates for, and trusts only a sure answer', async () => {
    const sure = fakeEngine({ text: 'JANE Q PUBLIC\n', confidence: 0.92, words: [] });
    const r = await (await reader(sure)).readNormalised(await cardPng({ nameFont: 'DejaVu Serif' }));
    expect(sure.jobs).toHaveLength(1);
    expect(sure.jobs[0]!.whitelist).toMatch(/^[A-Z .'-]+$/);
    expect(r.card.name).toBe('JANE Q PUBLIC');
    expect(r.confidence.name).toBeCloseTo(0.92);

    const unsure = fakeEngine({ text: 'JANE Q PUBLC\n', confidence: 0.3, words: [] });
    const r2 = await (await reader(unsure)).readNormalised(await cardPng({ nameFont: 'DejaVu Serif' }));
    expect(r2.card.name).toBeNull();
    expect(r2.missing.name).toBeDefined();
    expect(r2.revealPan()).toBe('4111111111111111');
  });

  it('keeps the number and date when the OCR engine fails', async () => {
    const broken = fakeEngine(new OcrEngineError('worker crashed'));
    const r = await (await reader(broken)).readNormalised(await cardPng({ nameFont: 'DejaVu Serif' }));
    expect(r.status).toBe('ok');
    expect(r.revealPan()).toBe('4111111111111111');
    expect(r.card.expiry).toBe('07/30');
    expect(r.card.name).toBeNull();
    expect(r.missing.name).toBe('ocr_failed');
  });

  it('reports no_card for a blank card face', async () => {
    const blank = await sharp({ create: { width: 1000, height: 630, channels: 3, background: '#dddddd' } }).png().toBuffer();
    const r = await (await reader(fakeEngine(new Error('unused')))).readNormalised(blank);
    expect(r.status).toBe('no_card');
    expect(r.error?.code).toBe('no_card');
    expect(r.card.pan).toBeNull();
  });
});
