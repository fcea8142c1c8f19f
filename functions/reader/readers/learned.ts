/**
 * The learned reader: a text detector finds the lines of a view, each line is cut out upright
 * (image/crop-quad.ts) and read by a line recogniser. Engines come through the ports
 * (TextDetector, LineRecognizer); this file never imports an adapter.
 *
 * On top of the raw readings it rebuilds what a card prints: pieces of one printed row (a
 * number whose groups the detector found separately) are joined in reading order, and a
 * number printed as a vertical stack of 4-digit groups becomes one number line. When the text
 * reads poorly, the crops are read again turned by 180° (a card upside down, or a vertical
 * card turned the other way): the better-read direction wins for the whole view, since a
 * card's lines all run the same way.
 */
import type { LineRecognizer, Raster, RecognizedLine, TextDetector, TextRegion } from '../../core/ports.js';
import { repairDigits, type TextLine } from '../extract/index.js';
import { cropQuad } from '../image/crop-quad.js';
import { boundsAlong } from '../image/field-geometry.js';
import { lineGeometry, readingFrame, rotateRaster, textAngle, type View } from '../views.js';

type Quad = TextRegion['quad'];

/** One read line (a detected region, or a row joined from several). Raw OCR: never log `text`. */
export interface ReadLine {
  readonly text: string;
  readonly confidence: number;
  readonly charConfidences: readonly number[];
  /** Regions it was read from, in the view's pixels. */
  readonly quads: readonly Quad[];
  /** Position in reading order (across = line position, along = position in the line), px. */
  readonly across: number;
  readonly along: number;
  /** Length along the line, px. */
  readonly extent: number;
  readonly height: number;
  /** `recogniser@view[/variant]`. */
  readonly source: string;
}

/** What the learned reader read on one view. */
export interface LearnedReading {
  readonly view: View;
  readonly regions: readonly TextRegion[];
  /** Rows in reading order. */
  readonly lines: readonly ReadLine[];
  /**
   * Detected regions the recogniser read as nothing (empty text), each as a line with empty
   * text: an embossed number PP-OCR cannot read still has its box, for another recogniser.
   */
  readonly unread: readonly ReadLine[];
  /** Dominant text angle, degrees (0 = horizontal). */
  readonly angle: number;
  /** True when the crops read better turned by 180°. */
  readonly flipped: boolean;
  readonly source: string;
  readonly timingsMs: { detect: number; recognize: number };
}

/** Regions read per view at most (largest first): a card prints fewer lines; screenshots print many. */
const MAX_REGIONS = 28;
/** Mean line confidence below which the view is read again turned by 180°. */
const FLIP_TRY_BELOW = 0.85;
/** Crops read turned by 180° to decide the view's direction. */
const FLIP_PROBE = 6;

/** Crops taller than wide are turned to run left to right (a vertical line's crop). */
function upright(r: Raster): Raster {
  return r.height > r.width * 1.5 ? rotateRaster(r, 270) : r;
}

function meanConfidence(lines: readonly RecognizedLine[]): number {
  let n = 0;
  let s = 0;
  for (const l of lines) {
    n += l.charConfidences.length;
    s += l.charConfidences.reduce((a, b) => a + b, 0);
  }
  return n === 0 ? 0 : s / n;
}

