/**
 * The port contracts run against the AWS adapters, over the real SDK v3 HTTP stack, against
 * real S3 and DynamoDB API servers on 127.0.0.1 (s3rver, dynalite): the same suites as the
 * local adapters, plus what only the AWS side has (the presigned POST policy document).
 */
import { createHmac, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoResultStore } from '../../functions/adapters/aws/dynamo-result-store.js';
import { S3ObjectStore } from '../../functions/adapters/aws/s3-object-store.js';
import { ReadResult } from '../../functions/core/card.js';
import { OcrEngineError } from '../../functions/core/errors.js';
import { createScanService } from '../../functions/core/scan-service.js';
import { createPreprocessHandler, createReadHandler } from '../../functions/handlers/aws/stage-lambda.js';
import { createAwsRuntime, type AwsRuntime } from '../../functions/runtime/aws.js';
import {
  startDynamo,
  startS3,
  TEST_CREDENTIALS,
  TEST_REGION,
  type DynamoEmulator,
  type S3Emulator,
} from '../support/aws-emulators.js';
import { lambdaContext, s3ObjectCreated, s3TestEvent, sqsEvent, sqsRecord } from '../support/lambda-events.js';
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

/**
 * The SQS-driven stage handlers (the Lambda wrappers around the shared stage handlers) on
 * s3rver + dynalite: S3 events in SQS messages, partial batch responses, idempotency on the
 * object version, bad input acknowledged, transient failures retried then dead-lettered.
 */
