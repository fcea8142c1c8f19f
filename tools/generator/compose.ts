/**
 * The photo compositor of the real-world profiles. Every flat thing in the scene (the card,
 * documents, receipts...) is a `Face` placed by a camera pose: its corners are projected with a
 * pinhole camera (roll, pitch, yaw, distance), the face is rendered at about the resolution it
 * will have in the frame and drawn with one homography (the reader's `homographyFromRect`), and
 * its text-line quads go through the same homography. Hands, glare, shadows and camera damage
 * (defocus and motion blur, sensor noise, softness, exposure, JPEG) come after, and none of
 * them moves a pixel, so the line truth stays exact in the output photo's pixel coordinates.
 */
import sharp from 'sharp';
import type { Face, FaceLine, LineRole } from './face.js';
import { grain } from './photo.js';
import type { Rng } from './random.js';
import { applyHomography, rectToQuad, warpRgbaInto, type Point, type Quad } from './warp.js';

export const BACKGROUNDS = ['wood', 'carpet', 'keyboard', 'desk', 'bokeh', 'fabric', 'marble', 'plain', 'scanner', 'leather'] as const;
export type SceneBackground = (typeof BACKGROUNDS)[number];

/** Where a face sits in front of the camera. */
export interface Pose {
  /** Centre of the face in the frame, pixels. */
  cx: number;
  cy: number;
  /** Face width in pixels when seen square-on. */
  size: number;
  /** In-plane rotation, degrees clockwise. */
  roll: number;
  /** Tilt about the face's horizontal / vertical axis, degrees. */
  pitch: number;
  yaw: number;
}

/** Corners (TL, TR, BR, BL) of a w × h face under a pose, by a pinhole camera. */
export function poseQuad(p: Pose, w: number, h: number, frameW: number, frameH: number): Quad {
  const s = p.size / w;
  const f = 1.1 * Math.max(frameW, frameH);
  const [cr, sr] = [Math.cos((p.roll * Math.PI) / 180), Math.sin((p.roll * Math.PI) / 180)];
  const [cp, sp] = [Math.cos((p.pitch * Math.PI) / 180), Math.sin((p.pitch * Math.PI) / 180)];
  const [cy, sy] = [Math.cos((p.yaw * Math.PI) / 180), Math.sin((p.yaw * Math.PI) / 180)];
  const corner = (u: number, v: number): Point => {
    // Yaw about y, pitch about x, then roll in the image plane; the face is at depth f.
    let x = u * s, y = v * s, z = 0;
    [x, z] = [x * cy + z * sy, -x * sy + z * cy];
    [y, z] = [y * cp - z * sp, y * sp + z * cp];
    [x, y] = [x * cr - y * sr, x * sr + y * cr];
    const k = f / (f + z);
    return { x: p.cx + x * k, y: p.cy + y * k };
  };
  return [corner(-w / 2, -h / 2), corner(w / 2, -h / 2), corner(w / 2, h / 2), corner(-w / 2, h / 2)];
}

/** A face put into the scene. */
export interface Placed {
  face: Face;
  quad: Quad;
  /** Which object it is, recorded with its lines. */
  object: string;
  shadow: { dx: number; dy: number; blur: number; opacity: number } | null;
}

/** A hand holding the main face: palm and fingers behind it, the thumb over it (face coordinates). */
export interface Hand {
  skin: string;
  /** Thumb capsule over the face: base (off the face) → tip, radius; face units. */
  thumb: { base: Point; tip: Point; r: number } | null;
  /** Finger capsules behind the face, peeking out past its edges. */
  fingers: Array<{ base: Point; tip: Point; r: number }>;
  /** Palm blob behind the face. */
  palm: { base: Point; tip: Point; r: number } | null;
}

