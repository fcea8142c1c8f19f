/**
 * Durable work queue on SQLite: the local stand-in for SQS. At-least-once: a received job is
 * leased for `leaseMs`; it is redelivered when the lease runs out (its worker died) unless
 * acked first. Retries back off by `delayMs`; once a job has used up `maxAttempts` it is
 * dead-lettered with its reason. A dedupe key drops a second send while the first is
 * pending, leased, or finished within the dedupe window (like SQS FIFO deduplication).
 * Card data: dedupe keys are stored hashed, and a finished job's body is kept with any
 * card-number-like run masked (an object key may be a file name a user chose).
 */
import { createHash, randomUUID } from 'node:crypto';
import { redactPans } from '../../core/mask.js';
import type { Job, JobQueue } from '../../core/ports.js';
import type { SqliteDatabase } from './sqlite.js';

export interface SqliteJobQueueOptions {
  /** Deliveries a job gets before it is dead-lettered. */
  readonly maxAttempts: number;
  /** How long a finished job's dedupe key keeps dropping duplicates, ms (default 10 min). */
  readonly dedupeWindowMs?: number;
  /** Injectable clock for tests. */
  readonly now?: () => number;
}

interface JobRow {
  id: string;
  queue: string;
  body: string;
  attempt: number;
  state: 'pending' | 'leased' | 'done' | 'dead';
  reason: string | null;
}

/** {@link JobQueue} over a `jobs` table in the given database. */
export class SqliteJobQueue implements JobQueue {
  readonly #db: SqliteDatabase;
  readonly #maxAttempts: number;
  readonly #dedupeWindowMs: number;
  readonly #now: () => number;
  readonly #listeners = new Set<(queue: string) => void>();

  constructor(db: SqliteDatabase, options: SqliteJobQueueOptions) {
    this.#db = db;
    this.#maxAttempts = options.maxAttempts;
    this.#dedupeWindowMs = options.dedupeWindowMs ?? 10 * 60_000;
    this.#now = options.now ?? Date.now;
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
  }

  /** Subscribes to sends in this process (lets idle workers wake at once instead of polling). */
  onSend(listener: (queue: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async send<T>(queue: string, body: T, options: { delayMs?: number; dedupeKey?: string } = {}): Promise<void> {
    const now = this.#now();
    const sent = this.#db
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
      .immediate();
    if (sent) for (const listener of this.#listeners) listener(queue);
  }

  async receive<T>(queue: string, options: { max: number; leaseMs: number }): Promise<Job<T>[]> {
    const now = this.#now();
    const rows = this.#db
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
            `SELECT id, queue, body, attempt, state, reason FROM jobs
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
      .immediate();
    return rows.map((r) => ({ id: r.id, queue: r.queue, body: JSON.parse(r.body) as T, attempt: r.attempt }));
  }

  async ack(job: Job): Promise<void> {
    // Only the current delivery may ack: a worker whose lease ran out must not finish a redelivered job.
    this.#db
      .prepare(
        `UPDATE jobs SET state = 'done', lease_until = NULL, body = ?, updated_at = ? WHERE id = ? AND state = 'leased' AND attempt = ?`,
      )
      .run(redactPans(JSON.stringify(job.body)), this.#now(), job.id, job.attempt);
  }

  async retry(job: Job, options: { delayMs: number; reason: string }): Promise<{ deadLettered: boolean }> {
    const now = this.#now();
    const dead = job.attempt >= this.#maxAttempts;
    // A dead letter is handled by the caller right away (it holds the body), so its stored copy is masked.
    this.#db
      .prepare(
        `UPDATE jobs SET state = ?, available_at = ?, lease_until = NULL, reason = ?, updated_at = ?, body = ?
         WHERE id = ? AND state = 'leased' AND attempt = ?`,
      )
      .run(
        dead ? 'dead' : 'pending',
        now + options.delayMs,
        redactPans(options.reason),
        now,
        dead ? redactPans(JSON.stringify(job.body)) : JSON.stringify(job.body),
        job.id,
        job.attempt,
      );
    return { deadLettered: dead };
  }

  async deadLetters<T>(queue: string): Promise<Array<Job<T> & { reason: string }>> {
    const rows = this.#db
      .prepare(`SELECT id, queue, body, attempt, state, reason FROM jobs WHERE queue = ? AND state = 'dead' ORDER BY updated_at`)
      .all(queue) as JobRow[];
    return rows.map((r) => ({
      id: r.id,
      queue: r.queue,
      body: JSON.parse(r.body) as T,
      attempt: r.attempt,
      reason: r.reason ?? 'unknown',
    }));
  }

  /** Masks card-number-like runs in a job's stored body once nothing needs the original. */
  redactBody(id: string): void {
    const row = this.#db.prepare('SELECT body FROM jobs WHERE id = ?').get(id) as { body: string } | undefined;
    if (row) this.#db.prepare('UPDATE jobs SET body = ? WHERE id = ?').run(redactPans(row.body), id);
  }

  /**
   * Makes every leased job available again at once. Only for a runner starting up as the
   * sole user of the queue: leases left in the table belong to a process that died.
   */
  releaseLeases(): number {
    return this.#db
      .prepare(`UPDATE jobs SET state = 'pending', available_at = ?, lease_until = NULL, updated_at = ? WHERE state = 'leased'`)
      .run(this.#now(), this.#now()).changes;
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

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('base64url');
}
