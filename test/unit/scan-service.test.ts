import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../functions/adapters/local/fs-object-store.js';
import { SqliteResultStore } from '../../functions/adapters/local/sqlite-result-store.js';
import { openSqlite } from '../../functions/adapters/local/sqlite.js';
import { ConflictError, NotFoundError } from '../../functions/core/errors.js';
import { isScanId } from '../../functions/core/ids.js';
import { createScanService } from '../../functions/core/scan-service.js';
import { MemoryObjectStore, MemoryResultStore, makeRecord } from '../support/memory-fakes.js';

const NOW = new Date('2026-03-04T05:06:07.000Z');

function setup() {
  const objects = new MemoryObjectStore();
  const results = new MemoryResultStore();
  const scans = createScanService({
    objects,
    results,
    uploads: { maxBytes: 1_000_000, expiresInSeconds: 120 },
    retentionDays: 7,
    now: () => NOW,
  });
  return { objects, results, scans };
}

const bytes = new Uint8Array([1, 2, 3]);
/** The operator (an admin) and two users. */
const ADMIN = { principal: 'local', admin: true } as const;
const ALICE = { principal: 'alice', admin: false } as const;
const BOB = { principal: 'bob', admin: false } as const;

describe('createScan', () => {
  it('creates an awaiting_upload record and a type- and size-limited upload for a server-chosen key', async () => {
    const { objects, results, scans } = setup();
    const { record, upload } = await scans.createScan({ contentType: 'image/png', filename: '../../etc/passwd' }, ADMIN);
    expect(isScanId(record.id)).toBe(true);
    expect(record.key).toBe(`uploads/${record.id}.png`);
    expect(record.status).toBe('awaiting_upload');
    expect(record.card).toBeNull();
    expect(record.createdAt).toBe(NOW.toISOString());
    expect(record.expiresAt).toBe(Math.floor(NOW.getTime() / 1000) + 7 * 86_400);
    expect(await results.get(record.id)).toEqual(record);
    expect(objects.uploads).toEqual([
      { key: `uploads/${record.id}.png`, options: { contentTypes: ['image/png'], maxBytes: 1_000_000, expiresInSeconds: 120 } },
    ]);
    expect(upload.maxBytes).toBe(1_000_000);
  });

  it('defaults to JPEG and gives every scan its own id', async () => {
    const { scans } = setup();
    const a = await scans.createScan({}, ADMIN);
    const b = await scans.createScan({}, ADMIN);
    expect(a.record.key).toBe(`uploads/${a.record.id}.jpg`);
    expect(a.record.id).not.toBe(b.record.id);
  });

  it('leaves no record behind when the upload cannot be signed', async () => {
    const { objects, results, scans } = setup();
    objects.failCreateUpload = true;
    await expect(scans.createScan({}, ADMIN)).rejects.toThrow(/signing failed/);
    expect(results.records.size).toBe(0);
  });
});

