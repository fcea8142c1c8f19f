/**
 * Synthetic card-line crops for training the card-line recogniser (`card-crnn-v1`).
 *
 * Each line is drawn as SVG and rendered by sharp (librsvg + the system fonts): a card number in
 * one of the printed groupings, an expiry with or without its label, a cardholder name or a
 * short card word, on card art (gradients, guilloche waves, circles, turbulence textures, dark
 * and light faces). The print comes in five faces:
 *
 * - `embossed`: raised plastic lit from one of many angles (feDiffuseLighting + feSpecularLighting
 *   on the blurred glyph alpha), tipped in silver, gold, white or black ink, or left un-inked so
 *   that only the relief shows;
 * - `foil`: hot-stamped gold or silver gradients with a specular sheen;
 * - `flat`: printed ink in many sans, serif, condensed and mono faces;
 * - `ocr-a`: the OCR-A faces (fonts-ocr-a);
 * - `ocr-b`: OCR-B-like monospaced sans faces (no OCR-B font ships in Debian).
 *
 * The crop is then cut the way a text detector cuts it: random padding or a small cut on every
 * side, a residual skew, bits of the neighbouring lines, then camera damage (low resolution,
 * blur, glare, sensor noise, JPEG). Everything is deterministic from the seed.
 *
 * CLI (`npm run train` calls it): `tsx tools/train/make-lines.ts --out DIR --count N --seed S [--png K]`
 * writes `DIR/lines.bin` (the grey crops, row-major, concatenated) and `DIR/lines.jsonl` (one
 * `{text, role, face, font, width, offset}` per crop); `--png K` also writes the first K crops as PNG;
 * `--face F`, `--faces F1,F1,F2` (weighted list) and `--role R` make a focused pack (e.g. embossed number lines).
 */
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { strokeDrawable, strokeText, type StrokeFace } from '../generator/farrington.js';

/** The characters the recogniser can output (index + 1 = class; class 0 is the CTC blank). */
export const CHARSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ /-.'";

/** Height of every crop, in pixels (the model's input height). */
export const LINE_HEIGHT = 32;
/** Widest crop the model takes; wider lines are squeezed to it (the adapter does the same). */
export const MAX_WIDTH = 400;

export const LINE_FACES = ['embossed', 'foil', 'flat', 'ocr-a', 'ocr-b'] as const;
export type LineFace = (typeof LINE_FACES)[number];
export const LINE_ROLES = ['number', 'expiry', 'name', 'other'] as const;
export type LineRole = (typeof LINE_ROLES)[number];

/** One rendered line crop: grey pixels (height {@link LINE_HEIGHT}) and its truth. */
export interface LineSample {
  readonly text: string;
  readonly role: LineRole;
  readonly face: LineFace;
  readonly font: string;
  readonly width: number;
  readonly height: number;
  /** 1 = grey at the model height (training); 3 = RGB at camera resolution (`camera` option). */
  readonly channels: 1 | 3;
  /** Pixels, row-major, interleaved channels. */
  readonly data: Uint8Array;
}

/** Which fonts a run may draw from. `ci` = only the families CI installs (DejaVu, Liberation, OCR-A, Roboto). */
export type FontSet = 'all' | 'ci';

export interface RenderOptions {
  readonly fonts?: FontSet;
  /** Restrict the face (default: drawn from the seed). */
  readonly face?: LineFace;
  /**
   * Draw the face from this list instead of the default mix (uniformly; repeat a face to weight it, e.g.
   * `['embossed', 'embossed', 'foil']`). Ignored when `face` is given.
   */
  readonly faces?: readonly LineFace[];
  /** Restrict the role (default: drawn from the seed). */
  readonly role?: LineRole;
  /**
   * Return the crop in colour at the resolution the simulated camera saw it (before the final
   * scaling to the model height): the input a recogniser gets from a detector, for evaluation.
   */
  readonly camera?: boolean;
}

/**
 * Seeded PRNG (mulberry32), the same construction as the fixture generator's: kept local so the
 * training tools do not depend on where the card generator lives.
 */
