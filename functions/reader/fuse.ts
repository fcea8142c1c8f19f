/**
 * Fusion of card-number readings: a PAN is reported only when two independent readings
 * agree on it and no other checked reading contradicts it. A single reading — however
 * confident — is never enough: one PP-OCR reading of a 19-digit number dropped a digit and
 * still passed Luhn and the IIN rules (conf 0.944), so the checks alone cannot catch a
 * misread. "Independent" means another reader, or the same reader on another detection (another
 * view or detector scale, e.g. `ppocr-rec-v4@frame` and `ppocr-rec-v4@frame/det1280`). Two crops
 * of one detected box (`/pad`, `/tight`, `/line`) share the box's cut and the reader's habits, so
 * they count as one reading: that is how the dropped-digit 19-digit misread agreed with itself.
 * A close-up of the number line cut from a view's own box of it (`<view>-number`) counts with
 * that view (`detectionOf`).
 *
 * Pure: no I/O, no engines. The verdicts are what the bench classifies misses by.
 */
import { distance } from 'fastest-levenshtein';
import { checkPan, panCandidatesOfLines, type TextLine } from './extract/index.js';

/** One reading of a number-like line by one reader on one view. Raw OCR: never log `digits`. */
export interface PanReading {
  /** The digits as read (13–19, after look-alike repair). */
  readonly digits: string;
  /** Printed grouping, e.g. [4, 4, 4, 4]. */
  readonly groups: readonly number[];
  /** `reader@view[/variant]`: two readings are independent when their sources differ. */
  readonly source: string;
  /** Recognition confidence in [0, 1] (the line's, or its lowest digit's when known). */
  readonly confidence: number;
  /**
   * The reader's own confidence in each digit (one per digit of `digits`), when it gave
   * per-character confidences and the digits are the line's own (no letter repaired, not joined
   * from several boxes). Lets fusion weigh the digits two readers disagree on.
   */
  readonly digitConfidences?: readonly number[];
  /** Passed Luhn (the IIN, length and grouping checks passed for every reading). */
  readonly luhnValid: boolean;
  readonly brand: string | null;
  /**
   * A confirming re-read (the card-line CRNN on further crops of a box another reading already
   * read): it counts towards an agreement like any reading of its source, but never makes a
   * rival or a candidate of its own. See `fusePan`.
   */
  readonly check?: boolean;
}

/** What became of one distinct number read on the card. */
export type PanVerdict =
  /** Two independent readings agree, nothing contradicts: reported as the PAN. */
  | 'reported'
  /** Fails Luhn but read the same way twice (a specimen, or a misread both readers share): `panUnverified`. */
  | 'unverified'
  /** Another checked reading disagrees with it: nothing is reported. */
  | 'conflict'
  /** Read by one source only: not enough to report. */
  | 'single_reading'
  /** Fails Luhn and was read once, or too unsure: dropped. */
  | 'failed_checks';

/** One distinct number with its readings and verdict (diagnostics; in-process only). */
export interface PanCandidateVerdict {
  readonly digits: string;
  readonly sources: readonly string[];
  readonly luhnValid: boolean;
  readonly brand: string | null;
  readonly confidence: number;
  readonly verdict: PanVerdict;
}

/** The outcome of fusing every reading of the card number. */
export interface PanFusion {
  readonly pan: string | null;
  readonly panUnverified: string | null;
  readonly brand: string | null;
  /** Confidence of the reported or unverified number (best reading per source, averaged). */
  readonly confidence: number | null;
  /** The sources that agreed on the reported / unverified number. */
  readonly sources: readonly string[];
  /**
   * Why no PAN was reported, in words a caller can act on: `not_found` (no card number
   * seen), `single_reading` (read once: retake closer / steadier), `conflicting_readings`
   * (readings disagree: retake sharper), `luhn_failed` (a printed number that fails Luhn).
   */
  readonly reason: string | null;
  readonly candidates: readonly PanCandidateVerdict[];
}

/**
 * Lowest confidence a Luhn-failing reading needs to count towards `panUnverified` (a number
 * that fails Luhn has no checksum to catch a misread, so both readings must be sure).
 */
const UNVERIFIED_MIN_CONFIDENCE = 0.8;

/**
 * Lowest digit confidence a Luhn-failing number's surest reading needs on each digit another
 * reading (itself at `UNVERIFIED_MIN_CONFIDENCE` or more) reads otherwise, for it to be
 * `panUnverified` (`fusePan`'s sureWhereDisputed). Tuning set embossed-83001 #013: the card-line
 * CRNN read one wrong last digit on two detections at 0.74 and 0.55 where PP-OCR read others, and
 * the misread was offered as panUnverified; the number printed passes Luhn. Tuning set
 * real-world-80001 #042: the same at 0.51 / 0.40 (dropped then only as not card-like). The cost
 * seen: real-world-82001 #038, a right specimen its readers doubted to 0.41 at most on a disputed
 * digit, is no longer panUnverified (it was dropped as not card-like anyway); real-dev-v1 and
 * cards-v1 unchanged.
 */
const UNVERIFIED_SURE_DIGIT = 0.8;

