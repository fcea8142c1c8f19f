/**
 * Accuracy of the reader against ground truth (truth.json in the shared corpus format).
 * Pure functions: the caller supplies, per photo, what the reader reported (the full PAN
 * kept in memory only for the comparison, never printed).
 */
import { z } from 'zod';

const truthEntry = z.object({
  file: z.string().min(1),
  kind: z.enum(['payment_card', 'none']),
  pan: z.string().regex(/^\d{12,19}$/).optional(),
  brand: z.string().optional(),
  expiry: z.string().optional(),
  name: z.string().optional(),
  style: z.record(z.string(), z.unknown()).optional(),
});

/** One photo's ground truth. */
export type TruthEntry = z.infer<typeof truthEntry>;

/** Validates a parsed truth.json. */
export function parseTruth(json: unknown): TruthEntry[] {
  const entries = z.array(truthEntry).parse(json);
  for (const e of entries) {
    if (e.kind === 'payment_card' && !e.pan) throw new Error(`truth for ${e.file} is a card without a pan`);
  }
  return entries;
}

/** What the reader reported for one photo (full PAN in memory only). */
export interface Reading {
  status: string;
  pan: string | null;
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
  expiryExact: number;
  nameExact: number;
  nameCharAccuracy: number;
  brand: number;
  /** Photos without a card for which a PAN was reported (must be 0). */
  negativesWithPan: number;
  /** Photos whose read failed outright (status `failed`). */
  failed: number;
  statuses: Record<string, number>;
  /** Per-photo misses, PANs masked by the caller's formatter. */
  misses: Array<{ file: string; field: 'pan' | 'expiry' | 'name' | 'brand' | 'negative'; expected: string | null; got: string | null }>;
}

/** Levenshtein edit distance. */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** 1 − edit distance / longer length (1 = identical, 0 = nothing in common; missing = 0). */
export function charAccuracy(expected: string, got: string | null): number {
  if (got === null) return 0;
  const longest = Math.max(expected.length, got.length);
  return longest === 0 ? 1 : 1 - levenshtein(expected, got) / longest;
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
    expiryExact: 0,
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
  let nameChars = 0;
  for (const t of cards) {
    const r = get(t.file);
    if (r.pan === t.pan) acc.panExact++;
    else {
      if (r.pan !== null) acc.wrongPan++;
      acc.misses.push({ file: t.file, field: 'pan', expected: t.pan ?? null, got: r.pan });
    }
    if (r.expiry === (t.expiry ?? null)) acc.expiryExact++;
    else acc.misses.push({ file: t.file, field: 'expiry', expected: t.expiry ?? null, got: r.expiry });
    if (r.name === (t.name ?? null)) acc.nameExact++;
    else acc.misses.push({ file: t.file, field: 'name', expected: t.name ?? null, got: r.name });
    nameChars += charAccuracy(t.name ?? '', r.name);
    if (r.brand === (t.brand ?? null)) acc.brand++;
    else acc.misses.push({ file: t.file, field: 'brand', expected: t.brand ?? null, got: r.brand });
  }
  for (const t of negatives) {
    const r = get(t.file);
    if (r.pan !== null) {
      acc.negativesWithPan++;
      acc.misses.push({ file: t.file, field: 'negative', expected: null, got: r.pan });
    }
  }
  const n = cards.length || 1;
  acc.panExact /= n;
  acc.wrongPan /= n;
  acc.expiryExact /= n;
  acc.nameExact /= n;
  acc.brand /= n;
  acc.nameCharAccuracy = nameChars / n;
  return acc;
}
