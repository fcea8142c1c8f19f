/**
 * AWS adapters against real S3/DynamoDB API servers (s3rver, dynalite) on 127.0.0.1,
 * over the real SDK v3 HTTP stack. Temporary direct checks until the shared contract
 * suites land.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../functions/adapters/aws/s3-object-store.js';
import { DynamoResultStore } from '../../functions/adapters/aws/dynamo-result-store.js';
import { ConflictError, NotFoundError } from '../../functions/core/errors.js';
import type { ScanRecord } from '../../functions/core/record.js';
import { startDynamo, startS3, type DynamoEmulator, type S3Emulator } from '../support/aws-emulators.js';

let s3: S3Emulator;
let ddb: DynamoEmulator;
beforeAll(async () => {
  [s3, ddb] = await Promise.all([startS3(), startDynamo()]);
});
afterAll(async () => {
  await Promise.all([s3?.stop(), ddb?.stop()]);
});

function rec(id: string, createdAt: string, extra: Partial<ScanRecord> = {}): ScanRecord {
  return {
    id, key: null, status: 'awaiting_upload', outcome: null, card: null, confidence: {}, missing: {}, error: null,
    attempts: 0, createdAt, updatedAt: createdAt, timingsMs: {}, expiresAt: 2_000_000_000, ...extra,
  };
}

describe('S3ObjectStore on s3rver', () => {
  it('put/get/head/list/delete', async () => {
    await s3.createBucket('tmp-bucket');
    const store = new S3ObjectStore({ client: s3.client(), bucket: 'tmp-bucket' });
    const info = await store.put('uploads/a b.jpg', new Uint8Array([1, 2, 3]), { contentType: 'image/jpeg' });
    expect(info.size).toBe(3);
    expect(Array.from(await store.get('uploads/a b.jpg'))).toEqual([1, 2, 3]);
    await expect(store.get('uploads/none')).rejects.toBeInstanceOf(NotFoundError);
    expect(await store.head('uploads/none')).toBeNull();
    for (let i = 0; i < 3; i++) await store.put(`processed/${i}.png`, new Uint8Array([i]));
    const p1 = await store.list('processed/', { limit: 2 });
    expect(p1.items).toHaveLength(2);
    const p2 = await store.list('processed/', { limit: 2, cursor: p1.cursor });
    expect(p2.items.map((i) => i.key)).toEqual(['processed/2.png']);
    expect(p2.cursor).toBeUndefined();
    await store.delete('uploads/a b.jpg');
    await store.delete('uploads/a b.jpg');
    expect(await store.head('uploads/a b.jpg')).toBeNull();
    const up = await store.createUpload('uploads/x.jpg', { contentTypes: ['image/jpeg', 'image/png'], maxBytes: 1000, expiresInSeconds: 60 });
    const policy = JSON.parse(Buffer.from(up.fields!['Policy']!, 'base64').toString());
    expect(policy.conditions).toContainEqual(['content-length-range', 1, 1000]);
    expect(policy.conditions).toContainEqual(['starts-with', '$Content-Type', 'image/']);
    const form = new FormData();
    for (const [k, v] of Object.entries(up.fields!)) form.append(k, v);
    form.append('Content-Type', 'image/jpeg');
    form.append('file', new Blob([new Uint8Array([9, 9])]), 'x.jpg');
    const res = await fetch(up.url, { method: 'POST', body: form });
    expect(res.status).toBeLessThan(300);
    expect((await store.head('uploads/x.jpg'))?.size).toBe(2);
  });
});

describe('DynamoResultStore on dynalite', () => {
  it('create/get/list/transition/delete', async () => {
    await ddb.createResultsTable('tmp-results');
    const store = new DynamoResultStore({ client: ddb.client(), tableName: 'tmp-results' });
    for (let i = 0; i < 5; i++) await store.create(rec(`id${i}`, `2026-01-0${i + 1}T00:00:00.000Z`, i % 2 ? { key: 'uploads/k.jpg' } : {}));
    await expect(store.create(rec('id0', '2026-01-01T00:00:00.000Z'))).rejects.toBeInstanceOf(ConflictError);
    expect((await store.get('id0'))?.key).toBeNull();
    const a = await store.list({ limit: 2 });
    expect(a.items.map((r) => r.id)).toEqual(['id4', 'id3']);
    const b = await store.list({ limit: 2, cursor: a.cursor });
    expect(b.items.map((r) => r.id)).toEqual(['id2', 'id1']);
    const c = await store.list({ limit: 2, cursor: b.cursor });
    expect(c.items.map((r) => r.id)).toEqual(['id0']);
    expect(c.cursor).toBeUndefined();
    expect((await store.list({ limit: 10, key: 'uploads/k.jpg' })).items.map((r) => r.id)).toEqual(['id3', 'id1']);
    const t = await store.transition('id1', ['awaiting_upload'], { status: 'queued' });
    expect(t.status).toBe('queued');
    await expect(store.transition('id1', ['awaiting_upload'], { status: 'queued' })).rejects.toBeInstanceOf(ConflictError);
    await expect(store.transition('nope', ['awaiting_upload'], { status: 'queued' })).rejects.toBeInstanceOf(NotFoundError);
    expect((await store.list({ limit: 10, key: 'uploads/k.jpg', status: 'queued' })).items.map((r) => r.id)).toEqual(['id1']);
    expect((await store.list({ limit: 1, status: 'awaiting_upload' })).items.map((r) => r.id)).toEqual(['id4']);
    expect(await store.delete('id1')).toBe(true);
    expect(await store.delete('id1')).toBe(false);
  });
});
