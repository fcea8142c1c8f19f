/**
 * Expiry extraction: `MM/YY`, `M/YY` (months 3–9; a lone 1 or 2 may be 10–12 with a digit
 * lost), `MM/YYYY` and `MM-YY` dates, read with their labels.
 * A label is the words just before the date on its line, or a label-only line just above or
 * beside it (geometry when the reader gives boxes, else the previous line of the same reader).
 *
 * - A date labelled VALID FROM / MEMBER SINCE / FROM is never the expiry, and an expiry cannot
 *   precede it.
 * - A date labelled VALID THRU / GOOD THRU / THRU / EXPIRES / EXP / VALID UNTIL / MONTH/YEAR /
 *   有效期 / 月/年 is preferred; among unlabelled dates the latest wins.
 * - Impossible months (00, 13…), non-Gregorian dates (a Solar Hijri `1403/01`) and the
 *   placeholder `00/00` are reported missing with that reason — never guessed around.
 * - Dashed dates are only read as whole tokens on lines that do not hold a card number, so a
 *   date is never taken from inside `4111-1111-…`.
 * Years are reported as printed (`12/99` stays `12/99`): the field is `MM/YY`.
 */
import { farFrom, levelColumn, levelRow, panBoxFor, repairDigits, type LineBox, type PanPlace, type TextLine } from './text.js';

/** One date read on a line, with the label before it; `invalid` when it cannot be an expiry. */
export interface DateCandidate {
  /** NaN when the reader saw a date but could not read it (`??/YY`). */
  readonly month: number;
  /** Four-digit year (two-digit years pivoted around today for ordering only). */
  readonly year: number;
  readonly label: 'expiry' | 'from' | null;
  readonly confidence: number;
  /** Set when the date was seen but cannot be an expiry: why. */
  readonly invalid?: 'impossible_month' | 'non_gregorian' | 'placeholder';
  /** Two-digit year as printed. */
  readonly yy?: string;
  /** The box of the line the date was read on, when known. */
  readonly box?: LineBox;
  /** For a date seen but not read because a digit was doubted: the `MM/YY` as read (never reported alone). */
  readonly guess?: string;
  /** For what is left of a date cut short right after a date read on its line (DATE_REMNANT_AFTER): that date, `MM/YY`. */
  readonly follows?: string;
}

/** The expiry picked from all lines, or null with the reason (`unreadable`, `low_confidence`, `only_valid_from`…). */
export interface ExpiryResult {
  /** `MM/YY`. */
  readonly expiry: string | null;
  readonly confidence: number | null;
  readonly reason: string | null;
  /** The box of the line the expiry was read on, when known (the name is often beside it). */
  readonly box?: LineBox | null;
  /**
   * When the expiry is missing as `unreadable` because one date had a doubted digit: that date as
   * read (`MM/YY`). Never a value on its own; fusion (fuse.ts `fuseField`) weighs it against
   * other readers' values — a sure reading by another reader that differs from it is a conflict.
   */
  readonly tentative?: string;
  /**
   * When the expiry is missing as `unreadable` because a date cut short follows a date read on
   * its line (`03/28 07`) or a doubted date earlier than one read is seen (`m11/2911/34`), or as
   * `implausible_date` because an unlabelled date implausibly far ahead was read beside it
   * (`05/26 05/50`, the later date misread): the (earlier) date read (`MM/YY`). A card prints its
   * start date before its expiry, so this is a start date whose label was not read: another
   * reading that read it alone (the later date lost) must not have it reported as the expiry
   * (reader.ts).
   */
  readonly startDate?: string;
  /**
   * Dates this reading read and did not take, where it used to report one or offer its guess
   * (the `startDate` cases above): it still saw the card's dates, so another reading's different
   * value is contradicted (fuse.ts `seen` with `seenVetoWithin`), never reported or confirmed by
   * them. Review 8 B1: `m11/2911/34` beside the glyph reader's misread 11/24, `05/26 05/50`
   * beside a 05/36, had each reported the other reading's misread once this reading stopped
   * offering a value or a guess.
   */
  readonly seen?: readonly string[];
}

// Label words, matched loosely because small label print is read with errors. The last label
// word before a date decides (VALID FROM 10/25 THRU 05/29 labels each date on its own).
const FROM_WORD = /^(FROM|FR0M|SINCE|S1NCE|ISSUED?|MEMBER|START|DESDE|VALIDFROM)$/;
const EXPIRY_WORD =
  /^(THRU|THR|THRU:|TRHU|THUR|THROUGH|EXP|EXP\.|EXPS|EXPIRES?|EXPIRY|EXPIRATION|EXPIRE|EXPIRA|END|UNTIL|UNT1L|GOOD|MONTH\/YEAR|MONTH|YEAR|VALIDTHRU|GOODTHRU|HASTA|VENCE|VENC|VENCIMIENTO|BIS|FIN|VALIDADE|SCAD|SCADENZA|有效期|有效期至|月\/年|有效期限)$/;
// Labels read without their spaces (PP-OCR drops them): MEMBERSINCE, GOODTHRU, VALIDUNTIL.
const GLUED_FROM = /^[A-Z]{2,}(FROM|SINCE)$/;
const GLUED_EXPIRY = /^[A-Z]{2,}(THRU|UNTIL|EXPIRES|EXPIRY|END)$|^(EXPIRES|EXPIRY|EXPIRATION)[A-Z]+$/;
// Words that are part of a label but decide nothing (VALID THRU: THRU decides).
const LABEL_FILLER = /^(VALID|VAL|VALIDO|VÁLIDO|OF|TO|DATE|DATA|DE|CARD|END)$/;

const SLASH_DATE = /^([0-9A-Za-z]{1,2})[/\\]([0-9A-Za-z]{2}|[0-9A-Za-z]{4})$/;
const DASH_DATE = /^(\d{1,2})-(\d{2}|\d{4})$/;
/** Year first: Solar Hijri cards print 1403/01 (YYYY/MM). */
const YEAR_FIRST = /^(\d{4})[/\\-](\d{1,2})$/;
/** Date-shaped: one or two characters, a slash, two to four characters. */
const LOOSE_DATE = /^[^\s/\\]{1,2}[/\\][^\s/\\]{2,4}$/u;
/**
 * A date inside a longer token (`m05/26`, `05/26x`): a digit, a slash, a two- or four-digit year
 * no further digit follows, with more around. A slash with a longer run of digits after it is
 * no date (`030/1234567`, `0800/123456`: phone numbers as German-speaking countries write
 * them, printed on card backs beside the number), so it does not block the expiry.
 */