class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) >>> 0) || 0x6d2b79f5;
  }
  next(): number {
    this.#s = (this.#s + 0x6d2b79f5) >>> 0;
    let t = this.#s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  float(a: number, b: number): number {
    return a + (b - a) * this.next();
  }
  int(a: number, b: number): number {
    return a + Math.floor(this.next() * (b - a + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new Error('pick from an empty list');
    return xs[Math.floor(this.next() * xs.length)] as T;
  }
  digits(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += String(this.int(0, 9));
    return s;
  }
}

// ---------------------------------------------------------------- texts

const FIRST = ['JOHN', 'MARY', 'ALEX', 'MARIA', 'JAMES', 'LI', 'WEI', 'FATIMA', 'OLGA', 'PIERRE', 'JOSE', 'ANNA', 'KENJI',
  'SARAH', 'DAVID', 'MOHAMMED', 'ELENA', 'PETER', 'SOPHIE', 'LUCAS', 'AIKO', 'RAJ', 'PRIYA', 'IGOR', 'CHLOE', 'OMAR',
  'HANS', 'INGRID', 'TOMAS', 'KATE', 'ZOE', 'YUKI', 'ADAM', 'EVA', 'NOAH', 'LEA', 'MIGUEL', 'SVEN', 'NGOZI', 'KWAME',
  'QUINN', 'XAVIER', 'VICTOR', 'BEATRIZ', 'DMITRI', 'GRACE', 'HUGO', 'JULIA', 'ROBERT', 'WILLIAM', 'CU', 'CARD'];
const LAST = ['SMITH', 'DOE', 'MUSTERMANN', 'GARCIA', 'NGUYEN', 'WANG', 'KOWALSKI', 'DUBOIS', 'ROSSI', 'TANAKA',
  'JOHNSON', 'BROWN', 'MULLER', 'SILVA', 'IVANOVA', 'PATEL', 'KHAN', 'OKAFOR', 'LARSEN', 'FERNANDEZ', 'MORGAN',
  'HOLDER', 'MEMBER', 'SAMPLE', 'ZHANG', 'QUINTERO', 'VAN DER BERG', 'DE LA CRUZ', 'JACKSON', 'WRIGHT', 'YILMAZ',
  'BJORK', 'HERNANDEZ', 'KIM', 'PARK', 'LOPEZ', 'SCHMIDT', 'NOVAK', 'WILLIAMS', 'TAYLOR', 'EXAMPLE', 'CUSTOMER'];
const APOS = ["O'BRIEN", "D'ANGELO", "O'NEILL", "N'DIAYE", "L'ECUYER"];
const HYPH = ['SMITH-JONES', 'GARCIA-LOPEZ', 'MULLER-LUDENSCHEIDT', 'PARK-KIM', 'LEE-WONG'];
const WORDS = ['DEBIT', 'CREDIT', 'PLATINUM', 'GOLD', 'WORLD', 'BUSINESS', 'SIGNATURE', 'PREPAID', 'ELECTRONIC USE ONLY',
  'CLASSIC', 'REWARDS', 'MEMBER SINCE', 'INFINITE', 'CORPORATE', 'VIRTUAL', 'INTERNATIONAL', 'BANK', 'CARD',
  'CUSTOMER SERVICE', 'AUTHORIZED SIGNATURE', 'NOT TRANSFERABLE', 'PLUS', 'CIRRUS', 'VISA', 'MAESTRO'];

function numberText(rng: Rng): string {
  const r = rng.next();
  const groups = (sizes: number[]): string => sizes.map((n) => rng.digits(n)).join(' ');
  // A fifth of number lines are the pieces a detector makes when it splits a wide number.
  if (r < 0.32) return groups([4, 4, 4, 4]);
  if (r < 0.42) return groups([4, 6, 5]);
  if (r < 0.46) return groups([4, 6, 4]);
  if (r < 0.53) return groups([4, 4, 4, 4, 3]);
  if (r < 0.56) return groups([6, 13]);
  if (r < 0.60) return rng.digits(rng.pick([15, 16, 19]));
  if (r < 0.63) return groups([4, 4, 5]);
  // PP-OCR's detector boxes each group of an embossed or widely spaced number on its own (on the real
  // specimen photos 4 boxes a row is the usual case), so single groups are common crops.
  if (r < 0.78) return rng.digits(rng.chance(0.8) ? 4 : rng.pick([3, 5, 6]));
  if (r < 0.93) return groups(Array.from({ length: rng.int(2, 3) }, () => rng.pick([4, 4, 4, 3, 5, 6])));
  // Short printed numbers near the PAN (the 4 digits under it, account numbers, CVV-free codes).
  return rng.digits(rng.int(2, 8));
}

function dateText(rng: Rng): string {
  const mm = String(rng.int(1, 12)).padStart(2, '0');
  const yy = String(rng.int(0, 99)).padStart(2, '0');
  const date = rng.chance(0.85) ? `${mm}/${yy}` : `${mm}/${rng.pick(['20', '19'])}${yy}`;
  const r = rng.next();
  if (r < 0.35) return date;
  if (r < 0.9) {
    const label = rng.pick(['VALID THRU', 'GOOD THRU', 'EXPIRES', 'EXPIRES END', 'VALID UNTIL', 'EXP', 'EXP.', 'VALID FROM',
      'MEMBER SINCE', 'MM/YY', 'MONTH/YEAR', 'THRU', 'VALID', 'END', 'VALID DATES']);
    return rng.chance(0.85) ? `${label} ${date}` : `${date} ${label}`;
  }
  const mm2 = String(rng.int(1, 12)).padStart(2, '0');
  return rng.chance(0.5) ? `${mm2}/${String(rng.int(0, 99)).padStart(2, '0')} ${date}` : `${mm2}/${yy}-${date}`;
}

function nameText(rng: Rng): string {
  const first = rng.pick(FIRST);
  const r = rng.next();
  let last = rng.pick(LAST);
  if (r < 0.08) last = rng.pick(APOS);
  else if (r < 0.14) last = rng.pick(HYPH);
  const parts = [first];
  if (rng.chance(0.25)) parts.push(`${String.fromCharCode(65 + rng.int(0, 25))}${rng.chance(0.7) ? '.' : ''}`);
  parts.push(last);
  if (rng.chance(0.06)) parts.unshift(rng.pick(['MR', 'MRS', 'MS', 'DR', 'MR.', 'DR.']));
  if (rng.chance(0.04)) parts.push(rng.pick(['JR', 'JR.', 'II', 'III', 'SR']));
  let s = parts.join(' ');
  // Random letter strings so that the model learns letters, not a name list.
  if (rng.chance(0.3)) {
    const word = (n: number): string => Array.from({ length: n }, () => String.fromCharCode(65 + rng.int(0, 25))).join('');
    s = `${word(rng.int(2, 9))} ${word(rng.int(2, 11))}`;
  }
  return s.length > 26 ? s.slice(0, 26).trim() : s;
}

function otherText(rng: Rng): string {
  if (rng.chance(0.3)) {
    const chars = CHARSET.replace(' ', '');
    const n = rng.int(3, 14);
    let s = '';
    for (let i = 0; i < n; i++) s += i > 0 && rng.chance(0.15) ? ' ' : rng.pick([...chars]);
    return s.trim() || 'A';
  }
  const w = rng.pick(WORDS);
  return w === 'MEMBER SINCE' ? `${w} ${rng.int(1980, 2026)}` : w;
}

// ---------------------------------------------------------------- fonts and faces

interface FontChoice {
  family: string;
  weight?: string;
  italic?: boolean;
}

const F = (family: string, weight?: string, italic?: boolean): FontChoice => ({ family, ...(weight ? { weight } : {}), ...(italic ? { italic } : {}) });

const CI_FLAT: FontChoice[] = [F('DejaVu Sans'), F('DejaVu Sans', 'bold'), F('DejaVu Sans Condensed'), F('DejaVu Sans Condensed', 'bold'),
  F('DejaVu Serif'), F('Liberation Sans'), F('Liberation Sans', 'bold'), F('Liberation Sans Narrow'), F('Liberation Serif'),
  F('Roboto'), F('Roboto', 'bold'), F('Roboto', '300'), F('Roboto', '500'), F('Roboto Condensed'), F('Roboto Condensed', 'bold'),
  F('Roboto', '900'), F('Liberation Mono'), F('DejaVu Sans', 'normal', true)];
const MORE_FLAT: FontChoice[] = [F('FreeSans'), F('FreeSans', 'bold'), F('Nimbus Sans'), F('Nimbus Sans Narrow'), F('Nimbus Sans Narrow', 'bold'),
  F('URW Gothic'), F('URW Gothic', 'bold'), F('Nimbus Roman'), F('C059'), F('P052'), F('URW Bookman'), F('Nimbus Mono PS'),
  F('Nimbus Mono PS', 'bold'), F('FreeMono', 'bold'), F('FreeSerif')];
const OCRA: FontChoice[] = [F('OCRA'), F('OCRABold'), F('OCRACondensed'), F('OCRA', 'bold')];
const CI_OCRB: FontChoice[] = [F('DejaVu Sans Mono'), F('DejaVu Sans Mono', 'bold'), F('Liberation Mono'), F('Liberation Mono', 'bold')];
// Embossed card print (Farrington-7B-like): heavy, blocky, monospaced or near it.
const CI_EMBOSS: FontChoice[] = [F('DejaVu Sans Mono', 'bold'), F('Liberation Mono', 'bold'), F('OCRABold'), F('OCRA'), F('DejaVu Sans Mono'),
  F('Roboto', '500'), F('DejaVu Sans Condensed', 'bold'), F('Roboto Condensed', 'bold'), F('Liberation Sans', 'bold'), F('DejaVu Sans', 'bold')];
const MORE_EMBOSS: FontChoice[] = [F('Nimbus Mono PS', 'bold'), F('FreeMono', 'bold'), F('Nimbus Sans Narrow', 'bold'), F('URW Gothic', 'bold')];

function fontFor(rng: Rng, face: LineFace, fonts: FontSet): FontChoice {
  const all = fonts === 'all';
  switch (face) {
    case 'ocr-a':
      return rng.pick(OCRA);
    case 'ocr-b':
      return rng.pick(CI_OCRB);
    case 'embossed':
      return rng.pick(all ? [...CI_EMBOSS, ...MORE_EMBOSS] : CI_EMBOSS);
    case 'foil':
      return rng.pick(all ? [...CI_EMBOSS, ...CI_FLAT.slice(0, 8), ...MORE_EMBOSS] : [...CI_EMBOSS, ...CI_FLAT.slice(0, 8)]);
    case 'flat':
      return rng.pick(all ? [...CI_FLAT, ...MORE_FLAT] : CI_FLAT);
  }
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;');
const hex = (r: number, g: number, b: number): string =>
  `#${[r, g, b].map((v) => Math.max(0, Math.min(255, Math.round(v))).toString(16).padStart(2, '0')).join('')}`;

function colour(rng: Rng, lum: [number, number]): string {
  const l = rng.float(lum[0], lum[1]);
  const sat = rng.float(0, 0.6);
  const hue = [rng.next(), rng.next(), rng.next()];
  const mean = (hue[0]! + hue[1]! + hue[2]!) / 3;
  return hex(...(hue.map((h) => l + (h - mean) * sat * 255) as [number, number, number]));
}

/** Card art behind the text: gradient face, decorations, optional texture. */
function backgroundSvg(rng: Rng, w: number, h: number, dark: boolean): { defs: string; body: string } {
  const lum: [number, number] = dark ? [10, 110] : [140, 250];
  const c0 = colour(rng, lum);
  const c1 = colour(rng, lum);
  let defs = `<linearGradient id="bg" x1="${rng.float(0, 1).toFixed(2)}" y1="0" x2="${rng.float(0, 1).toFixed(2)}" y2="1"><stop offset="0" stop-color="${c0}"/><stop offset="1" stop-color="${c1}"/></linearGradient>`;
  let body = `<rect width="${w}" height="${h}" fill="url(#bg)"/>`;
  const tint = dark ? '#ffffff' : '#000000';
  const deco = rng.next();
  if (deco < 0.2) {
    for (let i = 0; i < rng.int(1, 4); i++) {
      body += `<circle cx="${rng.int(0, w)}" cy="${rng.int(-h, 2 * h)}" r="${rng.int(h / 2, 3 * h)}" fill="${rng.chance(0.5) ? tint : colour(rng, lum)}" fill-opacity="${rng.float(0.04, 0.35).toFixed(2)}"/>`;
    }
  } else if (deco < 0.38) {
    // Guilloche-like fine waves, as printed on many card faces.
    const n = rng.int(3, 14);
    const amp = rng.float(2, h / 3);
    const period = rng.float(20, 200);
    for (let i = 0; i < n; i++) {
      const y0 = rng.float(0, h);
      let d = `M0 ${y0.toFixed(1)}`;
      for (let x = 0; x <= w; x += period / 4) d += ` L${x.toFixed(0)} ${(y0 + amp * Math.sin((x / period) * 2 * Math.PI + i)).toFixed(1)}`;
      body += `<path d="${d}" stroke="${tint}" stroke-opacity="${rng.float(0.05, 0.3).toFixed(2)}" stroke-width="${rng.float(0.5, 4).toFixed(1)}" fill="none"/>`;
    }
  } else if (deco < 0.5) {
    body += `<path d="M${rng.int(0, w)} 0 L${rng.int(0, w)} 0 L${rng.int(0, w)} ${h} L${rng.int(0, w)} ${h} Z" fill="${tint}" fill-opacity="${rng.float(0.05, 0.3).toFixed(2)}"/>`;
  } else if (deco < 0.68) {
    // Texture: marble, paper, metal brushing, photo-like art.
    const fx = rng.float(0.005, 0.2);
    const fy = rng.chance(0.3) ? fx / rng.float(5, 30) : fx * rng.float(0.5, 2);
    defs += `<filter id="tx" x="0" y="0" width="100%" height="100%"><feTurbulence type="${rng.pick(['fractalNoise', 'turbulence'])}" baseFrequency="${fx.toFixed(4)} ${fy.toFixed(4)}" numOctaves="${rng.int(1, 4)}" seed="${rng.int(1, 9999)}"/><feColorMatrix type="saturate" values="${rng.float(0, 1).toFixed(2)}"/></filter>`;
    body += `<rect width="${w}" height="${h}" filter="url(#tx)" opacity="${rng.float(0.1, 0.6).toFixed(2)}"/>`;
  } else if (deco < 0.76 && rng.chance(0.5)) {
    // Photo-like card art: big soft blobs of colour (bokeh, landscapes behind the print).
    defs += `<filter id="bk" x="-50%" y="-50%" width="200%" height="200%"><feGaussianBlur stdDeviation="${rng.float(2, h / 3).toFixed(1)}"/></filter>`;
    let blobs = '';
    for (let i = 0; i < rng.int(3, 9); i++) {
      blobs += `<circle cx="${rng.int(0, w)}" cy="${rng.int(-h / 2, 1.5 * h)}" r="${rng.int(h / 6, 1.5 * h)}" fill="${colour(rng, rng.chance(0.5) ? [10, 250] : lum)}" fill-opacity="${rng.float(0.2, 0.8).toFixed(2)}"/>`;
    }
    body += `<g filter="url(#bk)">${blobs}</g>`;
  } else if (deco < 0.76) {
    // Dots / halftone.
    const s = rng.int(4, 14);
    defs += `<pattern id="pt" width="${s}" height="${s}" patternUnits="userSpaceOnUse"><circle cx="${s / 2}" cy="${s / 2}" r="${rng.float(0.5, s / 3).toFixed(1)}" fill="${tint}" fill-opacity="${rng.float(0.05, 0.3).toFixed(2)}"/></pattern>`;
    body += `<rect width="${w}" height="${h}" fill="url(#pt)"/>`;
  }
  return { defs, body };
}

interface Style {
  face: LineFace;
  font: FontChoice;
  size: number;
  dark: boolean;
  ink: string;
}

/** The filter and fill that give the text its face. Returns defs and the text's attributes. */
function faceSvg(rng: Rng, style: Style): { defs: string; fill: string; filter: string | null; extra: string } {
  const az = rng.float(0, 360).toFixed(0);
  const el = rng.float(25, 65);
  const blur = (style.size * rng.float(0.025, 0.07)).toFixed(2);
  const scale = rng.float(2, 7).toFixed(1);
  if (style.face === 'embossed') {
    const kd = 1;
    const flat = kd * Math.sin((el * Math.PI) / 180);
    const uninked = rng.chance(0.3);
    // Un-inked relief needs stronger shading to be seen at all (as on a real card under a lamp).
    const k = uninked ? rng.float(2.5, 5) : rng.float(1.2, 3.5);
    // A second lamp (room light and a window, a phone's flash and the ceiling) in 40% of lines.
    const light2 = rng.chance(0.4)
      ? `\n<feSpecularLighting in="b" surfaceScale="${scale}" specularConstant="${rng.float(0.2, 0.9).toFixed(2)}" specularExponent="${rng.int(6, 30)}" lighting-color="#ffffff" result="s3"><feDistantLight azimuth="${rng.float(0, 360).toFixed(0)}" elevation="${rng.float(20, 70).toFixed(0)}"/></feSpecularLighting>\n<feComposite in="s3" in2="b" operator="in" result="s4"/>`
      : '';
    // Shading: white where the relief faces the light, black where it faces away (flat = transparent).
    const defs = `<filter id="fx" x="-10%" y="-30%" width="120%" height="160%" color-interpolation-filters="sRGB">
<feGaussianBlur in="SourceAlpha" stdDeviation="${blur}" result="b"/>
<feDiffuseLighting in="b" surfaceScale="${scale}" diffuseConstant="${kd}" lighting-color="#ffffff" result="d"><feDistantLight azimuth="${az}" elevation="${el.toFixed(0)}"/></feDiffuseLighting>
<feColorMatrix in="d" type="matrix" values="0 0 0 0 1  0 0 0 0 1  0 0 0 0 1  ${k.toFixed(2)} 0 0 0 ${(-k * flat).toFixed(3)}" result="hi"/>
<feColorMatrix in="d" type="matrix" values="0 0 0 0 0  0 0 0 0 0  0 0 0 0 0  ${(-k).toFixed(2)} 0 0 0 ${(k * flat).toFixed(3)}" result="lo"/>
<feSpecularLighting in="b" surfaceScale="${scale}" specularConstant="${rng.float(0.3, 1.2).toFixed(2)}" specularExponent="${rng.int(8, 40)}" lighting-color="#ffffff" result="s"><feDistantLight azimuth="${az}" elevation="${el.toFixed(0)}"/></feSpecularLighting>
<feComposite in="s" in2="b" operator="in" result="s2"/>${light2}
<feOffset in="b" dx="${rng.float(-2, 3).toFixed(1)}" dy="${rng.float(0, 3).toFixed(1)}" result="sh"/>
<feColorMatrix in="sh" type="matrix" values="0 0 0 0 0  0 0 0 0 0  0 0 0 0 0  0 0 0 ${rng.float(0, 0.5).toFixed(2)} 0" result="sh2"/>
<feMerge><feMergeNode in="sh2"/><feMergeNode in="lo"/><feMergeNode in="hi"/>${uninked ? '' : '<feMergeNode in="SourceGraphic"/>'}<feMergeNode in="s2"/>${light2 ? '<feMergeNode in="s4"/>' : ''}</feMerge>
</filter>`;
    let fill = style.ink;
    let gdefs = '';
    if (!uninked && rng.chance(0.45)) {
      // Tipping foil: silver or gold.
      const gold = rng.chance(0.5);
      const stops = gold ? ['#6f5314', '#e9cf79', '#a07a22', '#fff1b5', '#8c6a1a'] : ['#6d6d6d', '#e8e8e8', '#9a9a9a', '#ffffff', '#808080'];
      gdefs = `<linearGradient id="ink" x1="0" y1="0" x2="${rng.float(0, 0.3).toFixed(2)}" y2="1">${stops.map((c, i) => `<stop offset="${(i / (stops.length - 1)).toFixed(2)}" stop-color="${c}"/>`).join('')}</linearGradient>`;
      fill = 'url(#ink)';
    }
    // Un-inked relief: the glyph is the card's own colour, so the filter leaves SourceGraphic out and only the
    // lighting shows (the fill must stay opaque: the relief is built from its alpha).
    return { defs: defs + gdefs, fill: uninked ? '#000' : fill, filter: 'fx', extra: uninked ? '' : ` fill-opacity="${rng.float(0.7, 1).toFixed(2)}"` };
  }
  if (style.face === 'foil') {
    const gold = rng.chance(0.55);
    const base = gold ? ['#5e4510', '#d8b45a', '#f7e7a1', '#a37c25', '#fff6c8', '#7d5e17'] : ['#555555', '#d0d0d0', '#ffffff', '#8a8a8a', '#f2f2f2', '#6a6a6a'];
    const stops = base.map((c, i) => `<stop offset="${(i / (base.length - 1)).toFixed(2)}" stop-color="${c}"/>`).join('');
    const defs = `<linearGradient id="ink" x1="0" y1="0" x2="${rng.float(0, 1).toFixed(2)}" y2="1" spreadMethod="${rng.pick(['pad', 'reflect', 'repeat'])}">${stops}</linearGradient>
<filter id="fx" x="-10%" y="-30%" width="120%" height="160%" color-interpolation-filters="sRGB">
<feGaussianBlur in="SourceAlpha" stdDeviation="${blur}" result="b"/>
<feSpecularLighting in="b" surfaceScale="${scale}" specularConstant="${rng.float(0.2, 1).toFixed(2)}" specularExponent="${rng.int(6, 30)}" lighting-color="#ffffff" result="s"><feDistantLight azimuth="${az}" elevation="${el.toFixed(0)}"/></feSpecularLighting>
<feComposite in="s" in2="SourceAlpha" operator="in" result="s2"/>
<feMerge><feMergeNode in="SourceGraphic"/><feMergeNode in="s2"/></feMerge>
</filter>`;
    const stroke = rng.chance(0.3) ? ` stroke="${style.dark ? '#000' : '#3a2a05'}" stroke-opacity="0.5" stroke-width="${(style.size * 0.02).toFixed(1)}"` : '';
    return { defs, fill: 'url(#ink)', filter: 'fx', extra: stroke };
  }
  // Flat print (incl. OCR faces): solid ink, sometimes a thin outline or a soft print shadow.
  const stroke = rng.chance(0.2) ? ` stroke="${style.ink}" stroke-width="${(style.size * rng.float(0.01, 0.05)).toFixed(1)}" stroke-linejoin="round"` : '';
  return { defs: '', fill: style.ink, filter: null, extra: stroke };
}

// ---------------------------------------------------------------- rendering

interface Planned {
  text: string;
  role: LineRole;
  face: LineFace;
  font: FontChoice;
}

function plan(rng: Rng, opts: RenderOptions): Planned {
  const role: LineRole = opts.role ?? (() => {
    const r = rng.next();
    return r < 0.52 ? 'number' : r < 0.72 ? 'expiry' : r < 0.92 ? 'name' : 'other';
  })();
  const text = role === 'number' ? numberText(rng) : role === 'expiry' ? dateText(rng) : role === 'name' ? nameText(rng) : otherText(rng);
  const face: LineFace = opts.face ?? (opts.faces?.length ? rng.pick(opts.faces) : undefined) ?? (() => {
    const r = rng.next();
    return r < 0.34 ? 'embossed' : r < 0.46 ? 'foil' : r < 0.74 ? 'flat' : r < 0.87 ? 'ocr-a' : 'ocr-b';
  })();
  return { text, role, face, font: fontFor(rng, face, opts.fonts ?? 'all') };
}

/** Text spans: groups split at spaces, each with a random extra gap (card numbers are spaced widely). */
function spans(rng: Rng, text: string, size: number, role: LineRole): string {
  const parts = text.split(' ');
  const gap = role === 'number' ? rng.float(0, 0.9) : rng.float(-0.1, 0.4);
  // Labels before a date are often printed smaller.
  const labelScale = role === 'expiry' && rng.chance(0.4) ? rng.float(0.5, 0.85) : 1;
  return parts
    .map((p, i) => {
      const small = labelScale !== 1 && !/\d/.test(p);
      const attrs = (i > 0 ? ` dx="${(gap * size * rng.float(0.8, 1.2)).toFixed(1)}"` : '') + (small ? ` font-size="${(size * labelScale).toFixed(1)}"` : '');
      return `<tspan${attrs}>${esc(i > 0 ? ` ${p}` : p)}</tspan>`;
    })
    .join('');
}

function grey(rgb: Buffer, channels: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  // Rec. 601 luma, the same weights the recogniser adapter uses on RGB crops.
  for (let i = 0, j = 0; i < n; i++, j += channels) out[i] = Math.round(0.299 * rgb[j]! + 0.587 * rgb[j + 1]! + 0.114 * rgb[j + 2]!);
  return out;
}

/** Renders one line crop, deterministic from `seed`. */
export async function renderLine(seed: number, opts: RenderOptions = {}, attempt = 0): Promise<LineSample> {
  const rng = new Rng(seed);
  const p = plan(rng, opts);
  // Drawn at 1–1.5× the model's height: enough for the relief's lighting, and cheap to render.
  const size = rng.int(30, 46);
  // Foil is mostly stamped on dark faces; on pale ones it barely shows, which happens too.
  const dark = rng.chance(p.face === 'foil' ? 0.8 : 0.45);
  const inkLum: [number, number] = dark ? [190, 255] : [0, 70];
  // Low-contrast print happens (grey on silver, dark blue on black).
  const ink = rng.chance(0.08) ? colour(rng, dark ? [130, 190] : [70, 120]) : colour(rng, inkLum);
  const style: Style = { face: p.face, font: p.font, size, dark, ink };
  const spacing = p.role === 'number' ? rng.float(-0.02, 0.15) * size : rng.float(-0.03, 0.12) * size;
  const sx = rng.float(0.8, 1.25);
  const gapsW = p.role === 'number' ? (p.text.split(' ').length - 1) * size : size;
  // Real embossed numbers are Farrington 7B: most embossed digit lines are drawn with the generator's
  // Farrington-like stroke glyphs (no font file has them), some OCR-B lines with its OCR-B-like strokes.
  const strokeFace: StrokeFace | null = strokeDrawable(p.text) && (p.face === 'embossed' ? rng.chance(0.6) : p.face === 'ocr-b' && rng.chance(0.4))
    ? (p.face === 'embossed' ? 'farrington' : 'ocrb')
    : null;
  const capH = size * rng.float(0.66, 0.78);
  const pitch = rng.float(0.9, 1.18);
  const strokeGap = capH * (p.role === 'number' ? rng.float(0.5, 1.5) : rng.float(0.5, 0.9));
  /** The stroke-face text in `colour`, top-left at (0, 0), and its width. */
  const strokeDraw = (colour: string): { svg: string; width: number } => {
    let gx = 0, svg = '';
    for (const part of p.text.split(' ')) {
      if (svg) gx += strokeGap;
      const st = strokeText(part, { size: capH, face: strokeFace ?? 'farrington', stroke: colour, pitch });
      svg += `<g transform="translate(${gx.toFixed(1)} 0)">${st.svg}</g>`;
      gx += st.width;
    }
    return { svg, width: gx };
  };
  const approxW = strokeFace ? strokeDraw('#000').width * sx + size : p.text.length * (size * 0.78 * sx + Math.max(0, spacing)) + gapsW;
  const W = Math.ceil(approxW + 4.5 * size);
  const H = Math.ceil(size * 3.4);
  const x0 = 2 * size;
  const baseline = H / 2 + size * 0.36;
  const angle = rng.float(-4, 4);
  const skew = rng.float(-7, 7);
  const fnt: FontChoice = strokeFace ? F(strokeFace === 'farrington' ? 'Farrington strokes' : 'OCR-B strokes') : p.font;
  const attrs = `font-family="${esc(fnt.family)}" font-size="${size}"` + (fnt.weight ? ` font-weight="${fnt.weight}"` : '') +
    (fnt.italic ? ' font-style="italic"' : '') + ` letter-spacing="${spacing.toFixed(1)}"`;
  const textBody = spans(rng, p.text, size, p.role);
  const transform = `rotate(${angle.toFixed(2)} ${W / 2} ${H / 2}) translate(${x0} ${baseline.toFixed(1)}) skewX(${skew.toFixed(1)}) scale(${sx.toFixed(3)} 1)`;
  const fx = faceSvg(rng, style);
  const bg = backgroundSvg(rng, W, H, dark);
  // Neighbouring lines a detector's box may clip: the name above a number, small digits under it.
  let neighbours = '';
  if (rng.chance(0.3)) {
    const above = rng.chance(0.5);
    const nsize = size * rng.float(0.4, 1);
    const dy = above ? -size * rng.float(1.05, 1.5) : nsize * rng.float(1.1, 1.6);
    neighbours = `<text transform="${transform} translate(${rng.float(-size, size * 4).toFixed(0)} ${dy.toFixed(1)})" font-family="${esc(fnt.family)}" font-size="${nsize.toFixed(1)}" fill="${ink}" fill-opacity="${rng.float(0.4, 1).toFixed(2)}">${esc(rng.chance(0.5) ? rng.digits(rng.int(3, 12)) : nameText(rng))}</text>`;
  }
  let glare = '';
  if (rng.chance(0.3)) {
    glare = `<radialGradient id="gl"><stop offset="0" stop-color="#fff" stop-opacity="${rng.float(0.3, 0.85).toFixed(2)}"/><stop offset="1" stop-color="#fff" stop-opacity="0"/></radialGradient>`;
  }
  const glareBody = glare
    ? rng.chance(0.6)
      ? `<ellipse cx="${rng.int(0, W)}" cy="${rng.int(0, H)}" rx="${rng.int(size, W / 2)}" ry="${rng.int(size / 2, H)}" fill="url(#gl)"/>`
      // A streak of reflected light across the glossy card, at an angle.
      : `<ellipse cx="${rng.int(0, W)}" cy="${rng.int(0, H)}" rx="${rng.int(W / 4, W)}" ry="${rng.int(size / 6, size / 2)}" transform="rotate(${rng.float(-40, 40).toFixed(0)} ${W / 2} ${H / 2})" fill="url(#gl)"/>`
    : '';
  const strokeTransform = `rotate(${angle.toFixed(2)} ${W / 2} ${H / 2}) translate(${x0} ${(baseline - capH).toFixed(1)}) skewX(${skew.toFixed(1)}) scale(${sx.toFixed(3)} 1)`;
  const filterAttr = fx.filter ? ` filter="url(#${fx.filter})"` : '';
  const textEl = strokeFace
    ? `<g transform="${strokeTransform}"${fx.extra.replace('fill-opacity', 'stroke-opacity')}${filterAttr}>${strokeDraw(fx.fill).svg}</g>`
    : `<text transform="${transform}" ${attrs} fill="${fx.fill}"${fx.extra}${filterAttr} xml:space="preserve">${textBody}</text>`;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><defs>${bg.defs}${fx.defs}${glare}</defs>${bg.body}${neighbours}${textEl}${glareBody}</svg>`;
  const maskEl = strokeFace
    ? `<g transform="${strokeTransform}">${strokeDraw('#fff').svg}</g>`
    : `<text transform="${transform}" ${attrs} fill="#fff" xml:space="preserve">${textBody}</text>`;
  const mask = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">${maskEl}</svg>`;

  const [full, m] = await Promise.all([
    sharp(Buffer.from(svg)).removeAlpha().raw().toBuffer({ resolveWithObject: true }),
    sharp(Buffer.from(mask)).extractChannel(3).raw().toBuffer({ resolveWithObject: true }),
  ]);
  // The glyphs' box in the canvas.
  let bx0 = W, by0 = H, bx1 = -1, by1 = -1;
  const mw = m.info.width;
  for (let y = 0; y < m.info.height; y++) {
    for (let x = 0; x < mw; x++) {
      if (m.data[y * mw + x]! > 80) {
        if (x < bx0) bx0 = x;
        if (x > bx1) bx1 = x;
        if (y < by0) by0 = y;
        if (y > by1) by1 = y;
      }
    }
  }
  if (bx1 < 0) throw new Error(`line ${seed}: font ${fnt.family} drew nothing for the text`);
  // Text that ran off the canvas would make the truth wrong: draw this line again from a derived seed.
  if (bx0 <= 0 || by0 <= 0 || bx1 >= W - 1 || by1 >= H - 1) {
    if (attempt >= 5) throw new Error(`line ${seed}: text does not fit its canvas after ${attempt} tries`);
    return renderLine((Math.imul(seed, 2654435761) + 97) >>> 0, opts, attempt + 1);
  }
  const th = by1 - by0 + 1;
  // Detector noise: boxes a bit loose or tight on each side (never cutting more than a sliver of a glyph).
  const cut = (lo: number, hi: number): number => Math.round(th * rng.float(lo, hi));
  // Real PP-OCR boxes are often tight on the glyphs (on real-dev-v1 v1 read 16/30 numbers from the boxes,
  // 21/30 with 25% more margin and 1/30 with 10% less): a quarter of the crops hug or clip the glyphs.
  const tightY = rng.chance(0.3), tightX = rng.chance(0.25);
  const left = Math.max(0, bx0 - (tightX ? cut(-0.08, 0.08) : cut(-0.04, 0.9)));
  const right = Math.min(W - 1, bx1 + (tightX ? cut(-0.08, 0.08) : cut(-0.04, 0.9)));
  const top = Math.max(0, by0 - (tightY ? cut(-0.13, 0.06) : cut(-0.04, 0.5)));
  const bottom = Math.min(H - 1, by1 + (tightY ? cut(-0.13, 0.06) : cut(-0.04, 0.5)));
  const cw = right - left + 1;
  const ch = bottom - top + 1;

  let img = sharp(full.data, { raw: { width: W, height: H, channels: 3 } }).extract({ left, top, width: cw, height: ch });
  // Camera: the line seen at a lower resolution (9–40 px tall text), then blur, then back to the model height.
  const seenH = rng.chance(0.35) ? rng.int(40, 96) : rng.int(12, 48);
  const seenW = Math.max(8, Math.round((cw * seenH) / ch));
  img = sharp(await img.resize(seenW, seenH, { fit: 'fill', kernel: rng.pick(['cubic', 'linear', 'lanczos3', 'nearest'] as const) }).raw().toBuffer(), {
    raw: { width: seenW, height: seenH, channels: 3 },
  });
  if (rng.chance(0.45)) img = img.blur(rng.float(0.3, 1.3 * Math.max(1, seenH / 48)));
  const small = await img.raw().toBuffer();
  // Sensor noise.
  if (rng.chance(0.6)) {
    const sigma = rng.float(2, 14);
    for (let i = 0; i < small.length; i++) small[i] = Math.max(0, Math.min(255, small[i]! + Math.round((rng.next() + rng.next() + rng.next() - 1.5) * sigma * 2)));
  }
  let stage = sharp(small, { raw: { width: seenW, height: seenH, channels: 3 } });
  if (rng.chance(0.7)) {
    const jpg = await stage.jpeg({ quality: rng.int(30, 95) }).toBuffer();
    stage = sharp(jpg);
  }
  const truth = {
    text: p.text,
    role: p.role,
    face: p.face,
    font: fnt.family + (fnt.weight ? ` ${fnt.weight}` : '') + (fnt.italic ? ' italic' : ''),
  };
  if (opts.camera) {
    // What a detector + cropQuad hand a recogniser: the crop at the resolution the camera saw it, in colour.
    const cam = await stage.removeAlpha().raw().toBuffer({ resolveWithObject: true });
    return { ...truth, width: cam.info.width, height: cam.info.height, data: new Uint8Array(cam.data), channels: 3 };
  }
  const outW = Math.min(MAX_WIDTH, Math.max(8, Math.round((cw * LINE_HEIGHT) / ch)));
  const out = await stage.resize(outW, LINE_HEIGHT, { fit: 'fill' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return {
    ...truth,
    channels: 1,
    width: out.info.width,
    height: out.info.height,
    data: grey(out.data, out.info.channels, out.info.width * out.info.height),
  };
}

/** Writes `count` crops from seeds `seed, seed+1, …` to `dir` (see the module comment for the format). */
export async function writeLines(dir: string, count: number, seed: number, opts: RenderOptions & { png?: number } = {}): Promise<void> {
  await mkdir(dir, { recursive: true });
  const bin = await open(join(dir, 'lines.bin'), 'w');
  // The index is written as the crops are, so a trainer can start on a pack that is still growing.
  const index = await open(join(dir, 'lines.jsonl'), 'w');
  let offset = 0;
  try {
    for (let i = 0; i < count; i++) {
      const s = await renderLine(seed + i, opts);
      await bin.write(s.data);
      await index.write(JSON.stringify({ text: s.text, role: s.role, face: s.face, font: s.font, width: s.width, offset }) + '\n');
      offset += s.data.length;
      if (opts.png !== undefined && i < opts.png) {
        await sharp(s.data, { raw: { width: s.width, height: s.height, channels: s.channels } }).png().toFile(join(dir, `line-${String(i).padStart(4, '0')}.png`));
      }
      if ((i + 1) % 2000 === 0) process.stderr.write(`make-lines: ${i + 1}/${count}\n`);
    }
  } finally {
    await bin.close();
    await index.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      count: { type: 'string', default: '1000' },
      seed: { type: 'string', default: '1' },
      png: { type: 'string' },
      fonts: { type: 'string', default: 'all' },
      face: { type: 'string' },
      // A weighted face list (`embossed,embossed,foil`) and a role: packs focused on what a model misreads.
      faces: { type: 'string' },
      role: { type: 'string' },
    },
  });
  if (!values.out) throw new Error('make-lines: --out DIR is required (e.g. --out .tmp/crnn/train)');
  const fonts = values.fonts === 'ci' ? 'ci' : 'all';
  const face = values.face as LineFace | undefined;
  if (face !== undefined && !LINE_FACES.includes(face)) throw new Error(`make-lines: --face must be one of ${LINE_FACES.join(', ')}, got ${face}`);
  const faces = values.faces?.split(',').map((f) => f.trim()) as LineFace[] | undefined;
  const bad = faces?.find((f) => !LINE_FACES.includes(f));
  if (bad !== undefined) throw new Error(`make-lines: --faces takes a comma list of ${LINE_FACES.join(', ')}, got ${bad}`);
  const role = values.role as LineRole | undefined;
  if (role !== undefined && !LINE_ROLES.includes(role)) throw new Error(`make-lines: --role must be one of ${LINE_ROLES.join(', ')}, got ${role}`);
  sharp.concurrency(1);
  const t0 = Date.now();
  await writeLines(values.out, Number(values.count), Number(values.seed), {
    fonts,
    ...(face ? { face } : {}),
    ...(faces ? { faces } : {}),
    ...(role ? { role } : {}),
    ...(values.png ? { png: Number(values.png) } : {}),
  });
  process.stderr.write(`make-lines: ${values.count} crops in ${((Date.now() - t0) / 1000).toFixed(1)} s → ${values.out}\n`);
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
