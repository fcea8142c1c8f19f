/**
 * Accuracy of the reader against ground truth (truth.json in the shared corpus format), by
 * the same rules as `../shared/tools/score-cards.mjs`, so the figures can be compared:
 * - PAN exact over cards; a number that fails Luhn is never the PAN, so for a card whose
 *   printed number fails Luhn (`luhn_valid: false`, or computed) `panUnverified` counts;
 * - expiry exact over cards whose truth has a valid `MM/YY` (none printed / placeholder: not counted);
 * - name exact over cards with a name, compared on capitals and spaces only (`I. DON'T` = `I DONT`),
 *   character accuracy = 1 − Σ edit distance / Σ truth length;
 * - brand over all cards (a card whose truth has no brand never counts as right, as in the scorer);
 * - photos without a card reported with a number (PAN, or `panUnverified` where the truth
 *   says Luhn-invalid) — must be 0.
 * Pure functions: the caller supplies, per photo, what the reader reported (full numbers kept
 * in memory only for the comparison, never printed).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { distance } from 'fastest-levenshtein';
import luhn10 from 'card-validator/dist/luhn-10.js';

const optionalString = z.string().nullish().transform((v) => v ?? undefined);

const truthEntry = z.object({
  file: z.string().min(1),
  kind: z.enum(['payment_card', 'none']),
  pan: z.string().regex(/^\d{12,19}$/).nullish().transform((v) => v ?? undefined),
  /** For corpora that do not ship the number: its sha256 (and last four for messages). */
  pan_sha256: optionalString,
  pan_last4: optionalString,
  brand: optionalString,
  expiry: optionalString,
  name: optionalString,
  luhn_valid: z.boolean().nullish().transform((v) => v ?? undefined),
  style: z.record(z.string(), z.unknown()).optional(),
});

/** One photo's ground truth. */
export type TruthEntry = z.infer<typeof truthEntry>;

/** Validates a parsed truth.json. Unknown keys (notes, provenance) are ignored. */
export function parseTruth(json: unknown): TruthEntry[] {
  const entries = z.array(truthEntry).parse(json);
  for (const e of entries) {
    if (e.kind === 'payment_card' && !e.pan && !e.pan_sha256) throw new Error(`truth for ${e.file} is a card without a pan`);
  }
  return entries;
}

/** What the reader reported for one photo (full numbers in memory only). */
export interface Reading {
  status: string;
  pan: string | null;
  /** The full Luhn-failing number the reader offered for confirmation, if any. */
  panUnverified?: string | null;
  brand: string | null;
  expiry: string | null;
  name: string | null;
}

/** Accuracy figures over a set of photos; rates are fractions in [0, 1]. */
export interface Accuracy {
  photos: number;
  cards: number;
  negatives: number;
  panExact: number;
  wrongPan: number;
  noPan: number;
  /** Cards offered a `panUnverified` (for a person to confirm) that is not the printed number: a count, not a rate. */
  wrongUnverified: number;
  /** Cards whose truth has a valid MM/YY expiry (the expiry denominator). */
  expiryCards: number;
  expiryExact: number;
  /** Among expiryCards: a different date was reported. */
  expiryWrong: number;
  /** Cards with no (valid) expiry printed for which one was reported anyway. */
  expiryInvented: number;
  /** Cards whose truth has a name (the name denominator). */
  nameCards: number;
  nameExact: number;
  nameCharAccuracy: number;
  brand: number;
  /** Photos without a card for which a number was reported (must be 0). */
  negativesWithPan: number;
  /** Photos whose read failed outright (status `failed`). */
  failed: number;
  statuses: Record<string, number>;
  /** Per-photo misses, PANs masked by the caller's formatter. */
  misses: Array<{ file: string; field: 'pan' | 'expiry' | 'name' | 'brand' | 'negative'; expected: string | null; got: string | null }>;
}

/** 1 − edit distance / longer length (1 = identical, 0 = nothing in common; missing = 0). */
export function charAccuracy(expected: string, got: string | null): number {
  if (got === null) return 0;
  const longest = Math.max(expected.length, got.length);
  return longest === 0 ? 1 : 1 - distance(expected, got) / longest;
}

/** Names as the scorer compares them: capitals and single spaces only. */
export const normName = (s: string | null | undefined): string =>
  (s ?? '').toUpperCase().replace(/[^A-Z ]/g, '').replace(/\s+/g, ' ').trim();

