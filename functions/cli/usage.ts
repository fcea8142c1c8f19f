import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { redactPans } from '../core/mask.js';
import { maxReaderThreads, processMemory, THREAD_MEMORY_BYTES } from '../core/reader-memory.js';

/**
 * Usage texts, usage errors and argument parsing of the command line. Usage errors (bad
 * flags, no inputs, paths that cannot be read) stop the run before any photo is read and
 * exit with code 2.
 */

/** A mistake in how the command was called (exit code 2). */
export class UsageError extends Error {
  /** The command whose usage to point at (`scan`, `serve`), if any. */
  readonly command: string | undefined;
  /** Whether pointing at `--help` helps (not when the message already says what to do). */
  readonly hint: boolean;

  constructor(message: string, options: { cause?: unknown; command?: string; hint?: boolean } = {}) {
    // Usage errors quote paths, and a file may be named after a card number: masked like every error.
    super(redactPans(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UsageError';
    this.command = options.command;
    this.hint = options.hint ?? true;
  }
}

/** Exit codes of `cardocr`. */
export const EXIT = Object.freeze({ ok: 0, failure: 1, usage: 2 });

/** `cardocr scan --help`. */
export const SCAN_USAGE = `usage: cardocr scan [options] <file|dir>...

Read payment cards from photos (JPEG, PNG, WebP) on this machine, offline.
Directories expand to the image files directly inside them, sorted by name.
Results come in input order; a photo without a card number says why.

options:
  --json              one JSON object per photo (NDJSON) (default: a table)
  --reveal            print the full card number
                      (default: masked, first 6 + last 4 at most)
  --concurrency N     photos read at once, each by its own reader thread
                      (about 600 MiB each), 1-64 and no more than memory
                      holds (default: the cores, at most 8, within half
                      the memory)
  --strict            exit 1 when any photo is not "ok"
                      (= --fail-on failed,no_card,partial)
  --fail-on LIST      exit 1 when any photo has one of these statuses,
                      comma-separated: failed, no_card, partial (default: none)
  -h, --help          show this help

exit codes: 0 done; 1 a photo matched --strict/--fail-on, or the reader
broke; 2 usage error

example:
  cardocr scan --strict --concurrency 2 photos/
`;

/** `cardocr serve --help`. */
export const SERVE_USAGE = `usage: cardocr serve [options]

Run the whole pipeline on this machine: HTTP API, web page, watched folder and
workers. Stop it with Ctrl-C.

options:
  --port N            port to listen on, 0 = any free one
                      (default: PORT or 3000)
  --host H            address to listen on (default: CARDOCR_HOST or 127.0.0.1)
  --data-dir DIR      photos, results and the queue
                      (default: CARDOCR_DATA_DIR or .data)
  --concurrency N     photos read at a time, 1-64 and no more than memory
                      holds (about 600 MiB each)
                      (default: CARDOCR_CONCURRENCY or the cores, within
                      half the memory)
  -h, --help          show this help

example:
  cardocr serve --port 8080 --data-dir /var/lib/cardocr
`;

/** `cardocr --help`: every command, its flags and one example each. */
export const USAGE = `usage: cardocr <command> [options]

commands:
  scan <file|dir>...  read payment cards from photos: a table, or NDJSON
      --json  --reveal  --concurrency N (default: cores, at most 8)
      --strict  --fail-on failed,no_card,partial (default: exit 0)
      example: cardocr scan photo.jpg more-photos/
  serve               run the local pipeline: HTTP API and web page
      --port N (default 3000)  --host H (default 127.0.0.1)
      --data-dir DIR (default .data)  --concurrency N (default: cores)
      example: cardocr serve --port 8080
  help [command]      show this help, or a command's: cardocr help scan

options:
  -h, --help          show help (also after a command: cardocr scan --help)
  -V, --version       print the version

Run "cardocr <command> --help" for every flag of a command.
`;

const COMMAND_USAGE: Record<string, string> = { scan: SCAN_USAGE, serve: SERVE_USAGE };

/** The help text of `command` (the general usage for anything else). */
export function usageOf(command?: string): string {
  return (command && COMMAND_USAGE[command]) || USAGE;
}

/** True when the arguments ask for help (`-h`/`--help` before any `--`). */
export function wantsHelp(argv: readonly string[]): boolean {
  for (const arg of argv) {
    if (arg === '--') return false;
    if (arg === '-h' || arg === '--help') return true;
  }
  return false;
}

/** The package version, from the package.json above this file (source and dist alike). */
export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'card-ocr-pipeline' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // Not here: keep walking up.
    }
    dir = dirname(dir);
  }
  return 'unknown';
}

/** Parses a positive integer option (`--concurrency 4`). */
export function positiveInt(value: string | undefined, flag: string, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) {
    throw new UsageError(`${flag} must be a whole number from 1 to ${max}, got "${value}"`);
  }
  return Number(value);
}

/**
 * A `--concurrency N` option (`scan`, `serve`: one reader thread per photo at once): 1–64 and
 * no more than the memory holds, else a UsageError naming what it needs and the most that fits.
 * Undefined when not given. `memoryBytes`: the memory the process may use (tests pass their own).
 */
export function readerThreadsOption(value: string | undefined, command: 'scan' | 'serve', memoryBytes: number = processMemory()): number | undefined {
  const requested = positiveInt(value, '--concurrency', 64);
  const most = maxReaderThreads(memoryBytes);
  if (requested === undefined || requested <= most) return requested;
  throw new UsageError(
    `--concurrency ${requested} needs about ${((requested * THREAD_MEMORY_BYTES) / 2 ** 30).toFixed(1)} GiB ` +
      `(${THREAD_MEMORY_BYTES / 2 ** 20} MiB a reader thread), and this process may use ${(memoryBytes / 2 ** 30).toFixed(1)} GiB: ` +
      `use --concurrency ${most} or less (or leave it out: the default fits the host)`,
    { command },
  );
}

/** Node's parseArgs messages name internals ("argument missing", an unclosed quote): say it plainly. */
function plainMessage(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const message = e.message ?? String(err);
  const option = /Option '(-{1,2}[^' ]+)/.exec(message)?.[1] ?? /option '(-{1,2}[^' ]+)'/i.exec(message)?.[1];
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    return `unknown option "${option ?? '?'}" (a file name starting with "-" goes after "--")`;
  }
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    return /does not take an argument/.test(message) ? `option "${option}" takes no value` : `option "${option}" needs a value`;
  }
  return message.split('. ')[0] ?? message;
}

/**
 * Strict `parseArgs` with positionals, turning its errors (unknown flag, missing value)
 * into UsageError with a plain message so every command answers them with exit code 2.
 */
export function parseCliArgs<const O extends NonNullable<ParseArgsConfig['options']>>(argv: readonly string[], options: O, command?: string) {
  try {
    return parseArgs({ args: [...argv], allowPositionals: true, strict: true, options });
  } catch (err) {
    throw new UsageError(plainMessage(err), { cause: err, ...(command ? { command } : {}) });
  }
}
