/**
 * The PP-OCR adapters with the real models and the real onnxruntime-node, plus the pure pieces
 * they are built from (CTC decode, DB post-processing, line cropping) on small synthetic arrays.
 */
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OcrEngineError } from '../../functions/core/errors.js';
import type { LineRecognizer, PixelPoint, Raster, TextDetector, TextRegion } from '../../functions/core/ports.js';
import { ctcGreedyDecode } from '../../functions/adapters/ocr/ppocr/ctc-decode.js';
import { dbPostprocess } from '../../functions/adapters/ocr/ppocr/db-postprocess.js';
import { DET_MODEL, defaultModelDir, REC_DICT, REC_MODEL } from '../../functions/adapters/ocr/ppocr/model-files.js';
import { createPpocrDetector } from '../../functions/adapters/ocr/ppocr/ppocr-detector.js';
import { createPpocrRecognizer } from '../../functions/adapters/ocr/ppocr/ppocr-recognizer.js';
import { createReaderEngines } from '../../functions/adapters/ocr/reader-engines.js';
import { resizeIntoTensor } from '../../functions/adapters/ocr/ppocr/resample.js';
import { cropQuad } from '../../functions/reader/image/crop-quad.js';

describe('ctcGreedyDecode', () => {
  const table = ['', 'a', 'b', ' '];
  /** Frames as rows of class probabilities. */
  const frames = (rows: number[][]) => new Float32Array(rows.flat());

  it('collapses repeats, drops blanks and keeps the best frame of each character', () => {
    const p = frames([
      [0.1, 0.8, 0.05, 0.05],
      [0.1, 0.9, 0.0, 0.0], // repeat of a: one a, confidence 0.9
      [0.7, 0.2, 0.1, 0.0], // blank separates
      [0.2, 0.6, 0.2, 0.0], // a again: a second a
      [0.1, 0.1, 0.7, 0.1],
    ]);
    const r = ctcGreedyDecode(p, 0, 5, 4, table);
    expect(r.text).toBe('aab');
    expect(r.charConfidences.map((c) => Number(c.toFixed(3)))).toEqual([0.9, 0.6, 0.7]);
  });

  it('reads from an offset (a line inside a batch) and trims spaces at both ends', () => {
    const junk = [0.0, 0.0, 1.0, 0.0];
    const p = frames([junk, [0.1, 0.0, 0.0, 0.9], [0.1, 0.0, 0.8, 0.1], [0.9, 0.05, 0.05, 0], [0.1, 0.0, 0.0, 0.9]]);
    const r = ctcGreedyDecode(p, 4, 4, 4, table);
    expect(r.text).toBe('b');
    expect(r.charConfidences).toHaveLength(1);
    expect(r.charConfidences[0]).toBeCloseTo(0.8, 5);
  });

  it('restricts the choice to allowed classes when asked', () => {
    const p = frames([[0.1, 0.5, 0.4, 0.0]]);
    expect(ctcGreedyDecode(p, 0, 1, 4, table).text).toBe('a');
    const onlyB = new Uint8Array([0, 0, 1, 0]);
    const r = ctcGreedyDecode(p, 0, 1, 4, table, onlyB);
    expect(r.text).toBe('b');
    expect(r.charConfidences[0]).toBeCloseTo(0.4, 5);
  });

  it('gives an empty line for all-blank frames and refuses a table of the wrong size', () => {
    expect(ctcGreedyDecode(frames([[0.9, 0.1, 0, 0]]), 0, 1, 4, table)).toEqual({ text: '', charConfidences: [] });
    expect(() => ctcGreedyDecode(frames([[1, 0, 0]]), 0, 1, 3, table)).toThrow(RangeError);
  });
});