/**
 * Lowest confidence a Luhn-failing reading by another reader needs to block a valid number
 * (review S1): as sure as that reader is when it is right. Measured on the held-out
 * embossed-91001 set (bench diagnostics, whole-length line readings): the card-line CRNN's
 * right readings were 0.953–0.998 (34), its misreads 0.82 and 0.888; at 0.8
 * (`UNVERIFIED_MIN_CONFIDENCE`) those two misreads blocked two right numbers. Below 0.95 the
 * CRNN is unsure, and its disagreement is no confident one. No bar saves a reader that is
 * sure and wrong: on real-dev-v1 the CRNN read the same wrong digits at 0.954–0.995 on every
 * detection of three right numbers (29 → 26 PAN exact, 0 wrong before and after); the other sets
 * lost none (cards-v1 58/58, embossed-91001 41/50, real-world-90001 69/91). Counting only rivals
 * two or more digits apart (`failingRivalsOf`) gives one of the three back (real-dev-v1 28/30,
 * 0 wrong; the other sets unchanged, 0 wrong): its CRNN reading was one digit off. Two readers
 * sure of two numbers is what this rule exists to refuse.
 */
const RIVAL_MIN_CONFIDENCE = 0.95;

/**
 * Readings (sources, re-crops of one box included) a Luhn-failing rival of a Luhn-failing top
 * needs to block it from `panUnverified`. Measured on the tuning sets: on embossed-81001 a
 * specimen read right at 0.956 by PP-OCR on one detection and its two re-crops lost to a one-digit
 * misread the card-line CRNN read on two detections (0.88), and the misread was reported; on
 * real-dev-v1 (validation) the right specimen number read by the CRNN on two detections had two
 * rivals read once each by PP-OCR (one crop each, different digits from each other): noise.
 */
const FAILING_RIVAL_MIN_SOURCES = 2;

/**
 * How sure the readers of an agreed valid number must be of each digit a Luhn-failing rival
 * reads otherwise, on each of two detections, for the rival not to block it (`outweighs`).
 * Measured on the tuning sets (embossed-81001, real-world-80001; whole-line readings as long as
 * the truth): of 22 misread PP-OCR digits 3 scored ≥ 0.9 and 1 ≥ 0.95 (0.978); of 16 misread
 * CRNN digits 1 ≥ 0.95; of 2,652 right PP-OCR digits 64 scored under 0.95.
 */
const SURE_DISPUTED_DIGIT = 0.95;

/**
 * Most digits a lone valid reading may differ from an agreed number and still be taken for a
 * misread of the same print (`fusePan`'s outvoted misread). Two numbers that pass Luhn differ in
 * at least two digits; a misread of one printed line differs in a few (tuning sets: 2), another
 * card's number in nearly all of them (about 9 in 10 positions for random digits).
 */
const MISREAD_MAX_DIGITS = 4;

/** Positions at which two same-length digit strings differ. */
function differingAt(a: string, b: string): number[] {
  return [...a].flatMap((d, i) => (d !== b[i] ? [i] : []));
}

/** The reader of a source: the name before `@` (`crnn@frame/pad` → `crnn`). */
function readerOf(source: string): string {
  const at = source.indexOf('@');
  return at < 0 ? source : source.slice(0, at);
}

/** The PAN candidates of read lines, tagged with their source. */
export function panReadings(lines: readonly TextLine[], source: string): PanReading[] {
  // Per line, plus numbers whose groups the detector found as separate boxes (extract/ joins them by geometry).
  // Per-character confidences are left out here: extract/'s single-weak-digit floor guards a
  // lone reading, and fusion asks for a second, independent reading instead (measured on
  // real-dev-v1: with the floor, 7 of 30 numbers read twice the same way were dropped; 0 wrong without it).
  const usable = lines
    .filter((l) => l.role !== 'name' && l.role !== 'expiry')
    .map((l) => {
      const { charConfidences: _drop, ...rest } = l;
      return rest;
    });
  return panCandidatesOfLines(usable).map((c) => {
    const digitConfidences = digitConfidencesOf(c.digits, lines);
    return {
      digits: c.digits,
      groups: c.groups,
      source,
      confidence: c.confidence,
      luhnValid: c.luhnValid,
      brand: c.brand,
      ...(digitConfidences ? { digitConfidences } : {}),
    };
  });
}

/**
 * The per-character confidences of `digits` on the one line whose digits they are, in order
 * (separators between groups skipped). Null when no line's digits are exactly these, or its
 * confidences do not match its text: a number repaired from letters or joined from several
 * boxes has no one reading per digit to weigh.
 */
function digitConfidencesOf(digits: string, lines: readonly TextLine[]): number[] | null {
  for (const l of lines) {
    const c = l.charConfidences;
    if (!c || c.length !== l.text.length) continue;
    const at: number[] = [];
    for (let i = 0; i < l.text.length; i++) if (/[0-9]/.test(l.text[i]!)) at.push(i);
    if (at.map((i) => l.text[i]).join('') === digits) return at.map((i) => c[i]!);
  }
  return null;
}

