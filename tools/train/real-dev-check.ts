/**
 * Validation only (never training): how often each line recogniser reads the card number of a
 * real specimen photo in ../shared/corpus/real-dev-v1, given the same PP-OCRv4 detector boxes.
 * For every photo with a number in its truth, every detected line is cut upright (and also turned
 * 180°, for photos taken upside down), read by each recogniser, and counted as a hit when some
 * line's digits equal the truth number. Prints counts only: no number is ever printed.
 *
 * `tsx tools/train/real-dev-check.ts [CORPUS_DIR] [--out report.json] [--model CANDIDATE.onnx]` (a candidate
 * model is checked against its own sha256, computed here, instead of the committed one's).
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import type { LineRecognizer, Raster } from '../../functions/core/ports.js';
import { createCardCrnnRecognizer } from '../../functions/adapters/ocr/crnn/crnn-recognizer.js';
import { createPpocrDetector } from '../../functions/adapters/ocr/ppocr/ppocr-detector.js';
import { createPpocrRecognizer } from '../../functions/adapters/ocr/ppocr/ppocr-recognizer.js';
import { cropQuad } from '../../functions/reader/image/crop-quad.js';

function turn180(r: Raster): Raster {
  const out = new Uint8Array(r.data.length);
  const n = r.width * r.height, c = r.channels;
  for (let i = 0; i < n; i++) for (let k = 0; k < c; k++) out[(n - 1 - i) * c + k] = r.data[i * c + k]!;
  return { ...r, data: out };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { out: { type: 'string' }, model: { type: 'string' } } });
  const { out, model } = values;
  const dir = positionals[0] ?? '../shared/corpus/real-dev-v1';
  let candidate = {};
  let modelSha256: string | undefined;
  if (model) {
    const bytes = await readFile(model);
    modelSha256 = createHash('sha256').update(bytes).digest('hex');
    candidate = { modelPath: model, name: basename(model, '.onnx'), expect: { sha256: modelSha256, bytes: bytes.byteLength } };
  }
  const truth = JSON.parse(await readFile(join(dir, 'truth.json'), 'utf8')) as Array<{ file: string; pan: string | null }>;
  sharp.concurrency(1);
  const detector = await createPpocrDetector({ timeoutMs: 0 });
  const recs: LineRecognizer[] = [await createCardCrnnRecognizer({ timeoutMs: 0, ...candidate }), await createPpocrRecognizer({ timeoutMs: 0 })];
  const hits = new Map<string, number>(recs.map((r) => [r.name, 0]));
  let both = 0, either = 0, photos = 0, wrongAgree = 0;
  for (const t of truth) {
    if (!t.pan) continue;
    photos++;
    const img = await sharp(join(dir, t.file)).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const raster: Raster = { width: img.info.width, height: img.info.height, channels: 3, data: new Uint8Array(img.data) };
    const regions = await detector.detect(raster, { maxSide: 1280 });
    const kept = regions.filter((r) => {
      const c = cropQuad(raster, r.quad);
      return c.width >= 4 && c.height >= 4;
    });
    const crops = kept.map((r) => cropQuad(raster, r.quad));
    const all = [...crops, ...crops.map(turn180)];
    // Detectors often box each 4-digit group on its own: boxes on one row (centres within half a
    // line height) are joined left to right, as the reader does, before the digits are compared.
    const geo = kept.map((r) => {
      const ys = r.quad.map((q) => q.y), xs = r.quad.map((q) => q.x);
      return { cy: (Math.min(...ys) + Math.max(...ys)) / 2, h: Math.max(...ys) - Math.min(...ys), x: Math.min(...xs) };
    });
    const rows: number[][] = [];
    for (const i of geo.map((_, i) => i).sort((a, b) => geo[a]!.cy - geo[b]!.cy)) {
      const row = rows.find((r) => Math.abs(geo[r[0]!]!.cy - geo[i]!.cy) < 0.5 * Math.max(geo[r[0]!]!.h, geo[i]!.h));
      if (row) row.push(i);
      else rows.push([i]);
    }
    const found: Record<string, boolean> = {};
    const readsOf: Record<string, Set<string>> = {};
    for (const rec of recs) {
      const got = await rec.recognize(all);
      const per = got.map((g) => g.text.replace(/[^0-9]/g, ''));
      const joined = rows.map((r) => [...r].sort((a, b) => geo[a]!.x - geo[b]!.x).map((i) => per[i]!).join(''));
      const digits = [...per, ...joined].filter((d) => d.length >= 12);
      readsOf[rec.name] = new Set(digits);
      found[rec.name] = digits.includes(t.pan);
      if (found[rec.name]) hits.set(rec.name, hits.get(rec.name)! + 1);
    }
    const [a, b] = recs.map((r) => found[r.name]!);
    if (a && b) both++;
    if (a || b) either++;
    // A number both read the same way that is not the truth: what agreement alone would wrongly accept.
    const [ra, rb] = recs.map((r) => readsOf[r.name]!);
    for (const d of ra!) if (rb!.has(d) && d !== t.pan && (d.length === t.pan.length)) wrongAgree++;
  }
  await detector.close();
  for (const r of recs) await r.close();
  const line = [...hits.entries()].map(([n, h]) => `${n} ${h}/${photos}`).join(', ');
  process.stdout.write(`real-dev number read exactly on some detected line: ${line}; both ${both}, either ${either}; same wrong full-length number from both: ${wrongAgree}\n`);
  // Which model file was checked (the pipeline reuses a report only for the same bytes).
  if (out) await writeFile(out, JSON.stringify({ photos, hits: Object.fromEntries(hits), both, either, wrongAgree, ...(modelSha256 ? { modelSha256 } : {}) }, null, 1) + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