describe('dbPostprocess', () => {
  /** A probability map with filled shapes: `inside(x, y)` → value. */
  function map(w: number, h: number, paint: (x: number, y: number) => number): Float32Array {
    const m = new Float32Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) m[y * w + x] = paint(x, y);
    return m;
  }
  const side = (a: PixelPoint, b: PixelPoint) => Math.hypot(b.x - a.x, b.y - a.y);

  it('finds a text block, grows it by the unclip offset and drops tiny and faint blobs', () => {
    const prob = map(100, 60, (x, y) => {
      if (x >= 10 && x <= 49 && y >= 10 && y <= 17) return 0.9; // text
      if (x >= 70 && x <= 71 && y >= 10 && y <= 11) return 0.95; // 2×2 speck: below min size
      if (x >= 10 && x <= 60 && y >= 40 && y <= 50) return 0.4; // above 0.3 but scores under 0.6
      return 0.01;
    });
    const boxes = dbPostprocess(prob, 100, 60);
    expect(boxes).toHaveLength(1);
    const [tl, tr, br, bl] = boxes[0]!.quad;
    // Pixel centres 10..49 × 10..17: 39 × 7, grown by d = 39·7·1.5 / (2·46) on every side.
    const d = (39 * 7 * 1.5) / (2 * 46);
    expect(tl.x).toBeCloseTo(10 - d, 3);
    expect(tl.y).toBeCloseTo(10 - d, 3);
    expect(br.x).toBeCloseTo(49 + d, 3);
    expect(br.y).toBeCloseTo(17 + d, 3);
    expect(tr.x).toBeGreaterThan(tl.x);
    expect(bl.y).toBeGreaterThan(tl.y);
    expect(boxes[0]!.score).toBeCloseTo(0.9, 2);
    // A stricter box threshold drops it too.
    expect(dbPostprocess(prob, 100, 60, { boxThreshold: 0.95 })).toHaveLength(0);
  });

  it('orders a tilted line clockwise from its top-left and keeps a tall box short side up', () => {
    const angle = (20 * Math.PI) / 180;
    const cos = Math.cos(angle), sin = Math.sin(angle);
    const prob = map(200, 200, (x, y) => {
      // A 80×12 bar centred at (70, 60) rising to the right... on screen y grows downwards, so
      // a positive angle runs down to the right.
      const u = (x - 70) * cos + (y - 60) * sin, v = -(x - 70) * sin + (y - 60) * cos;
      if (Math.abs(u) <= 40 && Math.abs(v) <= 6) return 0.9;
      // A tall 10×60 bar (vertical text).
      if (x >= 150 && x <= 159 && y >= 100 && y <= 159) return 0.9;
      return 0;
    });
    const boxes = dbPostprocess(prob, 200, 200);
    expect(boxes).toHaveLength(2);
    const [tilted, tall] = boxes as [TextRegion, TextRegion];
    const [tl, tr, br, bl] = tilted.quad;
    expect(Math.atan2(tr.y - tl.y, tr.x - tl.x) * (180 / Math.PI)).toBeCloseTo(20, 0);
    expect(side(tl, tr)).toBeGreaterThan(side(tl, bl) * 3);
    expect(br.y).toBeGreaterThan(tr.y);
    const [ttl, ttr, , tbl] = tall.quad;
    expect(side(ttl, ttr)).toBeLessThan(side(ttl, tbl) / 2);
    expect(ttl.x).toBeLessThan(ttr.x);
    expect(ttl.y).toBeLessThan(tbl.y);
  });

  it('returns boxes in reading order: rows top to bottom, left to right within a row', () => {
    const prob = map(120, 60, (x, y) => {
      const row1 = y >= 10 && y <= 17, row2 = y >= 40 && y <= 47;
      if (row1 && ((x >= 70 && x <= 100) || (x >= 5 && x <= 40))) return 0.9;
      if (row2 && x >= 20 && x <= 60) return 0.9;
      return 0;
    });
    const xs = dbPostprocess(prob, 120, 60).map((b) => [Math.round(b.quad[0].x), Math.round(b.quad[0].y)]);
    expect(xs).toHaveLength(3);
    expect(xs[0]![0]).toBeLessThan(10);
    expect(xs[1]![0]).toBeGreaterThan(60);
    expect(xs[2]![1]).toBeGreaterThan(30);
  });
});