/** A reading from a number whose grouping is known only from printed digits (re-checks it). */
export function reading(digits: string, groups: readonly number[], source: string, confidence: number): PanReading | null {
  const c = checkPan(digits, groups, confidence);
  return c ? { digits, groups, source, confidence, luhnValid: c.luhnValid, brand: c.brand } : null;
}

/**
 * The detection a source's reading came from: a re-crop of the same detected line (`/pad`,
 * `/tight`, `/line`) shares its box, so shares a box-cut error too. A number-line close-up
 * (`<view>-number`) is cut from the parent view's own box of that line and detected again, so
 * it counts with its parent: `ppocr@frame-number/pad` is `ppocr@frame`'s detection. V found a
 * wrong Luhn-valid number agreed only by `@frame/pad` and `@frame-number/pad` (tuning set
 * embossed-83001). Measured with the reader's passes (it goes on to `/det1280` or the other
 * reader when nothing settled) on the tuning sets, real-dev-v1 and cards-v1 (363 cards): PAN
 * right 286 → 286, wrong 0 → 0, panUnverified right 48 → 48, wrong 2 → 2; the 16 numbers
 * (13 PAN, 3 unverified, one of them wrong) whose only second detection was the close-up are
 * now backed by the second detector scale (12: it reproduced the wrong one) or the other reader
 * (4), at the cost of that extra pass. A close-up of the whole print (`-zoom`) and a levelled
 * frame (`-level`) are detected afresh over all the print, like another scale: they count apart
 * (counting `-zoom` with its parent too changed no outcome on the same sets: nothing to buy).
 */
export function detectionOf(source: string): string {
  return withoutCrop(source).replace(/^([^@]*@[^/]*?)-number(?=\/|$)/, '$1');
}

/** A source without its crop of the detected line (`/pad`, `/tight`, `/line`): crops share the line's box. */
function withoutCrop(source: string): string {
  return source.replace(/\/(pad|tight|line|turned)$/, '');
}

/**
 * The number-line close-up a source's reading came from (`reader@<view>-number`, whichever
 * detection's box it was cut with), or null. Two close-ups of one view's number line are cut
 * from nearly the same box of the same photo at the same side: the same pixels, so one reader
 * on both is one reading, though each counts with a different detection (`<view>-number` with
 * `<view>`, `<view>-number/det1280` with `<view>/det1280`).
 */
function closeUpOf(source: string): string | null {
  return /^([^@]*@[^/]*?-number)(?=\/|$)/.exec(withoutCrop(source))?.[1] ?? null;
}

/**
 * Whether some two of `sources` are independent readings: of two detections (`detectionOf`), and
 * not both of close-ups of one view's number line (`closeUpOf`). Two detections alone are not
 * enough: with a number read on neither pass, a close-up is cut from each pass's box of the line,
 * and one reader agreeing with itself on the two near-identical crops would count as two.
 */
export function independentReadings(sources: readonly string[]): boolean {
  // Each source's detection and close-up once, not once per pair.
  const seen = sources.map((s) => ({ detection: detectionOf(s), closeUp: closeUpOf(s) }));
  return seen.some((a, i) =>
    seen.slice(i + 1).some((b) => a.detection !== b.detection && (a.closeUp === null || a.closeUp !== b.closeUp)),
  );
}

/** Whether `a` is a run of `b`'s groups (a fragment of the same printed number, not a rival). */
function partOf(a: string, b: string): boolean {
  return a !== b && b.includes(a);
}

/**
 * Decides the PAN from all readings (see the file comment). Rules, in order:
 * 1. Luhn-valid numbers read by ≥ 2 independent sources (two readers, or two detections, not
 *    two close-ups of one line; see `independentReadings`) are agreed; exactly one agreed number and no
 *    other valid number (that is not a fragment of it) read anywhere → `reported`.
 * 2. Valid numbers that contradict each other, or a valid number and a sure (≥
 *    `RIVAL_MIN_CONFIDENCE`) same-length Luhn-failing reading of it by another reader → every one
 *    `conflict`, nothing reported (the latter is not final: `needsMoreReadings`).
 * 3. A valid number read by one source (or by crops of one detected box) only → `single_reading`,
 *    nothing reported.
 * 4. With no valid number at all: a Luhn-failing number read the same way by ≥ 2
 *    detections (not two crops of one detected line), each sure, with no rival → `unverified`;
 *    read by one detection only → `single_reading` (more readings may settle it).
 */
