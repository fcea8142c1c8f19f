/**
 * PAN masking. Every output, log line, stored record and error message that may hold a
 * card number goes through this module: it is the single place that decides what of a
 * PAN may be shown (first 6 + last 4 at most, per PCI DSS 3.4).
 */

const MASK_CHAR = '•';

/**
 * Masks a PAN to its first six and last four digits, e.g. `411111••••••1111`.
 * Shorter numbers (13–15 digits) keep fewer leading digits so that at least
 * three digits are always hidden. Non-digits are ignored.
 */
export function maskPan(pan: string): string {
  const digits = pan.replace(/\D/g, '');
  if (digits.length < 8) return MASK_CHAR.repeat(digits.length);
  const tail = 4;
  // Show at most 6 leading digits, and never so many that fewer than 3 stay hidden.
  const head = Math.max(0, Math.min(6, digits.length - tail - 3));
  return digits.slice(0, head) + MASK_CHAR.repeat(digits.length - head - tail) + digits.slice(-tail);
}

/** The last four digits of a PAN, or null when it is too short to have any worth showing. */
export function lastFour(pan: string): string | null {
  const digits = pan.replace(/\D/g, '');
  return digits.length >= 8 ? digits.slice(-4) : null;
}

// 12–19 digits, optionally grouped by up to three separator characters between digits: white
// space, dash, dot, underscore, comma, slash, the `+` / `%20` that stand for a space in
// URL-encoded S3 keys, or a JSON-escaped tab/newline (`\t`, `\n`) — any card-number-like run,
// however a person or a tool spaced it (`4539  1488`, `4539 - 1488`, `4539,1488`). Masking a
// run that was not a card number (a list of small numbers) is the safe side of this trade.
const SEP = String.raw`(?:[\s\-+._,/]|%20|\\[tn])`;
const PAN_LIKE = new RegExp(String.raw`(?<!\d)\d(?:${SEP}{0,3}\d){11,18}(?!\d)`, 'g');

/**
 * Replaces every card-number-like run of digits in free text with its masked form.
 * Used on error messages, OCR debug output and log fields, where a PAN could slip in
 * by accident (e.g. an error that quotes its input).
 */
export function redactPans(text: string): string {
  return text.replace(PAN_LIKE, (run) => maskPan(run.replaceAll('%20', ' ').replace(/\\[tn]/g, ' ')));
}

/**
 * {@link redactPans} over every string of a value (object fields, array items, nested), for
 * stores that mask whatever a record carries before writing it (defence in depth).
 */
export function redactPansDeep<T>(value: T): T {
  if (typeof value === 'string') return redactPans(value) as T;
  if (Array.isArray(value)) return value.map(redactPansDeep) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactPansDeep(v)])) as T;
  }
  return value;
}
