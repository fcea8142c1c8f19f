/**
 * Shared text helpers for field extraction: the shape of a read line, and the repair of
 * OCR's usual letter-for-digit confusions inside number-like tokens.
 */

/** One line of text read from a card, with where it was read. Raw OCR output: never log `text`. */
export interface TextLine {
  readonly text: string;
  /** Recognition confidence in [0, 1]. */
  readonly confidence: number;
  /**
   * The card region the line was read from, when known: a hint about which fields it may
   * hold (`any` = unknown, e.g. whole-card OCR).
   */
  readonly role?: 'number' | 'expiry' | 'name' | 'any';
  /**
   * Where the line sits in the view it was read from, in that view's pixels, when the reader
   * knows (learned detectors do). Extraction uses it to tell which lines belong together
   * (a vertical stack of number groups, the name below the number) — never across views.
   */
  readonly box?: LineBox;
  /**
   * Per-character recognition confidences in [0, 1], one per character of `text` when the
   * reader provides them (CTC readers do); lets extraction gate single weak digits.
   */
  readonly charConfidences?: readonly number[];
  /** Name of the reader that produced the line (e.g. `ppocr`, `glyph`, `tesseract`), for diagnostics. */
  readonly source?: string;
}

/** An axis-aligned box in view pixels. */
export interface LineBox {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/** A number row's box this many times wider than tall is level enough to judge rows by (a tilted row's upright box is squarer). */
const LEVEL_ASPECT = 5;

/** Whether a number row's box is level (`LEVEL_ASPECT`): only then do above, below and its columns mean rows of the card. */
export function levelRow(b: LineBox): boolean {
  return b.width >= LEVEL_ASPECT * b.height;
}

/** Whether a number printed down the card has a level box (`levelRow` turned a quarter: `LEVEL_ASPECT` times taller than wide); its top is where its first digit starts. */
export function levelColumn(b: LineBox): boolean {
  return b.height >= LEVEL_ASPECT * b.width;
}

/** Where the card number was read: its box and the sources (readings) that read it. */
export interface PanPlace {
  readonly panBox?: LineBox | null;
  readonly panSources?: readonly string[];
}

/**
 * The number's box when the reading that read a line (`source`) also read the number, else
 * null: another reading's boxes are in another view's pixels, so there is nothing to place the
 * line by. No sources on either side: the box is taken.
 */
export function panBoxFor(ctx: PanPlace, source: string | undefined): LineBox | null {
  return ctx.panBox && (!ctx.panSources?.length || !source || ctx.panSources.includes(source)) ? ctx.panBox : null;
}

// Letters OCR engines return for digits in card fonts (OCR-A, embossed faces, monospace).
const DIGIT_LOOKALIKES: Readonly<Record<string, string>> = {
  O: '0', o: '0', Q: '0', D: '0', U: '0',
  I: '1', l: '1', i: '1', '|': '1', '!': '1', L: '1', J: '1',
  Z: '2', z: '2',
  E: '3',
  H: '4', A: '4', h: '4', y: '4',
  S: '5', s: '5', $: '5',
  G: '6', b: '6', k: '6', K: '6',
  T: '7', '?': '7',
  B: '8', '&': '8',
  g: '9', q: '9', P: '9',
};

/**
 * Repairs a number-like token: when most of its characters are digits, look-alike letters
 * become the digits they stand for. Tokens that are mostly letters (words) are left alone,
 * so `CEDAR` never turns into a number. Returns null when the token is not number-like;
 * otherwise the digits and how many characters had to be substituted.
 */
export function repairDigits(token: string): { digits: string; substitutions: number } | null {
  if (token.length === 0) return null;
  let digits = 0;
  let lookalikes = 0;
  for (const ch of token) {
    if (ch >= '0' && ch <= '9') digits += 1;
    else if (DIGIT_LOOKALIKES[ch] !== undefined) lookalikes += 1;
    else return null;
  }
  // At least two real digits and more digits than substitutions: a word never qualifies.
  if (digits < Math.max(1, Math.ceil(token.length / 2)) && !(token.length <= 2 && digits >= 1)) return null;
  let out = '';
  for (const ch of token) out += ch >= '0' && ch <= '9' ? ch : (DIGIT_LOOKALIKES[ch] ?? '');
  return { digits: out, substitutions: lookalikes };
}

/** Splits a line into whitespace-separated tokens. */
export function tokens(text: string): string[] {
  return text.split(/\s+/).filter((t) => t.length > 0);
}

/**
 * Whether box `b`'s centre is further from `ref`'s than `reach` (default 1.5) × `ref`'s width +
 * height (a stacked 4×4 number's box is near square and small against its card): on a tilted
 * card, a field's upright box overlaps others and rows cannot be told, but a line that far from
 * the number belongs to another object in the photo.
 */
export function farFrom(b: LineBox, ref: LineBox, reach = 1.5): boolean {
  const dx = b.left + b.width / 2 - (ref.left + ref.width / 2);
  const dy = b.top + b.height / 2 - (ref.top + ref.height / 2);
  return Math.hypot(dx, dy) > reach * (ref.width + ref.height);
}
