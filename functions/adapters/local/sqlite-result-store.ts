/**
 * ResultStore on SQLite (better-sqlite3). The record is kept as JSON with the columns that
 * queries need (owner, status, key, createdAt) alongside; conditional transitions run inside
 * an IMMEDIATE transaction so concurrent processes serialise on the write lock. Every string
 * is masked before it is written (a photo named after a card number keeps only its masked
 * name), and a key lookup is masked the same way.
 */
import { ConflictError, NotFoundError, ValidationError } from '../../core/errors.js';
import { redactPans } from '../../core/mask.js';
import type { ListScansQuery, ResultStore, ScanPatch, TransitionOptions } from '../../core/ports.js';
import { redactedForStore, type ScanRecord, type ScanStatus } from '../../core/record.js';
import type { SqliteDatabase } from './sqlite.js';

interface Row {
  id: string;
  doc: string;
  created_at: string;
}

/** A stored document as a record: `owner` always present (null on rows from before owners). */
function parseDoc(doc: string): ScanRecord {
  const record = JSON.parse(doc) as ScanRecord;
  return { ...record, owner: record.owner ?? null };
}

function encodeCursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2 && parsed.every((p) => typeof p === 'string')) {
      return [parsed[0] as string, parsed[1] as string];
    }
  } catch {
    // fall through
  }
  throw new ValidationError('invalid cursor');
}

/** {@link ResultStore} over a `scans` table in the given database. */
export class SqliteResultStore implements ResultStore {
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
    db.exec(`
      CREATE TABLE IF NOT EXISTS scans (
        id TEXT PRIMARY KEY,
        key TEXT,
        status TEXT NOT NULL,
        created_at TEXT NOT NULL,
        doc TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS scans_by_created ON scans (created_at DESC, id DESC);
      CREATE INDEX IF NOT EXISTS scans_by_status ON scans (status, created_at DESC, id DESC);
      CREATE INDEX IF NOT EXISTS scans_by_key ON scans (key, created_at DESC, id DESC);
    `);
    // Databases made before scans had owners: add the column (old rows: no owner, admins only).
    const columns = db.prepare('PRAGMA table_info(scans)').all() as Array<{ name: string }>;
    if (!columns.some((c) => c.name === 'owner')) db.exec('ALTER TABLE scans ADD COLUMN owner TEXT');
    db.exec('CREATE INDEX IF NOT EXISTS scans_by_owner ON scans (owner, created_at DESC, id DESC)');
  }

  async create(record: ScanRecord): Promise<void> {
    const doc = redactedForStore(record);
    const info = this.#db
      .prepare('INSERT OR IGNORE INTO scans (id, owner, key, status, created_at, doc) VALUES (?, ?, ?, ?, ?, ?)')
      .run(doc.id, doc.owner, doc.key, doc.status, doc.createdAt, JSON.stringify(doc));
    if (info.changes === 0) throw new ConflictError(`scan ${record.id} exists already`);
  }

  async get(id: string): Promise<ScanRecord | null> {
    const row = this.#db.prepare('SELECT doc FROM scans WHERE id = ?').get(id) as Pick<Row, 'doc'> | undefined;
    return row ? parseDoc(row.doc) : null;
  }

  async list(query: ListScansQuery): Promise<{ items: ScanRecord[]; cursor?: string }> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.status) {
      where.push('status = ?');
      params.push(query.status);
    }
    if (query.key !== undefined) {
      where.push('key = ?');
      params.push(redactPans(query.key));
    }
    if (query.owner !== undefined) {
      where.push('owner = ?');
      params.push(query.owner);
    }
    if (query.cursor) {
      const [createdAt, id] = decodeCursor(query.cursor);
      where.push('(created_at < ? OR (created_at = ? AND id < ?))');
      params.push(createdAt, createdAt, id);
    }
    const limit = Math.max(1, Math.min(query.limit, 100));
    const sql =
      `SELECT id, doc, created_at FROM scans ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ` +
      'ORDER BY created_at DESC, id DESC LIMIT ?';
    const rows = this.#db.prepare(sql).all(...params, limit + 1) as Row[];
    const page = rows.slice(0, limit);
    const items = page.map((r) => parseDoc(r.doc));
    const last = page.at(-1);
    return rows.length > limit && last ? { items, cursor: encodeCursor(last.created_at, last.id) } : { items };
  }

  async delete(id: string): Promise<boolean> {
    return this.#db.prepare('DELETE FROM scans WHERE id = ?').run(id).changes > 0;
  }

  async transition(
    id: string,
    from: readonly ScanStatus[],
    patch: ScanPatch,
    options: TransitionOptions = {},
  ): Promise<ScanRecord> {
    const run = this.#db.transaction((): ScanRecord => {
      const row = this.#db.prepare('SELECT doc FROM scans WHERE id = ?').get(id) as Pick<Row, 'doc'> | undefined;
      if (!row) throw new NotFoundError(`no scan with id ${id}`);
      const current = parseDoc(row.doc);
      if (!from.includes(current.status)) {
        throw new ConflictError(`scan ${id} is ${current.status}, expected ${from.join(' or ')}`);
      }
      if (options.ifAttempts !== undefined && current.attempts !== options.ifAttempts) {
        throw new ConflictError(`scan ${id} was claimed concurrently (attempts ${current.attempts})`);
      }
      // The identities are the stored ones, whatever the patch says.
      const next = redactedForStore({ ...current, ...patch, createdAt: current.createdAt, updatedAt: patch.updatedAt ?? new Date().toISOString(), id: current.id, owner: current.owner });
      this.#db
        .prepare('UPDATE scans SET key = ?, status = ?, doc = ? WHERE id = ?')
        .run(next.key, next.status, JSON.stringify(next), id);
      return next;
    });
    return run.immediate();
  }
}
