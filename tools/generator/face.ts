/**
 * A "face" is one flat printed surface (card front or back, receipt, document, loyalty card,
 * phone screen) drawn as SVG in its own coordinates, together with the quad of every text
 * line on it. The photo compositor warps the face into the frame with one homography and maps
 * the line quads through the same matrix, which is how every line's truth stays exact after
 * perspective, tilt and scaling.
 *
 * Line boxes are measured, not estimated: each line is rendered alone (librsvg, the renderer
 * sharp uses for the face itself) and its ink bounding box is read from the alpha channel.
 * Font metrics tables would be wrong for half of the faces in use (condensed, thin, URW).
 */
import sharp from 'sharp';
import { strokeText, type StrokeFace } from './farrington.js';
import type { Point, Quad } from './warp.js';
import { GeneratorError } from './errors.js';

/** What a printed line is, for the readers' training crops. */
export type LineRole = 'number' | 'expiry' | 'name' | 'label' | 'other';

/** A font as fontconfig / librsvg know it. */
export interface FontSpec {
  family: string;
  weight?: number;
  italic?: boolean;
}

/** Raised-print look of embossed characters. */
export interface Relief {
  /** Direction the light comes from, degrees (0 = from the left, 90 = from above). */
  light: number;
  /** Offset of the shadow/highlight edges, in face units. */
  depth: number;
  /** Body colour of the characters: a colour, or a foil gradient. */
  body: string | 'gold' | 'silver';
  /** Opacity of the highlight and of the shadow. */
  highlight: number;
  shadow: number;
  /** A second, weaker light from another side (ceiling lamp + window). */
  secondLight: number | null;
  /** Flat print with a printed drop shadow (the "embossed look" of many card designs), not raised. */
  printed?: boolean;
}

/** One text line in face coordinates. */
export interface FaceLine {
  text: string;
  role: LineRole;
  quad: Quad;
  font: string;
  emboss: boolean;
}

/**
 * The face's SVG with every text group of the given roles hidden (same layout otherwise):
 * a diff of the two renders shows exactly the ink of those lines, which is how the tests
 * check that line quads contain their text.
 */
export function hideRoles(svg: string, roles: readonly LineRole[]): string {
  return roles.reduce((s, r) => s.split(`data-role="${r}"`).join(`data-role="${r}" visibility="hidden"`), svg);
}

/** A rendered-ready face. */
export interface Face {
  width: number;
  height: number;
  /** Corner radius of the outline (0 = square paper). */
  radius: number;
  svg: string;
  lines: FaceLine[];
}

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Human-readable font name, as recorded in truth. */
export function fontLabel(font: FontSpec | StrokeFace): string {
  if (typeof font === 'string') return font === 'farrington' ? 'Farrington-like strokes' : 'OCR-B-like strokes';
  return `${font.family}${font.weight && font.weight !== 400 ? ` ${font.weight}` : ''}${font.italic ? ' Italic' : ''}`;
}

/** Options of one text line. (x, y) is the left end of the baseline before alignment. */
export interface TextOptions {
  text: string;
  role: LineRole;
  x: number;
  y: number;
  /** Font size (fonts) or cap height (stroke faces), face units. */
  size: number;
  font: FontSpec | StrokeFace;
  fill: string;
  align?: 'start' | 'middle' | 'end';
  /** Rotation about the anchor, degrees clockwise. */
  rotate?: number;
  relief?: Relief | null;
  /** Extra letter spacing (fonts) or pitch factor (stroke faces). */
  spacing?: number;
  opacity?: number;
  /** Record the line in the truth (false for decoration text such as watermark patterns). */
  record?: boolean;
  /** Only measure: return the quad, draw nothing, record nothing. */
  dry?: boolean;
}

const measureCache = new Map<string, { x0: number; y0: number; x1: number; y1: number }>();

