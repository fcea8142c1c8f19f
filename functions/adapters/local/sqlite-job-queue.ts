/**
 * Durable work queue on SQLite: the local stand-in for SQS. At-least-once: a received job is
 * leased for `leaseMs`; it is redelivered when the lease runs out (its worker died) unless
 * acked first. Retries back off by `delayMs`; once a job has used up `maxAttempts` it is
 * dead-lettered with its reason. A dedupe key drops a second send while the first is
 * pending, leased, or finished within the dedupe window (like SQS FIFO deduplication).
 * Card data: dedupe keys are stored hashed, and a finished job's body is kept with any
 * card-number-like run masked (an object key may be a file name a user chose); `onMasked`
 * lets the owner truncate the WAL after such a write.
 * Transient faults (storage or database unavailable) are retried without using up an
 * attempt, until they have lasted `transientBudgetMs`. Every statement that finds the
 * database locked is retried asynchronously ({@link retryWhileBusy}), never on the event loop.
 */
import { createHash, randomUUID } from 'node:crypto';
import { redactPans } from '../../core/mask.js';
import type { Job, JobQueue } from '../../core/ports.js';
import { retryWhileBusy, type BusyRetryOptions, type SqliteDatabase } from './sqlite.js';

export interface SqliteJobQueueOptions {
  /** Deliveries a job gets before it is dead-lettered. */
  readonly maxAttempts: number;
  /** How long a finished job's dedupe key keeps dropping duplicates, ms (default 10 min). */
  readonly dedupeWindowMs?: number;
  /** Injectable clock for tests. */
  readonly now?: () => number;
  /** How a statement that finds the database locked is retried (default: for up to 60 s). */
  readonly busy?: BusyRetryOptions;
  /** Called after a write that masked a stored body (e.g. to truncate the WAL). */
  readonly onMasked?: () => void;
}

/** A received job, with how many transient faults it has met so far (the backoff exponent). */
export type LeasedJob<T> = Job<T> & { readonly faults: number };

/** What {@link SqliteJobQueue.retry} accepts beyond the port's delay and reason. */
export interface RetryOptions {
  readonly delayMs: number;
  readonly reason: string;
  /**
   * A transient fault (storage/database unavailable): the delivery does not use up an attempt,
   * unless the job has been failing on faults for longer than `transientBudgetMs`.
   */
  readonly transient?: boolean;
  readonly transientBudgetMs?: number;
}

interface JobRow {
  id: string;
  queue: string;
  body: string;
  attempt: number;
  state: 'pending' | 'leased' | 'done' | 'dead';
  reason: string | null;
  faults: number;
}

/** {@link JobQueue} over a `jobs` table in the given database. */
export class SqliteJobQueue implements JobQueue {
  readonly #db: SqliteDatabase;
  readonly #maxAttempts: number;
  readonly #dedupeWindowMs: number;
  readonly #now: () => number;
  readonly #listeners = new Set<(queue: string) => void>();
  readonly #busy: BusyRetryOptions;
  readonly #onMasked: () => void;

  constructor(db: SqliteDatabase, options: SqliteJobQueueOptions) {
    this.#db = db;
    this.#maxAttempts = options.maxAttempts;
    this.#dedupeWindowMs = options.dedupeWindowMs ?? 10 * 60_000;
    this.#now = options.now ?? Date.now;
    this.#busy = options.busy ?? { budgetMs: 60_000 };
    this.#onMasked = options.onMasked ?? (() => {});
    db.exec(`
      CREATE TABLE IF NOT EXISTS jobs (
        id TEXT PRIMARY KEY,
        queue TEXT NOT NULL,
        body TEXT NOT NULL,
        dedupe_key TEXT,
        state TEXT NOT NULL,
        attempt INTEGER NOT NULL DEFAULT 0,
        available_at INTEGER NOT NULL,
        lease_until INTEGER,
        reason TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS jobs_ready ON jobs (queue, state, available_at);
      CREATE INDEX IF NOT EXISTS jobs_dedupe ON jobs (queue, dedupe_key);
    `);
    // Columns added after the first release: data dirs of older runs get them here.
    const columns = new Set((db.prepare('PRAGMA table_info(jobs)').all() as Array<{ name: string }>).map((c) => c.name));
    if (!columns.has('faults')) db.exec('ALTER TABLE jobs ADD COLUMN faults INTEGER NOT NULL DEFAULT 0');
    if (!columns.has('fault_since')) db.exec('ALTER TABLE jobs ADD COLUMN fault_since INTEGER');
    db.exec(`CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs (state, updated_at)`);
  }

