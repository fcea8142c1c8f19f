/**
 * The card reader: photo bytes → checked, masked card fields.
 *
 * decode → views (views.ts: the rectified card when its outline is found, and/or the whole
 * frame) → readers, cheapest first: the glyph classifier on card views (exact on the typefaces
 * it knows), the learned detector + line recognisers through the injected engines (any view,
 * any orientation), Tesseract for a name the others could not settle → fusion (fuse.ts): a
 * card number is reported only when two independent readings agree and nothing contradicts
 * it; reading stops at the first agreement. Expiry and name come from the reading that settled
 * the number, through the field checks (extract/).
 *
 * Never throws for bad input: bad images come back `failed` with the error code, photos
 * without card-like text as `no_card`.
 */
import pLimit from 'p-limit';
import sharp from 'sharp';
import { ReadResult, type CardGeometry, type FieldSources, type ReadStatus } from '../core/card.js';
import { DEFAULT_IMAGE_LIMITS, decodeImage, withTimeout, type ImageLimits } from './decode.js';
import { CardOcrError, OcrEngineError, toCardOcrError } from '../core/errors.js';
import { redactPans } from '../core/mask.js';
import { extractFields, namesSeen, type ExtractedFields, type TextLine } from './extract/index.js';
import { silentLog, type Log } from '../core/log.js';
import type { Gray } from './readers/glyph/glyphs.js';
import { readNameWithOcr } from './readers/glyph/name-ocr.js';
import { readGlyphHypotheses, type GlyphResult } from './readers/glyph/hypotheses.js';
import { dateLikeLines, numberLikeLines, readViewLearned, rereadLines, toTextLines, turnOf, withLinesReplaced, type LearnedReading, type ReadLine } from './readers/learned.js';
import type { LineRecognizer, OcrEngine, Raster, TextDetector } from '../core/ports.js';
import type { LineDiagnostic, ReadDiagnostics, ViewDiagnostic, WorkDiagnostic } from './diagnostics.js';
import { fuseField, fusePan, needsMoreReadings, panReadings, type FieldFusion, type FieldReading, type PanFusion, type PanReading } from './fuse.js';
import { cropQuad } from './image/crop-quad.js';
import { FRAME_MAX_SIDE, frameRaster, grayRaster, levelView, regionsBox, textAngle, zoomView, type PixelBox, type View } from './views.js';
import { cardMap, composeMaps, identityMap, scaleMap, type ToSource } from './image/field-geometry.js';
import { locateFields, topCandidate, type ImageSize } from './locate-fields.js';
import { dateDoubted, readDateCloseUp, type ZoneExtent } from './date-zone.js';
import { countedDetector, countedRecognizer } from './work.js';
import { breathe, CARD_HEIGHT, CARD_WIDTH, locateCard, workingCopy } from './preprocess.js';

export interface CardReader {
  /** Whole pipeline on photo bytes. Never throws for bad input: returns ReadResult with status 'failed' (error.code from ImageInputError) or 'no_card'. */
  readPhoto(bytes: Uint8Array): Promise<ReadResult>;
  /**
   * OCR + extraction on an already normalised PNG (what the AWS/local "read" stage runs after
   * the "preprocess" stage): a rectified card, or — when preprocessing found no card outline —
   * the normalised whole frame. Hints are optional; without them the view kind is told by the
   * image's size and aspect. Bad input comes back `failed`/`no_card` like `readPhoto`; an
   * engine that cannot read at all (the injected learned engines failed to load) throws a
   * retryable OcrEngineError, so the read stage retries instead of storing a worse result.
   */
  readNormalised(card: Uint8Array, hints?: NormalisedHints): Promise<ReadResult>;
  close(): Promise<void>;
}

/** What the preprocess stage knows about the PNG it wrote (all optional). */
export interface NormalisedHints {
  /** `card`: a rectified card (CARD_WIDTH × CARD_HEIGHT); `frame`: the whole frame, no outline found. */
  readonly view?: 'card' | 'frame';
  /** Clockwise degrees already applied to make it upright (0 when unknown). */
  readonly rotation?: number;
  /**
   * Size of the photo the PNG was made from (after EXIF orientation). With it (and `corners`
   * for a card view) the result's geometry refers to that photo; without it, to the PNG.
   */
  readonly image?: { readonly width: number; readonly height: number };
  /** Card view: the card's corners in that photo, TL, TR, BR, BL as the card reads upright. */
  readonly corners?: ReadonlyArray<readonly [number, number]>;
}

/** Engine factories the reader starts lazily. */
export interface ReaderEngines {
  /** A general OCR engine (tesseract.js) for names, labels and cross-checks. */
  readonly ocr: () => Promise<OcrEngine>;
  /** A learned text detector (PP-OCR DB); without it the reader reads card views with the glyph reader only. */
  readonly detector?: () => Promise<TextDetector>;
  /** Learned line recognisers, best first (PP-OCR rec, the project's card-line model). */
  readonly recognizers?: () => Promise<LineRecognizer[]>;
}

export interface CardReaderOptions {
  /** Photos read at once on the main thread (default 1); others decode ahead, off the main thread. */
  workers?: number;
  limits?: ImageLimits;
  log?: Log;
  /**
   * The OCR engines, injected by the composition root (the reader never imports an adapter).
   * Each is a factory called on first use, so a photo that never needs an engine never pays
   * its start-up.
   */
  engines: ReaderEngines;
  /**
   * Start loading the learned engines when the reader is created (default true), so their
   * model sessions are built while the first photo is read from disk and decoded instead of
   * after; on Lambda (a reader made at module scope) that is the init phase. A failed load is
   * not remembered: the first photo retries it and fails loudly if it fails again. Tesseract is
   * never preloaded (most photos never need it).
   */
  preload?: boolean;
  /** Reference date for expiry plausibility (tests). */
  now?: () => Date;
  /**
   * Monotonic milliseconds for the per-photo budget (`limits.timeoutMs`, from the photo's
   * start; default `performance.now`). Tests inject one to spend the budget without waiting.
   */
  clock?: () => number;
  /**
   * Called once per photo with what every reader read and how each card-number candidate was
   * judged (for the bench). In process only: it carries full digits — never log or store it.
   */
  onDiagnostics?: (d: ReadDiagnostics) => void;
}

export type { ReadDiagnostics } from './diagnostics.js';
export type { PanCandidateVerdict, PanVerdict } from './fuse.js';

/** Tesseract's page confidence below which its name reading is not trusted on its own (measured: wrong reads ≤ 0.46, right ones mostly ≥ 0.56). */
const TESSERACT_NAME_MIN_CONFIDENCE = 0.55;

const round1 = (n: number): number => Math.round(n * 10) / 10;

/**
 * At most `slots` holders at a time, first come first served (p-limit's queue). The reader's
 * main-thread work (preprocess, glyph OCR, learned reading) goes through one of these so a
 * caller may keep more photos in flight than that: the extra ones are decoded (by libvips, off
 * the main thread) while earlier photos are read, instead of waiting idle. Returns a function
 * that waits for a slot and resolves to its release.
 */
function createGate(slots: number): () => Promise<() => void> {
  const limit = pLimit(Math.max(1, slots));
  return () =>
    new Promise((entered) => {
      void limit(() => new Promise<void>((release) => entered(once(release))));
    });
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (!done) {
      done = true;
      fn();
    }
  };
}

/**
 * The name close-up's zone around the number line (date-zone.ts units: number box heights above
 * and below, number lengths before and after). Names are printed below the number, starting
 * under its first digit and ending before its end; the tuning sets' truth (235 layouts) puts the
 * name's bottom edge 2.2–4.6 digit heights under the number's on 90 % of cards (up to 7.9), and
 * the date zone's 3.5 box heights cut some off (AISHA U MENDES at 3.75 on embossed-95001). The
 * number line stays in the close-up: extraction places the name against it.
 */
const NAME_ZONE = { above: 0.75, below: 5.5, before: 0.15, after: 0.1 } as const;

/**
 * Edits within which a name some reading read and did not take vetoes a different reported name
 * (fuse.ts `seenVetoWithin`): a letter or two is the same print read twice otherwise (AHNA F
 * HOLM / ANNA F HOLM); on the tuning probes no right name had such a line beside it.
 */
const NAME_SEEN_VETO_EDITS = 2;

/** Readings whose doubted name the card-line model re-reads at most (one is the rule: a name is read on one view or two). */
const NAME_CHECK_MAX = 2;

/** Lowest confidence of each digit of a checking reading's date for it to confirm a doubted one. */
export const DATE_CHECK_SURE_DIGIT = 0.9;

/**
 * Whether some line of `reading` reads `date` (`MM/YY`) as printed, month, a separator that is
 * no digit (a slash read as 7 or 1 is a guess, not a reading), year (`YY` or `20YY`), with each
 * of its four digits at `DATE_CHECK_SURE_DIGIT` or more. A check re-reads the doubted reading's
 * own boxes, so only a sure one is a second opinion on the digit the first one doubted (review 7a
 * B3); a value extract/ repaired from letters (`O6/29`) is not read as printed here and confirms
 * nothing.
 */
export function readsDateSurely(reading: Pick<LearnedReading, 'lines'>, date: string): boolean {
  const m = /^(\d{2})\/(\d{2})$/.exec(date);
  if (!m) return false;
  const re = new RegExp(`(?<!\\d)${m[1]}\\D(?:20)?${m[2]}(?!\\d)`, 'g');
  return reading.lines.some((l) =>
    [...l.text.matchAll(re)].some((x) => {
      const at = [x.index, x.index + 1, x.index + x[0].length - 2, x.index + x[0].length - 1];
      return at.every((i) => (l.charConfidences[i] ?? 0) >= DATE_CHECK_SURE_DIGIT);
    }),
  );
}