describe('resizeIntoTensor', () => {
  /**
   * The textbook two-pass triangle resampler (every tap, a Float32Array row accumulator), as the
   * engine had it before its fast paths: the fast one must give the same bits, enlarging and shrinking.
   */
  function reference(src: Raster, dstW: number, dstH: number, scale: number[], bias: number[]): Float32Array {
    const taps = (srcLen: number, dstLen: number) => {
      const k = srcLen / dstLen, support = Math.max(k, 1), maxTaps = Math.ceil(support) * 2 + 1;
      const start: number[] = [], weights: Float32Array[] = [];
      for (let i = 0; i < dstLen; i++) {
        const centre = (i + 0.5) * k;
        const lo = Math.max(0, Math.floor(centre - support)), hi = Math.min(srcLen, Math.ceil(centre + support));
        const w = new Float32Array(Math.min(maxTaps, hi - lo));
        let sum = 0;
        for (let j = 0; j < w.length; j++) sum += (w[j] = Math.max(0, 1 - Math.abs((lo + j + 0.5 - centre) / support)));
        if (sum <= 0) { w[0] = 1; sum = 1; }
        for (let j = 0; j < w.length; j++) w[j]! /= sum;
        start.push(lo);
        weights.push(w);
      }
      return { start, weights };
    };
    const { width: sw, height: sh, channels: ch, data } = src;
    const tx = taps(sw, dstW), ty = taps(sh, dstH);
    const mid = new Float32Array(sh * dstW * ch);
    for (let y = 0; y < sh; y++) for (let x = 0; x < dstW; x++) for (let c = 0; c < ch; c++) {
      let v = 0;
      tx.weights[x]!.forEach((w, k) => { v += data[(y * sw + tx.start[x]! + k) * ch + c]! * w; });
      mid[(y * dstW + x) * ch + c] = v;
    }
    const out = new Float32Array(3 * dstW * dstH);
    const acc = new Float32Array(dstW * ch);
    for (let y = 0; y < dstH; y++) {
      acc.fill(0);
      ty.weights[y]!.forEach((w, k) => { for (let i = 0; i < acc.length; i++) acc[i]! += mid[(ty.start[y]! + k) * dstW * ch + i]! * w; });
      for (let x = 0; x < dstW; x++) for (let t = 0; t < 3; t++) {
        const v = ch === 3 ? acc[x * 3 + 2 - t]! : acc[x]!;
        out[t * dstW * dstH + y * dstW + x] = v * scale[t]! + bias[t]!;
      }
    }
    return out;
  }

  it.each([
    ['enlarged 2.7× (a small view to the detector)', 37, 23, 3, 100, 62],
    ['enlarged 1.3×', 50, 31, 1, 64, 40],
    ['shrunk 3.1× (a photo-sized crop to 48 px)', 155, 149, 3, 50, 48],
    ['shrunk 1.7×, enlarged 1.2× the other way', 85, 40, 3, 50, 48],
    ['same size', 20, 12, 1, 20, 12],
  ])('gives the same bits as the two-pass reference: %s', (_what, w, h, ch, dstW, dstH) => {
    let seed = w * 7919 + h;
    const data = new Uint8Array(w * h * ch).map(() => (seed = (seed * 16807) % 2147483647) & 255);
    const src: Raster = { width: w, height: h, channels: ch as 1 | 3, data };
    const scale = [1 / 57.1, 2 / 255, 1 / 58.3], bias = [-2.1, -1, -1.8];
    const tensor = new Float32Array(3 * dstW * dstH);
    resizeIntoTensor(src, dstW, dstH, { tensor, offset: 0, tensorWidth: dstW, tensorHeight: dstH, scale: scale as [number, number, number], bias: bias as [number, number, number] });
    const want = reference(src, dstW, dstH, scale, bias);
    let differ = 0;
    for (let i = 0; i < want.length; i++) if (!Object.is(tensor[i], want[i])) differ++;
    expect(differ).toBe(0);
  });
});

