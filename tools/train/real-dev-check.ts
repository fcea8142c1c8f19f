/**
 * Validation only (never training): how often each line recogniser reads the card number of a
 * real specimen photo in ../shared/corpus/real-dev-v1, given the same PP-OCRv4 detector boxes.
 * For every photo with a number in its truth, every detected line is cut upright (and also turned
 * 180°, for photos taken upside down), read by each recogniser, and counted as a hit when some
 * line's digits equal the truth number. Prints counts only: no number is ever printed.
 *
 * `tsx tools/train/real-dev-check.ts [CORPUS_DIR] [--out report.json] [--model CANDIDATE.onnx]... [--no-committed]`
 * (a candidate model is checked against its own sha256, computed here, instead of the committed one's; `--model`
 * may be repeated, and one detector pass then serves the committed model, every candidate and PP-OCRv4). Works on
 * any folder with the generator's truth.json too (e.g. the embossed tuning sets). Also counts, per recogniser, the
 * photos where some line reads as a Luhn-valid number of the card's length that is not the card's (a wrong number
 * the reader's checks could not catch).
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import type { LineRecognizer, Raster } from '../../functions/core/ports.js';
import { createCardCrnnRecognizer } from '../../functions/adapters/ocr/crnn/crnn-recognizer.js';
import { CARD_CRNN_MODEL } from '../../functions/adapters/ocr/crnn/model-file.js';
import { createPpocrDetector } from '../../functions/adapters/ocr/ppocr/ppocr-detector.js';
import { createPpocrRecognizer } from '../../functions/adapters/ocr/ppocr/ppocr-recognizer.js';
import { cropQuad } from '../../functions/reader/image/crop-quad.js';

function turn180(r: Raster): Raster {
  const out = new Uint8Array(r.data.length);
  const n = r.width * r.height, c = r.channels;
  for (let i = 0; i < n; i++) for (let k = 0; k < c; k++) out[(n - 1 - i) * c + k] = r.data[i * c + k]!;
  return { ...r, data: out };
}

/** Luhn check of a digit string (a misread that passes it is a wrong card number the reader could report). */
function luhnValid(d: string): boolean {
  let sum = 0;
  for (let i = 0; i < d.length; i++) {
    let v = d.charCodeAt(d.length - 1 - i) - 48;
    if (i % 2 === 1) v = v * 2 > 9 ? v * 2 - 9 : v * 2;
    sum += v;
  }
  return d.length > 0 && sum % 10 === 0;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { out: { type: 'string' }, model: { type: 'string', multiple: true }, 'no-committed': { type: 'boolean', default: false } },
  });
  const { out } = values;
  const models = values.model ?? [];
  const dir = positionals[0] ?? '../shared/corpus/real-dev-v1';
  // Candidates are checked against their own sha256, computed here, instead of the committed model's.
  const candidates: Array<{ modelPath: string; name: string; expect: { sha256: string; bytes: number } }> = [];
  for (const model of models) {
    const bytes = await readFile(model);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    // Named after the file; a candidate file named like the committed one (but other bytes) gets its checksum's start.
    const base = basename(model, '.onnx');
    const name = base === CARD_CRNN_MODEL.name.replace(/\.onnx$/, '') && sha256 !== CARD_CRNN_MODEL.sha256 ? `${base}@${sha256.slice(0, 8)}` : base;
    candidates.push({ modelPath: model, name, expect: { sha256, bytes: bytes.byteLength } });
  }
  const modelSha256 = candidates[0]?.expect.sha256;
  const truth = JSON.parse(await readFile(join(dir, 'truth.json'), 'utf8')) as Array<{ file: string; pan: string | null }>;
  sharp.concurrency(1);
  const detector = await createPpocrDetector({ timeoutMs: 0 });
  // One detector pass serves every recogniser: the committed model (unless --no-committed), each --model, PP-OCRv4.
  const crnns: LineRecognizer[] = [];
  const committedNamed = candidates.some((c) => c.expect.sha256 === CARD_CRNN_MODEL.sha256);
  if ((!values['no-committed'] && !committedNamed) || candidates.length === 0) crnns.push(await createCardCrnnRecognizer({ timeoutMs: 0 }));
  for (const c of candidates) crnns.push(await createCardCrnnRecognizer({ timeoutMs: 0, ...c }));
  const ppocr = await createPpocrRecognizer({ timeoutMs: 0 });
  const recs: LineRecognizer[] = [...crnns, ppocr];
  const hits = new Map<string, number>(recs.map((r) => [r.name, 0]));
  // Photos where a recogniser read some line as a Luhn-valid number of the card's length that is not the card's.
  const luhnWrong = new Map<string, number>(recs.map((r) => [r.name, 0]));
  const both = new Map<string, number>(), either = new Map<string, number>(), wrongAgree = new Map<string, number>();
  let photos = 0;
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
      if (digits.some((d) => d !== t.pan && d.length === t.pan!.length && luhnValid(d))) luhnWrong.set(rec.name, luhnWrong.get(rec.name)! + 1);
    }
    for (const c of crnns) {
      const a = found[c.name]!, b = found[ppocr.name]!;
      if (a && b) both.set(c.name, (both.get(c.name) ?? 0) + 1);
      if (a || b) either.set(c.name, (either.get(c.name) ?? 0) + 1);
      // A number both read the same way that is not the truth: what agreement alone would wrongly accept.
      for (const d of readsOf[c.name]!) {
        if (readsOf[ppocr.name]!.has(d) && d !== t.pan && d.length === t.pan.length) wrongAgree.set(c.name, (wrongAgree.get(c.name) ?? 0) + 1);
      }
    }
  }
  await detector.close();
  for (const r of recs) await r.close();
  const line = [...hits.entries()].map(([n, h]) => `${n} ${h}/${photos} (Luhn-valid wrong ${luhnWrong.get(n)})`).join(', ');
  const pairs = crnns.map((c) => `${c.name}+${ppocr.name}: both ${both.get(c.name) ?? 0}, either ${either.get(c.name) ?? 0}, same wrong ${wrongAgree.get(c.name) ?? 0}`).join('; ');
  process.stdout.write(`${basename(dir)}: number read exactly on some detected line: ${line}; ${pairs}\n`);
  // Which model file was checked (the pipeline reuses a report only for the same bytes). `both`/`either`/`wrongAgree`
  // are for the first card-line model named (the candidate when one is given) with PP-OCRv4.
  const first = crnns[crnns.length - 1]!.name;
  if (out) {
    await writeFile(out, JSON.stringify({
      photos, hits: Object.fromEntries(hits), luhnWrong: Object.fromEntries(luhnWrong),
      both: both.get(first) ?? 0, either: either.get(first) ?? 0, wrongAgree: wrongAgree.get(first) ?? 0,
      ...(modelSha256 ? { modelSha256 } : {}),
    }, null, 1) + '\n');
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
