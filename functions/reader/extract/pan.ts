/**
 * PAN extraction: finds a 13–19 digit card number in read lines and checks it the way a
 * careful human would — Luhn (card-validator), a known IIN with a length that IIN allows
 * (credit-card-type), and a grouping that matches how that brand prints its numbers.
 * Luhn alone is not enough: one in ten random fragments passes it.
 *
 * What counts as one number:
 * - a *whole* run of digit groups on one line (the run is never cut: a 16-digit part of a
 *   19-digit read is not a candidate, nor is a 4-4-4-4 sub-run of five groups);
 * - lines that geometry (`box`, same reader) says belong together: a vertical stack of four
 *   4-digit lines of one print size, or digit groups a detector split into several boxes on
 *   one row. Digits are never stitched across unrelated lines.
 * Three- and four-digit runs on their own (a CVV, the 4-digit group printed under the
 * number) are never anything.
 */
import cardValidator from 'card-validator';
import creditCardType from 'credit-card-type';
// card-validator's own Luhn check: `number()` only runs it for numbers of a known brand, and
// specimen numbers with unassigned IINs still need a Luhn verdict.
import luhn10 from 'card-validator/dist/luhn-10.js';
import { tokens, type LineBox, type TextLine } from './text.js';

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

/** Why a digit run is or is not the card number (diagnostics; never holds digits). */
export type PanVerdict =
  | 'valid'
  | 'luhn_failed'
  | 'unknown_iin'
  | 'bad_length'
  | 'bad_grouping'
  | 'low_confidence'
  | 'unsafe_repair';

/** One 13–19 digit run judged by the checks (Luhn, IIN + length, grouping, confidence), with where it was read. Full digits: mask before any output. */
export interface PanCandidate {
  readonly digits: string;
  /** Group sizes as printed, e.g. [4, 6, 5]. */
  readonly groups: readonly number[];
  readonly luhnValid: boolean;
  /** Brand by IIN and length; null when no network claims the IIN. */
  readonly brand: string | null;
  readonly confidence: number;
  /** Letters read where a digit belongs and repaired (0 for clean reads). */
  readonly substitutions: number;
  /** Whether the candidate may be reported at all (see `verdict` when not). */
  readonly verdict: PanVerdict;
  /** Reader names of the lines it was read from. */
  readonly sources: readonly string[];
  /** Where the number was printed (union of its lines' boxes), when the reader knew. */
  readonly box: LineBox | null;
}

/** What `extractPan` made of one set of lines: single-reading candidates, never reportable on their own. */
export interface PanResult {
  /** A Luhn-valid candidate read once on these lines: never report it as the PAN (fuse.ts decides). */
  readonly pan: string | null;
  /** A clean Luhn-failing candidate read once: never report it either. */
  readonly panUnverified: string | null;
  readonly brand: string | null;
  readonly confidence: number | null;
  readonly brandConfidence: number | null;
  /** Why no verified PAN was reported. */
  readonly reason: string | null;
  /** The candidate the result came from (verified or unverified), for geometry and diagnostics. */
  readonly chosen: PanCandidate | null;
  /** Every distinct candidate with its verdict (full digits: mask before any output). */
  readonly candidates: readonly PanCandidate[];
}

/**
 * Floor on every digit's own recognition confidence (when the reader gives per-character
 * confidences). One weak digit is enough to make a Luhn pass a coin toss, so the whole number
 * is refused. Measured with PP-OCRv4 rec on whole-frame line crops (real-dev-v1 + 30 of
 * cards-v1, detector sides 960 and 1280): all 6 single-digit misreads of a number group
 * scored 0.34–0.57 on the wrong digit; of 1712 right digits 0.6 % scored under 0.6 (p1 0.72).
 */
export const PAN_CHAR_CONFIDENCE_FLOOR = 0.6;

/**
 * Letter→digit repair is allowed only where a wrong repair cannot slip through as a
 * Luhn-valid number: at most ONE repaired character per number, only from letters that look
 * like exactly one digit (O→0, I/l/|→1, S→5, B→8, Z→2), and only when the reader gives
 * per-character confidences and every other digit clears REPAIR_OTHER_DIGITS_FLOOR. Why: Luhn
 * catches every single-digit error, so with all other digits right a wrong repair always
 * fails Luhn; it passes by chance (1 in 10) only when another digit is also wrong. Earlier
 * measurements mapping Tesseract's letters back to digits produced wrong Luhn-valid numbers
 * exactly that way (letters came with other misreads), so without per-character evidence
 * that the rest is sound, no repair at all.
 */
