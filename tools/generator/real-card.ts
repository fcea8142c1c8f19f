/**
 * Payment-card faces the way issuers print them: ID-1 card in landscape or portrait, front or
 * back, embossed (Farrington-like strokes with relief, un-inked or foil-tipped) or flat print
 * in many faces, the usual number groupings (4-4-4-4, Amex 4-6-5, 4-4-4-4-3, 6-13, unspaced
 * 19), stacked or vertical numbers, expiry labels and second dates, card art (gradients,
 * textures, procedural photos, metal, hologram patches) and drawn brand marks (no real logos).
 */
import { FaceBuilder, type Face, type FontSpec, type Relief } from './face.js';
import type { StrokeFace } from './farrington.js';
import { cutGroups, type FixtureBrand } from './pan.js';
import type { Rng } from './random.js';
import type { Point, Quad } from './warp.js';

/** ID-1 card in face units (85.60 × 53.98 mm). */
export const CARD_LONG = 1012;
export const CARD_SHORT = 638;

/** Faces for flat-printed numbers, names and dates (all from Debian font packages in .ci/run). */
export const FLAT_FONTS: readonly FontSpec[] = [
  { family: 'OCRA' },
  { family: 'DejaVu Sans Mono' },
  { family: 'DejaVu Sans Mono', weight: 700 },
  { family: 'Liberation Mono' },
  { family: 'Nimbus Mono PS', weight: 700 },
  { family: 'FreeMono', weight: 700 },
  { family: 'Roboto' },
  { family: 'Roboto', weight: 300 },
  { family: 'Roboto', weight: 100 },
  { family: 'Roboto', weight: 500 },
  { family: 'Roboto Condensed' },
  { family: 'Roboto Condensed', weight: 300 },
  { family: 'DejaVu Sans' },
  { family: 'DejaVu Sans', weight: 200 },
  { family: 'DejaVu Sans Condensed' },
  { family: 'Liberation Sans' },
  { family: 'Liberation Sans Narrow' },
  { family: 'Nimbus Sans' },
  { family: 'Nimbus Sans Narrow' },
  { family: 'FreeSans' },
  { family: 'URW Gothic' },
];

/** Faces embossed names are struck in (the embossers' letter sets are monospaced capitals). */
const EMBOSS_NAME_FONTS: readonly FontSpec[] = [
  { family: 'OCRA' },
  { family: 'DejaVu Sans Mono', weight: 700 },
  { family: 'Liberation Mono', weight: 700 },
  { family: 'Nimbus Mono PS', weight: 700 },
  { family: 'FreeMono', weight: 700 },
];

const BANK_FONTS: readonly FontSpec[] = [
  { family: 'Roboto', weight: 700 },
  { family: 'Roboto', weight: 300 },
  { family: 'Liberation Sans', weight: 700 },
  { family: 'Nimbus Sans', weight: 700 },
  { family: 'URW Gothic', weight: 700 },
  { family: 'DejaVu Serif', weight: 700 },
  { family: 'Nimbus Roman', italic: true },
  { family: 'Roboto Condensed', weight: 700 },
];

export const EXPIRY_LABELS = ['VALID THRU', 'GOOD THRU', 'EXPIRES', 'EXPIRES END', 'VALID UNTIL', 'MONTH/YEAR', 'VALID\nTHRU', 'GOOD\nTHRU', null] as const;
export type RealExpiryLabel = (typeof EXPIRY_LABELS)[number];

const BANKS = ['NORTHWIND BANK', 'Alder Credit Union', 'HARBOR TRUST', 'Pine Financial', 'SUMMIT', 'Riverstone Bank', 'BLUE OAK', 'Kestrel', 'MERIDIAN', 'Banco Solano', 'Nordbank', 'CITADEL FCU', 'Lumen Bank', 'Kaiser Sparkasse', 'Orbis', 'Tasman Bank', 'Kraków Bank', 'Banque Lys'];
const PRODUCTS = ['PLATINUM', 'DEBIT', 'Rewards', 'WORLD', 'GOLD', 'Signature', 'business', 'INFINITE', 'CLASSIC', 'credit', 'PREPAID', 'Cashback'];

/** Everything that decides one card face; drawn by `drawCard`. */
export interface CardDesign {
  side: 'front' | 'back';
  orientation: 'landscape' | 'portrait';
  /** Printed number (null: a card side without a number). */
  pan: string | null;
  brand: FixtureBrand | null;
  groups: number[];
  numberLayout: 'row' | 'stacked' | 'vertical';
  emboss: boolean;
  /** Face of the number: stroke face when embossed (or OCR-B-like print), else a font. */
  numberFace: FontSpec | StrokeFace;
  dateFace: FontSpec | StrokeFace;
  nameFace: FontSpec;
  relief: Relief | null;
  ink: string;
  expiry: string | null;
  expiryLabel: RealExpiryLabel;
  secondDate: { label: 'VALID FROM' | 'MEMBER SINCE' | 'MEMBER\nSINCE' | 'VALID\nFROM'; date: string } | null;
  /** Printed name (may be mixed case or non-Latin); null = none printed. */
  name: string | null;
  bank: string;
  bankFont: FontSpec;
  /** A drawn issuer logo before the bank name, or none. */
  bankLogo: 'globe' | 'star' | 'swoosh' | 'tile' | null;
  product: string | null;
  art: 'gradient' | 'texture' | 'photo' | 'pattern' | 'metal' | 'solid';
  colors: [string, string, string];
  dark: boolean;
  hologram: boolean;
  chip: boolean;
  contactless: boolean;
  /** Small copy of the first four digits under the number, as many issuers print. */
  binEcho: boolean;
  layout: 'classic' | 'name-expiry-row' | 'low-number';
  /** Seed for the art's turbulence and random shapes. */
  artSeed: number;
}

