/**
 * Test helpers: real S3, DynamoDB and SQS API servers (s3rver, dynalite, fauxqs) on 127.0.0.1 random
 * ports, with the results and idempotency tables created from the same key-schema
 * constants the CDK stack uses.
 */
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  waitUntilTableExists,
  type CreateTableCommandInput,
  type DynamoDBClientConfig,
} from '@aws-sdk/client-dynamodb';
import { SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';
import dynalite from 'dynalite';
import { startFauxqs } from 'fauxqs';
import { IDEMPOTENCY_TABLE, RESULT_TABLE } from '../../functions/adapters/aws/result-table-schema.js';

/** Dummy credentials: the emulators accept any well-formed signature. */
export const TEST_REGION = 'us-east-1';
export const TEST_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface S3Emulator {
  readonly endpoint: string;
  /** Where s3rver keeps the objects (a temp dir, removed by `stop`): what a sweep of the bucket reads. */
  readonly directory: string;
  /** Every S3 event notification s3rver emitted (S3-shaped `{Records: [...]}`). */
  readonly events: Array<{ Records: unknown[] }>;
  clientConfig(): S3ClientConfig;
  client(): S3Client;
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts s3rver on 127.0.0.1:random with its data in a fresh temp dir. It runs in a child
 * process started with `--openssl-legacy-provider`: s3rver makes ListObjectsV2
 * continuation tokens with DES, which OpenSSL 3 (Node >= 17) only offers from the legacy
 * provider, so in-process every truncated listing fails with a 500.
 */
export async function startS3(): Promise<S3Emulator> {
  const directory = await mkdtemp(join(tmpdir(), 'cardocr-s3rver-'));
  const child = fork(fileURLToPath(new URL('./s3rver-process.mjs', import.meta.url)), [directory], {
    execArgv: ['--openssl-legacy-provider'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const events: Array<{ Records: unknown[] }> = [];
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`s3rver exited early with code ${code}`)));
    child.on('message', (m: { type: string; port?: number; event?: { Records: unknown[] } }) => {
      if (m.type === 'ready' && m.port !== undefined) resolve(m.port);
      if (m.type === 'event' && m.event) events.push(m.event);
    });
  });
  child.removeAllListeners('exit');
  const endpoint = `http://127.0.0.1:${port}`;
  const clientConfig = (): S3ClientConfig => ({
    endpoint,
    region: TEST_REGION,
    credentials: TEST_CREDENTIALS,
    forcePathStyle: true,
    // s3rver predates the SDK's default CRC32 request checksums (aws-chunked trailers).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return {
    endpoint,
    directory,
    events,
    clientConfig,
    client: () => new S3Client(clientConfig()),
    async createBucket(name) {
      const client = new S3Client(clientConfig());
      try {
        await client.send(new CreateBucketCommand({ Bucket: name }));
      } finally {
        client.destroy();
      }
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.send('stop');
        await exited;
      }
      await rm(directory, { recursive: true, force: true });
    },
  };
}

export interface DynamoEmulator {
  readonly endpoint: string;
  clientConfig(): DynamoDBClientConfig;
  client(): DynamoDBClient;
  /** Creates a results table with the production key schema (RESULT_TABLE). */
  createResultsTable(name: string): Promise<void>;
  /** Creates a Powertools idempotency table (IDEMPOTENCY_TABLE). */
  createIdempotencyTable(name: string): Promise<void>;
  /** Creates a table from a raw definition (e.g. taken from a synthesised template) and waits for it. */
  createTable(input: CreateTableCommandInput): Promise<void>;
  deleteTable(name: string): Promise<void>;
  stop(): Promise<void>;
}

