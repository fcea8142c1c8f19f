/**
 * The logging port. Powertools' Logger satisfies it (on Lambda and in the local runner);
 * the CLI passes a silent or stderr logger. Rule: never log an image, an event body, raw
 * OCR text or a full PAN; log masked fields, codes, sizes and timings.
 */
export interface Log {
  debug(message: string, ...extra: Array<Record<string, unknown> | Error>): void;
  info(message: string, ...extra: Array<Record<string, unknown> | Error>): void;
  warn(message: string, ...extra: Array<Record<string, unknown> | Error>): void;
  error(message: string, ...extra: Array<Record<string, unknown> | Error>): void;
}

/** A logger that drops everything (CLI default, unit tests). */
export const silentLog: Log = Object.freeze({
  debug() {},
  info() {},
  warn() {},
  error() {},
});
