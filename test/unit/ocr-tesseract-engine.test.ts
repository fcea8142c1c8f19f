/**
 * The tesseract.js OcrEngine: starts offline from the packaged model (no CDN, no cache
 * written), reads a region with a whitelist, serves concurrent jobs from a small pool,
 * recycles workers, and fails cleanly (OcrEngineError) when closed or without a model.
 * One engine serves the file apart from the failure cases.
 */
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTesseractOcrEngine, defaultLangPath } from '../../functions/adapters/ocr/tesseract-ocr-engine.js';
import { OcrEngineError } from '../../functions/core/errors.js';
import type { OcrEngine } from '../../functions/core/ports.js';

async function textPng(text: string, size = 40): Promise<Buffer> {
  const w = Math.round(text.length * size * 0.7 + 60);
  return sharp(
    Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${size * 2}"><rect width="100%" height="100%" fill="#fff"/><text x="30" y="${size * 1.35}" font-family="DejaVu Sans" font-size="${size}" fill="#111">${text}</text></svg>`,
    ),
  )
    .greyscale()
    .png()
    .toBuffer();
}

let engine: OcrEngine;
const cwdBefore = readdirSync(process.cwd());

beforeAll(() => {
  engine = createTesseractOcrEngine({ workers: 2, recycleAfter: 2 });
});
afterAll(async () => {
  await engine?.close();
});

describe('tesseract.js OcrEngine', () => {
  it('uses the packaged LSTM model', () => {
    expect(defaultLangPath()).toMatch(/@tesseract\.js-data[\\/]eng[\\/]4\.0\.0_best_int$/);
  });

  it('reads an uppercase line with a whitelist, with word boxes and confidences', async () => {
    const r = await engine.recognize(await textPng('JANE Q PUBLIC'), { layout: 'line', whitelist: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ ' });
    expect(r.text.trim()).toBe('JANE Q PUBLIC');
    expect(r.words.map((w) => w.text)).toEqual(['JANE', 'Q', 'PUBLIC']);
    expect(r.confidence).toBeGreaterThan(0.5);
    expect(r.confidence).toBeLessThanOrEqual(1);
    for (const w of r.words) expect(w.box.width).toBeGreaterThan(0);
  });

  it('serves concurrent jobs and keeps working across worker recycling', async () => {
    const words = ['ALPHA', 'BRAVO', 'DELTA', 'ECHO', 'OSCAR', 'TANGO'];
    const images = await Promise.all(words.map((w) => textPng(w)));
    // 6 jobs on 2 workers recycled every 2 jobs: every worker is replaced at least once.
    const reads = await Promise.all(images.map((img) => engine.recognize(img, { layout: 'word', whitelist: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ' })));
    expect(reads.map((r) => r.text.trim())).toEqual(words);
  });

  it('reads only the requested rectangle', async () => {
    const img = await textPng('LEFT RIGHT');
    const meta = await sharp(img).metadata();
    const r = await engine.recognize(img, { rectangle: { left: 0, top: 0, width: Math.round(meta.width! * 0.45), height: meta.height! } });
    expect(r.text).toContain('LEFT');
    expect(r.text).not.toContain('RIGHT');
  });

  it('writes no language data cache into the working directory', () => {
    expect(readdirSync(process.cwd()).filter((f) => f.endsWith('.traineddata'))).toEqual(
      cwdBefore.filter((f) => f.endsWith('.traineddata')),
    );
  });

  it('fails with OcrEngineError, without hanging, when the model is missing', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'no-model-'));
    writeFileSync(join(empty, 'README'), 'no model here');
    const broken = createTesseractOcrEngine({ langPath: empty });
    await expect(broken.recognize(await textPng('X'))).rejects.toBeInstanceOf(OcrEngineError);
    await broken.close();
  });

  it('rejects jobs after close', async () => {
    const e = createTesseractOcrEngine();
    await e.close();
    await expect(e.recognize(await textPng('X'))).rejects.toBeInstanceOf(OcrEngineError);
  });
});
