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

    it('keeps the owner (null for bucket drops), never changes it in a transition, and lists by owner', async () => {
      const tag = seq;
      const alice = `alice-${tag}`;
      const bob = `bob-${tag}`;
      const made: ScanRecord[] = [];
      const owners = [alice, bob, alice, null, alice];
      for (let i = 0; i < owners.length; i++) {
        const r = record(`2031-04-0${i + 1}T00:00:00.000Z`, {
          owner: owners[i]!,
          status: i === 4 ? 'done' : 'awaiting_upload',
          key: i < 2 ? `uploads/owned-shared-${tag}.jpg` : `uploads/owned-${tag}-${i}.jpg`,
        });
        made.push(r);
        await store.create(r);
      }
      expect((await store.get(made[0]!.id))?.owner).toBe(alice);
      expect((await store.get(made[3]!.id))?.owner).toBeNull();
      // A transition keeps the owner even when a (buggy) patch names another one.
      const moved = await store.transition(made[0]!.id, ['awaiting_upload'], { status: 'queued', ...({ owner: bob } as object) });
      expect(moved.owner).toBe(alice);
      expect((await store.get(made[0]!.id))?.owner).toBe(alice);

      const ofAlice = await store.list({ limit: 100, owner: alice });
      expect(ofAlice.items.map((r) => r.id)).toEqual([made[4]!.id, made[2]!.id, made[0]!.id]);
      // Paged: the owner filter holds across pages.
      const p1 = await store.list({ limit: 2, owner: alice });
      const p2 = await store.list({ limit: 2, owner: alice, cursor: p1.cursor! });
      expect([...p1.items, ...p2.items].map((r) => r.id)).toEqual(ofAlice.items.map((r) => r.id));
      expect(p2.cursor).toBeUndefined();
      expect((await store.list({ limit: 100, owner: bob })).items.map((r) => r.id)).toEqual([made[1]!.id]);
      expect((await store.list({ limit: 100, owner: alice, status: 'done' })).items.map((r) => r.id)).toEqual([made[4]!.id]);
      const sharedKey = `uploads/owned-shared-${tag}.jpg`;
      expect((await store.list({ limit: 100, owner: bob, key: sharedKey })).items.map((r) => r.id)).toEqual([made[1]!.id]);
      expect((await store.list({ limit: 100, owner: 'nobody' })).items).toEqual([]);
      // No owner filter (an admin): everyone's, bucket drops included.
      const all = (await store.list({ limit: 100 })).items.map((r) => r.id);
      expect(all).toEqual(expect.arrayContaining(made.map((r) => r.id)));
    });

    it('never stores a card-number-like key or message in full; a lookup by the same key still finds it', async () => {
      // Luhn-valid, made up: the name a careless user gives a photo dropped into the bucket.
      const key = 'uploads/card 4539 1488 0343 6467.jpg';
      const r = record('2031-05-01T00:00:00.000Z', { key, status: 'queued' });
      await store.create(r);
      const stored = await store.get(r.id);
      expect(stored?.key).not.toContain('4539 1488 0343 6467');
      expect(stored?.key).toMatch(/^uploads\/card 453914•+6467\.jpg$/);
      expect((await store.list({ limit: 10, key })).items.map((x) => x.id)).toEqual([r.id]);
      const failed = await store.transition(r.id, ['queued'], {
        status: 'failed',
        error: { code: 'invalid_image', message: 'could not decode uploads/4539148803436467.jpg' },
      });
      expect(JSON.stringify(failed)).not.toMatch(/4539\D?1488\D?0343\D?6467/);
      expect(JSON.stringify(await store.get(r.id))).not.toMatch(/4539\D?1488\D?0343\D?6467/);
    });

    it('keeps identities as they are: an id and an owner (JWT sub) holding a card-number-like digit run by chance', async () => {
      // A ULID-like id with 16 digits in a row, and a UUID whose first groups are all digits.
      const id = `01JD${'4539148803436467'}ZZZZZ${String(seq++ % 10)}`;
      const owner = '45391488-0343-4467-8234-abcdef012345';
      const r = { ...record('2031-06-01T00:00:00.000Z', { owner, key: 'uploads/x.jpg' }), id };
      await store.create(r);
      expect((await store.get(id))?.id).toBe(id);
      expect((await store.get(id))?.owner).toBe(owner);
      expect((await store.list({ limit: 10, owner })).items.map((x) => x.id)).toEqual([id]);
      const moved = await store.transition(id, ['awaiting_upload'], { status: 'queued' });
      expect([moved.id, moved.owner]).toEqual([id, owner]);
      expect(await store.delete(id)).toBe(true);
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
