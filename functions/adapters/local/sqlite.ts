/**
 * Opens the one SQLite file of the local runner (results and job queue share it), and the
 * tools that keep a synchronous driver from freezing the server:
 * - WAL lets the API read while workers write;
 * - the busy timeout is short (default 20 ms): better-sqlite3 waits for a lock *on the event
 *   loop*, so the 5 s it used to wait froze every request while another process (the CLI, a
 *   backup, `sqlite3` in a shell) held the write lock. {@link retryWhileBusy} waits for the
 *   lock asynchronously instead, and {@link busyRetrying} applies it to a whole store;
 * - {@link probeDatabase} tells `/healthz` whether the write lock can be had right now;
 * - {@link scheduleCheckpoint} truncates the WAL shortly after a value was masked, so a
 *   card-number-like object key does not sit unmasked in `cardocr.sqlite-wal` until a clean
 *   shutdown (with `secure_delete` the main file's freed bytes are zeroed too);
 * - the files are created 0600 (SQLite gives `-wal`/`-shm` the database file's mode).
 */
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { CardOcrError } from '../../core/errors.js';

export type SqliteDatabase = Database.Database;

/** Default busy timeout, ms: the longest one statement may hold the event loop waiting for a lock. */
export const DEFAULT_BUSY_TIMEOUT_MS = 20;

export interface OpenSqliteOptions {
  /** See {@link DEFAULT_BUSY_TIMEOUT_MS}. */
  readonly busyTimeoutMs?: number;
  /** Told when a file could not be made owner-only (a filesystem without modes); the open goes on. */
  readonly onPermissionWarning?: (file: string, err: unknown) => void;
}

/** Opens (creating when missing) a SQLite database file tuned for the local pipeline. */
export function openSqlite(file: string, options: OpenSqliteOptions = {}): SqliteDatabase {
  if (file !== ':memory:') {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    // Created owner-only before SQLite opens it; an existing file (older runs) is tightened.
    closeSync(openSync(file, 'a', 0o600));
    for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) {
      try {
        chmodSync(f, 0o600);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') continue;
        if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EROFS') options.onPermissionWarning?.(f, err);
        else throw err;
      }
    }
  }
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // NORMAL is durable across process crashes under WAL (only an OS crash may lose the last commits).
  db.pragma('synchronous = NORMAL');
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS))}`);
  db.pragma('foreign_keys = ON');
  // Overwritten and deleted content is zeroed, so a masked-over value does not linger in free pages.
  db.pragma('secure_delete = ON');
  return db;
}

/** Whether an error is SQLite saying another connection holds a lock it needs (SQLITE_BUSY*, SQLITE_LOCKED*). */
export function isSqliteBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/** The database stayed locked longer than the caller's budget. Retryable: the lock will go. */
export class DatabaseBusyError extends CardOcrError {
  readonly busyMs: number;
  constructor(busyMs: number, options: { cause?: unknown } = {}) {
    super(
      'internal',
      `expected the SQLite database to be writable, but another connection held its lock for ${Math.round(busyMs)} ms; ` +
        'the work is retried — if it persists, find the process holding cardocr.sqlite open (lsof) and end its transaction',
      { ...options, retryable: true },
    );
    this.busyMs = busyMs;
  }
}

export interface BusyRetryOptions {
  /** Give up (throw DatabaseBusyError) once the database has been busy this long, ms. */
  readonly budgetMs: number;
  /** Told each time a statement found the database locked (health reporting). */
  readonly onBusy?: () => void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `work` (a synchronous better-sqlite3 call, or an async function made of them) and,
 * while it fails with SQLITE_BUSY/LOCKED, runs it again after a short asynchronous pause
 * (5 ms doubling to 250 ms, jittered), so other requests are served while the lock is held.
 * Safe because a statement or transaction that fails busy has changed nothing.
 */
export async function retryWhileBusy<T>(work: () => T | Promise<T>, options: BusyRetryOptions): Promise<T> {
  const t0 = performance.now();
  for (let i = 0; ; i++) {
    try {
      return await work();
    } catch (err) {
      if (!isSqliteBusy(err)) throw err;
      options.onBusy?.();
      const waited = performance.now() - t0;
      if (waited >= options.budgetMs) throw new DatabaseBusyError(waited, { cause: err });
      const pause = Math.min(250, 5 * 2 ** i) * (0.5 + Math.random() * 0.5);
      await sleep(Math.min(pause, Math.max(1, options.budgetMs - waited)));
    }
  }
}

/**
 * Wraps every method of a store (whose methods are async or synchronous SQLite calls) in
 * {@link retryWhileBusy}. Methods run on the store itself (private fields keep working).
 */
export function busyRetrying<T extends object>(store: T, options: BusyRetryOptions): T {
  return new Proxy(store, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function' || prop === 'constructor') return value;
      return (...args: unknown[]) => retryWhileBusy(() => (value as (...a: unknown[]) => unknown).apply(target, args), options);
    },
  });
}

/** What {@link probeDatabase} found. */
export type DatabaseHealth = { readonly state: 'ok' } | { readonly state: 'locked' | 'error'; readonly detail: string };

/**
 * Checks, without waiting, that the database can be read and its write lock taken right now
 * (BEGIN IMMEDIATE + ROLLBACK with the busy timeout at 0). Never blocks on a lock.
 */
export function probeDatabase(db: SqliteDatabase): DatabaseHealth {
  const timeout = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma('busy_timeout = 0');
  try {
    db.prepare('SELECT 1').get();
    db.prepare('BEGIN IMMEDIATE').run();
    db.prepare('ROLLBACK').run();
    return { state: 'ok' };
  } catch (err) {
    if (db.inTransaction) db.prepare('ROLLBACK').run();
    const code = (err as { code?: string }).code ?? 'unknown';
    return isSqliteBusy(err)
      ? { state: 'locked', detail: `another connection holds the write lock (${code})` }
      : { state: 'error', detail: code };
  } finally {
    db.pragma(`busy_timeout = ${timeout}`);
  }
}

const pendingCheckpoints = new WeakMap<SqliteDatabase, NodeJS.Timeout>();

/**
 * Truncates the WAL (`wal_checkpoint(TRUNCATE)`) soon (`delayMs`), once: call it after a
 * write that masked a value. A checkpoint that finds readers or a writer in the way is tried
 * again a little later (up to ~1 min); `onError` hears of any other failure.
 */
export function scheduleCheckpoint(db: SqliteDatabase, onError: (err: unknown) => void, delayMs = 200, tries = 60): void {
  if (pendingCheckpoints.has(db)) return;
  const timer = setTimeout(() => {
    pendingCheckpoints.delete(db);
    if (!db.open) return;
    try {
      const [row] = db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
      if (row?.busy && tries > 1) scheduleCheckpoint(db, onError, 1000, tries - 1);
    } catch (err) {
      if (isSqliteBusy(err) && tries > 1) scheduleCheckpoint(db, onError, 1000, tries - 1);
      else onError(err);
    }
  }, delayMs);
  timer.unref();
  pendingCheckpoints.set(db, timer);
}

/** Cancels a scheduled checkpoint (before closing: close checkpoints and removes the WAL itself). */
export function cancelCheckpoint(db: SqliteDatabase): void {
  const timer = pendingCheckpoints.get(db);
  if (timer) clearTimeout(timer);
  pendingCheckpoints.delete(db);
}
