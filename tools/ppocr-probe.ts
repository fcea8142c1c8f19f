/**
 * Dev probe for the PP-OCR engine: for every image in a folder, detect text lines, crop each
 * one upright, recognise it, and print per image the line count, per-stage milliseconds and the
 * line shapes with digits masked (a line of 13–19 digits keeps its first 6 and last 4, every other
 * digit is •). With a truth.json next to the images (the real-dev-v1 format), it also says whether
 * some line, or a run of adjacent lines joined, reads exactly the truth card number, without
 * printing it, and ends with the recall over the payment cards.
 *
 *   npx tsx tools/ppocr-probe.ts ../shared/corpus/real-dev-v1 [--max-side 960,1280] [--charset card] [--unclip 1.5] [--pad 0.08] [--quiet]
 *
 * Runs the detector on the whole image (no card finding first), so it measures the engine alone.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { distance } from 'fastest-levenshtein';
import sharp from 'sharp';
import type { Raster, RecognizedLine, TextRegion } from '../functions/core/ports.js';
import { createPpocrDetector } from '../functions/adapters/ocr/ppocr/ppocr-detector.js';
import { createPpocrRecognizer } from '../functions/adapters/ocr/ppocr/ppocr-recognizer.js';
import { cropQuad } from '../functions/reader/image/crop-quad.js';

interface Truth {
  file: string;
  kind: string;
  pan: string | null;
}

const IMAGE_EXT = new Set(['.jpg', '.jpeg', '.png', '.webp', '.tif', '.tiff']);
const CARD_CHARSET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ/-. ';

interface Args {
  dir: string;
  maxSides: number[];
  charset?: string;
  quiet: boolean;
  unclipRatio?: number;
  padding?: number;
}

function parseArgs(argv: string[]): Args {
  let dir: string | undefined;
  let maxSides = [960];
  let charset: string | undefined;
  let quiet = false;
  let unclipRatio: number | undefined;
  let padding: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--max-side') maxSides = (argv[++i] ?? '').split(',').map(Number);
    else if (a === '--charset') {
      const v = argv[++i] ?? '';
      charset = v === 'card' ? CARD_CHARSET : v;
    } else if (a === '--quiet') quiet = true;
    else if (a === '--unclip') unclipRatio = Number(argv[++i]);
    else if (a === '--pad') padding = Number(argv[++i]);
    else if (!a.startsWith('--') && dir === undefined) dir = a;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!dir || maxSides.some((m) => !(m >= 32))) {
    throw new Error('usage: npx tsx tools/ppocr-probe.ts DIR [--max-side 960,1280] [--charset card|CHARS] [--unclip R] [--pad F] [--quiet]');
  }
  return {
    dir, maxSides, quiet,
    ...(charset === undefined ? {} : { charset }),
    ...(unclipRatio === undefined ? {} : { unclipRatio }),
    ...(padding === undefined ? {} : { padding }),
  };
}

/**
 * Digits masked: a line holding a whole card number's worth of digits (13–19) keeps its first 6
 * and last 4 (the PAN masking rule); every other digit is •, so that the groups of a split number
 * never add up to more than that across lines.
 */
export function maskLine(text: string): string {
  const digits = text.replace(/\D/g, '').length;
  const whole = digits >= 13 && digits <= 19;
  let seen = 0;
  return text.replace(/\d/g, (d) => {
    const i = seen++;
    return whole && (i < 6 || i >= digits - 4) ? d : '•';
  });
}

/** Whether one line or up to five adjacent lines joined read exactly `pan`'s digits. */
function findsPan(lines: readonly RecognizedLine[], pan: string): string | null {
  const digits = lines.map((l) => l.text.replace(/\D/g, ''));
  for (let run = 1; run <= 5; run++) {
    for (let i = 0; i + run <= digits.length; i++) {
      if (digits.slice(i, i + run).join('') === pan) return run === 1 ? 'one line' : `${run} lines joined`;
    }
  }
  return null;
}

