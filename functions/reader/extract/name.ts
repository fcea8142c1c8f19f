/**
 * Cardholder name extraction: a line of two to four Latin words (initials allowed; five when
 * one is a particle such as DE or VAN), at most 26 characters as on an ISO 7813 track, that is
 * not a label, a brand, a bank, a slogan, a URL or MEMBER SINCE.
 *
 * Names are printed in capitals on nearly every card; some printed (not embossed) cards use
 * Title Case ("I. Don't Buyit"). Both are accepted by one rule — every word is capitals, or
 * every word is capitalised — and reported in capitals; an all-capitals line wins over a
 * Title Case one. Text beside the name (an expiry date and its label on the same line) is cut
 * off first. A name in another script (Cyrillic, CJK, Arabic…) is missing with reason
 * `non_latin`: the fields are Latin-only, and a transliteration would be a guess.
 *
 * With boxes: the line just below the card number is preferred, lines above it (where banks
 * print their names) are discounted; on a card turned a quarter round, the expiry tells which
 * side of the number is down. A line starting at the view's edge may be cut off (`cut_off`).
 * One word is never a name (on the generated sets every one below the number was a partial
 * read), but a specimen's placeholder (CARDHOLDER) in the holder's slot is reported as printed.
 */
import { distance } from 'fastest-levenshtein';
import { normaliseDigits } from './expiry.js';
import { farFrom, levelColumn, levelRow, panBoxFor, tokens, type LineBox, type PanPlace, type TextLine } from './text.js';

/** The holder name picked from all lines, or null with the reason (`non_latin`, `low_confidence`, `cut_off`, `not_near_number`…). */
export interface NameResult {
  readonly name: string | null;
  readonly confidence: number | null;
  readonly reason: string | null;
  /**
   * When no name was taken: the name a line read where the holder's name goes, refused only for
   * a doubted letter (the best ranked such line), as read. Never reported on its own — a reading
   * that doubted one name is evidence against another reading's different name (ANA HOLM read
   * sure on one view where another read ANNAF HOLM with the F doubted: the truth is ANNA F HOLM).
   */
  readonly tentative?: string;
}

/** Where the card number was read, to find the name below it. */
export interface NameContext extends PanPlace {
  /** Where the expiry was read: a name on its row, left of it, is likely the holder's. */
  readonly expiryBox?: LineBox | null;
}

