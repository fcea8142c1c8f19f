/**
 * The port contracts run against the AWS adapters, over the real SDK v3 HTTP stack, against
 * real S3 and DynamoDB API servers on 127.0.0.1 (s3rver, dynalite): the same suites as the
 * local adapters, plus what only the AWS side has (the presigned POST policy document).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoResultStore } from '../../functions/adapters/aws/dynamo-result-store.js';
import { S3ObjectStore } from '../../functions/adapters/aws/s3-object-store.js';
import { startDynamo, startS3, type DynamoEmulator, type S3Emulator } from '../support/aws-emulators.js';
import { describeObjectStoreContract } from './object-store.contract.js';
import { describeResultStoreContract } from './result-store.contract.js';

// One emulator pair for the file; each suite gets its own empty bucket or table.
let s3: S3Emulator | undefined;
let ddb: DynamoEmulator | undefined;
const emulators = async () => {
  s3 ??= await startS3();
  ddb ??= await startDynamo();
  return { s3, ddb };
};
afterAll(async () => {
  await Promise.all([s3?.stop(), ddb?.stop()]);
});
const uniqueName = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

describeObjectStoreContract(
  'S3ObjectStore on s3rver',
  async () => {
    const { s3 } = await emulators();
    const bucket = uniqueName('contract-bucket');
    await s3.createBucket(bucket);
    const client = s3.client();
    return { store: new S3ObjectStore({ client, bucket }), close: async () => client.destroy() };
  },
  // s3rver stores whatever is posted; the policy document is checked below instead.
  { enforcesUploadPolicy: false },
);

describeResultStoreContract('DynamoResultStore on dynalite', async () => {
  const { ddb } = await emulators();
  const table = uniqueName('contract-results');
  await ddb.createResultsTable(table);
  const client = ddb.client();
  return { store: new DynamoResultStore({ client, tableName: table }), close: async () => client.destroy() };
});

describe('S3ObjectStore presigned POST policy', () => {
  let store: S3ObjectStore;
  beforeAll(async () => {
    const { s3 } = await emulators();
    const bucket = uniqueName('policy-bucket');
    await s3.createBucket(bucket);
    store = new S3ObjectStore({ client: s3.client(), bucket });
  });

  const policyOf = (fields: Readonly<Record<string, string>> | undefined) => {
    const encoded = fields?.['Policy'];
    expect(encoded).toBeTypeOf('string');
    return JSON.parse(Buffer.from(encoded!, 'base64').toString('utf8')) as {
      expiration: string;
      conditions: unknown[];
    };
  };

  it('pins the key, caps the size, pins one content type, expires, and is SigV4-signed', async () => {
    const before = Date.now();
    const target = await store.createUpload('uploads/01ABC.jpg', {
      contentTypes: ['image/jpeg'],
      maxBytes: 5_000_000,
      expiresInSeconds: 300,
    });
    const policy = policyOf(target.fields);
    expect(policy.conditions).toContainEqual(['content-length-range', 1, 5_000_000]);
    expect(policy.conditions).toContainEqual({ 'Content-Type': 'image/jpeg' });
    expect(policy.conditions).toContainEqual({ key: 'uploads/01ABC.jpg' });
    expect(policy.conditions.some((c) => JSON.stringify(c).includes('starts-with') && JSON.stringify(c).includes('$key'))).toBe(false);
    const exp = Date.parse(policy.expiration);
    expect(exp).toBeGreaterThan(before + 290_000);
    expect(exp).toBeLessThanOrEqual(Date.now() + 301_000);
    expect(Math.abs(Date.parse(target.expiresAt) - exp)).toBeLessThan(2_000);
    expect(target.fields).toMatchObject({
      key: 'uploads/01ABC.jpg',
      'Content-Type': 'image/jpeg',
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    });
    expect(target.fields?.['X-Amz-Signature']).toMatch(/^[0-9a-f]{64}$/);
    expect(target.url).toMatch(/\/policy-bucket-[0-9a-f]{8}$/);
  });

  it('accepts several image types only by their common prefix, never any type', async () => {
    const target = await store.createUpload('uploads/01ABD.png', {
      contentTypes: ['image/jpeg', 'image/png', 'image/webp'],
      maxBytes: 1000,
      expiresInSeconds: 60,
    });
    const policy = policyOf(target.fields);
    expect(policy.conditions).toContainEqual(['starts-with', '$Content-Type', 'image/']);
    expect(policy.conditions).toContainEqual(['content-length-range', 1, 1000]);
    await expect(
      store.createUpload('uploads/x', { contentTypes: ['image/png', 'text/html'], maxBytes: 10, expiresInSeconds: 60 }),
    ).rejects.toMatchObject({ code: 'validation' });
    await expect(
      store.createUpload('uploads/x', { contentTypes: [], maxBytes: 10, expiresInSeconds: 60 }),
    ).rejects.toMatchObject({ code: 'validation' });
  });
});
