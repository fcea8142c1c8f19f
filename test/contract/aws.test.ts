/**
 * The port contracts run against the AWS adapters, over the real SDK v3 HTTP stack, against
 * real S3, DynamoDB and SQS API servers on 127.0.0.1 (s3rver, dynalite, fauxqs): the same
 * suites as the local adapters, plus what only the AWS side has (the presigned POST policy
 * document). The SQS-driven Lambda handlers are tested in test/integration/.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoResultStore } from '../../functions/adapters/aws/dynamo-result-store.js';
import { DynamoQuotaCounter } from '../../functions/adapters/aws/dynamo-quota-counter.js';
import { S3ObjectStore } from '../../functions/adapters/aws/s3-object-store.js';
import { SqsJobQueue } from '../../functions/adapters/aws/sqs-job-queue.js';
import {
  startDynamo,
  startS3,
  startSqs,
  TEST_CREDENTIALS,
  TEST_REGION,
  type DynamoEmulator,
  type S3Emulator,
  type SqsEmulator,
} from '../support/aws-emulators.js';
import { describeJobQueueContract } from './job-queue.contract.js';
import { describeObjectStoreContract } from './object-store.contract.js';
import { describeResultStoreContract } from './result-store.contract.js';
import { describeQuotaCounterContract } from './quota-counter.contract.js';

// One emulator pair for the file; each suite gets its own empty bucket or table.
let s3: S3Emulator | undefined;
let ddb: DynamoEmulator | undefined;
let sqs: SqsEmulator | undefined;
const emulators = async () => {
  s3 ??= await startS3();
  ddb ??= await startDynamo();
  return { s3, ddb };
};
afterAll(async () => {
  await Promise.all([s3?.stop(), ddb?.stop(), sqs?.stop()]);
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

describeQuotaCounterContract('DynamoQuotaCounter on dynalite (results table items)', async () => {
  const { ddb } = await emulators();
  const table = uniqueName('contract-quota');
  await ddb.createResultsTable(table);
  const client = ddb.client();
  return { counter: new DynamoQuotaCounter({ client, tableName: table }), close: async () => client.destroy() };
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
    // SigV4 over the policy document with the client's credentials, as S3 will check it.
    const [accessKey, day, region, service, terminal] = target.fields!['X-Amz-Credential']!.split('/');
    expect([accessKey, region, service, terminal]).toEqual([TEST_CREDENTIALS.accessKeyId, TEST_REGION, 's3', 'aws4_request']);
    const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
    const signingKey = hmac(hmac(hmac(hmac(`AWS4${TEST_CREDENTIALS.secretAccessKey}`, day!), region!), service!), terminal!);
    expect(target.fields?.['X-Amz-Signature']).toBe(hmac(signingKey, target.fields!['Policy']!).toString('hex'));
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

describeJobQueueContract(
  'SqsJobQueue on fauxqs',
  async ({ maxAttempts, queues }) => {
    sqs ??= await startSqs();
    const client = sqs.client();
    const queueUrls: Record<string, string> = {};
    const deadLetterUrls: Record<string, string> = {};
    for (const name of queues) {
      // Unique names: each run of the suite gets empty queues. The redrive limit is the queue's maxAttempts.
      const { url, deadLetterUrl } = await sqs.createQueue(uniqueName(`contract-${name}`), { maxReceiveCount: maxAttempts });
      queueUrls[name] = url;
      deadLetterUrls[name] = deadLetterUrl;
    }
    return {
      queue: new SqsJobQueue({ client, queueUrls, deadLetterUrls, maxAttempts }),
      // SQS takes no clock: leases are visibility timeouts in whole seconds, so the suite waits.
      realTime: true,
      close: async () => client.destroy(),
    };
  },
  // A standard queue (what the pipeline uses) does not deduplicate; the stages are idempotent instead.
  { dedupes: false },
);
