/**
 * The frame turned level (views.ts `levelView`): a card held at a steep angle whose number
 * line the detector does not box is read from the frame turned by the text angle of what the
 * first detection did box. The photo is generated here (dark bars for the printed lines, drawn
 * by sharp from SVG); the detector is scripted but looks at the pixels: it boxes every dark
 * stroke that runs level, and of the steep ones only the short ones (a logo, a bank name), as
 * PP-OCR did on a hand-held card tilted by 35°. The recognisers read a crop by its shape.
 */
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import type { LineRecognizer, Raster, TextDetector, TextRegion } from '../../functions/core/ports.js';
import { createCardReader, type CardReader, type ReadDiagnostics } from '../../functions/reader/reader.js';
import { levelView } from '../../functions/reader/views.js';

const NOW = new Date('2026-11-27T00:00:00Z');
/** A Luhn-valid published test number. */
const PAN = '4111 1111 1111 1111';

type Quad = TextRegion['quad'];

/** The card's printed lines: centre offset from the card centre, length and height, px (before turning). */
const LINES = [
  { dx: -150, dy: -110, len: 90, h: 22 }, // logo
  { dx: 0, dy: 0, len: 420, h: 34 }, // number
  { dx: -40, dy: 80, len: 240, h: 24 }, // name
] as const;

/** A frame (`w`×`h`, light grey) with the lines of a card centred at (cx, cy), turned clockwise by `deg`. */
async function tiltedCard(w: number, h: number, cx: number, cy: number, deg: number): Promise<Buffer> {
  const rects = LINES.map((l) => `<rect x="${cx + l.dx - l.len / 2}" y="${cy + l.dy - l.h / 2}" width="${l.len}" height="${l.h}" fill="#202020"/>`).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect width="${w}" height="${h}" fill="#d8d8d8"/><g transform="rotate(${deg} ${cx} ${cy})">${rects}</g></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** Where the centre of line `i` lands in the frame. */
function lineCentre(i: number, cx: number, cy: number, deg: number): { x: number; y: number } {
  const t = (deg * Math.PI) / 180;
  const l = LINES[i]!;
  return { x: cx + l.dx * Math.cos(t) - l.dy * Math.sin(t), y: cy + l.dx * Math.sin(t) + l.dy * Math.cos(t) };
}

/** Dark connected strokes of a raster: centre, direction (second moments), length and thickness. */
function strokes(r: Raster): Array<{ cx: number; cy: number; angle: number; length: number; thickness: number }> {
  const { width: w, height: h, channels: c, data } = r;
  const dark = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) dark[i] = data[i * c]! < 100 ? 1 : 0;
  const seen = new Uint8Array(w * h);
  const out: Array<{ cx: number; cy: number; angle: number; length: number; thickness: number }> = [];
  for (let s = 0; s < w * h; s++) {
    if (!dark[s] || seen[s]) continue;
    const stack = [s];
    seen[s] = 1;
    const px: number[] = [];
    while (stack.length > 0) {
      const p = stack.pop()!;
      px.push(p);
      const x = p % w, y = (p - x) / w;
      for (const [nx, ny] of [[x + 1, y], [x - 1, y], [x, y + 1], [x, y - 1]] as const) {
        const q = ny * w + nx;
        if (nx >= 0 && ny >= 0 && nx < w && ny < h && dark[q] && !seen[q]) {
          seen[q] = 1;
          stack.push(q);
        }
      }
    }
    if (px.length < 50) continue;
    let mx = 0, my = 0;
    for (const p of px) {
      mx += p % w;
      my += Math.floor(p / w);
    }
    mx /= px.length;
    my /= px.length;
    let sxx = 0, syy = 0, sxy = 0;
    for (const p of px) {
      const dx = (p % w) - mx, dy = Math.floor(p / w) - my;
      sxx += dx * dx;
      syy += dy * dy;
      sxy += dx * dy;
    }
    const angle = 0.5 * Math.atan2(2 * sxy, sxx - syy);
    let a0 = Infinity, a1 = -Infinity, b0 = Infinity, b1 = -Infinity;
    for (const p of px) {
      const dx = (p % w) - mx, dy = Math.floor(p / w) - my;
      const a = dx * Math.cos(angle) + dy * Math.sin(angle), b = -dx * Math.sin(angle) + dy * Math.cos(angle);
      a0 = Math.min(a0, a);
      a1 = Math.max(a1, a);
      b0 = Math.min(b0, b);
      b1 = Math.max(b1, b);
    }
    out.push({ cx: mx, cy: my, angle, length: a1 - a0 + 1, thickness: b1 - b0 + 1 });
  }
  return out;
}