export function fusePan(readings: readonly PanReading[]): PanFusion {
  // Sources of confirming re-reads (`PanReading.check`): the card-line CRNN on more crops of a
  // box is sure and wrong on some of them (tuning set embossed-81001: two digits misread at 0.95
  // on one crop of a number PP-OCR read right on two detections, which then conflicted), so its
  // extra crops may confirm a reading but never contradict one. Without them fusion weighs
  // exactly the readings it weighed before they were read: no veto is lost.
  const checks = new Set(readings.filter((r) => r.check).map((r) => r.source));
  const byDigits = new Map<string, { r: PanReading; best: Map<string, number>; digitConf: Map<string, readonly number[]> }>();
  for (const r of readings) {
    const e = byDigits.get(r.digits) ?? { r, best: new Map<string, number>(), digitConf: new Map<string, readonly number[]>() };
    e.best.set(r.source, Math.max(e.best.get(r.source) ?? 0, r.confidence));
    if (r.digitConfidences && r.digitConfidences.length === r.digits.length) {
      const was = e.digitConf.get(r.source);
      e.digitConf.set(r.source, was ? r.digitConfidences.map((x, i) => Math.max(x, was[i]!)) : r.digitConfidences);
    }
    if (r.confidence > e.r.confidence) e.r = r;
    byDigits.set(r.digits, e);
  }
  const all = [...byDigits.entries()].map(([digits, e]) => ({
    digits,
    best: e.best,
    digitConf: e.digitConf,
    sources: [...e.best.keys()].sort(),
    luhnValid: e.r.luhnValid,
    brand: e.r.brand,
    confidence: round3([...e.best.values()].reduce((a, b) => a + b, 0) / e.best.size),
  }));
  // A fragment (a run of another candidate's groups, read by the same sources) is part of
  // that number, not a rival of it.
  const isFragment = (c: (typeof all)[number]): boolean =>
    all.some((o) => partOf(c.digits, o.digits) && c.sources.every((s) => o.sources.includes(s)));
  /** The sources of a candidate that are no confirming re-read: what it stands on as a rival. */
  const own = (c: (typeof all)[number]): string[] => c.sources.filter((s) => !checks.has(s));
  /** Mean best confidence over `own` sources. */
  const ownConfidence = (c: (typeof all)[number]): number => {
    const xs = own(c).map((s) => c.best.get(s) ?? 0);
    return xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;
  };
  // A number only confirming re-reads read is no candidate (nor rival) at all.
  const whole = all.filter((c) => !isFragment(c) && own(c).length > 0);
  const rank = (a: (typeof all)[number], b: (typeof all)[number]): number =>
    b.sources.length - a.sources.length || b.confidence - a.confidence;

  const verdicts = new Map<string, PanVerdict>();
  let pan: (typeof all)[number] | null = null;
  let unverified: (typeof all)[number] | null = null;
  let reason: string | null = null;
  // Rivals of a number: other numbers of the same kind that are not a fragment of it (a
  // longer number containing it is a rival: the shorter one may have lost digits).
  const rivalsOf = (top: (typeof all)[number], pool: Array<(typeof all)[number]>) =>
    pool.filter((c) => c !== top && !partOf(c.digits, top.digits));

  // A confident whole reading by another reader that fails Luhn contradicts the top number too
  // (review S1, issue 8 "a confident disagreement blocks it"): one misread digit almost always
  // breaks Luhn, so without this the second reader could only ever add agreement, never veto.
  // Counted only when it is the same length (a shorter or longer run is a fragment or a
  // different-length misread the valid rules already weigh), and only for a reader that is not
  // among the top's: a reader that read the top number on one crop and something else on a
  // re-crop has not independently disagreed.
  // Only a rival two or more digits apart counts. Luhn catches every single-digit error, so a
  // valid number agreed by two detections and a failing reading one digit off it are fully
  // explained by one misread digit in the failing reading; for the valid one to be wrong
  // instead, both readers would have to share its errors at every other position. Two or more
  // digits apart, the valid number may carry two errors that happen to pass Luhn (1 in 10),
  // and then the other reader's disagreement is the evidence. Measured: see RIVAL_MIN_CONFIDENCE.
  const failingRivalsOf = (top: (typeof all)[number], pool: Array<(typeof all)[number]>) => {
    // The top's readers by its own readings: a confirming re-read (`checks`) lifts no veto.
    const topReaders = new Set(own(top).map(readerOf));
    return pool.filter(
      (c) =>
        !c.luhnValid &&
        c.digits.length === top.digits.length &&
        differingAt(c.digits, top.digits).length >= 2 &&
        [...c.best].some(([s, conf]) => !checks.has(s) && !topReaders.has(readerOf(s)) && conf >= RIVAL_MIN_CONFIDENCE) &&
        !outweighs(top, c, topReaders),
    );
  };

  /**
   * Whether the top's readings outweigh a Luhn-failing rival exactly two digits apart. Two apart,
   * the rival points at no other valid number: the only number that keeps the top's digits
   * elsewhere and takes the rival's where they differ is the rival itself, which fails Luhn. So
   * it can be right only if the printed number fails Luhn (a specimen) and the top's readers
   * misread those two digits alike on two detections into a number that passes. That is refused
   * when each disputed digit was read surely (`SURE_DISPUTED_DIGIT`) on two detections of the top
   * (a detection's digit: the surest of its crops), and more surely than the rival's reader read
   * its own digit there.
   * Three or more apart, a mix of the two may be a valid third number: the rival always counts.
   * Without per-digit confidences on either side nothing is weighed: the rival counts.
   */
  const outweighs = (top: (typeof all)[number], rival: (typeof all)[number], topReaders: ReadonlySet<string>): boolean => {
    const at = differingAt(top.digits, rival.digits);
    if (at.length !== 2) return false;
    // The top's own reader reproduced the rival on some detection: it is no stable answer of it.
    // The rival's own readings only, like the top's (`checks` neither make nor strengthen a veto).
    const rivalSources = own(rival);
    if (rivalSources.some((s) => topReaders.has(readerOf(s)))) return false;
    const rivalConf = rivalSources.map((s) => rival.digitConf.get(s));
    if (rivalConf.length === 0 || rivalConf.some((c) => c === undefined)) return false;
    const rivalBest = at.map((i) => Math.max(...rivalConf.map((c) => c![i]!)));
    // Two models' confidences are not on one scale: only a rival that doubted a disputed digit
    // itself is outweighed; two readers each sure of their own digits is a conflict.
    if (rivalBest.every((x) => x >= SURE_DISPUTED_DIGIT)) return false;
    // Crops of one detected line pool their confidences (one crop sure of each disputed digit);
    // a close-up's are kept apart from its parent's, so that two sure ones are judged as two
    // readings (independentReadings: not two close-ups of one line).
    const perDetection = new Map<string, { conf: number[]; source: string }>();
    for (const [s, conf] of top.digitConf) {
      if (checks.has(s)) continue;
      const d = `${detectionOf(s)} ${closeUpOf(s) ?? ''}`;
      const was = perDetection.get(d);
      perDetection.set(d, { conf: at.map((i, k) => Math.max(conf[i]!, was?.conf[k] ?? 0)), source: was?.source ?? s });
    }
    const sure = [...perDetection.values()].filter((d) => d.conf.every((x, k) => x >= SURE_DISPUTED_DIGIT && x > rivalBest[k]!));
    return independentReadings(sure.map((d) => d.source));
  };

  // An agreed number (two independent readings) ranks above one read on a single detection,
  // however many crops of that detection read it: only an agreed number can be reported, and
  // a lone reading's crops are still one reading (`independentReadings`).
  const agreed = (c: (typeof all)[number]): number => Number(independentReadings(c.sources));
  /**
   * Whether a valid rival is only a lone misread of the top's own print, outvoted: read on one
   * detection (crops of one box are one reading), a few digits off the top (`MISREAD_MAX_DIGITS`,
   * same length: a misread of that line, not another card's number, whose digits differ almost
   * everywhere), weak (`weakRival`), while two different readers read the top and were sure of
   * every digit the rival reads otherwise (`sureOfDisputed`). A rival read on two detections, one
   * far from the top, a sure one, or one a reader of the top read on another detection (that
   * reader read the print two ways: its agreement is least to be trusted) still conflicts.
   * Review 6a B1: without the confidences, two readers of one box both unsure of two digits
   * outvoted a rival sure of every digit, and the doubted number was reported.
   */
  const outvotedMisread = (top: (typeof all)[number], rival: (typeof all)[number]): boolean => {
    const at = differingAt(rival.digits, top.digits);
    if (independentReadings(own(rival)) || rival.digits.length !== top.digits.length || at.length > MISREAD_MAX_DIGITS) return false;
    const topOwn = own(top);
    const topReaders = new Set(topOwn.map(readerOf));
    const topDetections = new Set(topOwn.map(detectionOf));
    if (own(rival).some((s) => topReaders.has(readerOf(s)) && !topDetections.has(detectionOf(s)))) return false;
    return weakRival(rival, at) && sureOfDisputed(top, at);
  };
  /**
   * A rival that doubted itself: its surest line confidence under `RIVAL_MIN_CONFIDENCE`, or a
   * digit where it differs from the top under `SURE_DISPUTED_DIGIT` (the surest of its crops).
   * The case the outvote was made for: the glyph templates' lone misread at 0.12 (embossed-95001
   * #020) against PP-OCR and the card-line CRNN at ≥ 0.999 on the disputed digits.
   */
  const weakRival = (rival: (typeof all)[number], at: readonly number[]): boolean => {
    const sources = own(rival);
    if (Math.max(...sources.map((s) => rival.best.get(s) ?? 0)) < RIVAL_MIN_CONFIDENCE) return true;
    const confs = sources.map((s) => rival.digitConf.get(s)).filter((c): c is number[] => c !== undefined);
    return confs.length > 0 && at.some((i) => Math.max(...confs.map((c) => c[i]!)) < SURE_DISPUTED_DIGIT);
  };
  /**
   * Whether the top's own readings are sure of each disputed digit: per detection (crops of one
   * box pool, the surest crop counts), every detection with per-digit confidences at
   * `SURE_DISPUTED_DIGIT` or more on each of them, and those sure ones by two different readers.
   * A reading with no per-digit confidences (a row joined from boxes, the glyph templates) adds
   * nothing either way. A crop read turned half round (`/turned`, f21ee33) supplies no agreement
   * here: a line of 0/1/6/8/9 turned reads as other, equally sure digits, alike in both readers
   * of that one rotated crop (review 6a).
   */
  const sureOfDisputed = (top: (typeof all)[number], at: readonly number[]): boolean => {
    const perDetection = new Map<string, { conf: number[]; reader: string }>();
    for (const [s, conf] of top.digitConf) {
      if (checks.has(s) || s.endsWith('/turned')) continue;
      const d = detectionOf(s);
      const was = perDetection.get(d);
      perDetection.set(d, { conf: at.map((i, k) => Math.max(conf[i]!, was?.conf[k] ?? 0)), reader: readerOf(s) });
    }
    const detections = [...perDetection.values()];
    if (detections.length === 0 || detections.some((d) => d.conf.some((x) => x < SURE_DISPUTED_DIGIT))) return false;
    // Two different readers, not one reader on two detections: one model's detections of one
    // card are often the same pixels (a view and its row, another detector scale, the levelled
    // frame), and the card-line CRNN repeats a sure misread on each of them (review 7a B1).
    return new Set(detections.map((d) => d.reader)).size >= 2;
  };
  /**
   * Whether a Luhn-failing number was read surely on each digit another sure reading of the same
   * length reads otherwise: on each such digit some reading of it gave it at least
   * `UNVERIFIED_SURE_DIGIT`. Nothing checks a number that fails Luhn, so a digit its own readers
   * all doubted, where another reading saw something else, is a guess, however many detections
   * repeated it. Readings without digit confidences (rows joined from boxes) say nothing: a
   * number none of whose readings gave them is judged as before.
   */
  const sureWhereDisputed = (c: (typeof all)[number], pool: Array<(typeof all)[number]>): boolean => {
    const confs = [...c.digitConf.values()];
    if (confs.length === 0) return true;
    // A disputing reading as sure of its line as this one must be (`UNVERIFIED_MIN_CONFIDENCE`): the
    // glyph templates' garbage (confidence 0) on a card they have no face for disputes nothing.
    const disputing = pool.filter((o) => o !== c && o.digits.length === c.digits.length && ownConfidence(o) >= UNVERIFIED_MIN_CONFIDENCE);
    const at = new Set(disputing.flatMap((o) => differingAt(o.digits, c.digits)));
    return [...at].every((i) => Math.max(...confs.map((x) => x[i]!)) >= UNVERIFIED_SURE_DIGIT);
  };
  const valid = whole.filter((c) => c.luhnValid).sort((a, b) => agreed(b) - agreed(a) || rank(a, b));
  if (valid.length > 0) {
    const top = valid[0]!;
    const rivals = [...rivalsOf(top, valid).filter((c) => !outvotedMisread(top, c)), ...failingRivalsOf(top, whole)];
    if (rivals.length > 0) {
      for (const c of [top, ...rivals]) verdicts.set(c.digits, 'conflict');
      reason = 'conflicting_readings';
    } else if (independentReadings(top.sources)) {
      pan = top;
      verdicts.set(top.digits, 'reported');
    } else {
      verdicts.set(top.digits, 'single_reading');
      reason = 'single_reading';
    }
  } else {
    const failing = whole.filter((c) => !c.luhnValid).sort(rank);
    // Nothing catches a misread digit in a number that fails Luhn anyway, so its two readings
    // must come from two detections (or readers), not two crops of one detected line.
    const sure = failing.filter((c) => independentReadings(c.sources) && c.confidence >= UNVERIFIED_MIN_CONFIDENCE);
    // The best such number is the answer or nothing: when its readers doubted a digit another
    // sure reading disputes, the runner-up is not offered instead (the top would no longer count
    // as its rival, its check re-reads aside: review 7a B2); more readings may settle it.
    const doubtedTop = sure[0] !== undefined && !sureWhereDisputed(sure[0], whole) ? sure[0] : undefined;
    const top = doubtedTop ? undefined : sure[0];
    // A rival of a Luhn-failing number need not come from two detections: nothing checks either
    // number, so other digits a reader reproduces (two sources, re-crops of one box included),
    // surely, are as good an answer as the top's. A one-off reading (one crop) is that crop's
    // noise. Measured (see FAILING_RIVAL_MIN_SOURCES).
    const failingRivals = top
      ? rivalsOf(top, failing).filter((c) => ownConfidence(c) >= UNVERIFIED_MIN_CONFIDENCE && own(c).length >= FAILING_RIVAL_MIN_SOURCES)
      : [];
    if (top && failingRivals.length === 0) {
      unverified = top;
      verdicts.set(top.digits, 'unverified');
      reason = 'luhn_failed';
    } else if (top) {
      for (const c of [top, ...failingRivals]) verdicts.set(c.digits, 'conflict');
      reason = 'conflicting_readings';
    } else if (doubtedTop || failing.some((c) => c.sources.length >= 1 && c.confidence >= UNVERIFIED_MIN_CONFIDENCE)) {
      // Read, but not yet by two detections: more readings may settle it.
      for (const c of failing) verdicts.set(c.digits, 'single_reading');
      reason = 'single_reading';
    } else reason = whole.length > 0 ? 'luhn_failed' : 'not_found';
  }
  const candidates: PanCandidateVerdict[] = all.map(({ best: _best, digitConf: _digitConf, ...c }) => ({
    ...c,
    verdict:
      verdicts.get(c.digits) ??
      (c.luhnValid ? 'single_reading' : 'failed_checks'),
  }));
  const chosen = pan ?? unverified;
  return {
    pan: pan?.digits ?? null,
    panUnverified: unverified?.digits ?? null,
    brand: chosen?.brand ?? null,
    confidence: chosen ? chosen.confidence : null,
    sources: chosen?.sources ?? [],
    reason,
    candidates,
  };
}

