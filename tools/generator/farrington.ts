/**
 * Stroke glyphs for embossed card digits, drawn from scratch in the manner of Farrington 7B
 * (the embossing face of payment cards: squarish bowls, flat-topped 3 and 5, a 1 with a flag
 * and no foot, an open 4 whose stem rises from the baseline to the cap line). No font file is
 * involved, so the look does not depend on what is installed. The same skeletons, drawn with
 * round caps and a thinner pen, stand in for an OCR-B-like face for printed dates.
 *
 * Coordinates are centre lines in a 9 × 14 box (y down); the advance is 11.5 units.
 */

/** Centre-line paths of the glyphs (SVG path data in the 9 × 14 glyph box). */
const GLYPHS: Record<string, string> = {
  '0': 'M1.2 4.2 Q1.2 1 4.5 1 Q7.8 1 7.8 4.2 V9.8 Q7.8 13 4.5 13 Q1.2 13 1.2 9.8 Z',
  '1': 'M2.2 3.6 L5.4 1 V13',
  '2': 'M1.3 4 Q1.3 1 4.5 1 Q7.8 1 7.8 4.1 Q7.8 6.2 5.6 7.6 L1.2 12.9 H8',
  '3': 'M1.3 1 H7.6 L4 5.8 Q8 5.8 8 9.4 Q8 13 4.5 13 Q1.6 13 1 11',
  '4': 'M6.4 13 V1 L1 9.4 H8.4',
  '5': 'M7.7 1 H1.8 L1.4 6.1 Q2.8 5.3 4.6 5.3 Q8 5.3 8 9.1 Q8 13 4.5 13 Q1.7 13 1 11',
  '6': 'M7.3 2 Q6.2 1 4.6 1 Q1.2 1 1.2 5.2 V9.4 Q1.2 13 4.5 13 Q7.9 13 7.9 9.5 Q7.9 6.1 4.5 6.1 Q1.2 6.1 1.2 9',
  '7': 'M1 1 H8 V2.8 L3.8 8.6 V13',
  '8': 'M4.5 6.6 Q1.5 6.6 1.5 3.8 Q1.5 1 4.5 1 Q7.5 1 7.5 3.8 Q7.5 6.6 4.5 6.6 Q1 6.6 1 9.8 Q1 13 4.5 13 Q8 13 8 9.8 Q8 6.6 4.5 6.6 Z',
  '9': 'M7.8 5 Q7.8 8.1 4.5 8.1 Q1.1 8.1 1.1 4.6 Q1.1 1 4.5 1 Q7.8 1 7.8 4.6 V9 Q7.8 13 4.5 13 Q2.6 13 1.5 12',
  '/': 'M7.6 0.6 L1.4 13.4',
  '-': 'M2 7 H7',
};

/** Glyph box height and advance, in glyph units. */
export const GLYPH_H = 14;
export const GLYPH_ADVANCE = 11.5;

/** Which characters the stroke faces can draw. */
export function strokeDrawable(text: string): boolean {
  return [...text].every((c) => c === ' ' || c in GLYPHS);
}

/** The two stroke faces: Farrington-like embossing, OCR-B-like thin print. */
export type StrokeFace = 'farrington' | 'ocrb';

/**
 * SVG for `text` in a stroke face, with its top-left at (0, 0) and cap height `size`.
 * `pitch` is the advance in multiples of the default (1 = 11.5/14 of the size).
 * Returns the group (no fill, stroked with `currentColor`-like `stroke`) and its advance width.
 */
export function strokeText(
  text: string,
  opts: { size: number; face: StrokeFace; stroke: string; pitch?: number; extra?: string },
): { svg: string; width: number } {
  const k = opts.size / GLYPH_H;
  const advance = GLYPH_ADVANCE * (opts.pitch ?? 1);
  let x = 0;
  let paths = '';
  for (const c of text) {
    const d = GLYPHS[c];
    if (d) paths += `<path transform="translate(${x.toFixed(2)} 0)" d="${d}"/>`;
    x += c === ' ' ? advance * 0.8 : advance;
  }
  // Farrington strokes are heavy and square-ended; OCR-B-like ones thinner with round ends.
  const pen = opts.face === 'farrington' ? 1.75 : 1.15;
  const cap = opts.face === 'farrington' ? 'butt' : 'round';
  const join = opts.face === 'farrington' ? 'miter' : 'round';
  const svg =
    `<g transform="scale(${k.toFixed(4)})" fill="none" stroke="${opts.stroke}" stroke-width="${pen}" ` +
    `stroke-linecap="${cap}" stroke-linejoin="${join}" stroke-miterlimit="3"${opts.extra ?? ''}>${paths}</g>`;
  const width = (x - (advance - 9)) * k;
  return { svg, width };
}