export const REPAIR_OTHER_DIGITS_FLOOR = 0.9;
const SAFE_LOOKALIKES: Readonly<Record<string, string>> = { O: '0', o: '0', I: '1', l: '1', '|': '1', S: '5', B: '8', Z: '2' };

/** Printings of numbers not spelled out in credit-card-type's gaps (by total length). */
const EXTRA_GROUPINGS: Readonly<Record<number, readonly string[]>> = {
  16: ['4-4-4-4'],
  15: ['4-6-5'],
  14: ['4-6-4'],
  19: ['4-4-4-4-3', '6-13'],
};

/**
 * Whether the printed grouping is one a network uses for a number of this length. A run
 * printed without spaces is fine; so is one where OCR dropped spaces (every printed boundary
 * is one of the brand's boundaries). A boundary where the brand has none means the run is
 * not one number as printed (e.g. 4-4-4-3 for a 15-digit Amex).
 */
export function groupingFits(groups: readonly number[], gaps: readonly number[], length: number): boolean {
  if (groups.length === 1) return true; // printed without spaces
  const boundaries = boundariesOf(groups);
  const allowed = [gaps.filter((g) => g < length), ...(EXTRA_GROUPINGS[length] ?? []).map((k) => boundariesOf(k.split('-').map(Number)))];
  return allowed.some((b) => boundaries.every((x) => b.includes(x)));
}

function boundariesOf(groups: readonly number[]): number[] {
  const out: number[] = [];
  let at = 0;
  for (const g of groups.slice(0, -1)) {
    at += g;
    out.push(at);
  }
  return out;
}

/** Whether all printed boundaries were printed (no spaces dropped) — exact printings score higher. */
function exactGrouping(groups: readonly number[], gaps: readonly number[], length: number): boolean {
  if (groups.length === 1) return true;
  const b = boundariesOf(groups).join(',');
  const lib = gaps.filter((g) => g < length).join(',');
  return b === lib || (EXTRA_GROUPINGS[length] ?? []).includes(groups.join('-'));
}

interface CheckInput {
  readonly digits: string;
  readonly groups: readonly number[];
  readonly confidence: number;
  readonly substitutions?: number;
  readonly verdict?: PanVerdict | null;
  readonly sources?: readonly string[];
  readonly box?: LineBox | null;
}

/**
 * Whether a candidate is a card number as read: IIN, length and grouping pass and the
 * confidence gates hold. Luhn may fail (a specimen, a misread): callers decide on that. A
 * number no network claims is reportable only when it fails Luhn (then only ever as
 * unverified): an unknown-IIN number that passes Luhn (0000…) must never pass as valid.
 */
export function reportable(c: PanCandidate): boolean {
  return c.verdict === 'valid' || c.verdict === 'luhn_failed' || (c.verdict === 'unknown_iin' && !c.luhnValid);
}

/**
 * Checks one digit string with its grouping. Null when it cannot be a card number (length,
 * IIN or grouping wrong); otherwise the candidate, Luhn-valid or not.
 */
export function checkPan(digits: string, groups: readonly number[], confidence: number): PanCandidate | null {
  const c = judge({ digits, groups, confidence });
  return c && reportable(c) ? c : null;
}

