/**
 * What the page says about a scan, as advice a person can act on, from the stable codes the
 * API returns (`error.code`, `missing.<field>`, `outcome`). The CLI has its own, terser
 * table (functions/cli/reasons.ts); the page writes whole sentences. Unknown codes fall back
 * to the code in words, never to an algorithm's internals.
 */
import { redactPans } from '../../../../core/mask.js';
import type { ScanView } from '../../schemas.js';

/** 1 MB as the API states limits (1,048,576 bytes). */
export const MB = 1024 * 1024;

/** A byte count in MB for people (`15 MB`, `2.4 MB`). */
export function inMB(bytes: number): string {
  const mb = bytes / MB;
  return `${mb >= 10 || Number.isInteger(mb) ? Math.round(mb) : Math.round(mb * 10) / 10} MB`;
}

export const NO_CARD_ADVICE = "We couldn't find a card. Fit the whole card in the frame, on a plain background, without glare.";
const RETAKE = 'Take the photo again, sharper, in even light and without glare.';

/** The fields the page shows, in reading order, with their labels. */
export const FIELDS = [
  { key: 'pan', label: 'Number' },
  { key: 'expiry', label: 'Expiry' },
  { key: 'name', label: 'Name' },
] as const;
export type FieldKey = (typeof FIELDS)[number]['key'];

const FAILURE: Readonly<Record<string, string>> = {
  no_card: NO_CARD_ADVICE,
  invalid_image: "This file couldn't be opened as a photo: it may be damaged or cut short. Choose the photo again.",
  unsupported_format: "This isn't a photo we can read. Use a JPEG, PNG or WebP photo.",
  too_large: 'This photo is too large to read. Send a smaller photo, or take it at a lower resolution.',
  timeout: 'This photo took too long to read. Send a smaller photo.',
  ocr_failed: 'The reader failed on this photo. Try it again in a moment.',
  dead_lettered: "We couldn't read this photo after several tries. Try again later.",
  not_found: 'The photo was gone before it could be read. Scan it again.',
  internal: 'Something went wrong on our side. Try again; if it keeps happening, tell the operator.',
  service_unavailable: 'The service is busy right now. Try this photo again in a moment.',
};

/** Why the card number is missing (`missing.pan`), as advice. */
const PAN_MISSING: Readonly<Record<string, string>> = {
  not_found: 'no card number was found. Fit the whole card in the frame, number side up.',
  single_reading: `the number was read only once, so it is not confirmed. ${RETAKE}`,
  conflicting_readings: `the readings of the number disagree. ${RETAKE}`,
  luhn_failed: "the number fails its check digit. Take the photo again, or check it's a payment card.",
  failed_checks: "the number fails its check digit. Take the photo again, or check it's a payment card.",
  unknown_iin: "the number matches no known card issuer. Check it's a payment card.",
  bad_length: 'the number looks cut off. Fit the whole card in the frame.',
  bad_grouping: 'the number looks cut off. Fit the whole card in the frame.',
  low_confidence: `the number is unclear. ${RETAKE}`,
  unsafe_repair: `the number is unclear. ${RETAKE}`,
  ambiguous: `the number is unclear. ${RETAKE}`,
  not_card_like: "a number was read, but nothing else says it's a card's. Fit the whole card in the frame.",
};

/** Why another field is missing, as a short phrase. */
export const FIELD_MISSING: Readonly<Record<string, string>> = {
  not_found: 'not found on the card',
  unreadable: 'unreadable: take the photo again, sharper',
  implausible_date: "the date doesn't look like an expiry date",
  only_valid_from: 'only a "valid from" date was found',
  impossible_month: 'the month is not a real month',
  non_gregorian: 'not a date we can read',
  placeholder: 'a placeholder date (00/00)',
  non_latin: 'not in Latin letters',
  low_confidence: 'unclear: take the photo again, sharper',
  not_a_name: 'no name printed on the card',
  no_pan: 'needs the card number first',
  conflicting_readings: 'read two different ways, so not reported: take the photo again, straight on',
  no_number_near: 'a date was seen away from the card number: fit only the card in the frame',
  not_near_number: 'a name was seen away from the card number: fit only the card in the frame',
  cut_off: "runs off the photo's edge: fit the whole card in the frame",
  unknown_iin: 'the number matches no known card issuer',
};

const inWords = (code: string): string => code.replace(/_/g, ' ');

/** Why one field is missing, in words (`expiry` → "only a "valid from" date was found"). */
export function missingReason(field: string, code: string): string {
  if (field === 'pan') return PAN_MISSING[code] ?? inWords(code);
  return FIELD_MISSING[code] ?? inWords(code);
}

/** What to tell the user about a finished scan, or null when everything was read. */
export function adviceFor(scan: Pick<ScanView, 'status' | 'outcome' | 'card' | 'missing' | 'error'>): string | null {
  if (scan.status === 'failed') {
    const code = scan.outcome === 'no_card' ? 'no_card' : (scan.error?.code ?? 'internal');
    return FAILURE[code] ?? `We couldn't read this photo (${inWords(code)}).`;
  }
  if (scan.status !== 'done') return null;
  if (scan.outcome === 'no_card') return NO_CARD_ADVICE;
  const gaps = FIELDS.filter((f) => scan.missing[f.key]).map((f) => `${f.label}: ${missingReason(f.key, scan.missing[f.key] ?? '')}`);
  if (!scan.card?.pan) return `The card number wasn't read — ${missingReason('pan', scan.missing['pan'] ?? 'not_found')}`;
  if (gaps.length === 0) return null;
  return `Partly read. ${gaps.join('. ')}.`;
}

/** A short status for a list row: what happened, in a few words. */
export function shortStatus(scan: Pick<ScanView, 'status' | 'outcome' | 'card' | 'missing' | 'error'>): string {
  switch (scan.status) {
    case 'awaiting_upload':
      return 'Waiting for the photo';
    case 'queued':
      return 'Queued';
    case 'preprocessing':
      return 'Finding the card…';
    case 'reading':
      return 'Reading the card…';
    case 'failed':
      if (scan.outcome === 'no_card' || scan.error?.code === 'no_card') return 'No card found';
      return scan.error?.code === 'dead_lettered' ? 'Gave up after several tries' : "Couldn't read the photo";
    case 'done': {
      if (scan.outcome === 'no_card') return 'No card found';
      if (!scan.card?.pan) return 'Card number not read';
      const gaps = FIELDS.filter((f) => f.key !== 'pan' && scan.missing[f.key]).map((f) => f.label.toLowerCase());
      return gaps.length ? `Read, without ${gaps.join(' and ')}` : 'Card read';
    }
  }
}

/**
 * Masks card-number-like runs in a file name with the server's one redaction policy
 * (core/mask.ts, bundled into the page): the same separators, lengths and masked form.
 */
export const maskDigits = redactPans;
