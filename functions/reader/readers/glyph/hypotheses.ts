/**
 * The glyph reader on one card view with its hypotheses: when the first reading fails its
 * checks, the card's polarity may have been misjudged, the card may be upside down, or the ink
 * threshold too high; each is tried, cheapest and likeliest first, and the field checks pick
 * the winner. Synchronous work, a few tens of ms per hypothesis.
 */
import { extractFields, type ExtractedFields, type TextLine } from '../../extract/index.js';
import type { Gray } from './glyphs.js';
import { readCardGlyphs, type CardReading } from './read-card.js';

/** The glyph reader's best reading of a card view. */
export interface GlyphResult {
  readonly fields: ExtractedFields;
  readonly lines: TextLine[];
  readonly reading: CardReading;
  /** The hypothesis image the reading came from (the card, inverted and/or turned 180°). */
  readonly img: Gray;
  /** True when `img` is the card turned by 180° (its coordinates run the other way). */
  readonly rotated180: boolean;
  readonly ms: number;
}

/** Turns a grayscale image by 180°. */
export function rotateGray180(img: Gray): Gray {
  const out = new Uint8Array(img.data.length);
  const n = img.data.length;
  for (let i = 0; i < n; i++) out[i] = img.data[n - 1 - i]!;
  return { width: img.width, height: img.height, data: out };
}

/** The negative of a grayscale image. */
function invert(img: Gray): Gray {
  const out = new Uint8Array(img.data.length);
  for (let i = 0; i < out.length; i++) out[i] = 255 - img.data[i]!;
  return { width: img.width, height: img.height, data: out };
}

function withoutKey<T extends object, K extends keyof T>(o: T, k: K): T {
  const copy = { ...o };
  delete copy[k];
  return copy;
}

/** How much a set of fields is worth: a verified PAN dominates. */
function score(f: ExtractedFields): number {
  return (f.pan ? 10 : 0) + (f.panUnverified ? 2 : 0) + (f.expiry ? 2 : 0) + (f.name ? 1 : 0) + (f.pan ? (f.confidence.pan ?? 0) : 0);
}

/**
 * Reads an upright grey card with the glyph reader, trying the other hypotheses when the number
 * does not read. `firstOnly` skips them (the card as preprocessed, plus the date retry when the
 * number read): a caller with other readers runs those first and comes back for the rest only
 * when they did not settle the number (on real photos the four other hypotheses cost
 * 100–500 ms and rarely read what the learned reader missed).
 */
export function readGlyphHypotheses(card: Gray, now: Date, options: { firstOnly?: boolean } = {}): GlyphResult {
  const t0 = performance.now();
  const attempt = (img: Gray, offset?: number, rotated180 = false) => {
    const reading = readCardGlyphs(img, offset === undefined ? {} : { offset });
    return { fields: extractFields(reading.lines, { now }), lines: reading.lines, reading, img, rotated180 };
  };
  let best = attempt(card);
  if (!best.fields.pan && options.firstOnly !== true) {
    const inverted = invert(card);
    const hypotheses: Array<[Gray, number | undefined, boolean]> = [
      [inverted, undefined, false],
      [rotateGray180(card), undefined, true],
      [rotateGray180(inverted), undefined, true],
      [card, 10, false],
    ];
    for (const [img, offset, turned] of hypotheses) {
      const alt = attempt(img, offset, turned);
      if (score(alt.fields) > score(best.fields)) best = alt;
      if (best.fields.pan) break;
    }
  } else if (best.fields.pan && !best.fields.expiry) {
    // The number read, so polarity and orientation are right: only the ink threshold may
    // have hidden the date. Take the date only from a reading that agrees on the number.
    const alt = attempt(card, 10);
    if (alt.fields.pan === best.fields.pan && alt.fields.expiry) {
      // Labels read in either reading count: a date the first reading saw labelled VALID
      // FROM must not become the expiry because the second missed the label.
      const readable = (ls: TextLine[]) => ls.filter((l) => !l.text.includes('?'));
      const both = extractFields([...readable(best.lines), ...readable(alt.lines)], { now });
      if (both.expiry === alt.fields.expiry) {
        best = {
          ...best,
          fields: {
            ...best.fields,
            expiry: alt.fields.expiry,
            confidence: { ...best.fields.confidence, expiry: alt.fields.confidence.expiry ?? 0 },
            missing: withoutKey(best.fields.missing, 'expiry'),
          },
          lines: [...best.lines.filter((l) => l.role !== 'expiry'), ...alt.lines.filter((l) => l.role === 'expiry')],
        };
      }
    }
  }
  return { ...best, ms: performance.now() - t0 };
}