function judge(input: CheckInput): PanCandidate | null {
  const { digits, groups } = input;
  if (!/^\d+$/.test(digits) || digits.length < 13 || digits.length > 19) return null;
  const luhnValid = cardValidator.number(digits, { luhnValidateUnionPay: true }).isValid || luhn10(digits);
  const claimed = creditCardType(digits);
  const types = claimed.filter((t) => t.lengths.includes(digits.length));
  const fitting = types.filter((t) => groupingFits(groups, t.gaps, digits.length));
  const base = {
    digits,
    groups,
    luhnValid,
    substitutions: input.substitutions ?? 0,
    sources: input.sources ?? [],
    box: input.box ?? null,
  };
  const prior = input.verdict ?? null;
  if (claimed.length > 0 && types.length === 0) {
    return { ...base, brand: null, confidence: input.confidence, verdict: prior ?? 'bad_length' };
  }
  if (types.length === 0) {
    // No network claims the IIN (specimens print 1234…, 9…, 0…). Such a number may still be
    // offered unverified when printed like a card number (4-4-4-4 / unspaced 16, 19): never verified.
    const shapeOk = groupingFits(groups, [4, 8, 12, 16], digits.length) && (digits.length === 16 || digits.length === 19);
    return { ...base, brand: null, confidence: input.confidence, verdict: prior ?? (shapeOk ? 'unknown_iin' : 'bad_grouping') };
  }
  const type = fitting[0];
  if (!type) return { ...base, brand: null, confidence: input.confidence, verdict: prior ?? 'bad_grouping' };
  // Spaces dropped by OCR: still one number, a little less certain.
  const confidence = input.confidence * (exactGrouping(groups, type.gaps, digits.length) ? 1 : 0.95);
  return {
    ...base,
    brand: brandName(type.type),
    confidence,
    verdict: prior ?? (luhnValid ? 'valid' : 'luhn_failed'),
  };
}

/** One digit group of a line: its digits, the confidences of its characters, repaired letters. */
interface Group {
  readonly digits: string;
  readonly charConfidences: readonly number[] | null;
  /** Confidences of the characters read as digits (repaired letters left out). */
  readonly digitConfidences: readonly number[];
  readonly repaired: number;
  readonly unsafeRepair: boolean;
}

const EDGE_PUNCT = /^[.,:;'"`()[\]]+|[.,:;'"`()[\]]+$/g;

/**
 * Splits a line into groups of digits (tokens split at spaces and dashes), with per-character
 * confidences when the reader gave them. A token that is not digits (or digits with one
 * safe look-alike letter) ends the run.
 */
function lineTokens(line: TextLine): Array<Group | null> {
  // Spaces and dashes separate groups; so does a / . , between two runs of three or more
  // digits (OCR reads a wide gap as a mark: 6297/3245…, 4000.1234) — never the mark of a date
  // (12/28) or an amount (25.00). One character for one keeps per-character confidences aligned.
  // Full-width and Eastern Arabic / Persian digits count as digits (char for char, so aligned too).
  const text = line.text
    .replace(/[\uff10-\uff19]/g, (d) => String(d.charCodeAt(0) - 0xff10))
    .replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660))
    .replace(/[\u06f0-\u06f9]/g, (d) => String(d.charCodeAt(0) - 0x06f0))
    .replace(/(?<=\d{3})[/.,](?=\d{3})/g, ' ');
  const conf = line.charConfidences && line.charConfidences.length === text.length ? line.charConfidences : null;
  const out: Array<Group | null> = [];
  const re = /[^\s\-–—]+/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const raw = m[0];
    const start = m.index;
    const stripped = raw.replace(EDGE_PUNCT, '');
    if (stripped.length === 0) continue;
    const offset = start + raw.indexOf(stripped);
    let digits = '';
    const confs: number[] = [];
    const digitConfs: number[] = [];
    let repaired = 0;
    let ok = true;
    for (let i = 0; i < stripped.length; i++) {
      const ch = stripped[i]!;
      const c = conf ? (conf[offset + i] ?? 0) : null;
      if (ch >= '0' && ch <= '9') {
        digits += ch;
        if (c !== null) digitConfs.push(c);
      } else if (SAFE_LOOKALIKES[ch] !== undefined) {
        digits += SAFE_LOOKALIKES[ch];
        repaired++;
      } else {
        ok = false;
        break;
      }
      if (c !== null) confs.push(c);
    }
    // A token of mostly letters is a word, never digits (CEDAR, SOLO, BOB).
    if (!ok || repaired * 2 >= stripped.length || digits.length === 0) out.push(null);
    else out.push({ digits, charConfidences: conf ? confs : null, digitConfidences: digitConfs, repaired, unsafeRepair: repaired > 0 && !conf });
  }
  return out;
}

