/**
 * The result's geometry (core/card.ts CardGeometry): the card outline and each field's quad in
 * pixels of the photo as uploaded, after EXIF orientation, through every view transform (the
 * rectification warp, the frame's downscale, close-ups; the preprocess stage's normalised PNG
 * in the pipeline). Pure mapping helpers on known points, then committed generated photos
 * whose truth holds the quad of every printed line, read by the real engines.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GeometryQuad } from '../../functions/core/card.js';
import { createReaderEngines } from '../../functions/adapters/ocr/reader-engines.js';
import { cardFromLines, cardMap, composeMaps, readingQuad, scaleMap, toSourceQuad } from '../../functions/reader/image/field-geometry.js';
import { preprocessPhoto, readHintsOf } from '../../functions/reader/preprocess.js';
import { createCardReader, type CardReader } from '../../functions/reader/reader.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'real-world');

type XY = readonly [number, number];
interface TruthLine {
  text: string;
  role: string;
  quad: XY[];
}
interface Truth {
  file: string;
  size: string;
  object_quad: XY[];
  lines: TruthLine[];
  pan: string | null;
}

const centroid = (q: readonly XY[]): XY => [q.reduce((s, p) => s + p[0], 0) / q.length, q.reduce((s, p) => s + p[1], 0) / q.length];
const dist = (a: XY, b: XY): number => Math.hypot(a[0] - b[0], a[1] - b[1]);
/** Height of a line quad (mean of its two short sides). */
const lineHeight = (q: readonly XY[]): number => (dist(q[0]!, q[3]!) + dist(q[1]!, q[2]!)) / 2;
const lineLength = (q: readonly XY[]): number => (dist(q[0]!, q[1]!) + dist(q[3]!, q[2]!)) / 2;

/**
 * A reported field quad lies on its printed line: same centre (within a line height), same
 * direction, and about its length — up to twice it, since a detected box may take in tiny print
 * beside the field that no reader could read (a `GOOD THRU` label in 5-px letters before a date).
 */
function expectOnLine(got: GeometryQuad | undefined, truth: readonly XY[], what: string): void {
  expect(got, what).toBeDefined();
  const g = got!;
  const h = lineHeight(truth);
  expect(dist(centroid(g), centroid(truth)), `${what}: centre`).toBeLessThan(h);
  expect(lineLength(g) / lineLength(truth), `${what}: length`).toBeGreaterThan(0.65);
  expect(lineLength(g) / lineLength(truth), `${what}: length`).toBeLessThan(2);
  // Clockwise from the top-left as the line reads: TL→TR runs along the text.
  const dirG = Math.atan2(g[1][1] - g[0][1], g[1][0] - g[0][0]);
  const dirT = Math.atan2(truth[1]![1] - truth[0]![1], truth[1]![0] - truth[0]![0]);
  const d = Math.abs(((dirG - dirT + 3 * Math.PI) % (2 * Math.PI)) - Math.PI);
  expect(d, `${what}: direction`).toBeLessThan(0.2);
}

describe('mapping helpers', () => {
  it('maps a rectified card back onto its corners (the warp homography), and a downscaled close-up back to the photo', () => {
    const corners = [{ x: 120, y: 80 }, { x: 910, y: 140 }, { x: 880, y: 620 }, { x: 90, y: 560 }] as const;
    const m = cardMap(1000, 630, corners);
    const at = (x: number, y: number) => m({ x, y });
    for (const [p, c] of [[at(0, 0), corners[0]], [at(1000, 0), corners[1]], [at(1000, 630), corners[2]], [at(0, 630), corners[3]]] as const) {
      expect(p.x).toBeCloseTo(c.x, 6);
      expect(p.y).toBeCloseTo(c.y, 6);
    }
    // A 2000×1500 photo shown as a 1280×960 frame; a close-up of the frame's box (100, 50, 320×240) at 2×.
    const frameToPhoto = scaleMap(2000 / 1280, 1500 / 960);
    const zoomToFrame = scaleMap(0.5, 0.5, 100, 50);
    const p = composeMaps(frameToPhoto, zoomToFrame)({ x: 640, y: 480 });
    expect(p.x).toBeCloseTo((100 + 320) * (2000 / 1280), 6);
    expect(p.y).toBeCloseTo((50 + 240) * (1500 / 960), 6);
    // Clamped to the photo and rounded to 0.1 px.
    expect(toSourceQuad([{ x: -5, y: 3.333 }, { x: 2100, y: 0 }, { x: 10, y: 10 }, { x: 0, y: 0 }], (q) => q, { width: 2000, height: 1500 })).toEqual([
      [0, 3.3], [2000, 0], [10, 10], [0, 0],
    ]);
  });

  it('orders a quad clockwise from the top-left as the text reads, also upside down', () => {
    const line = [{ x: 10, y: 10 }, { x: 110, y: 10 }, { x: 110, y: 30 }, { x: 10, y: 30 }];
    expect(readingQuad([line], 0, false)![0]).toEqual({ x: 10, y: 10 });
    const turned = readingQuad([line], 0, true)!;
    // Read upside down, the line's top-left is the image's bottom-right.
    expect(turned[0].x).toBeCloseTo(110, 6);
    expect(turned[0].y).toBeCloseTo(30, 6);
    expect(turned[2].x).toBeCloseTo(10, 6);
  });

  it('estimates a card from its number line: at least number / 0.8 wide, card-shaped, around the printed lines', () => {
    const number = [{ x: 100, y: 300 }, { x: 500, y: 300 }, { x: 500, y: 330 }, { x: 100, y: 330 }];
    const name = [{ x: 100, y: 380 }, { x: 300, y: 380 }, { x: 300, y: 400 }, { x: 100, y: 400 }];
    const far = [{ x: 1500, y: 900 }, { x: 1600, y: 900 }, { x: 1600, y: 920 }, { x: 1500, y: 920 }];
    const q = cardFromLines(number, [number, name, far], 0, false)!;
    const w = q[1].x - q[0].x, h = q[3].y - q[0].y;
    expect(w).toBeGreaterThanOrEqual(500);
    expect(w / h).toBeGreaterThan(1.4);
    expect(q[0].x).toBeLessThan(100);
    expect(q[2].y).toBeGreaterThan(400);
    // A line far from the number is not the card's.
    expect(q[2].x).toBeLessThan(1000);
  });
});