const GLUED_DATE = /\d[/\\](?:\d{2}|\d{4})(?!\d)/;
/**
 * A date whose slash was read as a stroke-like character (`07732` for 07/32: a month, a slash
 * look-alike, two digits), on a line that holds another date: the line's other date, seen but
 * not read. When, read with a slash, it would be the later one (or a label says it is the
 * expiry), the date read beside it may be the start date, so it is no expiry on its own.
 * Measured on the tuning sets: MEMBER SINCE 01/27 MONTH/YEAR 07/32, labels not read, came back
 * from the card-line CRNN as `01/27 07732` (the 7 at 0.75), which gave 01/27 (real-world-80001);
 * PP-OCR read MEMBER SINCE 04/30 EXPIRES END 11/33 as `04730 11/33` (embossed-81001): the earlier
 * date, which changes nothing. A lone one is `slashReadAsCharacter`'s.
 */
const SLASH_MISREAD_BESIDE_DATE = /^(0[1-9]|1[0-2]).\d{2}$/; // the middle one of SLASH_LOOKALIKES
/**
 * The same right after a date read on its line, with what is left of its label glued before it
 * by a mark (`09/23 3--07128`: MEMBER SINCE 09/23 VALID THRU 07/28, the label read as `3--`, the
 * slash as 1). Measured on real-world-80001 (tuning): PP-OCR read it so at 1280 px and 09/23
 * was taken as the expiry (held back only by the other readings' 07/28). One character and a
 * mark, no more: a longer run before it (`030-07128`) is a phone number's.
 */
const SLASH_MISREAD_AFTER_MARK = /^[0-9A-Za-z][^0-9A-Za-z\s]+((?:0[1-9]|1[0-2]).\d{2})$/;
/**
 * The whole `MM/YY` inside a date with stray characters glued to it (`8006/34`, `m05/26`,
 * `05/26x`): what the reader may have read of the date, for another reader to confirm (a
 * `guess`, never a value alone: which characters belong to the date cannot be told by one
 * reading). Measured on embossed-83001 (tuning): GOOD THRU 06/34 read `8006/34` (the label's
 * remnant at 0.36 and 0.28, the date's characters ≥ 0.81), and by the card-line CRNN as `06/34`
 * on both detector scales.
 */
function gluedGuess(token: string): string | undefined {
  const m = /(\d{2})[/\\](\d{2})(?!\d)/.exec(token);
  if (!m) return undefined;
  const month = Number(m[1]);
  return month >= 1 && month <= 12 ? `${m[1]}/${m[2]}` : undefined;
}

/**
 * What is left of a date the reader cut short: a slash and the year (`/34`, its month not read),
 * or, right after a date on the same line (or after it and an expiry label), one or two digits,
 * perhaps with a slash and a year digit, a digit read as its look-alike letter (`03/28 07`,
 * `03/28 07/3`, `03/28 O7`, `03/28 EXPIRES 07`: MEMBER SINCE 03/28 EXPIRES 07/34 with the
 * second date's end, and labels, lost). Either is a date seen but not read, so the one date read
 * beside it is not taken as the expiry: it may be the start date. Measured on embossed-95001
 * (tuning): `03/28 07` reported 03/28 for 07/34. A card prints its start date before its expiry,
 * and nothing else it prints puts one or two digits after a date on its line.
 */
const DATE_REMNANT_ALONE = /^[/\\]\d{2}(?:\d{2})?$/;
/**
 * A month and a slash with at most one year digit (`05/3`, `05/`), anywhere after a date seen on
 * its line, not only right after it: the later date cut short with its label misread between the
 * two (`A01/26 vALiD UmL05/3 1`: VALID FROM 01/26 VALID UNTIL 05/31, embossed-95001, tuning),
 * so the one date before it is not the only date of the line.
 */
const DATE_CUT_AFTER = /^(?:0[1-9]|1[0-2])[/\\]\d?$/;
const DATE_REMNANT_AFTER = /^(?=.*\d)[0-9OoIl|SBZ]{1,2}(?:[/\\][0-9OoIl|SBZ]?)?$/;
/**
 * A second date whose slash was read as another mark or lost (`05.29`, `05,29`, `05)29`, `05?29`,
 * `0529`), right after a date read on its line: a date seen, not read, so the read one before it
 * is the start date (review 6b S-b: `11/25 05.29` reported 11/25). Four digits after a date are
 * nothing else a card prints on its date row.
 */
const DATE_SLASH_LOST = /^(?:0[1-9]|1[0-2])[.,)?:;]?\d{2}$/;
/**
 * Expiry words that, printed after a date on its line, do not say the date before them is the
 * start date: MONTH/YEAR is printed between a start date and an expiry on some layouts, and
 * says nothing of which is which. Every other expiry label (THRU, EXPIRES, UNTIL…) after a date
 * labels a later date: the one before it is the start date.
 */
const NOT_AFTER_START = /^(MONTH|YEAR|MONTH\/YEAR|月\/年)$/;

/** A date the reader located but could not read, e.g. `??/29`. */
const UNREADABLE_DATE = /^[0-9?]{2}[/\\][0-9?]{2}$/;

/**
 * Dates a card never prints: a day-level calendar date (`15/05/2020`, `2024-05-15`, `28.10.25`)
 * and a date with a time of day (`28/10 7pm`, `12/05 6pm`, `17/04 10:30`) are a bill's, a
 * receipt's or a note's beside the card. Cards print MM/YY (or MM/YYYY) only.
 */
const CALENDAR_DATE = /(?<![\d/\\.-])\d{1,4}([/\\.-])\d{1,2}\1\d{1,4}(?![\d/\\])/g;
const DATE_WITH_TIME = /(?<![\d/\\])\d{1,2}[/\\]\d{1,2}\s*(?:\d{1,2}\s*[ap]\.?m\.?(?![a-z])|\d{1,2}:\d{2})/gi;
/** Two whole dates with one character read in the gap between them (`09/23-07/28`, `08/29m02/33`). */
const DATES_ONE_APART = /(?<![\d/\\])(\d{2}[/\\]\d{2})[^\d\s/\\](?=\d{2}[/\\]\d{2}(?![\d/\\]))/g;

