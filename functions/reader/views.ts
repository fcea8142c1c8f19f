/**
 * Views: the images the readers look at. A card view is the rectified card (when the card
 * finder saw its outline, or when the whole frame has a card's shape); a frame view is the
 * whole photo, downscaled to a size the text detector works well at. Frame views need no
 * outline: the text lines themselves say how the card lies (their angle, and whether they run
 * across or down the frame), so cards in a hand, on a busy background, partly outside the
 * frame, tilted or vertical are read from the frame view.
 *
 * Pure pixel helpers plus the geometry of detected text lines; sharp only for the resize.
 */
import sharp from 'sharp';
import { CardOcrError } from '../core/errors.js';
import type { PixelPoint, Raster, TextRegion } from '../core/ports.js';
import type { DecodedImage } from './decode.js';
import type { Gray } from './readers/glyph/glyphs.js';
import { scaleMap, type ToSource } from './image/field-geometry.js';

/** One image a reader reads, with what was done to it. */
export interface View {
  /** Stable id for sources and diagnostics, e.g. `card`, `frame0`, `frame0r180`. */
  readonly id: string;
  readonly kind: 'card' | 'frame';
  /** RGB (or grey) pixels for the learned readers. */
  readonly raster: Raster;
  /** Upright, text-dark-on-light grey card (card views only) for the glyph reader. */
  readonly card?: Gray;
  /** Clockwise degrees applied to the source to get this view. */
  readonly rotation: number;
  /** Card views: the whole frame taken as the card (no outline was found). */
  readonly fullFrame?: boolean;
  /**
   * Maps this view's pixels to the photo as uploaded (after EXIF orientation), through every
   * warp, cut and scale that made the view; absent when unknown (then no geometry is reported).
   */
  readonly toSource?: ToSource;
}

/** Longest side of a frame view, px: big enough for a 300-px-wide card's digits, small enough for a fast detector. */
export const FRAME_MAX_SIDE = 1280;

/** The whole frame, downscaled so its longer side is at most `maxSide` (never upscaled). */
export async function frameRaster(img: DecodedImage, maxSide = FRAME_MAX_SIDE): Promise<Raster> {
  const s = Math.min(1, maxSide / Math.max(img.width, img.height));
  if (s === 1) return { width: img.width, height: img.height, channels: 3, data: new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.length) };
  const w = Math.max(1, Math.round(img.width * s));
  const h = Math.max(1, Math.round(img.height * s));
  const out = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize(w, h, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer();
  return { width: w, height: h, channels: 3, data: new Uint8Array(out.buffer, out.byteOffset, out.length) };
}

/** A grey card as a 1-channel raster (no copy). */
export function grayRaster(g: Gray): Raster {
  return { width: g.width, height: g.height, channels: 1, data: g.data };
}

/** Turns a raster clockwise by 90°, 180° or 270°. */
export function rotateRaster(r: Raster, clockwise: 0 | 90 | 180 | 270): Raster {
  if (clockwise === 0) return r;
  const { width: w, height: h, channels: c, data } = r;
  const out = new Uint8Array(data.length);
  const W = clockwise === 180 ? w : h;
  const H = clockwise === 180 ? h : w;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let nx: number, ny: number;
      if (clockwise === 90) {
        nx = h - 1 - y;
        ny = x;
      } else if (clockwise === 180) {
        nx = w - 1 - x;
        ny = h - 1 - y;
      } else {
        nx = y;
        ny = w - 1 - x;
      }
      const si = (y * w + x) * c;
      const di = (ny * W + nx) * c;
      for (let k = 0; k < c; k++) out[di + k] = data[si + k]!;
    }
  }
  return { width: W, height: H, channels: c, data: out };
}

/** Geometry of one detected line in its view: centre, direction of reading, size. */
export interface LineGeometry {
  readonly cx: number;
  readonly cy: number;
  /** Reading direction (unit vector, TL→TR of the quad). */
  readonly ux: number;
  readonly uy: number;
  /** Length along the reading direction and height across it, px. */
  readonly length: number;
  readonly height: number;
}

