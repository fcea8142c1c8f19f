/**
 * Cardholder name extraction: a line of two to five uppercase words (initials allowed), at most
 * 26 characters as on an ISO 7813 track, that is not a label, a brand or a bank name.
 */
import { tokens, type TextLine } from './text.js';

export interface NameResult {
  readonly name: string | null;
  readonly confidence: number | null;
  readonly reason: string | null;
}

// Words that mark a line as something other than a person's name.
const NOT_A_NAME = new Set([
  'BANK', 'BANCO', 'CREDIT', 'DEBIT', 'CARD', 'VALID', 'THRU', 'FROM', 'GOOD', 'EXPIRES', 'EXPIRY', 'END',
  'UNTIL', 'MONTH', 'YEAR', 'MEMBER', 'SINCE', 'VISA', 'MASTERCARD', 'AMEX', 'AMERICAN', 'EXPRESS', 'DISCOVER',
  'DINERS', 'CLUB', 'UNIONPAY', 'JCB', 'MAESTRO', 'PLATINUM', 'GOLD', 'CLASSIC', 'WORLD', 'ELITE', 'BUSINESS',
  'SIGNATURE', 'INFINITE', 'REWARDS', 'ELECTRON', 'DEBITO', 'CREDITO', 'FINANCIAL', 'TRUST', 'SAVINGS',
  'FEDERAL', 'CU', 'NA', 'PLC', 'LTD', 'INC', 'GROUP', 'CORPORATE', 'AUTHORIZED', 'SIGNATURE',
]);

/** Cleans a line into name words, or null when it cannot be a cardholder name. */
export function nameFromLine(text: string): string[] | null {
  // Tolerate stray punctuation at word edges (specks read as . or ,), nothing inside words.
  const words = tokens(text.replace(/[‘’`]/g, "'"))
    .map((w) => w.replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9.]+$/g, ''))
    .filter((w) => w.length > 0);
  if (words.length < 2 || words.length > 5) return null;
  for (const w of words) {
    if (!/^[A-Z](?:[A-Z'-]*[A-Z])?\.?$/.test(w)) return null;
    if (NOT_A_NAME.has(w.replace(/\.$/, ''))) return null;
  }
  const long = words.filter((w) => w.replace(/\.$/, '').length >= 2);
  if (long.length < 2) return null;
  if (words.join(' ').length > 26) return null;
  return words;
}

/** Picks the cardholder name: lines read from the name region first, then any unassigned line. */
export function extractName(lines: readonly TextLine[]): NameResult {
  const usable = lines.filter((l) => l.role === 'name' || l.role === 'any' || l.role === undefined);
  const found = usable
    .map((l) => ({ words: nameFromLine(l.text), line: l }))
    .filter((x): x is { words: string[]; line: TextLine } => x.words !== null)
    .sort((a, b) => rank(b.line) - rank(a.line));
  const top = found[0];
  if (!top) return { name: null, confidence: null, reason: usable.length > 0 ? 'not_a_name' : 'not_found' };
  return { name: top.words.join(' '), confidence: top.line.confidence, reason: null };
}

const rank = (l: TextLine): number => (l.role === 'name' ? 1 : 0) + l.confidence;