/** One letter glued before a whole `MM/YY` (`w09/32`: a speck, or what is left of a label). */
const SPECK_BEFORE_DATE = /(?<![0-9A-Za-z|])[A-Za-z](?=\d{2}[/\\]\d{2}(?![0-9A-Za-z/\\]))/g;
/**
 * Letters that can stand for a digit (the PAN's safe set and the wider look-alikes A→4, T→7,
 * U→0, G→6…): glued before a date, one of them may be a digit of it, so the date stays unread.
 */
const DIGIT_LOOKALIKE_LETTERS = /[OoQDUuIiLlSsBZzGgqbTAEHJ]/;
/**
 * A glued letter the reader doubted this much is a speck, not part of the date: a card prints a
 * two-digit month, so a letter before one adds nothing to it. Measured on real-world-80001
 * (tuning): VALID THRU 09/32 read `w09/32` with the `w` at 0.56 and 0.68.
 */
const SPECK_DOUBT = 0.9;

/**
 * The line's text as far as card dates go, character for character (per-character confidences
 * stay aligned): dates no card prints blanked out; the one character read between two whole
 * dates (a FROM and a THRU date printed side by side, or a range `09/23-07/28`) made a gap; a
 * doubted letter that cannot be a digit, glued before a whole date, dropped (only with
 * per-character confidences to say it was doubted).
 */
function cardDateText(text: string, conf?: readonly number[]): string {
  const c = conf && conf.length === text.length ? conf : null;
  return text
    .replace(CALENDAR_DATE, (m) => ' '.repeat(m.length))
    .replace(DATE_WITH_TIME, (m) => ' '.repeat(m.length))
    .replace(DATES_ONE_APART, '$1 ')
    .replace(SPECK_BEFORE_DATE, (m, at: number) => (c && c[at]! < SPECK_DOUBT && !DIGIT_LOOKALIKE_LETTERS.test(m) ? ' ' : m));
}

/** NFKC (full-width digits and slashes) and Eastern Arabic / Persian digits to ASCII. */
export function normaliseDigits(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660))
    .replace(/[\u06f0-\u06f9]/g, (d) => String(d.charCodeAt(0) - 0x06f0));
}

function prepare(text: string): string[] {
  const t = normaliseDigits(text)
    // "05 / 29" is one token; MONTH/YEAR stays one word.
    .replace(/\s*([/\\])\s*/g, '$1')
    // A label glued to its date ("THRU05/29", "有效期05/29"): split letters from digits. A
    // one-digit month 0–2 glued to a Latin label ("VALIDTHRUl1/32") is a date not read: cards
    // print two-digit months, and the label's last letter may be the month's first digit (l for
    // 1: 11/32, not 01/32). A 3–9 is its own month either way (13–19 are no months).
    .replace(/([A-Za-z]{2,})(?=[0-2][/\\])/g, '$1 ?')
    // Two dates read without the gap between them (VALID FROM 04/28 THRU 08/31 → 04/2808/31).
    .replace(/(?<![\d/\\])(\d{2}[/\\]\d{2})(?=\d{2}[/\\]\d{2}(?![\d/\\]))/g, '$1 ')
    .replace(/([A-Za-z]{2,}|[\u3000-\u9fff]+)(?=\d)/g, '$1 ');
  return t.split(/\s+/).filter((x) => x.length > 0);
}

type Label = 'expiry' | 'from' | null;

/**
 * What is left of a start date's label misread, right before its date: VALID FROM with its middle
 * lost (`VA…M`: no expiry label ends in M), FROM with a letter lost (`…FOM`, `…ROM`, `…FRM`), or
 * MEMBER cut short (ME, MEM…; no expiry label starts so). Measured on embossed-84001 (generated,
 * tuning): VALID FROM 06/30 read `VAM 06/30` (on a card printing no expiry) and MEMBER SINCE 04/22
 * read `ME04/22` (its MONTH/YEAR 05/27 not boxed) reported the start date, the card-line CRNN
 * reading the same box as `06/30` and `04/22`. Any word ending in M was too loose: VALID UNTIL
 * 09/27 read `hwm09/27` there.
 */
const FROM_REMNANT = /^(?:VA[A-Z]*M|[A-Z]*(?:FOM|ROM|FRM)|ME(?:M(?:B(?:E)?)?)?)$/;

/** The label decided by the last label word in a window of words. */
function labelOf(words: readonly string[]): Label {
  for (let i = words.length - 1; i >= 0; i--) {
    const w = words[i]!.toUpperCase().replace(/[:.,]+$/, '');
    if (FROM_WORD.test(w) || GLUED_FROM.test(w)) return 'from';
    if (i === words.length - 1 && FROM_REMNANT.test(w) && !EXPIRY_WORD.test(w)) return 'from';
    if (EXPIRY_WORD.test(w) || GLUED_EXPIRY.test(w)) return 'expiry';
    if (!LABEL_FILLER.test(w)) break;
  }
  return null;
}

/** Whether a line is only label words (a label printed above or beside its date). */
export function labelOnly(text: string): Label {
  const words = prepare(text).map((w) => w.replace(/[^0-9A-Za-z/\u3000-\u9fff]/g, '')).filter((w) => w.length > 0);
  if (words.length === 0 || words.length > 4) return null;
  if (words.some((w) => /\d/.test(w))) return null;
  const upper = words.map((w) => w.toUpperCase());
  if (!upper.every((w) => FROM_WORD.test(w) || EXPIRY_WORD.test(w) || GLUED_FROM.test(w) || GLUED_EXPIRY.test(w) || LABEL_FILLER.test(w))) return null;
  return labelOf(upper);
}

const twoDigitYear = (yy: number, now: Date): number => {
  const pivot = (now.getUTCFullYear() % 100) + 50;
  return yy <= pivot ? 2000 + yy : 1900 + yy;
};

/**
 * Dates on one line, each with the label words written just before it (if any).
 * @param outerLabel the label of a label-only line just above or beside this one.
 */