/** Starts dynalite on 127.0.0.1:random: in memory, or in a LevelDB at `path` (files a sweep can read). */
export async function startDynamo(options: { path?: string } = {}): Promise<DynamoEmulator> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(options.path ? { path: options.path } : {}) });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const clientConfig = (): DynamoDBClientConfig => ({ endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
  const withClient = async (fn: (c: DynamoDBClient) => Promise<void>) => {
    const c = new DynamoDBClient(clientConfig());
    try {
      await fn(c);
    } finally {
      c.destroy();
    }
  };
  return {
    endpoint,
    clientConfig,
    client: () => new DynamoDBClient(clientConfig()),
    createResultsTable: (name) =>
      withClient(async (c) => {
        const { indexes } = RESULT_TABLE;
        const gsis = Object.values(indexes);
        const attrs = new Set<string>([RESULT_TABLE.partitionKey, ...gsis.flatMap((g) => [g.partitionKey, g.sortKey])]);
        await c.send(
          new CreateTableCommand({
            TableName: name,
            BillingMode: 'PAY_PER_REQUEST',
            AttributeDefinitions: [...attrs].map((a) => ({ AttributeName: a, AttributeType: 'S' })),
            KeySchema: [{ AttributeName: RESULT_TABLE.partitionKey, KeyType: 'HASH' }],
            GlobalSecondaryIndexes: gsis.map((g) => ({
              IndexName: g.name,
              KeySchema: [
                { AttributeName: g.partitionKey, KeyType: 'HASH' },
                { AttributeName: g.sortKey, KeyType: 'RANGE' },
              ],
              Projection: { ProjectionType: 'ALL' },
            })),
          }),
        );
        await waitUntilTableExists({ client: c, maxWaitTime: 30, minDelay: 0.1, maxDelay: 0.5 }, { TableName: name });
      }),
    createIdempotencyTable: (name) =>
      withClient(async (c) => {
        await c.send(
          new CreateTableCommand({
            TableName: name,
            BillingMode: 'PAY_PER_REQUEST',
            AttributeDefinitions: [{ AttributeName: IDEMPOTENCY_TABLE.partitionKey, AttributeType: 'S' }],
            KeySchema: [{ AttributeName: IDEMPOTENCY_TABLE.partitionKey, KeyType: 'HASH' }],
          }),
        );
        await waitUntilTableExists({ client: c, maxWaitTime: 30, minDelay: 0.1, maxDelay: 0.5 }, { TableName: name });
      }),
    createTable: (input) =>
      withClient(async (c) => {
        await c.send(new CreateTableCommand(input));
        await waitUntilTableExists({ client: c, maxWaitTime: 30, minDelay: 0.1, maxDelay: 0.5 }, { TableName: input.TableName });
      }),
    deleteTable: (name) =>
      withClient(async (c) => {
        await c.send(new DeleteTableCommand({ TableName: name }));
      }),
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface SqsEmulator {
  readonly endpoint: string;
  clientConfig(): SQSClientConfig;
  client(): SQSClient;
  /**
   * Creates a standard queue with its dead-letter queue (redrive after `maxReceiveCount`
   * receives, like the CDK stage queues). Returns both URLs.
   */
  createQueue(name: string, options?: { maxReceiveCount?: number }): Promise<{ url: string; deadLetterUrl: string }>;
  stop(): Promise<void>;
}

/** Starts fauxqs (an SQS API server, in memory) on 127.0.0.1:random. */
export async function startSqs(): Promise<SqsEmulator> {
  // `host` only names queue URLs (sqs.<region>.localhost:<port>/...); the SDK talks to `endpoint`.
  const server = await startFauxqs({ port: 0, logger: false, host: 'localhost' });
  const endpoint = `http://127.0.0.1:${server.port}`;
  const clientConfig = (): SQSClientConfig => ({ endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
  return {
    endpoint,
    clientConfig,
    client: () => new SQSClient(clientConfig()),
    async createQueue(name, options = {}) {
      const dlq = server.createQueue(`${name}-dlq`);
      const queue = server.createQueue(name, {
        attributes: {
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.queueArn, maxReceiveCount: options.maxReceiveCount ?? 3 }),
        },
      });
      return { url: queue.queueUrl, deadLetterUrl: dlq.queueUrl };
    },
    stop: () => server.stop(),
  };
}