const VALID_EXPIRY = /^(0[1-9]|1[0-2])\/\d\d$/;
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Whether the card's printed number fails Luhn (then `panUnverified` is the right answer). */
export function truthFailsLuhn(t: TruthEntry): boolean {
  return t.luhn_valid === false || (t.pan !== undefined && !luhn10(t.pan));
}

/** The number a reading counts with for this truth entry (PAN, else unverified where allowed). */
export function countedPan(t: TruthEntry, r: Reading): string | null {
  return r.pan ?? (truthFailsLuhn(t) ? (r.panUnverified ?? null) : null);
}

/** Whether a number is the truth's card number. */
export function isTruePan(t: TruthEntry, pan: string): boolean {
  return t.pan !== undefined ? pan === t.pan : t.pan_sha256 !== undefined && sha256(pan) === t.pan_sha256;
}

/** Scores readings against truth. Every truth entry must have a reading. */
export function score(truth: readonly TruthEntry[], readings: ReadonlyMap<string, Reading>): Accuracy {
  const cards = truth.filter((t) => t.kind === 'payment_card');
  const negatives = truth.filter((t) => t.kind === 'none');
  const acc: Accuracy = {
    photos: truth.length,
    cards: cards.length,
    negatives: negatives.length,
    panExact: 0,
    wrongPan: 0,
    noPan: 0,
    wrongUnverified: 0,
    expiryCards: 0,
    expiryExact: 0,
    expiryWrong: 0,
    expiryInvented: 0,
    nameCards: 0,
    nameExact: 0,
    nameCharAccuracy: 0,
    brand: 0,
    negativesWithPan: 0,
    failed: 0,
    statuses: {},
    misses: [],
  };
  const get = (file: string): Reading => {
    const r = readings.get(file);
    if (!r) throw new Error(`no reading for ${file}`);
    return r;
  };
  for (const t of truth) {
    const r = get(t.file);
    acc.statuses[r.status] = (acc.statuses[r.status] ?? 0) + 1;
    if (r.status === 'failed') acc.failed++;
  }
  let nameErrors = 0;
  let nameChars = 0;
  for (const t of cards) {
    const r = get(t.file);
    const pan = countedPan(t, r);
    if (r.pan === null && r.panUnverified && !isTruePan(t, r.panUnverified)) acc.wrongUnverified++;
    if (pan !== null && isTruePan(t, pan)) acc.panExact++;
    else {
      if (pan !== null) acc.wrongPan++;
      else acc.noPan++;
      acc.misses.push({ file: t.file, field: 'pan', expected: t.pan ?? (t.pan_last4 ? `…${t.pan_last4}` : null), got: pan });
    }
    if (t.expiry && VALID_EXPIRY.test(t.expiry)) {
      acc.expiryCards++;
      const got = r.expiry ? r.expiry.replace(/\s/g, '') : null;
      if (got === t.expiry) acc.expiryExact++;
      else {
        if (got) acc.expiryWrong++;
        acc.misses.push({ file: t.file, field: 'expiry', expected: t.expiry, got });
      }
    } else if (r.expiry) {
      acc.expiryInvented++;
      acc.misses.push({ file: t.file, field: 'expiry', expected: null, got: r.expiry });
    }
    if (t.name) {
      acc.nameCards++;
      const a = normName(r.name);
      const b = normName(t.name);
      if (a === b) acc.nameExact++;
      else acc.misses.push({ file: t.file, field: 'name', expected: t.name, got: r.name });
      nameErrors += Math.min(b.length, distance(a, b));
      nameChars += b.length;
    }
    const norm = (s: string): string => s.toLowerCase().replace(/[^a-z]/g, '');
    if (t.brand && r.brand && norm(r.brand) === norm(t.brand)) acc.brand++;
    else if ((t.brand ?? null) !== (r.brand ?? null)) acc.misses.push({ file: t.file, field: 'brand', expected: t.brand ?? null, got: r.brand });
  }
  for (const t of negatives) {
    const r = get(t.file);
    const pan = r.pan ?? r.panUnverified ?? null;
    if (pan !== null) {
      acc.negativesWithPan++;
      acc.misses.push({ file: t.file, field: 'negative', expected: null, got: pan });
    }
  }
  const n = cards.length || 1;
  acc.panExact /= n;
  acc.wrongPan /= n;
  acc.noPan /= n;
  acc.brand /= n;
  acc.expiryExact /= acc.expiryCards || 1;
  acc.expiryWrong /= acc.expiryCards || 1;
  acc.nameExact /= acc.nameCards || 1;
  acc.nameCharAccuracy = nameChars ? 1 - nameErrors / nameChars : 0;
  return acc;
}