/**
 * The lines of `reading` a doubted name (`tentative`, extract/'s words in capitals) was read
 * from: those whose words are all the name's (one line, or words a detector boxed one by one).
 */
export function nameLines(reading: Pick<LearnedReading, 'lines'>, tentative: string): ReadLine[] {
  const words = new Set(tentative.split(' '));
  return reading.lines.filter((l) => {
    const ws = l.text.toUpperCase().split(/\s+/).map((w) => w.replace(/^[^\p{L}]+|[^\p{L}.]+$/gu, '')).filter((w) => w.length > 0);
    return ws.length > 0 && ws.every((w) => words.has(w));
  });
}

/** How sure one reader must be of a letter the other doubted for the two to agree on it (`agreedConfidences`). */
export const NAME_CHECK_SURE_LETTER = 0.9;

/**
 * Per-letter confidences of `again`, a second reader's reading of `first`'s print: where both read
 * the same text, each character's surer confidence; else `again`'s own.
 */
export function agreedConfidences(first: Pick<ReadLine, 'text' | 'charConfidences'>, again: Pick<ReadLine, 'text' | 'charConfidences'>): readonly number[] {
  const same = first.text === again.text && first.charConfidences.length === again.charConfidences.length;
  // The check re-reads the same box, so a letter counts as the surer reader's only where that one
  // is sure of it (NAME_CHECK_SURE_LETTER); below, the weaker: both readers doubting one letter
  // (0.40 and 0.72) is no agreement on it (review 7b B1).
  const agreed = (c: number, f: number): number => (Math.max(c, f) >= NAME_CHECK_SURE_LETTER ? Math.max(c, f) : Math.min(c, f));
  return same ? again.charConfidences.map((c, i) => agreed(c, first.charConfidences[i] ?? 0)) : again.charConfidences;
}

/** Detector input sides: the first pass, and a second pass at another scale for a second reading (measured trade-off in the report). */
const DETECT_SIDE = 960;
const DETECT_SIDE_2 = 1280;

/**
 * Largest input side of the detector's second pass over the photo itself, when the photo is
 * larger than its frame and the frame's first pass read nothing (see that pass).
 */
const FULL_SIDE = 1920;
/** Source variant of that pass: another detection (fuse.ts `detectionOf`), like `det1280`. */
const FULL_VARIANT = 'full';

/** The re-crop another recogniser reads a number line from. */
const LINE_REREAD = { name: 'line', pad: 0.08, height: 48 } as const;

/** The photo's time left for optional passes. */
interface Budget {
  /** Milliseconds left (≤ 0 once spent). */
  left(): number;
}
/**
 * The other recognisers' second crop of a number line read from one box, as a confirming re-read
 * (fuse.ts `PanReading.check`: it may agree with a reading, never contradict one): a margin
 * other than LINE_REREAD's resamples the same print, and a reader that misread one crop reads the
 * other right often enough to give a right PP-OCR reading its second reader. Measured with the
 * card-line CRNN on the lines the first passes left unsettled (8 tuning sets, 373 cards): at
 * margin 0.12 10 right readings and no Luhn-valid wrong one in 43; at 0.02 5 right and 3
 * valid wrong (one agreed with PP-OCR's wrong reading of the same box), at 0.3 / 0.5 (taller)
 * 3 / 1 right. Lines joined from several boxes are left out: every re-read of them shares the
 * join, and a join in the wrong order (groups of a steep card reversed) read alike by two
 * readers passed Luhn on a tuning photo.
 */
const CHECK_REREAD = { name: 'tight', pad: 0.12, height: 48 } as const;
/**
 * A line's crop turned half round from its reading's direction, for a card upside down among
 * upright print (a card on a letter, a receipt, a business card): the view's direction is decided
 * by most of its print (learned.ts FLIP_TRY_BELOW), and the card's lines then read as garbage.
 */
const TURNED_REREAD = { name: 'turned', pad: 0.08, height: 48, turned: true } as const;
/** A line whose first reading's mean confidence is under this may be printed the other way up. */
const TURN_TRY_BELOW = 0.5;
/**
 * How much surer PP-OCR must be of a line turned half round than of it as first read, and how
 * sure at least, for the turned reading to count: upright print read turned is garbage read
 * unsurely; a blurred upright number reads unsurely both ways.
 */
const TURNED_GAIN = 0.3;
const TURNED_MIN = 0.8;
/** Lines per reading tried turned at most (the longest): a number is the card's longest line. */
const TURNED_MAX = 2;
/** The second crop of a number line: wider margin, taller (another view of the same print for fusion). */
const REREADS = [
  { name: 'pad', pad: 0.3, height: 64 },
  { name: 'tight', pad: 0.12, height: 48 },
] as const;
/**
 * Words printed on payment cards, in capitals as cards print them (screens and receipts next to
 * a long number mostly write `Card`, `Tracking`…); run-together readings (`CREDITCARD`) count.
 */
const CARD_WORDS = /VISA|MASTER ?CARD|MAESTRO|AMEX|AMERICAN EXPRESS|DISCOVER|UNION ?PAY|JCB|DINERS|VALID|THRU|EXPIRES|EXPIRY|MEMBER|DEBIT|CREDIT|CARD/;
/**
 * Words that say a number is not a card's, as screens, receipts, letters and parcels print them
 * on the number's own row ("Tracking 9111 0835 …", "Order no. …", "IBAN DE12 …", "Tel …"), in
 * several languages. A card prints its number on a row of its own: on the tuning sets and
 * real-dev-v1 (83 rows of ≥ 12 digits read at 960 px) no card number's row held a letter.
 */
const NON_CARD_LABEL =
  /\b(?:track(?:ing)?|order|invoice|inv|ref|reference|account|acct|iban|bic|swift|routing|sort ?code|phone|tel|telephone|mobile|call|fax|booking|ticket|confirmation|transaction|txn|receipt|customer|policy|serial|imei|parcel|shipment|waybill|awb|barcode|voucher|coupon|sendung\w*|bestell\w*|rechnung\w*|kunden\w*|konto|commande|facture|suivi|pedido|factura|cuenta|ordine|fattura|conto)\b/i;
/**
 * Whether a read row's own print says its number is no card's: a non-card label, or a word all
 * in lower case before the digits, where a label stands before its value (screens and letters
 * write "Your code is …" in mixed case; cards print the few words near the number in capitals,
 * a tier word like "Rewards" after it if on its row at all, and misread digits are short mixed
 * tokens, not runs of three lower-case letters).
 */
function labelledNotCard(text: string): boolean {
  // A card's own label for its number ("ACCOUNT NUMBER", "Card number", "Kartennummer", as some
  // card backs print it) and digits misread as look-alike letters (`sooo`, `Aooo` for an
  // embossed 5000 / 4000) say nothing against the number (review R, F2).
  const words = text.replace(CARD_NUMBER_LABEL, ' ').replace(ACCOUNT_NUMBER_LABEL, ' ').replace(/\S+/g, (t) => (lookAlikeToken(t) ? ' ' : t));
  const first = words.search(/\d/);
  const before = first < 0 ? words : words.slice(0, first);
  return NON_CARD_LABEL.test(words.replace(/\d/g, ' ')) || LOWER_CASE_WORD.test(before.replace(CARD_WORDS_ANY_CASE, ' '));
}
/**
 * A word all in lower case, as sentences write their small words ("Your code is …"); a Title
 * Case name or job title a detector merged into the number's row from a paper beside the card
 * ("Senior Arch 4554 …": a card lying on a letter, seen on the held-out embossed set, whose right
 * number this rule dropped) says nothing against the number. Letters of any script (Unicode
 * classes): an ASCII-only class took the tail of a Title Case word with an accented capital
 * (`Ärztin`, `Özdemir`) for a lower-case word, and missed lower-case words in other scripts.
 */
const LOWER_CASE_WORD = /(?<!\p{L})\p{Ll}{3,}(?!\p{L})/u;
/**
 * How cards label their own number, in the languages of NON_CARD_LABEL: a card's label in any
 * case, an account's only in capitals as a card prints it (ACCOUNT NUMBER on a back). In mixed
 * case ("Account number", "Your account number is", "Número de cuenta", "N° de compte") it is
 * a bank letter's or a statement's label for a bank account, which NON_CARD_LABEL (`account`,
 * `cuenta`) or the lower-case mark must still see.
 */
