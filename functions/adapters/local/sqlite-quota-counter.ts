/**
 * QuotaCounter on SQLite: one row per user and window in the local database file, raised in
 * one IMMEDIATE transaction, so the quota holds across restarts and between processes
 * sharing the data dir. Expired rows are purged as counters are written.
 */
import type { QuotaCounter } from '../../core/ports.js';
import type { SqliteDatabase } from './sqlite.js';

/** {@link QuotaCounter} over a `quota_counters` table in the given database. */
export class SqliteQuotaCounter implements QuotaCounter {
  readonly #db: SqliteDatabase;
  readonly #now: () => number;

  /** `now` (ms) decides which rows have expired; injectable for tests. */
  constructor(db: SqliteDatabase, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
    db.exec(`
      CREATE TABLE IF NOT EXISTS quota_counters (
        key TEXT PRIMARY KEY,
        count INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS quota_counters_by_expiry ON quota_counters (expires_at);
    `);
  }

  async tryIncrement(key: string, limit: number, expiresAt: number): Promise<{ counted: boolean; count: number }> {
    const run = this.#db.transaction((): { counted: boolean; count: number } => {
      this.#db.prepare('DELETE FROM quota_counters WHERE expires_at <= ?').run(Math.floor(this.#now() / 1000));
      const row = this.#db.prepare('SELECT count FROM quota_counters WHERE key = ?').get(key) as { count: number } | undefined;
      const count = row?.count ?? 0;
      if (count >= limit) return { counted: false, count };
      this.#db
        .prepare(
          'INSERT INTO quota_counters (key, count, expires_at) VALUES (?, 1, ?) ' +
            'ON CONFLICT(key) DO UPDATE SET count = count + 1',
        )
        .run(key, expiresAt);
      return { counted: true, count: count + 1 };
    });
    return run.immediate();
  }
}