// Words that mark a line as something other than a person's name: networks, products, bank
// words, labels and slogans. Common surnames (GOLD is one, but far more often a product tier)
// were weighed: BLACK, SILVER, MILES, CASH and WORLD-like words that are also surnames stay out
// of the list unless they are mostly product words on cards.
const NOT_A_NAME = new Set([
  // networks and products
  'VISA', 'MASTERCARD', 'MASTER', 'MAESTRO', 'CIRRUS', 'AMEX', 'AMERICAN', 'EXPRESS', 'DISCOVER', 'DINERS', 'CLUB',
  'UNIONPAY', 'JCB', 'MIR', 'RUPAY', 'INTERAC', 'ELO', 'HIPERCARD', 'TROY', 'ELECTRON', 'PLATINUM', 'GOLD',
  'CLASSIC', 'STANDARD', 'TITANIUM', 'INFINITE', 'SIGNATURE', 'PREFERRED', 'PREMIER', 'PREMIUM', 'ELITE',
  'REWARDS', 'REWARD', 'WORLD', 'BUSINESS', 'CORPORATE', 'COMMERCIAL', 'PURCHASING', 'PREPAID', 'GIFT',
  'DEBIT', 'CREDIT', 'DEBITO', 'CREDITO', 'DÉBITO', 'CRÉDITO', 'CARD', 'CARDS', 'CARTE', 'TARJETA', 'KARTE',
  'CONTACTLESS', 'PAYPASS', 'PAYWAVE', 'CHIP', 'ONLINE', 'VIRTUAL', 'CASHBACK', 'MILEAGE', 'POINTS', 'TRAVEL',
  // banks
  'BANK', 'BANCO', 'BANQUE', 'BANCA', 'BANKING', 'FINANCIAL', 'FINANCE', 'TRUST', 'SAVINGS', 'FEDERAL', 'UNION',
  'FCU', 'CU', 'NA', 'PLC', 'LTD', 'INC', 'LLC', 'AG', 'SA', 'GROUP', 'CAPITAL', 'NATIONAL', 'CORP',
  // bank words of other countries (savings banks, co-operatives, credit)
  'SPARKASSE', 'KASSE', 'VOLKSBANK', 'RAIFFEISEN', 'RAIFFEISENBANK', 'CAJA', 'CAIXA', 'KREDIT', 'BANKA', 'BANKASI',
  'BANKI', 'BANCORP', 'COOPERATIVE', 'MUTUAL', 'SPAREBANK', 'SPARBANK', 'BANKEN', 'POSTBANK',
  // labels and slogans
  'VALID', 'THRU', 'THROUGH', 'FROM', 'GOOD', 'EXPIRES', 'EXPIRY', 'EXPIRATION', 'EXP', 'END', 'UNTIL', 'MONTH',
  'YEAR', 'MEMBER', 'SINCE', 'AUTHORIZED', 'AUTHORISED', 'CUSTOMER', 'SERVICE', 'NOT', 'TRANSFERABLE', 'ONLY',
  'USE', 'ELECTRONIC', 'INTERNATIONAL', 'PAYMENT', 'PROTECTION', 'CALL', 'PHONE', 'TEL', 'WWW', 'COM', 'HTTP',
  'HTTPS', 'THE', 'OF', 'AND', 'FOR', 'YOUR', 'SIGN', 'HERE', 'ISSUED', 'BY',
  'ACCOUNT', 'NUMBER', 'CVV', 'CVC', 'SECURITY', 'CODE', 'HOLOGRAM', 'PLUS',
  // slogan and screen words (EVERYWHERE YOU ARE, INFORMATION PROPERTY LIST): English function
  // words and common marketing words that no holder name is made of
  'YOU', 'ARE', 'WE', 'OUR', 'IS', 'IT', 'WITH', 'IN', 'ON', 'AT', 'BE', 'MORE', 'WHERE', 'EVERYWHERE', 'ANYWHERE',
  'GUEST', 'LOYALTY', 'MEMBERSHIP', 'FREQUENT', 'RECEIPT', 'TOTAL', 'BALANCE', 'STORE', 'MARKET', 'DIRECTOR', 'MANAGER',
  'WELCOME', 'THANK', 'THANKS', 'PLEASE', 'INFORMATION', 'PROPERTY', 'LIST', 'PAY', 'MONEY', 'SAVE', 'SCAN',
  'SETTINGS', 'OPEN', 'ALLOW', 'CANCEL', 'PRIORITY', 'PASS', 'FREE', 'NEW', 'LIFE', 'WORLDWIDE', 'ACCEPTED',
]);

// Words a card prints in the holder's slot on specimens and some real cards (LEE CARDHOLDER,
// AL HOLDER, CARD MEMBER's MEMBER): part of what is printed there, but never a whole name on
// their own — "CARDHOLDER NAME" is a label, so at least one other word is required.
const HOLDER_WORDS = new Set(['HOLDER', 'CARDHOLDER', 'MEMBER', 'NAME']);

// Name particles that may make a fifth word (JUAN CARLOS DE LA CRUZ).
const PARTICLES = new Set(['DE', 'LA', 'DEL', 'DA', 'DOS', 'DAS', 'DI', 'VAN', 'VON', 'DER', 'DEN', 'LE', 'BIN', 'BINTI', 'AL', 'EL', 'Y', 'E']);