/** One reading's checked value of a field other than the number (expiry, name). Raw: never log `value`. */
export interface FieldReading {
  /** `reader@view[/variant]`, as for PAN readings. */
  readonly source: string;
  /** The value extract/ reported on this reading's lines, or null. */
  readonly value: string | null;
  readonly confidence?: number;
  /** Why this reading has no value (extract/'s reason), when it has none. */
  readonly missing?: string;
  /**
   * What this reading saw but doubted (extract/'s `tentative`: a date with one doubted digit), when
   * it has no value. Never reported on its own; it contradicts another reader's value that differs.
   */
  readonly tentative?: string;
  /**
   * A checking reading (a second recogniser re-reading the lines another one found, e.g. the
   * card-line CRNN on PP-OCR's date boxes): it may agree with or contradict the other readings,
   * and may confirm a doubted one (`tentative`), but is never alone the source of a value. A
   * reader without a checksum to catch it can be sure and wrong (the CRNN, on real-dev-v1
   * numbers, at 0.954–0.995 on every detection of three).
   */
  readonly check?: boolean;
  /**
   * For a checking reading: whether it read each character of its value surely (the reader's
   * `readsDateSurely` for dates). A check that doubted a character, as the doubted reading did,
   * confirms nothing (review 7a B3: PP-OCR's `06729` with the 6 at 0.69, the CRNN's `06/29` with
   * it at 0.55, both of the same box). Unset: not judged here (names weigh their letters before).
   */
  readonly sure?: boolean;
  /**
   * Other values of the field's form this reading read and did not take (a name line refused by
   * the geometry or for a doubted letter; the dates of a reading that took none, extract/expiry.ts
   * `seen`), as read: with `seenVetoWithin`, one within that many edits of the value is a second
   * reading of the same print that disagrees (names: a letter or two; dates: any other date).
   */
  readonly seen?: readonly string[];
}

