/**
 * Field extraction: pure functions from read lines to checked card fields. Every field either
 * passes its checks (PAN: Luhn + IIN + length + grouping; expiry: label, month, year window;
 * name: uppercase words, not a label/brand/bank) or is missing with a reason. CVVs are never
 * looked for: three- and four-digit numbers on their own are ignored.
 */
import type { FieldConfidence, MissingReasons } from '../../core/card.js';
import { extractExpiry } from './expiry.js';
import { extractName } from './name.js';
import { extractPan } from './pan.js';
import type { TextLine } from './text.js';

export type { LineBox, TextLine } from './text.js';
export {
  brandName,
  brandOf,
  checkPan,
  extractPan,
  geometricCandidates,
  judgeLine,
  panCandidates,
  panCandidatesOfLines,
  reportable,
  PAN_CHAR_CONFIDENCE_FLOOR,
  REPAIR_OTHER_DIGITS_FLOOR,
  type PanCandidate,
  type PanResult,
  type PanVerdict,
} from './pan.js';
export { extractExpiry, dateCandidates, labelOnly, normaliseDigits, DATE_CHAR_CONFIDENCE_FLOOR, type ExpiryContext } from './expiry.js';
export { extractName, joinWordBoxes, nameFromLine, namesSeen, nonLatinText, NAME_CHAR_CONFIDENCE_FLOOR } from './name.js';
export { repairDigits } from './text.js';

/** The checked fields of one card. `pan` / `panUnverified` are full numbers: mask before output. */
export interface ExtractedFields {
  readonly pan: string | null;
  readonly panUnverified: string | null;
  readonly brand: string | null;
  readonly expiry: string | null;
  readonly name: string | null;
  readonly confidence: FieldConfidence;
  readonly missing: MissingReasons;
  /**
   * A field missing only because a character was doubted, as read (`expiry: '05/15'`, `name:
   * 'ANNAF HOLM'`): never reported alone; pass it to `fuseField` as the reading's `tentative`
   * (see extract/expiry.ts, extract/name.ts).
   */
  readonly tentative?: { readonly expiry?: string; readonly name?: string };
  /**
   * A date read with a later date cut short beside it (extract/expiry.ts `startDate`): the
   * card's start date, never its expiry. Fusion drops an expiry equal to it (reader.ts).
   */
  readonly startDate?: string;
  /** Dates read and not taken that still contradict another reading's (extract/expiry.ts `seen`). */
  readonly datesSeen?: readonly string[];
}

/** Whether any field at all was found. */
export function hasAnyField(f: ExtractedFields): boolean {
  return Boolean(f.pan || f.panUnverified || f.expiry || f.name);
}

/**
 * Extracts all card fields from the lines read on one card.
 * @param now reference date for the expiry plausibility window (tests pin it).
 */
export function extractFields(lines: readonly TextLine[], options: { now?: Date } = {}): ExtractedFields {
  const pan = extractPan(lines);
  // Dates (and the name) are looked for around the number the PAN came from, when boxes say where it is.
  const panPlace = { panBox: pan.chosen?.box ?? null, panSources: pan.chosen?.sources ?? [] };
  const expiry = extractExpiry(lines, options.now ?? new Date(), panPlace);
  // The name is looked for below the number the PAN came from, and beside the expiry (when boxes say where those are).
  const name = extractName(lines, { ...panPlace, expiryBox: expiry.box ?? null });
  const confidence: FieldConfidence = {};
  const missing: MissingReasons = {};
  if (pan.pan && pan.confidence !== null) confidence.pan = round(pan.confidence);
  else missing.pan = pan.reason ?? 'not_found';
  if (pan.brand && pan.brandConfidence !== null) confidence.brand = round(pan.brandConfidence);
  else missing.brand = 'no_pan';
  if (expiry.expiry && expiry.confidence !== null) confidence.expiry = round(expiry.confidence);
  else missing.expiry = expiry.reason ?? 'not_found';
  if (name.name && name.confidence !== null) confidence.name = round(name.confidence);
  else missing.name = name.reason ?? 'not_found';
  const tentative = { ...(expiry.tentative ? { expiry: expiry.tentative } : {}), ...(name.tentative ? { name: name.tentative } : {}) };
  return {
    pan: pan.pan,
    panUnverified: pan.panUnverified,
    brand: pan.brand,
    expiry: expiry.expiry,
    name: name.name,
    confidence,
    missing,
    ...(Object.keys(tentative).length > 0 ? { tentative } : {}),
    ...(expiry.startDate ? { startDate: expiry.startDate } : {}),
    ...(expiry.seen ? { datesSeen: expiry.seen } : {}),
  };
}

const round = (x: number): number => Math.round(Math.min(1, Math.max(0, x)) * 1000) / 1000;