const UPPER_WORD = /^\p{Lu}(?:[\p{Lu}'-]*\p{Lu})?\.?$/u;
// Capitalised word; one inner capital after a short prefix (McDonald, MacLeod), apostrophes and hyphens.
const TITLE_WORD = /^\p{Lu}\p{Ll}*(?:\p{Lu}\p{Ll}+)?(?:['-]\p{L}\p{Ll}*)*\.?$/u;
const VOWEL = /[AEIOUYÀ-ÆÈ-ÏÒ-ÖØ-ÜÝ]/;
/**
 * Floor on each letter's own confidence, when the reader gives them: a weak letter is likely a
 * wrong letter, and a name has no checksum. Measured with PP-OCRv4 on whole-frame lines (960 px)
 * of real-dev-v1 and the committed real-world fixtures: every right name's weakest letter scored
 * ≥ 0.80; misread names (EMTY for EMIL, HEI for MEI…) and noise lines scored 0.19–0.68 on theirs.
 */
export const NAME_CHAR_CONFIDENCE_FLOOR = 0.7;

/**
 * Floor on a word gap's own confidence (a space between two letters): a recogniser that barely
 * saw a gap may have merged a narrow letter into it (EML ANDERSON for EMIL ANDERSON, letters all
 * sure and the gap at 0.36, a name close-up of real-world-82001). Gaps are read less surely than
 * letters: every right name read with sure letters on the probed tuning sets (121 reads) had its
 * gaps at ≥ 0.51, so the floor sits under that, not at the letters'.
 */
export const NAME_GAP_CONFIDENCE_FLOOR = 0.45;

/** A word that ends the name part of a line (a date, digits, a label printed beside the name). */
const STOP_WORD = /\d|^(VALID|THRU|GOOD|EXP|EXPIRES|EXPIRY|END|UNTIL|MONTH\/YEAR|MONTH|YEAR|FROM|MEMBER|SINCE)$/i;

// Long card words, misread by a letter or two (Pine Finandal for Pine Financial), are still the
// issuer's or the product's words: a word one edit from one of six letters or more (two edits
// from one of nine or more) is not a name's. A plural S alone is not such an edit (the list
// holds the plurals cards print; MASTERS and MEMBERS are surnames). Measured: no right name of
// the tuning sets, real-dev-v1 or cards-v1 lost; surnames this refuses (CANCELA) are missing,
// not wrong.
const LONG_STOP_WORDS = [...NOT_A_NAME].filter((w) => w.length >= 6);

function nearStopWord(word: string): boolean {
  if (word.length < 5) return false;
  return LONG_STOP_WORDS.some((w) => {
    const max = w.length >= 9 ? 2 : 1;
    return Math.abs(w.length - word.length) <= max && word !== `${w}S` && distance(word, w) <= max;
  });
}

interface NameWords {
  readonly words: string[];
  /** Whether the line is all capitals (else Title Case). */
  readonly upper: boolean;
  /** Number of words of two letters or more. */
  readonly long: number;
  /** Number of HOLDER_WORDS. */
  readonly holderWords: number;
}

/** Cleans a line into name words, or null when it cannot be a cardholder name. */
export function nameFromLine(text: string): string[] | null {
  return parseName(text)?.words ?? null;
}

/**
 * Every name a reading's lines read (name-like lines, and words a detector boxed one by one), in
 * capitals, wherever they are: what extractName takes or refuses. Never reported; a second
 * reading of the same print a letter or two from a reported name says that name may be misread
 * (fuse.ts `seen`).
 */
export function namesSeen(lines: readonly TextLine[]): string[] {
  const usable = [...lines, ...joinWordBoxes(lines)];
  return [...new Set(usable.flatMap((l) => parseName(l.text)?.words.join(' ') ?? []))];
}

/**
 * Capitals that Cyrillic prints with the same shapes as Latin (А В С Е Н К М О Р Т Х У), which a
 * Latin-only recogniser reads as these Latin letters: АННА СМИРНОВА comes back AHHA CMMPHOBA, sure
 * of every letter, on the tuning sets.
 */
const CYRILLIC_LOOKALIKE = /^[ABCEHKMOPTXY]+$/;

/**
 * Whether every word of a name line (initials aside) is made of Cyrillic look-alike capitals
 * only: the print may as well be Cyrillic read as Latin, and a name in Cyrillic is not reported
 * (`non_latin`), so such a line is no evidence of a Latin name. Latin names almost always hold
 * a letter Cyrillic lacks (D, G, I, L, N, R, S…): none of the 384 distinct names of the tuning
 * sets, real-dev-v1 and cards-v1 is made of these letters alone.
 */
export function cyrillicLookalike(words: readonly string[]): boolean {
  const long = words.map((w) => w.toUpperCase().replace(/[.'-]/g, '')).filter((w) => w.length >= 2);
  return long.length > 0 && long.every((w) => CYRILLIC_LOOKALIKE.test(w));
}

/** Whether a line holds letters of a script other than Latin (a name that cannot be reported). */
export function nonLatinText(text: string): boolean {
  const letters = [...text].filter((c) => /\p{L}/u.test(c));
  if (letters.length < 2) return false;
  const foreign = letters.filter((c) => !/\p{Script=Latin}/u.test(c)).length;
  return foreign >= Math.ceil(letters.length / 2);
}

/**
 * Restores word gaps a recogniser dropped (PP-OCR's Chinese-trained model often reads Latin
 * print without spaces), where the print itself shows them: a Title Case word starting after
 * two or more lower-case letters (`Don'tBuyit` → `Don't Buyit`; `McDonald` stays), and an
 * initial's dot between letters (`JOHNT.SAMPLE` → `JOHN T. SAMPLE`, `I.Don't` → `I. Don't`).
 * An all-capitals run without a dot cannot be split by rule (MAXMUSTERMANN stays one word).
 */
export function restoreWordGaps(text: string): string {
  return text
    .replace(/(\p{Ll}['’]?\p{Ll})(?=\p{Lu})/gu, '$1 ')
    .replace(/(\p{L})\.(?=\p{L})/gu, '$1. ')
    .replace(/(?<=\p{Lu}{2})(\p{Lu})\.(?=\s|$)/gu, ' $1.');
}

function parseName(text: string): NameWords | null {
  const raw = tokens(restoreWordGaps(normaliseDigits(text).replace(/[‘’`´]/g, "'")))
    // Tolerate stray punctuation at word edges (specks read as . or ,), nothing inside words.
    .map((w) => w.replace(/^[^\p{L}\d]+|[^\p{L}\d.]+$/gu, '').replace(/\.{2,}$/, '.'))
    .filter((w) => w.length > 0);
  // What follows the name on its line (an expiry beside it) is not part of it.
  const stop = raw.findIndex((w) => STOP_WORD.test(w));
  const words = stop >= 0 ? raw.slice(0, stop) : raw;
  if (words.length < 2 || words.length > 5) return null;
  if (words.length === 5 && !words.some((w) => PARTICLES.has(w.toUpperCase()))) return null;
  const upper = words.every((w) => UPPER_WORD.test(w));
  const title = !upper && words.every((w) => TITLE_WORD.test(w) || /^\p{Lu}\.?$/u.test(w));
  if (!upper && !title) return null;
  for (const w of words) {
    if (!/^[\p{Script=Latin}'.-]+$/u.test(w)) return null;
    const bare = w.replace(/\.$/, '').toUpperCase();
    if (NOT_A_NAME.has(bare) || nearStopWord(bare)) return null;
    if (bare.replace(/[^A-Z]/g, '').length >= 3 && !VOWEL.test(bare)) return null; // OCR noise, not a name
    // One letter repeated (III, LLL): strokes of a barcode, a stripe or a hologram, not a name.
    const letters = bare.replace(/[^\p{L}]/gu, '');
    if (letters.length >= 2 && new Set(letters).size === 1) return null;
  }
  const long = words.filter((w) => w.replace(/[.'-]/g, '').length >= 2).length;
  if (long < 1) return null;
  const holderWords = words.filter((w) => HOLDER_WORDS.has(w.toUpperCase())).length;
  if (holderWords === words.length) return null;
  const joined = words.join(' ');
  if (joined.length > 26) return null;
  return { words: words.map((w) => w.toUpperCase()), upper, long, holderWords };
}

/**
 * Where a holder's name can be printed, when the reader knows where the number or the expiry is
 * (boxes of the same reading). Fronts print it 2–4 number heights below the number (ISO/IEC
 * 7811), backs that carry the number often just above it; issuers put their own name, product
 * and co-brand in the top band, well above the number (≥ 4 number heights on the generated and
 * the real specimen layouts). So a line more than NAME_ABOVE_NUMBER_MAX heights above the
 * number, far below it, or away from its columns (a business card, loyalty card or receipt
 * beside the card in the photo) is not the holder's, however name-like. Boxes are upright
 * rectangles in view pixels: on a tilted card they overlap and say little, so only a level
 * number row (`levelRow`: box at least 5 times wider than tall) or date judges. A boxed line with
 * neither the number nor the expiry located has nothing tying it to the card: not taken.
 * Returns null when nothing can be judged (keep the line; `rank` decides).
 */
function nearCardFields(b: LineBox, ctx: NameContext, source: string | undefined): boolean | null {
  const pan = panBoxFor(ctx, source);
  const exp = ctx.expiryBox ?? null;
  // A tilted or vertical number row: what is far from it (farFrom) is another object in the photo.
  // The upright box still tells up from down up to ~45° of tilt: a line whose centre is above the
  // number's centre is the issuer's band, not the name printed under the number.
  // A vertical number (taller than wide) says nothing about up and down.
  if (pan && !levelRow(pan)) {
    const aboveCentre = pan.width >= pan.height && b.top + b.height / 2 < pan.top + pan.height / 2;
    return farFrom(b, pan) || aboveCentre || acrossFromExpiry(b, pan, exp) ? false : null;
  }
  if (pan) {
    const h = pan.height;
    const above = pan.top - (b.top + b.height);
    const below = b.top - (pan.top + pan.height);
    if (above > NAME_ABOVE_NUMBER_MAX * h || below > 6 * h) return false;
    // Starting under the number's start (a front read upright), or ending where the number
    // ends (backs print it right-aligned). Names start within -0.6 to +0.7 number heights of
    // the number's first digit (141 right reads under level numbers on the six tuning sets,
    // real-dev-v1 and cards-v1); lines starting further in were names cut by the detector (N
    // MUELLER at 1.3, A HENSON for SOFIA HENSON at 1.5) or the issuer's (at 2.8). One cut name
    // started inside NAME_START_MAX (KO WEBER for NIKO WEBER at 0.96, refused for a doubted
    // letter): the limit is kept at 1, the margin it leaves the right reads is measured, not wide.
    const underStart = b.left <= pan.left + NAME_START_MAX * h && b.left + b.width >= pan.left - 2 * h;
    const endAligned = Math.abs(b.left + b.width - (pan.left + pan.width)) <= 2 * h && b.left >= pan.left - 2 * h;
    return underStart || endAligned;
  }
  if (exp && exp.width >= 2.5 * exp.height) {
    const h = Math.max(exp.height, b.height);
    const gapY = Math.max(exp.top - (b.top + b.height), b.top - (exp.top + exp.height), 0);
    const gapX = Math.max(exp.left - (b.left + b.width), b.left - (exp.left + exp.width), 0);
    return gapY <= 4 * h && gapX <= 10 * h;
  }
  return exp ? null : false;
}
/**
 * Whether a line lies on the far side of a vertical or steep number from the expiry. Cards print
 * the expiry and the name on one side of the number (below it) and the issuer on the other; on a
 * card seen turned a quarter round, the upright boxes cannot say which way is down, but the
 * expiry can. Judged only when the expiry is clearly off the number's row (its centre beyond the
 * number box's half thickness) and the line is beyond it too.
 */
function acrossFromExpiry(b: LineBox, pan: LineBox, exp: LineBox | null): boolean {
  if (!exp) return false;
  const vertical = pan.height > pan.width;
  const centre = (x: LineBox): number => (vertical ? x.left + x.width / 2 : x.top + x.height / 2);
  const half = (vertical ? pan.width : pan.height) / 2;
  const toExpiry = centre(exp) - centre(pan);
  const toLine = centre(b) - centre(pan);
  return Math.abs(toExpiry) > half && Math.abs(toLine) > half && Math.sign(toExpiry) !== Math.sign(toLine);
}
/** Number heights right of the number's first digit beyond which a line does not start where names do. */
const NAME_START_MAX = 1;
/** Number heights above the number beyond which a line is the issuer's band, not a name. */
const NAME_ABOVE_NUMBER_MAX = 2.5;

/**
 * Whether a line is printed far smaller than the number it is read with (a label, fine print, a
 * hologram's text): under a level number, every right name measured ≥ 0.40 number heights (101
 * reads on the tuning sets, real-dev-v1 and cards-v1), a label fragment beside the expiry 0.16.
 * A tilted number's upright box is too thick to compare with, and another reading's is in
 * another view's pixels (panBoxFor).
 */
function finePrint(b: LineBox, ctx: NameContext, source: string | undefined): boolean {
  const pan = panBoxFor(ctx, source);
  return pan !== null && levelRow(pan) && b.height < NAME_MIN_HEIGHT * pan.height;
}
/** Number heights under which a line under a level number is fine print, not a name. */
const NAME_MIN_HEIGHT = 0.25;

/**
 * Whether a box starts at its view's left or top edge (within a fifth of its thickness), so the
 * print may go on beyond the view. Boxes are in view pixels from (0, 0); the right and bottom
 * edges are not known here. Cards leave a margin of ≈ 6 % of their width before the name, so a
 * whole card's name never touches the edge — unless the view is cut at the card's own print
 * margin, which the number (a whole number, checked) starting at that edge too shows. Only a
 * level number shows it: the edge of a frame crosses a tilted card's rows at a slant, so a
 * whole number at the edge says nothing of the name's start (KO WEBER for NIKO WEBER, a
 * number box 2.7 times taller than wide at the frame's top, on the tuning sets). `pan` must be
 * the same reading's (panBoxFor): another view's box is in other pixels.
 */
function atViewEdge(b: LineBox, pan: LineBox | null): boolean {
  const edge = Math.max(2, 0.2 * Math.min(b.width, b.height));
  const left = b.left <= edge && !(pan && levelRow(pan) && pan.left <= b.left + edge);
  const top = b.top <= edge && !(pan && levelColumn(pan) && pan.top <= b.top + edge);
  return left || top;
}

/** Whether a name's last word is a single letter (an initial, with or without its dot). */
function endsInInitial(words: readonly string[]): boolean {
  const last = words[words.length - 1];
  return last !== undefined && last.replace(/\.$/, '').length === 1;
}

/** How likely a line is the name: region, geometry, case, confidence. */
function rank(l: TextLine, n: NameWords, ctx: NameContext): number {
  let r = l.confidence;
  if (l.role === 'name') r += 1;
  if (!n.upper) r -= 0.3;
  if (n.long < 2) r -= 0.2; // G RAYMOND: real, but weaker evidence than two full words
  if (n.holderWords > 0) r -= 0.1;
  const pan = panBoxFor(ctx, l.source);
  if (pan && l.box) {
    const below = l.box.top - (pan.top + pan.height);
    if (below >= -pan.height * 0.3 && below <= pan.height * 5) r += 0.5;
    else if (l.box.top + l.box.height <= pan.top) r -= 0.4; // above the number: bank names live there
  }
  const exp = ctx.expiryBox;
  if (exp && l.box) {
    const h = Math.max(exp.height, l.box.height);
    const sameRow = Math.abs(l.box.top + l.box.height / 2 - (exp.top + exp.height / 2)) <= h * 0.6;
    if (sameRow && l.box.left + l.box.width <= exp.left + h) r += 0.3;
  }
  return r;
}

function lineConfidence(l: TextLine): number | null {
  const c = l.charConfidences;
  if (!c || c.length !== l.text.length) return l.confidence;
  const chars = [...l.text];
  const letters = chars.map((ch, i) => ({ ch, c: c[i] ?? 0 })).filter((x) => /\p{L}/u.test(x.ch));
  if (letters.length === 0) return l.confidence;
  if (letters.some((x) => x.c < NAME_CHAR_CONFIDENCE_FLOOR)) return null;
  const isLetter = (i: number): boolean => /\p{L}/u.test(chars[i] ?? '');
  if (chars.some((ch, i) => ch === ' ' && isLetter(i - 1) && isLetter(i + 1) && (c[i] ?? 0) < NAME_GAP_CONFIDENCE_FLOOR)) return null;
  return Math.min(l.confidence, letters.reduce((s, x) => s + x.c, 0) / letters.length);
}

/**
 * Words a detector boxed one by one (HENRY | MARIN) joined into the line they were printed as:
 * boxes of letters of one reader, level (centres within a third of a height), of one print
 * size, each gap under 1.2 heights (word spacing; the gap to another field is wider).
 */
export function joinWordBoxes(lines: readonly TextLine[]): TextLine[] {
  const words = lines.filter((l): l is TextLine & { box: LineBox } => l.box !== undefined && /^[\p{L}.'’-]+$/u.test(l.text.trim()));
  const byLeft = [...words].sort((a, b) => a.box.left - b.box.left);
  const next = (a: LineBox, b: LineBox): boolean => {
    const h = Math.min(a.height, b.height);
    const gap = b.left - (a.left + a.width);
    return (
      Math.abs(a.top + a.height / 2 - (b.top + b.height / 2)) <= h / 3 &&
      Math.max(a.height, b.height) <= 1.3 * h &&
      gap >= -h / 3 &&
      gap <= 1.2 * h
    );
  };
  const right = new Map<TextLine, TextLine & { box: LineBox }>();
  const hasLeft = new Set<TextLine>();
  for (const a of byLeft) {
    const b = byLeft.find((x) => x !== a && !hasLeft.has(x) && (x.source ?? '') === (a.source ?? '') && x.box.left > a.box.left && next(a.box, x.box));
    if (b) {
      right.set(a, b);
      hasLeft.add(b);
    }
  }
  const out: TextLine[] = [];
  for (const start of byLeft) {
    if (hasLeft.has(start) || !right.has(start)) continue;
    const row: Array<TextLine & { box: LineBox }> = [start];
    for (let cur = right.get(start); cur && row.length < 6; cur = right.get(cur)) row.push(cur);
    const text = row.map((l) => l.text.trim()).join(' ');
    const haveChars = row.every((l) => l.charConfidences?.length === l.text.trim().length);
    const left = Math.min(...row.map((l) => l.box.left));
    const top = Math.min(...row.map((l) => l.box.top));
    const joined: TextLine = {
      text,
      confidence: Math.min(...row.map((l) => l.confidence)),
      box: { left, top, width: Math.max(...row.map((l) => l.box.left + l.box.width)) - left, height: Math.max(...row.map((l) => l.box.top + l.box.height)) - top },
      ...(haveChars ? { charConfidences: row.flatMap((l, i) => [...(i > 0 ? [1] : []), ...(l.charConfidences ?? [])]) } : {}),
      ...(start.source ? { source: start.source } : {}),
      ...(start.role ? { role: start.role } : {}),
    };
    out.push(joined);
  }
  return out;
}

/**
 * What specimen and sample cards print where the holder's name goes: CARDHOLDER, CARD HOLDER,
 * CARDMEMBER. Not a person's name, but what the card says, as its specimen number is; and
 * never a piece of a real name (unlike a single word such as KOVAC, which on the generated
 * sets is a name whose other words were not read). A label beside a real name is small; the
 * placeholder is printed at the name's size.
 */
const PLACEHOLDER = /^CARD ?(HOLDER|MEMBER)$/;

/**
 * The placeholder in the name slot, taken only where the geometry places it as the holder's
 * (below a level number, or beside the expiry), at least PLACEHOLDER_MIN_HEIGHT number heights
 * tall, with every letter clear, and only when no line looked like a name at all.
 */
function placeholderName(lines: readonly TextLine[], ctx: NameContext, view: NameContext, toView: (b: LineBox) => LineBox): NameResult | null {
  for (const l of lines) {
    const text = tokens(l.text.toUpperCase()).join(' ');
    if (!PLACEHOLDER.test(text) || !l.box || nearCardFields(l.box, ctx, l.source) !== true) continue;
    const pan = panBoxFor(ctx, l.source);
    if (pan && Math.min(l.box.width, l.box.height) < PLACEHOLDER_MIN_HEIGHT * Math.min(pan.width, pan.height)) continue;
    if (atViewEdge(toView(l.box), panBoxFor(view, l.source))) continue;
    const confidence = lineConfidence(l);
    if (confidence !== null) return { name: text, confidence, reason: null };
  }
  return null;
}
/** A placeholder's letters are at least this many number heights tall (name print: 0.6–0.65 on specimens; labels ≤ 0.5). */
const PLACEHOLDER_MIN_HEIGHT = 0.45;

/**
 * Whether the card was read upside down: the expiry's centre above a level number's top. Cards
 * print the expiry below the number; a card view or a frame turned half round (the recogniser
 * reads each line upright all the same) has it above, and the name above too.
 */
function upsideDown(ctx: NameContext): boolean {
  const pan = ctx.panBox;
  const exp = ctx.expiryBox;
  return Boolean(pan && exp && levelRow(pan) && exp.top + exp.height / 2 < pan.top);
}

/** A box turned half round about the view's origin (its own inverse). */
const halfTurn = (b: LineBox): LineBox => ({ left: -(b.left + b.width), top: -(b.top + b.height), width: b.width, height: b.height });

/**
 * Picks the cardholder name: lines read from the name region first, then any unassigned line.
 * A card read upside down is judged in its own up and down: every box turned half round.
 */
export function extractName(lines: readonly TextLine[], ctx: NameContext = {}): NameResult {
  if (!upsideDown(ctx)) return pickName(lines, ctx, ctx, (b) => b);
  const turned = lines.map((l) => (l.box ? { ...l, box: halfTurn(l.box) } : l));
  const turnedCtx: NameContext = {
    ...ctx,
    ...(ctx.panBox ? { panBox: halfTurn(ctx.panBox) } : {}),
    ...(ctx.expiryBox ? { expiryBox: halfTurn(ctx.expiryBox) } : {}),
  };
  return pickName(turned, turnedCtx, ctx, halfTurn);
}

/** extractName on boxes in the card's own up and down; `view`/`toView` give the view's, for its edges. */
function pickName(lines: readonly TextLine[], ctx: NameContext, view: NameContext, toView: (b: LineBox) => LineBox): NameResult {
  const given = lines.filter((l) => l.role === 'name' || l.role === 'any' || l.role === undefined);
  const usable = [...given, ...joinWordBoxes(given)];
  let lowConfidence = false;
  /** Names refused only for a doubted letter, with their rank. */
  const doubted: Array<{ name: string; rank: number }> = [];
  let offCard = false;
  let cutOff = false;
  let lookalike = false;
  const found: Array<{ name: string; confidence: number; rank: number }> = [];
  for (const l of usable) {
    const n = parseName(l.text);
    if (!n) continue;
    // Geometry first: a line away from the number and the expiry is not the holder's (nearCardFields).
    const near = l.box ? nearCardFields(l.box, ctx, l.source) : null;
    // Title Case is how issuers print their own names (Alder Credit Union, Kaiser Sparkasse);
    // holders' names are in capitals on nearly every card. A Title Case line is taken only
    // where the geometry places it as the holder's (printed specimens: "I. Don't Buyit").
    if (near === false || (near === null && l.box && !n.upper)) {
      offCard = true;
      continue;
    }
    if (l.box && finePrint(l.box, ctx, l.source)) continue;
    // A line that starts at the view's left or top edge may have lost letters off it (ARGARET
    // for MARGARET on a card view cut too tight): a shorter name would pass every check.
    if (l.box && atViewEdge(toView(l.box), panBoxFor(view, l.source))) {
      cutOff = true;
      continue;
    }
    // A name ending in an initial is the start of a name the detector cut after its middle
    // initial (KENJI X for KENJI X PARK on the tuning sets, read sure): none of the 384 distinct
    // names of the tuning sets, real-dev-v1 and cards-v1 ends in one, so a shorter name would be
    // reported where the card prints a longer one.
    if (endsInInitial(n.words)) {
      cutOff = true;
      continue;
    }
    // Cyrillic read as Latin look-alikes: the name may not be this (nor Latin at all). As read,
    // it stands against another reading's different name, as a doubted one does.
    if (cyrillicLookalike(n.words)) {
      lookalike = true;
      doubted.push({ name: n.words.join(' '), rank: rank(l, n, ctx) });
      continue;
    }
    const confidence = lineConfidence(l);
    if (confidence === null) {
      lowConfidence = true;
      doubted.push({ name: n.words.join(' '), rank: rank(l, n, ctx) });
      continue;
    }
    found.push({ name: n.words.join(' '), confidence, rank: rank({ ...l, confidence }, n, ctx) });
  }
  // Several reads of one name (views, readers) reinforce it.
  const byName = new Map<string, { name: string; confidence: number; rank: number; reads: number }>();
  for (const f of found) {
    const prev = byName.get(f.name);
    if (!prev) byName.set(f.name, { ...f, reads: 1 });
    else byName.set(f.name, { name: f.name, confidence: Math.max(prev.confidence, f.confidence), rank: Math.max(prev.rank, f.rank), reads: prev.reads + 1 });
  }
  const sorted = [...byName.values()].sort((a, b) => b.rank + 0.05 * (b.reads - 1) - (a.rank + 0.05 * (a.reads - 1)));
  const top = sorted[0];
  if (top) return { name: top.name, confidence: top.confidence, reason: null };
  // No name, nor a doubtful one: the holder's slot may print a specimen's placeholder.
  const placeholder = !lowConfidence && !cutOff && !lookalike ? placeholderName(usable, ctx, view, toView) : null;
  if (placeholder) return placeholder;
  const best = [...doubted].sort((a, b) => b.rank - a.rank)[0];
  const tentative = best ? { tentative: best.name } : {};
  if (lookalike || usable.some((l) => nonLatinText(l.text))) return { name: null, confidence: null, reason: 'non_latin', ...tentative };
  if (lowConfidence) return { name: null, confidence: null, reason: 'low_confidence', ...tentative };
  if (cutOff) return { name: null, confidence: null, reason: 'cut_off' };
  if (offCard) return { name: null, confidence: null, reason: 'not_near_number' };
  return { name: null, confidence: null, reason: usable.length > 0 ? 'not_a_name' : 'not_found' };
}
