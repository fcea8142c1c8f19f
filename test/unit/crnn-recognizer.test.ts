/**
 * The committed card-line model (card-crnn-v1) through its onnxruntime adapter: it reads freshly
 * rendered card lines (seeds far from the training and validation ones, CI's fonts only, colour
 * crops at camera resolution as a detector hands them over), reports one confidence per
 * character, and refuses a missing or altered model file with a typed error.
 */
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { distance as editDistance } from 'fastest-levenshtein';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OcrEngineError } from '../../functions/core/errors.js';
import type { LineRecognizer, Raster } from '../../functions/core/ports.js';
import { CARD_CRNN_CHARSET, createCardCrnnRecognizer, defaultCardCrnnModelPath } from '../../functions/adapters/ocr/crnn/crnn-recognizer.js';
import { LINE_FACES, renderLine, type LineSample } from '../../tools/train/make-lines.js';

// Far from the training (1…), validation (900 000…) and evaluation (70 000 000…) seeds.
const SEED = 31_000_000;
const PER_FACE = 6;

describe('card-crnn-v1 line recogniser', () => {
  let rec: LineRecognizer;
  let samples: LineSample[];

  beforeAll(async () => {
    rec = await createCardCrnnRecognizer();
    samples = [];
    for (const [f, face] of LINE_FACES.entries()) {
      for (let i = 0; i < PER_FACE; i++) samples.push(await renderLine(SEED + f * 1000 + i, { face, fonts: 'ci', camera: true }));
    }
  });
  afterAll(async () => {
    await rec?.close();
  });

  const raster = (s: LineSample): Raster => ({ width: s.width, height: s.height, channels: s.channels, data: s.data });

  it('reads fresh generated card lines of every face', async () => {
    const got = await rec.recognize(samples.map(raster));
    expect(got).toHaveLength(samples.length);
    let chars = 0, errors = 0, exact = 0;
    got.forEach((r, i) => {
      const want = samples[i]!.text;
      chars += want.length;
      errors += editDistance(r.text, want);
      exact += r.text === want ? 1 : 0;
    });
    const charAcc = 1 - errors / chars;
    // Measured with the committed model: see MODEL_CARD.md; the bars sit below it with room for font rendering differences.
    expect(charAcc).toBeGreaterThan(0.85);
    expect(exact / samples.length).toBeGreaterThan(0.5);
  });

  it('gives one confidence in [0, 1] per character, and their mean', async () => {
    const [r] = await rec.recognize([raster(samples[0]!)]);
    expect(r).toBeDefined();
    expect(r!.charConfidences).toHaveLength(r!.text.length);
    for (const c of r!.charConfidences) {
      expect(c).toBeGreaterThanOrEqual(0);
      expect(c).toBeLessThanOrEqual(1);
    }
    const mean = r!.charConfidences.reduce((a, b) => a + b, 0) / Math.max(1, r!.charConfidences.length);
    expect(r!.confidence).toBeCloseTo(mean, 6);
    expect([...r!.text].every((ch) => CARD_CRNN_CHARSET.includes(ch))).toBe(true);
  });

  it('reads a grey crop like its colour original, and an empty crop as nothing', async () => {
    const s = samples[2]!;
    const grey = new Uint8Array(s.width * s.height);
    for (let i = 0; i < grey.length; i++) grey[i] = Math.round(0.299 * s.data[3 * i]! + 0.587 * s.data[3 * i + 1]! + 0.114 * s.data[3 * i + 2]!);
    const [a, b, empty] = await rec.recognize([raster(s), { width: s.width, height: s.height, channels: 1, data: grey }, { width: 0, height: 0, channels: 1, data: new Uint8Array(0) }]);
    expect(b!.text).toBe(a!.text);
    expect(empty).toEqual({ text: '', confidence: 0, charConfidences: [] });
  });

  it('refuses a missing or altered model file with OcrEngineError', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'crnn-model-'));
    try {
      await expect(createCardCrnnRecognizer({ modelPath: join(dir, 'none.onnx') })).rejects.toBeInstanceOf(OcrEngineError);
      const bytes = await readFile(defaultCardCrnnModelPath());
      const altered = Buffer.from(bytes);
      altered.writeUInt8(altered.readUInt8(altered.length - 10) ^ 0xff, altered.length - 10);
      await writeFile(join(dir, 'altered.onnx'), altered);
      await expect(createCardCrnnRecognizer({ modelPath: join(dir, 'altered.onnx') })).rejects.toThrow(/corrupt or a different version/);
      await copyFile(defaultCardCrnnModelPath(), join(dir, 'copy.onnx'));
      const copy = await createCardCrnnRecognizer({ modelPath: join(dir, 'copy.onnx') });
      await copy.close();
      await expect(copy.recognize([])).rejects.toBeInstanceOf(OcrEngineError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