/**
 * Boxes level strokes, and steep ones only when short (≤ 5× as long as thick): a long line at a
 * steep angle is what the detector missed on the tilted card. Counts its calls.
 */
/** A stroke's box, 2 px outside it all round, as a detected region. */
function strokeRegion(s: ReturnType<typeof strokes>[number]): TextRegion {
  const ux = Math.cos(s.angle), uy = Math.sin(s.angle), vx = -uy, vy = ux;
  const a = s.length / 2 + 2, b = s.thickness / 2 + 2;
  const p = (i: number, j: number) => ({ x: s.cx + i * a * ux + j * b * vx, y: s.cy + i * a * uy + j * b * vy });
  return { quad: [p(-1, -1), p(1, -1), p(1, 1), p(-1, 1)] as Quad, score: 0.9 };
}

function levelOnlyDetector(): TextDetector & { calls: number } {
  const d = {
    name: 'scripted-det',
    calls: 0,
    async detect(image: Raster): Promise<TextRegion[]> {
      d.calls++;
      return strokes(image)
        .filter((s) => Math.abs(s.angle) < (10 * Math.PI) / 180 || s.length <= 5 * s.thickness)
        .map(strokeRegion);
    },
    async close() {},
  };
  return d;
}

/** Reads a crop by its shape: the number line (≥ 9:1), the name (≥ 6:1), else the bank's logo. */
function shapeRecognizer(name: string): LineRecognizer {
  return {
    name,
    async recognize(lines: readonly Raster[]) {
      return lines.map((l) => {
        const ratio = l.width / l.height;
        const text = ratio >= 9 ? PAN : ratio >= 6 ? 'JANE Q PUBLIC' : 'BANK';
        return { text, confidence: 0.97, charConfidences: [...text].map(() => 0.97) };
      });
    },
    async close() {},
  };
}

const readers: CardReader[] = [];
afterAll(async () => {
  await Promise.all(readers.map((r) => r.close()));
});

async function setup() {
  const detector = levelOnlyDetector();
  let diagnostics: ReadDiagnostics | null = null;
  const reader = await createCardReader({
    engines: {
      ocr: async () => Promise.reject(new Error('unused')),
      detector: async () => detector,
      recognizers: async () => [shapeRecognizer('ppocr-rec-v4'), shapeRecognizer('card-crnn-v1')],
    },
    now: () => NOW,
    onDiagnostics: (d) => {
      diagnostics = d;
    },
  });
  readers.push(reader);
  return { reader, detector, diag: () => diagnostics as ReadDiagnostics | null };
}

describe('levelView', () => {
  it('turns steep text level and maps its pixels back to the source', async () => {
    const png = await tiltedCard(900, 700, 450, 350, 35);
    const img = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const source: Raster = { width: img.info.width, height: img.info.height, channels: 3, data: new Uint8Array(img.data) };
    const { raster, toSourceRaster } = await levelView(source, 35, 700);
    expect(Math.max(raster.width, raster.height)).toBeLessThanOrEqual(700);
    const found = strokes(raster);
    expect(found).toHaveLength(3);
    const number = found.reduce((a, b) => (b.length > a.length ? b : a));
    // Level in the turned view…
    expect(Math.abs((number.angle * 180) / Math.PI)).toBeLessThan(1);
    // …and its centre maps back onto the number line's centre in the source.
    const back = toSourceRaster({ x: number.cx + 0.5, y: number.cy + 0.5 });
    const truth = lineCentre(1, 450, 350, 35);
    expect(Math.hypot(back.x - truth.x, back.y - truth.y)).toBeLessThan(2);
  });
});