describe('geometry of real reads (committed generated photos, real engines)', () => {
  let reader: CardReader;
  let truth: Truth[];
  beforeAll(async () => {
    truth = JSON.parse(await readFile(join(FIXTURES, 'truth.json'), 'utf8')) as Truth[];
    reader = await createCardReader({ engines: createReaderEngines({ threads: 1 }), now: () => new Date('2026-11-27T00:00:00Z') });
  });
  afterAll(async () => {
    await reader?.close();
  });
  const entry = (file: string): Truth => truth.find((t) => t.file === file)!;
  const line = (t: Truth, role: string): readonly XY[] => t.lines.find((l) => l.role === role)!.quad;

  it('a card on a desk: the outline and the number, date and name quads land on the photo where they are printed', async () => {
    const t = entry('hard-2033-001.jpg');
    const r = await reader.readPhoto(await readFile(join(FIXTURES, t.file)));
    expect(r.revealPan()).toBe(t.pan);
    const g = r.geometry!;
    expect(`${g.image.width}x${g.image.height}`).toBe(t.size);
    const diag = Math.hypot(g.image.width, g.image.height);
    g.corners!.forEach((c, i) => expect(dist(c, t.object_quad[i]!), `corner ${i}`).toBeLessThan(0.03 * diag));
    expectOnLine(g.fields?.pan, line(t, 'number'), 'pan');
    if (r.card.expiry) expectOnLine(g.fields?.expiry, line(t, 'expiry'), 'expiry');
    if (r.card.name) expectOnLine(g.fields?.name, line(t, 'name'), 'name');
  });

  it('the same photo stored turned with an EXIF orientation tag: the points refer to the photo as shown, not as stored', async () => {
    const t = entry('hard-2033-001.jpg');
    const upright = await readFile(join(FIXTURES, t.file));
    // Stored turned 90° counter-clockwise, tagged "rotate 90° clockwise to display" (orientation 6).
    const stored = await sharp(upright).rotate(-90).withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toBuffer();
    const r = await reader.readPhoto(stored);
    expect(r.revealPan()).toBe(t.pan);
    const g = r.geometry!;
    expect(`${g.image.width}x${g.image.height}`).toBe(t.size);
    expectOnLine(g.fields?.pan, line(t, 'number'), 'pan');
  });

  it('in the pipeline (preprocess stage PNG + its hints → read stage), the geometry still refers to the uploaded photo', async () => {
    const t = entry('hard-2033-001.jpg');
    const card = await preprocessPhoto(await readFile(join(FIXTURES, t.file)));
    expect(card.geometry.view).toBe('card');
    const r = await reader.readNormalised(card.image, readHintsOf(card.geometry));
    expect(r.revealPan()).toBe(t.pan);
    const g = r.geometry!;
    expect(`${g.image.width}x${g.image.height}`).toBe(t.size);
    expectOnLine(g.fields?.pan, line(t, 'number'), 'pan');
    const diag = Math.hypot(g.image.width, g.image.height);
    g.corners!.forEach((c, i) => expect(dist(c, t.object_quad[i]!), `corner ${i}`).toBeLessThan(0.03 * diag));
  });

  it('a card in a hand, read from the whole frame: field quads on the printed lines and an outline around them', async () => {
    const t = entry('hand-2029-002.jpg');
    const r = await reader.readPhoto(await readFile(join(FIXTURES, t.file)));
    expect(r.revealPan()).toBe(t.pan);
    const g = r.geometry!;
    expectOnLine(g.fields?.pan, line(t, 'number'), 'pan');
    // The outline (found or estimated) holds the number line.
    const [cx, cy] = centroid(line(t, 'number'));
    const xs = g.corners!.map((c) => c[0]), ys = g.corners!.map((c) => c[1]);
    expect(cx).toBeGreaterThan(Math.min(...xs));
    expect(cx).toBeLessThan(Math.max(...xs));
    expect(cy).toBeGreaterThan(Math.min(...ys));
    expect(cy).toBeLessThan(Math.max(...ys));
  });

  it('the normalised frame of the pipeline (no outline) maps back through its downscale', async () => {
    const t = entry('hand-2029-002.jpg');
    const bytes = await readFile(join(FIXTURES, t.file));
    const card = await preprocessPhoto(bytes);
    const hints = readHintsOf(card.geometry);
    const r = await reader.readNormalised(card.image, hints);
    if (card.geometry.view === 'frame') expect(hints.corners).toBeUndefined();
    expect(r.revealPan()).toBe(t.pan);
    expect(`${r.geometry!.image.width}x${r.geometry!.image.height}`).toBe(t.size);
    expectOnLine(r.geometry!.fields?.pan, line(t, 'number'), 'pan');
  });
});