/** The centre, direction and size of a detected region. */
export function lineGeometry(quad: readonly [PixelPoint, PixelPoint, PixelPoint, PixelPoint]): LineGeometry {
  const [a, b, c, d] = quad;
  const top = Math.hypot(b.x - a.x, b.y - a.y);
  const bottom = Math.hypot(c.x - d.x, c.y - d.y);
  const left = Math.hypot(d.x - a.x, d.y - a.y);
  const right = Math.hypot(c.x - b.x, c.y - b.y);
  let ux = b.x - a.x + (c.x - d.x);
  let uy = b.y - a.y + (c.y - d.y);
  let length = (top + bottom) / 2;
  let height = (left + right) / 2;
  if (height > length * 1.5) {
    // A line running down the frame whose quad starts at a short side: read along the long one.
    ux = d.x - a.x + (c.x - b.x);
    uy = d.y - a.y + (c.y - b.y);
    [length, height] = [height, length];
  }
  const n = Math.hypot(ux, uy) || 1;
  return { cx: (a.x + b.x + c.x + d.x) / 4, cy: (a.y + b.y + c.y + d.y) / 4, ux: ux / n, uy: uy / n, length, height };
}

/**
 * The dominant text angle of a view from its detected lines, degrees in (-90, 90] (0 =
 * horizontal), weighted by line length: a card's lines are parallel, and its long number
 * line counts most. Returns null without a line longer than it is tall.
 */
export function textAngle(regions: readonly TextRegion[]): number | null {
  // Doubled-angle vector mean: directions θ and θ+180° are the same line.
  let sx = 0;
  let sy = 0;
  for (const r of regions) {
    const g = lineGeometry(r.quad);
    if (g.length < g.height * 1.5) continue;
    const t = Math.atan2(g.uy, g.ux);
    sx += g.length * Math.cos(2 * t);
    sy += g.length * Math.sin(2 * t);
  }
  if (sx === 0 && sy === 0) return null;
  let deg = (Math.atan2(sy, sx) / 2) * (180 / Math.PI);
  if (deg <= -90) deg += 180;
  if (deg > 90) deg -= 180;
  return deg;
}

/**
 * Orders lines for reading along `angle` (degrees): by the coordinate across the text
 * direction, then along it. `flip` reads the view upside down (both orders reversed).
 */
export function readingFrame(angle: number, flip: boolean): (p: { x: number; y: number }) => { along: number; across: number } {
  const t = (angle * Math.PI) / 180;
  const ux = Math.cos(t), uy = Math.sin(t);
  const s = flip ? -1 : 1;
  return (p) => ({ along: s * (p.x * ux + p.y * uy), across: s * (-p.x * uy + p.y * ux) });
}

/** An axis-aligned box, px. */
export interface PixelBox {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/** The bounding box of detected regions, grown by `margin` × its larger side and clipped to `w`×`h`. */
export function regionsBox(regions: readonly TextRegion[], w: number, h: number, margin = 0.12): PixelBox | null {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const r of regions) for (const p of r.quad) {
    x0 = Math.min(x0, p.x);
    y0 = Math.min(y0, p.y);
    x1 = Math.max(x1, p.x);
    y1 = Math.max(y1, p.y);
  }
  if (!Number.isFinite(x0)) return null;
  const m = margin * Math.max(x1 - x0, y1 - y0);
  const left = Math.max(0, Math.floor(x0 - m)), top = Math.max(0, Math.floor(y0 - m));
  const right = Math.min(w, Math.ceil(x1 + m)), bottom = Math.min(h, Math.ceil(y1 + m));
  return right - left >= 8 && bottom - top >= 8 ? { left, top, width: right - left, height: bottom - top } : null;
}

/**
 * A closer view of part of the source (a card small in the frame): `box` in `view` pixels is
 * cut from `source` (the full-resolution photo the view was scaled from) and scaled so its
 * longer side is `maxSide` (upscaled up to 2×: the detector wants glyphs of ≥ 10 px), with the
 * map from the close-up's pixels back to `source`'s.
 */