/** Whole runs of digit groups on one line (split at any non-digit token). */
function lineRuns(line: TextLine): Group[][] {
  const runs: Group[][] = [];
  let cur: Group[] = [];
  for (const g of lineTokens(line)) {
    if (g) cur.push(g);
    else {
      if (cur.length) runs.push(cur);
      cur = [];
    }
  }
  if (cur.length) runs.push(cur);
  return runs;
}

/** Candidate from a run of groups (possibly from several lines), with its confidence gate applied. */
function fromGroups(groups: readonly Group[], lineConfidence: number, sources: readonly string[], box: LineBox | null): PanCandidate | null {
  const digits = groups.map((g) => g.digits).join('');
  if (digits.length < 13 || digits.length > 19) return null;
  const substitutions = groups.reduce((s, g) => s + g.repaired, 0);
  const haveChars = groups.every((g) => g.charConfidences !== null && g.charConfidences.length === g.digits.length);
  const chars = haveChars ? groups.flatMap((g) => g.charConfidences ?? []) : [];
  let verdict: PanVerdict | null = null;
  let confidence = lineConfidence;
  if (haveChars && chars.length > 0) {
    const min = Math.min(...chars);
    if (min < PAN_CHAR_CONFIDENCE_FLOOR) verdict = 'low_confidence';
    confidence = Math.min(lineConfidence, min);
  }
  if (substitutions > 0) {
    // See REPAIR_OTHER_DIGITS_FLOOR: one safe letter, with per-character proof that the rest is sound.
    const unsafe =
      substitutions > 1 ||
      groups.some((g) => g.unsafeRepair) ||
      !haveChars ||
      !otherDigitsSound(groups);
    if (unsafe) verdict = verdict ?? 'unsafe_repair';
    confidence *= 0.85;
  }
  return judge({ digits, groups: groups.map((g) => g.digits.length), confidence, substitutions, verdict, sources, box });
}

/** Every digit that was read as a digit clears the repair floor. */
function otherDigitsSound(groups: readonly Group[]): boolean {
  return groups.every((g) => g.digitConfidences.every((c) => c >= REPAIR_OTHER_DIGITS_FLOOR));
}

/**
 * Every 13–19 digit run on one line (whole runs of digit groups) with its verdict, including
 * the ones the checks refuse — for diagnostics. Full digits: never log them.
 */
export function judgeLine(line: TextLine): PanCandidate[] {
  const out: PanCandidate[] = [];
  for (const run of lineRuns(line)) {
    const c = fromGroups(run, line.confidence, line.source ? [line.source] : [], line.box ?? null);
    if (c) out.push(c);
  }
  return out;
}

/** The card numbers on one line that pass IIN, length, grouping and the confidence gates (Luhn may fail). */
export function panCandidates(line: TextLine): PanCandidate[] {
  return judgeLine(line).filter(reportable);
}

/**
 * The card numbers in a set of lines read by one reader on one view: per line, plus the
 * numbers split over several lines that geometry joins (see `geometricCandidates`).
 * Only candidates that pass the checks (Luhn may fail).
 */
export function panCandidatesOfLines(lines: readonly TextLine[]): PanCandidate[] {
  const usable = lines.filter((l) => l.role !== 'name' && l.role !== 'expiry');
  return [...usable.flatMap(judgeLine), ...geometricCandidates(usable)].filter(reportable);
}

const union = (boxes: readonly LineBox[]): LineBox => {
  const left = Math.min(...boxes.map((b) => b.left));
  const top = Math.min(...boxes.map((b) => b.top));
  const right = Math.max(...boxes.map((b) => b.left + b.width));
  const bottom = Math.max(...boxes.map((b) => b.top + b.height));
  return { left, top, width: right - left, height: bottom - top };
};

/** A line that is nothing but digit groups, with its box. */
interface GroupLine {
  readonly line: TextLine & { box: LineBox };
  readonly groups: readonly Group[];
  readonly digits: number;
}

function groupLines(lines: readonly TextLine[]): GroupLine[] {
  const out: GroupLine[] = [];
  for (const l of lines) {
    if (!l.box || l.role === 'name' || l.role === 'expiry') continue;
    const toks = lineTokens(l);
    if (toks.length === 0 || toks.some((t) => t === null)) continue;
    const groups = toks as Group[];
    const digits = groups.reduce((n, g) => n + g.digits.length, 0);
    if (digits >= 3 && digits <= 19) out.push({ line: l as TextLine & { box: LineBox }, groups, digits });
  }
  return out;
}

