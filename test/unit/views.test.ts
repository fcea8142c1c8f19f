/**
 * Views without a card outline: the geometry of detected text lines decides how the card lies
 * (full frame, tilted 45°, vertical, upside down), and the learned reader turns every line crop
 * upright. Images and quads are generated here; the recogniser is scripted and answers only for
 * crops that arrive upright (a dark marker at the crop's left end), so a crop that was not turned
 * right reads as noise.
 */
import { describe, expect, it } from 'vitest';
import type { LineRecognizer, Raster, TextDetector, TextRegion } from '../../functions/core/ports.js';
import { readViewLearned, toTextLines, turnOf } from '../../functions/reader/readers/learned.js';
import { readingFrame, regionsBox, rotateRaster, textAngle, type View } from '../../functions/reader/views.js';
import { frameWithLines, lineQuad } from '../support/marker-lines.js';

type Quad = TextRegion['quad'];

/**
 * The quad as a detector reports it: it cannot know which way the text reads, so its first
 * side points right (or down), whatever the text's direction.
 */
function asDetected(q: Quad): Quad {
  const a = (Math.atan2(q[1].y - q[0].y, q[1].x - q[0].x) * 180) / Math.PI;
  return a > -90 + 1e-6 && a <= 90 + 1e-6 ? q : [q[2], q[3], q[0], q[1]];
}

/**
 * Reads a crop when it is upright (marker on the left), else noise. Which line it is comes
 * from the crop's shape: the number line is ≈ 9:1, the name ≈ 6:1, the date ≈ 4:1.
 */
function markerRecognizer(): LineRecognizer & { calls: number } {
  const rec = {
    name: 'scripted',
    calls: 0,
    async recognize(lines: readonly Raster[]) {
      rec.calls++;
      return lines.map((c) => {
        const third = Math.max(1, Math.floor(c.width / 3));
        let left = 0, right = 0;
        for (let y = 0; y < c.height; y++) for (let x = 0; x < third; x++) {
          left += c.data[(y * c.width + x) * c.channels]!;
          right += c.data[(y * c.width + c.width - 1 - x) * c.channels]!;
        }
        const upright = left < right;
        const ratio = c.width / c.height;
        const line = ratio > 7.5 ? '4111 1111 1111 1111' : ratio > 5 ? 'JANE Q PUBLIC' : '07/30';
        const text = upright ? line : '~';
        const conf = upright ? 0.98 : 0.2;
        return { text, confidence: conf, charConfidences: [...text].map(() => conf) };
      });
    },
    async close() {},
  };
  return rec;
}

const detectorOf = (quads: readonly Quad[]): TextDetector => ({
  name: 'scripted-det',
  async detect() {
    return quads.map((quad) => ({ quad: asDetected(quad), score: 0.9 }));
  },
  async close() {},
});

/** Card-like layout: number line, date, name, one under the other, turned by `deg` about the centre. */
function cardLines(w: number, h: number, deg: number, scale = 1): Quad[] {
  const t = (deg * Math.PI) / 180;
  const cx = w / 2, cy = h / 2;
  const place = (dx: number, dy: number, len: number, lh: number): Quad =>
    lineQuad(cx + (dx * Math.cos(t) - dy * Math.sin(t)) * scale, cy + (dx * Math.sin(t) + dy * Math.cos(t)) * scale, len * scale, lh * scale, deg);
  return [place(0, -20, 400, 40), place(60, 50, 120, 28), place(-80, 110, 200, 28)];
}

async function read(deg: number, w = 900, h = 900) {
  const quads = cardLines(w, h, deg);
  const view: View = { id: 'frame', kind: 'frame', raster: frameWithLines(w, h, quads), rotation: 0 };
  const rec = markerRecognizer();
  return { reading: await readViewLearned(view, detectorOf(quads), rec), rec };
}

