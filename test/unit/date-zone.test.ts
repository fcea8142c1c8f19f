/**
 * The date close-up's geometry (functions/reader/date-zone.ts): the zone where a card prints
 * its dates, derived from the number line's boxes in the number's own frame, for level, turned,
 * upside-down and vertical number lines; and the affine inverse it maps views with. No OCR.
 */
import { describe, expect, it } from 'vitest';
import { dateDoubted, dateZone, invertAffine, lineDirection, numberLineOf, readDateCloseUp, ZONE } from '../../functions/reader/date-zone.js';
import type { LineRecognizer, TextDetector } from '../../functions/core/ports.js';
import type { LearnedReading, ReadLine } from '../../functions/reader/readers/learned.js';
import { scaleMap, type Pt } from '../../functions/reader/image/field-geometry.js';

type Quad = [Pt, Pt, Pt, Pt];

/** A box of `length` × `height` with its top-left as the text reads at `at`, reading along `deg` degrees. */
function box(at: Pt, length: number, height: number, deg: number): Quad {
  const t = (deg * Math.PI) / 180;
  const u = { x: Math.cos(t), y: Math.sin(t) }, v = { x: -Math.sin(t), y: Math.cos(t) };
  const p = (a: number, b: number): Pt => ({ x: at.x + a * u.x + b * v.x, y: at.y + a * u.y + b * v.y });
  return [p(0, 0), p(length, 0), p(length, height), p(0, height)];
}

/** `p` in the frame of the number's box (along its reading direction from its start, across it down from its top), in number heights. */
function inFrame(p: Pt, at: Pt, deg: number, h: number): { along: number; across: number } {
  const t = (deg * Math.PI) / 180;
  const dx = p.x - at.x, dy = p.y - at.y;
  return { along: (dx * Math.cos(t) + dy * Math.sin(t)) / h, across: (-dx * Math.sin(t) + dy * Math.cos(t)) / h };
}

const close = (a: number, b: number) => expect(a).toBeCloseTo(b, 6);

describe('dateZone', () => {
  it('a level number: the zone spans its columns (and a margin) from just above it to a few heights below', () => {
    // A 16-digit row 400 px long, 40 px high at (100, 200).
    const z = dateZone([box({ x: 100, y: 200 }, 400, 40, 0)], 0, false)!;
    expect(z.numberHeight).toBeCloseTo(40, 6);
    const [tl, tr, br, bl] = z.quad;
    close(tl.x, 100 - ZONE.before * 400);
    close(tr.x, 500 + ZONE.after * 400);
    close(tl.y, 200 - ZONE.above * 40);
    close(bl.y, 240 + ZONE.below * 40);
    close(br.x, tr.x);
    close(bl.x, tl.x);
    // A date printed 1.5 number heights under the number's middle is inside it.
    const date = { x: 300, y: 220 + 1.5 * 40 };
    expect(date.x).toBeGreaterThan(tl.x);
    expect(date.x).toBeLessThan(tr.x);
    expect(date.y).toBeGreaterThan(tl.y);
    expect(date.y).toBeLessThan(bl.y);
  });

  it('a turned number (35°): the same zone in the number’s frame, not the frame’s axes', () => {
    const at = { x: 300, y: 100 };
    const z = dateZone([box(at, 400, 40, 35)], 35, false)!;
    const [tl, tr, br, bl] = z.quad.map((p) => inFrame(p, at, 35, 40)) as [ReturnType<typeof inFrame>, ReturnType<typeof inFrame>, ReturnType<typeof inFrame>, ReturnType<typeof inFrame>];
    close(tl.along, -ZONE.before * 10);
    close(tr.along, 10 + ZONE.after * 10);
    close(tl.across, -ZONE.above);
    close(bl.across, 1 + ZONE.below);
    close(br.across, bl.across);
    close(tr.across, tl.across);
  });

  it('the number line’s own direction wins over the reading’s angle (a card seen at a slant)', () => {
    const at = { x: 100, y: 300 };
    // The reading's other lines put its angle at 0°; the number runs at -12°.
    const z = dateZone([box(at, 400, 40, -12)], 0, false)!;
    const [tl, , , bl] = z.quad.map((p) => inFrame(p, at, -12, 40));
    close(tl!.across, -ZONE.above);
    close(bl!.across, 1 + ZONE.below);
    close(bl!.along, tl!.along);
  });

  it('a number upside down in the view (flipped reading): the zone lies toward the view’s top', () => {
    // The text reads right to left along the view (180°): its top-left is at the right.
    const at = { x: 500, y: 240 };
    const t = box(at, 400, 40, 180);
    // The detector's quad in view order, from the view's top-left (the text's bottom-right): its
    // crop reads upside down, which is what makes the reading `flipped`.
    const q: Quad = [t[2], t[3], t[0], t[1]];
    const z = dateZone([q], 0, true)!;
    const ys = z.quad.map((p) => p.y);
    // Below the number as it reads = above it in the view: the zone reaches up to y = 200 − 5·40.
    close(Math.min(...ys), 200 - ZONE.below * 40);
    close(Math.max(...ys), 240 + ZONE.above * 40);
    // Its first corner is at the number's start as it reads (the view's right).
    expect(z.quad[0].x).toBeGreaterThan(500);
  });

  it('a number running down the view (a vertical card, 90°): the zone lies to its left', () => {
    const at = { x: 600, y: 100 };
    const z = dateZone([box(at, 400, 40, 90)], 90, false)!;
    const xs = z.quad.map((p) => p.x), ys = z.quad.map((p) => p.y);
    // Across (down the text) is the view's −x here.
    close(Math.min(...xs), 600 - 40 - ZONE.below * 40);
    close(Math.max(...xs), 600 + ZONE.above * 40);
    close(Math.min(...ys), 100 - ZONE.before * 400);
    close(Math.max(...ys), 500 + ZONE.after * 400);
  });

  it('a row of four group boxes: one zone under the whole row, heights from the boxes', () => {
    const groups = [0, 1, 2, 3].map((i) => box({ x: 100 + i * 110, y: 200 }, 90, 40, 0));
    const z = dateZone(groups, 0, false)!;
    expect(z.numberHeight).toBeCloseTo(40, 6);
    close(z.quad[0].x, 100 - ZONE.before * 420);
    close(z.quad[1].x, 520 + ZONE.after * 420);
  });

  it('a short number line (a stacked group) is taken as a number’s length', () => {
    const z = dateZone([box({ x: 100, y: 200 }, 80, 40, 0)], 0, false)!;
    const width = z.quad[1].x - z.quad[0].x;
    // At least 6 heights long, plus the margins.
    expect(width).toBeGreaterThanOrEqual(6 * 40 * (1 + ZONE.before + ZONE.after) - 1e-6);
    // Centred on the box.
    close((z.quad[0].x + z.quad[1].x) / 2, 140 + ((ZONE.after - ZONE.before) * 6 * 40) / 2);
  });

  it('no box, no zone', () => {
    expect(dateZone([], 0, false)).toBeNull();
  });
});