const similarHeight = (a: LineBox, b: LineBox): boolean => Math.max(a.height, b.height) <= 1.3 * Math.min(a.height, b.height);

/** Whether `b` continues the row of `a` to its right: level, of one print size, close. */
function nextOnRow(a: LineBox, b: LineBox): boolean {
  const h = Math.min(a.height, b.height);
  const gap = b.left - (a.left + a.width);
  return Math.abs(a.top + a.height / 2 - (b.top + b.height / 2)) <= h / 3 && similarHeight(a, b) && gap >= -h / 2 && gap <= 2.5 * h && b.left > a.left;
}

/**
 * Numbers split across lines that belong together by geometry (same reader, same print size):
 * - a row of digit-only boxes a detector split (vertical centres within a third of a line
 *   height, each gap under 2.5 line heights): the whole row — from the first box with no
 *   neighbour on its left to the last with none on its right — is one run, never a part of it;
 * - a vertical stack of exactly four 4-digit lines, one under the other (gap under 1.5 line
 *   heights), their left, right or centre edges aligned (quick-read layouts).
 * The combined run must itself pass every check; nothing else is combined.
 */
export function geometricCandidates(lines: readonly TextLine[]): PanCandidate[] {
  const gl = groupLines(lines);
  const bySource = new Map<string, GroupLine[]>();
  for (const g of gl) {
    const key = g.line.source ?? '';
    const list = bySource.get(key) ?? [];
    list.push(g);
    bySource.set(key, list);
  }
  const out: PanCandidate[] = [];
  for (const list of bySource.values()) {
    // Rows: chains of boxes side by side, each box's right neighbour the nearest one.
    const byLeft = [...list].sort((a, b) => a.line.box.left - b.line.box.left);
    const right = new Map<GroupLine, GroupLine>();
    const hasLeft = new Set<GroupLine>();
    for (const a of byLeft) {
      const b = byLeft.find((x) => x !== a && !hasLeft.has(x) && nextOnRow(a.line.box, x.line.box));
      if (b) {
        right.set(a, b);
        hasLeft.add(b);
      }
    }
    for (const start of byLeft) {
      if (hasLeft.has(start) || !right.has(start)) continue;
      const row: GroupLine[] = [start];
      for (let cur = right.get(start); cur && row.length < 6; cur = right.get(cur)) row.push(cur);
      const c = fromGroups(row.flatMap((r) => r.groups), Math.min(...row.map((r) => r.line.confidence)), sourcesOf(row), union(row.map((r) => r.line.box)));
      if (c) out.push(c);
    }
    // Stacks: four 4-digit groups one under the other.
    const fours = list.filter((g) => g.groups.length === 1 && g.digits === 4).sort((a, b) => a.line.box.top - b.line.box.top);
    for (let i = 0; i + 3 < fours.length; i++) {
      const stack: GroupLine[] = [fours[i]!];
      for (let j = i + 1; j < fours.length && stack.length < 4; j++) {
        const prev = stack[stack.length - 1]!.line.box;
        const b = fours[j]!.line.box;
        const gap = b.top - (prev.top + prev.height);
        if (gap < -prev.height / 3) continue; // same row
        if (gap > 1.5 * prev.height) break;
        if (similarHeight(prev, b) && aligned(prev, b)) stack.push(fours[j]!);
      }
      if (stack.length === 4) {
        const c = fromGroups(stack.flatMap((r) => r.groups), Math.min(...stack.map((r) => r.line.confidence)), sourcesOf(stack), union(stack.map((r) => r.line.box)));
        if (c) out.push(c);
      }
    }
  }
  return out;
}

function aligned(a: LineBox, b: LineBox): boolean {
  const tol = Math.max(a.height, b.height) * 0.6;
  return (
    Math.abs(a.left - b.left) <= tol ||
    Math.abs(a.left + a.width - (b.left + b.width)) <= tol ||
    Math.abs(a.left + a.width / 2 - (b.left + b.width / 2)) <= tol
  );
}

