/**
 * Validation only (never training): *why* a line recogniser misses the card number of a photo in a
 * corpus (real-dev-v1, or a generated bench set). For every photo with a number, the number's row
 * (PP-OCRv4 detector boxes on one row, joined left to right) is found as the row whose reading is
 * nearest the truth, and the script prints, per photo, counts only — never a digit of the number:
 * boxes in the row, crop height in photo pixels, width/height, each reader's edit distance and
 * length difference, and the same for crop variants (padding, taller and shorter boxes, sharpening
 * by upscaling, inversion) so that crop geometry and contrast effects show. Totals at the end, and
 * the digit substitutions (truth→read) the CRNN made, which name a confusion, not a number.
 *
 * `tsx tools/train/real-dev-diagnose.ts [CORPUS_DIR] [--model PATH --sha256 H --bytes N]`
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import type { LineRecognizer, PixelPoint, Raster, TextRegion } from '../../functions/core/ports.js';
import { createCardCrnnRecognizer } from '../../functions/adapters/ocr/crnn/crnn-recognizer.js';
import { createPpocrDetector } from '../../functions/adapters/ocr/ppocr/ppocr-detector.js';
import { createPpocrRecognizer } from '../../functions/adapters/ocr/ppocr/ppocr-recognizer.js';
import { cropQuad } from '../../functions/reader/image/crop-quad.js';

type Quad = readonly [PixelPoint, PixelPoint, PixelPoint, PixelPoint];

function edit(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur.push(Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = cur;
  }
  return prev[b.length]!;
}

/** Substitution pairs of an optimal alignment (truth char → read char), only where lengths agree. */
function subs(truth: string, read: string): string[] {
  if (truth.length !== read.length) return [];
  const out: string[] = [];
  for (let i = 0; i < truth.length; i++) if (truth[i] !== read[i]) out.push(`${truth[i]}>${read[i]}`);
  return out;
}

/** The quad grown (or shrunk, negative) by `fy` of its height on top and bottom and `fx` of its height left and right. */
function grow(q: Quad, fx: number, fy: number): Quad {
  const [tl, tr, br, bl] = q;
  const h = (Math.hypot(bl.x - tl.x, bl.y - tl.y) + Math.hypot(br.x - tr.x, br.y - tr.y)) / 2;
  const w = (Math.hypot(tr.x - tl.x, tr.y - tl.y) + Math.hypot(br.x - bl.x, br.y - bl.y)) / 2;
  const ux = { x: (tr.x - tl.x) / w, y: (tr.y - tl.y) / w };
  const uy = { x: (bl.x - tl.x) / h, y: (bl.y - tl.y) / h };
  const mv = (p: PixelPoint, sx: number, sy: number): PixelPoint => ({ x: p.x + ux.x * sx * fx * h + uy.x * sy * fy * h, y: p.y + ux.y * sx * fx * h + uy.y * sy * fy * h });
  return [mv(tl, -1, -1), mv(tr, 1, -1), mv(br, 1, 1), mv(bl, -1, 1)];
}

