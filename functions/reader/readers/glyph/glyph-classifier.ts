/**
 * Nearest-template glyph classifier. Card numbers are printed in a handful of typefaces
 * (OCR-A and embossed-style faces, monospace, Roboto), which the stock Tesseract model reads
 * badly; segmented glyphs compared with templates rendered from those typefaces read them
 * well, and fast. A line is decoded in one typeface (the one that explains all its glyphs
 * best), and each glyph's confidence is the margin between its best and second-best
 * character, so a doubtful glyph can make its field missing instead of wrong.
 */
import { FEATURE_H, FEATURE_W } from './glyphs.js';
import {
  TEMPLATE_ASPECT,
  TEMPLATE_CHAR,
  TEMPLATE_FEATURES_B64,
  TEMPLATE_FONT,
  TEMPLATE_FONTS,
} from './glyph-templates.js';

const N = FEATURE_W * FEATURE_H;
/** Weight of the aspect-ratio difference against the mean squared ink difference. */
const ASPECT_WEIGHT = 0.15;
/**
 * Distances are capped here: the best fits of accepted rows stay below ~0.11 and confidence
 * margins saturate at 0.04, so anything farther only needs to be known as far.
 */
const FAR_DISTANCE = 0.2;
/** A line that fits the preferred face this well is not compared with the other faces. */
const PREFERRED_FONT_FIT = 0.06;

/** A glyph to classify: its feature vector and the aspect (w/h) of its ink box. */
export interface GlyphInput {
  readonly feature: Float32Array;
  readonly aspect: number;
}

/** One classified glyph. */
export interface GlyphRead {
  readonly char: string;
  /** Distance to the best template (0 = identical). */
  readonly distance: number;
  /** Second-best character in the chosen typeface and its distance. */
  readonly runnerUp: string;
  readonly runnerUpDistance: number;
  /** In [0, 1], from the margin and the absolute fit. */
  readonly confidence: number;
}

export interface LineRead {
  readonly glyphs: readonly GlyphRead[];
  /** Typeface the line was decoded in. */
  readonly font: string;
  readonly fontIndex: number;
  /** Mean best distance over the glyphs. */
  readonly meanDistance: number;
}

let cache: { features: Float32Array } | null = null;
function templates(): { features: Float32Array } {
  if (!cache) {
    const bytes = Buffer.from(TEMPLATE_FEATURES_B64, 'base64');
    const features = new Float32Array(bytes.length);
    for (let i = 0; i < bytes.length; i++) features[i] = bytes[i]! / 255;
    cache = { features };
  }
  return cache;
}

/** Per charset (a handful per process), the templates whose character it holds, in template order. */
const templatesOf = new Map<string, Int32Array>();
function templatesFor(charset: string): Int32Array {
  let list = templatesOf.get(charset);
  if (!list) {
    const ts: number[] = [];
    for (let t = 0; t < TEMPLATE_CHAR.length; t++) if (charset.includes(TEMPLATE_CHAR[t]!)) ts.push(t);
    list = Int32Array.from(ts);
    if (templatesOf.size < 64) templatesOf.set(charset, list);
  }
  return list;
}

/**
 * Distance of a glyph to every template whose character is in `charset`, best per (font, char).
 * `fromRow` compares only feature rows from there down (for glyphs whose top is covered by
 * other print, e.g. a label over an expiry date); the aspect term is then left out.
 */
function distances(g: GlyphInput, charset: string, fromRow = 0, onlyFont = -1): Map<string, number>[] {
  const { features } = templates();
  const perFont: Map<string, number>[] = TEMPLATE_FONTS.map(() => new Map());
  const start = fromRow * FEATURE_W;
  const count = N - start;
  const feature = g.feature;
  const list = templatesFor(charset);
  for (let n = 0; n < list.length; n++) {
    const t = list[n]!;
    if (onlyFont >= 0 && TEMPLATE_FONT[t] !== onlyFont) continue;
    const ch = TEMPLATE_CHAR[t]!;
    const base = t * N;
    const da = fromRow > 0 ? 0 : g.aspect - TEMPLATE_ASPECT[t]!;
    const aspectCost = ASPECT_WEIGHT * da * da;
    // Stop early on templates that are plainly far: past FAR_DISTANCE only "far" matters.
    const stopAt = (FAR_DISTANCE - aspectCost) * count;
    let sum = 0;
    for (let i = start; i < N; i += FEATURE_W) {
      for (let k = i, e = i + FEATURE_W; k < e; k++) {
        const d = feature[k]! - features[base + k]!;
        sum += d * d;
      }
      if (sum > stopAt) break;
    }
    const dist = Math.min(FAR_DISTANCE, sum / count + aspectCost);
    const m = perFont[TEMPLATE_FONT[t]!]!;
    const prev = m.get(ch);
    if (prev === undefined || dist < prev) m.set(ch, dist);
  }
  return perFont;
}