describe('getScan / listScans', () => {
  it('throws NotFoundError for an unknown id', async () => {
    const { scans } = setup();
    await expect(scans.getScan('01JDQ4Z7W2M3N4P5Q6R7S8T9V0', ADMIN)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('lists newest first with the store cursor', async () => {
    const { results, scans } = setup();
    for (let i = 0; i < 3; i++) {
      await results.create(makeRecord(`ID${i}`, 'done', { createdAt: `2026-01-0${i + 1}T00:00:00.000Z` }));
    }
    const first = await scans.listScans({ limit: 2 }, ADMIN);
    expect(first.items.map((r) => r.id)).toEqual(['ID2', 'ID1']);
    const second = await scans.listScans({ limit: 2, cursor: first.cursor! }, ADMIN);
    expect(second.items.map((r) => r.id)).toEqual(['ID0']);
    expect(second.cursor).toBeUndefined();
  });
});

describe('deleteScan', () => {
  it('removes the record, its upload and its processed image, and nothing of other scans', async () => {
    const { objects, results, scans } = setup();
    const id = '01JDQ4Z7W2M3N4P5Q6R7S8T9V0';
    const other = '01JDQ4Z7W2M3N4P5Q6R7S8T9V1';
    await results.create(makeRecord(id, 'failed', { key: `uploads/${id}.webp` }));
    await objects.put(`uploads/${id}.webp`, bytes);
    await objects.put(`processed/${id}.png`, bytes);
    await objects.put(`uploads/${other}.jpg`, bytes);
    await objects.put(`processed/${other}.png`, bytes);
    await scans.deleteScan(id, ADMIN);
    expect(await results.get(id)).toBeNull();
    expect([...objects.objects.keys()].sort()).toEqual([`processed/${other}.png`, `uploads/${other}.jpg`]);
  });

  it('removes a photo dropped into the bucket under its own name', async () => {
    const { objects, results, scans } = setup();
    await results.create(makeRecord('DROPPED', 'done', { key: 'uploads/holiday card.jpg' }));
    await objects.put('uploads/holiday card.jpg', bytes);
    await scans.deleteScan('DROPPED', ADMIN);
    expect(objects.objects.size).toBe(0);
  });

  it('throws NotFoundError for an unknown id', async () => {
    const { scans } = setup();
    await expect(scans.deleteScan('nope', ADMIN)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('refuses with ConflictError while the pipeline works on the scan, and deletes nothing', async () => {
    const { objects, results, scans } = setup();
    for (const status of ['queued', 'preprocessing', 'reading'] as const) {
      await results.create(makeRecord(status, status, { key: `uploads/${status}.jpg` }));
      await objects.put(`uploads/${status}.jpg`, bytes);
      await expect(scans.deleteScan(status, ADMIN)).rejects.toBeInstanceOf(ConflictError);
      expect(await results.get(status)).not.toBeNull();
      expect(await objects.head(`uploads/${status}.jpg`)).not.toBeNull();
    }
  });
});

describe('tenancy: each caller sees only its own scans, an admin sees all', () => {
  it('records the creating caller as the owner', async () => {
    const { results, scans } = setup();
    const { record } = await scans.createScan({}, ALICE);
    expect(record.owner).toBe('alice');
    expect((await results.get(record.id))?.owner).toBe('alice');
  });

  it("another user's scan is not found (never 'forbidden'), for get and delete alike; the owner and an admin see it", async () => {
    const { objects, results, scans } = setup();
    const { record } = await scans.createScan({}, ALICE);
    await results.transition(record.id, ['awaiting_upload'], { status: 'failed', error: { code: 'timeout', message: 'x' } });
    await objects.put(record.key!, bytes);
    const unknown = await scans.getScan('01JDQ4Z7W2M3N4P5Q6R7S8T9V9', BOB).catch((e: unknown) => e);
    const foreign = await scans.getScan(record.id, BOB).catch((e: unknown) => e);
    expect(foreign).toBeInstanceOf(NotFoundError);
    // Same class and the same wording as an id that does not exist (only the id differs).
    expect((foreign as Error).message.replace(record.id, 'ID')).toBe((unknown as Error).message.replace('01JDQ4Z7W2M3N4P5Q6R7S8T9V9', 'ID'));
    await expect(scans.deleteScan(record.id, BOB)).rejects.toBeInstanceOf(NotFoundError);
    expect(await results.get(record.id)).not.toBeNull();
    expect(await objects.head(record.key!)).not.toBeNull();
    expect((await scans.getScan(record.id, ALICE)).id).toBe(record.id);
    expect((await scans.getScan(record.id, ADMIN)).id).toBe(record.id);
    await scans.deleteScan(record.id, ADMIN);
    expect(await results.get(record.id)).toBeNull();
  });

  it('lists only the caller\'s scans; an admin lists everyone\'s, photos dropped into the bucket included', async () => {
    const { results, scans } = setup();
    const a = await scans.createScan({}, ALICE);
    const b = await scans.createScan({}, BOB);
    await results.create(makeRecord('DROPPED', 'done', { key: 'uploads/dropped.jpg' }));
    expect((await scans.listScans({ limit: 10 }, ALICE)).items.map((r) => r.id)).toEqual([a.record.id]);
    expect((await scans.listScans({ limit: 10 }, BOB)).items.map((r) => r.id)).toEqual([b.record.id]);
    // A bucket drop has no owner: no user sees it, whatever filter they pass.
    expect((await scans.listScans({ limit: 10, key: 'uploads/dropped.jpg' }, ALICE)).items).toEqual([]);
    await expect(scans.getScan('DROPPED', ALICE)).rejects.toBeInstanceOf(NotFoundError);
    // An owner smuggled into the query is ignored: the caller decides.
    expect((await scans.listScans({ limit: 10, ...({ owner: 'bob' } as object) }, ALICE)).items.map((r) => r.id)).toEqual([a.record.id]);
    expect((await scans.listScans({ limit: 10 }, ADMIN)).items.map((r) => r.id).sort()).toEqual(
      [a.record.id, b.record.id, 'DROPPED'].sort(),
    );
  });
});

describe('over the local adapters (filesystem bucket, SQLite)', () => {
  it('creates a scan with a verifiable upload target and deletes it with its images', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scan-service-'));
    const db = openSqlite(join(dir, 'results.sqlite'));
    try {
      const objects = new FsObjectStore({ root: join(dir, 'bucket'), uploadUrl: '/local-upload', secret: 'test-secret-0123456789' });
      const results = new SqliteResultStore(db);
      const scans = createScanService({ objects, results, uploads: { maxBytes: 5000, expiresInSeconds: 60 }, retentionDays: 1 });
      const { record, upload } = await scans.createScan({ contentType: 'image/jpeg' }, ADMIN);
      expect(upload.fields).toMatchObject({ key: record.key, 'Content-Type': 'image/jpeg' });
      expect((await scans.getScan(record.id, ADMIN)).status).toBe('awaiting_upload');
      expect((await scans.listScans({ limit: 10 }, ADMIN)).items.map((r) => r.id)).toEqual([record.id]);

      await objects.put(record.key!, bytes);
      await objects.put(`processed/${record.id}.png`, bytes);
      await objects.put('uploads/unrelated.jpg', bytes);
      await scans.deleteScan(record.id, ADMIN);
      expect(await results.get(record.id)).toBeNull();
      expect(await objects.head(record.key!)).toBeNull();
      expect(await objects.head(`processed/${record.id}.png`)).toBeNull();
      expect(await objects.head('uploads/unrelated.jpg')).not.toBeNull();
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
