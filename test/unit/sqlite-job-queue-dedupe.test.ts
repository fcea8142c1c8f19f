/**
 * The local queue's stored dedupe keys never let a card-number file name be rebuilt: the key is
 * masked before it is hashed, and dedupe still works on the object version it names.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openSqlite } from '../../functions/adapters/local/sqlite.js';
import { SqliteJobQueue } from '../../functions/adapters/local/sqlite-job-queue.js';

describe('SqliteJobQueue dedupe keys', () => {
  it('stores no hash of the unmasked key, and still drops a second send of the same version', async () => {
    const db = openSqlite(':memory:');
    const queue = new SqliteJobQueue(db, { maxAttempts: 3 });
    const dedupeKey = 'uploads/4539148803436467.jpg#etag-1';
    await queue.send('preprocess', { key: 'k' }, { dedupeKey });
    await queue.send('preprocess', { key: 'k' }, { dedupeKey });
    const stored = (db.prepare('SELECT dedupe_key FROM jobs').all() as Array<{ dedupe_key: string }>).map((r) => r.dedupe_key);
    expect(stored).toHaveLength(1);
    expect(stored[0]).not.toBe(createHash('sha256').update(dedupeKey).digest('base64url'));
    db.close();
  });
});