/** The outcome of fusing every reading of one field. */
export interface FieldFusion {
  readonly value: string | null;
  /** The best confidence among the agreeing readings. */
  readonly confidence: number | null;
  /** The readings that agreed on the value. */
  readonly sources: readonly string[];
  /**
   * Why no value: `conflicting_readings` (two readings each passed the field's checks with a
   * different value: retake sharper), else the first reading's reason that says what was seen
   * (`unreadable`, `low_confidence`, `cut_off`…) over one that saw nothing (`not_found`).
   */
  readonly reason: string | null;
}

/**
 * Reasons that say only that the field was not seen in a reading (an empty card view, a view
 * that missed the date's line), in the order they yield: any other reason says what was seen
 * (`low_confidence`, `cut_off`, `unreadable`, `only_valid_from`…) and tells the user what to do.
 */
const NOTHING_SEEN = ['not_a_name', 'not_found'];

/**
 * Why a field has no value, from the readings in order of trust (checking readings last): the
 * first reason that says what was seen, over one that saw nothing (`NOTHING_SEEN`). Before, the
 * first reading's reason was kept, often `not_found` from an empty card view where a later
 * view had read the date or name and doubted it (`low_confidence`, `cut_off`).
 */
function reasonOf(readings: readonly FieldReading[]): string {
  const ordered = [...readings.filter((r) => !r.check), ...readings.filter((r) => r.check)];
  const reasons = ordered.flatMap((r) => (r.value === null && r.missing !== undefined ? [r.missing] : []));
  const seen = (r: string): number => NOTHING_SEEN.indexOf(r);
  return reasons.reduce<string | null>((best, r) => (best === null || seen(r) < seen(best) ? r : best), null) ?? 'not_found';
}

