/**
 * What `cardocr scan` prints for each photo: one NDJSON object (`--json`) or one table row.
 * The PAN is the masked one from ReadResult unless the caller asked for `--reveal`.
 */
import { basename } from 'node:path';
import type { MissingReasons, ReadResult } from '../core/card.js';
import { redactPans } from '../core/mask.js';
import { reasonOf, type Reason } from './reasons.js';

/** The JSON line of one photo, in the documented shape and key order. */
export interface ScanLine {
  file: string;
  status: ReadResult['status'];
  /** `panUnverified`: a printed number that failed Luhn, read the same way twice (only when there is one). */
  card: { pan: string | null; brand: string | null; expiry: string | null; name: string | null; panUnverified?: string };
  confidence: ReadResult['confidence'];
  /** Why each field that was not reported is missing (reader codes: `not_found`, `single_reading`, …). */
  missing?: MissingReasons;
  /** What to do about a photo without a verified card number, in words (absent when `ok`). */
  reason?: string;
  error?: { code: string; message: string };
  timingsMs: Record<string, number>;
}

/** Builds the JSON object of one photo. `missing` when a field is, `reason` unless `ok`, `error` only for `failed`. */
export function toScanLine(file: string, result: ReadResult, reveal: boolean): ScanLine {
  const { total, ...stages } = result.timingsMs;
  const card: ScanLine['card'] = {
    pan: reveal ? (result.revealPan() ?? result.card.pan) : result.card.pan,
    brand: result.card.brand,
    expiry: result.card.expiry,
    name: result.card.name,
  };
  if (result.card.panUnverified) {
    card.panUnverified = reveal ? (result.revealPanUnverified() ?? result.card.panUnverified.pan) : result.card.panUnverified.pan;
  }
  // A photo named after a card number is shown masked, like the number itself (unless --reveal).
  const shownFile = reveal ? file : redactPans(file);
  const line: ScanLine = { file: shownFile, status: result.status, card, confidence: result.confidence, timingsMs: { total: total ?? 0 } };
  const missing: MissingReasons = { ...result.missing };
  // A photo that failed outright has no per-field verdicts: its error is why the number is missing.
  if (card.pan === null && missing.pan === undefined) missing.pan = result.error?.code ?? 'not_found';
  if (Object.keys(missing).length > 0) line.missing = missing;
  const reason = reasonOf(result);
  if (reason) line.reason = reason.advice;
  if (result.status === 'failed' && result.error) line.error = { code: result.error.code, message: result.error.message };
  // Stages last, after `total`, as documented (assigned here so the key order is fixed).
  const { timingsMs } = line;
  delete (line as Partial<ScanLine>).timingsMs;
  line.timingsMs = { ...timingsMs, ...stages };
  return line;
}

/** One column of the table: its header, width, and the order in which it gives way to a narrow terminal. */
interface Column {
  readonly key: 'STATUS' | 'PAN' | 'EXPIRY' | 'NAME' | 'BRAND' | 'MS';
  readonly width: number;
  /** Dropped when the terminal is too narrow, lowest first; undefined = always kept. */
  readonly drop?: number;
}

// Fixed widths (the file column is sized to the inputs and the terminal) so rows can be printed
// as they finish. PAN: a masked 19-digit number; STATUS: `no_card`. Narrow, least useful columns
// give way first: the time, then the brand (it follows from the number), the expiry, the name.
const COLUMNS: readonly Column[] = [
  { key: 'STATUS', width: 7 },
  { key: 'PAN', width: 19 },
  { key: 'EXPIRY', width: 6, drop: 3 },
  { key: 'NAME', width: 20, drop: 4 },
  { key: 'BRAND', width: 11, drop: 2 },
  { key: 'MS', width: 6, drop: 1 },
];

const GAP = '  ';
/** Below this the file column is too cramped to tell photos apart: columns give way instead. */
const FILE_COMFORT = 20;
const FILE_MIN = 8;

