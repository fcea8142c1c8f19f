/**
 * Contract of the ObjectStore port, run against every adapter (filesystem here, S3 on s3rver
 * in the AWS suite). Only the port is used: no adapter details.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError } from '../../functions/core/errors.js';
import type { ObjectStore } from '../../functions/core/ports.js';

export interface ObjectStoreHarness {
  /** An empty store. */
  readonly store: ObjectStore;
  readonly close?: () => Promise<void>;
}

export interface ObjectStoreContractOptions {
  /**
   * Whether the store's upload endpoint enforces the signed policy (size, type, key). S3 does;
   * s3rver only stores what it gets, so the AWS suite checks its policy document instead.
   */
  readonly enforcesUploadPolicy?: boolean;
}

function bytes(...values: number[]): Uint8Array {
  return new Uint8Array(values);
}

async function postUpload(
  target: Awaited<ReturnType<ObjectStore['createUpload']>>,
  file: Uint8Array,
  overrides: Record<string, string> = {},
  contentType = 'image/jpeg',
): Promise<Response> {
  const form = new FormData();
  const fields = { ...target.fields, ...overrides };
  for (const [k, v] of Object.entries(fields)) if (k !== 'Content-Type') form.append(k, v);
  form.append('Content-Type', overrides['Content-Type'] ?? contentType);
  form.append('file', new Blob([Buffer.from(file)], { type: contentType }), 'photo.jpg');
  return fetch(target.url, { method: target.method, body: form });
}

/** Registers the ObjectStore contract for one adapter. `makeStore` must return an empty store. */
export function describeObjectStoreContract(
  name: string,
  makeStore: () => Promise<ObjectStoreHarness>,
  options: ObjectStoreContractOptions = {},
): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let harness: ObjectStoreHarness;
    let store: ObjectStore;
    beforeAll(async () => {
      harness = await makeStore();
      store = harness.store;
    });
    afterAll(async () => {
      await harness?.close?.();
    });

    it('round-trips every byte value and reports size and etag', async () => {
      const body = new Uint8Array(256).map((_, i) => i);
      const put = await store.put('uploads/all-bytes.bin', body, { contentType: 'application/octet-stream' });
      expect(put.key).toBe('uploads/all-bytes.bin');
      expect(put.size).toBe(256);
      expect(put.etag).not.toBe('');
      expect(Buffer.from(await store.get('uploads/all-bytes.bin')).equals(Buffer.from(body))).toBe(true);
      const head = await store.head('uploads/all-bytes.bin');
      expect(head?.size).toBe(256);
      expect(head?.etag).toBe(put.etag);
      expect(head?.lastModified).toBeInstanceOf(Date);
      expect(Number.isNaN(head!.lastModified.getTime())).toBe(false);
    });

    it('changes the etag when an object is replaced with other content', async () => {
      const a = await store.put('uploads/replace.jpg', bytes(1, 2, 3));
      const b = await store.put('uploads/replace.jpg', bytes(4, 5, 6, 7));
      expect(b.etag).not.toBe(a.etag);
      expect(b.size).toBe(4);
      expect(Array.from(await store.get('uploads/replace.jpg'))).toEqual([4, 5, 6, 7]);
    });

    it('get of a missing key throws NotFoundError; head returns null', async () => {
      await expect(store.get('uploads/missing.jpg')).rejects.toBeInstanceOf(NotFoundError);
      expect(await store.head('uploads/missing.jpg')).toBeNull();
    });

    it('delete removes an object and is idempotent', async () => {
      await store.put('processed/gone.png', bytes(1));
      await store.delete('processed/gone.png');
      expect(await store.head('processed/gone.png')).toBeNull();
      await expect(store.delete('processed/gone.png')).resolves.toBeUndefined();
      await expect(store.delete('processed/never-there.png')).resolves.toBeUndefined();
    });

    it('keeps keys with spaces and non-ASCII characters exact', async () => {
      const key = 'uploads/my card é+1.jpg';
      await store.put(key, bytes(9));
      expect((await store.head(key))?.key).toBe(key);
      const listed = await store.list('uploads/my card');
      expect(listed.items.map((i) => i.key)).toEqual([key]);
      await store.delete(key);
    });

    it('lists by prefix in key order with a cursor', async () => {
      const keys = ['list/b.png', 'list/a.png', 'list/c/d.png', 'list/e.png', 'list-other/x.png'];
      for (const k of keys) await store.put(k, bytes(1, 2));
      const all = await store.list('list/');
      expect(all.items.map((i) => i.key)).toEqual(['list/a.png', 'list/b.png', 'list/c/d.png', 'list/e.png']);
      expect(all.cursor).toBeUndefined();
      expect(all.items.every((i) => i.size === 2 && i.etag !== '')).toBe(true);

      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.list('list/', { limit: 3, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((i) => i.key));
        cursor = page.cursor;
        pages++;
      } while (cursor && pages < 10);
      expect(seen).toEqual(all.items.map((i) => i.key));
      expect(pages).toBe(2);

      expect((await store.list('list/c')).items.map((i) => i.key)).toEqual(['list/c/d.png']);
      expect((await store.list('nothing-here/')).items).toEqual([]);
    });

    it('issues an expiring upload target that stores the posted photo under its key', async () => {
      const before = Date.now();
      const target = await store.createUpload('uploads/target.jpg', {
        contentTypes: ['image/jpeg'],
        maxBytes: 1000,
        expiresInSeconds: 120,
      });
      expect(target.method).toBe('POST');
      expect(target.maxBytes).toBe(1000);
      const expires = Date.parse(target.expiresAt);
      expect(expires).toBeGreaterThan(before + 60_000);
      expect(expires).toBeLessThanOrEqual(Date.now() + 121_000);
      expect(await store.head('uploads/target.jpg')).toBeNull();
      const res = await postUpload(target, bytes(0xff, 0xd8, 0xff, 1, 2, 3));
      expect(res.status).toBeGreaterThanOrEqual(200);
      expect(res.status).toBeLessThan(300);
      expect(Array.from(await store.get('uploads/target.jpg'))).toEqual([0xff, 0xd8, 0xff, 1, 2, 3]);
    });

    if (options.enforcesUploadPolicy ?? true) {
      it('refuses uploads that break the policy and stores nothing', async () => {
        const target = await store.createUpload('uploads/policy.jpg', {
          contentTypes: ['image/jpeg'],
          maxBytes: 100,
          expiresInSeconds: 60,
        });
        const tooBig = await postUpload(target, new Uint8Array(101).fill(7));
        expect(tooBig.status).toBe(413);
        const wrongType = await postUpload(target, bytes(1, 2, 3), { 'Content-Type': 'text/html' }, 'text/html');
        expect(wrongType.status).toBe(415);
        const otherKey = await postUpload(target, bytes(1, 2, 3), { key: 'uploads/elsewhere.jpg' });
        expect(otherKey.status).toBe(403);
        const badSig = await postUpload(target, bytes(1, 2, 3), { signature: 'x'.repeat(43) });
        expect(badSig.status).toBe(403);
        expect(await store.head('uploads/policy.jpg')).toBeNull();
        expect(await store.head('uploads/elsewhere.jpg')).toBeNull();
        // The untouched target still works.
        const ok = await postUpload(target, bytes(1, 2, 3));
        expect(ok.status).toBeLessThan(300);
        expect((await store.head('uploads/policy.jpg'))?.size).toBe(3);
      });
    }
  });
}