function invert(r: Raster): Raster {
  return { ...r, data: r.data.map((v) => 255 - v) };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { model: { type: 'string' }, sha256: { type: 'string' }, bytes: { type: 'string' }, verbose: { type: 'boolean', default: false } },
  });
  const dir = positionals[0] ?? '../shared/corpus/real-dev-v1';
  const truth = JSON.parse(await readFile(join(dir, 'truth.json'), 'utf8')) as Array<{ file: string; pan: string | null }>;
  sharp.concurrency(1);
  const detector = await createPpocrDetector({ timeoutMs: 0 });
  const crnn = await createCardCrnnRecognizer({
    timeoutMs: 0,
    ...(values.model ? { modelPath: values.model, expect: { sha256: values.sha256!, bytes: Number(values.bytes) } } : {}),
  });
  const pp = await createPpocrRecognizer({ timeoutMs: 0 });
  const variants: Array<{ name: string; fx: number; fy: number; inv?: boolean; h?: number }> = [
    { name: 'box', fx: 0, fy: 0 },
    { name: 'pad+10%', fx: 0.1, fy: 0.1 },
    { name: 'pad+25%', fx: 0.25, fy: 0.25 },
    { name: 'y-10%', fx: 0, fy: -0.1 },
    { name: 'x+50%', fx: 0.5, fy: 0 },
    { name: 'inv', fx: 0, fy: 0, inv: true },
    { name: 'h64', fx: 0, fy: 0, h: 64 },
  ];
  const tot = new Map<string, { hit: number; dist: number }>();
  const confusion = new Map<string, number>();
  let photos = 0;
  const readRow = async (rec: LineRecognizer, raster: Raster, row: TextRegion[], v: (typeof variants)[number]): Promise<string> => {
    const crops = row.map((r) => {
      const c = cropQuad(raster, grow(r.quad, v.fx, v.fy), v.h);
      return v.inv ? invert(c) : c;
    });
    const got = await rec.recognize(crops);
    return got.map((g) => g.text.replace(/[^0-9]/g, '')).join('');
  };
  for (const t of truth) {
    if (!t.pan) continue;
    photos++;
    const img = await sharp(join(dir, t.file)).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const raster: Raster = { width: img.info.width, height: img.info.height, channels: 3, data: new Uint8Array(img.data) };
    const regions = (await detector.detect(raster, { maxSide: 1280 })).filter((r) => {
      const c = cropQuad(raster, r.quad);
      return c.width >= 4 && c.height >= 4;
    });
    const geo = regions.map((r) => {
      const ys = r.quad.map((q) => q.y), xs = r.quad.map((q) => q.x);
      return { cy: (Math.min(...ys) + Math.max(...ys)) / 2, h: Math.max(...ys) - Math.min(...ys), x: Math.min(...xs), w: Math.max(...xs) - Math.min(...xs) };
    });
    const rows: number[][] = [];
    for (const i of geo.map((_, i) => i).sort((a, b) => geo[a]!.cy - geo[b]!.cy)) {
      const row = rows.find((r) => Math.abs(geo[r[0]!]!.cy - geo[i]!.cy) < 0.5 * Math.max(geo[r[0]!]!.h, geo[i]!.h));
      if (row) row.push(i);
      else rows.push([i]);
    }
    // The number's row: the one PP-OCR or the CRNN reads nearest the truth (box variant).
    let best: { row: number[]; d: number } | null = null;
    for (const r of rows) {
      const sorted = [...r].sort((a, b) => geo[a]!.x - geo[b]!.x);
      const regs = sorted.map((i) => regions[i]!);
      for (const rec of [pp, crnn]) {
        const d = edit(await readRow(rec, raster, regs, variants[0]!), t.pan);
        if (!best || d < best.d) best = { row: sorted, d };
      }
    }
    if (!best) {
      process.stdout.write(`${t.file}: no boxes\n`);
      continue;
    }
    const regs = best.row.map((i) => regions[i]!);
    const hPx = Math.round(Math.max(...best.row.map((i) => geo[i]!.h)));
    const wPx = Math.round(best.row.reduce((s, i) => s + geo[i]!.w, 0));
    const parts: string[] = [];
    for (const [rname, rec] of [['pp', pp], ['crnn', crnn]] as const) {
      for (const v of rname === 'pp' ? variants.slice(0, 1) : variants) {
        const read = await readRow(rec, raster, regs, v);
        const d = edit(read, t.pan);
        const key = `${rname}:${v.name}`;
        const s = tot.get(key) ?? { hit: 0, dist: 0 };
        s.hit += d === 0 ? 1 : 0;
        s.dist += d;
        tot.set(key, s);
        parts.push(`${key}=${d}${read.length !== t.pan.length ? `(${read.length - t.pan.length > 0 ? '+' : ''}${read.length - t.pan.length})` : ''}`);
        if (rname === 'crnn' && v.name === 'box') for (const p of subs(t.pan, read)) confusion.set(p, (confusion.get(p) ?? 0) + 1);
      }
    }
    process.stdout.write(`${t.file.slice(0, 34).padEnd(34)} len ${t.pan.length} boxes ${best.row.length} h ${hPx}px w/h ${(wPx / Math.max(1, hPx)).toFixed(1)}  ${parts.join(' ')}\n`);
  }
  await detector.close();
  await crnn.close();
  await pp.close();
  process.stdout.write(`\n${photos} photos with a number; hits / total edit distance:\n`);
  for (const [k, s] of tot) process.stdout.write(`  ${k.padEnd(18)} ${s.hit}/${photos}  dist ${s.dist}\n`);
  process.stdout.write(`crnn digit substitutions (truth>read): ${[...confusion.entries()].sort((a, b) => b[1] - a[1]).map(([p, n]) => `${p}×${n}`).join(' ')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