/** Cuts `text` to `width` characters with an ellipsis at the end. */
export function endEllipsis(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  return width <= 0 ? '' : `${chars.slice(0, width - 1).join('')}…`;
}

/**
 * Cuts `text` to `width` characters keeping its start and end (`public-0…-017.jpg`): photo
 * names differ at the end (numbers, extension) as often as at the start.
 */
export function middleEllipsis(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  if (width <= 1) return width === 1 ? '…' : '';
  const tail = Math.ceil((width - 1) / 2);
  const head = width - 1 - tail;
  return `${chars.slice(0, head).join('')}…${chars.slice(chars.length - tail).join('')}`;
}

/** Advice cut at a clause (`, ` or ` — `) when it does not fit, else with an ellipsis. */
function fitAdvice(text: string, width: number): string {
  if ([...text].length <= width) return text;
  let best = '';
  for (const m of text.matchAll(/,\s| — /g)) {
    const cut = text.slice(0, m.index);
    if ([...cut].length <= width && cut.length > best.length) best = cut;
  }
  return best.length >= Math.min(12, width) ? best : endEllipsis(text, width);
}

const pad = (text: string, width: number): string => text + ' '.repeat(Math.max(0, width - [...text].length));

/**
 * How each photo is named in the table: its base name, or as many trailing path parts as it
 * takes to tell two photos with one base name apart (`a/card.jpg`, `b/card.jpg`).
 */
export function displayNames(files: readonly string[]): string[] {
  const parts = files.map((f) => f.split(/[\\/]+/).filter(Boolean));
  const depth = files.map(() => 1);
  const name = (i: number): string => (parts[i] ?? []).slice(-(depth[i] ?? 1)).join('/') || basename(files[i] ?? '');
  for (let round = 0; round < 8; round++) {
    const seen = new Map<string, number[]>();
    files.forEach((_, i) => seen.set(name(i), [...(seen.get(name(i)) ?? []), i]));
    let changed = false;
    for (const idx of seen.values()) {
      if (idx.length < 2) continue;
      for (const i of idx) {
        if ((depth[i] ?? 1) < (parts[i]?.length ?? 1)) {
          depth[i] = (depth[i] ?? 1) + 1;
          changed = true;
        }
      }
    }
    if (!changed) break;
  }
  // A file named after a card number is never printed in full (the table has no --reveal).
  return files.map((_, i) => redactPans(name(i)));
}

/** Long names cut to `width`: middle-ellipsis, or, when that merges two names, the prefix they all share dropped first. */
function shorten(names: readonly string[], width: number): string[] {
  const cut = names.map((n) => middleEllipsis(n, width));
  if (new Set(cut).size === new Set(names).size || names.length < 2) return cut;
  // `IMG_20261130_1422_card-07-front.jpg` …: what tells them apart is after the shared prefix.
  const first = [...(names[0] ?? '')];
  let common = first.length;
  for (const n of names) {
    const chars = [...n];
    let i = 0;
    while (i < common && chars[i] === first[i]) i++;
    common = i;
  }
  return names.map((n) => {
    const chars = [...n];
    return chars.length <= width || common === 0 ? middleEllipsis(n, width) : `…${middleEllipsis(chars.slice(common).join(''), width - 1)}`;
  });
}

const distinct = (names: readonly string[], width: number): boolean => new Set(shorten(names, width)).size === new Set(names).size;

/**
 * A human-readable table, one row per photo, printed as results arrive, never wider than
 * the terminal: base names (middle-ellipsis when long; the full path is in `--json`), and
 * the narrow, least useful columns dropped first when the terminal is narrow. A photo
 * without a card number shows why: a short label in the PAN column, or the advice across
 * the row when nothing was read at all.
 */
export class Table {
  readonly #width: number;
  readonly #fileWidth: number;
  readonly #columns: readonly Column[];
  /** The FILE cell of each input, already cut to the column. */
  readonly #names = new Map<string, string>();