export function dateCandidates(line: TextLine, now: Date, outerLabel: Label = null): DateCandidate[] {
  const cardText = cardDateText(line.text, line.charConfidences);
  const toks = prepare(cardText);
  const evidence = dateEvidence(line, cardText);
  // Digits of the line outside any date: a line holding a card number never yields a dashed date.
  const numberLike = toks.filter((t) => /^\d+$/.test(t)).join('').length >= 12;
  const out: DateCandidate[] = [];
  let labelWindow: string[] = [];
  let first = true;
  const clean = (t: string): string => t.replace(/^[^0-9A-Za-z?]+|[^0-9A-Za-z/\\?]+$/g, '');
  // Another date on the line makes a `MM?YY` token beside it a date too (SLASH_MISREAD_BESIDE_DATE).
  const dated = toks.some((t) => SLASH_DATE.test(clean(t)));
  const misread: Array<{ label: Label; at: number; guess: string; follows?: string }> = [];
  // Whether the token before this one was read as a date (of any kind).
  let counted = 0;
  let dateBefore = false;
  // The last date read on the line, and the words read since the last date of any kind: a date
  // seen after a read date (a remnant, a glued or doubted date, `??/34`, an expiry label with no
  // date read after it) makes the read one the start date (`follows`), unless it was labelled
  // the expiry itself.
  let lastRead: DateCandidate | undefined;
  // Dates read on the line so far: a card prints one start date before its expiry, so only a line
  // with one date read can hold a start date followed by an unread expiry. After two read dates
  // (`11/25 05/29`) a stray token is noise, and marking the later date as the start date would
  // drop the real expiry and let another reading's lone start date through (review 6b S-c).
  let readDates = 0;
  let wordsSince: string[] = [];
  const follows = (): { follows?: string } => (lastRead && readDates === 1 && lastRead.label !== 'expiry' ? { follows: fmt(lastRead) } : {});
  // Only expiry labels (and filler) since a date read on the line, one that says a later date follows.
  const expiryLabelAfterRead = (): boolean => {
    if (!lastRead || out[out.length - 1] !== lastRead || wordsSince.length === 0) return false;
    const w = wordsSince.map((x) => x.toUpperCase().replace(/[:.,]+$/, ''));
    if (!w.every((x) => EXPIRY_WORD.test(x) || GLUED_EXPIRY.test(x) || LABEL_FILLER.test(x))) return false;
    return w.some((x) => (EXPIRY_WORD.test(x) || GLUED_EXPIRY.test(x)) && !LABEL_FILLER.test(x) && !NOT_AFTER_START.test(x));
  };
  for (const [ti, raw] of toks.entries()) {
    const tok = clean(raw);
    dateBefore = out.length + misread.length > counted;
    if (dateBefore) wordsSince = [];
    counted = out.length + misread.length;
    const prevTok = ti > 0 ? clean(toks[ti - 1]!) : '';
    const windowLabel = labelOf(labelWindow);
    // The outer label belongs to the first date of the line only.
    const label: Label = windowLabel ?? (first ? outerLabel : null);
    if (tok.includes('?') && UNREADABLE_DATE.test(tok)) {
      labelWindow = [];
      first = false;
      out.push({ month: NaN, year: NaN, label, confidence: 0, ...follows() });
      continue;
    }
    const yf = YEAR_FIRST.exec(tok);
    // Four digits no calendar's year (`8006/34`: a label's remnant glued to 06/34) are no
    // year-first date: the token is judged as a date with stray characters below.
    if (yf && Number(yf[1]) >= 1300 && Number(yf[1]) <= 2099) {
      const y = Number(yf[1]);
      const m = Number(yf[2]);
      labelWindow = [];
      first = false;
      // 1300–1499 is the Solar Hijri (or lunar Hijri) era, not a Gregorian card year.
      if (y >= 1300 && y < 1500 && m >= 1 && m <= 12) out.push({ month: m, year: y, label, confidence: line.confidence, invalid: 'non_gregorian' });
      continue;
    }
    const slash = SLASH_DATE.exec(tok);
    // A one-digit month right after a lone digit ("1 1/32"): the month's first digit split off
    // by a wide gap. 11/32 or 01/32 cannot be told: a date seen, not read.
    if (slash && slash[1]!.length === 1 && /^\d$/.test(prevTok)) {
      labelWindow = [];
      first = false;
      out.push({ month: NaN, year: NaN, label, confidence: 0, ...follows() });
      continue;
    }
    const dash = numberLike ? null : DASH_DATE.exec(tok);
    const m = slash ?? dash;
    const mm = m?.[1] ? repairDigits(m[1]) : null;
    const yy = m?.[2] ? repairDigits(m[2]) : null;
    if (m && mm && yy && mm.digits.length >= 1 && (yy.digits.length === 2 || yy.digits.length === 4)) {
      labelWindow = [];
      first = false;
      const month = Number(mm.digits);
      const yearDigits = yy.digits;
      const subs = mm.substitutions + yy.substitutions;
      const confidence = line.confidence * Math.pow(0.8, subs);
      // A date with a character the reader doubted, or a letter repair nothing vouches for, is a
      // date seen but not read (see DATE_CHAR_CONFIDENCE_FLOOR, SAFE_DATE_LOOKALIKES).
      // (subs > 1 or a repair without per-character confidences is caught here too when the
      // line's text and the token could not be aligned, e.g. full-width letters.)
      if (evidence !== 'sure' || subs > 1 || (subs > 0 && !line.charConfidences)) {
        // All digits, a month and a two-digit year, only doubted: what was read, for fusion to weigh.
        const n = Number(mm.digits);
        const guess = evidence === 'weak' && subs === 0 && mm.digits.length === 2 && yearDigits.length === 2 && n >= 1 && n <= 12 ? `${mm.digits}/${yearDigits}` : undefined;
        out.push({ month: NaN, year: NaN, label, confidence: 0, ...(guess ? { guess } : {}), ...follows() });
        continue;
      }
      // A one-digit month 1 or 2 (1/33): cards print MM/YY, and a dropped digit reads 11/33 or
      // 12/33 as 1/33 (measured on embossed prints). 01, 10, 11 or 12 cannot be told: seen, not
      // read. A 3–9 stands for itself (13–19 are no months).
      if (mm.digits.length === 1 && (mm.digits === '1' || mm.digits === '2')) {
        out.push({ month: NaN, year: NaN, label, confidence: 0, ...follows() });
        continue;
      }
      if (yearDigits.length === 4) {
        const year = Number(yearDigits);
        if (year >= 1300 && year < 1500) {
          out.push({ month, year, label, confidence, invalid: 'non_gregorian' });
          continue;
        }
        if (year < 1950 || year > 2099) continue; // not a date (a fraction, a code)
        const d = withValidity({ month, year, label, confidence, yy: yearDigits.slice(2) });
        out.push(d);
        if (d.invalid === undefined) {
          lastRead = d;
          readDates++;
        }
        continue;
      }
      const d = withValidity({ month, year: twoDigitYear(Number(yearDigits), now), label, confidence, yy: yearDigits });
      out.push(d);
      if (d.invalid === undefined) {
        lastRead = d;
        readDates++;
      }
      continue;
    }
    // A date-shaped token with characters that are no digit (05/1日, 0口/29): a date seen but
    // not read. It may be the expiry, so it must block a guess from the other dates.
    const loose = raw.replace(/^[.,:;()[\]]+|[.,:;()[\]]+$/g, '');
    // So is a date with a stray character glued to it (m05/26: a label's last letter, a speck):
    // which characters belong to the date cannot be told.
    if ((LOOSE_DATE.test(loose) || GLUED_DATE.test(loose)) && (loose.match(/\d/g) ?? []).length >= 2) {
      labelWindow = [];
      first = false;
      const guess = gluedGuess(loose);
      out.push({ month: NaN, year: NaN, label, confidence: 0, ...(guess ? { guess } : {}), ...follows() });
      continue;
    }
    // What is left of a second date the reader cut short (DATE_REMNANT): a date seen, not read.
    const cutAfterDate = out.length + misread.length > 0 && DATE_CUT_AFTER.test(tok);
    if (DATE_REMNANT_ALONE.test(raw.trim()) || cutAfterDate || ((dateBefore || expiryLabelAfterRead()) && (DATE_REMNANT_AFTER.test(tok) || DATE_SLASH_LOST.test(raw.trim())))) {
      labelWindow = [];
      first = false;
      // A whole second date, its slash read as another mark (`12.28`): its MM/YY is a guess for the CRNN's check.
      const lost = /^(\d{2})[^\d](\d{2})$/.exec(raw.trim());
      // Only a date later than the one read before it: an earlier one is at most the start date
      // (`12/28 03.23`), never a guess at the expiry (review 7a S1).
      const later = lost !== null && (!lastRead || Number(lost[2]) * 12 + Number(lost[1]) > (lastRead.year % 100) * 12 + lastRead.month);
      const guess = lost && later && (dateBefore || expiryLabelAfterRead()) && DATE_SLASH_LOST.test(raw.trim()) ? `${lost[1]}/${lost[2]}` : undefined;
      out.push({ month: NaN, year: NaN, label, confidence: 0, ...(guess ? { guess } : {}), ...follows() });
      continue;
    }
    // Right after the date, or after only an expiry label since it (`09/23 THRU 3--07128`: review 7a S2).
    const beside = SLASH_MISREAD_BESIDE_DATE.test(tok) ? tok : dateBefore || expiryLabelAfterRead() ? SLASH_MISREAD_AFTER_MARK.exec(tok)?.[1] : undefined;
    if (dated && beside && SLASH_LOOKALIKES.has(beside[2]!)) {
      labelWindow = [];
      first = false;
      misread.push({ label, at: Number(beside.slice(3)) * 12 + Number(beside.slice(0, 2)), guess: `${beside.slice(0, 2)}/${beside.slice(3)}`, ...follows() });
      continue;
    }
    // Keep only the last few words before a date as its label.
    labelWindow.push(tok);
    if (labelWindow.length > 3) labelWindow.shift();
    if (tok) wordsSince.push(tok);
  }
  // An expiry label after the last date read, with no date read after it (`03/28 EXPIRES`,
  // the later date lost): that date is seen, not read, and the one before it the start date.
  if (out.length + misread.length > counted) wordsSince = []; // the line's last token was a date
  if (expiryLabelAfterRead()) out.push({ month: NaN, year: NaN, label: 'expiry', confidence: 0, ...follows() });
  // A date whose slash was misread that would be the latest on the line, or is labelled the
  // expiry, may be the expiry: seen, not read. An earlier one is at most the start date.
  const latest = Math.max(-Infinity, ...out.filter((d) => Number.isFinite(d.month)).map((d) => (d.year % 100) * 12 + d.month));
  // Its MM/YY is a guess (`tentative`) for the card-line CRNN's check to confirm, never a value alone.
  // One earlier than the date read, though labelled the expiry, only blocks it: no guess and no
  // start date (an expiry before its start date is a misread of one of them; review 7b S3).
  for (const m of misread) {
    if (m.at >= latest) out.push({ month: NaN, year: NaN, label: m.label, confidence: 0, guess: m.guess, ...(m.follows ? { follows: m.follows } : {}) });
    else if (m.label === 'expiry') out.push({ month: NaN, year: NaN, label: m.label, confidence: 0 });
  }
  return out;
}