/** Confidence from the best distance and the margin to the runner-up. */
function confidenceOf(best: number, second: number): number {
  const margin = second - best;
  // Margins above ~0.04 (mean squared ink difference) are clear-cut; good fits are below ~0.05
  // (blurred print fits less well, so the fit term only fades out by ~0.17).
  const m = Math.min(1, margin / 0.04);
  const fit = Math.max(0, 1 - Math.max(0, best - 0.05) / 0.12);
  return Math.max(0, Math.min(1, m * fit));
}

/**
 * Classifies the glyphs of one line in a single typeface.
 * @param charset characters allowed (e.g. digits for the card number).
 * @param preferFont typeface index to try alone first (the one the number was read in).
 */
export function classifyLine(glyphs: readonly GlyphInput[], charset: string, preferFont?: number): LineRead {
  if (preferFont !== undefined && glyphs.length > 0) {
    // Cards print their fields in one face: try the number's face alone first, and compare
    // with every face only when it does not fit well.
    const only = decodeIn(glyphs.map((g) => distances(g, charset, 0, preferFont)));
    if (only.meanDistance <= PREFERRED_FONT_FIT) return only;
  }
  return decodeIn(glyphs.map((g) => distances(g, charset)));
}

/** Picks the face that explains all glyphs best (faces without distances are skipped). */
function decodeIn(all: Map<string, number>[][]): LineRead {
  let bestFont = 0;
  let bestTotal = Infinity;
  for (let f = 0; f < TEMPLATE_FONTS.length; f++) {
    let total = 0;
    for (const d of all) total += d[f]!.size > 0 ? Math.min(...d[f]!.values()) : Infinity;
    if (total < bestTotal) {
      bestTotal = total;
      bestFont = f;
    }
  }
  const reads = all.map((d) => {
    const ranked = [...d[bestFont]!.entries()].sort((a, b) => a[1] - b[1]);
    const [c1, d1] = ranked[0] ?? ['?', Infinity];
    const [c2, d2] = ranked[1] ?? ['?', Infinity];
    return { char: c1, distance: d1, runnerUp: c2, runnerUpDistance: d2, confidence: confidenceOf(d1, d2) };
  });
  return {
    glyphs: reads,
    font: TEMPLATE_FONTS[bestFont]!,
    fontIndex: bestFont,
    meanDistance: reads.length > 0 ? bestTotal / reads.length : Infinity,
  };
}

/**
 * Distances of the best placement of each character's templates (one typeface) inside a
 * wider feature canvas `wide` of `wideW` columns (same vertical scale), comparing rows from
 * `fromRow` down: for glyphs whose exact extent is unknown because other print touches them.
 */
export function slidingCharDistances(wide: Float32Array, wideW: number, charset: string, font: number, fromRow = 0): Map<string, number> {
  const { features } = templates();
  const out = new Map<string, number>();
  const count = (FEATURE_H - fromRow) * FEATURE_W;
  for (let t = 0; t < TEMPLATE_CHAR.length; t++) {
    const ch = TEMPLATE_CHAR[t]!;
    if (!charset.includes(ch) || TEMPLATE_FONT[t] !== font) continue;
    const base = t * N;
    for (let off = 0; off + FEATURE_W <= wideW; off++) {
      let sum = 0;
      for (let y = fromRow; y < FEATURE_H; y++) {
        const wr = y * wideW + off;
        const tr = base + y * FEATURE_W;
        for (let x = 0; x < FEATURE_W; x++) {
          const d = wide[wr + x]! - features[tr + x]!;
          sum += d * d;
        }
      }
      const dist = sum / count;
      const prev = out.get(ch);
      if (prev === undefined || dist < prev) out.set(ch, dist);
    }
  }
  return out;
}
