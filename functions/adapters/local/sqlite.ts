/**
 * Opens the one SQLite file of the local runner (results and job queue share it). WAL lets
 * the API read while workers write; the busy timeout lets a second process (a restarted
 * worker, the CLI) wait for a write lock instead of failing.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

export type SqliteDatabase = Database.Database;

/** Opens (creating when missing) a SQLite database file tuned for the local pipeline. */
export function openSqlite(file: string): SqliteDatabase {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // NORMAL is durable across process crashes under WAL (only an OS crash may lose the last commits).
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  // Overwritten and deleted content is zeroed, so a masked-over value does not linger in free pages.
  db.pragma('secure_delete = ON');
  return db;
}
