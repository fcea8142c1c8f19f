/**
 * Why a photo has no card number, in words a person can act on. The reader reports stable
 * codes (`ReadResult.missing`, `ReadResult.error`); the CLI maps them once, here, to a short
 * label (fits the table's PAN column) and a piece of advice (the `reason` of `--json`, and
 * the table row of photos with nothing read). Unknown codes fall back to the code in words.
 */
import type { ReadResult } from '../core/card.js';

/** A short label (≤ 19 characters: the PAN column) and the advice behind it. */
export interface Reason {
  readonly short: string;
  readonly advice: string;
}

const RETAKE = 'retake it sharper, in even light, without glare';
const FRAME = 'fit the whole card in the frame';

/** Why the card number is missing (`missing.pan`, from the fusion and the PAN checks). */
const PAN_REASONS: Record<string, Reason> = {
  not_found: { short: 'no number found', advice: `no card number found — ${FRAME}, number side up` },
  single_reading: { short: 'number read once', advice: `card number read only once, not confirmed — ${RETAKE}` },
  conflicting_readings: { short: 'readings disagree', advice: `card number readings disagree — ${RETAKE}` },
  luhn_failed: { short: 'check digit failed', advice: 'card number fails its check digit — retake it, or check the card' },
  failed_checks: { short: 'check digit failed', advice: 'card number fails its check digit — retake it, or check the card' },
  unknown_iin: { short: 'unknown issuer', advice: 'number matches no known card issuer — check it is a payment card' },
  bad_length: { short: 'number cut off', advice: `card number incomplete — ${FRAME}` },
  bad_grouping: { short: 'number cut off', advice: `card number incomplete — ${FRAME}` },
  low_confidence: { short: 'number unclear', advice: `card number unclear — ${RETAKE}` },
  unsafe_repair: { short: 'number unclear', advice: `card number unclear — ${RETAKE}` },
  ambiguous: { short: 'number unclear', advice: `card number unclear — ${RETAKE}` },
  not_card_like: { short: 'not a card?', advice: `a number that fails its check digit, with nothing else of a card around it — ${FRAME}` },
};

/** Why the whole photo failed (`error.code`). */
const ERROR_REASONS: Record<string, Reason> = {
  no_card: { short: 'no card found', advice: `no card found — ${FRAME}, on a plain background` },
  invalid_image: { short: 'unreadable image', advice: 'not a readable image — the file is damaged or truncated' },
  unsupported_format: { short: 'not a photo', advice: 'not a JPEG, PNG or WebP photo' },
  too_large: { short: 'image too large', advice: 'image too large — send a smaller or lower-resolution photo' },
  timeout: { short: 'took too long', advice: 'image took too long to decode — send a smaller photo' },
  ocr_failed: { short: 'reader failed', advice: 'the text reader failed on this photo — run the scan again' },
  internal: { short: 'internal error', advice: 'internal error — run the scan again; report it if it persists' },
};

/** Why another field is missing (expiry, name, brand), as a short phrase. */
export const FIELD_REASONS: Readonly<Record<string, string>> = {
  not_found: 'not found',
  unreadable: 'unreadable',
  implausible_date: 'date implausible',
  only_valid_from: 'only a valid-from date',
  impossible_month: 'impossible month',
  non_gregorian: 'not a Gregorian date',
  placeholder: 'placeholder date',
  non_latin: 'not in Latin letters',
  low_confidence: 'unclear',
  not_a_name: 'no name on the card',
  no_pan: 'needs the card number',
  conflicting_readings: 'readings disagree',
  no_number_near: 'away from the number',
  not_near_number: 'away from the number',
  cut_off: 'runs off the photo',
  unknown_iin: 'unknown issuer',
};

const inWords = (code: string): string => code.replace(/_/g, ' ');

/** The reason of one missing field, in words (`expiry: "only a valid-from date"`). */
export function fieldReason(field: string, code: string): string {
  if (field === 'pan') return (PAN_REASONS[code] ?? ERROR_REASONS[code])?.advice ?? inWords(code);
  return FIELD_REASONS[code] ?? inWords(code);
}

/**
 * Why this result holds no verified card number, or null when it has one. Errors (no card,
 * a damaged file) come first: they explain every missing field at once.
 */
export function reasonOf(result: Pick<ReadResult, 'status' | 'card' | 'missing' | 'error'>): Reason | null {
  if (result.card.pan !== null && result.status === 'ok') return null;
  const code = result.error?.code;
  if (code) return ERROR_REASONS[code] ?? { short: inWords(code).slice(0, 19), advice: result.error?.message ?? inWords(code) };
  if (result.status === 'no_card') return ERROR_REASONS.no_card ?? null;
  const pan = result.missing.pan ?? 'not_found';
  return PAN_REASONS[pan] ?? { short: inWords(pan).slice(0, 19), advice: `card number missing: ${inWords(pan)}` };
}
