/**
 * The reader's per-photo time budget (limits.timeoutMs) and its engine-load failures, with
 * scripted engines and an injected clock: no timing, no real models. The budget is spent by
 * the clock the detector advances, so what is asserted is which passes ran, never how long
 * they took.
 */
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { OcrEngineError } from '../../functions/core/errors.js';
import type { LineRecognizer, Raster, TextDetector, TextRegion } from '../../functions/core/ports.js';
import { createCardReader, type CardReader, type ReadDiagnostics } from '../../functions/reader/reader.js';
import { DEFAULT_IMAGE_LIMITS } from '../../functions/reader/decode.js';
import { scriptedRecognizer as scripted } from '../support/scripted-engines.js';

const NOW = new Date('2026-11-27T00:00:00Z');
/** A Luhn-valid published test number. */
const PAN = '4111 1111 1111 1111';

const quad = (x0: number, y0: number, x1: number, y1: number): TextRegion['quad'] => [
  { x: x0, y: y0 }, { x: x1, y: y0 }, { x: x1, y: y1 }, { x: x0, y: y1 },
];

/** A detector that finds a number line and (optionally) a name line, moving the clock on by `stepMs` each call. */
function scriptedDetector(clock: { now: number }, stepMs: number, withName: boolean): TextDetector & { calls: number } {
  const d = {
    name: 'scripted-det',
    calls: 0,
    async detect(image: Raster): Promise<TextRegion[]> {
      d.calls++;
      clock.now += stepMs;
      const w = image.width, h = image.height;
      const regions = [{ quad: quad(w * 0.1, h * 0.5, w * 0.9, h * 0.5 + h * 0.1), score: 0.9 }];
      if (withName) regions.push({ quad: quad(w * 0.1, h * 0.75, w * 0.45, h * 0.75 + h * 0.1), score: 0.9 });
      return regions;
    },
    async close() {},
  };
  return d;
}

/** Reads long crops as the number and shorter ones as the name; `reads: false` reads nothing. */
function scriptedRecognizer(name: string, reads: boolean): LineRecognizer & { crops: number } {
  return scripted(name, (l) => (!reads ? '' : l.width > l.height * 7 ? PAN : 'JANE Q PUBLIC'));
}

async function framePng(): Promise<Buffer> {
  return sharp({ create: { width: 800, height: 500, channels: 3, background: '#d8d8d8' } }).png().toBuffer();
}

const readers: CardReader[] = [];
afterAll(async () => {
  await Promise.all(readers.map((r) => r.close()));
});

async function setup(o: { stepMs: number; withName: boolean }) {
  const clock = { now: 0 };
  const detector = scriptedDetector(clock, o.stepMs, o.withName);
  // PP-OCR reads the number; the second recogniser reads nothing, so no agreement: every
  // further pass (re-crops, number close-up, the 1280 pass) would be asked for.
  const rec = scriptedRecognizer('ppocr-rec-v4', true);
  const other = scriptedRecognizer('card-crnn-v1', false);
  let diagnostics: ReadDiagnostics | null = null;
  const reader = await createCardReader({
    engines: { ocr: async () => Promise.reject(new Error('unused')), detector: async () => detector, recognizers: async () => [rec, other] },
    limits: { ...DEFAULT_IMAGE_LIMITS, timeoutMs: 10_000 },
    now: () => NOW,
    clock: () => clock.now,
    onDiagnostics: (d) => {
      diagnostics = d;
    },
  });
  readers.push(reader);
  return { reader, detector, rec, diag: () => diagnostics as ReadDiagnostics | null };
}

