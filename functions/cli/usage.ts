import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * Usage errors of the command line: bad flags, no inputs, paths that cannot be read.
 * They stop the run before any photo is read and exit with code 2.
 */

/** A mistake in how the command was called (exit code 2). */
export class UsageError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UsageError';
  }
}

/** Exit codes of `cardocr`. */
export const EXIT = Object.freeze({ ok: 0, failure: 1, usage: 2 });

export const USAGE = `usage:
  cardocr scan <file|dir>... [--json] [--reveal] [--concurrency N]
      Read payment cards from photos (JPEG, PNG, WebP). Directories expand to the image
      files they hold (not recursive), sorted by name.
      --json           one JSON object per photo (NDJSON) instead of a table
      --reveal         print the full card number (default: first 6 + last 4 at most)
      --concurrency N  OCR workers and photos in flight (default 1)
  cardocr serve [--port N] [--data-dir DIR] [--concurrency N] [--host H]
      Run the pipeline on this machine: HTTP API, web page, folder intake, workers.
      Defaults: PORT (3000), CARDOCR_DATA_DIR (.data), CARDOCR_CONCURRENCY (cores),
      CARDOCR_HOST (127.0.0.1).
  cardocr help
`;

/** Parses a positive integer option (`--concurrency 4`). */
export function positiveInt(value: string | undefined, flag: string, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) {
    throw new UsageError(`${flag} must be a whole number from 1 to ${max}, got "${value}"`);
  }
  return Number(value);
}

/**
 * Strict `parseArgs` with positionals, turning its errors (unknown flag, missing value)
 * into UsageError so every command answers them with exit code 2.
 */
export function parseCliArgs<const O extends NonNullable<ParseArgsConfig['options']>>(argv: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...argv], allowPositionals: true, strict: true, options });
  } catch (err) {
    throw new UsageError((err as Error).message, { cause: err });
  }
}
