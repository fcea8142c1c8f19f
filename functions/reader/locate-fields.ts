/**
 * Where the card and each field were found, for the result's geometry: the quads of the lines
 * that produced each field (the reported value, or the number found but not reported), mapped
 * from the view they were read in back to the photo (image/field-geometry.ts), and the card's
 * outline — its edges when the card finder saw them, else an estimate from its printed lines.
 *
 * Pure: it only looks at what the readers already read. Raw OCR text is compared here, never
 * kept or logged; the output holds coordinates only.
 */
import type { CardGeometry, GeometryQuad } from '../core/card.js';
import { repairDigits } from './extract/index.js';
import type { PanFusion } from './fuse.js';
import { boxQuad, cardFromLines, readingQuad, toSourceQuad, type Pt } from './image/field-geometry.js';
import type { GlyphResult } from './readers/glyph/hypotheses.js';
import type { LearnedReading, ReadLine } from './readers/learned.js';
import type { View } from './views.js';

/** Pixel size of an image. */
export interface ImageSize {
  readonly width: number;
  readonly height: number;
}

/** What the readers read on one photo, as far as where things are goes. */
export interface FieldEvidence {
  /** The rectified card view (with its map to the photo), when the photo had one. */
  readonly card: View | null;
  readonly glyph: GlyphResult | null;
  /** Every learned reading, in the order they were made. */
  readonly reads: readonly LearnedReading[];
  /** The reported, unverified or best-read card number (full digits, compared in memory only). */
  readonly panDigits: string | null;
  readonly panSources: readonly string[];
  readonly expiry: string | null;
  readonly expirySources: readonly string[];
  readonly name: string | null;
  readonly nameSources: readonly string[];
}

/** The card number with the most independent readings (the one a caller would be asked to confirm). */
export function topCandidate(f: PanFusion): string | null {
  const best = [...f.candidates].sort((a, b) => b.sources.length - a.sources.length || b.confidence - a.confidence)[0];
  return best?.digits ?? null;
}

const digitsOf = (t: string): string => t.replace(/\D/g, '');

/** A line's digits, with look-alike letters repaired as the PAN extractor does. */
export function lineDigits(l: ReadLine): string {
  const plain = digitsOf(l.text);
  const repaired = repairDigits(l.text.replace(/\s+/g, ''))?.digits ?? '';
  return repaired.length > plain.length ? repaired : plain;
}

const lettersOf = (t: string): string => t.toUpperCase().replace(/[^A-Z]/g, '');

/** Readings whose source produced the field first (`rec@frame` produced `rec@frame/pad` too), then the rest. */
function rankBy(reads: readonly LearnedReading[], sources: readonly string[]): LearnedReading[] {
  const used = (r: LearnedReading) => sources.some((s) => s === r.source || s.startsWith(`${r.source}/`));
  return [...reads].sort((a, b) => Number(used(b)) - Number(used(a)));
}

interface Found {
  readonly read: LearnedReading;
  readonly line: ReadLine;
}

function findLine(reads: readonly LearnedReading[], test: (l: ReadLine) => boolean): Found | null {
  for (const read of reads) {
    if (!read.view.toSource) continue;
    for (const line of read.lines) if (test(line)) return { read, line };
  }
  return null;
}

/**
 * The source quad of a found line; `part` ([from, to] fractions of its characters) cuts the
 * stretch of it that holds the field (a date printed on one line with its label).
 */
function lineQuad(f: Found, image: ImageSize, part: readonly [number, number] | null = null): GeometryQuad | null {
  let q = readingQuad(f.line.quads, f.read.angle, f.read.flipped);
  if (q && part) {
    const [a, b, c, d] = q;
    const at = (p: Pt, r: Pt, t: number): Pt => ({ x: p.x + (r.x - p.x) * t, y: p.y + (r.y - p.y) * t });
    q = [at(a, b, part[0]), at(a, b, part[1]), at(d, c, part[1]), at(d, c, part[0])];
  }
  return q && f.read.view.toSource ? toSourceQuad(q, f.read.view.toSource, image) : null;
}

/**
 * Where the date sits in a line's text, as fractions of its characters (characters are of
 * roughly even width in card faces, so this cuts the label off the date's quad), with half a
 * character to spare on each side. Null when the whole line is the date.
 */
function datePart(text: string, forms: readonly string[]): [number, number] | null {
  const n = text.length;
  for (const m of text.matchAll(/\d{1,2}\s*[/\-.]\s*\d{2,4}/g)) {
    const digits = digitsOf(m[0]);
    if (!forms.some((f) => digits === f)) continue;
    const from = Math.max(0, (m.index - 0.5) / n), to = Math.min(1, (m.index + m[0].length + 0.5) / n);
    return to - from > 0.9 ? null : [from, to];
  }
  return null;
}

