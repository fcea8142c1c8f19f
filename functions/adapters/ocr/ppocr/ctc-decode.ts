/**
 * Greedy CTC decoding of a recogniser's per-frame class probabilities: the best class of each
 * frame, repeats collapsed, blanks (class 0) dropped. Each kept character's confidence is the
 * highest probability among the frames it was read from.
 *
 * Word gaps the argmax drops are put back between letters (see `WORD_GAP_*`): PP-OCRv4's
 * Chinese-trained recogniser often reads Latin capitals without their spaces (`MAXMUSTERMANN`,
 * `VERYIMPORTANTPERSON`), yet the frames of the gap still show it — a run of blank frames longer
 * than the line's usual gap between letters, during which the space class is the runner-up.
 */
import type { RecognizedLine } from '../../../core/ports.js';

/** One decoded line. */
export interface CtcResult {
  readonly text: string;
  readonly charConfidences: number[];
}

/** Full-width forms (U+FF01–FF5E) and the ideographic space as their ASCII twins: the Chinese dictionary holds both. */
export function toAscii(ch: string): string {
  const c = ch.codePointAt(0) ?? 0;
  if (ch.length === 1 && c >= 0xff01 && c <= 0xff5e) return String.fromCharCode(c - 0xfee0);
  if (ch === '\u3000') return ' ';
  return ch;
}

/**
 * Space probability, peak over the blank frames between two letters, at which a dropped word gap
 * is restored (when the gap is not shorter than the line's median letter gap). Measured with
 * PP-OCRv4 on real-dev-v1 (whole-frame lines, 960 px): between the letters of one word the
 * space class peaked ≤ 0.04 (names: ≤ 0.01); at dropped word gaps 0.05–0.47, most ≥ 0.12.
 */
export const WORD_GAP_SPACE_P = 0.1;
/**
 * A weaker space peak (≥ this) restores a gap only when the blank run is also long: ≥ 1.5× the
 * line's median letter gap and ≥ 2 frames more (`PREFERREDCASH…`: 5 blank frames at 0.06 against
 * a median of 3; inside words such runs measured ≤ 1.25× the median). Character pitch is
 * ~3–5 frames of 8 px, so one frame of jitter is 20–30 %: length alone never decides.
 */
export const WORD_GAP_WEAK_SPACE_P = 0.03;

const spaceClassCache = new WeakMap<readonly string[], number[]>();
function spaceClasses(table: readonly string[]): number[] {
  let s = spaceClassCache.get(table);
  if (!s) {
    s = [];
    for (let k = 1; k < table.length; k++) if (table[k] === ' ') s.push(k);
    spaceClassCache.set(table, s);
  }
  return s;
}

const LETTER = /^\p{L}$/u;

/**
 * Decodes frames `[0, frames)` of one line: `probs[offset + t * classes + k]` is the probability
 * of class `k` at frame `t`. `table[k]` is the character of class `k` (index 0 = blank).
 * `allowed`, when given, restricts the choice to the classes it marks (the blank always stays).
 * Leading and trailing spaces are dropped with their confidences. A space dropped between two
 * letters is restored from the blank frames between them (file comment); it gets the lower
 * confidence of its two letters, so restoring a gap never lowers a line's mean confidence.
 */
export function ctcGreedyDecode(
  probs: Float32Array,
  offset: number,
  frames: number,
  classes: number,
  table: readonly string[],
  allowed?: Uint8Array,
): CtcResult {
  if (table.length !== classes) throw new RangeError(`CTC: the class table has ${table.length} entries, the model ${classes}`);
  const spaces = spaceClasses(table).filter((k) => allowed === undefined || allowed[k] === 1);
  const chars: string[] = [];
  const conf: number[] = [];
  /** Per kept character: blank frames just before it and the space class's peak among them. */
  const gapBefore: number[] = [];
  const spaceBefore: number[] = [];
  let blanks = 0;
  let spaceP = 0;
  let prev = -1;
  for (let t = 0; t < frames; t++) {
    const base = offset + t * classes;
    let best = 0;
    let bestP = probs[base]!;
    for (let k = 1; k < classes; k++) {
      const p = probs[base + k]!;
      if (p > bestP && (allowed === undefined || allowed[k] === 1)) {
        bestP = p;
        best = k;
      }
    }
    if (best === 0) {
      blanks += 1;
      for (const k of spaces) spaceP = Math.max(spaceP, probs[base + k]!);
    } else if (best === prev) {
      const last = conf.length - 1;
      if (bestP > conf[last]!) conf[last] = bestP;
    } else {
      chars.push(table[best]!);
      conf.push(bestP);
      gapBefore.push(blanks);
      spaceBefore.push(spaceP);
      blanks = 0;
      spaceP = 0;
    }
    prev = best;
  }
  // Every table entry is one code point (parseDictionary checks it), so characters and confidences align.
  const letterPair = (i: number): boolean => i > 0 && LETTER.test(chars[i - 1]!) && LETTER.test(chars[i]!);
  const letterGaps = chars.map((_, i) => i).filter(letterPair).map((i) => gapBefore[i]!).sort((a, b) => a - b);
  const median = letterGaps.length > 0 ? letterGaps[Math.floor(letterGaps.length / 2)]! : 0;
  const outChars: string[] = [];
  const outConf: number[] = [];
  chars.forEach((ch, i) => {
    if (spaces.length > 0 && letterPair(i)) {
      const g = gapBefore[i]!;
      const p = spaceBefore[i]!;
      const gap = (p >= WORD_GAP_SPACE_P && g >= Math.max(1, median)) || (p >= WORD_GAP_WEAK_SPACE_P && g >= 1.5 * median && g >= median + 2);
      if (gap) {
        outChars.push(' ');
        outConf.push(Math.min(conf[i - 1]!, conf[i]!));
      }
    }
    outChars.push(ch);
    outConf.push(conf[i]!);
  });
  let a = 0, b = outChars.length;
  while (a < b && outChars[a] === ' ') a++;
  while (b > a && outChars[b - 1] === ' ') b--;
  return { text: outChars.slice(a, b).join(''), charConfidences: outConf.slice(a, b) };
}

/**
 * Greedy-decodes the lines of one batch run: `probs` holds `[batch.length, frames, classes]`
 * class scores and row `k` is line `batch[k]`, written to `results[batch[k]]`. `ownFrames(i)`
 * limits line `i` to its own frames (a padded tail adds only noise); default all of them. A
 * line's confidence is the mean of its characters' (0 for an empty line).
 */
export function decodeBatch(
  probs: Float32Array,
  frames: number,
  classes: number,
  batch: readonly number[],
  table: readonly string[],
  results: RecognizedLine[],
  options: { readonly allowed?: Uint8Array; readonly ownFrames?: (line: number) => number } = {},
): void {
  batch.forEach((i, k) => {
    const own = options.ownFrames ? Math.min(frames, options.ownFrames(i)) : frames;
    const { text, charConfidences } = ctcGreedyDecode(probs, k * frames * classes, own, classes, table, options.allowed);
    const confidence = charConfidences.length ? charConfidences.reduce((s, c) => s + c, 0) / charConfidences.length : 0;
    results[i] = { text, confidence, charConfidences };
  });
}
