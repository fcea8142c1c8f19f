/**
 * Greedy CTC decoding of a recogniser's per-frame class probabilities: the best class of each
 * frame, repeats collapsed, blanks (class 0) dropped. Each kept character's confidence is the
 * highest probability among the frames it was read from.
 */

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
 * Decodes frames `[0, frames)` of one line: `probs[offset + t * classes + k]` is the probability
 * of class `k` at frame `t`. `table[k]` is the character of class `k` (index 0 = blank).
 * `allowed`, when given, restricts the choice to the classes it marks (the blank always stays).
 * Leading and trailing spaces are dropped with their confidences.
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
  let text = '';
  const conf: number[] = [];
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
    if (best !== 0) {
      if (best === prev) {
        const last = conf.length - 1;
        if (bestP > conf[last]!) conf[last] = bestP;
      } else {
        text += table[best]!;
        conf.push(bestP);
      }
    }
    prev = best;
  }
  // Every table entry is one code point (parseDictionary checks it), so characters and confidences align.
  const chars = Array.from(text);
  let a = 0, b = chars.length;
  while (a < b && chars[a] === ' ') a++;
  while (b > a && chars[b - 1] === ' ') b--;
  return { text: chars.slice(a, b).join(''), charConfidences: conf.slice(a, b) };
}