describe('cropQuad', () => {
  /** Grey ramp: value = 2·x + y (fits in a byte for the sizes used). */
  const ramp = (w: number, h: number): Raster => {
    const data = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = 2 * x + y;
    return { width: w, height: h, channels: 1, data };
  };

  it('cuts an axis-aligned quad at its own size with bilinear samples', () => {
    const src = ramp(100, 60);
    const out = cropQuad(src, [{ x: 10, y: 20 }, { x: 50, y: 20 }, { x: 50, y: 30 }, { x: 10, y: 30 }]);
    expect([out.width, out.height, out.channels]).toEqual([40, 10, 1]);
    // Output pixel (u, v) samples the source at (10 + u + 0.5, 20 + v + 0.5).
    for (const [u, v] of [[0, 0], [39, 9], [17, 4]] as const) {
      expect(Math.abs(out.data[v * 40 + u]! - (2 * (10.5 + u) + 20.5 + v))).toBeLessThanOrEqual(1);
    }
  });

  it('turns a quad whose text runs upwards into an upright crop, and scales to outHeight', () => {
    const src = ramp(100, 100);
    // Text running bottom-to-top along x = 30..40: top-left corner is at the bottom-left.
    const quad = [{ x: 30, y: 80 }, { x: 30, y: 20 }, { x: 40, y: 20 }, { x: 40, y: 80 }] as const;
    const out = cropQuad(src, quad);
    expect([out.width, out.height]).toEqual([60, 10]);
    // Along the crop's rows the source y falls (value drops by 1 per pixel); down its columns x grows (+2).
    expect(out.data[10]! - out.data[50]!).toBeGreaterThanOrEqual(39);
    expect(out.data[9 * 60 + 30]! - out.data[30]!).toBeGreaterThanOrEqual(17);
    const scaled = cropQuad(src, quad, 48, { padding: 0.1 });
    expect(scaled.height).toBe(48);
    expect(scaled.width).toBe(Math.round(62 * 4)); // (60 + 2) × (48 / 12)
  });

  it('keeps RGB channels and gives an empty raster for a degenerate quad', () => {
    const data = new Uint8Array(20 * 10 * 3);
    for (let i = 0; i < data.length; i += 3) [data[i], data[i + 1], data[i + 2]] = [200, 100, 50];
    const src: Raster = { width: 20, height: 10, channels: 3, data };
    const out = cropQuad(src, [{ x: 2, y: 2 }, { x: 12, y: 2 }, { x: 12, y: 6 }, { x: 2, y: 6 }]);
    expect(out.channels).toBe(3);
    expect(Array.from(out.data.subarray(0, 3))).toEqual([200, 100, 50]);
    expect(cropQuad(src, [{ x: 2, y: 2 }, { x: 2.2, y: 2 }, { x: 2.2, y: 6 }, { x: 2, y: 6 }]).width).toBe(0);
  });
});

// --- The real engine -------------------------------------------------------------------------

interface PrintedLine {
  text: string;
  font: string;
  size: number;
  x: number;
  baseline: number;
}

const LINES: PrintedLine[] = [
  { text: '4111 1111 1111 1111', font: 'DejaVu Sans Mono', size: 54, x: 70, baseline: 300 },
  { text: 'VALID THRU 12/29', font: 'OCRA', size: 30, x: 300, baseline: 380 },
  { text: 'JANE DOE', font: 'Roboto', size: 38, x: 70, baseline: 460 },
];

