/**
 * The reader's composition on normalised cards rendered here (what the read stage receives):
 * hypotheses (inverted, upside down), the Tesseract name cross-check through the OcrEngine
 * port (a scripted fake here; the real engine has its own test), and graceful degradation
 * when the engine fails. Numbers are networks' published test numbers.
 */
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { OcrEngineError } from '../../functions/core/errors.js';
import type { LineRecognizer, OcrEngine, OcrRegionOptions, OcrText, Raster, TextDetector } from '../../functions/core/ports.js';
import { createCardReader, type CardReader, type ReadDiagnostics } from '../../functions/reader/reader.js';

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

/** A scripted line recogniser: reads every crop as `text` (or as `text(crop)`), counting crops. */
function fakeRecognizer(text: string | ((crop: Raster) => string), name = 'fake-rec'): LineRecognizer & { crops: Raster[] } {
  const crops: Raster[] = [];
  return {
    name,
    crops,
    async recognize(lines) {
      crops.push(...lines);
      return lines.map((l) => {
        const t = typeof text === 'string' ? text : text(l);
        return { text: t, confidence: 0.97, charConfidences: [...t].map(() => 0.97) };
      });
    },
    async close() {},
  };
}

/** A detector that finds no lines and counts its calls. */
function emptyDetector(): TextDetector & { calls: number } {
  const d = {
    name: 'empty-det',
    calls: 0,
    async detect() {
      d.calls++;
      return [];
    },
    async close() {},
  };
  return d;
}

const readers: CardReader[] = [];
async function reader(
  engine: OcrEngine,
  learned: { recognizer?: LineRecognizer | null; detector?: TextDetector; onDiagnostics?: (d: ReadDiagnostics) => void } = {},
): Promise<CardReader> {
  const rec = learned.recognizer === undefined ? fakeRecognizer('4111 1111 1111 1111') : learned.recognizer;
  const engines = rec
    ? { ocr: async () => engine, detector: async () => learned.detector ?? emptyDetector(), recognizers: async () => [rec] }
    : { ocr: async () => engine };
  const r = await createCardReader({ engines, now: () => NOW, ...(learned.onDiagnostics ? { onDiagnostics: learned.onDiagnostics } : {}) });
  readers.push(r);
  return r;
}
afterAll(async () => {
  await Promise.all(readers.map((r) => r.close()));
});

describe('reader on normalised cards', () => {
  it('reads all fields when the glyph reader and the recogniser on its number row agree (cheap path)', async () => {
    const engine = fakeEngine(new Error('must not be called'));
    const rec = fakeRecognizer('4111 1111 1111 1111');
    const det = emptyDetector();
    const diags: ReadDiagnostics[] = [];
    const r = await (await reader(engine, { recognizer: rec, detector: det, onDiagnostics: (d) => diags.push(d) })).readNormalised(await cardPng());
    expect(det.calls).toBe(0);
    expect(r.status).toBe('ok');
    expect(r.revealPan()).toBe('4111111111111111');
    expect(r.card).toMatchObject({ pan: '411111••••••1111', last4: '1111', brand: 'visa', expiry: '07/30', name: 'JANE Q PUBLIC' });
    expect(engine.jobs).toHaveLength(0);
    expect(rec.crops).toHaveLength(1); // the number row only: no detector pass
    expect(rec.crops[0]!.width).toBeGreaterThan(rec.crops[0]!.height * 5);
    expect(r.sources.pan).toEqual(['fake-rec@card/row', 'glyph@card']);
    expect(r.sources.expiry).toEqual(['glyph@card']);
    expect(JSON.stringify(r)).not.toContain('sources');
    for (const k of ['decode', 'ocr', 'extract', 'glyph', 'recognize', 'total']) expect(r.timingsMs[k]).toBeGreaterThanOrEqual(0);
    expect(diags).toHaveLength(1);
    expect(diags[0]!.panCandidates).toEqual([expect.objectContaining({ digits: '4111111111111111', verdict: 'reported' })]);
    expect(diags[0]!.lines.map((l) => l.source).sort()).toEqual(['fake-rec@card/row', 'glyph@card']);
  });

  it('reports no number on a single reading: the glyph reader alone is not enough', async () => {
    const r = await (await reader(fakeEngine(new Error('unused')), { recognizer: null })).readNormalised(await cardPng());
    expect(r.status).toBe('partial');
    expect(r.revealPan()).toBeNull();
    expect(r.missing.pan).toBe('single_reading');
    expect(r.card.expiry).toBe('07/30');
  });

  it('reports no number when the readings conflict', async () => {
    // Another Luhn-valid Visa test number: the recogniser and the glyph reader disagree.
    const rec = fakeRecognizer('4012 8888 8888 1881');
    const det: TextDetector = { name: 'empty-det', async detect() { return []; }, async close() {} };
    const diags: ReadDiagnostics[] = [];
    const r = await (await reader(fakeEngine(new Error('unused')), { recognizer: rec, detector: det, onDiagnostics: (d) => diags.push(d) })).readNormalised(await cardPng());
    expect(r.revealPan()).toBeNull();
    expect(r.missing.pan).toBe('conflicting_readings');
    expect(diags[0]!.panCandidates.map((c) => c.verdict)).toEqual(['conflict', 'conflict']);
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