/** Detects, crops and recognises the lines of one view. */
export async function readViewLearned(
  view: View,
  detector: TextDetector,
  recognizer: LineRecognizer,
  options: { maxSide?: number; variant?: string; flip?: boolean } = {},
): Promise<LearnedReading> {
  const t0 = performance.now();
  const found = await detector.detect(view.raster, options.maxSide === undefined ? {} : { maxSide: options.maxSide });
  const t1 = performance.now();
  const regions = found
    .map((r) => ({ r, g: lineGeometry(r.quad) }))
    .filter(({ g }) => g.height >= 6 && g.length >= g.height * 0.8)
    .sort((a, b) => b.g.length * b.g.height - a.g.length * a.g.height)
    .slice(0, MAX_REGIONS)
    .map(({ r }) => r);
  const source = `${recognizer.name}@${view.id}${options.variant ? `/${options.variant}` : ''}`;
  if (regions.length === 0) {
    return { view, regions, lines: [], unread: [], angle: 0, flipped: false, source, timingsMs: { detect: t1 - t0, recognize: 0 } };
  }
  const crops = regions.map((r) => upright(cropQuad(view.raster, r.quad)));
  // A view known to be upside down (`flip: true`: the later detections and close-ups of a reading
  // made turned) has its crops read turned only; they were read as they lie too, for nothing
  // (real-dev-v1: 12 of 716 PP-OCR line reads, on the two photos read turned).
  let recs = await recognizer.recognize(options.flip === true ? crops.map((c) => rotateRaster(c, 180)) : crops);
  let flipped = options.flip === true;
  if (options.flip === undefined && meanConfidence(recs) < FLIP_TRY_BELOW) {
    // Upside down? Ask on the largest few crops first (regions are sorted by size): the
    // whole view is read again turned only when those read clearly better that way.
    const k = Math.min(FLIP_PROBE, crops.length);
    const probe = await recognizer.recognize(crops.slice(0, k).map((c) => rotateRaster(c, 180)));
    if (meanConfidence(probe) > meanConfidence(recs.slice(0, k)) + 0.05) {
      const rest = await recognizer.recognize(crops.slice(k).map((c) => rotateRaster(c, 180)));
      recs = [...probe, ...rest];
      flipped = true;
    }
  }
  const t2 = performance.now();
  const angle = textAngle(regions) ?? 0;
  // The order pieces are read in follows the direction the recogniser read them, not the
  // angle's half-turn (textAngle is in (-90, 90]): see `againstAngle`.
  const frameFlip = flipped !== againstAngle(regions, angle);
  const lines = buildRows(regions, recs, angle, frameFlip, flipped, source);
  const frame = readingFrame(angle, frameFlip);
  const unread = regions.flatMap((r, i): ReadLine[] => {
    if ((recs[i]?.text.trim().length ?? 0) > 0) return [];
    const g = lineGeometry(r.quad);
    const p = frame({ x: g.cx, y: g.cy });
    return [{ text: '', confidence: 0, charConfidences: [], quads: [r.quad], across: p.across, along: p.along - g.length / 2, extent: g.length, height: g.height, source }];
  });
  return { view, regions, lines, unread, angle, flipped, source, timingsMs: { detect: t1 - t0, recognize: t2 - t1 } };
}

/** Number-like lines asked for at most per reading (the card-line model reads one in ≈ 2–3 ms). */
const NUMBER_LIKE_MAX = 3;

/** Digits a line's text holds, counting letters read for digits (extract/'s look-alike repair, per token). */
function digitLike(text: string): { digits: number; chars: number } {
  let digits = 0, chars = 0;
  for (const t of text.split(/\s+/)) {
    if (t.length === 0) continue;
    chars += t.length;
    digits += repairDigits(t)?.digits.length ?? 0;
  }
  return { digits, chars };
}

/**
 * The lines of a reading that look like a card number whatever the recogniser made of them,
 * for another recogniser to read (issue 8: the card-line model reads every number line the
 * detector finds). A number is the card's longest print in its tallest type: a row
 * of ≥ 8 digits (look-alike letters counted), or a row or an unread box at least 6× as long as
 * it is tall, in type at least 0.8× the tallest row's, but holding no word (embossed digits
 * misread as letters still read as short tokens). Best first: most digits, then longest.
 */
export function numberLikeLines(reading: LearnedReading, max = NUMBER_LIKE_MAX): ReadLine[] {
  const all = [...reading.lines, ...reading.unread];
  const tallest = Math.max(0, ...all.filter((l) => l.extent >= 4 * l.height).map((l) => l.height));
  const scored = all.flatMap((l) => {
    const d = digitLike(l.text);
    const printed = l.extent >= 6 * l.height && l.height >= 0.8 * tallest;
    // A token of five or more letters, one of which no reader takes for a digit, is a word (a
    // bank name, a cardholder's name), not misread digits (those are 4–6 characters of digits
    // and look-alikes). Reading a word line again costs only a crop, never a wrong number.
    const worded = l.text.split(/\s+/).some((t) => /^[A-Za-z]{5,}$/.test(t) && [...t].some((c) => repairDigits(`1${c}`) === null));
    return d.digits >= 8 || (printed && !worded) ? [{ l, digits: d.digits }] : [];
  });
  scored.sort((a, b) => b.digits - a.digits || b.l.extent - a.l.extent);
  return scored.slice(0, max).map((x) => x.l);
}