describe('SQS stage handlers on s3rver + dynalite', () => {
  const bucket = uniqueName('stage-bucket');
  const table = uniqueName('stage-results');
  const idempotencyTable = uniqueName('stage-idem');
  let runtimeFor: (service: string) => AwsRuntime;
  let runtime: AwsRuntime;
  let photo: Uint8Array;

  beforeAll(async () => {
    const { s3, ddb } = await emulators();
    await s3.createBucket(bucket);
    await Promise.all([ddb.createResultsTable(table), ddb.createIdempotencyTable(idempotencyTable)]);
    runtimeFor = (service) =>
      createAwsRuntime({
        service,
        env: {
          BUCKET_NAME: bucket,
          TABLE_NAME: table,
          CARDOCR_IDEMPOTENCY_TABLE: idempotencyTable,
          CARDOCR_S3_ENDPOINT: s3.endpoint,
          CARDOCR_DYNAMODB_ENDPOINT: ddb.endpoint,
          AWS_REGION: TEST_REGION,
          CARDOCR_MAX_RECEIVE_COUNT: '3',
          CARDOCR_LOG_LEVEL: 'error',
        },
        s3ClientConfig: { credentials: TEST_CREDENTIALS },
        dynamoClientConfig: { credentials: TEST_CREDENTIALS },
      });
    runtime = runtimeFor('test');
    photo = new Uint8Array(await readFile(new URL('../fixtures/cards/card-000.jpg', import.meta.url)));
  });

  /** A scan created through the API's use-case, with its photo uploaded to its key. */
  async function uploadedScan(bytes: Uint8Array = photo) {
    const scans = createScanService({
      objects: runtime.objects,
      results: runtime.results,
      uploads: { maxBytes: 1_000_000, expiresInSeconds: 60 },
      retentionDays: 1,
    });
    const { record } = await scans.createScan({ contentType: 'image/jpeg' });
    const info = await runtime.objects.put(record.key!, bytes, { contentType: 'image/jpeg' });
    return { id: record.id, key: record.key!, message: s3ObjectCreated(bucket, info.key, info.size, info.etag) };
  }

  it('preprocesses an upload once, however often its event is delivered', async () => {
    let runs = 0;
    const handler = createPreprocessHandler(runtimeFor('preprocess'), {
      preprocess: async (bytes) => {
        runs++;
        return { image: bytes, timingsMs: { preprocess: 1 } };
      },
    });
    const scan = await uploadedScan();
    const first = await handler(sqsEvent(sqsRecord(scan.message)), lambdaContext('preprocess'));
    expect(first.batchItemFailures).toEqual([]);
    expect((await runtime.results.get(scan.id))?.status).toBe('reading');
    expect(await runtime.objects.head(`processed/${scan.id}.png`)).not.toBeNull();
    // S3 notifies twice / SQS redelivers: other message ids, same object version.
    const again = await handler(
      sqsEvent(sqsRecord(scan.message), sqsRecord(scan.message, { receiveCount: 2 })),
      lambdaContext('preprocess'),
    );
    expect(again.batchItemFailures).toEqual([]);
    expect(runs).toBe(1);
    expect((await runtime.results.get(scan.id))?.attempts).toBe(1);
  });

  it('acknowledges test events, other event types and bodies that are not S3 events, and touches nothing', async () => {
    let runs = 0;
    const handler = createPreprocessHandler(runtimeFor('preprocess'), {
      preprocess: async () => {
        runs++;
        throw new Error('must not run');
      },
    });
    const removed = s3ObjectCreated(bucket, 'uploads/gone.jpg', 1, 'abc', 'ObjectRemoved:Delete');
    const res = await handler(
      sqsEvent(sqsRecord(s3TestEvent(bucket)), sqsRecord(removed), sqsRecord('not json {'), sqsRecord({ Records: [{ x: 1 }] })),
      lambdaContext('preprocess'),
    );
    expect(res.batchItemFailures).toEqual([]);
    expect(runs).toBe(0);
  });

  it('decodes URL-encoded keys once (a photo dropped straight into the bucket)', async () => {
    const key = 'uploads/50% off+card 1.jpg';
    const info = await runtime.objects.put(key, photo, { contentType: 'image/jpeg' });
    const message = s3ObjectCreated(bucket, key, info.size, info.etag);
    expect(message.Records[0]!.s3.object.key).toBe('uploads/50%25+off%2Bcard+1.jpg');
    const seen: number[] = [];
    const handler = createPreprocessHandler(runtimeFor('preprocess'), {
      preprocess: async (bytes) => {
        seen.push(bytes.byteLength);
        return { image: bytes, timingsMs: {} };
      },
    });
    const res = await handler(sqsEvent(sqsRecord(message)), lambdaContext('preprocess'));
    expect(res.batchItemFailures).toEqual([]);
    expect(seen).toEqual([photo.byteLength]);
    const listed = await runtime.results.list({ limit: 10, key });
    expect(listed.items.map((r) => r.status)).toEqual(['reading']);
  });

  it('processes a new photo under the same key again: idempotency is per object version', async () => {
    const key = 'uploads/dropped.jpg';
    let runs = 0;
    const handler = createPreprocessHandler(runtimeFor('preprocess'), {
      preprocess: async (bytes) => {
        runs++;
        return { image: bytes, timingsMs: {} };
      },
    });
    for (const bytes of [photo, photo.subarray(0, photo.byteLength - 1)]) {
      const info = await runtime.objects.put(key, bytes, { contentType: 'image/jpeg' });
      const message = s3ObjectCreated(bucket, key, info.size, info.etag);
      const res = await handler(sqsEvent(sqsRecord(message), sqsRecord(message)), lambdaContext('preprocess'));
      // The copy delivered alongside is either suppressed or sent back while the first runs.
      expect(res.batchItemFailures.length).toBeLessThanOrEqual(1);
    }
    expect(runs).toBe(2);
    expect((await runtime.results.list({ limit: 10, key })).items.map((r) => r.status)).toEqual(['reading', 'reading']);
  });

  it('records bad input as a failed scan without a retry, and deletes the photo', async () => {
    const handler = createPreprocessHandler(runtimeFor('preprocess'));
    const scan = await uploadedScan(new TextEncoder().encode('<html>not a photo</html>'));
    const res = await handler(sqsEvent(sqsRecord(scan.message)), lambdaContext('preprocess'));
    expect(res.batchItemFailures).toEqual([]);
    const record = await runtime.results.get(scan.id);
    expect(record?.status).toBe('failed');
    expect(record?.error?.code).toMatch(/unsupported_format|invalid_image/);
    expect(await runtime.objects.head(scan.key)).toBeNull();
  });

  it('retries transient failures as batch item failures, and records the scan dead-lettered on the last delivery', async () => {
    const handler = createPreprocessHandler(runtimeFor('preprocess'), {
      preprocess: async () => {
        throw new OcrEngineError('engine unavailable');
      },
    });
    const ok = await uploadedScan();
    const scan = await uploadedScan();
    const good = createPreprocessHandler(runtimeFor('preprocess'), {
      preprocess: async (bytes) => ({ image: bytes, timingsMs: {} }),
    });
    // One good and one failing message in the same batch: only the failing one is reported.
    const okRecord = sqsRecord(ok.message);
    await good(sqsEvent(okRecord), lambdaContext('preprocess'));
    const bad = sqsRecord(scan.message, { receiveCount: 1 });
    const res = await handler(sqsEvent(sqsRecord(ok.message), bad), lambdaContext('preprocess'));
    expect(res.batchItemFailures).toEqual([{ itemIdentifier: bad.messageId }]);
    expect((await runtime.results.get(scan.id))?.status).toMatch(/awaiting_upload|queued|preprocessing/);

    const last = sqsRecord(scan.message, { receiveCount: 3 });
    const final = await handler(sqsEvent(last), lambdaContext('preprocess'));
    expect(final.batchItemFailures).toEqual([{ itemIdentifier: last.messageId }]);
    const record = await runtime.results.get(scan.id);
    expect(record?.status).toBe('failed');
    expect(record?.error?.code).toBe('dead_lettered');
    expect(await runtime.objects.head(scan.key)).toBeNull();
  });

  it('reads a processed card into a done record with only the masked PAN, and deletes both images', async () => {
    const pan = '4111111111111111';
    const preprocess = createPreprocessHandler(runtimeFor('preprocess'), {
      preprocess: async (bytes) => ({ image: bytes, timingsMs: {} }),
    });
    const scan = await uploadedScan();
    await preprocess(sqsEvent(sqsRecord(scan.message)), lambdaContext('preprocess'));
    let reads = 0;
    const read = createReadHandler(runtimeFor('read'), {
      readNormalised: async () => {
        reads++;
        return new ReadResult({ status: 'ok', pan, brand: 'visa', expiry: '12/30', name: 'JANE DOE', confidence: { pan: 0.9 } });
      },
    });
    const processed = await runtime.objects.head(`processed/${scan.id}.png`);
    const message = s3ObjectCreated(bucket, processed!.key, processed!.size, processed!.etag, 'ObjectCreated:Put');
    // Two copies in one batch run concurrently: the second finds the first in progress and
    // goes back to the queue; redelivered, it gets the stored result without a second read.
    const copies = [sqsRecord(message), sqsRecord(message)];
    const res = await read(sqsEvent(...copies), lambdaContext('read'));
    expect(res.batchItemFailures).toHaveLength(1);
    expect(copies.map((c) => c.messageId)).toContain(res.batchItemFailures[0]!.itemIdentifier);
    const redelivered = await read(sqsEvent(sqsRecord(message, { receiveCount: 2 })), lambdaContext('read'));
    expect(redelivered.batchItemFailures).toEqual([]);
    expect(reads).toBe(1);
    const record = await runtime.results.get(scan.id);
    expect(record).toMatchObject({ status: 'done', card: { pan: '411111••••••1111', last4: '1111', brand: 'visa' } });
    // The raw item, as DynamoDB holds it, has no full PAN anywhere.
    const raw = await runtime.dynamo.send(new GetItemCommand({ TableName: table, Key: { id: { S: scan.id } } }));
    expect(JSON.stringify(raw.Item)).not.toContain(pan);
    expect(await runtime.objects.head(scan.key)).toBeNull();
    expect(await runtime.objects.head(processed!.key)).toBeNull();
  });
});
