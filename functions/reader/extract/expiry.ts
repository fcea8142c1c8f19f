/**
 * Expiry extraction: `MM/YY` (or `MM/YYYY`) dates, read with their labels. A date labelled
 * VALID FROM / MEMBER SINCE is never the expiry; a date labelled VALID THRU, GOOD THRU,
 * EXPIRES (END), VALID UNTIL or MONTH/YEAR is preferred; among unlabelled dates the latest
 * wins (a card's start date always precedes its end date). Impossible months and years far
 * outside a card's life are rejected.
 */
import { repairDigits, type TextLine } from './text.js';

export interface DateCandidate {
  /** NaN when the reader saw a date but could not read it (`??/YY`). */
  readonly month: number;
  /** Four-digit year. */
  readonly year: number;
  readonly label: 'expiry' | 'from' | null;
  readonly confidence: number;
}

export interface ExpiryResult {
  /** `MM/YY`. */
  readonly expiry: string | null;
  readonly confidence: number | null;
  readonly reason: string | null;
}

// Label words, matched loosely because small label print is read with errors.
const FROM_LABEL = /FRO|FR0M|SINCE|ISSUE|MEMBER|START/;
const EXPIRY_LABEL = /THR|THU|EXP|END|UNTIL|UNT1L|GOOD|YEAR|VAL1D\s*TO|VALID\s*TO/;

const DATE_TOKEN = /^([0-9A-Za-z]{1,2})[/\\]([0-9A-Za-z]{2}|[0-9A-Za-z]{4})$/;
/** A date the reader located but could not read, e.g. `??/29`. */
const UNREADABLE_DATE = /^[0-9?]{2}[/\\][0-9?]{2}$/;

/** Dates on one line, each with the label words written just before it (if any). */
export function dateCandidates(line: TextLine, now: Date): DateCandidate[] {
  // Close up spaces around slashes so "05 / 29" reads as one token; keep MONTH/YEAR intact.
  const text = line.text.replace(/\s*([/\\])\s*/g, '$1');
  const toks = text.split(/\s+/).filter((t) => t.length > 0);
  const out: DateCandidate[] = [];
  let labelWindow: string[] = [];
  for (const raw of toks) {
    const tok = raw.replace(/^[^0-9A-Za-z?]+|[^0-9A-Za-z/\\?]+$/g, '');
    if (tok.includes('?') && UNREADABLE_DATE.test(tok)) {
      const labelText = labelWindow.join(' ').toUpperCase();
      const label = FROM_LABEL.test(labelText) ? 'from' : EXPIRY_LABEL.test(labelText) ? 'expiry' : null;
      labelWindow = [];
      out.push({ month: NaN, year: NaN, label, confidence: 0 });
      continue;
    }
    const m = DATE_TOKEN.exec(tok);
    const mm = m?.[1] ? repairDigits(m[1]) : null;
    const yy = m?.[2] ? repairDigits(m[2]) : null;
    if (m && mm && yy && mm.digits.length >= 1) {
      const month = Number(mm.digits);
      const yearDigits = yy.digits;
      const year = yearDigits.length === 4 ? Number(yearDigits) : 2000 + Number(yearDigits);
      const labelText = labelWindow.join(' ').toUpperCase();
      const label = FROM_LABEL.test(labelText) ? 'from' : EXPIRY_LABEL.test(labelText) ? 'expiry' : null;
      labelWindow = [];
      if (!plausible(month, year, now)) continue;
      const subs = mm.substitutions + yy.substitutions;
      out.push({ month, year, label, confidence: line.confidence * Math.pow(0.8, subs) });
      continue;
    }
    // Keep only the last few words before a date as its label.
    labelWindow.push(tok);
    if (labelWindow.length > 3) labelWindow.shift();
  }
  return out;
}

/** Months 1–12; years within a card's life around today (expired cards still read). */
function plausible(month: number, year: number, now: Date): boolean {
  if (!Number.isInteger(month) || month < 1 || month > 12) return false;
  const thisYear = now.getUTCFullYear();
  return year >= thisYear - 15 && year <= thisYear + 20;
}

const fmt = (d: DateCandidate): string =>
  `${String(d.month).padStart(2, '0')}/${String(d.year % 100).padStart(2, '0')}`;
const ordinal = (d: DateCandidate): number => d.year * 12 + d.month;

/** Picks the expiry date from all lines (lines read as the number or the name are ignored). */
export function extractExpiry(lines: readonly TextLine[], now: Date = new Date()): ExpiryResult {
  const found = lines.filter((l) => l.role !== 'number' && l.role !== 'name').flatMap((l) => dateCandidates(l, now));
  const all = found.filter((d) => Number.isFinite(d.month));
  // A date that was seen but not read, and is not a start date, may be the expiry: unless
  // another date is labelled as the expiry, which one is cannot be told, so report none.
  const unreadable = found.some((d) => !Number.isFinite(d.month) && d.label !== 'from');
  if (unreadable && !all.some((d) => d.label === 'expiry')) {
    return { expiry: null, confidence: null, reason: 'unreadable' };
  }
  const from = all.filter((d) => d.label === 'from');
  const latestFrom = from.length > 0 ? Math.max(...from.map(ordinal)) : -Infinity;
  // An expiry cannot precede the card's start date.
  const usable = all.filter((d) => d.label !== 'from' && ordinal(d) > latestFrom);
  if (usable.length === 0) {
    return { expiry: null, confidence: null, reason: all.length > 0 ? 'only_valid_from' : 'not_found' };
  }
  const labelled = usable.filter((d) => d.label === 'expiry');
  const pool = labelled.length > 0 ? labelled : usable;
  // Latest date first; ties broken by confidence.
  const sorted = [...pool].sort((a, b) => ordinal(b) - ordinal(a) || b.confidence - a.confidence);
  const top = sorted[0]!;
  // Readings of the same date from several hypotheses reinforce each other.
  const agreeing = pool.filter((d) => ordinal(d) === ordinal(top));
  const confidence = Math.max(...agreeing.map((d) => d.confidence));
  return { expiry: fmt(top), confidence, reason: null };
}