const LIGHT: Array<[string, string, string]> = [
  ['#f4f1ea', '#d9d4c7', '#b9b2a2'], ['#dfe9f5', '#a9c3e6', '#5f86c2'], ['#f7e6d5', '#e9b98f', '#c27c4a'], ['#e4f2e7', '#a8d5b4', '#5fa474'],
  ['#eeeeee', '#c9c9c9', '#9a9a9a'], ['#f3e1ef', '#d6a9cf', '#a3649a'], ['#7fd3f0', '#2bb3e6', '#1581b8'], ['#f6d365', '#fda085', '#e46a4a'],
  ['#d7e1ec', '#9fb4cc', '#6d87a8'], ['#ffe9a8', '#f2c94c', '#c79a16'],
];
const DARK: Array<[string, string, string]> = [
  ['#1d1f2b', '#3a3f5c', '#0b0c12'], ['#0f2a1f', '#245741', '#06140e'], ['#2b1111', '#7a1f1f', '#140606'], ['#111111', '#3b3b3b', '#000000'],
  ['#10203f', '#1f4c8a', '#050d1f'], ['#2c2233', '#54406a', '#140f19'], ['#0a3d62', '#1e6fa8', '#062238'], ['#8e0e00', '#c0392b', '#3d0600'],
  ['#004d40', '#00796b', '#00251f'], ['#232526', '#414345', '#0f1010'], ['#16222a', '#3a6073', '#0b1115'], ['#b31217', '#e52d27', '#5a0a0b'],
];

/** A card design drawn from the stream (constraints applied by the caller afterwards). */
export function drawDesign(rng: Rng, o: { pan: string | null; brand: FixtureBrand | null; groups: number[]; expiry: string | null; secondDate: string | null; name: string | null; emboss: boolean; side: 'front' | 'back'; orientation: 'landscape' | 'portrait'; numberLayout: CardDesign['numberLayout'] }): CardDesign {
  const dark = rng.chance(0.5);
  const colors = rng.pick(dark ? DARK : LIGHT);
  const flatFont = rng.pick(FLAT_FONTS);
  // Flat print also uses the Farrington-like strokes (the "emboss look" of many designs and specimen renders).
  const u = rng.next();
  const numberFace: FontSpec | StrokeFace = o.emboss ? 'farrington' : u < 0.15 ? 'ocrb' : u < 0.32 ? 'farrington' : flatFont;
  const foil = o.emboss ? rng.pick(['plain', 'plain', 'gold', 'silver', 'white', 'black'] as const) : 'plain';
  const cardTone = dark ? colors[1] : colors[0];
  const relief: Relief | null = o.emboss
    ? {
        light: rng.pick([45, 60, 90, 120, 135, 210, 300]) + rng.float(-15, 15),
        depth: rng.float(1.4, 3.2),
        body: foil === 'gold' ? 'gold' : foil === 'silver' ? 'silver' : foil === 'white' ? '#f4f4f4' : foil === 'black' ? '#1a1a1a' : shade(cardTone, dark ? 0.12 : -0.06),
        highlight: rng.float(0.45, 0.9),
        shadow: rng.float(0.45, 0.85),
        secondLight: rng.chance(0.5) ? rng.float(0, 360) : null,
      }
    : rng.chance(0.3)
      ? { light: rng.float(60, 150), depth: rng.float(1, 2.2), body: 'ink', highlight: rng.float(0, 0.3), shadow: rng.float(0.3, 0.6), secondLight: null, printed: true }
      : null;
  const art = rng.pick(['gradient', 'gradient', 'texture', 'photo', 'pattern', 'metal', 'solid'] as const);
  let ink = dark ? rng.pick(['#f2f2f2', '#e8e8e8', '#d9c27a', '#cfd5dc']) : rng.pick(['#151515', '#1f2a44', '#2b2b2b', '#3a3a3a']);
  // Issuers keep the number legible: light print over photos, and never ink close to the
  // face's own tone (the darkest and lightest of its colours both have to stand apart).
  if (art === 'photo') ink = rng.pick(['#ffffff', '#f2f2f2', '#ffe9a8']);
  else if (Math.min(...colors.map((c) => contrast(c, ink))) < 2.2) ink = Math.max(...colors.map(luminance)) > 0.35 ? '#111111' : '#f5f5f5';
  if (relief?.body === 'ink') relief.body = ink;
  return {
    side: o.side,
    orientation: o.orientation,
    pan: o.pan,
    brand: o.brand,
    groups: o.groups,
    numberLayout: o.numberLayout,
    emboss: o.emboss,
    numberFace,
    dateFace: o.emboss ? 'farrington' : rng.chance(0.3) ? 'ocrb' : rng.chance(0.6) && typeof numberFace !== 'string' ? numberFace : rng.pick(FLAT_FONTS),
    nameFace: o.emboss ? rng.pick(EMBOSS_NAME_FONTS) : rng.chance(0.5) && typeof numberFace !== 'string' ? numberFace : rng.pick(FLAT_FONTS),
    relief,
    ink,
    expiry: o.expiry,
    expiryLabel: rng.pick(EXPIRY_LABELS),
    secondDate: o.secondDate ? { label: rng.pick(['VALID FROM', 'MEMBER SINCE', 'MEMBER\nSINCE', 'VALID\nFROM'] as const), date: o.secondDate } : null,
    name: o.name,
    bank: rng.pick(BANKS),
    bankFont: rng.pick(BANK_FONTS),
    bankLogo: rng.chance(0.4) ? rng.pick(['globe', 'star', 'swoosh', 'tile'] as const) : null,
    product: rng.chance(0.6) ? rng.pick(PRODUCTS) : null,
    art,
    colors,
    dark,
    hologram: rng.chance(0.3),
    chip: o.side === 'front' && rng.chance(0.93),
    contactless: rng.chance(0.6),
    binEcho: o.side === 'front' && o.orientation === 'landscape' && o.numberLayout === 'row' && rng.chance(0.25),
    layout: rng.pick(['classic', 'classic', 'name-expiry-row', 'low-number'] as const),
    artSeed: rng.int(1, 100000),
  };
}

