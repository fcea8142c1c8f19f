/**
 * The SQS-driven stage Lambdas (the AWS edge around the stage use-cases) on s3rver + dynalite
 * + fauxqs: S3 notifications in SQS messages for the preprocess function, the one `read {id}`
 * message it sends for the read function, partial batch responses, idempotency on the object
 * version / scan id, bad input acknowledged, transient failures retried then dead-lettered —
 * and, per photo, one SQS message per stage and no polling reads.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReadResult } from '../../functions/core/card.js';
import { OcrEngineError } from '../../functions/core/errors.js';
import { createScanService } from '../../functions/core/scan-service.js';
import type { PreprocessFn } from '../../functions/core/stages.js';
import { createAwsRuntime, type AwsRuntime } from '../../functions/handlers/aws/composition.js';
import { createPreprocessHandler, createReadHandler } from '../../functions/handlers/aws/stage-lambda.js';
import { preprocessPhoto } from '../../functions/reader/preprocess.js';
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
import { lambdaContext, s3ObjectCreated, s3TestEvent, sqsEvent, sqsRecord } from '../support/lambda-events.js';

const uniqueName = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

/** Counts the SDK commands a client sends, by command and table/queue (middleware on the real client). */
function countCommands(client: { middlewareStack: { add: (...a: never[]) => void } }): Map<string, number> {
  const counts = new Map<string, number>();
  const add = client.middlewareStack.add as unknown as (
    mw: (next: (args: unknown) => Promise<unknown>, ctx: { commandName?: string }) => (args: { input?: Record<string, unknown> }) => Promise<unknown>,
    options: { step: 'initialize'; name: string },
  ) => void;
  add(
    (next, ctx) => async (args) => {
      const target = String(args.input?.['TableName'] ?? args.input?.['QueueUrl'] ?? '').split('/').pop();
      const name = `${ctx.commandName ?? '?'}:${target}`;
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'countCommands' },
  );
  return counts;
}