/**
 * Floor on each digit's own confidence in a date, when the reader gives per-character
 * confidences. A doubted digit makes the date unreadable rather than a guess. Measured on
 * PP-OCRv4 digits: misreads scored 0.34–0.57, right digits rarely under 0.6 (the PAN's floor).
 * Dates get 0.5, not 0.6: a date has its own checks (month, plausible year, label) and on
 * real-dev-v1 an embossed 1 of a right expiry scored 0.51; 0.5 still refuses 4 of the 6
 * measured misreads. Characters that are no digit at all (05/1日) are handled apart (LOOSE_DATE).
 * A letter read where a digit belongs (O5/29) must clear the same floor: it becomes a digit.
 */
export const DATE_CHAR_CONFIDENCE_FLOOR = 0.5;

/**
 * Lowest confidence a reported expiry may have (the line's, times 0.8 per repaired letter).
 * PP-OCR reads printed and embossed dates at 0.85–0.99 on real-dev-v1 and the generated sets;
 * a date under 0.6 is as likely a misread as a reading, so it is `low_confidence`, not a guess.
 */
export const EXPIRY_MIN_CONFIDENCE = 0.6;

/**
 * Letters that stand for exactly one digit (the PAN's safe set, extract/pan.ts): the only
 * repairs a date may have, one per date, and only with per-character confidences to vouch for
 * it. Wider look-alikes (A→4, H→4, T→7, E→3, U→0…) are as often another digit's misread, and a
 * wrong date has no checksum to catch it: with those, or without per-character evidence, a
 * date holding a letter is a date seen but not read.
 */
const SAFE_DATE_LOOKALIKES = new Set(['O', 'o', 'I', 'l', '|', 'S', 'B', 'Z']);

/** How a line's date-shaped runs read: surely, with a doubted character, or with a repair that cannot be vouched for. */
type DateEvidence = 'sure' | 'weak' | 'unsafe_repair';

/**
 * Judges every date token of a line as `prepare` cuts it (a label glued before it split off,
 * `THRU05/29` → `05/29`; one or two characters, a slash, two or four; both sides number-like,
 * so not MONTH/YEAR): a character under the floor, digit or repaired letter, makes it `weak`;
 * more than one repaired letter, one outside the safe set, or a repair without per-character
 * confidences makes it `unsafe_repair`. Dashed dates are digits only (DASH_DATE): their digits
 * are checked against the floor. `text` is the line's `cardDateText` (character for character,
 * so the per-character confidences stay aligned), made once by the caller.
 */