const sourcesOf = (ls: readonly GroupLine[]): string[] => [...new Set(ls.map((l) => l.line.source).filter((s): s is string => Boolean(s)))];

/** Confidence a Luhn-failing read needs before it is offered as `panUnverified`. */
const UNVERIFIED_MIN_CONFIDENCE = 0.8;
/** Two different valid numbers closer than this in confidence: refuse to choose. */
const AMBIGUITY_MARGIN = 0.15;

/**
 * Picks the card number from all lines. Its `pan` is a **single-reading candidate**: it passed
 * the checks on these lines, but a misread can pass them too (a dropped digit of a 19-digit
 * number still passed Luhn and the IIN rules at 0.944), so it must never be reported as the
 * card's number on its own — the reader reports only what fuse.ts `fusePan` agrees on from two
 * independent readings. Extraction uses it to place the name (below the number) and to score
 * glyph hypotheses. A verified candidate passes Luhn, IIN/length, grouping and
 * the confidence gates. Two different verified numbers with similar confidence make the PAN
 * ambiguous (missing): a wrong number is worse than none. Several reads of the same number
 * (views, readers) reinforce it.
 */
export function extractPan(lines: readonly TextLine[]): PanResult {
  const usable = lines.filter((l) => l.role !== 'name' && l.role !== 'expiry');
  const raw = [...usable.flatMap(judgeLine), ...geometricCandidates(usable)];
  // Merge reads of the same digits: best confidence, all sources, agreement counted.
  const merged = new Map<string, { c: PanCandidate; reads: number }>();
  for (const c of raw) {
    const key = `${c.digits}|${c.verdict}`;
    const prev = merged.get(key);
    if (!prev) merged.set(key, { c, reads: 1 });
    else {
      const best = c.confidence > prev.c.confidence ? c : prev.c;
      merged.set(key, { c: { ...best, sources: [...new Set([...prev.c.sources, ...c.sources])] }, reads: prev.reads + 1 });
    }
  }
  const candidates = [...merged.values()].map((m) => m.c).sort((a, b) => b.confidence - a.confidence || b.digits.length - a.digits.length);
  const none = (reason: string, chosen: PanCandidate | null = null): PanResult => ({
    pan: null, panUnverified: null, brand: null, confidence: null, brandConfidence: null, reason, chosen, candidates,
  });
  const valid = candidates.filter((c) => c.verdict === 'valid');
  const top = valid[0];
  if (top) {
    const runnerUp = valid.find((c) => c.digits !== top.digits);
    if (runnerUp && top.confidence - runnerUp.confidence < AMBIGUITY_MARGIN) return none('ambiguous');
    return { pan: top.digits, panUnverified: null, brand: top.brand, confidence: top.confidence, brandConfidence: top.confidence, reason: null, chosen: top, candidates };
  }
  // A clean read that fails Luhn (specimens, misprints) or whose IIN no network claims may be
  // offered masked for a person to confirm — never as the PAN.
  const unverified = candidates.find(
    (c) => (c.verdict === 'luhn_failed' || (c.verdict === 'unknown_iin' && !c.luhnValid)) && c.substitutions === 0 && c.confidence >= UNVERIFIED_MIN_CONFIDENCE,
  );
  if (unverified) {
    const others = candidates.filter((c) => c.digits !== unverified.digits && (c.verdict === 'luhn_failed' || c.verdict === 'unknown_iin') && c.confidence >= UNVERIFIED_MIN_CONFIDENCE);
    if (others.some((o) => unverified.confidence - o.confidence < AMBIGUITY_MARGIN)) return none('ambiguous');
    return {
      pan: null,
      panUnverified: unverified.digits,
      brand: unverified.brand,
      confidence: null,
      brandConfidence: unverified.brand ? unverified.confidence * 0.8 : null,
      reason: unverified.verdict === 'unknown_iin' ? 'unknown_iin' : 'luhn_failed',
      chosen: unverified,
      candidates,
    };
  }
  const first = candidates[0];
  if (!first) return none('not_found');
  // The most telling reason: a check that a read failed, strongest read first.
  return none(first.verdict === 'unknown_iin' && first.luhnValid ? 'unknown_iin' : first.verdict === 'valid' ? 'ambiguous' : first.verdict, first);
}