/** A box of the glyph reader's image as a source quad (its image may be the card turned by 180°). */
function glyphQuad(card: View | null, glyph: GlyphResult, box: { x0: number; y0: number; x1: number; y1: number }, image: ImageSize): GeometryQuad | null {
  if (!card?.toSource) return null;
  const w = glyph.img.width, h = glyph.img.height;
  const q = boxQuad(box).map((p): Pt => (glyph.rotated180 ? { x: w - p.x, y: h - p.y } : p));
  return toSourceQuad(q, card.toSource, image);
}

/** The expiry's digits as they may be printed: `MMYY`, `MMYYYY`, `MYY`. */
function expiryDigitForms(expiry: string): string[] {
  const m = /^(\d{2})\/(\d{2})$/.exec(expiry);
  if (!m) return [];
  const [, mm, yy] = m as unknown as [string, string, string];
  const forms = [`${mm}${yy}`, `${mm}20${yy}`];
  if (mm.startsWith('0')) forms.push(`${mm.slice(1)}${yy}`, `${mm.slice(1)}20${yy}`);
  return forms;
}

/**
 * Where the card and its fields are, in photo pixels (see the file comment). Fields whose line
 * cannot be found, and views without a map to the photo, are left out.
 */
export function locateFields(image: ImageSize, ev: FieldEvidence): Pick<CardGeometry, 'corners' | 'fields'> {
  const fields: { pan?: GeometryQuad; expiry?: GeometryQuad; name?: GeometryQuad } = {};

  // The number: the line holding its digits, in the reading that produced it (whole-view
  // readings before close-ups of the number line, whose lines say nothing of the card).
  let panFound: Found | null = null;
  if (ev.panDigits) {
    const target = ev.panDigits;
    const ranked = rankBy(ev.reads, ev.panSources);
    const whole = ranked.filter((r) => !r.view.id.endsWith('-number'));
    panFound = findLine([...whole, ...ranked.filter((r) => !whole.includes(r))], (l) => lineDigits(l).includes(target));
    const q = panFound ? lineQuad(panFound, image) : null;
    if (q) fields.pan = q;
    else if (ev.glyph?.reading.number && digitsOf(ev.glyph.reading.number.text).includes(target)) {
      const g = glyphQuad(ev.card, ev.glyph, ev.glyph.reading.number.row, image);
      if (g) fields.pan = g;
    }
  }

  if (ev.expiry) {
    const forms = expiryDigitForms(ev.expiry);
    const fromGlyph = ev.expirySources.includes('glyph@card') && ev.glyph;
    const date = fromGlyph ? ev.glyph!.reading.dates.find((d) => d.text === ev.expiry) : undefined;
    const g = date && ev.glyph ? glyphQuad(ev.card, ev.glyph, date.box, image) : null;
    if (g) fields.expiry = g;
    else {
      // Not the number line (its digits may hold the date's by chance).
      const f = findLine(rankBy(ev.reads, ev.expirySources), (l) => {
        const d = digitsOf(l.text);
        return d.length < 12 && forms.some((x) => d.includes(x));
      });
      const q = f ? lineQuad(f, image, datePart(f.line.text, forms)) : null;
      if (q) fields.expiry = q;
    }
  }

  if (ev.name) {
    const target = lettersOf(ev.name);
    const viaCard = ev.nameSources.some((s) => s === 'glyph@card' || s.startsWith('tesseract@'));
    const row = viaCard ? ev.glyph?.reading.name?.row : undefined;
    const g = row && ev.glyph ? glyphQuad(ev.card, ev.glyph, row, image) : null;
    if (g) fields.name = g;
    else if (target.length > 0) {
      const f = findLine(rankBy(ev.reads, ev.nameSources), (l) => lettersOf(l.text).includes(target));
      const q = f ? lineQuad(f, image) : null;
      if (q) fields.name = q;
    }
  }

  // The outline: the card view's own edges when the fields came from it (or nothing was read
  // elsewhere); else estimated from the printed lines of the reading that held the number.
  let corners: GeometryQuad | undefined;
  const cardView = ev.card;
  const fromCard = (s: readonly string[]) => s.some((x) => x.includes('@card'));
  const cardRead = fromCard(ev.panSources) || fromCard(ev.expirySources) || fromCard(ev.nameSources);
  const elsewhere = panFound !== null && panFound.read.view !== cardView;
  if (cardView?.toSource && (cardRead || !elsewhere)) {
    const { width: w, height: h } = cardView.raster;
    corners = toSourceQuad(boxQuad({ x0: 0, y0: 0, x1: w, y1: h }), cardView.toSource, image) ?? undefined;
  } else if (panFound && panFound.read.view.toSource) {
    const q = cardFromLines(
      readingQuad(panFound.line.quads, panFound.read.angle, panFound.read.flipped),
      panFound.read.lines.map((l) => readingQuad(l.quads, panFound!.read.angle, panFound!.read.flipped)).filter((x): x is [Pt, Pt, Pt, Pt] => x !== null),
      panFound.read.angle,
      panFound.read.flipped,
    );
    corners = q ? (toSourceQuad(q, panFound.read.view.toSource, image) ?? undefined) : undefined;
  }
  return { ...(corners ? { corners } : {}), ...(Object.keys(fields).length > 0 ? { fields } : {}) };
}