/**
 * Reads chosen lines again from a different crop (padded around the region, another height):
 * a second, independent reading of the same print for fusion. Keeps the first reading's
 * direction.
 */
export async function rereadLines(
  reading: LearnedReading,
  lines: readonly ReadLine[],
  recognizer: LineRecognizer,
  variant: { name: string; pad: number; height: number; turned?: boolean },
): Promise<ReadLine[]> {
  if (lines.length === 0) return [];
  // Each printed piece is cropped on its own (a row's groups, a stack's lines), then joined again.
  // `turned`: the other way up from the reading's own direction.
  const half = reading.flipped !== (variant.turned === true);
  const crops: Raster[] = [];
  for (const l of lines) {
    for (const q of l.quads) {
      const c = upright(cropQuad(reading.view.raster, q, variant.height, { padding: variant.pad }));
      crops.push(half ? rotateRaster(c, 180) : c);
    }
  }
  const recs = await recognizer.recognize(crops);
  // The first reading's view and variant (e.g. `/det1280`), then this crop's: `rec@frame/det1280/pad`.
  const at = reading.source.slice(reading.source.indexOf('@') + 1);
  const source = `${recognizer.name}@${at}/${variant.name}`;
  let k = 0;
  return lines.map((l) => {
    const parts = recs.slice(k, k + l.quads.length);
    k += l.quads.length;
    const charConfidences: number[] = [];
    parts.forEach((p, i) => {
      if (i > 0) charConfidences.push(Math.min(p.confidence, parts[i - 1]!.confidence));
      charConfidences.push(...p.charConfidences);
    });
    const text = parts.map((p) => p.text.trim()).join(' ');
    const confidence = charConfidences.reduce((a, b) => a + b, 0) / Math.max(1, charConfidences.length);
    return { ...l, text, confidence, charConfidences, source };
  });
}

/** Date-like lines asked for at most per reading. */
const DATE_LIKE_MAX = 3;

/**
 * The lines of a reading that may hold a date, whatever the recogniser made of them, for
 * another recogniser to read: a row with a date-like run (`07/28`, `07 2a`: digits around a
 * separator), a short row (≤ 6× as long as tall) of 2–6 digits (look-alikes counted), or an
 * unread box of a date's shape (2–6× as long as tall) — not the number's row (≥ 8 digits).
 * Most digits first.
 */
export function dateLikeLines(reading: LearnedReading, max = DATE_LIKE_MAX): ReadLine[] {
  const scored = [...reading.lines, ...reading.unread].flatMap((l) => {
    const d = digitLike(l.text);
    if (d.digits >= 8) return [];
    const short = l.extent <= 6 * l.height;
    const dated = /\d\s*[/\-.]\s*\d|\d{2}\s+\S{2}$/.test(l.text);
    const ok = l.text.length === 0 ? short && l.extent >= 2 * l.height : dated || (short && d.digits >= 2);
    return ok ? [{ l, digits: d.digits }] : [];
  });
  scored.sort((a, b) => b.digits - a.digits);
  return scored.slice(0, max).map((x) => x.l);
}

/**
 * The reading with `lines` (some of its lines or unread boxes, read again by another
 * recogniser: `again[k]` of `lines[k]`) in place of what it first read there: the other lines
 * keep their text, so field extraction still sees a date's label next to it.
 */
export function withLinesReplaced(reading: LearnedReading, lines: readonly ReadLine[], again: readonly ReadLine[], source: string): LearnedReading {
  const byLine = new Map(lines.map((l, k) => [l, again[k]!] as const));
  const kept = reading.lines.map((l) => byLine.get(l) ?? l);
  const added = reading.unread.flatMap((l) => {
    const a = byLine.get(l);
    return a && a.text.trim().length > 0 ? [a] : [];
  });
  const all = [...kept, ...added].sort((a, b) => a.across - b.across || a.along - b.along);
  return { ...reading, lines: all, unread: reading.unread.filter((l) => !byLine.has(l)), source };
}

/** The view size to turn a reading's boxes by (see `toTextLines`): only for a reading made upside down. */
export function turnOf(reading: LearnedReading): { width: number; height: number } | undefined {
  return reading.flipped ? { width: reading.view.raster.width, height: reading.view.raster.height } : undefined;
}

