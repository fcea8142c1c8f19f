/**
 * Contract of the ResultStore port, run against every adapter (SQLite here, DynamoDB on
 * dynalite in the AWS suite).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../../functions/core/errors.js';
import type { ResultStore } from '../../functions/core/ports.js';
import { newScanRecord, type ScanRecord } from '../../functions/core/record.js';

export interface ResultStoreHarness {
  /** An empty store. */
  readonly store: ResultStore;
  readonly close?: () => Promise<void>;
}

let seq = 0;
/** A fresh record; ids are unique per call so cases do not interfere. */
function record(createdAt: string, extra: Partial<ScanRecord> = {}): ScanRecord {
  seq++;
  const base = newScanRecord({ id: `01TEST${String(seq).padStart(20, '0')}`, key: null, status: 'awaiting_upload', now: new Date(0), retentionDays: 0 });
  return { ...base, createdAt, updatedAt: createdAt, expiresAt: 2_000_000_000, ...extra };
}

/** Registers the ResultStore contract for one adapter. `makeStore` must return an empty store. */
export function describeResultStoreContract(name: string, makeStore: () => Promise<ResultStoreHarness>): void {
  describe(`ResultStore contract: ${name}`, () => {
    let harness: ResultStoreHarness;
    let store: ResultStore;
    beforeAll(async () => {
      harness = await makeStore();
      store = harness.store;
    });
    afterAll(async () => {
      await harness?.close?.();
    });

    it('creates and reads back a record unchanged, and refuses a second create', async () => {
      const r = record('2026-02-01T10:00:00.000Z', {
        key: 'uploads/x.jpg',
        status: 'done',
        outcome: 'ok',
        card: { pan: '411111••••••1111', last4: '1111', brand: 'visa', expiry: '12/29', name: 'JANE DOE' },
        confidence: { pan: 0.93, expiry: 0.8 },
        missing: { name: 'not_found' },
        error: null,
        attempts: 2,
        timingsMs: { preprocess: { decode: 20.5, total: 120.5 }, read: { total: 800 } },
      });
      await store.create(r);
      expect(await store.get(r.id)).toEqual(r);
      await expect(store.create({ ...r, status: 'failed' })).rejects.toBeInstanceOf(ConflictError);
      expect((await store.get(r.id))?.status).toBe('done');
      expect(await store.get('01TESTNOSUCHRECORD000000000')).toBeNull();
    });

    it('transitions only from the expected statuses', async () => {
      const r = record('2026-02-02T10:00:00.000Z');
      await store.create(r);
      const queued = await store.transition(r.id, ['awaiting_upload'], { status: 'queued', key: 'uploads/q.jpg' });
      expect(queued).toMatchObject({ id: r.id, status: 'queued', key: 'uploads/q.jpg', createdAt: r.createdAt });
      expect(await store.get(r.id)).toEqual(queued);
      // A late duplicate of the same step conflicts and changes nothing.
      await expect(store.transition(r.id, ['awaiting_upload'], { status: 'queued' })).rejects.toBeInstanceOf(ConflictError);
      const failed = await store.transition(r.id, ['queued', 'preprocessing'], {
        status: 'failed',
        error: { code: 'no_card', message: 'no card found' },
      });
      expect(failed.error).toEqual({ code: 'no_card', message: 'no card found' });
      expect(failed.key).toBe('uploads/q.jpg');
      await expect(store.transition(r.id, ['queued'], { status: 'preprocessing' })).rejects.toBeInstanceOf(ConflictError);
      expect((await store.get(r.id))?.status).toBe('failed');
      await expect(store.transition('01TESTNOSUCHRECORD000000000', ['queued'], { status: 'failed' })).rejects.toBeInstanceOf(
        NotFoundError,
      );
    });

    it('sets updatedAt on every transition unless the patch gives one', async () => {
      const r = record('2020-01-01T00:00:00.000Z');
      await store.create(r);
      const t = await store.transition(r.id, ['awaiting_upload'], { status: 'queued' });
      expect(Date.parse(t.updatedAt)).toBeGreaterThan(Date.parse(r.updatedAt));
      const u = await store.transition(r.id, ['queued'], { status: 'preprocessing', updatedAt: '2021-01-01T00:00:00.000Z' });
      expect(u.updatedAt).toBe('2021-01-01T00:00:00.000Z');
    });

    it('with ifAttempts lets exactly one of concurrent claims win', async () => {
      const r = record('2026-02-03T10:00:00.000Z', { status: 'queued', attempts: 0 });
      await store.create(r);
      const claims = await Promise.allSettled(
        Array.from({ length: 5 }, () =>
          store.transition(r.id, ['queued', 'preprocessing'], { status: 'preprocessing', attempts: 1 }, { ifAttempts: 0 }),
        ),
      );
      expect(claims.filter((c) => c.status === 'fulfilled')).toHaveLength(1);
      for (const c of claims) if (c.status === 'rejected') expect(c.reason).toBeInstanceOf(ConflictError);
      expect((await store.get(r.id))?.attempts).toBe(1);
      await expect(
        store.transition(r.id, ['preprocessing'], { status: 'reading', attempts: 5 }, { ifAttempts: 0 }),
      ).rejects.toBeInstanceOf(ConflictError);
      const ok = await store.transition(r.id, ['preprocessing'], { status: 'reading', attempts: 2 }, { ifAttempts: 1 });
      expect(ok.attempts).toBe(2);
    });

    it('lists newest first with a cursor, filtered by status and key', async () => {
      const made: ScanRecord[] = [];
      for (let i = 0; i < 5; i++) {
        const r = record(`2030-03-0${i + 1}T00:00:00.000Z`, {
          status: i % 2 ? 'done' : 'failed',
          key: i < 2 ? 'uploads/shared-key.jpg' : `uploads/k${i}.jpg`,
        });
        made.push(r);
        await store.create(r);
      }
      const ids = made.map((r) => r.id).reverse();
      const p1 = await store.list({ limit: 2 });
      expect(p1.items.map((r) => r.id)).toEqual(ids.slice(0, 2));
      expect(p1.cursor).toBeTypeOf('string');
      const p2 = await store.list({ limit: 2, cursor: p1.cursor! });
      expect(p2.items.map((r) => r.id)).toEqual(ids.slice(2, 4));
      const p3 = await store.list({ limit: 2, cursor: p2.cursor! });
      expect(p3.items[0]?.id).toBe(ids[4]);

      const done = await store.list({ limit: 100, status: 'done' });
      const doneIds = done.items.map((r) => r.id);
      expect(doneIds).toEqual(expect.arrayContaining([made[1]!.id, made[3]!.id]));
      expect(done.items.every((r) => r.status === 'done')).toBe(true);

      const byKey = await store.list({ limit: 10, key: 'uploads/shared-key.jpg' });
      expect(byKey.items.map((r) => r.id)).toEqual([made[1]!.id, made[0]!.id]);
      const byKeyAndStatus = await store.list({ limit: 10, key: 'uploads/shared-key.jpg', status: 'failed' });
      expect(byKeyAndStatus.items.map((r) => r.id)).toEqual([made[0]!.id]);
      expect((await store.list({ limit: 10, key: 'uploads/none.jpg' })).items).toEqual([]);
    });

    it('delete reports whether a record went away', async () => {
      const r = record('2026-02-04T10:00:00.000Z');
      await store.create(r);
      expect(await store.delete(r.id)).toBe(true);
      expect(await store.get(r.id)).toBeNull();
      expect(await store.delete(r.id)).toBe(false);
    });
  });
}