describe('per-photo budget', () => {
  it('runs the optional passes while the budget lasts', async () => {
    const { reader, detector } = await setup({ stepMs: 10, withName: true });
    const r = await reader.readNormalised(await framePng(), { view: 'frame' });
    // The first pass, the number line's close-up (it counts with the frame: fuse.ts detectionOf),
    // then the second detector scale: a second detection that agrees; then the date close-up
    // (date-zone.ts: the scripted frame prints no date).
    expect(detector.calls).toBe(4);
    expect(r.status).toBe('ok');
    expect(r.revealPan()).toBe(PAN.replace(/ /g, ''));
  });

  it('skips the optional passes once the budget is spent, and reports what settled', async () => {
    const { reader, detector, rec, diag } = await setup({ stepMs: 11_000, withName: true });
    const r = await reader.readNormalised(await framePng(), { view: 'frame' });
    expect(detector.calls).toBe(1);
    // The first pass's lines and the cheapest re-read only: no PP-OCR re-crops.
    expect(rec.crops).toBe(2);
    expect(r.status).toBe('partial');
    expect(r.card.name).toBe('JANE Q PUBLIC');
    expect(r.card.pan).toBeNull();
    expect(r.error).toBeNull();
    expect(diag()?.work?.skipped.length).toBeGreaterThan(0);
  });

  it('reports timeout only when nothing settled before the budget ran out', async () => {
    const { reader, detector } = await setup({ stepMs: 11_000, withName: false });
    const r = await reader.readNormalised(await framePng(), { view: 'frame' });
    expect(detector.calls).toBe(1);
    expect(r.status).toBe('failed');
    expect(r.error?.code).toBe('timeout');
    expect(r.error?.message).toMatch(/10000 ms budget/);
    expect(r.card.pan).toBeNull();
    expect(r.geometry).toBeNull();
  });
});

describe('learned engines that fail to load', () => {
  it('fail the photo loudly with a retryable error naming the file, and are retried on the next photo', async () => {
    let attempts = 0;
    const good = scriptedDetector({ now: 0 }, 0, false);
    const reader = await createCardReader({
      engines: {
        ocr: async () => Promise.reject(new Error('unused')),
        detector: async () => {
          attempts++;
          if (attempts === 1) throw new OcrEngineError('PP-OCR model ch_PP-OCRv4_det_infer.onnx is missing from /opt/models: restore it (`npm ci`).');
          return good;
        },
        recognizers: async () => [scriptedRecognizer('ppocr-rec-v4', true), scriptedRecognizer('card-crnn-v1', true)],
      },
      now: () => NOW,
      // Loaded by the first photo, so the attempts line up with photos here.
      preload: false,
    });
    readers.push(reader);
    const png = await framePng();
    // The read stage's entry: a retryable error (the stage retries, then dead-letters), never a result read without them.
    const err = await reader.readNormalised(png, { view: 'frame' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OcrEngineError);
    expect((err as OcrEngineError).retryable).toBe(true);
    expect((err as Error).message).toContain('ch_PP-OCRv4_det_infer.onnx');
    // The next photo loads them again and is read.
    const r = await reader.readPhoto(png);
    expect(attempts).toBe(2);
    expect(r.status).toBe('ok');
    expect(r.revealPan()).toBe(PAN.replace(/ /g, ''));
  });

  it('on a photo read directly (CLI), a load failure is a failed result that says which file, not a worse reading', async () => {
    // Preloaded when the reader is made (the default): that load fails, the photo retries it and fails too.
    const reader = await createCardReader({
      engines: {
        ocr: async () => Promise.reject(new Error('unused')),
        detector: async () => scriptedDetector({ now: 0 }, 0, false),
        recognizers: async () => {
          throw new OcrEngineError('card-line model card-crnn-v1.onnx: sha256 mismatch; restore it from the checkout.');
        },
      },
      now: () => NOW,
    });
    readers.push(reader);
    const r = await reader.readPhoto(await framePng());
    expect(r.status).toBe('failed');
    expect(r.error?.code).toBe('ocr_failed');
    expect(r.error?.message).toContain('card-crnn-v1.onnx');
    expect(r.card.pan).toBeNull();
  });
});
