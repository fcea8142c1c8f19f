/**
 * The local runner's schedules (issue 10 item 2): transient faults back off exponentially
 * with jitter up to a cap, spread over minutes, and do not use up a job's attempts until the
 * fault budget is spent — then the job is dead-lettered with a reason that names the fault;
 * finished queue rows and expired records are purged on a schedule, and orphaned images
 * and temp files swept. Real SQLite and folder bucket.
 */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nodeFs from 'node:fs/promises';
import { FsObjectStore, type FsOps } from '../../functions/adapters/local/fs-object-store.js';
import { openSqlite } from '../../functions/adapters/local/sqlite.js';
import { SqliteJobQueue } from '../../functions/adapters/local/sqlite-job-queue.js';
import { DEFAULT_IMAGE_LIMITS } from '../../functions/reader/decode.js';
import { newScanId, processedKeyFor } from '../../functions/core/ids.js';
import { silentLog } from '../../functions/core/log.js';
import { newScanRecord } from '../../functions/core/record.js';
import type { NormalisedReader } from '../../functions/core/stages.js';
import { backoffDelay, transientFault } from '../../functions/local/faults.js';
import { createLocalRuntime, type LocalRuntime } from '../../functions/local/composition.js';
import { waitFor } from './support/local-helpers.js';

