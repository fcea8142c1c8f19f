/**
 * What `cardocr scan` prints for each photo: one NDJSON object (`--json`) or one table row.
 * The PAN is the masked one from ReadResult unless the caller asked for `--reveal`.
 */
import type { ReadResult } from '../core/card.js';

/** The JSON line of one photo, in the documented shape and key order. */
export interface ScanLine {
  file: string;
  status: ReadResult['status'];
  /** `panUnverified`: a printed number that failed Luhn, read the same way twice (only when there is one). */
  card: { pan: string | null; brand: string | null; expiry: string | null; name: string | null; panUnverified?: string };
  confidence: ReadResult['confidence'];
  error?: { code: string; message: string };
  timingsMs: Record<string, number>;
}

/** Builds the JSON object of one photo. `error` appears only for `failed`. */
export function toScanLine(file: string, result: ReadResult, reveal: boolean): ScanLine {
  const { total, ...stages } = result.timingsMs;
  const line: ScanLine = {
    file,
    status: result.status,
    card: {
      pan: reveal ? (result.revealPan() ?? result.card.pan) : result.card.pan,
      brand: result.card.brand,
      expiry: result.card.expiry,
      name: result.card.name,
    },
    confidence: result.confidence,
    timingsMs: { total: total ?? 0, ...stages },
  };
  if (result.card.panUnverified) {
    line.card.panUnverified = reveal ? (result.revealPanUnverified() ?? result.card.panUnverified.pan) : result.card.panUnverified.pan;
  }
  if (result.status === 'failed' && result.error) {
    // Re-order so `error` sits before `timingsMs`, as documented.
    const { timingsMs, ...head } = line;
    return { ...head, error: { code: result.error.code, message: result.error.message }, timingsMs };
  }
  return line;
}

const COLUMNS = ['FILE', 'STATUS', 'PAN', 'BRAND', 'EXPIRY', 'NAME', 'MS'] as const;

// Fixed widths (the file column is sized to the inputs) so rows can be printed as they finish.
const WIDTH = { STATUS: 8, PAN: 20, BRAND: 11, EXPIRY: 6, NAME: 22, MS: 7 } as const;

const cell = (text: string, width: number): string =>
  text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width, ' ');

/** A human-readable table, one row per photo, printed as results arrive. */
export class Table {
  readonly #fileWidth: number;

  constructor(files: readonly string[]) {
    this.#fileWidth = Math.min(48, Math.max(4, ...files.map((f) => f.length)));
  }

  header(): string {
    const [file, ...rest] = COLUMNS;
    return [cell(file, this.#fileWidth), ...rest.map((c) => (c === 'MS' ? c.padStart(WIDTH.MS) : cell(c, WIDTH[c])))].join('  ').trimEnd();
  }

  row(line: ScanLine): string {
    const dash = (v: string | null): string => v ?? '-';
    const cells = [
      cell(line.file, this.#fileWidth),
      cell(line.status, WIDTH.STATUS),
      cell(dash(line.card.pan), WIDTH.PAN),
      cell(dash(line.card.brand), WIDTH.BRAND),
      cell(dash(line.card.expiry), WIDTH.EXPIRY),
      cell(dash(line.card.name), WIDTH.NAME),
      String(Math.round(line.timingsMs.total ?? 0)).padStart(WIDTH.MS),
    ];
    const note = line.error ? `  ${line.error.code}: ${line.error.message}` : '';
    return cells.join('  ').trimEnd() + note;
  }
}

/** One closing line: counts per status and the wall-clock time. */
export function summary(counts: Record<string, number>, photos: number, wallMs: number): string {
  const parts = (['ok', 'partial', 'no_card', 'failed'] as const).map((s) => `${counts[s] ?? 0} ${s}`);
  return `${photos} photo${photos === 1 ? '' : 's'}: ${parts.join(', ')} in ${(wallMs / 1000).toFixed(1)} s`;
}