describe('text angle and reading order from detected lines', () => {
  it('finds the dominant angle of a card tilted by 0°, 45°, −30° and 90°', () => {
    for (const deg of [0, 45, -30, 90]) {
      const a = textAngle(cardLines(900, 900, deg).map((quad) => ({ quad, score: 1 })))!;
      const diff = Math.abs(((a - deg + 540) % 180) - 0) % 180;
      expect(Math.min(diff, 180 - diff), `${deg}°`).toBeLessThan(0.5);
    }
  });

  it('reads lines across the text direction in order, and reversed when upside down', () => {
    const f = readingFrame(0, false), g = readingFrame(0, true);
    expect(f({ x: 0, y: 10 }).across).toBeLessThan(f({ x: 0, y: 20 }).across);
    expect(g({ x: 0, y: 10 }).across).toBeGreaterThan(g({ x: 0, y: 20 }).across);
  });

  it('rotateRaster turns by quarter turns (four turns are the identity)', () => {
    const r: Raster = { width: 3, height: 2, channels: 1, data: Uint8Array.from([1, 2, 3, 4, 5, 6]) };
    const cw = rotateRaster(r, 90);
    expect([cw.width, cw.height, [...cw.data]]).toEqual([2, 3, [4, 1, 5, 2, 6, 3]]);
    expect([...rotateRaster(rotateRaster(r, 180), 180).data]).toEqual([...r.data]);
    let x = r;
    for (let i = 0; i < 4; i++) x = rotateRaster(x, 90);
    expect([...x.data]).toEqual([...r.data]);
  });

  it('regionsBox bounds the print with a margin, inside the frame', () => {
    const box = regionsBox(cardLines(1000, 1000, 0, 0.3).map((quad) => ({ quad, score: 1 })), 1000, 1000)!;
    expect(box.width * box.height).toBeLessThan(0.1 * 1000 * 1000);
    expect(box.left).toBeGreaterThan(0);
  });
});

describe('the learned reader turns every line upright', () => {
  for (const [name, deg] of [['full frame, straight', 0], ['tilted 45°', 45], ['vertical (turned 90°)', 90], ['vertical (turned 270°)', 270], ['upside down', 180]] as const) {
    it(name, async () => {
      const { reading } = await read(deg);
      const lines = toTextLines(reading.lines).map((l) => l.text);
      // Every line read upright, in card order: number, date, name.
      expect(lines.slice(0, 3)).toEqual(['4111 1111 1111 1111', '07/30', 'JANE Q PUBLIC']);
      expect(reading.flipped).toBe(deg === 180 || deg === 270);
      for (const l of toTextLines(reading.lines)) expect(l.box!.width).toBeGreaterThan(0);
    });
  }

  it('gives the boxes of an upside-down reading turned with the view, so the number sits above the name as the card reads', async () => {
    const { reading } = await read(180);
    const top = (lines: ReturnType<typeof toTextLines>, text: string) => lines.find((l) => l.text === text)!.box!.top;
    const asSeen = toTextLines(reading.lines);
    const asRead = toTextLines(reading.lines, turnOf(reading));
    expect(top(asSeen, '4111 1111 1111 1111')).toBeGreaterThan(top(asSeen, 'JANE Q PUBLIC'));
    expect(top(asRead, '4111 1111 1111 1111')).toBeLessThan(top(asRead, 'JANE Q PUBLIC'));
    // Inside the view, and the same size.
    for (const [a, b] of asSeen.map((l, i) => [l.box!, asRead[i]!.box!] as const)) {
      expect([b.width, b.height]).toEqual([a.width, a.height]);
      expect(b.left).toBeGreaterThanOrEqual(0);
      expect(b.top).toBeGreaterThanOrEqual(0);
    }
    const { reading: upright } = await read(0);
    expect(turnOf(upright)).toBeUndefined();
  });

  it('does not read the view twice when it reads well the first time', async () => {
    const { rec } = await read(0);
    expect(rec.calls).toBe(1);
  });
});