describe('retry schedule and purges', () => {
  let dir: string;
  let rt: LocalRuntime | undefined;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cardocr-sched-'));
  });
  afterAll(async () => {
    await rt?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('backs off exponentially with jitter, capped, over minutes', () => {
    const lo = Array.from({ length: 12 }, (_, i) => backoffDelay(i + 1, 1000, 60_000, () => 0));
    const hi = Array.from({ length: 12 }, (_, i) => backoffDelay(i + 1, 1000, 60_000, () => 1));
    expect(hi.slice(0, 7)).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000]);
    expect(lo.slice(0, 3)).toEqual([500, 1000, 2000]); // never less than half the step
    expect(Math.max(...hi)).toBe(60_000);
    const total = lo.reduce((a, b) => a + b, 0);
    console.log(`schedule: 12 retries wait ${(total / 60_000).toFixed(1)}–${(hi.reduce((a, b) => a + b, 0) / 60_000).toFixed(1)} min at the defaults`);
    expect(total).toBeGreaterThan(3 * 60_000);
  });

  it('classifies storage and database faults as transient, bad input as not', () => {
    const errno = (code: string) => Object.assign(new Error(code), { code });
    for (const code of ['EROFS', 'ENOSPC', 'EBUSY', 'SQLITE_BUSY', 'SQLITE_IOERR_WRITE', 'SQLITE_FULL']) {
      expect(transientFault(new Error('wrapped', { cause: errno(code) }))?.code, code).toBe(code);
    }
    for (const code of ['ENOENT', 'SQLITE_CONSTRAINT_PRIMARYKEY', 'ERR_INVALID_ARG_TYPE']) expect(transientFault(errno(code)), code).toBeNull();
    expect(transientFault(new TypeError('x'))).toBeNull();
  });

  it('a filesystem call that hangs (a dead network mount) times out as a transient fault', async () => {
    const root = join(dir, 'hung');
    const ok = new FsObjectStore({ root, uploadUrl: '/u', secret: 's' });
    await ok.put('uploads/a.jpg', new Uint8Array([1, 2, 3]));
    const hung = new FsObjectStore({
      root,
      uploadUrl: '/u',
      secret: 's',
      opTimeoutMs: 200,
      fs: { ...nodeFs, readFile: () => new Promise<never>(() => {}) } as FsOps,
    });
    const err = await hung.get('uploads/a.jpg').then(() => null, (e: unknown) => e);
    expect((err as { code?: string }).code).toBe('ETIMEDOUT');
    expect(transientFault(err)?.code).toBe('ETIMEDOUT');
    expect(await ok.get('uploads/a.jpg')).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('a transient fault keeps the attempts until its budget is spent, then dead-letters naming the fault', async () => {
    const db = openSqlite(join(dir, 'q.sqlite'));
    let now = 1_000_000;
    const q = new SqliteJobQueue(db, { maxAttempts: 2, now: () => now });
    await q.send('p', { key: 'uploads/x.jpg' });
    let dead = false;
    let deliveries = 0;
    while (!dead && deliveries < 50) {
      const [job] = await q.receive<{ key: string }>('p', { max: 1, leaseMs: 1000 });
      expect(job, `delivery ${deliveries}`).toBeDefined();
      deliveries++;
      // Always attempt 1: an outage does not use up the job's 2 attempts.
      expect(job!.attempt).toBe(1);
      const r = await q.retry(job!, { delayMs: 0, reason: 'storage fault EROFS: put failed', transient: true, transientBudgetMs: 10 * 60_000 });
      dead = r.deadLettered;
      if (dead) expect(r.reason).toMatch(/storage or database unavailable for 6\d\d s: storage fault EROFS/);
      now += 60_000;
    }
    expect(deliveries).toBe(11);
    expect((await q.deadLetters('p'))[0]?.reason).toContain('EROFS');
    db.close();
  });

  it('purges done/dead queue rows and expired records, sweeps orphaned images and temp files', { timeout: 30_000 }, async () => {
    const neverRead: NormalisedReader = { readNormalised: () => Promise.reject(new Error('not used')) };
    const dataDir = join(dir, 'data');
    rt = await createLocalRuntime({
      dataDir,
      concurrency: 1,
      maxAttempts: 3,
      retentionDays: 1,
      leaseMs: 2000,
      limits: DEFAULT_IMAGE_LIMITS,
      uploadUrl: '/local-upload',
      log: silentLog,
      reader: neverRead,
      preprocess: () => Promise.reject(new Error('not used')),
      purgeIntervalMs: 300,
      orphanMaxAgeMs: 60_000,
    });
    const old = Date.now() - 3 * 86_400_000;
    const longAgo = new Date(old);
    // Records: one expired and done, one current.
    const mk = (status: 'done', expired: boolean) => {
      const r = newScanRecord({ id: newScanId(), key: null, status, now: expired ? longAgo : new Date(), retentionDays: 1 });
      return r;
    };
    const expiredDone = mk('done', true);
    const current = mk('done', false);
    for (const r of [expiredDone, current]) await rt.results.create(r);
    // Queue rows: old done and dead (past the dedupe window and the retention), a fresh done one, a pending one.
    const insert = rt.db.prepare(
      `INSERT INTO jobs (id, queue, body, state, attempt, available_at, created_at, updated_at) VALUES (?, 'read', '{}', ?, 1, ?, ?, ?)`,
    );
    insert.run('old-done', 'done', old, old, old);
    insert.run('old-dead', 'dead', old, old, old);
    insert.run('new-done', 'done', Date.now(), Date.now(), Date.now());
    // Orphans: the image of a finished scan whose delete failed, and a put that died mid-write.
    const bucket = join(dataDir, 'bucket');
    mkdirSync(join(bucket, 'processed'), { recursive: true });
    mkdirSync(join(bucket, '.tmp'), { recursive: true });
    const orphan = join(bucket, ...processedKeyFor(current.id).split('/'));
    writeFileSync(orphan, 'png');
    writeFileSync(join(bucket, '.tmp', 'dead.part'), 'half');
    const twoHours = new Date(Date.now() - 2 * 3_600_000);
    utimesSync(orphan, twoHours, twoHours);
    utimesSync(join(bucket, '.tmp', 'dead.part'), twoHours, twoHours);
    const running = rt;
    await running.start();

    await waitFor('expired records and old rows to be purged', async () => {
      const ids = (await running.results.list({ limit: 100 })).items.map((r) => r.id);
      const rows = (running.db.prepare('SELECT id FROM jobs ORDER BY id').all() as Array<{ id: string }>).map((r) => r.id);
      return !ids.includes(expiredDone.id) && !rows.includes('old-done') && !rows.includes('old-dead') ? { ids, rows } : null;
    }, 10_000).then(({ ids, rows }) => {
      expect(ids).toContain(current.id);
      expect(rows).toContain('new-done'); // still in its dedupe window
    });
    await waitFor('orphans to be swept', async () => !existsSync(orphan) && !existsSync(join(bucket, '.tmp', 'dead.part')), 15_000);
  });
});