/**
 * Lines as extract/ takes them: text, per-character confidences, where (view pixels) and who
 * read it. `turned` (the view's size) gives the boxes of a reading made upside down (`flipped`)
 * turned half round with the view, so the field geometry (a number's groups joined top to
 * bottom, the name below the number) sees the card the way its text reads.
 */
export function toTextLines(lines: readonly ReadLine[], turned?: { readonly width: number; readonly height: number }): TextLine[] {
  return lines
    .filter((l) => l.text.trim().length > 0)
    .map((l) => {
      let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
      for (const q of l.quads) for (const p of q) {
        x0 = Math.min(x0, p.x);
        y0 = Math.min(y0, p.y);
        x1 = Math.max(x1, p.x);
        y1 = Math.max(y1, p.y);
      }
      const line: TextLine = {
        text: l.text,
        confidence: l.confidence,
        role: 'any',
        source: l.source,
        ...(l.charConfidences.length === l.text.length ? { charConfidences: l.charConfidences } : {}),
        ...(Number.isFinite(x0)
          ? { box: turned ? { left: turned.width - x1, top: turned.height - y1, width: x1 - x0, height: y1 - y0 } : { left: x0, top: y0, width: x1 - x0, height: y1 - y0 } }
          : {}),
      };
      return line;
    });
}

/**
 * Whether the lines' own reading direction (the crop's x axis: the quad's top edge, or its left
 * edge going down for a tall quad that `upright` turns, i.e. lineGeometry's u) points against
 * `angle`'s direction, by line length. textAngle folds a direction and its opposite into
 * (-90, 90]; for level text a quad's top edge runs the same way, but a steep line whose quad
 * starts at a short side is read down its left edge, which can point the other way. The rows
 * were then joined in reverse: on tuning photo embossed-83001 #021 (text at about -58 degrees,
 * read turned) the four groups of the number were joined last to first into a number that passes
 * Luhn by chance, read by PP-OCR and the card-line CRNN on the same joined boxes.
 */
function againstAngle(regions: readonly TextRegion[], angle: number): boolean {
  return directionVote(regions.map((r) => r.quad), angle) < 0;
}

/** How far quads' own reading directions (lineGeometry's u) run along `angle`, by line length: > 0 with it, < 0 against. */
function directionVote(quads: Iterable<TextRegion['quad']>, angle: number): number {
  const t = (angle * Math.PI) / 180;
  const ax = Math.cos(t), ay = Math.sin(t);
  let vote = 0;
  for (const q of quads) {
    const g = lineGeometry(q);
    vote += g.length * (g.ux * ax + g.uy * ay);
  }
  return vote;
}

/** Groups recognised regions into printed rows, in reading order, plus stacked-number lines. */
function buildRows(regions: readonly TextRegion[], recs: readonly RecognizedLine[], angle: number, frameFlip: boolean, flipped: boolean, source: string): ReadLine[] {
  const frame = readingFrame(angle, frameFlip);
  const pieces: ReadLine[] = [];
  regions.forEach((r, i) => {
    const rec = recs[i];
    if (!rec || rec.text.trim().length === 0) return;
    const g = lineGeometry(r.quad);
    const p = frame({ x: g.cx, y: g.cy });
    pieces.push({
      text: rec.text.trim(),
      confidence: rec.confidence,
      charConfidences: rec.charConfidences,
      quads: [r.quad],
      across: p.across,
      along: p.along - g.length / 2,
      extent: g.length,
      height: g.height,
      source,
    });
  });
  pieces.sort((a, b) => a.across - b.across);
  // Join pieces of one row: level with each other, of similar height, close along the line.
  const rows: ReadLine[][] = [];
  for (const p of pieces) {
    const row = rows.find((rw) => {
      const last = rw[rw.length - 1]!;
      const h = Math.max(last.height, p.height);
      return Math.abs(last.across - p.across) < 0.5 * h && Math.max(last.height, p.height) / Math.min(last.height, p.height) < 1.5;
    });
    if (row) row.push(p);
    else rows.push([p]);
  }
  const out: ReadLine[] = [];
  for (const row of rows) {
    row.sort((a, b) => a.along - b.along);
    // Split the row where the gap is too wide to be one printed line (the name and a date on one level).
    let seg: ReadLine[] = [];
    const flush = () => {
      if (seg.length > 0) out.push(readsAgainstFrame(seg, angle, frameFlip, flipped) ? joinReversed(seg, source) : join(seg, source));
      seg = [];
    };
    for (const p of row) {
      const prev = seg[seg.length - 1];
      if (prev) {
        const prevEnd = prev.along + prev.extent;
        if (p.along - prevEnd > 2.5 * Math.max(prev.height, p.height)) flush();
      }
      seg.push(p);
    }
    flush();
  }
  out.sort((a, b) => a.across - b.across || a.along - b.along);
  return [...out, ...stackedNumbers(out, source)];
}