/** How the frame is shot and damaged. */
export interface Camera {
  width: number;
  height: number;
  background: SceneBackground;
  bgSeed: number;
  bgColors: [string, string];
  /** Specular glare on the main face: centre (face fractions), radius (fraction of face width), strength 0–1. */
  glare: { u: number; v: number; r: number; stretch: number; strength: number } | null;
  /** Gaussian blur sigma (defocus), 0 = sharp. */
  blur: number;
  /** Motion blur length in pixels and direction, 0 = none. */
  motion: number;
  motionAngle: number;
  noise: number;
  /** Downscale-then-upscale factor (digital zoom, cheap sensor), 1 = none. */
  soften: number;
  exposure: number;
  /** Colour cast multipliers (white balance). */
  tint: [number, number, number];
  vignette: number;
  quality: number;
  /** Depth of field: blur of the background behind a hand-held card (sigma, px), 0 = none. */
  bgBlur: number;
  /** A soft shadow across part of the frame (the phone or a hand between lamp and card). */
  shade: { angle: number; at: number; soft: number; strength: number } | null;
  /** Phone-style sharpening (halos around edges). */
  sharpen: boolean;
}

/** One text line of the photo, in output pixels. */
export interface PhotoLine {
  text: string;
  role: LineRole;
  /** TL, TR, BR, BL in reading order, output photo pixels (x right, y down). */
  quad: Array<[number, number]>;
  /** Which object carries it (`card` for the payment card). */
  object: string;
  font: string;
  emboss: boolean;
  /** Fraction of the line covered by a finger or another object (omitted when 0). */
  occluded?: number;
}

const pt = (q: Quad): string => q.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');

function inside(poly: readonly Point[], p: Point): boolean {
  let c = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const a = poly[i]!, b = poly[j]!;
    if (a.y > p.y !== b.y > p.y && p.x < ((b.x - a.x) * (p.y - a.y)) / (b.y - a.y) + a.x) c = !c;
  }
  return c;
}

function distToSegment(p: Point, a: Point, b: Point): number {
  const dx = b.x - a.x, dy = b.y - a.y;
  const t = Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / (dx * dx + dy * dy || 1)));
  return Math.hypot(p.x - a.x - t * dx, p.y - a.y - t * dy);
}

/** Sample points spread over a quad (5 × 3 grid), for coverage estimates. */
export function quadSamples(q: Quad): Point[] {
  const out: Point[] = [];
  for (let j = 0; j < 3; j++) {
    for (let i = 0; i < 5; i++) {
      const u = (i + 0.5) / 5, v = (j + 0.5) / 3;
      const top = { x: q[0].x + (q[1].x - q[0].x) * u, y: q[0].y + (q[1].y - q[0].y) * u };
      const bot = { x: q[3].x + (q[2].x - q[3].x) * u, y: q[3].y + (q[2].y - q[3].y) * u };
      out.push({ x: top.x + (bot.x - top.x) * v, y: top.y + (bot.y - top.y) * v });
    }
  }
  return out;
}

/** Fraction of a quad covered by capsules. */
export function capsuleCoverage(q: Quad, caps: ReadonlyArray<{ base: Point; tip: Point; r: number }>): number {
  const s = quadSamples(q);
  return s.filter((p) => caps.some((c) => distToSegment(p, c.base, c.tip) < c.r)).length / s.length;
}

