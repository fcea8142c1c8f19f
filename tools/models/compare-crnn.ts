/**
 * Compares the committed card-line model (float16-stored weights, tools/models/convert-crnn.py)
 * with the float32 export it was converted from, on held-out generated lines (the evaluator's
 * colour camera crops, tools/train/evaluate.ts `heldOutLines`): how many lines read the same
 * text, the largest change of a character confidence, and both models' accuracy against the truth.
 *
 * `tsx tools/models/compare-crnn.ts FP32.onnx [--per-face 100] [--seed 70000000]`
 * (the float32 file: `.tmp/crnn/card-crnn-v1.onnx` after `npm run train`, or
 * `git show f69216f:functions/adapters/ocr/crnn/card-crnn-v1.onnx > FILE`).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { distance as editDistance } from 'fastest-levenshtein';
import sharp from 'sharp';
import { createCardCrnnRecognizer } from '../../functions/adapters/ocr/crnn/crnn-recognizer.js';
import type { Raster, RecognizedLine } from '../../functions/core/ports.js';
import { heldOutLines, normalise } from '../train/evaluate.js';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { 'per-face': { type: 'string', default: '100' }, seed: { type: 'string', default: '70000000' } },
  });
  const fp32Path = positionals[0];
  if (!fp32Path) throw new Error('expected the float32 export as the first argument (see the header of tools/models/compare-crnn.ts)');
  sharp.concurrency(1);
  const bytes = await readFile(fp32Path);
  const fp32 = await createCardCrnnRecognizer({
    modelPath: fp32Path,
    name: 'fp32',
    timeoutMs: 0,
    expect: { sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.byteLength },
  });
  const fp16 = await createCardCrnnRecognizer({ name: 'fp16', timeoutMs: 0 });
  const samples = await heldOutLines(Number(values['per-face']), Number(values.seed));
  const rasters: Raster[] = samples.map((s) => ({ width: s.width, height: s.height, channels: s.channels, data: s.data }));
  const a: RecognizedLine[] = await fp32.recognize(rasters);
  const b: RecognizedLine[] = await fp16.recognize(rasters);
  await Promise.all([fp32.close(), fp16.close()]);
  let same = 0;
  let maxConfDiff = 0;
  const errors = { fp32: 0, fp16: 0 };
  let chars = 0;
  let numberLines = 0;
  const digitsExact = { fp32: 0, fp16: 0 };
  const differing: string[] = [];
  for (const [i, s] of samples.entries()) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.text === y.text) {
      same++;
      for (const [j, c] of x.charConfidences.entries()) maxConfDiff = Math.max(maxConfDiff, Math.abs(c - y.charConfidences[j]!));
    } else {
      differing.push(`${s.face}/${s.role}: chars ${x.text.length} vs ${y.text.length}, edit distance ${editDistance(x.text, y.text)}`);
    }
    const truth = normalise(s.text);
    chars += truth.length;
    errors.fp32 += editDistance(normalise(x.text), truth);
    errors.fp16 += editDistance(normalise(y.text), truth);
    if (s.role === 'number') {
      numberLines++;
      const digits = truth.replace(/\D/g, '');
      if (x.text.replace(/\D/g, '') === digits) digitsExact.fp32++;
      if (y.text.replace(/\D/g, '') === digits) digitsExact.fp16++;
    }
  }
  const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
  // Only counts and lengths are printed: the lines are generated, but the habit is not to print OCR text.
  process.stdout.write(
    [
      `lines ${samples.length}: same text ${same} (${pct(same / samples.length)}); largest char-confidence change where the text is the same ${maxConfDiff.toExponential(2)}`,
      `char accuracy fp32 ${pct(1 - errors.fp32 / chars)}, fp16 ${pct(1 - errors.fp16 / chars)}; number digits exact fp32 ${digitsExact.fp32}/${numberLines}, fp16 ${digitsExact.fp16}/${numberLines}`,
      ...differing.map((d) => `  differs: ${d}`),
      '',
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
