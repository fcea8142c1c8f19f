/** The port contracts run against the local adapters: filesystem bucket, SQLite results and queue. */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { FsObjectStore, signUploadPolicy, verifyUploadPolicy } from '../../functions/adapters/local/fs-object-store.js';
import { ValidationError } from '../../functions/core/errors.js';
import { openSqlite } from '../../functions/adapters/local/sqlite.js';
import { SqliteJobQueue } from '../../functions/adapters/local/sqlite-job-queue.js';
import { SqliteResultStore } from '../../functions/adapters/local/sqlite-result-store.js';
import { SqliteQuotaCounter } from '../../functions/adapters/local/sqlite-quota-counter.js';
import { silentLog } from '../../functions/core/log.js';
import { createUploadRoute } from '../../functions/local/upload-route.js';
import { describeJobQueueContract } from './job-queue.contract.js';
import { describeObjectStoreContract } from './object-store.contract.js';
import { describeResultStoreContract } from './result-store.contract.js';
import { describeQuotaCounterContract } from './quota-counter.contract.js';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'cardocr-contract-'));
}

describeObjectStoreContract('FsObjectStore + local upload route', async () => {
  const dir = await tempDir();
  const secret = 'contract-test-secret';
  let url = '';
  const store = new FsObjectStore({ root: join(dir, 'bucket'), uploadUrl: () => url, secret });
  const app = createUploadRoute({ objects: store, secret, maxBodyBytes: 64 * 1024, log: silentLog });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/local-upload`;
  return {
    store,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describeResultStoreContract('SqliteResultStore', async () => {
  const dir = await tempDir();
  const db = openSqlite(join(dir, 'cardocr.sqlite'));
  return {
    store: new SqliteResultStore(db),
    close: async () => {
      db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describeQuotaCounterContract('SqliteQuotaCounter', async () => {
  const dir = await tempDir();
  const db = openSqlite(join(dir, 'cardocr.sqlite'));
  return {
    counter: new SqliteQuotaCounter(db),
    close: async () => {
      db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describeJobQueueContract('SqliteJobQueue', async ({ maxAttempts, now }) => {
  const dir = await tempDir();
  const db = openSqlite(join(dir, 'cardocr.sqlite'));
  return {
    queue: new SqliteJobQueue(db, { maxAttempts, now }),
    close: async () => {
      db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe('FsObjectStore (filesystem specifics)', () => {
  it('rejects keys that could escape the bucket or hit its temp folder', async () => {
    const dir = await tempDir();
    try {
      const store = new FsObjectStore({ root: join(dir, 'bucket'), uploadUrl: 'http://x/local-upload', secret: 's' });
      for (const key of ['../escape.jpg', 'uploads/../../escape.jpg', '/etc/passwd', 'uploads\\..\\x', 'uploads/.tmp/x', '', 'uploads//x', 'a\u0000b']) {
        await expect(store.put(key, new Uint8Array([1])), key).rejects.toBeInstanceOf(ValidationError);
        await expect(store.get(key), key).rejects.toBeInstanceOf(ValidationError);
      }
      await expect(store.list('../')).rejects.toBeInstanceOf(ValidationError);
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses an expired upload policy and a tampered one', () => {
    const policy = { key: 'uploads/a.jpg', contentTypes: ['image/jpeg'], maxBytes: 10, expiresAt: 1000 };
    const signed = signUploadPolicy('secret', policy);
    expect(verifyUploadPolicy('secret', { key: 'uploads/a.jpg', ...signed }, 999)).toMatchObject({ ok: true });
    expect(verifyUploadPolicy('secret', { key: 'uploads/a.jpg', ...signed }, 1000)).toEqual({ ok: false, reason: 'expired' });
    expect(verifyUploadPolicy('other', { key: 'uploads/a.jpg', ...signed }, 0)).toEqual({ ok: false, reason: 'forbidden' });
    const forged = Buffer.from(JSON.stringify({ ...policy, maxBytes: 1e9 })).toString('base64url');
    expect(verifyUploadPolicy('secret', { key: 'uploads/a.jpg', policy: forged, signature: signed.signature }, 0)).toEqual({
      ok: false,
      reason: 'forbidden',
    });
  });
});

describe('local upload route (beyond the policy checks of the contract)', () => {
  it('refuses oversized bodies before parsing, non-multipart bodies, and expired targets', async () => {
    const dir = await tempDir();
    let clock = Date.now();
    const secret = 'route-test-secret';
    const store = new FsObjectStore({ root: join(dir, 'bucket'), uploadUrl: 'http://unused/local-upload', secret, now: () => clock });
    const app = createUploadRoute({ objects: store, secret, maxBodyBytes: 2048, log: silentLog, now: () => clock });
    try {
      const target = await store.createUpload('uploads/r.jpg', { contentTypes: ['image/jpeg'], maxBytes: 100_000, expiresInSeconds: 60 });
      const form = (size: number) => {
        const f = new FormData();
        for (const [k, v] of Object.entries(target.fields!)) f.append(k, v);
        f.append('file', new Blob([Buffer.alloc(size, 1)], { type: 'image/jpeg' }), 'r.jpg');
        return f;
      };
      const post = (body: FormData | string, headers: Record<string, string> = {}) =>
        app.request('http://local/local-upload', { method: 'POST', body, headers });
      expect((await post(form(10_000))).status).toBe(413);
      expect((await post('{"key":"uploads/r.jpg"}', { 'content-type': 'application/json' })).status).toBe(400);
      clock += 61_000;
      const expired = await post(form(10));
      expect(expired.status).toBe(403);
      expect(await expired.json()).toEqual({ error: { code: 'forbidden', message: 'upload target expired' } });
      clock -= 61_000;
      expect((await post(form(10))).status).toBe(204);
      expect((await store.head('uploads/r.jpg'))?.size).toBe(10);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