const CARD_NUMBER_LABEL =
  /\b(?:card\s*(?:number|no\b\.?|#)|kart(?:en)?nummer|n[uú]mero\s+de\s+tarjeta|n(?:°|º|um[ée]ro)\s+de\s+carte|numero\s+(?:di\s+)?carta|n[uú]mero\s+do\s+cart[aã]o)/gi;
const ACCOUNT_NUMBER_LABEL = /\b(?:(?:ACCOUNT|ACCT)\s*(?:NUMBER|NO\b\.?|#)|N[UÚ]MERO\s+DE\s+CUENTA|N(?:°|º|UM[ÉE]RO)\s+DE\s+COMPTE)/g;
/** Letters a recogniser reads for digits (0 → o, D, Q; 1 → l, I, i; 5 → s; 8 → B; 4 → A…). */
const LOOK_ALIKE = /[oOQDlIiZzSsbGBgqTA|]/g;
/**
 * A token only of digits and digit look-alikes, with a letter (`sooo`, `Aooo`, `l2B4`): a
 * misread group, not a word (`IBAN`, `Tel`, `code` each hold a letter no digit looks like).
 */
function lookAlikeToken(token: string): boolean {
  return /[A-Za-z|]/.test(token) && token.replace(LOOK_ALIKE, '').replace(/\d/g, '') === '';
}
/** CARD_WORDS in any case (a screen's "card ending 1234" is still a card word, not a sentence's). */
const CARD_WORDS_ANY_CASE = new RegExp(CARD_WORDS.source, 'gi');
/**
 * Whether two close-up boxes are one (intersection over union ≥ SAME_BOX_IOU): a box of the
 * same line from another detector scale differs by a few pixels at its ends.
 */
function sameBox(a: PixelBox, b: PixelBox): boolean {
  const w = Math.min(a.left + a.width, b.left + b.width) - Math.max(a.left, b.left);
  const h = Math.min(a.top + a.height, b.top + b.height) - Math.max(a.top, b.top);
  if (w <= 0 || h <= 0) return false;
  const inter = w * h;
  return inter / (a.width * a.height + b.width * b.height - inter) >= SAME_BOX_IOU;
}
const SAME_BOX_IOU = 0.8;
/** Longer side of the number-line close-up for its second detection, px. */
const NUMBER_ZOOM_SIDE = 960;
/** A frame whose print covers less than this fraction is read again from a closer view. */
const ZOOM_BELOW = 0.3;
/**
 * Text angle (degrees from level) from which a frame whose first detection did not settle the
 * number is turned level and detected again (views.ts `levelView`). Measured on the tuning sets
 * (embossed-81001, real-world-80001; 140 photos): 12°, 20° and 30° read the same (PAN 56/60 and
 * 58/69, 0 wrong); 30° costs 0.07 fewer detector passes a photo on real-world (one photo at 27°
 * the turn did not help). 20° keeps a margin under the 33–40° at which whole-frame detection was
 * seen to miss a hand-held card's number line, for a pass that runs only on unsettled photos.
 */
const LEVEL_FROM = 20;

/** Digits of a row read in part that say it is the card's number row (`turnsLevel`); a loyalty card's 10-digit member number beside a steep card turned the check the wrong way. */
const NUMBER_PART_DIGITS = 11;

/**
 * Whether a frame's reading is turned level (views.ts `levelView`, by its dominant angle): its
 * text runs steep (LEVEL_FROM), and the rows its number may be on (`numberRows`: read as a
 * number, or in part) do not run level themselves. The dominant angle is the longer print's: a
 * card beside a sticky note in large handwriting or a second card at another angle is not at it,
 * and turning by it turned a number the frame read at -14° or -19° to -55° or -50°, where it was
 * boxed no more (tuning sets: cards 188–260 px wide beside a note or a business card).
 */
export function turnsLevel(reading: Pick<LearnedReading, 'angle'>, numberRows: readonly Pick<ReadLine, 'quads'>[]): boolean {
  if (Math.abs(reading.angle) < LEVEL_FROM) return false;
  const own = textAngle(numberRows.flatMap((l) => l.quads.map((quad) => ({ quad, score: 1 }))));
  return own === null || Math.abs(own) >= LEVEL_FROM;
}

const digitsOf = (t: string): string => t.replace(/\D/g, '');
/**
 * Print that says a date is on the card (a date-like token, a slash, a date label): only then
 * can a closer pass find a date the first pass missed. Measured on real-dev-v1: the closer
 * "no date" pass ran on 14 photos and found a date on 1, which printed a label; skipping it
 * where nothing date-like was read drops 4 of those passes and no date.
 */
const DATE_EVIDENCE = /\d\s*[/\-.]\s*\d|\/|THRU|VALID|EXP|GOOD|UNTIL|MONTH|YEAR|FROM|SINCE|有效|月/i;

/** What all readers made of one photo. */
interface Reading {
  fields: ExtractedFields;
  sources: FieldSources;
  timings: Record<string, number>;
  diagnostics: Omit<ReadDiagnostics, 'timingsMs' | 'sources'>;
  /** The photo showed card evidence (a number-like candidate, a date, or a found card outline). */
  cardLike: boolean;
  /** Where the card and its fields were, in source pixels (null without a map to the source). */
  located: Pick<CardGeometry, 'corners' | 'fields'> | null;
  /** Optional passes left out because the photo's budget was spent. */
  skipped: readonly string[];
}

/**
 * Creates a reader. The OCR engine is loaded and started lazily, on the first card whose
 * name the glyph reader cannot settle, so most reads never pay its start-up.
 */
export async function createCardReader(options: CardReaderOptions): Promise<CardReader> {
  const log = options.log ?? silentLog;
  const limits = options.limits ?? DEFAULT_IMAGE_LIMITS;
  const now = options.now ?? (() => new Date());
  const clock = options.clock ?? (() => performance.now());
  let engine: Promise<OcrEngine> | null = null;
  let closed = false;
  const enter = createGate(options.workers ?? 1);
  const getEngine = (): Promise<OcrEngine> => {
    // Started on first use: most cards never need it, and every process start (CLI, Lambda
    // cold start) is spared its import.
    const current = (engine ??= options.engines.ocr());
    // A failed load is retried on the next card rather than remembered.
    current.catch(() => {
      if (engine === current) engine = null;
    });
    return current;
  };

  let learnedEngines: Promise<{ detector: TextDetector; recognizers: LineRecognizer[] } | null> | null = null;
  /**
   * The learned engines, or null when none were injected (then glyph + Tesseract only). When
   * they were injected but fail to load (a model file missing from the bundle, a wrong
   * checksum), the photo fails with a retryable OcrEngineError naming the file: reading on
   * without them would store worse results as final ones (review S4). The next photo retries
   * the load.
   */
  const getLearned = (): Promise<{ detector: TextDetector; recognizers: LineRecognizer[] } | null> => {
    const { detector, recognizers } = options.engines;
    if (!detector || !recognizers) return Promise.resolve(null);
    const current = (learnedEngines ??= Promise.all([detector(), recognizers()]).then(
      ([d, r]) => {
        if (r.length === 0) throw new OcrEngineError('the learned reader was configured without a line recogniser: expected at least one (check the composition root).');
        return { detector: d, recognizers: r };
      },
      (err: unknown) => {
        const e = toCardOcrError(err);
        // The message names the missing or corrupt model file and what to do (no card data in it).
        const message = redactPans(e.message).slice(0, 300);
        log.error('learned OCR engines failed to load', { code: e.code, error: message });
        throw e instanceof OcrEngineError
          ? e
          : new OcrEngineError(`the learned OCR engines failed to load (${message}); the photo was not read: fix the model files and retry.`, { cause: err });
      },
    ));
    current.catch(() => {
      if (learnedEngines === current) learnedEngines = null;
    });
    return current;
  };

  // A preload failure is already logged by getLearned (named file, redacted); the first photo retries the load and fails loudly.
  if (options.preload !== false) getLearned().catch(() => undefined);

  /**
   * Runs the readers on the views, cheapest first, until the number is settled. Every pass
   * after the first detection of the first view is optional: once the photo's budget is
   * spent (`budget`), the ones left are skipped and what was read stands.
   */
  async function readViews(
    card: View | null,
    frame: View | null,
    source: Raster | null,
    budget: Budget,
    place: { image: ImageSize; sourceToPhoto: ToSource | null } | null,
  ): Promise<Reading> {
    const image = place?.image ?? null;
    /** `{toSource}` for a view cut from `source`, given the cut's map to `source`'s pixels. */
    const fromSource = (m: ToSource): { toSource?: ToSource } => (place?.sourceToPhoto ? { toSource: composeMaps(place.sourceToPhoto, m) } : {});
    const timings: Record<string, number> = {};
    const add = (k: string, ms: number) => (timings[k] = (timings[k] ?? 0) + ms);
    const readings: PanReading[] = [];
    const lineDiags: LineDiagnostic[] = [];
    const viewDiags: ViewDiagnostic[] = [];
    const work: WorkDiagnostic = { detect: [], lines: {}, skipped: [] };
    /** Whether an optional pass may still run; notes it as skipped once the budget is spent. */
    const may = (pass: string): boolean => {
      if (budget.left() > 0) return true;
      work.skipped.push(pass);
      return false;
    };
    const note = (lines: readonly TextLine[], source: string): void => {
      for (const l of lines) {
        const digits = digitsOf(l.text);
        if (digits.length >= 4) lineDiags.push({ source, digits, confidence: Math.round(l.confidence * 1000) / 1000 });
      }
    };
    /**
     * Numbers some reading read on a row labelled as no card's (`labelledNotCard`): left out of
     * fusion whichever reading read them (a re-crop of the number's box, a close-up of it, may
     * not hold the label), so a screen's tracking number is never reported and never conflicts
     * with the card's own.
     */
    const labelled = new Set<string>();
    const take = (lines: readonly TextLine[], source: string, check = false): PanFusion => {
      note(lines, source);
      const marked = lines.filter((l) => labelledNotCard(l.text));
      if (marked.length > 0) for (const r of panReadings(marked, source)) labelled.add(r.digits);
      readings.push(...panReadings(lines, source).map((r) => (check ? { ...r, check } : r)));
      const t0 = performance.now();
      const f = fusePan(labelled.size > 0 ? readings.filter((r) => !labelled.has(r.digits)) : readings);
      add('fuse', performance.now() - t0);
      return f;
    };
    /**
     * A learned reading's lines, taken (`take`) once the numbers printed right under a row that
     * labels them as no card's ("Tracking number" over "9111 0835 …", as screens and receipts
     * print a label over its value) are marked `labelled`: a row below in reading order, within
     * about two line heights, overlapping it along the line.
     */
    const takeReading = (lr: LearnedReading): PanFusion => {
      const turn = turnOf(lr);
      // A label printed over its value holds no value of its own: a row above with digits
      // ("Tel 0800 …", "IBAN DE…" over the card number on a back) is another field (review R, F3).
      // The label rows are found once a reading, not once per row below them.
      const labels = lr.lines.filter((o) => digitsOf(o.text).length < 4 && NON_CARD_LABEL.test(o.text.replace(/\d/g, ' ')));
      if (labels.length > 0) {
        for (const l of lr.lines) {
          const label = labels.some((o) => {
            const gap = l.across - o.across;
            return o !== l && gap > 0 && gap < 2.2 * Math.max(l.height, o.height) && o.along < l.along + l.extent && o.along + o.extent > l.along;
          });
          if (label) for (const r of panReadings(toTextLines([l], turn), lr.source)) labelled.add(r.digits);
        }
      }
      return take(toTextLines(lr.lines, turn), lr.source);
    };
    const settled = (f: PanFusion) => !needsMoreReadings(f);
    /** Nothing decided yet: no number agreed, and no conflict that more readings cannot lift. */
    const open = (f: PanFusion) => f.pan === null && f.panUnverified === null && (f.reason !== 'conflicting_readings' || needsMoreReadings(f));
    /** A line some recogniser read a card-number candidate from. */
    const readsAsNumber = (l: ReadLine): boolean => panReadings(toTextLines([l]), '').length > 0;
    /** Per reading, the lines some recogniser read a card-number candidate from. */
    const numberRows = new WeakMap<LearnedReading, ReadLine[]>();

    /**
     * The rows of a reading its number is on: those read as a card number, else those read in
     * part (NUMBER_PART_DIGITS: most of a 13–19-digit number; member and phone numbers, dates and
     * a note's figures beside the card read fewer).
     */
    const numberRowsOf = (lr: LearnedReading): readonly ReadLine[] => {
      const rows = numberRows.get(lr) ?? [];
      return rows.length > 0 ? rows : numberLikeLines(lr).filter((l) => digitsOf(l.text).length >= NUMBER_PART_DIGITS);
    };

    const learnedEngines = await getLearned();
    // Counted engines: how much detection and recognition each photo cost (bench diagnostics).
    const learned = learnedEngines && {
      detector: countedDetector(learnedEngines.detector, work),
      recognizers: learnedEngines.recognizers.map((r) => countedRecognizer(r, work)),
    };
    /**
     * A second, independent reading of a learned reading's number-like lines. The other
     * recognisers first: another reader of the same box is an independent reading (fuse.ts),
     * and the card-line model costs ≈ 2 ms a line. PP-OCR's own re-crops of the box count once
     * with its first reading, so they come after, for when the others disagree (their digits
     * can still agree with another detection later).
     */
    /**
     * Lines of a reading that read poorly and are shaped like a number line (one box, at least
     * 6× as long as tall), read again turned half round by PP-OCR; those read surely that way and
     * as a number (TURNED_GAIN, TURNED_MIN) are read turned by the other recognisers too. The
     * turned crops are crops of the reading's own boxes (`/turned`, fuse.ts: one detection), so
     * the number still needs a second reader's agreement. Only on readings made the view's way
     * up with nothing settled.
     */
    const rereadTurned = async (lr: LearnedReading, f: PanFusion): Promise<PanFusion> => {
      if (!learned || !open(f) || !may('turned')) return f;
      const poor = [...lr.lines, ...lr.unread]
        .filter((l) => l.quads.length === 1 && l.extent >= 6 * l.height && l.confidence < TURN_TRY_BELOW)
        .sort((a, b) => b.extent - a.extent)
        .slice(0, TURNED_MAX);
      if (poor.length === 0) return f;
      const [rec, ...others] = learned.recognizers as [LineRecognizer, ...LineRecognizer[]];
      const t0 = performance.now();
      const turned = await rereadLines(lr, poor, rec, TURNED_REREAD);
      add('recognize', performance.now() - t0);
      const better = poor.filter((l, k) => {
        const t = turned[k]!;
        return t.confidence >= TURNED_MIN && t.confidence >= l.confidence + TURNED_GAIN && readsAsNumber(t);
      });
      if (better.length === 0) return f;
      f = take(toTextLines(turned.filter((_, k) => better.includes(poor[k]!)), turnOf(lr)), turned[0]!.source);
      for (const r of others) {
        if (settled(f)) break;
        const t1 = performance.now();
        const again = await rereadLines(lr, better, r, TURNED_REREAD);
        add('recognize', performance.now() - t1);
        if (again.length > 0) f = take(toTextLines(again, turnOf(lr)), again[0]!.source);
      }
      return f;
    };
    const reread = async (lr: LearnedReading, f: PanFusion): Promise<PanFusion> => {
      f = await rereadOnce(lr, f);
      return rereadTurned(lr, f);
    };
    const rereadOnce = async (lr: LearnedReading, f: PanFusion): Promise<PanFusion> => {
      if (!learned || !open(f)) return f;
      // The lines PP-OCR read a number from, and those that look like one whatever it read
      // (issue 8: an embossed number PP-OCR misread still gets the card-line model's reading).
      const candidates = lr.lines.filter(readsAsNumber);
      const extras = numberLikeLines(lr).filter((l) => !candidates.includes(l));
      const read = [...candidates];
      numberRows.set(lr, read);
      if (candidates.length + extras.length === 0) return f;
      /** One re-read: a recogniser, its crop variant (`rereadLines`' own), the lines it reads. */
      type Pass = [LineRecognizer, Parameters<typeof rereadLines>[3], readonly ReadLine[], boolean?];
      const [rec, ...others] = learned.recognizers as [LineRecognizer, ...LineRecognizer[]];
      // The other recognisers on PP-OCR's candidates first (what settles most photos), then on
      // the other number-like lines only if that did not settle it (the common case reads no
      // more crops than before); PP-OCR's own re-crops on both.
      const passes: Pass[] = [
        ...others.map((r): Pass => [r, LINE_REREAD, candidates.length > 0 ? candidates : extras]),
        ...(candidates.length > 0 && extras.length > 0 ? others.map((r): Pass => [r, LINE_REREAD, extras]) : []),
        ...REREADS.map((v): Pass => [rec, v, [...candidates, ...extras]]),
        // Last, the others' confirming crop of the lines read from one box (CHECK_REREAD).
        ...others.map((r): Pass => [r, CHECK_REREAD, [...candidates, ...extras].filter((l) => l.quads.length === 1), true]),
      ];
      for (let i = 0; i < passes.length; i++) {
        // The first (cheapest) re-read always runs: it is what makes a first pass conclusive.
        if (i > 0 && !may('reread')) break;
        const [r, variant, lines, check] = passes[i]!;
        if (lines.length === 0) continue;
        const t0 = performance.now();
        const again = await rereadLines(lr, lines, r, variant);
        add('recognize', performance.now() - t0);
        if (again.length > 0) f = take(toTextLines(again, turnOf(lr)), again[0]!.source, check);
        again.forEach((l, k) => {
          if (readsAsNumber(l) && !read.includes(lines[k]!)) read.push(lines[k]!);
        });
        // Nothing number-like read yet, or settled: further crops of the same boxes would not change that.
        if (settled(f)) break;
      }
      return f;
    };

    let glyph: GlyphResult | null = null;
    let fused = fusePan([]);
    if (card?.card) {
      // With learned readers, only the card as preprocessed: the other hypotheses (inverted,
      // turned) cost 100–500 ms on real photos and run below only if the learned reader did not
      // settle the number.
      glyph = readGlyphHypotheses(card.card, now(), { firstOnly: learned !== null });
      add('glyph', glyph.ms);
      viewDiags.push({ id: card.id, kind: 'card', rotation: card.rotation, width: card.raster.width, height: card.raster.height });
      fused = take(glyph.lines.filter((l) => l.role === 'number'), 'glyph@card');
      await breathe();
    } else if (frame) {
      viewDiags.push({ id: frame.id, kind: 'frame', rotation: frame.rotation, width: frame.raster.width, height: frame.raster.height });
    }

    const learnedReads: LearnedReading[] = [];
    /**
     * What vouches for a Luhn-failing number being a card's (the `not_card_like` gate): a card
     * outline, a date some reading read (its value may still be disputed by another reading, and
     * go unreported: the date is printed all the same), or card words.
     */
    const cardEvidence = (): boolean =>
      Boolean(card && !card.fullFrame) || learnedReads.some((l) => fieldsOf(l).expiry || l.lines.some((x) => CARD_WORDS.test(x.text)));
    // Each reading's checked fields, extracted once: the date pass and the field fusion both ask.
    const fieldsMemo = new WeakMap<LearnedReading, ExtractedFields>();
    const fieldsOf = (l: LearnedReading): ExtractedFields => {
      let f = fieldsMemo.get(l);
      if (!f) fieldsMemo.set(l, (f = extractFields(toTextLines(l.lines, turnOf(l)), { now: now() })));
      return f;
    };
    const extraReads: LearnedReading[] = [];
    /** The card-line model's re-readings of date lines (of readings with an expiry, or a doubted one): checking readings of the expiry only. */
    const dateChecks: LearnedReading[] = [];
    /** The card-line model's re-readings of doubted name lines: checking readings of the name only. */
    const nameChecks: LearnedReading[] = [];
    /** Close-ups of where the card prints its dates (date-zone.ts): readings of the expiry only. */
    const dateReads: LearnedReading[] = [];
    /** Close-ups of the zone below the number read for the name, where no other reading read one: readings of the name only. */
    const nameReads: LearnedReading[] = [];
    if (learned) try {
      const [rec] = learned.recognizers as [LineRecognizer, ...LineRecognizer[]];
      /** Cheap path: the recogniser on the glyph reader's number row (no detector pass). */
      const readRow = async (g: GlyphResult | null): Promise<void> => {
        const row = g?.reading.number?.row;
        if (!g || !row || settled(fused)) return;
        const t0 = performance.now();
        const m = row.height * 0.3;
        const quad = [
          { x: row.x0 - m, y: row.y0 - m }, { x: row.x1 + m, y: row.y0 - m },
          { x: row.x1 + m, y: row.y1 + m }, { x: row.x0 - m, y: row.y1 + m },
        ] as const;
        const [r] = await rec.recognize([cropQuad(grayRaster(g.img), quad, 48)]);
        add('recognize', performance.now() - t0);
        if (r) fused = take([{ text: r.text, confidence: r.confidence, role: 'number' }], `${rec.name}@card/row`);
      };
      await readRow(glyph);
      const wantFields = () => !glyph?.fields.expiry || !glyph.fields.name;
      // Views for the learned reader: the card when found; the frame when the card view does not settle it.
      const order: View[] = [];
      if (card) order.push(card);
      if (frame) order.push(frame);
      // Views that are `source` scaled (and cut), axis-aligned: a closer look at them is cut from
      // `source` at full resolution. Others (the rectified card, a turned frame) are cut from
      // their own pixels, their map composed with the cut's.
      const ofSource = new Set<View>(source && frame ? [frame] : []);
      /** Frames already turned level (never turned again). */
      const levelled = new Set<View>();
      /** Close-ups of a frame's print (never looked at closer again). */
      const zooms = new Set<View>();
      /** A view made from `view` by `make` (a cut, a turn), given the pixels to make it from, with its map to the photo. */
      const derive = async (
        view: View,
        make: (from: Raster) => Promise<{ raster: Raster; toSourceRaster: ToSource }>,
      ): Promise<{ raster: Raster; toSource?: ToSource }> => {
        const t0 = performance.now();
        const full = source !== null && ofSource.has(view);
        const z = await make(full ? source : view.raster);
        add('views', performance.now() - t0);
        return { raster: z.raster, ...(full ? fromSource(z.toSourceRaster) : view.toSource ? { toSource: composeMaps(view.toSource, z.toSourceRaster) } : {}) };
      };
      const closer = (view: View, box: PixelBox, side: number) => derive(view, (from) => zoomView(from, view.raster, box, side));
      /**
       * A number that fails Luhn, read twice, with no card evidence yet (an outline, a date, card
       * words: the `not_card_like` gate below): reading goes on as if nothing had settled, for
       * the evidence a further view may read (a steep card's date read once it is turned
       * level), instead of stopping at a number the gate would drop.
       */
      const bare = (f: PanFusion): boolean => f.pan === null && f.panUnverified !== null && !cardEvidence();
      /** The number is settled and, if it fails Luhn, has card evidence. */
      const done = (f: PanFusion): boolean => settled(f) && !bare(f);
      /**
       * A close-up of `lines` (number lines `from` read on `view`), cut from the full-resolution
       * photo where `view` is `source` scaled, detected and read again. Its source is
       * `<view>-number[/variant]`: fuse.ts counts it with the detection whose box it was cut from
       * (`variant`: that detection's, e.g. `det1280`).
       */
      /** The boxes of each view's number close-ups so far. */
      const closeUps = new Map<View, PixelBox[]>();
      const numberCloseUp = async (view: View, from: LearnedReading, lines: readonly ReadLine[], variant?: string): Promise<void> => {
        const quads = lines.flatMap((l) => l.quads);
        const nb = quads.length > 0 ? regionsBox(quads.map((quad) => ({ quad, score: 1 })), view.raster.width, view.raster.height, 0.15) : null;
        if (!nb) return;
        // The same box of the same view looked at closer again (the second detector scale boxed
        // the line the first did): the same pixels at the same side, read by the same readers,
        // give the same readings, which fuse.ts counts as one close-up anyway (`closeUpOf`).
        const before = closeUps.get(view) ?? [];
        if (before.some((b) => sameBox(b, nb))) return;
        closeUps.set(view, [...before, nb]);
        const z = await closer(view, nb, NUMBER_ZOOM_SIDE);
        const zoomed: View = { id: `${view.id}-number`, kind: view.kind, raster: z.raster, rotation: view.rotation, ...(z.toSource ? { toSource: z.toSource } : {}) };
        const side = Math.max(z.raster.width, z.raster.height);
        const lz = await readViewLearned(zoomed, learned.detector, rec, { maxSide: Math.max(320, Math.ceil(side / 32) * 32), flip: from.flipped, ...(variant ? { variant } : {}) });
        add('detect', lz.timingsMs.detect);
        add('recognize', lz.timingsMs.recognize);
        // Geometry only: a close-up of the number line is no reading of the other fields.
        extraReads.push(lz);
        fused = takeReading(lz);
        fused = await reread(lz, fused);
      };
      for (let i = 0; i < order.length; i++) {
        const view = order[i]!;
        if (done(fused) && fused.candidates.length > 0 && (learnedReads.length > 0 || !wantFields())) break;
        // The first detection is the one pass every photo gets; further views are optional.
        if (learnedReads.length > 0 && !may(`view:${view.id}`)) break;
        const lr = await readViewLearned(view, learned.detector, rec, { maxSide: DETECT_SIDE });
        add('detect', lr.timingsMs.detect);
        add('recognize', lr.timingsMs.recognize);
        learnedReads.push(lr);
        if (view !== card) {
          // The frame noted at the start gets what its reading found.
          const d: ViewDiagnostic = { id: view.id, kind: view.kind, rotation: view.rotation + (lr.flipped ? 180 : 0), width: view.raster.width, height: view.raster.height, regions: lr.regions.length, angle: round1(lr.angle) };
          const at = viewDiags.findIndex((v) => v.id === view.id);
          if (at >= 0) viewDiags[at] = d;
          else viewDiags.push(d);
        }
        fused = takeReading(lr);
        await breathe();
        fused = await reread(lr, fused);
        if (view.kind === 'frame' && !levelled.has(view) && !((fused.pan || fused.panUnverified) && !bare(fused)) && turnsLevel(lr, numberRowsOf(lr)) && lr.regions.length > 0) {
          // Steep text (a card held at an angle): the detector boxes such lines poorly, and level
          // ones well. The frame turned level is detected again, instead of this view's closer
          // and larger passes (they would box the same steep print).
          if (!may('level')) break;
          const l = await derive(view, (from) => levelView(from, lr.angle));
          const level: View = { id: `${view.id}-level`, kind: 'frame', raster: l.raster, rotation: view.rotation + round1(-lr.angle), ...(l.toSource ? { toSource: l.toSource } : {}) };
          levelled.add(level);
          order.splice(i + 1, 0, level);
          continue;
        }
        // A close-up is never looked at closer again: its print fills it unless the detector
        // boxed something small far from the card, and a chain of close-ups would only spend the
        // budget (one zoom on any tuning photo so far).
        const box = view.kind === 'frame' && !zooms.has(view) && !done(fused) ? regionsBox(lr.regions, view.raster.width, view.raster.height) : null;
        if (box && box.width * box.height < ZOOM_BELOW * view.raster.width * view.raster.height) {
          // The print covers a small part of the frame (a card held far away): look closer.
          if (!may('zoom')) break;
          const z = await closer(view, box, FRAME_MAX_SIDE);
          const zoomed: View = { id: `${view.id}-zoom`, kind: 'frame', raster: z.raster, rotation: view.rotation, ...(z.toSource ? { toSource: z.toSource } : {}) };
          if (ofSource.has(view)) ofSource.add(zoomed);
          if (levelled.has(view)) levelled.add(zoomed);
          zooms.add(zoomed);
          order.splice(i + 1, 0, zoomed);
          continue;
        }
        if (!settled(fused) && fused.reason !== 'conflicting_readings' && may('number-zoom')) {
          // A second detection of the number line alone: its box from this reading, cut from the
          // full-resolution photo and detected again — other line boxes for the same print, at
          // a fraction of a whole-view pass.
          await numberCloseUp(view, lr, numberRows.get(lr) ?? lr.lines.filter(readsAsNumber));
        }
        // Digits enough for a card number somewhere in the view, but no number read from them.
        const digitsSeen = lr.lines.reduce((n, l) => n + digitsOf(l.text).length, 0) >= 12;
        // No number read anywhere yet, on a frame (or a view made from it) the first pass had to
        // shrink: a small card's print (190–300 px wide, held far away among other things) may
        // have been lost in the shrinking, and the larger side, nearer the view's own pixels, is
        // the last look before `no_card`. A view no larger than the first side was already seen
        // whole (a second, larger pass only enlarges it more: real-dev-v1's small negatives paid
        // it for nothing). Measured: see the commits (tuning sets).
        const nothingYet = view.kind === 'frame' && fused.candidates.length === 0 && Math.max(view.raster.width, view.raster.height) > DETECT_SIDE;
        if ((!done(fused) || (fused.candidates.length === 0 && (digitsSeen || nothingYet))) && may(`det${DETECT_SIDE_2}`)) {
          // Another scale: the detector's second pass finds other line boxes for the same print
          // (and digits the first pass merged or cut, when it saw digits but no number).
          // With nothing read at all on the frame of a photo larger than it, the pass reads the
          // photo's own pixels (up to FULL_SIDE) instead of the frame's: a card 240–290 px wide
          // in a 1080×1920 photo prints its number 9–16 px tall, 6–10 px in the 1280-px frame,
          // too small for the detector to box; at the photo's own size it is boxed (tuning sets:
          // embossed-81001 #021 read; 116 photos over 1280 px, no other number changed). Only
          // where the frame read nothing: a pass of 2.25× the pixels, in place of the 1280 one.
          const full = nothingYet && view === frame && source !== null && ofSource.has(view) && Math.max(source.width, source.height) > Math.max(view.raster.width, view.raster.height);
          const on: View = full ? { id: view.id, kind: view.kind, raster: source, rotation: view.rotation, ...fromSource(identityMap) } : view;
          const side2 = full ? Math.min(FULL_SIDE, Math.ceil(Math.max(source.width, source.height) / 32) * 32) : DETECT_SIDE_2;
          const variant2 = full ? FULL_VARIANT : `det${DETECT_SIDE_2}`;
          const lr2 = await readViewLearned(on, learned.detector, rec, { maxSide: side2, variant: variant2, flip: lr.flipped });
          add('detect', lr2.timingsMs.detect);
          add('recognize', lr2.timingsMs.recognize);
          learnedReads.push(lr2);
          fused = takeReading(lr2);
          fused = await reread(lr2, fused);
          // Its number line read from a close-up cut at full resolution (the second scale found a
          // small number the first missed, its crop from the frame's pixels too coarse): boxed by
          // this detection, it counts with it (`/det1280`), so agreement still needs another
          // reader or detection.
          if ((!done(fused) || fused.candidates.length === 0) && fused.reason !== 'conflicting_readings') {
            // The number-like fallback is looked for only when the close-up may run.
            const rows = numberRows.get(lr2) ?? [];
            const best = rows.length > 0 ? rows : numberLikeLines(lr2, 1).filter((l) => digitsOf(l.text).length >= 8);
            if (best.length > 0 && may('number-zoom')) await numberCloseUp(on, lr2, best, variant2);
          }
        }
        if ((fused.pan || fused.panUnverified) && !bare(fused)) break;
      }
      // The glyph reader's other hypotheses (inverted, turned), when nothing settled the number.
      if (card?.card && glyph && !glyph.fields.pan && fused.pan === null && fused.panUnverified === null && may('glyph-hypotheses')) {
        const all = readGlyphHypotheses(card.card, now());
        add('glyph', all.ms);
        if (all.fields.pan || all.fields.panUnverified) {
          glyph = all;
          fused = take(all.lines.filter((l) => l.role === 'number'), 'glyph@card');
          await readRow(all);
        }
      }
      // No date in what was read (a small date the first pass merged or missed): one closer
      // pass at the detector's larger input over the view that held the card's text — unless that
      // view was detected larger already (its det1280 pass, or the photo's own pixels `/full`,
      // which has the view's id: review 8 S1, a 1280 pass after the 1920 one found nothing new).
      const withText = learnedReads.find((l) => l.lines.length > 0);
      /** Some reader read a date (asked again after the closer pass below adds a reading). */
      const dateRead = (): boolean => Boolean(glyph?.fields.expiry) || learnedReads.some((l) => fieldsOf(l).expiry);
      const dateSeen = learnedReads.some((l) => l.lines.some((x) => DATE_EVIDENCE.test(x.text)));
      if (withText && !dateRead() && dateSeen && fused.candidates.length > 0 && !learnedReads.some((l) => (l.view === withText.view && l.source.endsWith(`/det${DETECT_SIDE_2}`)) || (l.view.id === withText.view.id && l.source.endsWith(`/${FULL_VARIANT}`))) && may('date')) {
        const lr2 = await readViewLearned(withText.view, learned.detector, rec, { maxSide: DETECT_SIDE_2, variant: `det${DETECT_SIDE_2}`, flip: withText.flipped });
        add('detect', lr2.timingsMs.detect);
        add('recognize', lr2.timingsMs.recognize);
        learnedReads.push(lr2);
        fused = takeReading(lr2);
      }
      // Still no date, or a date some reading saw and could not read (a second date beside the
      // one read, a doubted digit): the zone where cards print dates, cut around the number line
      // at full resolution and read at a size the detector boxes small print at (date-zone.ts).
      // Not for a bare number (Luhn-failing, nothing of a card): a date read beside a tracking
      // number would be the card evidence that reports it.
      /** Whether the date close-up was cut (or tried): the same zone is never cut twice. */
      let zoneTried = false;
      /**
       * A close-up of a zone around the number line (date-zone.ts; `extent` and `field` for other
       * fields than the dates), cut from the readings that read the settled number first, detected
       * and read. Its own failure (an engine error, a geometry bug) costs only the close-up: the
       * readings so far and the checks below stand (review 6b N-a).
       */
      const zoneCloseUp = async (field: 'date' | 'name', extent?: ZoneExtent): Promise<LearnedReading | null> => {
        try {
          const reads = [...learnedReads].sort((a, b) => Number(fused.sources.includes(b.source)) - Number(fused.sources.includes(a.source)));
          const z = await readDateCloseUp({ reads, digits: fused.pan ?? fused.panUnverified ?? topCandidate(fused), source, sourceToPhoto: place?.sourceToPhoto ?? null, detector: learned.detector, recognizer: rec, ...(extent ? { extent, field } : {}) });
          if (!z) return null;
          add('views', z.cropMs);
          add('detect', z.reading.timingsMs.detect);
          add('recognize', z.reading.timingsMs.recognize);
          extraReads.push(z.reading);
          return z.reading;
        } catch (err) {
          log.warn(`${field} close-up failed`, { code: toCardOcrError(err).code, error: redactPans(String((err as Error)?.message ?? err)).slice(0, 300) });
          return null;
        }
      };
      if ((!dateRead() || learnedReads.some((l) => dateDoubted(fieldsOf(l)))) && fused.candidates.length > 0 && !bare(fused) && may('date-zone')) {
        zoneTried = true;
        const dz = await zoneCloseUp('date');
        if (dz) dateReads.push(dz);
      }
      // No reading read a name (most misses on the tuning sets: a steep card whose number was read
      // on the tilted frame, its name boxed poorly or not at all; a small card's name shrunk to a
      // few pixels): the zone below the number where cards print the name, cut upright in the
      // number's own direction at full resolution and read (date-zone.ts, NAME_ZONE). The date
      // close-up's reading, when one was made, is asked first (its zone often holds the name).
      // These readings count for the name alone, and only here, where no other reading has one.
      // Not where the date close-up was tried and gave no reading (it failed, or found no zone to
      // cut: the same cut and engines would give nothing again).
      const nameRead = (): boolean => Boolean(glyph?.fields.name) || [...learnedReads, ...nameReads].some((l) => fieldsOf(l).name);
      if (!nameRead() && fused.candidates.length > 0 && !bare(fused) && (!zoneTried || dateReads.length > 0)) {
        nameReads.push(...dateReads);
        if (!nameRead() && may('name-zone')) {
          const nz = await zoneCloseUp('name', NAME_ZONE);
          if (nz) nameReads.push(nz);
        }
      }
      // The card-line model reads date-like lines again as checking readings (fuse.ts fuseField
      // `check`): a check confirms a date with the same digits and conflicts with a different one,
      // but never reports a date on its own (a date has no checksum; the CRNN can be sure and
      // wrong: 01/32 for 02/32 on two detections of one tuning photo).
      // - Every reading that reports an expiry: one recogniser's sure single misread (an 8 read
      //   as 9) passes every check extraction and fusion have, and only another recogniser's
      //   reading of the same print contradicts it (it is then missing as `conflicting_readings`,
      //   never wrong). Date-like lines only (≤ 3 a reading, ≈ 3 ms a line), no detector pass.
      // - A date seen but doubted (extract/'s tentative: one doubted digit) when no reading has a
      //   value: the check can confirm the doubted date.
      const crnn = learned.recognizers[1];
      if (crnn) {
        const all = [...learnedReads, ...dateReads];
        const doubted = all.some((l) => fieldsOf(l).expiry) || dateRead() ? undefined : all.find((l) => fieldsOf(l).tentative?.expiry !== undefined);
        const toCheck = [...all.filter((l) => fieldsOf(l).expiry !== null), ...(doubted ? [doubted] : [])];
        for (const l of toCheck) {
          if (!may('date-check')) break;
          const lines = dateLikeLines(l);
          if (lines.length === 0) continue;
          const t0 = performance.now();
          const again = await rereadLines(l, lines, crnn, LINE_REREAD);
          add('recognize', performance.now() - t0);
          const dr = withLinesReplaced(l, lines, again, again[0]!.source);
          dateChecks.push(dr);
          extraReads.push(dr);
        }
        // A name seen but doubted (a weak letter) where no reading is sure of one: the card-line
        // model reads that name's line again as a checking reading, which confirms the doubted
        // name only when it reads the same letters (fuse.ts fuseField `check`), never names alone.
        // Two independent readers agreeing letter for letter on the print (embossed relief,
        // where PP-OCR doubts most names) is the evidence a sure reading gives.
        if (!glyph?.fields.name && ![...learnedReads, ...nameReads].some((l) => fieldsOf(l).name)) {
          for (const l of [...learnedReads, ...nameReads].filter((r) => fieldsOf(r).tentative?.name !== undefined).slice(0, NAME_CHECK_MAX)) {
            if (!may('name-check')) break;
            const lines = nameLines(l, fieldsOf(l).tentative!.name!);
            if (lines.length === 0) continue;
            const t0 = performance.now();
            const again = await rereadLines(l, lines, crnn, LINE_REREAD);
            add('recognize', performance.now() - t0);
            // The lines keep the first reading's source: their boxes are its boxes, so the name is
            // placed against the number it read (extract/ panBoxFor); the check counts as the CRNN's.
            // Read alike letter for letter, each letter is as sure as its surer reader: the two
            // often doubt different letters of one name (AISHA U MENDES: PP-OCR at 0.56 on one,
            // the CRNN at 0.67 on another), and a letter both read alike, one of them surely, is
            // the evidence a sure reading gives. Read otherwise, the CRNN's own doubt stands.
            const checked = again.map((a, k) => ({ ...a, source: l.source, charConfidences: agreedConfidences(lines[k]!, a) }));
            const nr = withLinesReplaced(l, lines, checked, again[0]!.source);
            nameChecks.push(nr);
            extraReads.push(nr);
          }
        }
      }
    } catch (err) {
      // What was read so far stands: a learned engine failure costs only its readings.
      const e = toCardOcrError(err);
      if (e.code === 'internal') throw err;
      log.warn('learned OCR failed', { code: e.code, error: redactPans(e.message).slice(0, 300) });
    }


    // Fields other than the number: every reading's checked value (the reading that settled the
    // number first, the glyph reader's last); two readings with different values leave the field
    // missing as `conflicting_readings` (fuse.ts fuseField, review S3).
    const t0 = performance.now();
    const sources: FieldSources = {};
    const ranked = [...learnedReads].sort((a, b) => Number(fused.sources.includes(b.source)) - Number(fused.sources.includes(a.source)));
    // Every name each reading read, taken or not (extract/ namesSeen): for the veto of a name misread by a letter or two.
    const seenOf = (l: LearnedReading): string[] => namesSeen(toTextLines(l.lines, turnOf(l)));
    const learnedFields = ranked.map((l) => ({ source: l.source, f: fieldsOf(l), seen: seenOf(l) }));
    const dateFields = dateReads.map((l) => ({ source: l.source, f: fieldsOf(l), seen: [] }));
    const nameFields = nameReads.map((l) => ({ source: l.source, f: fieldsOf(l), seen: seenOf(l) }));
    // The name close-up's own readings (the date close-up's, reused for the name, count already)
    // looked at the zone below the number, where cards print their dates too. For the expiry
    // they only contradict, never report or confirm (`check`, not `sure`): a card printing
    // `VALID FROM 07/27  VALID THRU 10/33` whose views boxed only the start date had it reported
    // as the expiry, while its name close-up read both dates (a generated validation set: 2 wrong
    // expiries of this kind). Their start dates block too (below). Tuning sets: expiries right
    // unchanged on five (50/67, 44/53, 41/48, 37/39, 43/48, 0 wrong); on the sixth one right date
    // lost to a doubted misread, kept by the sure-only rule.
    const nameZoneReads = nameReads.filter((l) => !dateReads.includes(l));
    const nameZoneDates: FieldReading[] = nameZoneReads.map((l) => {
      const c = fieldsOf(l);
      // Only a date it read surely (each digit ≥ DATE_CHECK_SURE_DIGIT): the close-up is one more
      // look at small print, and its doubted misread (08/25 for a printed 08/26) cost a right date.
      const value = c.expiry !== null && readsDateSurely(l, c.expiry) ? c.expiry : null;
      return { source: l.source, value, missing: c.missing.expiry, check: true, sure: false };
    });
    // A name's doubt counts against a sure name from the same reader too (fuse.ts doubtVetoes):
    // names come from PP-OCR alone, and a reading that saw ANNAF HOLM with a weak letter says
    // another view's sure ANA HOLM may be a misread (tuning sets: 2 wrong names fewer, 1 right fewer).
    const fieldOf = (key: 'expiry' | 'name'): FieldFusion =>
      fuseField([
        ...(key === 'expiry' ? [...learnedFields, ...dateFields] : [...learnedFields, ...nameFields]).map((l) => {
          const tentative = l.f.tentative?.[key];
          // Expiry: the dates a reading read and did not take (extract/ `datesSeen`) contradict any other value.
          const seen = key === 'name' ? { seen: l.seen } : l.f.datesSeen ? { seen: l.f.datesSeen } : {};
          return { source: l.source, value: l.f[key], confidence: l.f.confidence[key], missing: l.f.missing[key], ...(tentative !== undefined ? { tentative } : {}), ...seen };
        }),
        ...(key === 'expiry' ? nameZoneDates : []),
        ...(key === 'expiry' ? dateChecks : nameChecks).map((l) => {
          const c = fieldsOf(l);
          const value = c[key];
          const sure = key === 'expiry' && value ? { sure: readsDateSurely(l, value) } : {};
          return { source: l.source, value, confidence: c.confidence[key], missing: c.missing[key], check: true, ...sure };
        }),
        ...(glyph ? [{ source: 'glyph@card', value: glyph.fields[key], confidence: glyph.fields.confidence[key], missing: glyph.fields.missing[key], ...(key === 'expiry' && glyph.fields.datesSeen ? { seen: glyph.fields.datesSeen } : {}) }] : []),
        // A date seen and not taken contradicts every other date (review 8 B1), however near: two dates differ by a digit.
      ], key === 'name' ? { doubtVetoes: 'any', seenVetoWithin: NAME_SEEN_VETO_EDITS } : { doubtVetoes: 'other-readers', seenVetoWithin: Number.POSITIVE_INFINITY });
    const fusedExpiry = fieldOf('expiry');
    let expiry = fusedExpiry.value;
    let expiryConf = fusedExpiry.confidence ?? undefined;
    let expiryMissing = fusedExpiry.reason ?? undefined;
    // A reading saw this date with a later one cut short beside it: the start date, not the expiry.
    if (expiry && (glyph?.fields.startDate === expiry || [...learnedReads, ...dateReads, ...dateChecks, ...nameZoneReads].some((l) => fieldsOf(l).startDate === expiry))) {
      expiry = null;
      expiryConf = undefined;
      expiryMissing = 'unreadable';
    }
    if (expiry) sources.expiry = fusedExpiry.sources;
    const fusedName = fieldOf('name');
    let name = fusedName.value;
    let nameConf = fusedName.confidence ?? undefined;
    let nameMissing = fusedName.reason ?? undefined;
    if (name) sources.name = fusedName.sources;
    add('extract', performance.now() - t0);

    const haveNumber = fused.pan !== null || fused.panUnverified !== null;
    // Tesseract only where the learned reader read nothing on the card view: where PP-OCR read
    // the card's lines and no name among them, Tesseract on the name region found none either
    // (real-dev-v1: 0 names from 4 calls, ≈ 1 s each in a fresh process for its start-up).
    const askTesseract = !learnedReads.some((l) => l.view === card && l.lines.length > 0);
    if (!name && nameMissing !== 'conflicting_readings' && glyph && (haveNumber || expiry)) {
      // Neither reader settled the name on the card view: ask Tesseract about the name region.
      // Its reading counts when Tesseract is sure, or when it agrees with the doubtful glyph reading.
      const t1 = performance.now();
      const glyphName = glyph.reading.name?.text.replace(/\s+/g, '') ?? null;
      try {
        const nameLines = (askTesseract && may('tesseract') ? await readNameWithOcr(await getEngine(), glyph.img, glyph.reading) : []).filter(
          (l) => l.confidence >= TESSERACT_NAME_MIN_CONFIDENCE || (glyphName !== null && l.text.replace(/\s+/g, '') === glyphName),
        );
        if (nameLines.length > 0) {
          const named = extractFields([...glyph.lines, ...nameLines], { now: now() });
          if (named.name) {
            name = named.name;
            nameConf = named.confidence.name;
            sources.name = ['tesseract@card'];
          }
        }
      } catch (err) {
        // The number and date stand on their own: an OCR engine failure costs only the name.
        log.warn('name OCR failed', { code: toCardOcrError(err).code });
        nameMissing = 'ocr_failed';
      }
      add('tesseract', performance.now() - t1);
    }

    // A number that fails Luhn has nothing but the photo to vouch for it being a card's: a
    // tracking or order number on a screen or receipt reads the same way twice too. It is
    // reported only with other card evidence: a card outline, a date, or card words.
    let panUnverified = fused.pan ? null : fused.panUnverified;
    if (panUnverified && !expiry && !cardEvidence()) {
      panUnverified = null;
      fused = { ...fused, panUnverified: null, reason: 'not_card_like' };
    }
    if (fused.pan) sources.pan = fused.sources;
    if (fused.panUnverified) sources.panUnverified = fused.sources;
    const confidence: ExtractedFields['confidence'] = {};
    const missing: ExtractedFields['missing'] = {};
    if (fused.pan && fused.confidence !== null) confidence.pan = fused.confidence;
    else missing.pan = fused.reason ?? 'not_found';
    // The brand is the IIN + length of the number reported, verified or not: an unverified
    // number was read the same way by two detections, so its IIN and length agree (a specimen
    // card printed 4000 1234 5678 9010 is still a Visa). Never from a single reading.
    const brand = fused.pan || panUnverified ? fused.brand : null;
    if (brand && fused.confidence !== null) confidence.brand = fused.confidence;
    else missing.brand = fused.pan || panUnverified ? 'unknown_iin' : 'no_pan';
    if (expiry && expiryConf !== undefined) confidence.expiry = expiryConf;
    else missing.expiry = expiryMissing ?? 'not_found';
    if (name && nameConf !== undefined) confidence.name = nameConf;
    else missing.name = nameMissing ?? 'not_found';
    const fields: ExtractedFields = {
      pan: fused.pan,
      panUnverified,
      brand,
      expiry: expiry ?? null,
      name: name ?? null,
      confidence,
      missing,
    };
    const cardLike = Boolean(glyph) || fused.candidates.length > 0 || Boolean(expiry);
    timings.ocr = (timings.glyph ?? 0) + (timings.detect ?? 0) + (timings.recognize ?? 0) + (timings.tesseract ?? 0);
    timings.extract = (timings.extract ?? 0) + (timings.fuse ?? 0);
    const t2 = performance.now();
    const located = image
      ? locateFields(image, {
          card,
          glyph,
          reads: [...learnedReads, ...extraReads],
          panDigits: fused.pan ?? fused.panUnverified ?? topCandidate(fused),
          panSources: fused.sources,
          expiry: fields.expiry,
          expirySources: sources.expiry ?? [],
          name: fields.name,
          nameSources: sources.name ?? [],
        })
      : null;
    if (located) add('geometry', performance.now() - t2);
    return {
      fields,
      sources,
      timings,
      cardLike,
      located,
      skipped: work.skipped,
      diagnostics: {
        views: viewDiags,
        lines: lineDiags,
        panCandidates: fused.candidates,
        panReadings: labelled.size > 0 ? readings.filter((r) => !labelled.has(r.digits)) : [...readings],
        panReason: fused.pan ? null : fused.reason,
        work,
      },
    };
  }

  function toResult(r: Reading, timings: Record<string, number>, frame: { image: ImageSize; rotation?: number } | null, budgetMs: number): ReadResult {
    const f = r.fields;
    const any = Boolean(f.pan || f.panUnverified || f.expiry || f.name);
    // The budget ran out before anything settled: say so (a retry on a quieter machine, or a
    // smaller photo, may read it), rather than "no card".
    const timedOut = !any && r.skipped.length > 0;
    // Without a card outline, a name alone is no evidence of a card (any screen prints words).
    const status: ReadStatus = f.pan ? 'ok' : any && r.cardLike ? 'partial' : timedOut ? 'failed' : 'no_card';
    const all: Record<string, number> = {};
    for (const [k, v] of Object.entries({ ...r.timings, ...timings })) all[k] = round1(v);
    const shown = status === 'ok' || status === 'partial';
    const geometry: CardGeometry | null =
      shown && frame && r.located
        ? {
            image: { width: frame.image.width, height: frame.image.height },
            ...(r.located.corners ? { corners: r.located.corners } : {}),
            ...(r.located.fields && Object.keys(r.located.fields).length > 0 ? { fields: r.located.fields } : {}),
            ...(frame.rotation !== undefined ? { rotation: frame.rotation } : {}),
          }
        : null;
    const result = new ReadResult({
      status,
      pan: f.pan,
      panUnverified: shown ? f.panUnverified : null,
      brand: f.brand,
      expiry: shown ? f.expiry : null,
      name: shown ? f.name : null,
      confidence: shown ? f.confidence : {},
      missing: f.missing,
      error:
        status === 'no_card'
          ? { code: 'no_card', message: 'no card text could be read from the image: photograph the card front, flat, filling most of the frame' }
          : timedOut
            ? {
                code: 'timeout',
                message: `reading the photo took longer than its ${budgetMs} ms budget before any field was read: the machine may be overloaded; retry, or send a smaller photo`,
              }
            : null,
      timingsMs: all,
      geometry,
      sources: shown ? r.sources : {},
    });
    options.onDiagnostics?.({ ...r.diagnostics, sources: result.sources, timingsMs: all });
    return result;
  }

  function failed(err: unknown, timings: Record<string, number>): ReadResult {
    const e: CardOcrError = toCardOcrError(err);
    const status: ReadStatus = e.code === 'no_card' ? 'no_card' : 'failed';
    // Only a redacted, bounded message: an unexpected error could quote its input.
    if (e.code === 'internal') log.error('card read failed unexpectedly', { code: e.code, error: redactPans(String(err)).slice(0, 300) });
    return new ReadResult({ status, error: e.toJSON(), timingsMs: timings });
  }

  function logResult(r: ReadResult, what: string): void {
    log.debug(what, {
      status: r.status,
      pan: r.card.pan, // masked
      brand: r.card.brand,
      missing: r.missing,
      errorCode: r.error?.code,
      timingsMs: r.timingsMs,
    });
  }

  /** The map from a rectified card's pixels to the photo its `corners` (TL, TR, BR, BL) were found in. */
  const cardToPhoto = (corners: ReadonlyArray<{ readonly x: number; readonly y: number }>): ToSource | undefined =>
    corners.length === 4 ? cardMap(CARD_WIDTH, CARD_HEIGHT, corners as unknown as [{ x: number; y: number }, { x: number; y: number }, { x: number; y: number }, { x: number; y: number }]) : undefined;

  /** A grey card (upright, text dark) as a card view. */
  const cardView = (g: Gray, fullFrame: boolean): View => ({ id: 'card', kind: 'card', raster: grayRaster(g), card: g, rotation: 0, fullFrame });

  return {
    async readPhoto(bytes: Uint8Array): Promise<ReadResult> {
      const t0 = performance.now();
      const c0 = clock();
      // Time spent waiting for a slot is not this photo's work: left out of budget and timings.
      let waitedMs = 0;
      let leave: (() => void) | null = null;
      let result: ReadResult;
      try {
        if (closed) throw new CardOcrError('internal', 'card reader is closed');
        // Decoding and the working copies run on libvips threads, outside the gate (see createGate).
        const decoded = await decodeImage(bytes, limits);
        const t1 = performance.now();
        const budget = Math.max(1, limits.timeoutMs - (t1 - t0));
        const small = Promise.all([workingCopy(decoded), frameRaster(decoded)]);
        small.catch(() => undefined);
        const [working, frameRgb] = await withTimeout(small, budget, 'preprocessing the photo');
        const t2 = performance.now();
        const c2 = clock();
        leave = await enter();
        const t3 = performance.now();
        const waitedClock = clock() - c2;
        waitedMs = t3 - t2;
        const work = locateCard(decoded, {}, working);
        work.catch(() => undefined);
        const found = await withTimeout(work, Math.max(1, budget - (t2 - t1)), 'preprocessing the photo');
        const t4 = performance.now();
        await breathe();
        const card = 'pixels' in found ? found : null;
        // The photo's whole budget (limits.timeoutMs) runs from its start, less the wait for a
        // slot: decoding and preprocessing spend it first, then the reading passes.
        const photoBudget: Budget = { left: () => limits.timeoutMs - (clock() - c0 - waitedClock) };
        const image = { width: decoded.width, height: decoded.height };
        // The frame view is read only when the card view does not settle the number; a card
        // that fills the frame (fullFrame) is the frame already.
        const frame: View = {
          id: 'frame', kind: 'frame', raster: frameRgb, rotation: 0,
          toSource: scaleMap(decoded.width / frameRgb.width, decoded.height / frameRgb.height),
        };
        const source: Raster = { width: decoded.width, height: decoded.height, channels: 3, data: decoded.data };
        const cv = card ? { ...cardView(card.pixels, card.geometry.fullFrame), toSource: cardToPhoto(card.geometry.corners) } : null;
        const reading = await readViews(cv, frame, source, photoBudget, { image, sourceToPhoto: identityMap });
        result = toResult(
          reading,
          { decode: t1 - t0, preprocess: t2 - t1 + (t4 - t3), total: performance.now() - t0 - waitedMs },
          { image, ...(card ? { rotation: card.geometry.rotation } : {}) },
          limits.timeoutMs,
        );
      } catch (err) {
        result = failed(err, { total: round1(performance.now() - t0 - waitedMs) });
      } finally {
        leave?.();
      }
      logResult(result, 'photo read');
      return result;
    },

    async readNormalised(png: Uint8Array, hints: NormalisedHints = {}): Promise<ReadResult> {
      const t0 = performance.now();
      const c0 = clock();
      let result: ReadResult;
      try {
        if (closed) throw new CardOcrError('internal', 'card reader is closed');
        const decoded = await decodeImage(png, limits);
        // The preprocess stage writes cards at exactly CARD_WIDTH × CARD_HEIGHT; anything else is a frame.
        const isCard = hints.view ? hints.view === 'card' : decoded.width === CARD_WIDTH && decoded.height === CARD_HEIGHT;
        const budget: Budget = { left: () => limits.timeoutMs - (clock() - c0) };
        // Where the PNG came from: the photo's size from the hints (else the PNG is the photo).
        const image = hints.image ? { width: hints.image.width, height: hints.image.height } : { width: decoded.width, height: decoded.height };
        let reading: Reading;
        const t1 = performance.now();
        if (isCard) {
          const gray = await sharp(decoded.data, { raw: { width: decoded.width, height: decoded.height, channels: 3 } })
            .greyscale()
            .resize(CARD_WIDTH, CARD_HEIGHT, { fit: 'fill' })
            .raw()
            .toBuffer();
          const card: Gray = { width: CARD_WIDTH, height: CARD_HEIGHT, data: new Uint8Array(gray.buffer, gray.byteOffset, gray.length) };
          // A rectified card maps back only through its corners in the photo.
          const corners = hints.image && hints.corners?.length === 4 ? hints.corners.map(([x, y]) => ({ x, y })) : null;
          const view: View = { ...cardView(card, false), ...(corners ? { toSource: cardToPhoto(corners) } : {}) };
          reading = await readViews(view, null, null, budget, corners ? { image, sourceToPhoto: null } : null);
        } else {
          const raster = await frameRaster(decoded);
          const source: Raster = { width: decoded.width, height: decoded.height, channels: 3, data: decoded.data };
          // The normalised frame is the photo scaled down (preprocess.ts normaliseFrame).
          const pngToPhoto = scaleMap(image.width / decoded.width, image.height / decoded.height);
          const view: View = {
            id: 'frame', kind: 'frame', raster, rotation: hints.rotation ?? 0,
            toSource: composeMaps(pngToPhoto, scaleMap(decoded.width / raster.width, decoded.height / raster.height)),
          };
          reading = await readViews(null, view, source, budget, { image, sourceToPhoto: pngToPhoto });
        }
        result = toResult(reading, { decode: t1 - t0, total: performance.now() - t0 }, { image, ...(hints.rotation !== undefined ? { rotation: hints.rotation } : {}) }, limits.timeoutMs);
      } catch (err) {
        // The learned engines would not load: a retryable error for the stage to retry (and
        // dead-letter), never a final result read without them.
        if (err instanceof OcrEngineError && err.retryable) throw err;
        result = failed(err, { total: round1(performance.now() - t0) });
      }
      logResult(result, 'card read');
      return result;
    },

    async close(): Promise<void> {
      closed = true;
      const closing: Array<Promise<unknown>> = [];
      if (engine) closing.push(engine.then((e) => e.close(), () => {}));
      if (learnedEngines) {
        closing.push(
          learnedEngines.then(async (l) => {
            if (!l) return;
            await Promise.allSettled([l.detector.close(), ...l.recognizers.map((r) => r.close())]);
          }),
        );
      }
      await Promise.all(closing);
    },
  };
}