  #run<T>(work: () => T): Promise<T> {
    return retryWhileBusy(work, this.#busy);
  }

  /** Subscribes to sends in this process (lets idle workers wake at once instead of polling). */
  onSend(listener: (queue: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async send<T>(queue: string, body: T, options: { delayMs?: number; dedupeKey?: string } = {}): Promise<void> {
    const now = this.#now();
    const sent = await this.#run(() => this.#db
      .transaction((): boolean => {
        if (options.dedupeKey !== undefined) {
          const dup = this.#db
            .prepare(
              `SELECT 1 FROM jobs WHERE queue = ? AND dedupe_key = ?
                 AND (state IN ('pending', 'leased') OR (state IN ('done', 'dead') AND updated_at > ?)) LIMIT 1`,
            )
            .get(queue, hashKey(options.dedupeKey), now - this.#dedupeWindowMs);
          if (dup) return false;
        }
        this.#db
          .prepare(
            `INSERT INTO jobs (id, queue, body, dedupe_key, state, attempt, available_at, created_at, updated_at)
             VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?)`,
          )
          .run(
            randomUUID(),
            queue,
            JSON.stringify(body),
            options.dedupeKey === undefined ? null : hashKey(options.dedupeKey),
            now + (options.delayMs ?? 0),
            now,
            now,
          );
        return true;
      })
      .immediate());
    if (sent) for (const listener of this.#listeners) listener(queue);
  }

  async receive<T>(queue: string, options: { max: number; leaseMs: number }): Promise<LeasedJob<T>[]> {
    const now = this.#now();
    const rows = await this.#run(() => this.#db
      .transaction((): JobRow[] => {
        // A lease that ran out means its worker died or hung: that delivery counts as a failed
        // attempt, and a job that keeps killing its worker is dead-lettered, not redelivered forever.
        this.#db
          .prepare(
            `UPDATE jobs SET state = 'dead', reason = 'lease expired on every attempt', updated_at = ?
             WHERE queue = ? AND state = 'leased' AND lease_until <= ? AND attempt >= ?`,
          )
          .run(now, queue, now, this.#maxAttempts);
        const ready = this.#db
          .prepare(
            `SELECT id, queue, body, attempt, state, reason, faults FROM jobs
             WHERE queue = ? AND ((state = 'pending' AND available_at <= ?) OR (state = 'leased' AND lease_until <= ?))
             ORDER BY available_at, created_at LIMIT ?`,
          )
          .all(queue, now, now, Math.max(1, options.max)) as JobRow[];
        const lease = this.#db.prepare(
          `UPDATE jobs SET state = 'leased', attempt = attempt + 1, lease_until = ?, updated_at = ? WHERE id = ?`,
        );
        for (const row of ready) lease.run(now + options.leaseMs, now, row.id);
        return ready.map((r) => ({ ...r, attempt: r.attempt + 1 }));
      })
      .immediate());
    return rows.map((r) => ({ id: r.id, queue: r.queue, body: JSON.parse(r.body) as T, attempt: r.attempt, faults: r.faults }));
  }

  async ack(job: Job): Promise<void> {
    // Only the current delivery may ack: a worker whose lease ran out must not finish a redelivered job.
    const body = JSON.stringify(job.body);
    await this.#run(() =>
      this.#db
        .prepare(
          `UPDATE jobs SET state = 'done', lease_until = NULL, body = ?, updated_at = ? WHERE id = ? AND state = 'leased' AND attempt = ?`,
        )
        .run(redactPans(body), this.#now(), job.id, job.attempt),
    );
    if (redactPans(body) !== body) this.#onMasked();
  }

  /** Returns whether the job was dead-lettered, and then the reason stored with it. */
  async retry(job: Job, options: RetryOptions): Promise<{ deadLettered: boolean; reason?: string }> {
    const now = this.#now();
    const body = JSON.stringify(job.body);
    const outcome = await this.#run(() =>
      this.#db
        .transaction((): { deadLettered: boolean; reason?: string } => {
          const row = this.#db.prepare('SELECT fault_since FROM jobs WHERE id = ?').get(job.id) as
            | { fault_since: number | null }
            | undefined;
          let reason = options.reason;
          let dead: boolean;
          let attempt = job.attempt;
          let since: number | null = null;
          if (options.transient) {
            since = row?.fault_since ?? now;
            const budget = options.transientBudgetMs ?? 15 * 60_000;
            dead = now - since >= budget;
            // A delivery lost to an outage is not the job's fault: it keeps its attempts.
            if (!dead) attempt = job.attempt - 1;
            else reason = `storage or database unavailable for ${Math.round((now - since) / 1000)} s: ${reason}`;
          } else {
            dead = job.attempt >= this.#maxAttempts;
          }
          // A dead letter is handled by the caller right away (it holds the body), so its stored copy is masked.
          this.#db
            .prepare(
              `UPDATE jobs SET state = ?, available_at = ?, lease_until = NULL, reason = ?, updated_at = ?, body = ?,
                 attempt = ?, faults = faults + ?, fault_since = ?
               WHERE id = ? AND state = 'leased' AND attempt = ?`,
            )
            .run(
              dead ? 'dead' : 'pending',
              now + options.delayMs,
              redactPans(reason),
              now,
              dead ? redactPans(body) : body,
              attempt,
              options.transient ? 1 : 0,
              since,
              job.id,
              job.attempt,
            );
          return dead ? { deadLettered: true, reason } : { deadLettered: false };
        })
        .immediate(),
    );
    if (outcome.deadLettered && redactPans(body) !== body) this.#onMasked();
    return outcome;
  }

  async deadLetters<T>(queue: string): Promise<Array<Job<T> & { reason: string }>> {
    const rows = await this.#run(
      () =>
        this.#db
          .prepare(`SELECT id, queue, body, attempt, state, reason FROM jobs WHERE queue = ? AND state = 'dead' ORDER BY updated_at`)
          .all(queue) as JobRow[],
    );
    return rows.map((r) => ({
      id: r.id,
      queue: r.queue,
      body: JSON.parse(r.body) as T,
      attempt: r.attempt,
      reason: r.reason ?? 'unknown',
    }));
  }