function dateEvidence(line: TextLine, text: string): DateEvidence {
  const c = line.charConfidences && line.charConfidences.length === text.length ? line.charConfidences : null;
  const re = /(?<![0-9A-Za-z|])([0-9A-Za-z|]+)(\s*([/\\-])\s*)([0-9A-Za-z|]+)(?![0-9A-Za-z|])/g;
  let m: RegExpExecArray | null;
  let verdict: DateEvidence = 'sure';
  // Two dates glued (04/2808/31): every digit of both must clear the floor.
  if (c) {
    const glued = /\d{2}[/\\]\d{4}[/\\]\d{2}/g;
    while ((m = glued.exec(text)) !== null) {
      for (let i = m.index; i < m.index + m[0].length; i++) if (/\d/.test(text[i]!) && (c[i] ?? 0) < DATE_CHAR_CONFIDENCE_FLOOR) return 'weak';
    }
  }
  while ((m = re.exec(text)) !== null) {
    // As prepare() does: letters (two or more) glued before digits are a label, not the date.
    const glued = /^.*[A-Za-z]{2,}(?=\d)/.exec(m[1]!);
    const skip = glued ? glued[0].length : 0;
    const left = m[1]!.slice(skip);
    const right = m[4]!;
    const slash = m[3] !== '-';
    if (left.length < 1 || left.length > 2 || (right.length !== 2 && right.length !== 4)) continue;
    if (slash ? !repairDigits(left) || !repairDigits(right) : !/^\d+$/.test(left + right)) continue;
    const from = m.index + skip;
    const positions = [...Array.from(left, (_, i) => from + i), ...Array.from(right, (_, i) => m!.index + m![1]!.length + m![2]!.length + i)];
    let letters = 0;
    let unsafe = false;
    for (const i of positions) {
      const ch = text[i]!;
      if (c && (c[i] ?? 0) < DATE_CHAR_CONFIDENCE_FLOOR) return 'weak';
      if (!/[0-9]/.test(ch)) {
        letters += 1;
        if (!SAFE_DATE_LOOKALIKES.has(ch)) unsafe = true;
      }
    }
    if (letters > 0 && (!c || unsafe || letters > 1)) verdict = 'unsafe_repair';
  }
  return verdict;
}

function withValidity(d: DateCandidate & { yy: string }): DateCandidate {
  if (d.month === 0 && d.yy === '00') return { ...d, invalid: 'placeholder' };
  if (!Number.isInteger(d.month) || d.month < 1 || d.month > 12) return { ...d, invalid: 'impossible_month' };
  return d;
}

/** A guess's (`MM/YY`) place in time, as `ordinal` counts. */
const guessOrdinal = (mmyy: string, now: Date): number => twoDigitYear(Number(mmyy.slice(3)), now) * 12 + Number(mmyy.slice(0, 2));

const fmt = (d: DateCandidate): string => `${String(d.month).padStart(2, '0')}/${d.yy ?? String(d.year % 100).padStart(2, '0')}`;
const ordinal = (d: DateCandidate): number => d.year * 12 + d.month;

/** Whether `label` sits just above `date` (or to its left on the same row). */
function labelsBox(label: LineBox, date: LineBox): boolean {
  const h = Math.max(date.height, 1);
  const overlapX = Math.min(label.left + label.width, date.left + date.width) - Math.max(label.left, date.left);
  const above = label.top + label.height <= date.top + h * 0.5 && date.top - (label.top + label.height) <= 1.5 * h && overlapX > -h;
  const sameRow = Math.abs(label.top + label.height / 2 - (date.top + date.height / 2)) <= h * 0.6;
  const leftOf = sameRow && label.left + label.width <= date.left + h * 0.5 && date.left - (label.left + label.width) <= 4 * h;
  return above || leftOf;
}

/** The label of a label-only line just above or beside a date line (box geometry, else previous line of the same reader). */
function outerLabelFor(lines: readonly TextLine[], index: number): Label {
  const line = lines[index]!;
  const sameReader = (l: TextLine): boolean => (l.source ?? '') === (line.source ?? '');
  if (line.box) {
    const box = line.box;
    const labels = lines.filter((l, i) => i !== index && sameReader(l) && l.box && labelsBox(l.box, box));
    for (const l of labels) {
      const lab = labelOnly(l.text);
      if (lab) return lab;
    }
    return null;
  }
  const prev = lines[index - 1];
  return prev && !prev.box && sameReader(prev) ? labelOnly(prev.text) : null;
}

/** Where the card number was read (the same reading's boxes), to tell the card's dates from others in the photo. */
export type ExpiryContext = PanPlace;

/** Characters a date's slash is read as when its stroke is thin, embossed or blurred. */
const SLASH_LOOKALIKES = new Set(['1', '7', 'l', 'I', 'i', '|']);

/**
 * A slash read as another character is doubted: under this confidence the middle of `11128` may
 * be the slash of 11/28. Measured on real-dev-v1 (validation): an embossed `11/28` read `11128`
 * on both detector scales with the slash's `1` at 0.63 and 0.80 and its digits at 1.00. Right
 * PP-OCR digits score under 0.9 about 1 in 80 (33 of 2,652 on the tuning sets), so a real
 * five-digit code is rarely doubted there.
 */
const SLASH_DOUBT = 0.9;

/** Each digit of a date whose slash was read as a character must be this sure (the date has no other check). */
const SLASH_DATE_DIGIT_FLOOR = 0.9;

/**
 * Under `SLASH_DATE_DIGIT_FLOOR`, down to this, a digit of such a date leaves it a guess only
 * (`tentative`: seen, not read), for the card-line CRNN's check to confirm with the same digits
 * (fuse.ts `fuseField`); a digit read this weakly or worse is no guess at all. Measured on
 * embossed-95001 (tuning): EXPIRES END 06/29 read `06729` with the 6 at 0.69 and 0.85 (the whole
 * view and the date close-up), so the date was not even offered to the CRNN.
 */
const SLASH_GUESS_DIGIT_FLOOR = 0.6;

