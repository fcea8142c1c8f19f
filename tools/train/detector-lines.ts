/**
 * The second line recipe: crops cut by the project's own detector from full generated
 * card photos. Each photo comes from the real-world generator (tools/generator/real-world.ts,
 * truth with every printed line's text, role and quad); PP-OCRv4's detector finds the lines; each
 * truth line is matched to the detected box that overlaps it best (IoU of the boxes' bounds) and
 * cut upright with the reader's cropQuad, so the crop carries the detector's real box noise
 * (loose, tight, split or merged boxes are dropped by the match). Truth lines the detector missed
 * are cut from their truth quad with jitter instead, so hard lines still teach.
 *
 * Output: the same pack as make-lines (lines.bin + lines.jsonl, grey, 32 px high), face
 * `embossed` or `flat` from the generator's truth.
 *
 * `tsx tools/train/detector-lines.ts --out DIR --photos N --seed S [--profiles embossed] [--roles number]`
 */
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import type { PixelPoint, Raster, TextRegion } from '../../functions/core/ports.js';
import { createPpocrDetector } from '../../functions/adapters/ocr/ppocr/ppocr-detector.js';
import { cropQuad } from '../../functions/reader/image/crop-quad.js';
import { REAL_PROFILES, renderReal, type RealProfile } from '../generator/real-world.js';
import { CHARSET, LINE_HEIGHT, MAX_WIDTH } from './make-lines.js';

type Quad = [PixelPoint, PixelPoint, PixelPoint, PixelPoint];

const PROFILES: readonly RealProfile[] = ['real-world', 'embossed', 'flat', 'hand', 'scan', 'hard', 'vertical', 'embossed'];

function bounds(q: readonly PixelPoint[]): { x0: number; y0: number; x1: number; y1: number } {
  const xs = q.map((p) => p.x), ys = q.map((p) => p.y);
  return { x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) };
}

/** Intersection over union of two quads' axis-aligned bounds (lines are near-horizontal or near-vertical). */
export function boundsIou(a: readonly PixelPoint[], b: readonly PixelPoint[]): number {
  const p = bounds(a), q = bounds(b);
  const iw = Math.max(0, Math.min(p.x1, q.x1) - Math.max(p.x0, q.x0));
  const ih = Math.max(0, Math.min(p.y1, q.y1) - Math.max(p.y0, q.y0));
  const inter = iw * ih;
  const union = (p.x1 - p.x0) * (p.y1 - p.y0) + (q.x1 - q.x0) * (q.y1 - q.y0) - inter;
  return union > 0 ? inter / union : 0;
}

/** The detected quad's corners re-ordered so that its top-left is the truth's (text direction from the truth). */
export function alignQuad(found: readonly PixelPoint[], truth: readonly PixelPoint[]): Quad {
  let best = 0, bestD = Infinity;
  for (let r = 0; r < 4; r++) {
    let d = 0;
    for (let i = 0; i < 4; i++) d += Math.hypot(found[(i + r) % 4]!.x - truth[i]!.x, found[(i + r) % 4]!.y - truth[i]!.y);
    if (d < bestD) {
      bestD = d;
      best = r;
    }
  }
  return [0, 1, 2, 3].map((i) => found[(i + best) % 4]!) as Quad;
}