/** A card-like render: gradient, a chip, a faint pattern, three lines of text. */
async function renderCard(rotateDeg = 0): Promise<Raster> {
  const texts = LINES.map(
    (l) => `<text x="${l.x}" y="${l.baseline}" font-family="${l.font}" font-size="${l.size}" fill="#f4f4f4">${l.text}</text>`,
  ).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="856" height="540">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#173a6b"/><stop offset="1" stop-color="#3c6fa8"/></linearGradient></defs>
    <rect width="856" height="540" rx="32" fill="url(#g)"/>
    <circle cx="700" cy="120" r="160" fill="#ffffff" fill-opacity="0.06"/>
    <rect x="80" y="130" width="100" height="76" rx="10" fill="#d8b65a"/>
    ${texts}</svg>`;
  let img = sharp(Buffer.from(svg)).flatten({ background: '#20252b' });
  if (rotateDeg) img = sharp(await img.png().toBuffer()).rotate(rotateDeg, { background: '#20252b' });
  const { data, info } = await img.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: 3, data: new Uint8Array(data) };
}

const centre = (q: TextRegion['quad']) => ({ x: (q[0].x + q[2].x) / 2, y: (q[0].y + q[2].y) / 2 });

/** Whether point p lies inside the convex quad (corners clockwise on screen). */
function inside(q: TextRegion['quad'], p: PixelPoint): boolean {
  for (let i = 0; i < 4; i++) {
    const a = q[i]!, b = q[(i + 1) % 4]!;
    if ((b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x) < 0) return false;
  }
  return true;
}

describe('PP-OCR engine (real models, onnxruntime-node)', () => {
  let detector: TextDetector;
  let recognizer: LineRecognizer;
  let card: Raster;
  let workDir: string;

  beforeAll(async () => {
    [detector, recognizer, card] = await Promise.all([createPpocrDetector(), createPpocrRecognizer(), renderCard()]);
    workDir = await mkdtemp(join(tmpdir(), 'ppocr-test-'));
  });
  afterAll(async () => {
    await Promise.all([detector?.close(), recognizer?.close()]);
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  /** Detects, crops, recognises; returns each printed line's regions (by centre row) and their text joined left to right. */
  async function readCard(image: Raster) {
    const regions = await detector.detect(image);
    const read = await recognizer.recognize(regions.map((r) => cropQuad(image, r.quad, 48)));
    return LINES.map((line) => {
      const midY = line.baseline - line.size * 0.35;
      const ofLine = regions
        .map((r, i) => ({ r, text: read[i]!.text, conf: read[i]!.confidence }))
        .filter(({ r }) => Math.abs(centre(r.quad).y - midY) < line.size * 0.6);
      return { line, regions: ofLine.map((o) => o.r), text: ofLine.map((o) => o.text).join(' ').replace(/\s+/g, ' '), confs: ofLine.map((o) => o.conf) };
    });
  }

  it('finds and reads the number, expiry and name lines of a rendered card', async () => {
    const lines = await readCard(card);
    for (const { line, regions, text, confs } of lines) {
      expect(text, `line in ${line.font}`).toBe(line.text);
      for (const c of confs) expect(c).toBeGreaterThan(0.8);
      // The boxes cover the glyphs: the first glyph's middle and the line's vertical middle are inside one.
      const firstGlyph = { x: line.x + line.size * 0.3, y: line.baseline - line.size * 0.35 };
      expect(regions.some((r) => inside(r.quad, firstGlyph)), `box over the start of ${line.text}`).toBe(true);
      for (const r of regions) {
        expect(Math.min(r.quad[0].y, r.quad[1].y)).toBeLessThan(line.baseline - line.size * 0.6);
        expect(Math.max(r.quad[2].y, r.quad[3].y)).toBeGreaterThan(line.baseline);
        expect(r.score).toBeGreaterThan(0.6);
      }
    }
  });

  it('reads a card turned by 7°: tilted quads, cropped upright', async () => {
    const turned = await renderCard(7);
    const regions = await detector.detect(turned);
    const read = await recognizer.recognize(regions.map((r) => cropQuad(turned, r.quad, 48)));
    const all = read.map((l) => l.text).join(' ').replace(/\s+/g, ' ');
    expect(all).toContain('4111 1111 1111 1111');
    expect(all).toContain('JANE DOE');
    const tilts = regions.map((r) => (Math.atan2(r.quad[1].y - r.quad[0].y, r.quad[1].x - r.quad[0].x) * 180) / Math.PI);
    // sharp turns clockwise for positive angles: text then runs down to the right on screen.
    for (const t of tilts) expect(t).toBeGreaterThan(4);
  });

  it('batched runs (similar widths padded together) read the same as one line per run, in the order given', async () => {
    const regions = await detector.detect(card);
    const crops = regions.map((r, i) => cropQuad(card, r.quad, 32 + (i % 3) * 20));
    const single = await recognizer.recognize(crops);
    const batched = await createPpocrRecognizer({ batchSize: 6 });
    try {
      const empty: Raster = { width: 0, height: 0, channels: 1, data: new Uint8Array(0) };
      const shuffled = [...crops.keys()].reverse();
      const batch = await batched.recognize([empty, ...shuffled.map((i) => crops[i]!)]);
      expect(batch[0]).toEqual({ text: '', confidence: 0, charConfidences: [] });
      shuffled.forEach((i, k) => {
        expect(batch[k + 1]!.text).toBe(single[i]!.text);
        expect(batch[k + 1]!.charConfidences).toHaveLength(Array.from(single[i]!.text).length);
      });
    } finally {
      await batched.close();
    }
    expect(single.map((l) => l.text)).toContain('JANE DOE');
  });

  it('reads a grey raster exactly as the same grey replicated into three channels', async () => {
    const n = card.width * card.height;
    const grey = new Uint8Array(n);
    const grey3 = new Uint8Array(n * 3);
    for (let i = 0; i < n; i++) {
      const v = (card.data[i * 3]! * 77 + card.data[i * 3 + 1]! * 150 + card.data[i * 3 + 2]! * 29) >> 8;
      grey[i] = grey3[i * 3] = grey3[i * 3 + 1] = grey3[i * 3 + 2] = v;
    }
    const read = async (image: Raster) => {
      const regions = await detector.detect(image);
      const lines = await recognizer.recognize(regions.map((r) => cropQuad(image, r.quad, 48)));
      return { quads: regions.map((r) => r.quad), texts: lines.map((l) => l.text) };
    };
    const one = await read({ width: card.width, height: card.height, channels: 1, data: grey });
    const three = await read({ width: card.width, height: card.height, channels: 3, data: grey3 });
    expect(one).toEqual(three);
    expect(one.texts.join(' ')).toMatch(/^4111 /);
  });

  it('a call over its time budget fails with a typed, retryable error', async () => {
    const hasty = await createPpocrDetector({ timeoutMs: 1 });
    try {
      const err = await hasty.detect(card).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OcrEngineError);
      expect((err as OcrEngineError).message).toMatch(/1 ms budget/);
      expect((err as OcrEngineError).retryable).toBe(true);
    } finally {
      await hasty.close();
    }
    await expect(hasty.detect(card)).rejects.toThrow(/after close/);
  });

  it('a missing model file is a typed error naming it and saying what to do', async () => {
    const dir = join(workDir, 'empty');
    await rm(dir, { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(dir));
    const err = await createPpocrDetector({ modelDir: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OcrEngineError);
    expect((err as Error).message).toContain(DET_MODEL.name);
    expect((err as Error).message).toMatch(/missing.*Restore it from git/);
  });

  it('a truncated model or a changed dictionary is refused by checksum, naming the file', async () => {
    const dir = join(workDir, 'corrupt');
    await import('node:fs/promises').then((fs) => fs.mkdir(dir, { recursive: true }));
    const source = defaultModelDir();
    const det = await readFile(join(source, DET_MODEL.name));
    await writeFile(join(dir, DET_MODEL.name), det.subarray(0, det.length >> 1));
    const detErr = await createPpocrDetector({ modelDir: dir }).catch((e: unknown) => e);
    expect(detErr).toBeInstanceOf(OcrEngineError);
    expect((detErr as Error).message).toContain(DET_MODEL.name);
    expect((detErr as Error).message).toContain(`found ${det.length >> 1} bytes`);

    // Same size, one character changed: only the checksum can tell.
    await copyFile(join(source, REC_MODEL.name), join(dir, REC_MODEL.name));
    const dict = Buffer.from(await readFile(join(source, REC_DICT.name)));
    dict[0] = dict[0] === 0x27 ? 0x22 : 0x27;
    await writeFile(join(dir, REC_DICT.name), dict);
    const recErr = await createPpocrRecognizer({ modelDir: dir }).catch((e: unknown) => e);
    expect(recErr).toBeInstanceOf(OcrEngineError);
    expect((recErr as Error).message).toContain(REC_DICT.name);
    expect((recErr as Error).message).toMatch(/sha256 28b2362a.*found 26249 bytes/);
  });

  it('the composition helper creates each learned engine once and retries a failed start', async () => {
    const engines = createReaderEngines({ modelDir: join(workDir, 'nowhere') });
    await expect(engines.detector()).rejects.toBeInstanceOf(OcrEngineError);
    await expect(engines.recognizers()).rejects.toThrow(REC_MODEL.name);
    const good = createReaderEngines();
    const [a, b] = await Promise.all([good.recognizers(), good.recognizers()]);
    expect(a).toBe(b);
    // PP-OCR first, then the project's own card-line model (an independent second reader for fusion).
    expect(a.map((r) => r.name)).toEqual(['ppocr-rec-v4', 'card-crnn-v1']);
    const d = await good.detector();
    expect(await good.detector()).toBe(d);
    expect(d.name).toBe('ppocr-det-v4');
    await Promise.all([d.close(), ...a.map((r) => r.close())]);
  });
});