/** Relative luminance (WCAG) of a #rrggbb colour. */
export function luminance(hex: string): number {
  const n = parseInt(hex.slice(1), 16);
  const lin = (c: number): number => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  const [r, g, b] = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((c) => lin(c / 255)) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio of two colours (1–21). */
export function contrast(a: string, b: string): number {
  const [la, lb] = [luminance(a), luminance(b)];
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

/** Lightens (k > 0) or darkens (k < 0) a #rrggbb colour. */
export function shade(hex: string, k: number): string {
  const n = parseInt(hex.slice(1), 16);
  const ch = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((c) => Math.round(k >= 0 ? c + (255 - c) * k : c * (1 + k)));
  return `#${ch.map((c) => Math.max(0, Math.min(255, c)).toString(16).padStart(2, '0')).join('')}`;
}

/** The card art (background of the face), drawn under everything else. */
function drawArt(b: FaceBuilder, d: CardDesign, rng: Rng): void {
  const { width: w, height: h } = b;
  const [c0, c1, c2] = d.colors;
  const g = b.id('art');
  const angle = rng.float(0, 1);
  b.def(`<linearGradient id="${g}" x1="0" y1="${angle.toFixed(2)}" x2="1" y2="${(1 - angle).toFixed(2)}"><stop offset="0" stop-color="${c0}"/><stop offset="${rng.float(0.35, 0.65).toFixed(2)}" stop-color="${c1}"/><stop offset="1" stop-color="${c2}"/></linearGradient>`);
  b.draw(`<rect width="${w}" height="${h}" fill="${d.art === 'solid' ? (d.dark ? c1 : c0) : `url(#${g})`}"/>`);
  const seed = d.artSeed;
  switch (d.art) {
    case 'texture': {
      const f = b.id('tex');
      const freq = rng.pick(['0.012', '0.02 0.004', '0.05', '0.004 0.03']);
      b.def(`<filter id="${f}" x="0" y="0" width="100%" height="100%"><feTurbulence type="${rng.pick(['fractalNoise', 'turbulence'])}" baseFrequency="${freq}" numOctaves="4" seed="${seed}"/><feColorMatrix type="saturate" values="0"/><feComponentTransfer><feFuncA type="linear" slope="0" intercept="${rng.float(0.25, 0.5).toFixed(2)}"/></feComponentTransfer></filter>`);
      b.draw(`<rect width="${w}" height="${h}" filter="url(#${f})" style="mix-blend-mode:overlay"/>`);
      break;
    }
    case 'metal': {
      const f = b.id('brush');
      b.def(`<filter id="${f}" x="0" y="0" width="100%" height="100%"><feTurbulence type="fractalNoise" baseFrequency="0.0015 0.45" numOctaves="3" seed="${seed}"/><feColorMatrix type="saturate" values="0"/><feComponentTransfer><feFuncA type="linear" slope="0" intercept="0.35"/></feComponentTransfer></filter>`);
      b.draw(`<rect width="${w}" height="${h}" filter="url(#${f})"/>`);
      const s = b.id('sheen');
      b.def(`<linearGradient id="${s}" x1="0" y1="0" x2="1" y2="0.3"><stop offset="0" stop-color="#fff" stop-opacity="0"/><stop offset="0.5" stop-color="#fff" stop-opacity="0.35"/><stop offset="1" stop-color="#fff" stop-opacity="0"/></linearGradient>`);
      b.draw(`<rect width="${w}" height="${h}" fill="url(#${s})"/>`);
      break;
    }
    case 'photo': {
      // A procedural landscape (sky, sun, ridges) or foliage: issuers' "photo" cards.
      if (rng.chance(0.5)) {
        const sky = b.id('sky');
        b.def(`<linearGradient id="${sky}" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${rng.pick(['#3a7bd5', '#ff9966', '#2c3e50', '#ffd194'])}"/><stop offset="1" stop-color="${rng.pick(['#d6eaff', '#ff5e62', '#fd746c', '#70e1f5'])}"/></linearGradient>`);
        b.draw(`<rect width="${w}" height="${h}" fill="url(#${sky})"/>`);
        b.draw(`<circle cx="${rng.int(100, w - 100)}" cy="${rng.int(60, h / 2)}" r="${rng.int(30, 80)}" fill="#fff6d5" fill-opacity="0.8"/>`);
        for (let layer = 0; layer < 3; layer++) {
          let y = h * (0.45 + layer * 0.15);
          let path = `M0 ${h} L0 ${y.toFixed(0)}`;
          for (let x = 0; x <= w; x += 40) {
            y = Math.max(h * 0.3, Math.min(h * 0.95, y + rng.float(-30, 30)));
            path += ` L${x} ${y.toFixed(0)}`;
          }
          path += ` L${w} ${h} Z`;
          b.draw(`<path d="${path}" fill="${shade(rng.pick(['#2d4a3e', '#3b5249', '#4a3b52', '#1f3b4d']), -0.2 * layer)}" fill-opacity="0.9"/>`);
        }
      } else {
        const f = b.id('leaf');
        b.def(`<filter id="${f}" x="0" y="0" width="100%" height="100%"><feTurbulence type="turbulence" baseFrequency="${rng.float(0.01, 0.03).toFixed(3)}" numOctaves="5" seed="${seed}"/><feColorMatrix type="matrix" values="${rng.pick(['0.2 0 0 0 0.05  0.6 0 0 0 0.15  0.1 0 0 0 0.05  0 0 0 0 1', '0.7 0 0 0 0.2  0.4 0 0 0 0.1  0.2 0 0 0 0.05  0 0 0 0 1', '0.1 0 0 0 0.05  0.3 0 0 0 0.15  0.8 0 0 0 0.3  0 0 0 0 1'])}"/></filter>`);
        b.draw(`<rect width="${w}" height="${h}" filter="url(#${f})"/>`);
      }
      break;
    }
    case 'pattern': {
      const tint = d.dark ? '#ffffff' : '#000000';
      const kind = rng.pick(['dots', 'waves', 'circles', 'lines'] as const);
      let s = '';
      if (kind === 'dots') {
        // A world-map-like dot field: dots in blobs.
        const blobs = Array.from({ length: 5 }, () => ({ x: rng.float(0, w), y: rng.float(0, h), r: rng.float(60, 200) }));
        for (let y = 10; y < h; y += 14) for (let x = 10; x < w; x += 14) if (blobs.some((bl) => Math.hypot(x - bl.x, y - bl.y) < bl.r)) s += `<circle cx="${x}" cy="${y}" r="3.5"/>`;
        b.draw(`<g fill="${tint}" fill-opacity="0.12">${s}</g>`);
      } else if (kind === 'waves') {
        for (let i = 0; i < 9; i++) {
          const y0 = rng.int(0, h);
          s += `<path d="M0 ${y0} C ${w * 0.3} ${y0 - rng.int(60, 180)}, ${w * 0.7} ${y0 + rng.int(60, 180)}, ${w} ${y0 - 40}" stroke-width="${rng.int(2, 30)}"/>`;
        }
        b.draw(`<g stroke="${tint}" stroke-opacity="0.09" fill="none">${s}</g>`);
      } else if (kind === 'circles') {
        for (let i = 0; i < 4; i++) s += `<circle cx="${rng.int(0, w)}" cy="${rng.int(0, h)}" r="${rng.int(120, 400)}"/>`;
        b.draw(`<g fill="${tint}" fill-opacity="0.06">${s}</g>`);
      } else {
        for (let x = -h; x < w; x += rng.int(12, 30)) s += `<path d="M${x} ${h} L${x + h} 0"/>`;
        b.draw(`<g stroke="${tint}" stroke-opacity="0.06" stroke-width="3">${s}</g>`);
      }
      break;
    }
    default:
      break;
  }
  if (rng.chance(0.4)) {
    // A broad translucent band or swoosh, as on many issuer designs.
    const tint = d.dark ? '#ffffff' : '#000000';
    b.draw(`<path d="M${rng.int(w * 0.3, w * 0.6)} 0 L${rng.int(w * 0.65, w)} 0 L${rng.int(w * 0.4, w * 0.8)} ${h} L${rng.int(w * 0.1, w * 0.4)} ${h} Z" fill="${tint}" fill-opacity="${rng.float(0.04, 0.1).toFixed(2)}"/>`);
  }
}

function drawHologram(b: FaceBuilder, x: number, y: number, w: number, h: number, seed: number): void {
  const g = b.id('holo');
  const f = b.id('holof');
  b.def(`<linearGradient id="${g}" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#c0f0ff"/><stop offset="0.25" stop-color="#f5c6ff"/><stop offset="0.5" stop-color="#fff7b0"/><stop offset="0.75" stop-color="#b8ffd0"/><stop offset="1" stop-color="#c9d2ff"/></linearGradient>`);
  b.def(`<filter id="${f}" x="0" y="0" width="100%" height="100%"><feTurbulence type="turbulence" baseFrequency="0.08" numOctaves="2" seed="${seed}" result="t"/><feDisplacementMap in="SourceGraphic" in2="t" scale="14"/></filter>`);
  b.draw(`<g filter="url(#${f})"><rect x="${x}" y="${y}" width="${w}" height="${h}" rx="6" fill="url(#${g})"/><circle cx="${x + w / 2}" cy="${y + h / 2}" r="${h / 3}" fill="none" stroke="#8aa" stroke-opacity="0.5" stroke-width="3"/></g>`);
}

function drawChip(b: FaceBuilder, x: number, y: number, w: number, h: number, silver: boolean): void {
  const g = b.id('chip');
  b.def(`<linearGradient id="${g}" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${silver ? '#eeeeee' : '#efd58a'}"/><stop offset="1" stop-color="${silver ? '#9c9c9c' : '#b38a2e'}"/></linearGradient>`);
  const line = silver ? '#7c7c7c' : '#8a6d25';
  b.draw(`<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="${h * 0.16}" fill="url(#${g})" stroke="${line}" stroke-width="1.5"/>` +
    `<path d="M${x} ${y + h / 3} H${x + w * 0.36} M${x} ${y + (2 * h) / 3} H${x + w * 0.36} M${x + w * 0.64} ${y + h / 3} H${x + w} M${x + w * 0.64} ${y + (2 * h) / 3} H${x + w} M${x + w * 0.36} ${y} V${y + h} M${x + w * 0.64} ${y + h * 0.2} V${y + h * 0.8}" stroke="${line}" stroke-width="1.5" fill="none"/>`);
}

function drawContactless(b: FaceBuilder, x: number, y: number, s: number, ink: string): void {
  let p = '';
  for (let i = 1; i <= 4; i++) p += `<path d="M${x + i * s * 0.22} ${y - i * s * 0.2} A${i * s * 0.28} ${i * s * 0.28} 0 0 1 ${x + i * s * 0.22} ${y + i * s * 0.2}"/>`;
  b.draw(`<g stroke="${ink}" stroke-width="${s * 0.07}" fill="none" stroke-linecap="round" opacity="0.85">${p}</g>`);
}

/** A made-up issuer logo in front of the bank name: globe, star, swoosh or monogram tile. */
function drawBankLogo(b: FaceBuilder, kind: NonNullable<CardDesign['bankLogo']>, x: number, y: number, s: number, ink: string): void {
  const c = { x: x + s / 2, y: y + s / 2 };
  const r = s / 2;
  switch (kind) {
    case 'globe':
      b.draw(`<g fill="none" stroke="${ink}" stroke-width="${(s * 0.06).toFixed(1)}"><circle cx="${c.x}" cy="${c.y}" r="${r}"/><ellipse cx="${c.x}" cy="${c.y}" rx="${r * 0.45}" ry="${r}"/><path d="M${c.x - r} ${c.y} H${c.x + r} M${c.x - r * 0.85} ${c.y - r * 0.5} H${c.x + r * 0.85} M${c.x - r * 0.85} ${c.y + r * 0.5} H${c.x + r * 0.85}"/></g>`);
      return;
    case 'star': {
      let d = '';
      for (let i = 0; i < 10; i++) {
        const a = -Math.PI / 2 + (i * Math.PI) / 5;
        const rr = i % 2 ? r * 0.42 : r;
        d += `${i ? 'L' : 'M'}${(c.x + rr * Math.cos(a)).toFixed(1)} ${(c.y + rr * Math.sin(a)).toFixed(1)} `;
      }
      b.draw(`<path d="${d}Z" fill="${ink}"/>`);
      return;
    }
    case 'swoosh':
      b.draw(`<path d="M${x} ${c.y + r * 0.3} Q${c.x} ${y - r * 0.4} ${x + s} ${c.y - r * 0.2} Q${c.x} ${y + r * 0.5} ${x} ${c.y + r * 0.3} Z" fill="${ink}"/><path d="M${x} ${c.y + r * 0.9} Q${c.x} ${c.y} ${x + s} ${c.y + r * 0.5} Q${c.x} ${c.y + r * 0.55} ${x} ${c.y + r * 0.9} Z" fill="${ink}" fill-opacity="0.7"/>`);
      return;
    case 'tile':
      b.draw(`<rect x="${x}" y="${y}" width="${s}" height="${s}" rx="${s * 0.2}" fill="${ink}"/><path d="M${x + s * 0.25} ${y + s * 0.75} L${c.x} ${y + s * 0.22} L${x + s * 0.75} ${y + s * 0.75}" fill="none" stroke="${ink === '#ffffff' ? '#1b1b1b' : '#ffffff'}" stroke-width="${(s * 0.1).toFixed(1)}"/>`);
      return;
  }
}

/** Brand mark drawn from shapes and text (no real logos); `x, y` is its bottom-right corner. */
async function drawBrand(b: FaceBuilder, brand: FixtureBrand | null, x: number, y: number, k: number, dark: boolean): Promise<void> {
  const ink = dark ? '#ffffff' : '#1a1f71';
  const bold = { family: 'DejaVu Sans', weight: 700 } as const;
  switch (brand) {
    case 'visa':
      await b.text({ text: 'VISA', role: 'other', x, y, size: 78 * k, font: { family: 'DejaVu Sans', weight: 700, italic: true }, fill: ink, align: 'end' });
      return;
    case 'mastercard':
    case 'maestro':
      b.draw(`<circle cx="${x - 145 * k}" cy="${y - 50 * k}" r="${50 * k}" fill="#eb001b"/><circle cx="${x - 80 * k}" cy="${y - 50 * k}" r="${50 * k}" fill="${brand === 'maestro' ? '#00a2e5' : '#f79e1b'}" fill-opacity="0.88"/>`);
      return;
    case 'amex':
      b.draw(`<rect x="${x - 170 * k}" y="${y - 110 * k}" width="${170 * k}" height="${110 * k}" fill="#2e77bb"/>`);
      await b.text({ text: 'AMERICAN', role: 'other', x: x - 85 * k, y: y - 62 * k, size: 26 * k, font: bold, fill: '#ffffff', align: 'middle' });
      await b.text({ text: 'EXPRESS', role: 'other', x: x - 85 * k, y: y - 28 * k, size: 26 * k, font: bold, fill: '#ffffff', align: 'middle' });
      return;
    case 'discover':
      b.draw(`<circle cx="${x - 95 * k}" cy="${y - 26 * k}" r="${17 * k}" fill="#f58220"/>`);
      await b.text({ text: 'DISCOVER', role: 'other', x, y: y - 12 * k, size: 36 * k, font: bold, fill: ink, align: 'end' });
      return;
    case 'unionpay':
      b.draw(`<path d="M${x - 180 * k} ${y} l${20 * k} ${-110 * k} h${50 * k} l${-20 * k} ${110 * k} z" fill="#e21836"/><path d="M${x - 125 * k} ${y} l${20 * k} ${-110 * k} h${50 * k} l${-20 * k} ${110 * k} z" fill="#00447c"/><path d="M${x - 70 * k} ${y} l${20 * k} ${-110 * k} h${50 * k} l${-20 * k} ${110 * k} z" fill="#007b84"/>`);
      await b.text({ text: 'UnionPay', role: 'other', x: x - 95 * k, y: y - 45 * k, size: 26 * k, font: bold, fill: '#ffffff', align: 'middle' });
      return;
    case 'jcb':
      for (const [i, c] of ['#0e4c96', '#e21836', '#0b8f3b'].entries()) b.draw(`<rect x="${x - (165 - i * 55) * k}" y="${y - 95 * k}" width="${50 * k}" height="${90 * k}" rx="${12 * k}" fill="${c}"/>`);
      await b.text({ text: 'JCB', role: 'other', x: x - 82 * k, y: y - 33 * k, size: 40 * k, font: bold, fill: '#ffffff', align: 'middle', spacing: 22 * k });
      return;
    case 'diners':
      b.draw(`<circle cx="${x - 80 * k}" cy="${y - 75 * k}" r="${40 * k}" fill="none" stroke="${ink}" stroke-width="${8 * k}"/>`);
      await b.text({ text: 'Diners Club', role: 'other', x: x - 80 * k, y: y - 5 * k, size: 24 * k, font: { family: 'DejaVu Sans' }, fill: ink, align: 'middle' });
      return;
    case 'mir':
      await b.text({ text: 'MIR', role: 'other', x, y, size: 66 * k, font: bold, fill: dark ? '#ffffff' : '#0f754e', align: 'end' });
      return;
    case null:
      return;
  }
}

/** Axis-aligned union (in the frame rotated by `rot` degrees) of quads, as one reading-order quad. */
export function unionQuad(quads: Quad[], rot: number): Quad {
  const c = Math.cos((rot * Math.PI) / 180);
  const s = Math.sin((rot * Math.PI) / 180);
  // Into the text's own frame (undo the rotation), box, and back.
  const pts = quads.flat().map((p) => ({ x: p.x * c + p.y * s, y: -p.x * s + p.y * c }));
  const x0 = Math.min(...pts.map((p) => p.x)), x1 = Math.max(...pts.map((p) => p.x));
  const y0 = Math.min(...pts.map((p) => p.y)), y1 = Math.max(...pts.map((p) => p.y));
  const back = (x: number, y: number): Point => ({ x: x * c - y * s, y: x * s + y * c });
  return [back(x0, y0), back(x1, y0), back(x1, y1), back(x0, y1)];
}

/** Draws the label of a date: one line, two stacked lines, or above the date. Returns the x where the date starts. */
async function drawDateLabel(b: FaceBuilder, label: string, x: number, y: number, dateSize: number, ink: string, labelFont: FontSpec, above: boolean): Promise<number> {
  const small = Math.max(11, dateSize * 0.36);
  if (above) {
    await b.text({ text: label, role: 'label', x, y: y - dateSize * 1.18, size: small, font: labelFont, fill: ink });
    return x;
  }
  const parts = label.split('\n');
  if (parts.length === 2) {
    const q1 = await b.text({ text: parts[0]!, role: 'label', x, y: y - small * 1.05, size: small, font: labelFont, fill: ink });
    const q2 = await b.text({ text: parts[1]!, role: 'label', x, y: y - 1, size: small, font: labelFont, fill: ink });
    return Math.max(q1[1].x, q2[1].x) + small * 0.6;
  }
  const q = await b.text({ text: label, role: 'label', x, y: y - dateSize * 0.3, size: small, font: labelFont, fill: ink });
  return q[1].x + small * 0.6;
}

/** Draws a full number in its layout and records its line(s). */
async function drawNumber(b: FaceBuilder, d: CardDesign, x: number, y: number, size: number, maxWidth: number): Promise<Quad[]> {
  if (!d.pan) return [];
  const groups = cutGroups(d.pan, d.groups);
  const font = d.numberFace;
  const common = { role: 'number' as const, font, fill: d.ink, relief: d.relief };
  if (d.numberLayout === 'stacked') {
    const quads: Quad[] = [];
    const right = x;
    for (const [i, g] of groups.entries()) quads.push(await b.text({ ...common, text: g, x: right, y: y + i * size * 1.55, size, align: 'end' }));
    return quads;
  }
  // Fit the row to the width: measure once at `size`, then scale.
  const gapEm = d.groups.length === 1 ? 0 : 0.55;
  let s = size;
  const widthAt = async (sz: number): Promise<number[]> => {
    const ws: number[] = [];
    for (const g of groups) {
      const q = await b.text({ ...common, text: g, x: 0, y: 0, size: sz, relief: null, dry: true });
      ws.push(q[1].x - q[0].x);
    }
    return ws;
  };
  let ws = await widthAt(s);
  const total = (arr: number[], sz: number): number => arr.reduce((a, v) => a + v, 0) + gapEm * sz * (arr.length - 1);
  if (total(ws, s) > maxWidth) {
    s = (s * maxWidth) / total(ws, s);
    ws = await widthAt(s);
  }
  const rot = d.numberLayout === 'vertical' ? 90 : 0;
  const quads: Quad[] = [];
  let at = 0;
  for (const [i, g] of groups.entries()) {
    const gx = rot ? x : x + at;
    const gy = rot ? y + at : y;
    quads.push(await b.text({ ...common, text: g, x: gx, y: gy, size: s, rotate: rot, record: false }));
    at += ws[i]! + gapEm * s;
  }
  const quad = unionQuad(quads, rot);
  b.lines.push({ text: groups.join(' '), role: 'number', quad, font: quads.length ? fontName(font) : '', emboss: d.emboss });
  return [quad];
}

const fontName = (f: FontSpec | StrokeFace): string =>
  typeof f === 'string' ? (f === 'farrington' ? 'Farrington-like strokes' : 'OCR-B-like strokes') : `${f.family}${f.weight && f.weight !== 400 ? ` ${f.weight}` : ''}`;

/** Expiry (and optional second date) block starting at x, baseline y. */
async function drawDates(b: FaceBuilder, d: CardDesign, x: number, y: number, size: number, labelFont: FontSpec, labelInk: string): Promise<void> {
  let at = x;
  const dateOpts = { font: d.dateFace, fill: d.ink, relief: d.relief, size };
  if (d.secondDate) {
    const lx = await drawDateLabel(b, d.secondDate.label, at, y, size, labelInk, labelFont, false);
    const q = await b.text({ ...dateOpts, text: d.secondDate.date, role: 'other', x: lx, y });
    at = q[1].x + size * 1.2;
  }
  if (!d.expiry) return;
  const label = d.expiryLabel;
  let dx = at;
  if (label === 'MONTH/YEAR') dx = await drawDateLabel(b, label, at, y, size, labelInk, labelFont, true);
  else if (label) dx = await drawDateLabel(b, label, at, y, size, labelInk, labelFont, false);
  await b.text({ ...dateOpts, text: d.expiry, role: 'expiry', x: dx, y });
}

/** Plastic sheen over the whole face and a thin bevel at its edge, drawn last. */
function finishSurface(b: FaceBuilder, rng: Rng): void {
  const id = b.id('sheen');
  const a = rng.float(0, 1).toFixed(2);
  b.def(`<linearGradient id="${id}" x1="0" y1="${a}" x2="1" y2="${(1 - Number(a)).toFixed(2)}"><stop offset="0" stop-color="#fff" stop-opacity="0"/><stop offset="${rng.float(0.3, 0.7).toFixed(2)}" stop-color="#fff" stop-opacity="${rng.float(0.04, 0.14).toFixed(2)}"/><stop offset="1" stop-color="#fff" stop-opacity="0"/></linearGradient>`);
  b.draw(`<rect width="${b.width}" height="${b.height}" fill="url(#${id})"/>`);
  b.draw(`<rect x="1.5" y="1.5" width="${b.width - 3}" height="${b.height - 3}" rx="${b.radius - 1.5}" fill="none" stroke="#ffffff" stroke-opacity="0.28" stroke-width="3"/>`);
  b.draw(`<rect x="0.75" y="0.75" width="${b.width - 1.5}" height="${b.height - 1.5}" rx="${b.radius}" fill="none" stroke="#000000" stroke-opacity="0.35" stroke-width="1.5"/>`);
}

/** Draws the card face. */
export async function drawCard(d: CardDesign, rng: Rng): Promise<Face> {
  const portrait = d.orientation === 'portrait';
  const w = portrait ? CARD_SHORT : CARD_LONG;
  const h = portrait ? CARD_LONG : CARD_SHORT;
  const b = new FaceBuilder(w, h, 36);
  drawArt(b, d, rng);
  const lightInk = luminance(d.ink) > 0.4;
  const labelInk = lightInk ? '#d9d9d9' : '#3c3c3c';
  const labelFont: FontSpec = rng.pick([{ family: 'DejaVu Sans' }, { family: 'Roboto' }, { family: 'Liberation Sans Narrow' }, { family: 'Roboto Condensed', weight: 700 }]);
  const bankInk = lightInk ? '#ffffff' : rng.pick(['#1b1b1b', '#13315c', '#7a1010']);
  const nameSize = rng.float(30, 40);
  const numSize = d.emboss ? rng.float(44, 54) : typeof d.numberFace === 'string' ? rng.float(38, 50) : rng.float(46, 64);
  const dateSize = d.emboss ? numSize * rng.float(0.62, 0.72) : rng.float(26, 36);
  const nameOpts = { role: 'name' as const, font: d.nameFace, fill: d.ink, relief: d.relief ? { ...d.relief, depth: d.relief.depth * 0.8 } : null, spacing: rng.chance(0.5) ? rng.float(1, 4) : 0 };
  if (d.side === 'back') {
    // Back: magnetic stripe, signature panel, number (flat print on modern backs), small print.
    const stripeY = portrait ? 0 : h * 0.09;
    if (portrait) b.draw(`<rect x="${w * 0.08}" y="0" width="${w * 0.17}" height="${h}" fill="#141414"/>`);
    else b.draw(`<rect x="0" y="${stripeY}" width="${w}" height="${h * 0.19}" fill="#141414"/>`);
    const sx = portrait ? w * 0.32 : w * 0.06;
    const sy = portrait ? h * 0.06 : h * 0.36;
    const hatch = b.id('hatch');
    b.def(`<pattern id="${hatch}" width="10" height="10" patternUnits="userSpaceOnUse" patternTransform="rotate(35)"><rect width="10" height="10" fill="#f3f1ea"/><rect width="5" height="10" fill="#e3dfd2"/></pattern>`);
    b.draw(`<rect x="${sx}" y="${sy}" width="${portrait ? w * 0.55 : w * 0.62}" height="${h * (portrait ? 0.07 : 0.13)}" fill="url(#${hatch})"/>`);
    await b.text({ text: 'AUTHORIZED SIGNATURE', role: 'label', x: sx, y: sy - 8, size: 14, font: { family: 'DejaVu Sans' }, fill: labelInk });
    const ny = portrait ? h * 0.3 : h * 0.64;
    const nx = portrait ? w * 0.32 : w * 0.06;
    if (d.name) await b.text({ ...nameOpts, relief: null, text: d.name, x: nx, y: ny - numSize * 1.2, size: nameSize * 0.85, spacing: 0 });
    if (portrait) {
      // Portrait backs stack the number in groups along the long side.
      await drawNumber(b, { ...d, numberLayout: 'stacked', relief: null }, w * 0.9, ny + numSize, numSize * 0.8, w * 0.6);
    } else await drawNumber(b, { ...d, relief: null }, nx, ny, numSize * 0.75, w * 0.7);
    await drawDates(b, { ...d, relief: null }, portrait ? w * 0.32 : w * 0.06, portrait ? h * 0.72 : h * 0.78, dateSize * 0.85, labelFont, labelInk);
    const small = { role: 'other' as const, size: 15, font: { family: rng.pick(['DejaVu Sans', 'Liberation Sans', 'Roboto']) }, fill: labelInk };
    const phone = `${rng.pick(['1-800', '0800', '+44 20', '+49 69'])} ${rng.int(100, 999)} ${rng.int(1000, 9999)}`;
    const textY = portrait ? h * 0.84 : h * 0.9;
    await b.text({ ...small, text: `Customer service ${phone}`, x: portrait ? w * 0.32 : w * 0.06, y: textY });
    await b.text({ ...small, text: `This card is property of ${d.bank}.`, x: portrait ? w * 0.32 : w * 0.06, y: textY + 22 });
    if (d.hologram) drawHologram(b, portrait ? w * 0.5 : w * 0.74, portrait ? h * 0.55 : h * 0.36, 110, 70, d.artSeed);
    await drawBrand(b, d.brand, w - 40, h - 34, 0.75, d.dark);
    finishSurface(b, rng);
    return b.build();
  }
  // Front.
  const bankSize = rng.float(34, 52);
  let bankX = portrait ? 50 : 62;
  if (d.bankLogo) {
    drawBankLogo(b, d.bankLogo, bankX, (portrait ? 100 : 50 + bankSize) - bankSize * 0.85, bankSize * 1.1, bankInk);
    bankX += bankSize * 1.35;
  }
  await b.text({ text: d.bank, role: 'other', x: bankX, y: portrait ? 100 : 50 + bankSize, size: bankSize, font: d.bankFont, fill: bankInk });
  if (d.product) await b.text({ text: d.product, role: 'other', x: w - 60, y: portrait ? 160 : 70 + bankSize, size: bankSize * 0.6, font: d.bankFont, fill: bankInk, align: 'end' });
  if (portrait) {
    if (d.chip) drawChip(b, w - 200, 240, 118, 90, rng.chance(0.3));
    if (d.contactless) drawContactless(b, w - 260, 285, 60, d.ink);
    if (d.hologram) drawHologram(b, 60, 230, 120, 80, d.artSeed);
    if (d.numberLayout === 'stacked' || d.groups.length <= 1) {
      // Stacked groups, right-aligned (the layout of many portrait "quick read" cards).
      const design = d.groups.length <= 1 ? { ...d, numberLayout: 'row' as const } : d;
      await drawNumber(b, design, design.numberLayout === 'row' ? 50 : w - 60, 480, numSize * 0.9, w - 100);
    } else {
      await drawNumber(b, { ...d, numberLayout: 'row' }, 50, 520, numSize, w - 100);
    }
    await drawDates(b, d, 50, h - 250, dateSize, labelFont, labelInk);
    if (d.name) await b.text({ ...nameOpts, text: d.name, x: 50, y: h - 170, size: Math.min(nameSize, 34) });
    await drawBrand(b, d.brand, w - 50, h - 50, 0.8, d.dark);
    finishSurface(b, rng);
    return b.build();
  }
  const chipY = rng.float(0.3, 0.38) * h;
  if (d.chip) drawChip(b, 95, chipY, 118, 90, rng.chance(0.25));
  if (d.contactless) drawContactless(b, 250, chipY + 45, 60, d.ink);
  if (d.hologram) drawHologram(b, w - 220, chipY + 20, 130, 80, d.artSeed);
  if (d.numberLayout === 'vertical' || d.numberLayout === 'stacked') {
    // Number along the right edge: stacked groups or one line rotated 90°.
    if (d.numberLayout === 'stacked') await drawNumber(b, d, w - 70, 120, numSize * 0.85, h - 160);
    else await drawNumber(b, d, w - 90, 80, numSize * 0.9, h - 150);
    await drawDates(b, d, 70, h - 150, dateSize, labelFont, labelInk);
    if (d.name) await b.text({ ...nameOpts, text: d.name, x: 70, y: h - 65, size: nameSize });
    await drawBrand(b, d.brand, w - 200, h - 40, 0.7, d.dark);
    finishSurface(b, rng);
    return b.build();
  }
  const numY = d.layout === 'low-number' ? h * 0.7 : h * rng.float(0.58, 0.64);
  const quads = await drawNumber(b, d, rng.float(60, 90), numY, numSize, w - 150);
  const numQ = quads[0];
  if (d.binEcho && d.pan && numQ) {
    await b.text({ text: d.pan.slice(0, 4), role: 'other', x: numQ[0].x, y: numQ[3].y + 26, size: 18, font: { family: 'DejaVu Sans' }, fill: d.ink });
  }
  const numBottom = numQ ? Math.max(numQ[2].y, numQ[3].y) : numY;
  if (d.layout === 'name-expiry-row') {
    if (d.name) await b.text({ ...nameOpts, text: d.name, x: 70, y: h - 60, size: nameSize });
    await drawDates(b, { ...d, secondDate: null }, w * 0.62, h - 60 - (d.brand ? 90 : 0), dateSize, labelFont, labelInk);
  } else {
    const dy = Math.min(h - 110, numBottom + dateSize + 30);
    await drawDates(b, d, d.secondDate ? w * 0.12 : w * rng.float(0.3, 0.45), dy, dateSize, labelFont, labelInk);
    if (d.name) await b.text({ ...nameOpts, text: d.name, x: 70, y: h - 50, size: nameSize });
  }
  await drawBrand(b, d.brand, w - 45, h - 38, rng.float(0.7, 0.95), d.dark);
  finishSurface(b, rng);
    return b.build();
}