export async function zoomView(source: Raster, view: Raster, box: PixelBox, maxSide = FRAME_MAX_SIDE): Promise<{ raster: Raster; toSourceRaster: ToSource }> {
  const sx = source.width / view.width, sy = source.height / view.height;
  const left = Math.max(0, Math.floor(box.left * sx)), top = Math.max(0, Math.floor(box.top * sy));
  const width = Math.max(1, Math.min(source.width - left, Math.round(box.width * sx)));
  const height = Math.max(1, Math.min(source.height - top, Math.round(box.height * sy)));
  const s = Math.min(2, maxSide / Math.max(width, height));
  const w = Math.max(1, Math.round(width * s)), h = Math.max(1, Math.round(height * s));
  const cut = sharp(source.data, { raw: { width: source.width, height: source.height, channels: source.channels } })
    .extract({ left, top, width, height })
    .resize(w, h, { fit: 'fill', kernel: 'lanczos3' });
  // sharp writes a one-channel raw input out as three channels unless told it is grey.
  const out = await (source.channels === 1 ? cut.toColourspace('b-w') : cut).raw().toBuffer();
  return {
    raster: { width: w, height: h, channels: source.channels, data: new Uint8Array(out.buffer, out.byteOffset, out.length) },
    toSourceRaster: scaleMap(width / w, height / h, left, top),
  };
}

/**
 * The whole source turned so that text running at `angle` degrees (views.ts `textAngle`: 0 =
 * horizontal, positive = running down to the right) runs level, scaled so the turned frame's
 * longer side is at most `maxSide`, with the map from its pixels back to `source`'s. The text
 * detector finds card lines tilted by more than ≈ 30° poorly (a hand-held card at 35°: only
 * the logo and the bank name boxed, the number line never), and finds them level well; the
 * reader asks for this view only when the first detection saw steep text and did not settle
 * the number. Scaled before it is turned (the turned frame's size is known in advance), so a
 * full-resolution photo is turned at the size it is read at. Corners the turn uncovers are grey.
 */
export async function levelView(source: Raster, angle: number, maxSide = FRAME_MAX_SIDE): Promise<{ raster: Raster; toSourceRaster: ToSource }> {
  const t = (angle * Math.PI) / 180;
  const c = Math.abs(Math.cos(t)), s = Math.abs(Math.sin(t));
  const turnedW = source.width * c + source.height * s, turnedH = source.width * s + source.height * c;
  const k = Math.min(1, maxSide / Math.max(turnedW, turnedH));
  const w = Math.max(1, Math.round(source.width * k)), h = Math.max(1, Math.round(source.height * k));
  const raw = { raw: { width: source.width, height: source.height, channels: source.channels } } as const;
  const scaled = k === 1 ? sharp(source.data, raw) : sharp(await sharp(source.data, raw).resize(w, h, { fit: 'fill', kernel: 'lanczos3' }).raw().toBuffer(), { raw: { width: w, height: h, channels: source.channels } });
  // sharp turns clockwise by its angle about the image centre, onto a canvas that bounds the result.
  const turned = scaled.rotate(-angle, { background: { r: 128, g: 128, b: 128 } }).removeAlpha();
  const { data, info } = await (source.channels === 1 ? turned.toColourspace('b-w') : turned).raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== source.channels) throw new CardOcrError('internal', `levelView: expected sharp to write ${source.channels} channels when turning the frame level, got ${info.channels}; this is a bug in the reader, report it with the sharp version.`);
  const out: Raster = { width: info.width, height: info.height, channels: source.channels, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  // A point of the turned view, turned back about the centres, then scaled to the source.
  const cos = Math.cos(t), sin = Math.sin(t);
  const ocx = out.width / 2, ocy = out.height / 2, icx = w / 2, icy = h / 2;
  const sx = source.width / w, sy = source.height / h;
  const toSourceRaster: ToSource = (p) => {
    const dx = p.x - ocx, dy = p.y - ocy;
    return { x: (icx + dx * cos - dy * sin) * sx, y: (icy + dx * sin + dy * cos) * sy };
  };
  return { raster: out, toSourceRaster };
}