describe('lineDirection', () => {
  it('a row of boxes runs from its first box to its last, in the reading’s sense', () => {
    const groups = [0, 1, 2, 3].map((i) => box({ x: 100 + i * 110, y: 200 + i * 10 }, 90, 40, 0));
    const d = lineDirection(groups, 0, false);
    close(Math.atan2(d.y, d.x), Math.atan2(30, 330));
    // Read upside down: the other way.
    const f = lineDirection(groups, 0, true);
    close(f.x, -d.x);
    close(f.y, -d.y);
  });

  it('groups stacked one under another (a stacked number): along the groups, not down the stack', () => {
    const stack = [0, 1, 2, 3].map((i) => box({ x: 200, y: 100 + i * 60 }, 120, 40, 0));
    const d = lineDirection(stack, 0, false);
    close(d.x, 1);
    close(d.y, 0);
    // Its zone: under the last group.
    const z = dateZone(stack, 0, false)!;
    close(Math.max(...z.quad.map((p) => p.y)), 100 + 3 * 60 + 40 + ZONE.below * 40);
  });

  it('a square box says nothing: the reading’s angle', () => {
    const d = lineDirection([box({ x: 0, y: 0 }, 40, 40, 20)], 10, false);
    close(d.x, Math.cos((10 * Math.PI) / 180));
    close(d.y, Math.sin((10 * Math.PI) / 180));
  });
});

describe('invertAffine', () => {
  it('inverts a scale and a cut', () => {
    const m = scaleMap(2.5, 1.5, 30, 40);
    const inv = invertAffine(m)!;
    for (const p of [{ x: 0, y: 0 }, { x: 10, y: 7 }, { x: 333, y: 91 }]) {
      const q = inv(m(p));
      close(q.x, p.x);
      close(q.y, p.y);
    }
  });

  it('refuses a map that collapses the plane', () => {
    expect(invertAffine(() => ({ x: 1, y: 2 }))).toBeNull();
  });
});

describe('dateDoubted', () => {
  const fields = (expiry: string | null, reason?: string) => ({
    pan: null, panUnverified: null, brand: null, expiry, name: null, confidence: {}, missing: reason ? { expiry: reason } : {},
  });
  it('a date seen and not read is doubted; a date read, or none seen, is not', () => {
    expect(dateDoubted(fields(null, 'unreadable'))).toBe(true);
    expect(dateDoubted(fields(null, 'low_confidence'))).toBe(true);
    expect(dateDoubted(fields(null, 'not_found'))).toBe(false);
    expect(dateDoubted(fields(null, 'only_valid_from'))).toBe(false);
    expect(dateDoubted(fields('05/29'))).toBe(false);
  });
});