/** Ink box of a fragment drawn at the origin (baseline-left), in face units. */
async function measure(fragment: string, size: number, chars: number): Promise<{ x0: number; y0: number; x1: number; y1: number }> {
  const cached = measureCache.get(fragment);
  if (cached) return cached;
  const scale = size < 30 ? 3 : 2;
  const left = size;
  const top = size * 1.6;
  const w = Math.ceil(size * (chars + 3) * 1.1);
  const h = Math.ceil(size * 2.4);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w * scale}" height="${h * scale}" viewBox="${-left} ${-top} ${w} ${h}">${fragment}</svg>`;
  const { data, info } = await sharp(Buffer.from(svg)).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (let y = 0; y < info.height; y++) {
    for (let x = 0; x < info.width; x++) {
      if (data[(y * info.width + x) * 4 + 3]! > 40) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  if (x1 < 0) throw new GeneratorError(`text measured empty (font missing?): expected ink for a ${chars}-character line; install the fonts in .ci/run`);
  if (x1 >= info.width - 1 || y1 >= info.height - 1) throw new GeneratorError('text measurement canvas too small for the line; widen it');
  const box = { x0: x0 / scale - left, y0: y0 / scale - top, x1: (x1 + 1) / scale - left, y1: (y1 + 1) / scale - top };
  measureCache.set(fragment, box);
  return box;
}

/** Builds one face: defs, drawing parts, recorded lines. */
export class FaceBuilder {
  readonly width: number;
  readonly height: number;
  readonly radius: number;
  readonly lines: FaceLine[] = [];
  #defs: string[] = [];
  #parts: string[] = [];
  #ids = 0;

  constructor(width: number, height: number, radius: number) {
    this.width = width;
    this.height = height;
    this.radius = radius;
    this.#defs.push(
      '<linearGradient id="foil-gold" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#fff3b8"/><stop offset="0.45" stop-color="#d9b24a"/><stop offset="1" stop-color="#8a6a1c"/></linearGradient>',
      '<linearGradient id="foil-silver" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#ffffff"/><stop offset="0.5" stop-color="#c7cbd1"/><stop offset="1" stop-color="#7d838c"/></linearGradient>',
      '<filter id="relief-soft" x="-10%" y="-30%" width="120%" height="160%"><feGaussianBlur stdDeviation="0.9"/></filter>',
    );
  }

  /** A fresh id for defs. */
  id(prefix: string): string {
    return `${prefix}${++this.#ids}`;
  }

  def(svg: string): void {
    this.#defs.push(svg);
  }

  draw(svg: string): void {
    this.#parts.push(svg);
  }

  /** Draws a text line and records its quad (unless `record` is false). Returns its face-space quad. */
  async text(o: TextOptions): Promise<Quad> {
    const colored = (color: string): string => {
      if (typeof o.font === 'string') {
        // Stroke faces: glyph box top-left at (0, -size) so that y is the baseline, like fonts.
        const st = strokeText(o.text, { size: o.size, face: o.font, stroke: color, pitch: o.spacing ?? 1 });
        return `<g transform="translate(0 ${(-o.size).toFixed(2)})">${st.svg}</g>`;
      }
      const f = o.font;
      return (
        `<text x="0" y="0" font-family="${esc(f.family)}" font-size="${o.size.toFixed(2)}"` +
        (f.weight ? ` font-weight="${f.weight}"` : '') +
        (f.italic ? ' font-style="italic"' : '') +
        (o.spacing ? ` letter-spacing="${o.spacing.toFixed(2)}"` : '') +
        ` fill="${color}" xml:space="preserve">${esc(o.text)}</text>`
      );
    };
    const box = await measure(colored('#000'), o.size, o.text.length);
    const dx = o.align === 'end' ? -box.x1 : o.align === 'middle' ? -(box.x0 + box.x1) / 2 : -box.x0;
    const r = o.relief;
    let body: string;
    if (r) {
      const rad = (r.light * Math.PI) / 180;
      // Light from direction (cos, -sin): lit edges face it, shadows fall away from it.
      const lx = -Math.cos(rad) * r.depth;
      const ly = Math.sin(rad) * r.depth;
      const fill = r.body === 'gold' ? 'url(#foil-gold)' : r.body === 'silver' ? 'url(#foil-silver)' : r.body;
      let s = `<g transform="translate(${(-lx).toFixed(2)} ${(-ly).toFixed(2)})" opacity="${r.shadow.toFixed(2)}" filter="url(#relief-soft)">${colored('#000000')}</g>`;
      s += `<g transform="translate(${lx.toFixed(2)} ${ly.toFixed(2)})" opacity="${r.highlight.toFixed(2)}">${colored('#ffffff')}</g>`;
      if (r.secondLight !== null) {
        const r2 = (r.secondLight * Math.PI) / 180;
        s += `<g transform="translate(${(-Math.cos(r2) * r.depth * 0.7).toFixed(2)} ${(Math.sin(r2) * r.depth * 0.7).toFixed(2)})" opacity="${(r.highlight * 0.5).toFixed(2)}">${colored('#ffffff')}</g>`;
      }
      s += colored(fill);
      body = s;
    } else {
      body = colored(o.fill);
    }
    const rot = o.rotate ?? 0;
    if (!o.dry) this.#parts.push(
      `<g data-role="${o.role}" transform="translate(${o.x.toFixed(2)} ${o.y.toFixed(2)})${rot ? ` rotate(${rot.toFixed(2)})` : ''} translate(${dx.toFixed(2)} 0)"${o.opacity !== undefined ? ` opacity="${o.opacity.toFixed(2)}"` : ''}>${body}</g>`,
    );
    // Hinting moves glyph edges by up to a pixel between the measuring render and the face render.
    const pad = (r ? r.depth * 1.2 : 0) + Math.max(1, o.size * 0.03);
    const local: Point[] = [
      { x: box.x0 + dx - pad, y: box.y0 - pad },
      { x: box.x1 + dx + pad, y: box.y0 - pad },
      { x: box.x1 + dx + pad, y: box.y1 + pad },
      { x: box.x0 + dx - pad, y: box.y1 + pad },
    ];
    const c = Math.cos((rot * Math.PI) / 180);
    const sn = Math.sin((rot * Math.PI) / 180);
    const quad = local.map((p) => ({ x: o.x + p.x * c - p.y * sn, y: o.y + p.x * sn + p.y * c })) as Quad;
    if (o.record !== false && !o.dry) this.lines.push({ text: o.text, role: o.role, quad, font: fontLabel(o.font), emboss: !!r && !r.printed });
    return quad;
  }

  /** The finished face. */
  build(): Face {
    const clip = this.radius > 0 ? `<clipPath id="face-clip"><rect width="${this.width}" height="${this.height}" rx="${this.radius}"/></clipPath>` : '';
    const svg =
      `<svg xmlns="http://www.w3.org/2000/svg" width="${this.width}" height="${this.height}" viewBox="0 0 ${this.width} ${this.height}">` +
      `<defs>${this.#defs.join('')}${clip}</defs>` +
      `<g${clip ? ' clip-path="url(#face-clip)"' : ''}>${this.#parts.join('\n')}</g></svg>`;
    return { width: this.width, height: this.height, radius: this.radius, svg, lines: this.lines };
  }
}