/**
 * Whether a row's own pieces were read against the view's reading frame (by line length, as
 * `againstAngle` decides for the whole view). The view's direction is one vote over all its lines;
 * a row whose quads start at the other corner (a steep card beside level print, lines of mixed
 * boxes) can still read the other way, and joining it in the frame's order would put its groups
 * last to first — a reversed 4-group number passes Luhn about 1 time in 10 (review 6b S-d).
 */
function readsAgainstFrame(seg: readonly ReadLine[], angle: number, frameFlip: boolean, flipped: boolean): boolean {
  if (seg.length < 2) return false;
  // The crops' reading direction is the quad's u, or its opposite when they were read turned half round.
  const s = (frameFlip ? -1 : 1) * (flipped ? -1 : 1);
  return s * directionVote(seg.flatMap((p) => p.quads), angle) < 0;
}

/** `join` of a row read against the frame: its pieces in the order they were read, its extent still min to max along the frame. */
function joinReversed(seg: readonly ReadLine[], source: string): ReadLine {
  const line = join([...seg].reverse(), source);
  const along = Math.min(...seg.map((p) => p.along));
  return { ...line, along, extent: Math.max(...seg.map((p) => p.along + p.extent)) - along };
}

function join(seg: readonly ReadLine[], source: string): ReadLine {
  if (seg.length === 1) return seg[0]!;
  const first = seg[0]!;
  const last = seg[seg.length - 1]!;
  const charConfidences: number[] = [];
  seg.forEach((p, i) => {
    if (i > 0) charConfidences.push(Math.min(p.confidence, seg[i - 1]!.confidence));
    charConfidences.push(...p.charConfidences);
  });
  const line: ReadLine = {
    text: seg.map((p) => p.text).join(' '),
    confidence: charConfidences.reduce((a, b) => a + b, 0) / Math.max(1, charConfidences.length),
    charConfidences,
    quads: seg.flatMap((p) => p.quads),
    across: seg.reduce((a, p) => a + p.across, 0) / seg.length,
    along: first.along,
    height: Math.max(...seg.map((p) => p.height)),
    source,
    extent: last.along + last.extent - first.along,
  };
  return line;
}

/**
 * A number printed as a column of 4-digit groups (some card designs and scanner test cards):
 * 3–5 consecutive rows of exactly four digits, of one size and left-aligned, one below the
 * other, read as one number line.
 */
function stackedNumbers(rows: readonly ReadLine[], source: string): ReadLine[] {
  const groups = rows.filter((r) => {
    const d = repairDigits(r.text.replace(/\s+/g, ''));
    return d !== null && d.digits.length === 4;
  });
  const out: ReadLine[] = [];
  let run: ReadLine[] = [];
  const flush = () => {
    if (run.length >= 3 && run.length <= 5) {
      const line = join(run, source);
      out.push({ ...line, text: run.map((r) => r.text.replace(/\s+/g, '')).join(' '), across: run[0]!.across });
    }
    run = [];
  };
  for (const g of groups) {
    const prev = run[run.length - 1];
    if (
      prev &&
      g.across - prev.across < 2.6 * prev.height &&
      Math.abs(g.along - prev.along) < 1.5 * prev.height &&
      Math.max(g.height, prev.height) / Math.min(g.height, prev.height) < 1.3
    ) {
      run.push(g);
      continue;
    }
    flush();
    run = [g];
  }
  flush();
  return out;
}

/** The bounding quad (in the first quad's orientation) of several quads of one row. */
export function unionQuad(quads: readonly Quad[]): Quad {
  const q0 = quads[0]!;
  if (quads.length === 1) return q0;
  const g = lineGeometry(q0);
  return boundsAlong(quads, g.ux, g.uy) ?? q0;
}