describe('the reader turns a steep frame level', () => {
  it('reads a number the first detection never boxed from the frame turned level, with its geometry in the photo', async () => {
    const { reader, detector, diag } = await setup();
    const r = await reader.readNormalised(await tiltedCard(1000, 800, 520, 400, 35), { view: 'frame' });
    expect(r.status).toBe('ok');
    expect(r.revealPan()).toBe(PAN.replace(/ /g, ''));
    // The first pass (no number), then the level frame, then the date close-up (date-zone.ts:
    // the scripted card prints no date) and the name close-up (3a891d0: no name was taken).
    expect(detector.calls).toBe(4);
    expect(diag()!.sources.pan!.every((s) => s.includes('@frame-level'))).toBe(true);
    const q = r.geometry?.fields?.pan;
    expect(q).toBeDefined();
    const cx = q!.reduce((s, p) => s + p[0], 0) / 4, cy = q!.reduce((s, p) => s + p[1], 0) / 4;
    const truth = lineCentre(1, 520, 400, 35);
    expect(Math.hypot(cx - truth.x, cy - truth.y)).toBeLessThan(10);
  });

  it('does not turn a level frame: the first detection settles it', async () => {
    const { reader, detector, diag } = await setup();
    const r = await reader.readNormalised(await tiltedCard(1000, 800, 520, 400, 0), { view: 'frame' });
    expect(r.revealPan()).toBe(PAN.replace(/ /g, ''));
    // The first pass, the date close-up (no date printed) and the name close-up (no name taken).
    expect(detector.calls).toBe(3);
    expect(diag()!.views.some((v) => v.id.includes('level'))).toBe(false);
  });
});

describe('the reader does not turn level a number that runs level among steeper print', () => {
  /** A level card (LINES at (330, 450)) beside a note in large writing: four thick strokes turned by 40°, longer all told than the card's. */
  async function cardBesideNote(): Promise<Buffer> {
    const card = LINES.map((l) => `<rect x="${330 + l.dx - l.len / 2}" y="${450 + l.dy - l.h / 2}" width="${l.len}" height="${l.h}" fill="#202020"/>`).join('');
    const note = [0, 1, 2, 3].map((k) => `<rect x="${640}" y="${120 + k * 100}" width="260" height="60" fill="#202020"/>`).join('');
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="800"><rect width="1000" height="800" fill="#d8d8d8"/>${card}<g transform="rotate(40 770 270)">${note}</g></svg>`;
    return sharp(Buffer.from(svg)).png().toBuffer();
  }

  /** Boxes level strokes and thick ones (large writing) at any angle, but no thin steep one: a card's number turned steep goes unboxed. */
  const thickOrLevel: TextDetector = {
    name: 'scripted-det',
    async detect(image: Raster): Promise<TextRegion[]> {
      return strokes(image)
        .filter((s) => Math.abs(s.angle) < (10 * Math.PI) / 180 || s.thickness >= 50)
        .map(strokeRegion);
    },
    async close() {},
  };

  it('reads the number on the frame at another scale instead of turning it steep by the note', async () => {
    let diag: ReadDiagnostics | null = null;
    const reader = await createCardReader({
      engines: {
        ocr: async () => Promise.reject(new Error('unused')),
        detector: async () => thickOrLevel,
        // The card-line model reads nothing: the number needs PP-OCR on two detections.
        recognizers: async () => [shapeRecognizer('ppocr-rec-v4'), { name: 'card-crnn-v1', recognize: async (ls: readonly Raster[]) => ls.map(() => ({ text: '', confidence: 0, charConfidences: [] })), close: async () => {} }],
      },
      now: () => NOW,
      onDiagnostics: (d) => {
        diag = d;
      },
    });
    readers.push(reader);
    const r = await reader.readNormalised(await cardBesideNote(), { view: 'frame' });
    const d = (diag as ReadDiagnostics | null)!;
    // The frame's text runs steep by the note's writing…
    expect(Math.abs(d.views[0]!.angle!)).toBeGreaterThanOrEqual(20);
    // …but the number read on it runs level: no level view, and the second scale confirms it.
    expect(d.views.some((v) => v.id.includes('level'))).toBe(false);
    expect(r.revealPan()).toBe(PAN.replace(/ /g, ''));
    expect(d.sources.pan).toContain('ppocr-rec-v4@frame/det1280');
  });
});