  /** `files` as given to `row()`; `width`: the terminal's columns (80 when it is not a terminal). */
  constructor(files: readonly string[], width = 80) {
    this.#width = Math.max(40, width);
    const names = displayNames(files);
    const longest = Math.max(4, ...names.map((n) => [...n].length));
    const want = Math.min(longest, 48);
    const droppable = COLUMNS.filter((c) => c.drop !== undefined).sort((a, b) => (a.drop ?? 0) - (b.drop ?? 0));
    let columns = [...COLUMNS];
    const room = (cols: readonly Column[]): number => this.#width - cols.reduce((sum, c) => sum + c.width + GAP.length, 0);
    // Give way column by column until the names fit comfortably and stay distinguishable.
    for (const next of [...droppable, null]) {
      const fileWidth = Math.min(want, room(columns));
      if (fileWidth >= Math.min(want, FILE_COMFORT) && distinct(names, fileWidth)) break;
      if (!next) break;
      columns = columns.filter((c) => c !== next);
    }
    this.#columns = columns;
    this.#fileWidth = Math.max(FILE_MIN, Math.min(want, room(columns)));
    const shown = shorten(names, this.#fileWidth);
    files.forEach((f, i) => this.#names.set(f, shown[i] ?? f));
  }

  /** The cells joined, trailing blanks trimmed, and never wider than the terminal. */
  #line(cells: string[]): string {
    return endEllipsis(cells.join(GAP).trimEnd(), this.#width);
  }

  header(): string {
    return this.#line([pad('FILE', this.#fileWidth), ...this.#columns.map((c) => (c.key === 'MS' ? c.key.padStart(c.width) : pad(c.key, c.width)))]);
  }

  row(line: ScanLine): string {
    const file = pad(this.#names.get(line.file) ?? middleEllipsis(basename(line.file), this.#fileWidth), this.#fileWidth);
    const status = pad(line.status, 7);
    const reason: Reason | null = line.status === 'ok' && line.card.pan ? null : reasonFromLine(line);
    const { card } = line;
    if (reason && !card.expiry && !card.name && !card.brand) {
      // Nothing was read: the advice gets the rest of the row.
      const used = [...file].length + GAP.length + status.length + GAP.length;
      return this.#line([file, status, fitAdvice(line.reason ?? reason.advice, this.#width - used)]);
    }
    const value = (v: string | null, width: number): string => pad(endEllipsis(v ?? '-', width), width);
    const cells = this.#columns.map((c) => {
      switch (c.key) {
        case 'STATUS':
          return status;
        case 'PAN':
          return value(card.pan ?? reason?.short ?? null, c.width);
        case 'EXPIRY':
          return value(card.expiry, c.width);
        case 'NAME':
          return value(card.name, c.width);
        case 'BRAND':
          return value(card.brand, c.width);
        case 'MS':
          return String(Math.round(line.timingsMs.total ?? 0)).padStart(c.width);
      }
    });
    return this.#line([file, ...cells]);
  }
}

/** The reason of a printed line (its `reason` advice, with the short label looked up again). */
function reasonFromLine(line: ScanLine): Reason {
  const r = reasonOf({
    status: line.status,
    card: { pan: line.card.pan, last4: null, brand: line.card.brand, expiry: line.card.expiry, name: line.card.name },
    missing: line.missing ?? {},
    error: (line.error as ReadResult['error']) ?? null,
  });
  return r ?? { short: 'no number', advice: line.reason ?? 'no card number' };
}

/** One closing line: counts per status and the wall-clock time. */
export function summary(counts: Record<string, number>, photos: number, wallMs: number): string {
  const parts = (['ok', 'partial', 'no_card', 'failed'] as const).map((s) => `${counts[s] ?? 0} ${s}`);
  return `${photos} photo${photos === 1 ? '' : 's'}: ${parts.join(', ')} in ${(wallMs / 1000).toFixed(1)} s`;
}