/**
 * A date whose slash the reader read as a character (`11128` for 11/28, embossed or thin print),
 * taken only where a card prints its expiry and nothing else explains the line: the line is the
 * five characters alone, `MM?YY` with a month 01–12; the middle one a slash look-alike the reader
 * doubted (< `SLASH_DOUBT`) and the four digits sure; the line under the number the same reading
 * read on a level row (below it within three number heights, centred within its columns, no
 * taller than it). Only when the reading holds no other date, and only one such line: otherwise
 * which date is which cannot be told. Its confidence counts the reinterpreted slash as a repaired
 * letter (× 0.8). The same line with its middle character read surely is a date seen, not read,
 * with its `MM/YY` as a guess (`tentative`, never a value alone): the card-line CRNN's check can
 * confirm it. Measured on embossed-95001 (tuning): embossed 08/30 read `08730` at 0.96 on the
 * card and at 0.98 on its date close-up.
 */
function slashReadAsCharacter(lines: readonly TextLine[], now: Date, ctx: ExpiryContext): DateCandidate[] {
  const out: DateCandidate[] = [];
  for (const [i, l] of lines.entries()) {
    const c = l.charConfidences;
    const pan = panBoxFor(ctx, l.source);
    if (!l.box || !c || c.length !== l.text.length || !pan || !levelRow(pan)) continue;
    const lead = l.text.length - l.text.trimStart().length;
    const t = l.text.trim();
    if (!/^\d{2}.\d{2}$/.test(t) || !SLASH_LOOKALIKES.has(t[2]!)) continue;
    const conf = c.slice(lead, lead + 5);
    if ([0, 1, 3, 4].some((i) => conf[i]! < SLASH_GUESS_DIGIT_FLOOR)) continue;
    // Read surely as a character: a date still (embossed slashes read as a sure 7 or 1), or a
    // five-digit code. Seen, not read: its `MM/YY` is a guess for another reader to confirm. So
    // is a date with a doubted digit (the slash aside).
    const sure = conf[2]! >= SLASH_DOUBT || [0, 1, 3, 4].some((i) => conf[i]! < SLASH_DATE_DIGIT_FLOOR);
    const b = l.box;
    const h = pan.height;
    const below = b.top - (pan.top + pan.height);
    const centre = b.left + b.width / 2;
    if (below < -0.25 * h || below > 3 * h || centre < pan.left || centre > pan.left + pan.width || b.height > 1.3 * h) continue;
    const month = Number(t.slice(0, 2));
    if (month < 1 || month > 12) continue;
    const yy = t.slice(3);
    // The label beside it says which date it is, as for any date (a VALID FROM date is no expiry).
    const label = outerLabelFor(lines, i);
    if (sure) out.push({ month: NaN, year: NaN, label, confidence: 0, guess: `${t.slice(0, 2)}/${yy}`, box: b });
    else out.push({ month, year: twoDigitYear(Number(yy), now), label, confidence: l.confidence * 0.8, yy, box: b });
  }
  return out.length === 1 ? out : [];
}

/**
 * How far (× the number's width + height, as `farFrom` counts) a date may be from a number
 * printed down the card and still be on the card. Such a number spans most of the card's short
 * side along one edge, so the card reaches about twice its length across (a landscape card is
 * 1.59× as wide as tall; the far corner ≈ 2.1 lengths away). The row's 1.5 would put the other
 * half of the card off it: measured on real-world-80001 (tuning), a vertical number's date at
 * the far bottom corner (1.52, read on both detector scales) was dropped. Dates on other
 * objects were measured at 3.4 and more.
 */
const COLUMN_REACH = 2.2;

/**
 * Where a boxed date line is against the card number the same reading read: `near` when cards
 * print dates there (under the number, up to ~4 number heights on the layouts measured, beside
 * the name on the bottom row, or just above it on backs, within the number's columns); `beside`
 * when it is off those columns but not far from the number (on the card, or on something next
 * to it); `far` when it is on another object in the photo (a sticky note, a receipt, a phone).
 * Only a level number row tells `near` from `beside` (box ≥ 5× wider than tall; a tilted row's
 * upright box says little): a tilted one judges `far` only.
 */
function placeOf(b: LineBox, ctx: ExpiryContext, source: string | undefined): 'near' | 'beside' | 'far' {
  const pan = panBoxFor(ctx, source);
  if (!pan) return 'near';
  if (farFrom(b, pan, levelColumn(pan) ? COLUMN_REACH : undefined)) return 'far';
  if (!levelRow(pan)) return 'near';
  const h = pan.height;
  const above = pan.top - (b.top + b.height);
  const below = b.top - (pan.top + pan.height);
  return above <= 2.5 * h && below <= 6 * h && b.left <= pan.left + pan.width + h && b.left + b.width >= pan.left - 2 * h ? 'near' : 'beside';
}

/**
 * Picks the expiry date from all lines (lines read as the number or the name are ignored). With
 * no expiry, a date read labelled VALID FROM / MEMBER SINCE is the `startDate` (the latest such
 * one, unless another start date is said): another reading that read it without its label must
 * not have it reported (reader.ts). Measured on embossed-84001 (generated, tuning): a card
 * printing VALID FROM 11/23 and no expiry read `VALI FROM11/23` on one detection and
 * `VALIDFOM11/23` on the other, which reported 11/23.
 */
export function extractExpiry(lines: readonly TextLine[], now: Date = new Date(), ctx: ExpiryContext = {}): ExpiryResult {
  const { usableLines, found } = cardDates(lines, now, ctx);
  const r = pickExpiry(usableLines, found, now, ctx);
  const from = found.filter((d) => d.label === 'from' && Number.isFinite(d.month) && d.invalid === undefined);
  if (r.expiry !== null || r.startDate !== undefined || from.length === 0) return r;
  const latest = [...from].sort((a, b) => ordinal(b) - ordinal(a))[0]!;
  return { ...r, startDate: fmt(latest) };
}

/** The card's dates: every date on the lines (the number's and name's aside) where a card prints them, against the number's place. */
function cardDates(lines: readonly TextLine[], now: Date, ctx: ExpiryContext): { usableLines: readonly TextLine[]; found: DateCandidate[] } {
  const usableLines = lines.filter((l) => l.role !== 'number' && l.role !== 'name');
  // A date off the number's columns counts when a label says it is a card's date (VALID THRU
  // 08/32 printed right of the number's end): a note or a receipt beside the card prints no
  // card label. Measured on real-world-80001 (tuning): 2 labelled expiries right of the number's
  // columns, read cleanly on both detector scales, were dropped.
  const placed = usableLines.flatMap((l, i) => {
    const place = l.box ? placeOf(l.box, ctx, l.source) : 'near';
    if (place === 'far') return [];
    const dates = dateCandidates(l, now, outerLabelFor(usableLines, i)).filter((d) => place === 'near' || d.label !== null);
    return dates.map((d) => ({ place, d: l.box ? { ...d, box: l.box } : d }));
  });
  // A labelled date beside the number is the card's only when none is where cards print theirs:
  // another card or a coupon next to this one prints labels too.
  const nearOnes = placed.filter((x) => x.place === 'near');
  const found = (nearOnes.length > 0 ? nearOnes : placed).map((x) => x.d);
  // No date of any kind in this reading: a slash read as a character, where the expiry is printed.
  if (found.length === 0) found.push(...slashReadAsCharacter(usableLines, now, ctx));
  return { usableLines, found };
}

