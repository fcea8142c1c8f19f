/**
 * Extraction on learned lines, measured alone: for every photo of a folder with truth.json,
 * PP-OCR detects text lines on the whole frame (no card finding, no fusion), recognises each
 * one, and `extractFields` gets them as the reader would give them — `box` (view pixels),
 * `charConfidences`, `source`. Scored by the bench's rules (score.ts, like score-cards.mjs),
 * so a field miss here is either the recogniser's or extraction's; the per-photo lines say
 * which (a field whose right value is on some line but was not taken is extraction's).
 *
 *   npx tsx tools/bench/extract-probe.ts ../shared/corpus/real-dev-v1 [--max-side 960]
 *
 * Prints masked numbers only, never a raw line.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Raster } from '../../functions/core/ports.js';
import { createPpocrDetector } from '../../functions/adapters/ocr/ppocr/ppocr-detector.js';
import { createPpocrRecognizer } from '../../functions/adapters/ocr/ppocr/ppocr-recognizer.js';
import { cropQuad } from '../../functions/reader/image/crop-quad.js';
import { extractFields, type TextLine } from '../../functions/reader/extract/index.js';
import { maskPan } from '../../functions/core/mask.js';
import { normName, parseTruth, score, type Reading } from './score.js';

async function decode(path: string): Promise<Raster> {
  const { data, info } = await sharp(await readFile(path)).rotate().removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: 3, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const dir = argv[0];
  const sideAt = argv.indexOf('--max-side');
  const maxSide = sideAt >= 0 ? Number(argv[sideAt + 1]) : 960;
  if (!dir) throw new Error('usage: npx tsx tools/bench/extract-probe.ts DIR [--max-side 960]');
  const truth = parseTruth(JSON.parse(await readFile(join(dir, 'truth.json'), 'utf8')));
  const detector = await createPpocrDetector({});
  const recognizer = await createPpocrRecognizer({});
  const readings = new Map<string, Reading>();
  const digitsOf = (s: string): string => s.replace(/\D/g, '');
  try {
    for (const t of truth) {
      const image = await decode(join(dir, t.file));
      const regions = await detector.detect(image, { maxSide });
      const recs = await recognizer.recognize(regions.map((r) => cropQuad(image, r.quad, 48)));
      const lines: TextLine[] = regions.map((r, i) => {
        const xs = r.quad.map((p) => p.x);
        const ys = r.quad.map((p) => p.y);
        const rec = recs[i]!;
        return {
          text: rec.text,
          confidence: rec.confidence,
          charConfidences: rec.charConfidences,
          source: 'ppocr@frame',
          box: { left: Math.min(...xs), top: Math.min(...ys), width: Math.max(...xs) - Math.min(...xs), height: Math.max(...ys) - Math.min(...ys) },
        };
      });
      const f = extractFields(lines);
      readings.set(t.file, { status: 'ok', pan: f.pan, panUnverified: f.panUnverified, brand: f.brand, expiry: f.expiry, name: f.name });
      // Was the right value on some line at all? (then a miss is extraction's, not the recogniser's)
      const panOnLine = t.pan ? lines.some((l) => digitsOf(l.text).includes(t.pan!)) : false;
      const expiryOnLine = t.expiry ? lines.some((l) => l.text.replace(/\s/g, '').includes(t.expiry!)) : false;
      const nameOnLine = t.name ? lines.some((l) => normName(l.text).includes(normName(t.name))) : false;
      const got = f.pan ?? f.panUnverified;
      const marks = [
        t.kind === 'none' ? `negative${got ? ` REPORTED ${maskPan(got)}` : ''}` : `pan ${got && got === t.pan ? 'ok' : `${got ? maskPan(got) : '-'} (${panOnLine ? 'on a line' : 'not on one line'}; ${f.missing.pan ?? ''})`}`,
        `expiry ${f.expiry ?? '-'}${t.expiry ? ` / ${t.expiry}${expiryOnLine ? '' : ' (not on a line)'}` : ''}${f.missing.expiry ? ` [${f.missing.expiry}]` : ''}`,
        `name ${f.name ?? '-'}${t.name ? ` / ${t.name}${nameOnLine ? '' : ' (not on a line)'}` : ''}${f.missing.name ? ` [${f.missing.name}]` : ''}`,
      ];
      console.log(`${t.file.padEnd(36)} ${lines.length} lines | ${marks.join(' | ')}`);
    }
  } finally {
    await detector.close?.();
    await recognizer.close?.();
  }
  const a = score(truth, readings);
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
  console.log(
    `\nextraction on whole-frame PP-OCR lines (max side ${maxSide}): PAN ${pct(a.panExact)} wrong ${pct(a.wrongPan)}, expiry ${pct(a.expiryExact)} of ${a.expiryCards} (wrong ${Math.round(a.expiryWrong * a.expiryCards)}), name ${pct(a.nameExact)} of ${a.nameCards}, negatives with a number ${a.negativesWithPan}`,
  );
}

await main();