async function toModelCrop(crop: Raster): Promise<{ width: number; data: Uint8Array } | null> {
  if (crop.width < 4 || crop.height < 4) return null;
  const w = Math.min(MAX_WIDTH, Math.max(8, Math.round((crop.width * LINE_HEIGHT) / crop.height)));
  const out = await sharp(crop.data, { raw: { width: crop.width, height: crop.height, channels: crop.channels } })
    .resize(w, LINE_HEIGHT, { fit: 'fill' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const n = w * LINE_HEIGHT;
  const grey = new Uint8Array(n);
  const c = out.info.channels;
  for (let i = 0, j = 0; i < n; i++, j += c) grey[i] = c === 1 ? out.data[j]! : Math.round(0.299 * out.data[j]! + 0.587 * out.data[j + 1]! + 0.114 * out.data[j + 2]!);
  return { width: w, data: grey };
}

/** Writes detector-cut crops from `photos` generated photos (seeds `seed…`) to `dir`. */
export async function writeDetectorLines(
  dir: string,
  photos: number,
  seed: number,
  opts: { profiles?: readonly RealProfile[]; roles?: readonly string[] } = {},
): Promise<{ crops: number; matched: number; fromTruth: number }> {
  const profiles = opts.profiles?.length ? opts.profiles : PROFILES;
  await mkdir(dir, { recursive: true });
  const bin = await open(join(dir, 'lines.bin'), 'w');
  const index = await open(join(dir, 'lines.jsonl'), 'w');
  // No time budget: a data-making run on a busy machine may wait, it must not fail.
  const detector = await createPpocrDetector({ timeoutMs: 0 });
  let offset = 0, matched = 0, fromTruth = 0;
  // A deterministic jitter stream for the truth-quad fallback.
  let j = seed >>> 0 || 1;
  const rnd = (): number => {
    j ^= j << 13; j ^= j >>> 17; j ^= j << 5;
    return (j >>> 0) / 4294967296;
  };
  try {
    for (let i = 0; i < photos; i++) {
      const profile = profiles[i % profiles.length]!;
      const { bytes, truth } = await renderReal(seed + i, profile, { maxSide: 1280 });
      if (truth.kind !== 'payment_card') continue;
      const img = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const raster: Raster = { width: img.info.width, height: img.info.height, channels: 3, data: new Uint8Array(img.data) };
      const regions: TextRegion[] = await detector.detect(raster);
      for (const line of truth.lines) {
        if (line.object !== 'card' || (line.occluded ?? 0) > 0.05) continue;
        if (opts.roles && !opts.roles.includes(line.role)) continue;
        const text = line.text.replace(/\s+/g, ' ').trim();
        if (!text || ![...text].every((ch) => CHARSET.includes(ch))) continue;
        const tq = line.quad.map(([x, y]) => ({ x, y }));
        let best: TextRegion | undefined, bestIou = 0;
        for (const r of regions) {
          const iou = boundsIou(r.quad, tq);
          if (iou > bestIou) {
            bestIou = iou;
            best = r;
          }
        }
        let quad: Quad;
        const fromDetector = best !== undefined && bestIou >= 0.5;
        if (best && fromDetector) {
          quad = alignQuad(best.quad, tq);
        } else {
          // Missed by the detector: the truth quad, loosened or tightened a little like a detector box.
          const h = Math.hypot(tq[3]!.x - tq[0]!.x, tq[3]!.y - tq[0]!.y);
          quad = tq.map((p) => ({ x: p.x + (rnd() - 0.5) * 0.3 * h, y: p.y + (rnd() - 0.5) * 0.3 * h })) as Quad;
        }
        // Lines printed too small to read at this photo size (tiny labels) would only teach guessing.
        const lineH = Math.hypot(quad[3].x - quad[0].x, quad[3].y - quad[0].y);
        if (lineH < 14) continue;
        const crop = await toModelCrop(cropQuad(raster, quad));
        if (!crop) continue;
        if (fromDetector) matched++;
        else fromTruth++;
        await bin.write(crop.data);
        const face = line.emboss ? 'embossed' : /OCR-?A/i.test(line.font) ? 'ocr-a' : 'flat';
        await index.write(JSON.stringify({ text, role: line.role === 'label' ? 'other' : line.role, face, font: line.font, width: crop.width, offset, source: fromDetector ? 'detector' : 'truth' }) + '\n');
        offset += crop.data.length;
      }
      if ((i + 1) % 50 === 0) process.stderr.write(`detector-lines: ${i + 1}/${photos} photos, ${matched} matched, ${fromTruth} from truth\n`);
    }
  } finally {
    await bin.close();
    await index.close();
    await detector.close();
  }
  return { crops: matched + fromTruth, matched, fromTruth };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      photos: { type: 'string', default: '300' },
      seed: { type: 'string', default: '500000' },
      // `--profiles embossed` cuts only embossed photos, `--roles number` keeps only the number lines.
      profiles: { type: 'string' },
      roles: { type: 'string' },
    },
  });
  if (!values.out) throw new Error('detector-lines: --out DIR is required');
  sharp.concurrency(1);
  const t0 = Date.now();
  const profiles = values.profiles?.split(',').map((p) => p.trim()) as RealProfile[] | undefined;
  const bad = profiles?.find((p) => !REAL_PROFILES.includes(p));
  if (bad !== undefined) throw new Error(`detector-lines: --profiles takes a comma list of ${REAL_PROFILES.join(', ')}, got ${bad}`);
  const roles = values.roles?.split(',').map((r) => r.trim());
  const r = await writeDetectorLines(values.out, Number(values.photos), Number(values.seed), { ...(profiles ? { profiles } : {}), ...(roles ? { roles } : {}) });
  process.stderr.write(`detector-lines: ${r.crops} crops (${r.matched} detector boxes, ${r.fromTruth} truth quads) in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