/** The expiry among the card's dates (`cardDates`), or why there is none. */
function pickExpiry(usableLines: readonly TextLine[], found: readonly DateCandidate[], now: Date, ctx: ExpiryContext): ExpiryResult {
  // Lines a learned reader boxed, with no card number located among them (no 13–19 digit run):
  // nothing ties an unlabelled date to a card (a receipt, a ticket, a note). Only a date
  // labelled as the expiry is taken there.
  const unanchored = !ctx.panBox && usableLines.some((l) => l.box !== undefined);
  if (unanchored && found.some((d) => Number.isFinite(d.month) && d.invalid === undefined && d.label !== 'expiry') && !found.some((d) => d.label === 'expiry')) {
    return { expiry: null, confidence: null, reason: 'no_number_near' };
  }
  const invalid = found.filter((d) => d.invalid !== undefined);
  const readable = found.filter((d) => Number.isFinite(d.month) && d.invalid === undefined);
  // A date read too unsurely (EXPIRY_MIN_CONFIDENCE) counts as seen but not read.
  const unsure = readable.filter((d) => d.confidence < EXPIRY_MIN_CONFIDENCE);
  let all = readable.filter((d) => d.confidence >= EXPIRY_MIN_CONFIDENCE);
  // A date that was seen but not read, and is not a start date, may be the expiry: unless
  // another date is labelled as the expiry, which one is cannot be told, so report none.
  const labelledExpiry = all.some((d) => d.label === 'expiry');
  const unreadable = found.some((d) => !Number.isFinite(d.month) && d.label !== 'from');
  if (unreadable && !labelledExpiry) {
    const seen = found.filter((d) => !Number.isFinite(d.month) && d.label !== 'from');
    const seenGuess = seen.length === 1 ? seen[0]!.guess : undefined;
    // A guess earlier than a date read beside it is at most the start date, never the expiry (a
    // card prints its start date before its expiry): no guess for a check to confirm, and the
    // start date for the other readings (reader.ts). Measured on embossed-83001 (tuning): VALID
    // FROM 11/29 GOOD THRU 11/34 read `m11/2911/34`, the m doubted, offered 11/29 as the guess.
    const earlier = seenGuess !== undefined && readable.some((d) => d.label !== 'from' && ordinal(d) > guessOrdinal(seenGuess, now));
    const guess = earlier ? undefined : seenGuess;
    const startDate = seen.find((d) => d.follows)?.follows ?? (earlier ? seenGuess : undefined);
    const readDates = earlier ? [...new Set(readable.map(fmt))] : [];
    return { expiry: null, confidence: null, reason: 'unreadable', ...(guess ? { tentative: guess } : {}), ...(startDate ? { startDate } : {}), ...(readDates.length > 0 ? { seen: readDates } : {}) };
  }
  if (unsure.some((d) => d.label !== 'from') && !labelledExpiry) {
    return { expiry: null, confidence: null, reason: 'low_confidence' };
  }
  // The date printed as the expiry cannot be one (00/00, 13/28, 1403/01): report that rather
  // than fall back to another date, which would be the start date or a misread. Only a
  // readable date labelled as the expiry overrides it.
  if (!all.some((d) => d.label === 'expiry')) {
    const bad = invalid.find((d) => d.label === 'expiry') ?? invalid.find((d) => d.label === null);
    if (bad?.invalid) return { expiry: null, confidence: null, reason: bad.invalid };
  }
  // Without a label, a date far outside a card's life (more than 15 years back or 20 ahead) is
  // more likely a MEMBER SINCE whose label was not read than the expiry; a date labelled as
  // the expiry is taken as printed (templates print VALID THRU 12/99).
  const thisYear = now.getUTCFullYear();
  const implausible = (d: DateCandidate): boolean => d.label !== 'expiry' && (d.year < thisYear - 15 || d.year > thisYear + 20);
  if (all.length > 0 && all.every(implausible)) return { expiry: null, confidence: null, reason: 'implausible_date' };
  // An unlabelled date implausibly far ahead is a misread of a later date (05/50 for 05/30), and
  // a card prints its expiry after its start date: a plausible date read beside it may be the
  // start date whose label was not read, so it is taken only when labelled the expiry, and
  // (read alone) it is that start date for the other readings too (reader.ts `startDate`).
  const misreadLater = all.some((d) => d.label === null && d.year > thisYear + 20);
  all = all.filter((d) => !implausible(d) || d.label === 'from');
  const from = all.filter((d) => d.label === 'from');
  const latestFrom = from.length > 0 ? Math.max(...from.map(ordinal)) : -Infinity;
  // An expiry cannot precede the card's start date.
  const usable = all.filter((d) => d.label !== 'from' && ordinal(d) > latestFrom);
  if (usable.length === 0) {
    return { expiry: null, confidence: null, reason: all.length > 0 ? 'only_valid_from' : 'not_found' };
  }
  const labelled = usable.filter((d) => d.label === 'expiry');
  if (labelled.length === 0 && misreadLater) {
    const read = new Set(usable.map(fmt));
    return { expiry: null, confidence: null, reason: 'implausible_date', ...(read.size === 1 ? { startDate: [...read][0]! } : {}), seen: [...read] };
  }
  const pool = labelled.length > 0 ? labelled : usable;
  // Latest date first; ties broken by confidence.
  const sorted = [...pool].sort((a, b) => ordinal(b) - ordinal(a) || b.confidence - a.confidence);
  const top = sorted[0]!;
  // Readings of the same date from several hypotheses reinforce each other.
  const agreeing = pool.filter((d) => ordinal(d) === ordinal(top));
  const confidence = Math.max(...agreeing.map((d) => d.confidence));
  return { expiry: fmt(top), confidence, reason: null, box: top.box ?? null };
}
