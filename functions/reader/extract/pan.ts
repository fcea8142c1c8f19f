/**
 * PAN extraction: finds a 13–19 digit card number in read lines and checks it the way a
 * careful human would — Luhn (card-validator), a known IIN with a length that IIN allows
 * (credit-card-type), and a grouping that matches how that brand prints its numbers.
 * Luhn alone is not enough: one in ten random fragments passes it.
 */
import cardValidator from 'card-validator';
import creditCardType from 'credit-card-type';
import { repairDigits, tokens, type TextLine } from './text.js';

/** Brand names reported by the reader: credit-card-type's ids, with two shortened. */
export function brandName(type: string): string {
  if (type === 'american-express') return 'amex';
  if (type === 'diners-club') return 'diners';
  return type;
}

/** The brand of a (possibly partial) PAN from its IIN, when exactly one network claims it. */
export function brandOf(pan: string): string | null {
  const types = creditCardType(pan);
  const full = types.filter((t) => t.lengths.includes(pan.length));
  const pick = full.length > 0 ? full : types;
  if (pick.length === 0) return null;
  // credit-card-type lists the most specific match first (longest pattern).
  const best = [...pick].sort((a, b) => (b.matchStrength ?? 0) - (a.matchStrength ?? 0))[0];
  return best ? brandName(best.type) : null;
}

export interface PanCandidate {
  readonly digits: string;
  /** Group sizes as printed, e.g. [4, 6, 5]. */
  readonly groups: readonly number[];
  readonly luhnValid: boolean;
  readonly brand: string | null;
  readonly confidence: number;
}

export interface PanResult {
  readonly pan: string | null;
  readonly panUnverified: string | null;
  readonly brand: string | null;
  readonly confidence: number | null;
  readonly brandConfidence: number | null;
  /** Why no verified PAN was reported. */
  readonly reason: string | null;
}

/** Whether the printed grouping is one a network uses for a number of this brand and length. */
export function groupingFits(groups: readonly number[], gaps: readonly number[], length: number): boolean {
  if (groups.length === 1) return true; // printed without spaces
  const boundaries: number[] = [];
  let at = 0;
  for (const g of groups.slice(0, -1)) {
    at += g;
    boundaries.push(at);
  }
  const brandGaps = gaps.filter((g) => g < length);
  if (boundaries.length === brandGaps.length && boundaries.every((b, i) => b === brandGaps[i])) return true;
  // Common printings not listed in the library's gaps: 19 digits as 4-4-4-4-3 or 6-13.
  const key = groups.join('-');
  if (length === 19 && (key === '4-4-4-4-3' || key === '6-13')) return true;
  if (length === 16 && key === '4-4-4-4') return true;
  return false;
}

/** Checks one digit string with its grouping. Null when it cannot be a card number at all. */
export function checkPan(digits: string, groups: readonly number[], confidence: number): PanCandidate | null {
  if (digits.length < 13 || digits.length > 19) return null;
  const types = creditCardType(digits).filter((t) => t.lengths.includes(digits.length));
  const fitting = types.filter((t) => groupingFits(groups, t.gaps, digits.length));
  const type = fitting[0];
  if (!type) return null;
  const verdict = cardValidator.number(digits, { luhnValidateUnionPay: true });
  return {
    digits,
    groups,
    luhnValid: verdict.isValid,
    brand: brandName(type.type),
    confidence,
  };
}

/** Every plausible card number on one line: runs of number-like tokens of 13–19 digits in total. */
export function panCandidates(line: TextLine): PanCandidate[] {
  const toks = tokens(line.text.replace(/[-–]/g, ' '));
  const repaired = toks.map((t) => repairDigits(t));
  const out: PanCandidate[] = [];
  for (let i = 0; i < repaired.length; i++) {
    let digits = '';
    let subs = 0;
    const groups: number[] = [];
    for (let j = i; j < repaired.length; j++) {
      const r = repaired[j];
      if (!r) break;
      digits += r.digits;
      subs += r.substitutions;
      groups.push(r.digits.length);
      if (digits.length > 19) break;
      // Every substituted letter costs confidence: it was a guess.
      const c = checkPan(digits, groups, line.confidence * Math.pow(0.85, subs));
      if (c) out.push(c);
    }
  }
  return out;
}

/**
 * Picks the card number from all lines. A verified PAN passes Luhn, IIN/length and grouping.
 * Two different verified numbers with similar confidence make the PAN ambiguous (missing):
 * a wrong number is worse than none.
 */
export function extractPan(lines: readonly TextLine[]): PanResult {
  const candidates = lines.filter((l) => l.role !== 'name' && l.role !== 'expiry').flatMap(panCandidates);
  const best = new Map<string, PanCandidate>();
  for (const c of candidates) {
    const prev = best.get(c.digits);
    if (!prev || c.confidence > prev.confidence) best.set(c.digits, c);
  }
  const ranked = [...best.values()].sort((a, b) => b.confidence - a.confidence || b.digits.length - a.digits.length);
  const valid = ranked.filter((c) => c.luhnValid);
  const top = valid[0];
  if (top) {
    const runnerUp = valid.find((c) => c.digits !== top.digits && !top.digits.includes(c.digits));
    if (runnerUp && top.confidence - runnerUp.confidence < 0.15) {
      return { pan: null, panUnverified: null, brand: null, confidence: null, brandConfidence: null, reason: 'ambiguous' };
    }
    return { pan: top.digits, panUnverified: null, brand: top.brand, confidence: top.confidence, brandConfidence: top.confidence, reason: null };
  }
  const unverified = ranked.find((c) => !c.luhnValid && c.confidence >= 0.8);
  if (unverified) {
    return {
      pan: null,
      panUnverified: unverified.digits,
      brand: unverified.brand,
      confidence: null,
      brandConfidence: unverified.confidence * 0.8,
      reason: 'luhn_failed',
    };
  }
  return { pan: null, panUnverified: null, brand: null, confidence: null, brandConfidence: null, reason: ranked.length > 0 ? 'luhn_failed' : 'not_found' };
}