/** How {@link fuseField} weighs a doubted reading against a sure one. */
export interface FieldFusionOptions {
  /**
   * Whose doubt blocks a different value: `other-readers` — only a reader that read no reading
   * of the value (a date: PP-OCR sure of 05/15 on one view outweighs its own doubted 05/35 on
   * another, real-dev-v1); `any` — every reading's (a name: a reading that saw ANNAF HOLM with
   * a weak letter blocks another view's sure ANA HOLM; on the six tuning sets this removed 2
   * wrong names for 1 right one, real-dev-v1 and cards-v1 unchanged).
   * @default 'other-readers'
   */
  readonly doubtVetoes?: 'other-readers' | 'any';
  /**
   * A value is missing (`conflicting_readings`) when some reading `seen` a string 1 to this many
   * edits from it (a name: real-world-80001's sure AHNA F HOLM where two detections of the card
   * view read ANNA F HOLM, not taken there for want of the number in their reading). Unset: no
   * such veto. Different names further apart (a business card beside the card) do not veto;
   * for dates, reader.ts passes no bound (two dates differ by a digit or by all of them).
   */
  readonly seenVetoWithin?: number;
}

/**
 * Decides the expiry or the name from every reading that was extracted (review S3). Each
 * reading's value already passed the field's checks (extract/), so two readings with different
 * values are two confident answers, and nothing tells which is right: the field is missing
 * with `conflicting_readings`, as for the number — a wrong date or name is worse than none.
 * A reading with no value (a date seen but not read, no name line) does not contradict one
 * that has it: another view or scale may read what this one could not. Readings come in
 * order of trust (the reading that settled the number first); when none has a value, the first
 * reason that says what was seen is kept (`reasonOf`). A doubted reading (`tentative`) is
 * never a value, but contradicts another reader's value that differs; a checking reading
 * (`check`) is never the only source of a value, unless it confirms a doubted one with the same
 * digits. Cheap: no OCR, only the readings already made.
 *
 * The reader passes, per extracted reading, `{ source, value, confidence, missing, tentative:
 * fields.tentative?.expiry }` for the expiry, and `check: true` for a reading whose lines a
 * second recogniser re-read (the card-line CRNN on PP-OCR's boxes).
 */