describe('SQS stage Lambdas on s3rver + dynalite + fauxqs', () => {
  const bucket = uniqueName('stage-bucket');
  const table = uniqueName('stage-results');
  const idempotencyTable = uniqueName('stage-idem');
  let s3: S3Emulator;
  let ddb: DynamoEmulator;
  let sqs: SqsEmulator;
  let readQueueUrl: string;
  let runtimeFor: (service: string) => AwsRuntime;
  let runtime: AwsRuntime;
  let photo: Uint8Array;
  /** A pass-through preprocess step: fast, and the photo is what the read stage gets. */
  const passThrough: PreprocessFn = async (bytes) => ({ image: bytes, timingsMs: { decode: 1 } });

  beforeAll(async () => {
    [s3, ddb, sqs] = await Promise.all([startS3(), startDynamo(), startSqs()]);
    await s3.createBucket(bucket);
    await Promise.all([ddb.createResultsTable(table), ddb.createIdempotencyTable(idempotencyTable)]);
    readQueueUrl = (await sqs.createQueue(uniqueName('read'))).url;
    runtimeFor = (service) =>
      createAwsRuntime({
        service,
        env: {
          BUCKET_NAME: bucket,
          TABLE_NAME: table,
          CARDOCR_IDEMPOTENCY_TABLE: idempotencyTable,
          CARDOCR_READ_QUEUE_URL: readQueueUrl,
          CARDOCR_S3_ENDPOINT: s3.endpoint,
          CARDOCR_DYNAMODB_ENDPOINT: ddb.endpoint,
          CARDOCR_SQS_ENDPOINT: sqs.endpoint,
          AWS_REGION: TEST_REGION,
          CARDOCR_MAX_RECEIVE_COUNT: '3',
          CARDOCR_LOG_LEVEL: 'error',
        },
        s3ClientConfig: { credentials: TEST_CREDENTIALS },
        dynamoClientConfig: { credentials: TEST_CREDENTIALS },
        sqsClientConfig: { credentials: TEST_CREDENTIALS },
      });
    runtime = runtimeFor('test');
    photo = new Uint8Array(await readFile(new URL('../fixtures/cards/card-000.jpg', import.meta.url)));
  });
  afterAll(async () => {
    await Promise.all([s3?.stop(), ddb?.stop(), sqs?.stop()]);
  });

  /** Takes every read job waiting on the read queue (as the event source mapping would). */
  async function takeReadJobs(): Promise<Array<{ id: string }>> {
    const out: Array<{ id: string }> = [];
    for (;;) {
      const got = await runtime.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: readQueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60, WaitTimeSeconds: 0 }),
      );
      if (!got.Messages?.length) return out;
      for (const m of got.Messages) out.push(JSON.parse(m.Body!) as { id: string });
    }
  }

  /** A scan created through the API's use-case, with its photo uploaded to its key. */
  async function uploadedScan(bytes: Uint8Array = photo) {
    const scans = createScanService({
      objects: runtime.objects,
      results: runtime.results,
      uploads: { maxBytes: 1_000_000, expiresInSeconds: 60 },
      retentionDays: 1,
    });
    const { record } = await scans.createScan({ contentType: 'image/jpeg' }, { principal: 'user-sub-1', admin: false });
    const info = await runtime.objects.put(record.key!, bytes, { contentType: 'image/jpeg' });
    return { id: record.id, key: record.key!, message: s3ObjectCreated(bucket, info.key, info.size, info.etag) };
  }

  it('preprocesses an upload once, however often its event is delivered', async () => {
    let runs = 0;
    const handler = createPreprocessHandler(runtimeFor('preprocess'), async (bytes) => {
      runs++;
      return { image: bytes, timingsMs: { decode: 1 }, hints: { view: 'card', rotation: 0 } };
    });
    const scan = await uploadedScan();
    await takeReadJobs();
    const first = await handler(sqsEvent(sqsRecord(scan.message)), lambdaContext('preprocess'));
    expect(first.batchItemFailures).toEqual([]);
    const reading = await runtime.results.get(scan.id);
    expect(reading).toMatchObject({ status: 'reading', hints: { view: 'card', rotation: 0 } });
    expect(reading?.timingsMs.preprocess).toMatchObject({ decode: 1 });
    expect(await runtime.objects.head(`processed/${scan.id}.png`)).not.toBeNull();
    // The explicit hop: one read job naming the scan, nothing else.
    expect(await takeReadJobs()).toEqual([{ id: scan.id }]);
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
    const handler = createPreprocessHandler(runtimeFor('preprocess'), async () => {
      runs++;
      throw new Error('must not run');
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
    const handler = createPreprocessHandler(runtimeFor('preprocess'), async (bytes) => {
      seen.push(bytes.byteLength);
      return { image: bytes, timingsMs: {} };
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
    const handler = createPreprocessHandler(runtimeFor('preprocess'), async (bytes) => {
      runs++;
      return { image: bytes, timingsMs: {} };
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
    const preprocessRuntime = runtimeFor('preprocess');
    const handler = createPreprocessHandler(preprocessRuntime, (bytes) => preprocessPhoto(bytes, preprocessRuntime.config.limits));
    const scan = await uploadedScan(new TextEncoder().encode('<html>not a photo</html>'));
    const res = await handler(sqsEvent(sqsRecord(scan.message)), lambdaContext('preprocess'));
    expect(res.batchItemFailures).toEqual([]);
    const record = await runtime.results.get(scan.id);
    expect(record?.status).toBe('failed');
    expect(record?.error?.code).toMatch(/unsupported_format|invalid_image/);
    expect(await runtime.objects.head(scan.key)).toBeNull();
  });

  it('retries transient failures as batch item failures, and records the scan dead-lettered on the last delivery', async () => {
    const handler = createPreprocessHandler(runtimeFor('preprocess'), async () => {
      throw new OcrEngineError('engine unavailable');
    });
    const ok = await uploadedScan();
    const scan = await uploadedScan();
    const good = createPreprocessHandler(runtimeFor('preprocess'), passThrough);
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
    const preprocess = createPreprocessHandler(runtimeFor('preprocess'), passThrough);
    const scan = await uploadedScan();
    await takeReadJobs();
    await preprocess(sqsEvent(sqsRecord(scan.message)), lambdaContext('preprocess'));
    const jobs = await takeReadJobs();
    expect(jobs).toEqual([{ id: scan.id }]);
    let reads = 0;
    const read = createReadHandler(runtimeFor('read'), {
      readNormalised: async () => {
        reads++;
        return new ReadResult({ status: 'ok', pan, brand: 'visa', expiry: '12/30', name: 'JANE DOE', confidence: { pan: 0.9 } });
      },
    });
    const processed = await runtime.objects.head(`processed/${scan.id}.png`);
    const message = jobs[0]!;
    // Two copies delivered at once to two instances: the second finds the first in progress and
    // goes back to the queue (within one batch, records are handled one at a time, sqs-stage.ts).
    const copies = [sqsRecord(message), sqsRecord(message)];
    // A second instance: one Lambda environment runs one invocation at a time.
    const otherInstance = createReadHandler(runtimeFor('read'), {
      readNormalised: async () => {
        reads++;
        return new ReadResult({ status: 'ok', pan, brand: 'visa', expiry: '12/30', name: 'JANE DOE', confidence: { pan: 0.9 } });
      },
    });
    const responses = await Promise.all([read(sqsEvent(copies[0]!), lambdaContext('read')), otherInstance(sqsEvent(copies[1]!), lambdaContext('read'))]);
    const failures = responses.flatMap((r) => r.batchItemFailures);
    expect(failures).toHaveLength(1);
    expect(copies.map((c) => c.messageId)).toContain(failures[0]!.itemIdentifier);
    // Redelivered, in a batch with another copy: both get the stored result without a second read.
    const batch = await read(sqsEvent(sqsRecord(message, { receiveCount: 2 }), sqsRecord(message)), lambdaContext('read'));
    expect(batch.batchItemFailures).toEqual([]);
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

  it('per photo: one SQS message per stage and no polling reads (commands counted on the real clients)', async () => {
    const pre = runtimeFor('preprocess');
    const rd = runtimeFor('read');
    const preSqs = countCommands(pre.sqs);
    const preDynamo = countCommands(pre.dynamo);
    const rdSqs = countCommands(rd.sqs);
    const rdDynamo = countCommands(rd.dynamo);
    const scan = await uploadedScan();
    await takeReadJobs();
    const readQueue = readQueueUrl.split('/').pop();

    // Stage 1: the photo's one S3 notification (the bucket's only rule, on uploads/) → preprocess.
    const preprocess = createPreprocessHandler(pre, (bytes) => preprocessPhoto(bytes, pre.config.limits));
    expect((await preprocess(sqsEvent(sqsRecord(scan.message)), lambdaContext('preprocess'))).batchItemFailures).toEqual([]);
    expect(Object.fromEntries(preSqs)).toEqual({ [`SendMessageCommand:${readQueue}`]: 1 });
    // The record is read once (resolve the scan), then written: claim, then `reading`.
    expect(preDynamo.get(`GetItemCommand:${table}`)).toBe(1);

    // Stage 2: the one read job → read.
    const jobs = await takeReadJobs();
    expect(jobs).toEqual([{ id: scan.id }]);
    const read = createReadHandler(rd, {
      readNormalised: async () => new ReadResult({ status: 'ok', pan: '4111111111111111', brand: 'visa', confidence: { pan: 0.9 } }),
    });
    expect((await read(sqsEvent(sqsRecord(jobs[0])), lambdaContext('read'))).batchItemFailures).toEqual([]);
    expect((await runtime.results.get(scan.id))?.status).toBe('done');
    // No waiting on the record: one look before the claim, one for the FieldsFound metric.
    expect(rdDynamo.get(`GetItemCommand:${table}`)).toBe(2);
    expect(rdSqs.size).toBe(0);
    expect(await takeReadJobs()).toEqual([]);
  });

  it('a crash between the record moving to reading and the send is repaired by the redelivery', async () => {
    const base = runtimeFor('preprocess');
    let sends = 0;
    const flaky: AwsRuntime = {
      ...base,
      jobs: {
        ...base.jobs,
        send: async (queue, body, options) => {
          if (++sends === 1) throw new Error('connect ECONNRESET (simulated crash before the send)');
          return base.jobs.send(queue, body, options);
        },
        receive: base.jobs.receive.bind(base.jobs),
        ack: base.jobs.ack.bind(base.jobs),
        retry: base.jobs.retry.bind(base.jobs),
        deadLetters: base.jobs.deadLetters.bind(base.jobs),
      },
    };
    let runs = 0;
    const handler = createPreprocessHandler(flaky, async (bytes) => {
      runs++;
      return { image: bytes, timingsMs: {} };
    });
    const scan = await uploadedScan();
    await takeReadJobs();
    const first = sqsRecord(scan.message);
    expect((await handler(sqsEvent(first), lambdaContext('preprocess'))).batchItemFailures).toEqual([{ itemIdentifier: first.messageId }]);
    expect((await runtime.results.get(scan.id))?.status).toBe('reading');
    expect(await takeReadJobs()).toEqual([]);
    // SQS redelivers the message: the scan is not preprocessed again, only its read job sent.
    const again = await handler(sqsEvent(sqsRecord(scan.message, { receiveCount: 2 })), lambdaContext('preprocess'));
    expect(again.batchItemFailures).toEqual([]);
    expect(runs).toBe(1);
    expect(await takeReadJobs()).toEqual([{ id: scan.id }]);
  });
});