/** For a miss: how close the nearest run of adjacent lines came (digit count and edits only, never digits). */
function nearestMiss(lines: readonly RecognizedLine[], pan: string): string {
  const digits = lines.map((l) => l.text.replace(/\D/g, ''));
  let best = { d: Infinity, len: 0 };
  for (let run = 1; run <= 5; run++) {
    for (let i = 0; i + run <= digits.length; i++) {
      const joined = digits.slice(i, i + run).join('');
      if (!joined) continue;
      const d = distance(joined, pan);
      if (d < best.d) best = { d, len: joined.length };
    }
  }
  return best.d === Infinity ? 'no digits read' : `nearest: ${best.len} digits, ${best.d} edits from the ${pan.length}-digit truth`;
}

async function decode(path: string): Promise<Raster> {
  const { data, info } = await sharp(await readFile(path)).rotate().removeAlpha().toColourspace('srgb').raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: 3, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const truthByFile = new Map<string, Truth>();
  try {
    const truth = JSON.parse(await readFile(join(args.dir, 'truth.json'), 'utf8')) as Truth[];
    for (const t of truth) truthByFile.set(t.file, t);
  } catch {
    // No truth: shapes and timings only.
  }
  const files = (await readdir(args.dir)).filter((f) => IMAGE_EXT.has(extname(f).toLowerCase())).sort();

  let t0 = performance.now();
  const detector = await createPpocrDetector({ timeoutMs: 0, ...(args.unclipRatio === undefined ? {} : { unclipRatio: args.unclipRatio }) });
  const detLoad = performance.now() - t0;
  t0 = performance.now();
  const recognizer = await createPpocrRecognizer({ timeoutMs: 0, ...(args.charset === undefined ? {} : { charset: args.charset }) });
  const recLoad = performance.now() - t0;
  console.log(`load: det ${detLoad.toFixed(0)} ms, rec ${recLoad.toFixed(0)} ms`);

  for (const maxSide of args.maxSides) {
    let cards = 0, hits = 0, detMs = 0, recMs = 0, recLines = 0, images = 0;
    console.log(`\n== maxSide ${maxSide} ==`);
    for (const file of files) {
      const image = await decode(join(args.dir, file));
      let t = performance.now();
      const regions: TextRegion[] = await detector.detect(image, { maxSide });
      const dMs = performance.now() - t;
      t = performance.now();
      const crops = regions.map((r) => cropQuad(image, r.quad, 48, args.padding === undefined ? {} : { padding: args.padding }));
      const cMs = performance.now() - t;
      t = performance.now();
      const lines = await recognizer.recognize(crops);
      const rMs = performance.now() - t;
      images++;
      // The first image pays onnxruntime's warm-up; leave it out of the means.
      if (images > 1) {
        detMs += dMs;
        recMs += rMs;
        recLines += lines.length;
      }
      const truth = truthByFile.get(file);
      let verdict = '';
      if (truth?.kind === 'payment_card' && truth.pan) {
        cards++;
        const how = findsPan(lines, truth.pan);
        if (how) hits++;
        verdict = how ? `PAN read (${how})` : `PAN not read (${nearestMiss(lines, truth.pan)})`;
      } else if (truth) verdict = 'no PAN expected';
      console.log(
        `${basename(file)}  ${image.width}x${image.height}  lines ${lines.length}  det ${dMs.toFixed(0)} ms  crop ${cMs.toFixed(0)} ms  ` +
          `rec ${rMs.toFixed(0)} ms  rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB  ${verdict}`,
      );
      if (!args.quiet) {
        for (const l of lines) if (l.text) console.log(`    ${maskLine(l.text)}  (${l.confidence.toFixed(2)})`);
      }
    }
    const n = Math.max(1, images - 1);
    console.log(
      `maxSide ${maxSide}: PAN read on ${hits}/${cards} card images; mean det ${(detMs / n).toFixed(0)} ms/image, ` +
        `rec ${(recMs / Math.max(1, recLines)).toFixed(1)} ms/line (${(recLines / n).toFixed(1)} lines/image), first image excluded`,
    );
  }
  await detector.close();
  await recognizer.close();
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
}

await main();