  /** Masks card-number-like runs in a job's stored body once nothing needs the original. */
  async redactBody(id: string): Promise<void> {
    const masked = await this.#run(() => {
      const row = this.#db.prepare('SELECT body FROM jobs WHERE id = ?').get(id) as { body: string } | undefined;
      if (!row || redactPans(row.body) === row.body) return false;
      this.#db.prepare('UPDATE jobs SET body = ? WHERE id = ?').run(redactPans(row.body), id);
      return true;
    });
    if (masked) this.#onMasked();
  }

  /**
   * Makes every leased job available again at once. Only for a runner starting up as the
   * sole user of the queue: leases left in the table belong to a process that died.
   */
  releaseLeases(): Promise<number> {
    return this.#run(
      () =>
        this.#db
          .prepare(`UPDATE jobs SET state = 'pending', available_at = ?, lease_until = NULL, updated_at = ? WHERE state = 'leased'`)
          .run(this.#now(), this.#now()).changes,
    );
  }

  /** Jobs waiting or running, over all queues (the local cap on queued work). */
  countActive(): Promise<number> {
    return this.#run(
      () => (this.#db.prepare(`SELECT COUNT(*) AS n FROM jobs WHERE state IN ('pending', 'leased')`).get() as { n: number }).n,
    );
  }

  /**
   * Deletes finished rows: done jobs once their dedupe window has passed, dead letters older
   * than `deadOlderThanMs` (their scans were failed when they died). Returns how many went.
   */
  purge(options: { deadOlderThanMs: number }): Promise<number> {
    const now = this.#now();
    return this.#run(
      () =>
        this.#db
          .prepare(`DELETE FROM jobs WHERE (state = 'done' AND updated_at <= ?) OR (state = 'dead' AND updated_at <= ?)`)
          .run(now - this.#dedupeWindowMs, now - options.deadOlderThanMs).changes,
    );
  }

  /** Counts by state (operations and tests: nothing lost, nothing stuck). */
  stats(queue?: string): Record<'pending' | 'leased' | 'done' | 'dead', number> {
    const rows = this.#db
      .prepare(`SELECT state, COUNT(*) AS n FROM jobs ${queue ? 'WHERE queue = ?' : ''} GROUP BY state`)
      .all(...(queue ? [queue] : [])) as Array<{ state: JobRow['state']; n: number }>;
    const out = { pending: 0, leased: 0, done: 0, dead: 0 };
    for (const r of rows) out[r.state] = r.n;
    return out;
  }
}

/**
 * The stored form of a dedupe key. Masked before hashing: a key made of an object key and its
 * etag kept as a plain hash would let anyone holding the database recover a card-number file
 * name's hidden digits from its masked body (about 10⁵ hash tries). Two different names that
 * mask alike dedupe together only with identical bytes (same etag) within the dedupe window.
 */
function hashKey(key: string): string {
  return createHash('sha256').update(redactPans(key)).digest('base64url');
}