export function fuseField(readings: readonly FieldReading[], options: FieldFusionOptions = {}): FieldFusion {
  const withValue = readings.filter((r): r is FieldReading & { value: string } => r.value !== null);
  const values = new Set(withValue.map((r) => r.value));
  if (values.size === 0) return { value: null, confidence: null, sources: [], reason: reasonOf(readings) };
  if (values.size > 1) return { value: null, confidence: null, sources: [], reason: 'conflicting_readings' };
  // A reader that saw the field and doubted a character, reading it otherwise than every reader
  // of the value: nothing says which is right (a second reader is sure and wrong as often as
  // the first doubts and is right: on real-dev-v1 PP-OCR read 05/15 with the 1 at 0.40 where the
  // truth is 05/15, and 05/35 on other views). The same reader's own sure reading on another
  // view outweighs its doubt.
  const valueReaders = new Set(withValue.map((r) => readerOf(r.source)));
  const [value] = values;
  const vetoes = (r: FieldReading): boolean => options.doubtVetoes === 'any' || !valueReaders.has(readerOf(r.source));
  if (readings.some((r) => r.value === null && r.tentative !== undefined && r.tentative !== value && vetoes(r))) {
    return { value: null, confidence: null, sources: [], reason: 'conflicting_readings' };
  }
  const within = options.seenVetoWithin;
  if (within !== undefined && value !== undefined && readings.some((r) => r.seen?.some((s) => s !== value && distance(s, value) <= within))) {
    return { value: null, confidence: null, sources: [], reason: 'conflicting_readings' };
  }
  // Checking readings alone: a value only where a first reading saw the same digits and doubted
  // one of them (two readers, one sure, one doubting the same date), never on their own.
  // (With only checking readings valued, every first reading is one without a value.)
  const onlyChecks = withValue.every((r) => r.check);
  const confirmed = onlyChecks && withValue.some((r) => r.sure !== false) ? readings.filter((r) => !r.check && r.tentative === value).map((r) => r.source) : [];
  if (onlyChecks && confirmed.length === 0) return { value: null, confidence: null, sources: [], reason: reasonOf(readings) };
  const confidences = withValue.map((r) => r.confidence).filter((c): c is number => c !== undefined);
  return {
    value: withValue[0]!.value,
    confidence: confidences.length > 0 ? Math.max(...confidences) : null,
    sources: [...new Set([...confirmed, ...withValue.map((r) => r.source)])],
    reason: null,
  };
}

/**
 * Whether more readings could still change the outcome: nothing agreed yet, but something
 * valid (or a Luhn-failing number) was seen once. Lets the reader stop at the first agreement.
 */
export function needsMoreReadings(f: PanFusion): boolean {
  return f.pan === null && f.panUnverified === null && (f.reason !== 'conflicting_readings' || mayStillSettle(f)) && f.candidates.length > 0;
}

/**
 * A conflict between one valid number and Luhn-failing readings only is not final: the
 * disagreeing reader may read the valid number on another detection, and then it is among the
 * number's readers and no longer vetoes it (see `fusePan`). Two valid numbers never settle.
 */
function mayStillSettle(f: PanFusion): boolean {
  const conflicting = f.candidates.filter((c) => c.verdict === 'conflict');
  const valid = conflicting.filter((c) => c.luhnValid);
  if (valid.length === 1 && conflicting.some((c) => !c.luhnValid)) return true;
  // Valid numbers of which at most one is agreed, all a few digits apart: more readings may
  // give one of them two readers and leave the others lone misreads (`fusePan`'s outvoted
  // misread). Two agreed valid numbers, or numbers far apart (two cards), never settle.
  const [first, ...others] = valid;
  return (
    first !== undefined &&
    valid.filter((c) => independentReadings(c.sources)).length <= 1 &&
    others.every((c) => c.digits.length === first.digits.length && differingAt(c.digits, first.digits).length <= MISREAD_MAX_DIGITS)
  );
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;