/** Background of the scene as SVG (photo pixels). */
function backgroundSvg(cam: Camera, rng: Rng): string {
  const { width: w, height: h, bgSeed: seed } = cam;
  const [a, b] = cam.bgColors;
  const big = Math.max(w, h) * 1.5;
  const rot = rng.float(-30, 30).toFixed(1);
  let body = '';
  let defs = '';
  const matrixFor = (hex: string, gain: number): string => {
    const n = parseInt(hex.slice(1), 16);
    const [r, g, bl] = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((c) => c / 255) as [number, number, number];
    // Luminance of the noise drives a ramp around the base colour.
    return `${gain * r} 0 0 0 ${r * (1 - gain / 2)}  ${gain * g} 0 0 0 ${g * (1 - gain / 2)}  ${gain * bl} 0 0 0 ${bl * (1 - gain / 2)}  0 0 0 0 1`;
  };
  const turb = (id: string, type: string, freq: string, oct: number, color: string, gain: number): string =>
    `<filter id="${id}" x="0" y="0" width="100%" height="100%" filterUnits="userSpaceOnUse"><feTurbulence type="${type}" baseFrequency="${freq}" numOctaves="${oct}" seed="${seed}"/><feColorMatrix type="matrix" values="${matrixFor(color, gain)}"/></filter>`;
  const scale = 1000 / Math.max(w, h);
  switch (cam.background) {
    case 'wood': {
      defs += turb('bg', 'fractalNoise', `${(0.0025 * scale).toFixed(4)} ${(0.06 * scale).toFixed(4)}`, 4, a, 0.9);
      body += `<g transform="rotate(${rot} ${w / 2} ${h / 2})"><rect x="${-big / 4}" y="${-big / 4}" width="${big}" height="${big}" filter="url(#bg)"/>`;
      const plank = rng.int(Math.round(h / 6), Math.round(h / 2.5));
      for (let y = -big / 4; y < big; y += plank) body += `<rect x="${-big / 4}" y="${y}" width="${big}" height="3" fill="#000" fill-opacity="0.25"/>`;
      body += '</g>';
      break;
    }
    case 'carpet':
    case 'fabric':
    case 'leather': {
      const fine = cam.background === 'carpet' ? 0.9 : cam.background === 'fabric' ? 0.45 : 0.12;
      defs += turb('bg', cam.background === 'leather' ? 'fractalNoise' : 'turbulence', (fine * scale).toFixed(3), 3, a, 0.8);
      body += `<rect width="${w}" height="${h}" fill="${a}"/><rect width="${w}" height="${h}" filter="url(#bg)"/>`;
      if (cam.background === 'fabric') {
        const s = rng.int(6, 16);
        body += `<defs><pattern id="weave" width="${s}" height="${s}" patternUnits="userSpaceOnUse" patternTransform="rotate(${rot})"><rect width="${s}" height="${s / 2}" fill="#fff" fill-opacity="0.08"/></pattern></defs><rect width="${w}" height="${h}" fill="url(#weave)"/>`;
      }
      break;
    }
    case 'marble': {
      defs += turb('bg', 'turbulence', (0.004 * scale).toFixed(4), 5, a, 0.5);
      body += `<rect width="${w}" height="${h}" fill="${a}"/><rect width="${w}" height="${h}" filter="url(#bg)" opacity="0.9"/>`;
      break;
    }
    case 'keyboard': {
      body += `<rect width="${w}" height="${h}" fill="${b}"/>`;
      const key = Math.round(Math.max(w, h) / rng.int(9, 16));
      const letters = 'QWERTYUIOPASDFGHJKLZXCVBNM1234567890';
      let keys = '';
      for (let r = -2; r < big / key; r++) {
        for (let c = -2; c < big / key; c++) {
          const x = c * key + (r % 3) * key * 0.3;
          const y = r * key;
          keys += `<rect x="${x + 3}" y="${y + 3}" width="${key - 6}" height="${key - 6}" rx="${key * 0.12}" fill="${a}"/><rect x="${x + 3}" y="${y + key - 10}" width="${key - 6}" height="7" rx="3" fill="#000" fill-opacity="0.3"/>`;
          keys += `<text x="${x + key * 0.22}" y="${y + key * 0.45}" font-family="DejaVu Sans" font-size="${(key * 0.22).toFixed(1)}" fill="${rng.chance(0.5) ? '#ddd' : '#333'}">${letters[rng.int(0, letters.length - 1)]}</text>`;
        }
      }
      body += `<g transform="rotate(${rot} ${w / 2} ${h / 2}) translate(${-big / 4} ${-big / 4})">${keys}</g>`;
      break;
    }
    case 'bokeh': {
      defs += `<linearGradient id="bk" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${a}"/><stop offset="1" stop-color="${b}"/></linearGradient><filter id="bb" x="-20%" y="-20%" width="140%" height="140%"><feGaussianBlur stdDeviation="${(Math.max(w, h) / 120).toFixed(1)}"/></filter>`;
      body += `<rect width="${w}" height="${h}" fill="url(#bk)"/><g filter="url(#bb)">`;
      for (let i = 0; i < rng.int(18, 45); i++) {
        body += `<circle cx="${rng.int(0, w)}" cy="${rng.int(0, h)}" r="${rng.int(Math.round(w / 60), Math.round(w / 12))}" fill="${rng.pick(['#ffd27f', '#ff9f43', '#fff3c4', '#7fc8ff', '#ff6b81', '#c8ff9f'])}" fill-opacity="${rng.float(0.25, 0.8).toFixed(2)}"/>`;
      }
      body += '</g>';
      break;
    }
    case 'scanner':
      body += `<rect width="${w}" height="${h}" fill="${rng.pick(['#fdfdfd', '#f1f1ef', '#e9e9e9', '#151515'])}"/>`;
      break;
    case 'desk':
    case 'plain': {
      defs += `<linearGradient id="pl" x1="0" y1="0" x2="${rng.float(0.2, 1).toFixed(2)}" y2="1"><stop offset="0" stop-color="${a}"/><stop offset="1" stop-color="${b}"/></linearGradient>`;
      defs += turb('bg', 'fractalNoise', (0.02 * scale).toFixed(3), 2, a, 0.25);
      body += `<rect width="${w}" height="${h}" fill="url(#pl)"/><rect width="${w}" height="${h}" filter="url(#bg)" opacity="0.35"/>`;
      if (cam.background === 'desk') {
        // Things on the desk without text: a pen, a mug, a phone, coins, a cable.
        for (let i = 0; i < rng.int(2, 5); i++) {
          const x = rng.int(0, w), y = rng.int(0, h), r = rng.int(0, 179);
          const kind = rng.pick(['pen', 'mug', 'phone', 'coin', 'cable'] as const);
          if (kind === 'pen') body += `<g transform="translate(${x} ${y}) rotate(${r})"><rect x="${-w / 5}" y="-10" width="${w / 2.5}" height="20" rx="10" fill="${rng.pick(['#1d3a8a', '#222', '#b22', '#eee'])}"/><rect x="${w / 5 - 36}" y="-10" width="36" height="20" fill="#bbb"/></g>`;
          else if (kind === 'mug') body += `<circle cx="${x}" cy="${y}" r="${w / 9}" fill="${rng.pick(['#fff', '#c0392b', '#2c3e50'])}"/><circle cx="${x}" cy="${y}" r="${w / 11}" fill="#3b2313"/>`;
          else if (kind === 'phone') body += `<rect x="${x}" y="${y}" width="${w / 6}" height="${w / 3}" rx="${w / 50}" transform="rotate(${r} ${x} ${y})" fill="#111"/><rect x="${x + 6}" y="${y + 6}" width="${w / 6 - 12}" height="${w / 3 - 12}" rx="${w / 60}" transform="rotate(${r} ${x} ${y})" fill="#223"/>`;
          else if (kind === 'coin') body += `<circle cx="${x}" cy="${y}" r="${w / 40}" fill="#c9a55a" stroke="#8d7336" stroke-width="3"/>`;
          else body += `<path d="M${x} ${y} C ${x + w / 4} ${y - h / 4}, ${x - w / 5} ${y + h / 3}, ${x + w / 3} ${y + h / 5}" stroke="#eee" stroke-width="${w / 120}" fill="none"/>`;
        }
      }
      break;
    }
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><defs>${defs}</defs>${body}</svg>`;
}

/** Mixes two #rrggbb colours (t = 0 → a, 1 → b). */
function mix(a: string, b: string, t: number): string {
  const pa = parseInt(a.slice(1), 16), pb = parseInt(b.slice(1), 16);
  const ch = (n: number, sh: number): number => (n >> sh) & 255;
  const c = [16, 8, 0].map((sh) => Math.round(ch(pa, sh) * (1 - t) + ch(pb, sh) * t));
  return `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * A finger seen from above, in photo pixels: tapered from `a` (knuckle side, wider) to a round
 * tip at `b`, shaded across its width (lit side, shadowed side), soft-edged, with a crease
 * and optionally the nail (the thumb lies nail-up over the card; fingers behind it show pads).
 */
function fingerSvg(id: string, a: Point, b: Point, r: number, skin: string, nail: boolean, crease = true): string {
  const dx = b.x - a.x, dy = b.y - a.y;
  const len = Math.hypot(dx, dy) || 1;
  const ux = dx / len, uy = dy / len;
  const nx = -uy, ny = ux;
  const rb = r * 1.18;
  const f = (x: number): string => x.toFixed(1);
  // Outline: straight flanks from the wide base to the tip circle, closed by the tip arc.
  const path = `M${f(a.x + nx * rb)} ${f(a.y + ny * rb)} L${f(b.x + nx * r)} ${f(b.y + ny * r)} A${f(r)} ${f(r)} 0 0 0 ${f(b.x - nx * r)} ${f(b.y - ny * r)} L${f(a.x - nx * rb)} ${f(a.y - ny * rb)} Z`;
  const dark = mix(skin, '#3a1f12', 0.45);
  const light = mix(skin, '#fff4ea', 0.35);
  const defs =
    `<linearGradient id="${id}g" gradientUnits="userSpaceOnUse" x1="${f(b.x + nx * r)}" y1="${f(b.y + ny * r)}" x2="${f(b.x - nx * r)}" y2="${f(b.y - ny * r)}">` +
    `<stop offset="0" stop-color="${dark}"/><stop offset="0.18" stop-color="${skin}"/><stop offset="0.42" stop-color="${light}"/><stop offset="0.7" stop-color="${skin}"/><stop offset="1" stop-color="${dark}"/></linearGradient>` +
    `<filter id="${id}b" x="-20%" y="-20%" width="140%" height="140%"><feGaussianBlur stdDeviation="${f(Math.max(0.6, r * 0.05))}"/></filter>` +
    `<filter id="${id}t" x="0" y="0" width="100%" height="100%"><feTurbulence type="fractalNoise" baseFrequency="${(0.9 / Math.max(2, r / 12)).toFixed(3)}" numOctaves="2" seed="7"/><feColorMatrix type="matrix" values="0 0 0 0 0.3  0 0 0 0 0.18  0 0 0 0 0.1  0 0 0 0.18 0"/><feComposite in2="SourceGraphic" operator="in"/></filter>`;
  let s = `<defs>${defs}</defs><g filter="url(#${id}b)"><path d="${path}" fill="url(#${id}g)"/><path d="${path}" fill="#000" filter="url(#${id}t)"/>`;
  // Knuckle crease across the finger, a little way back from the tip.
  for (const k of crease ? [1.7, 1.95] : []) {
    const cx = b.x - ux * r * k, cy = b.y - uy * r * k;
    s += `<path d="M${f(cx + nx * r * 0.6)} ${f(cy + ny * r * 0.6)} Q${f(cx - ux * r * 0.18)} ${f(cy - uy * r * 0.18)} ${f(cx - nx * r * 0.6)} ${f(cy - ny * r * 0.6)}" stroke="${dark}" stroke-opacity="0.35" stroke-width="${f(r * 0.05)}" fill="none"/>`;
  }
  if (nail) {
    const ang = (Math.atan2(dy, dx) * 180) / Math.PI;
    // A thumbnail is about two thirds of the finger's width and reaches the tip; the cuticle
    // at its base is a darker crescent.
    const cx = b.x - ux * r * 0.5, cy = b.y - uy * r * 0.5;
    const nailFill = mix(skin, '#f3c9c0', 0.45);
    s += `<ellipse cx="${f(cx)}" cy="${f(cy)}" rx="${f(r * 0.72)}" ry="${f(r * 0.66)}" transform="rotate(${ang.toFixed(1)} ${f(cx)} ${f(cy)})" fill="${nailFill}" fill-opacity="0.8" stroke="${dark}" stroke-opacity="0.35" stroke-width="${f(r * 0.05)}"/>`;
    const kx = b.x - ux * r * 1.15, ky = b.y - uy * r * 1.15;
    s += `<path d="M${f(kx + nx * r * 0.55)} ${f(ky + ny * r * 0.55)} Q${f(kx + ux * r * 0.3)} ${f(ky + uy * r * 0.3)} ${f(kx - nx * r * 0.55)} ${f(ky - ny * r * 0.55)}" stroke="${dark}" stroke-opacity="0.4" stroke-width="${f(r * 0.08)}" fill="none"/>`;
    // The free edge of the nail catches the light.
    const ex = b.x - ux * r * 0.05, ey = b.y - uy * r * 0.05;
    s += `<path d="M${f(ex + nx * r * 0.4 - ux * r * 0.12)} ${f(ey + ny * r * 0.4 - uy * r * 0.12)} Q${f(ex)} ${f(ey)} ${f(ex - nx * r * 0.4 - ux * r * 0.12)} ${f(ey - ny * r * 0.4 - uy * r * 0.12)}" stroke="#fffaf5" stroke-opacity="0.5" stroke-width="${f(r * 0.09)}" fill="none"/>`;
  }
  return s + '</g>';
}

/** Renders a face raster about the size it takes in the frame. */
async function faceRaster(face: Face, quad: Quad): Promise<{ data: Uint8Array; width: number; height: number }> {
  const edge = Math.max(...quad.map((p, i) => Math.hypot(p.x - quad[(i + 1) % 4]!.x, p.y - quad[(i + 1) % 4]!.y)));
  const longSide = Math.max(face.width, face.height);
  // ~1.3× oversampling: sharp enough for bilinear sampling without a separate anti-alias pass.
  const s = Math.min(2.5, Math.max(0.12, (edge * 1.3) / longSide));
  const { data, info } = await sharp(Buffer.from(face.svg), { density: 72 * s }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

/** Alpha-composites an RGBA layer over an RGBA frame of the same size. */
function blendOver(dst: Uint8Array, src: Uint8Array): void {
  for (let i = 0; i < dst.length; i += 4) {
    const a = src[i + 3]! / 255;
    if (a === 0) continue;
    for (let c = 0; c < 3; c++) dst[i + c] = Math.round(src[i + c]! * a + dst[i + c]! * (1 - a));
    dst[i + 3] = 255;
  }
}

async function svgLayer(svg: string, w: number, h: number): Promise<Uint8Array> {
  const { data } = await sharp(Buffer.from(svg)).resize(w, h, { fit: 'fill' }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}

function mapLines(p: Placed, lines: FaceLine[]): Array<{ line: FaceLine; quad: Quad }> {
  const H = rectToQuad(p.face.width, p.face.height, p.quad);
  return lines.map((line) => ({ line, quad: line.quad.map((q) => applyHomography(H, q)) as Quad }));
}

/** Whether a quad lies inside the frame (with a margin). */
export function quadInFrame(q: Quad, w: number, h: number, margin = 0): boolean {
  return q.every((p) => p.x >= margin && p.y >= margin && p.x <= w - margin && p.y <= h - margin);
}

/** Face-to-photo mapping of a placed face's lines (used by planners to check placements). */
export function placedLineQuads(p: Placed): Array<{ line: FaceLine; quad: Quad }> {
  return mapLines(p, p.face.lines);
}

/**
 * Renders the scene: background, clutter faces, the hand behind the main face, the main face,
 * glare, the thumb, then camera damage. Returns JPEG bytes and every visible text line.
 */
export async function renderScene(
  cam: Camera,
  main: Placed | null,
  clutter: Placed[],
  hand: Hand | null,
  rng: Rng,
): Promise<{ bytes: Buffer; lines: PhotoLine[] }> {
  const { width: W, height: H } = cam;
  let frame = await svgLayer(backgroundSvg(cam, rng), W, H);
  if (cam.bgBlur >= 0.3) {
    const { data } = await sharp(Buffer.from(frame.buffer, frame.byteOffset, frame.length), { raw: { width: W, height: H, channels: 4 } }).blur(cam.bgBlur).raw().toBuffer({ resolveWithObject: true });
    frame = new Uint8Array(data.buffer, data.byteOffset, data.length);
  }
  const lines: PhotoLine[] = [];
  const all = [...clutter, ...(main ? [main] : [])];
  const shadowSvg = (p: Placed, i: number): string =>
    p.shadow
      ? `<filter id="sh${i}" x="-20%" y="-20%" width="140%" height="140%"><feGaussianBlur stdDeviation="${p.shadow.blur.toFixed(1)}"/></filter><polygon points="${pt(p.quad.map((q) => ({ x: q.x + p.shadow!.dx, y: q.y + p.shadow!.dy })) as Quad)}" fill="#000" fill-opacity="${p.shadow.opacity.toFixed(2)}" filter="url(#sh${i})"/>`
      : '';
  const toPhoto = main ? rectToQuad(main.face.width, main.face.height, main.quad) : null;
  const scaleAt = (p: Point): number => {
    if (!toPhoto) return 1;
    const a = applyHomography(toPhoto, p);
    const b = applyHomography(toPhoto, { x: p.x + 10, y: p.y });
    return Math.hypot(b.x - a.x, b.y - a.y) / 10;
  };
  const cap = (c: { base: Point; tip: Point; r: number }): { a: Point; b: Point; r: number } => ({
    a: applyHomography(toPhoto!, c.base),
    b: applyHomography(toPhoto!, c.tip),
    r: c.r * scaleAt(c.tip),
  });
  for (const [i, p] of all.entries()) {
    // Each object's shadow, then the object.
    if (p.shadow) blendOver(frame, await svgLayer(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">${shadowSvg(p, i)}</svg>`, W, H));
    if (p === main && hand && toPhoto) {
      let behind = '';
      if (hand.palm) {
        const c = cap(hand.palm);
        behind += fingerSvg('palm', c.a, c.b, c.r, hand.skin, false, false);
      }
      for (const [k, f] of hand.fingers.entries()) {
        const c = cap(f);
        behind += fingerSvg(`fb${k}`, c.a, c.b, c.r, hand.skin, false);
      }
      blendOver(frame, await svgLayer(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">${behind}</svg>`, W, H));
    }
    const r = await faceRaster(p.face, p.quad);
    warpRgbaInto(r.data, r.width, r.height, p.quad, frame, W, H);
  }
  // Lines: clutter lines covered by later objects count as occluded; lines leaving the frame are dropped.
  for (const [i, p] of all.entries()) {
    const later = all.slice(i + 1);
    for (const { line, quad } of mapLines(p, p.face.lines)) {
      if (!quadInFrame(quad, W, H)) continue;
      const samples = quadSamples(quad);
      let covered = samples.filter((s) => later.some((o) => inside(o.quad, s))).length / samples.length;
      if (p === main && hand?.thumb && toPhoto) {
        const c = cap(hand.thumb);
        covered = Math.max(covered, capsuleCoverage(quad, [{ base: c.a, tip: c.b, r: c.r }]));
      }
      if (covered >= 0.99) continue;
      lines.push({
        text: line.text,
        role: line.role,
        quad: quad.map((q) => [Math.round(q.x * 10) / 10, Math.round(q.y * 10) / 10] as [number, number]),
        object: p.object,
        font: line.font,
        emboss: line.emboss,
        ...(covered > 0 ? { occluded: Math.round(covered * 100) / 100 } : {}),
      });
    }
  }
  let over = '';
  if (main && cam.glare) {
    const g = cam.glare;
    const Hm = rectToQuad(main.face.width, main.face.height, main.quad);
    const c = applyHomography(Hm, { x: g.u * main.face.width, y: g.v * main.face.height });
    const r = g.r * Math.max(...main.quad.map((q) => Math.hypot(q.x - c.x, q.y - c.y))) * 0.8;
    over += `<defs><clipPath id="cc"><polygon points="${pt(main.quad)}"/></clipPath><radialGradient id="gl"><stop offset="0" stop-color="#fff" stop-opacity="${g.strength.toFixed(2)}"/><stop offset="0.45" stop-color="#fff" stop-opacity="${(g.strength * 0.55).toFixed(2)}"/><stop offset="1" stop-color="#fff" stop-opacity="0"/></radialGradient></defs>`;
    over += `<g clip-path="url(#cc)"><ellipse cx="${c.x.toFixed(1)}" cy="${c.y.toFixed(1)}" rx="${(r * g.stretch).toFixed(1)}" ry="${r.toFixed(1)}" transform="rotate(${rng.int(0, 179)} ${c.x.toFixed(1)} ${c.y.toFixed(1)})" fill="url(#gl)"/></g>`;
  }
  if (hand?.thumb && toPhoto) {
    const c = cap(hand.thumb);
    over += `<filter id="ts" x="-50%" y="-50%" width="200%" height="200%"><feGaussianBlur stdDeviation="${(c.r * 0.25).toFixed(1)}"/></filter><path d="M${c.a.x} ${c.a.y} L${c.b.x + c.r * 0.15} ${c.b.y + c.r * 0.2}" stroke="#000" stroke-opacity="0.35" stroke-width="${2 * c.r}" stroke-linecap="round" filter="url(#ts)"/>`;
    over += fingerSvg('th', c.a, c.b, c.r, hand.skin, true);
  }
  if (cam.shade) {
    const { angle, at, soft, strength } = cam.shade;
    const a = (angle * Math.PI) / 180;
    const x1 = 0.5 - Math.cos(a) / 2, y1 = 0.5 - Math.sin(a) / 2;
    over += `<defs><linearGradient id="shade" x1="${x1.toFixed(2)}" y1="${y1.toFixed(2)}" x2="${(1 - x1).toFixed(2)}" y2="${(1 - y1).toFixed(2)}"><stop offset="0" stop-color="#000" stop-opacity="${strength.toFixed(2)}"/><stop offset="${at.toFixed(2)}" stop-color="#000" stop-opacity="${strength.toFixed(2)}"/><stop offset="${Math.min(1, at + soft).toFixed(2)}" stop-color="#000" stop-opacity="0"/></linearGradient></defs><rect width="${W}" height="${H}" fill="url(#shade)"/>`;
  }
  if (cam.vignette > 0) {
    over += `<defs><radialGradient id="vg" cx="0.5" cy="0.5" r="0.75"><stop offset="0.55" stop-color="#000" stop-opacity="0"/><stop offset="1" stop-color="#000" stop-opacity="${cam.vignette.toFixed(2)}"/></radialGradient></defs><rect width="${W}" height="${H}" fill="url(#vg)"/>`;
  }
  if (over) blendOver(frame, await svgLayer(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">${over}</svg>`, W, H));
  // Camera damage.
  let img = sharp(Buffer.from(frame.buffer, frame.byteOffset, frame.length), { raw: { width: W, height: H, channels: 4 } }).removeAlpha();
  const [tr, tg, tb] = cam.tint;
  img = img.linear([cam.exposure * tr, cam.exposure * tg, cam.exposure * tb], [0, 0, 0]);
  let buf = await img.png().toBuffer();
  if (cam.soften < 1) {
    const sw = Math.max(16, Math.round(W * cam.soften));
    const small = await sharp(buf).resize(sw, null, { kernel: 'linear' }).png().toBuffer();
    buf = await sharp(small).resize(W, H, { kernel: 'cubic', fit: 'fill' }).png().toBuffer();
  }
  if (cam.motion >= 2) {
    const n = Math.min(15, Math.round(cam.motion) | 1);
    const kernel = new Array<number>(n * n).fill(0);
    const ang = (cam.motionAngle * Math.PI) / 180;
    const c = (n - 1) / 2;
    for (let t = -c; t <= c; t += 0.25) {
      const x = Math.round(c + t * Math.cos(ang)), y = Math.round(c + t * Math.sin(ang));
      kernel[y * n + x] = 1;
    }
    buf = await sharp(buf).convolve({ width: n, height: n, kernel, scale: kernel.reduce((a, v) => a + v, 0) }).png().toBuffer();
  }
  if (cam.blur >= 0.3) buf = await sharp(buf).blur(cam.blur).png().toBuffer();
  if (cam.sharpen) buf = await sharp(buf).sharpen({ sigma: 1.2, m1: 0.5, m2: 2.5 }).png().toBuffer();
  if (cam.noise > 0) buf = await sharp(buf).composite([{ ...grain(rng, W, H, cam.noise), blend: 'overlay' }]).png().toBuffer();
  const bytes = await sharp(buf).jpeg({ quality: cam.quality, chromaSubsampling: '4:2:0' }).toBuffer();
  return { bytes, lines };
}
