/**
 * Where each card-number miss failed, from the reader's diagnostics (`onDiagnostics`):
 * - `no_text`:  no line with digits was read at all (the number was never seen as text);
 * - `misread`:  number-like lines were read, but none holds the card's digits (OCR errors);
 * - `rejected`: a line (or a candidate) had exactly the right digits, but fusion or the
 *               checks refused it (read once, conflicting readings, grouping, confidence…);
 * - `wrong`:    a different number was reported (a misread that passed every check);
 * - `unknown`:  the reader gave no diagnostics for the photo.
 * Pure; the detail strings hold masked numbers only (first 6 + last 4 at most).
 */
import { maskPan } from '../../functions/core/mask.js';
import { judgeLine } from '../../functions/reader/extract/index.js';
import { distance } from 'fastest-levenshtein';
import { countedPan, isTruePan, type Reading, type TruthEntry } from './score.js';

/** The slice of the reader's ReadDiagnostics the bench uses (structural: older readers may send less). */
export interface BenchDiagnostics {
  readonly lines?: ReadonlyArray<{ readonly source: string; readonly digits: string; readonly confidence: number }>;
  readonly panCandidates?: ReadonlyArray<{ readonly digits: string; readonly sources: readonly string[]; readonly verdict: string; readonly confidence: number }>;
  readonly panReason?: string | null;
  readonly views?: ReadonlyArray<{ readonly id: string }>;
  /** What the learned engines were asked to do on the photo (reader's WorkDiagnostic). */
  readonly work?: {
    readonly detect: ReadonlyArray<{ readonly width: number; readonly height: number; readonly maxSide: number | null }>;
    readonly lines: Readonly<Record<string, number>>;
    readonly skipped: readonly string[];
  };
}

export type MissClass = 'no_text' | 'misread' | 'rejected' | 'wrong' | 'unknown';

export interface PanMiss {
  readonly file: string;
  readonly class: MissClass;
  /** Masked, human-readable detail (never a full number). */
  readonly detail: string;
}

/** A digit string as it may be printed: masked when long enough to be a number, else its length. */
export const maskedDigits = (d: string): string => (d.length >= 12 ? maskPan(d) : `${d.length} digits`);

/** Classifies one card's PAN miss. Null when the PAN was right. */
export function classifyPanMiss(t: TruthEntry, r: Reading, diag: BenchDiagnostics | null): PanMiss | null {
  const got = countedPan(t, r);
  if (got !== null && isTruePan(t, got)) return null;
  const truth = t.pan;
  const file = t.file;
  if (got !== null && !diag) return { file, class: 'wrong', detail: `reported ${maskedDigits(got)}` };
  if (!diag) return { file, class: 'unknown', detail: `reader gave no diagnostics (reason ${r.status})` };
  const lines = diag.lines ?? [];
  const cands = diag.panCandidates ?? [];
  const right = (d: string): boolean => (truth !== undefined ? d === truth : isTruePan(t, d));
  const reason = diag.panReason ? `reason ${diag.panReason}` : 'no reason given';
  const hit = cands.find((c) => right(c.digits));
  if (got !== null) {
    return { file, class: 'wrong', detail: `reported ${maskedDigits(got)}; ${hit ? `the right number was a candidate (${hit.verdict}, ${hit.sources.length} source(s))` : 'the right number was no candidate'}` };
  }
  if (hit) return { file, class: 'rejected', detail: `right number was a candidate: ${hit.verdict}, read by ${hit.sources.join(', ') || 'no source'}; ${reason}` };
  const line = lines.find((l) => right(l.digits) || (truth !== undefined && l.digits.includes(truth)));
  if (line) {
    // What the field checks say about those digits on their own (IIN, length, Luhn).
    const verdict = line.digits === truth ? (judgeLine({ text: line.digits, confidence: 1 })[0]?.verdict ?? 'not a run') : 'more digits around them';
    return { file, class: 'rejected', detail: `a line from ${line.source} had the right digits (checks: ${verdict}), no candidate made of it; ${reason}` };
  }
  // Split over several lines of one source (a stack or separate boxes), in reading order.
  if (truth !== undefined) {
    const bySource = new Map<string, string>();
    for (const l of lines) bySource.set(l.source, (bySource.get(l.source) ?? '') + l.digits);
    for (const [source, digits] of bySource) {
      if (digits.includes(truth)) return { file, class: 'rejected', detail: `the right digits were read by ${source} split over several lines, not joined; ${reason}` };
    }
  }
  if (lines.length === 0) return { file, class: 'no_text', detail: `no line with digits on ${diag.views?.length ?? 0} view(s); ${reason}` };
  // Closest read, to tell "one digit off" from "nothing like it".
  let best: { d: string; dist: number; source: string } | null = null;
  for (const l of lines) {
    const dist = truth !== undefined ? distance(l.digits, truth) : Number.NaN;
    if (!best || dist < best.dist) best = { d: l.digits, dist, source: l.source };
  }
  const longest = Math.max(...lines.map((l) => l.digits.length));
  return {
    file,
    class: 'misread',
    detail: `${lines.length} digit line(s), longest ${longest} digits; closest ${best ? `${maskedDigits(best.d)} (${Number.isFinite(best.dist) ? `${best.dist} edits` : 'distance unknown'}, ${best.source})` : '-'}; ${reason}`,
  };
}

/** Counts per class. */
export function missCounts(misses: readonly PanMiss[]): Record<MissClass, number> {
  const out: Record<MissClass, number> = { no_text: 0, misread: 0, rejected: 0, wrong: 0, unknown: 0 };
  for (const m of misses) out[m.class]++;
  return out;
}
