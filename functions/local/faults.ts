/**
 * Which failures of the local runner are transient faults of its storage or database (the
 * disk is full or read-only for a while, a file is busy, another process holds the SQLite
 * lock) as opposed to bad input or a bug. A fault is retried with capped exponential backoff
 * over minutes and does not use up a scan's attempts; anything else is retried a few times
 * and then fails the scan.
 */
import { DatabaseBusyError } from '../adapters/local/sqlite.js';

/** errno codes of a filesystem that is (for now) unavailable or out of room. */
const TRANSIENT_ERRNO = new Set([
  'EROFS', // remounted read-only (disk errors, a snapshot, an operator)
  'ENOSPC',
  'EDQUOT',
  'EBUSY',
  'EAGAIN',
  'EMFILE', // out of file descriptors: frees up when other work ends
  'ENFILE',
  'EIO',
  'ETIMEDOUT', // network filesystems
  'ESTALE',
  'EACCES', // permissions changed under the runner (chmod), fixed by an operator
  'EPERM',
]);

/** SQLite result codes (prefixes: extended codes such as SQLITE_IOERR_WRITE count too) that pass. */
const TRANSIENT_SQLITE = ['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_READONLY', 'SQLITE_CANTOPEN', 'SQLITE_PROTOCOL'];

/** A transient fault found in an error's cause chain. */
export interface Fault {
  /** The errno or SQLite code, e.g. `EROFS`, `SQLITE_BUSY`. */
  readonly code: string;
  readonly where: 'storage' | 'database';
}

/** Finds a transient storage/database fault in `err` or its causes (a few levels deep), or null. */
export function transientFault(err: unknown): Fault | null {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e; depth++) {
    if (e instanceof DatabaseBusyError) return { code: 'SQLITE_BUSY', where: 'database' };
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (TRANSIENT_ERRNO.has(code)) return { code, where: 'storage' };
      if (TRANSIENT_SQLITE.some((p) => code.startsWith(p))) return { code, where: 'database' };
    }
    e = (e as { cause?: unknown }).cause;
  }
  return null;
}

/** Capped exponential backoff with jitter: `base · 2^(n-1)`, at most `maxMs`, drawn from its upper half. */
export function backoffDelay(n: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const d = Math.min(maxMs, baseMs * 2 ** Math.max(0, n - 1));
  // "Equal jitter": never less than half the step (keeps the schedule spread over minutes),
  // randomised so jobs failing together do not come back together.
  return d / 2 + random() * (d / 2);
}

/**
 * A short description of an error for a record's reason: the typed code and message, plus
 * the underlying error's name and errno/SQLite code (never its message, which could quote
 * a value) so "unexpected internal error" still says what broke.
 */
export function describeFailure(code: string, message: string, err: unknown): string {
  let cause: unknown = (err as { cause?: unknown } | null)?.cause;
  let detail = '';
  for (let depth = 0; depth < 5 && cause; depth++) {
    const name = cause instanceof Error ? cause.name : typeof cause;
    const c = (cause as { code?: unknown }).code;
    detail = `${name}${typeof c === 'string' ? ` ${c}` : ''}`;
    cause = (cause as { cause?: unknown }).cause;
  }
  return detail ? `${code}: ${message} (${detail})` : `${code}: ${message}`;
}