describe('numberLineOf', () => {
  // A published test number; the other runs are a receipt's, or the number with a middle digit misread.
  const PAN = '4111111111111111';
  const readLine = (text: string, source: string): ReadLine => ({
    text, confidence: 0.95, charConfidences: Array.from(text, () => 0.95),
    quads: [box({ x: 10, y: 10 }, text.length * 10, 20, 0)], across: 20, along: 10, extent: text.length * 10, height: 20, source,
  });
  const reading = (id: string, texts: string[]): LearnedReading => ({
    view: { id, kind: 'frame', rotation: 0, raster: { width: 400, height: 300, channels: 3, data: new Uint8Array(400 * 300 * 3) } },
    regions: [], lines: texts.map((t) => readLine(t, `ppocr@${id}`)), unread: [], angle: 0, flipped: false,
    source: `ppocr@${id}`, timingsMs: { detect: 0, recognize: 0 },
  });
  it('the number read by a later reading wins over a first reading that only read another object\'s digit run', () => {
    const receipt = reading('frame', ['20261201 000123456789', 'TOTAL 12.50']);
    const card = reading('card', ['4111 1111 1111 1111', '05/29']);
    const got = numberLineOf([receipt, card], PAN);
    expect(got?.reading.view.id).toBe('card');
    expect(got?.line.text).toBe('4111 1111 1111 1111');
  });
  it('when no reading holds the number, only a run sharing its first and last 4 digits stands in for it', () => {
    const receipt = reading('frame', ['20261201 000123456789']);
    const misread = reading('card', ['4111 1111 1171 1111']);
    expect(numberLineOf([receipt, misread], PAN)?.reading.view.id).toBe('card');
    expect(numberLineOf([receipt], PAN)).toBeNull();
  });
  it('without a number, the first reading\'s most number-like line', () => {
    const receipt = reading('frame', ['20261201 000123456789']);
    expect(numberLineOf([receipt], null)?.reading.view.id).toBe('frame');
  });
});

describe('readDateCloseUp', () => {
  const PAN = '4111111111111111';
  /** A reading of a 3000 × 400 view holding one number line `length` × `height` px (no detector output asked for yet). */
  const longLine = (length: number, height: number): LearnedReading => {
    const text = '4111 1111 1111 1111';
    return {
      view: { id: 'frame', kind: 'frame', rotation: 0, raster: { width: 3000, height: 400, channels: 1, data: new Uint8Array(3000 * 400).fill(200) } },
      regions: [],
      lines: [{ text, confidence: 0.95, charConfidences: Array.from(text, () => 0.95), quads: [box({ x: 50, y: 100 }, length, height, 0)], across: 100 + height / 2, along: 50, extent: length, height, source: 'ppocr@frame' }],
      unread: [], angle: 0, flipped: false, source: 'ppocr@frame', timingsMs: { detect: 0, recognize: 0 },
    };
  };
  const engines = () => {
    const sides: Array<{ width: number; height: number }> = [];
    const detector: TextDetector = { name: 'scripted-det', async detect(r) { sides.push({ width: r.width, height: r.height }); return []; }, async close() {} };
    const recognizer: LineRecognizer = { name: 'scripted', async recognize(lines) { return lines.map(() => ({ text: '', confidence: 0, charConfidences: [] })); }, async close() {} };
    return { sides, detector, recognizer };
  };
  it('keeps the close-up within its longest side, and skips a zone the cap leaves too thin to read (review 6b N-b)', async () => {
    // A number 2,000 px long and 40 px high: the zone is cut at most 1,280 px long.
    const ok = engines();
    expect(await readDateCloseUp({ reads: [longLine(2000, 40)], digits: PAN, source: null, sourceToPhoto: null, detector: ok.detector, recognizer: ok.recognizer })).not.toBeNull();
    expect(Math.max(ok.sides[0]!.width, ok.sides[0]!.height)).toBeLessThanOrEqual(1280);
    // 2,800 px long and 8 px high: at 1,280 px long the zone is ≈ 16 px high (its dates ≈ 2 px). A
    // 32 px floor on its height had cut it 2,700 px long, over the cap; now it is not read at all.
    const thin = engines();
    expect(await readDateCloseUp({ reads: [longLine(2800, 8)], digits: PAN, source: null, sourceToPhoto: null, detector: thin.detector, recognizer: thin.recognizer })).toBeNull();
    expect(thin.sides).toEqual([]);
  });
});
