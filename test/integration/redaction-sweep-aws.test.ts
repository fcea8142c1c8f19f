/**
 * Isolation and the redaction sweep on the AWS runtime (issue 10 items 5 and 6): the real
 * Lambda entry files (api-lambda.ts called with API Gateway HTTP API payload v2 events as the
 * JWT authorizer hands them on, preprocess-lambda.ts and read-lambda.ts with the real reader)
 * against s3rver + dynalite (on disk) + fauxqs.
 * - Two Cognito users (JWT `sub`) and an admin (`cognito:groups` holds cardocr-admin): user B
 *   gets 404 on user A's scan and sees none of A's scans; the admin sees both and the bucket
 *   drop — listed from the DynamoDB by-owner index.
 * - A made-up, Luhn-valid card number is planted in the S3 key of a photo dropped straight into
 *   the bucket; it travels in the S3 event (URL-encoded) through both stages. It is also sent
 *   in URLs (`GET /v1/scans/<number>`, the same with `%20` groups, `?key=`, `?status=`,
 *   `?cursor=`) and as `POST /v1/scans {filename}`. Afterwards the results and idempotency
 *   tables (every item, read back by Scan), dynalite's LevelDB files and the bucket's files
 *   (bytes and paths), every path under both, the SQS queues, every log line the functions
 *   printed and every API response hold no full card number in any of `panForms`.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context, SQSBatchResponse } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsRuntime, type AwsRuntime } from '../../functions/handlers/aws/composition.js';
import { filesUnder, panForms, pathsUnder, sweepForPans, plainCards, FIXTURES } from '../e2e/support/local-helpers.js';
import { startDynamo, startS3, startSqs, TEST_CREDENTIALS, TEST_REGION, type DynamoEmulator, type S3Emulator, type SqsEmulator } from '../support/aws-emulators.js';
import { lambdaContext, s3ObjectCreated, sqsEvent, sqsRecord } from '../support/lambda-events.js';

/** Made up, Luhn-valid: planted in an object key. Never a real card. */
const PLANTED = '4539148803436467';
const GROUPS = PLANTED.match(/.{4}/g)!;
const uniqueName = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
type Handler = (event: ReturnType<typeof sqsEvent>, context: ReturnType<typeof lambdaContext>) => Promise<SQSBatchResponse>;
type ApiHandler = (event: APIGatewayProxyEventV2WithJWTAuthorizer, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
type Claims = Record<string, string>;

/**
 * An HTTP API (payload v2) event as API Gateway hands it to the function after its JWT
 * authorizer verified the caller: raw path and query as sent, the claims under
 * `requestContext.authorizer.jwt`.
 */
function httpApiEvent(claims: Claims, method: string, pathAndQuery: string, body?: string): APIGatewayProxyEventV2WithJWTAuthorizer {
  const [rawPath = '/', rawQueryString = ''] = pathAndQuery.split(/\?(.*)/s);
  const now = Date.now();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    headers: {
      host: 'abc123.execute-api.us-east-1.amazonaws.com',
      'user-agent': 'vitest',
      'x-forwarded-for': '198.51.100.7',
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(rawQueryString ? { queryStringParameters: Object.fromEntries(new URLSearchParams(rawQueryString)) } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      authorizer: { principalId: '', integrationLatency: 0, jwt: { claims, scopes: [] } },
      domainName: 'abc123.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '198.51.100.7', userAgent: 'vitest' },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
    isBase64Encoded: false,
    ...(body ? { body } : {}),
  };
}

describe('AWS runtime: isolation between users, and no full card number anywhere', () => {
  let s3: S3Emulator;
  let ddb: DynamoEmulator;
  let sqs: SqsEmulator;
  let ddbDir: string;
  let runtime: AwsRuntime;
  let preprocess: Handler;
  let read: Handler;
  let api: ApiHandler;
  let readQueueUrl: string;
  const bucket = uniqueName('sweep-bucket');
  const table = uniqueName('sweep-results');
  const idem = uniqueName('sweep-idem');
  const logs: string[] = [];
  const responses: string[] = [];
  const plain = plainCards();
  const restore: Array<() => void> = [];

  /** Every line the functions print (Powertools writes through the console to stdout/stderr). */
  function captureOutput(): void {
    for (const stream of [process.stdout, process.stderr] as const) {
      const write = stream.write.bind(stream);
      stream.write = ((chunk: unknown, ...rest: unknown[]) => {
        logs.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
        return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
      }) as typeof stream.write;
      restore.push(() => {
        stream.write = write as typeof stream.write;
      });
    }
  }

  beforeAll(async () => {
    ddbDir = await mkdtemp(join(tmpdir(), 'cardocr-dynalite-'));
    [s3, ddb, sqs] = await Promise.all([startS3(), startDynamo({ path: ddbDir }), startSqs()]);
    await s3.createBucket(bucket);
    await Promise.all([ddb.createResultsTable(table), ddb.createIdempotencyTable(idem)]);
    readQueueUrl = (await sqs.createQueue(uniqueName('read'))).url;
    // The Lambda entries configure themselves from the environment at module scope, as on AWS.
    Object.assign(process.env, {
      BUCKET_NAME: bucket,
      TABLE_NAME: table,
      CARDOCR_IDEMPOTENCY_TABLE: idem,
      CARDOCR_READ_QUEUE_URL: readQueueUrl,
      CARDOCR_S3_ENDPOINT: s3.endpoint,
      CARDOCR_DYNAMODB_ENDPOINT: ddb.endpoint,
      CARDOCR_SQS_ENDPOINT: sqs.endpoint,
      AWS_REGION: TEST_REGION,
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      CARDOCR_LOG_LEVEL: 'debug',
      CARDOCR_API_AUTH: 'gateway',
    });
    captureOutput();
    preprocess = (await import('../../functions/handlers/aws/preprocess-lambda.js')).handler as Handler;
    read = (await import('../../functions/handlers/aws/read-lambda.js')).handler as Handler;
    api = (await import('../../functions/handlers/aws/api-lambda.js')).handler as unknown as ApiHandler;
    runtime = createAwsRuntime({ service: 'api' });
  }, 180_000);

  afterAll(async () => {
    for (const r of restore) r();
    await Promise.all([s3?.stop(), ddb?.stop(), sqs?.stop()]);
    if (ddbDir) await rm(ddbDir, { recursive: true, force: true });
  });

  /** The JWT claims of a Cognito user (the HTTP API authorizer flattens `cognito:groups` to `[a b]`). */
  const asUser = (sub: string, groups?: string): Claims => ({ sub, ...(groups ? { 'cognito:groups': groups } : {}) });
  const USER_A = asUser('sub-user-a');
  const USER_B = asUser('sub-user-b', '[readers]');
  const ADMIN = asUser('sub-admin', '[cardocr-admin]');

  it('two users and an admin through the API; a photo dropped under a card-number key; both stages; isolation holds', { timeout: 300_000 }, async () => {
    // Through the api function's entry, as API Gateway invokes it.
    const call = async (who: Claims, path: string, init: { method?: string; body?: string } = {}) => {
      const res = await api(httpApiEvent(who, init.method ?? 'GET', path, init.body), lambdaContext('api', 10_000));
      const text = res.body ?? '';
      responses.push(text);
      let body: any = null;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        body = text;
      }
      return { status: res.statusCode ?? 200, body };
    };

    // User A: create a scan (the client-side file name is a card number), upload the photo to its presigned POST (s3rver).
    const created = await call(USER_A, '/v1/scans', { method: 'POST', body: JSON.stringify({ contentType: 'image/jpeg', filename: `${PLANTED}.jpg` }) });
    expect(created.status).toBe(201);
    const form = new FormData();
    for (const [k, v] of Object.entries(created.body.upload.fields as Record<string, string>)) form.append(k, v);
    form.append('file', new Blob([await readFile(join(FIXTURES, plain[0]!.file))], { type: 'image/jpeg' }), 'photo.jpg');
    const uploaded = await fetch(created.body.upload.url as string, { method: 'POST', body: form });
    responses.push(await uploaded.text());
    expect(uploaded.status).toBeLessThan(300);
    // Photos dropped straight into the bucket under a card number (a back-office importer):
    // grouped by dashes, and by two spaces (`++` in the S3 event).
    const droppedKey = `uploads/card ${GROUPS.join('-')}.jpg`;
    const dropped = await runtime.objects.put(droppedKey, new Uint8Array(await readFile(join(FIXTURES, plain[1]!.file))), { contentType: 'image/jpeg' });
    const spacedKey = `uploads/spaced ${GROUPS.join('  ')}.jpg`;
    const spaced = await runtime.objects.put(spacedKey, new Uint8Array(await readFile(join(FIXTURES, plain[0]!.file))), { contentType: 'image/jpeg' });
    const ofA = created.body.id as string;
    const uploadInfo = (await runtime.objects.head(`uploads/${ofA}.jpg`))!;

    // S3 → SQS → preprocess: the notifications as S3 sends them (keys URL-encoded).
    const pre = await preprocess(
      sqsEvent(
        sqsRecord(s3ObjectCreated(bucket, uploadInfo.key, uploadInfo.size, uploadInfo.etag)),
        sqsRecord(s3ObjectCreated(bucket, dropped.key, dropped.size, dropped.etag)),
        sqsRecord(s3ObjectCreated(bucket, spaced.key, spaced.size, spaced.etag)),
      ),
      lambdaContext('preprocess', 90_000),
    );
    expect(pre.batchItemFailures).toEqual([]);
    // preprocess → the read queue → read (the real reader).
    const got = await runtime.sqs.send(new ReceiveMessageCommand({ QueueUrl: readQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 120 }));
    expect(got.Messages).toHaveLength(3);
    for (const m of got.Messages ?? []) logs.push(`sqs read message: ${m.Body}`);
    const done = await read(sqsEvent(...(got.Messages ?? []).map((m) => sqsRecord(m.Body!))), lambdaContext('read', 90_000));
    expect(done.batchItemFailures).toEqual([]);

    // A sees its scan done with the masked PAN; B gets 404 and an empty list; the admin sees both.
    const a = await call(USER_A, `/v1/scans/${ofA}`);
    expect(a.status).toBe(200);
    expect(a.body.status).toBe('done');
    expect(a.body.card.pan).toMatch(/^\d{6}•+\d{4}$/);
    expect((await call(USER_B, `/v1/scans/${ofA}`)).status).toBe(404);
    expect((await call(USER_B, `/v1/scans/${ofA}`, { method: 'DELETE' })).status).toBe(404);
    expect((await call(USER_B, '/v1/scans?limit=100')).body.items).toEqual([]);
    expect((await call(USER_A, '/v1/scans?limit=100')).body.items.map((s: { id: string }) => s.id)).toEqual([ofA]);
    const all = (await call(ADMIN, '/v1/scans?limit=100')).body.items as Array<{ id: string; key: string; status: string }>;
    expect(all).toHaveLength(3);
    const drop = all.find((s) => s.key.startsWith('uploads/card '))!;
    expect(drop.key).toBe('uploads/card 453914••••••6467.jpg');
    expect(['done', 'failed']).toContain(drop.status);
    const spacedDrop = all.find((s) => s.key.startsWith('uploads/spaced '))!;
    expect(spacedDrop.key).toMatch(/^uploads\/spaced 453914•+6467\.jpg$/);
    expect(['done', 'failed']).toContain(spacedDrop.status);
    expect((await call(USER_A, `/v1/scans/${drop.id}`)).status).toBe(404);
    expect((await call(ADMIN, `/v1/scans/${ofA}`)).status).toBe(200);
    // The photos are gone from the bucket.
    expect(await runtime.objects.head(droppedKey)).toBeNull();
    expect(await runtime.objects.head(spacedKey)).toBeNull();
    expect(await runtime.objects.head(uploadInfo.key)).toBeNull();

    // The number in URLs: a path id, a path id grouped with %20, and list queries. The answers
    // (404/400 bodies) and whatever the function logged about them are swept below.
    const planted = [
      [`/v1/scans/${PLANTED}`, 404],
      [`/v1/scans/${GROUPS.join('%20')}`, 400],
      [`/v1/scans?${new URLSearchParams({ key: `uploads/card ${GROUPS.join('-')}.jpg` })}`, 200],
      [`/v1/scans?${new URLSearchParams({ key: `uploads/${PLANTED}.jpg` })}`, 200],
      [`/v1/scans?status=${PLANTED}`, 400],
      [`/v1/scans?cursor=${GROUPS.join('+')}`, 400],
    ] as const;
    for (const [path, status] of planted) expect((await call(ADMIN, path)).status, path.slice(0, 14)).toBe(status);
  });

  it('sweep: both tables (Scan), dynalite files, bucket files, queues, logs and API responses → 0 full card numbers', async () => {
    const pans = [PLANTED, ...plain.slice(0, 2).map((t) => t.pan!)];
    const items: Array<{ name: string; text: string }> = [];
    for (const name of [table, idem]) {
      const out = await runtime.dynamo.send(new ScanCommand({ TableName: name }));
      items.push({ name: `table ${name}`, text: JSON.stringify(out.Items ?? []) });
      expect(out.Items?.length ?? 0).toBeGreaterThan(0);
    }
    const left = await runtime.sqs.send(new ReceiveMessageCommand({ QueueUrl: readQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    const files = [...filesUnder(ddbDir), ...filesUnder(s3.directory)];
    const paths = [...pathsUnder(ddbDir), ...pathsUnder(s3.directory)];
    const texts = [
      ...items,
      { name: 'read queue', text: JSON.stringify(left.Messages ?? []) },
      { name: 'function logs', text: logs.join('') },
      ...responses.map((text, i) => ({ name: `api response ${i}`, text })),
    ];
    const findings = sweepForPans(pans, { files, paths, texts });
    console.log(
      `redaction sweep (AWS): ${items.map((i) => i.text.length).join(' + ')} chars of table items, ${files.length} emulator files, ${paths.length} paths, ` +
        `${panForms(PLANTED).length} forms per number, ` +
        `${logs.length} log writes, ${responses.length} API responses → ${findings.length} full card numbers`,
    );
    expect(findings).toEqual([]);
    // The planted key did reach the store and the logs, masked (so a full one would have been found).
    expect(items[0]!.text).toContain('uploads/card 453914••••••6467.jpg');
    // The functions' lines were captured (both stages and the API logged).
    for (const service of ['"service":"preprocess"', '"service":"read"', '"service":"api"']) expect(logs.join('')).toContain(service);
    // The sweep can fail: each planted form is found in a text, and a number in a path is found.
    for (const text of [`card ${GROUPS.join('-')}`, `spaced+${GROUPS.join('++')}.jpg`, `/v1/scans/${GROUPS.join('%20')}`, `cursor=${GROUPS.join('+')}`, `${PLANTED}.jpg`]) {
      expect(sweepForPans([PLANTED], { texts: [{ name: 'plant', text }] }), text.slice(0, 12)).not.toEqual([]);
    }
    expect(sweepForPans([PLANTED], { paths: [join(s3.directory, bucket, `uploads/card ${GROUPS.join('-')}.jpg._S3rver_object`)] })).not.toEqual([]);
  });
});
