/**
 * The Lambda composition root's SDK clients: connection and request timeouts and a bounded
 * number of attempts on every client (a hung call fails and is retried well inside the
 * function's timeout), and the Powertools Tracer capturing S3/DynamoDB/SQS only when tracing
 * is on (off by default).
 */
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsRuntime, SDK_LIMITS } from '../../functions/handlers/aws/composition.js';
import { TEST_CREDENTIALS } from '../support/aws-emulators.js';

const baseEnv = (extra: Record<string, string> = {}) => ({
  BUCKET_NAME: 'bucket-x',
  TABLE_NAME: 'table-x',
  AWS_REGION: 'us-east-1',
  CARDOCR_LOG_LEVEL: 'silent',
  ...extra,
});

/** The resolved settings of a client's Node HTTP handler. */
async function handlerConfig(client: { config: { requestHandler: unknown } }): Promise<Record<string, unknown>> {
  const handler = client.config.requestHandler as { configProvider: Promise<Record<string, unknown>> };
  return handler.configProvider;
}

/** Names of a client's middleware (the Tracer adds its own). */
const middlewareNames = (client: { middlewareStack: { identify(): string[] } }) => client.middlewareStack.identify().join(' ');

describe('AWS SDK clients of the Lambda functions', () => {
  it('every client has the connection and request timeouts and a bounded number of attempts', async () => {
    const runtime = createAwsRuntime({ service: 'test', env: baseEnv() });
    const clients = { s3: runtime.s3, dynamo: runtime.dynamo, sqs: runtime.sqs } as const;
    for (const [name, client] of Object.entries(clients)) {
      const config = await handlerConfig(client);
      expect(config.connectionTimeout, name).toBe(SDK_LIMITS.connectionTimeoutMs);
      expect(config.requestTimeout, name).toBe(SDK_LIMITS.requestTimeoutMs[name as keyof typeof SDK_LIMITS.requestTimeoutMs]);
      // Without this the request timeout is only a logged warning.
      expect(config.throwOnRequestTimeout, name).toBe(true);
      expect(await client.config.maxAttempts(), name).toBe(SDK_LIMITS.maxAttempts);
    }
    // Inside the API function's 10 s even when every attempt hangs (plus a little backoff).
    expect(SDK_LIMITS.maxAttempts * SDK_LIMITS.requestTimeoutMs.dynamo).toBeLessThan(10_000);
  });

  describe('against a server that accepts and never answers', () => {
    let server: Server;
    let endpoint: string;
    let connections = 0;
    const sockets = new Set<import('node:net').Socket>();
    beforeAll(async () => {
      server = createServer((socket) => {
        connections++;
        sockets.add(socket);
        // The client hangs up on its timeout; nothing to report about that.
        socket.on('error', () => undefined);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('a hung DynamoDB call fails with a timeout after the bounded attempts, not never', async () => {
      const runtime = createAwsRuntime({
        service: 'test',
        env: baseEnv({ CARDOCR_DYNAMODB_ENDPOINT: endpoint }),
        dynamoClientConfig: { credentials: TEST_CREDENTIALS },
      });
      const started = Date.now();
      const err = await runtime.dynamo.send(new GetItemCommand({ TableName: 'table-x', Key: { id: { S: 'x' } } })).catch((e: unknown) => e);
      const elapsed = Date.now() - started;
      console.log(`hung DynamoDB call ended after ${elapsed} ms (${SDK_LIMITS.maxAttempts} attempts × ${SDK_LIMITS.requestTimeoutMs.dynamo} ms request timeout)`);
      expect((err as Error).name).toBe('TimeoutError');
      expect((err as { $metadata?: { attempts?: number } }).$metadata?.attempts).toBe(SDK_LIMITS.maxAttempts);
      expect(connections).toBeGreaterThanOrEqual(SDK_LIMITS.maxAttempts);
      runtime.dynamo.destroy();
    }, 30_000);
  });

  it("the functions' Powertools Logger masks card numbers in messages, fields, numbers and errors", () => {
    const runtime = createAwsRuntime({ service: 'test', env: baseEnv({ CARDOCR_LOG_LEVEL: 'debug' }) });
    const lines: string[] = [];
    const writes = [process.stdout, process.stderr].map((stream) => {
      const write = stream.write;
      stream.write = ((chunk: unknown) => (lines.push(String(chunk)), true)) as typeof stream.write;
      return () => (stream.write = write);
    });
    try {
      runtime.log.info('object uploads/4539148803436467.jpg arrived', { key: 'uploads/card 4539-1488-0343-6467.jpg', n: 4539148803436467 });
      runtime.log.error('could not read', new Error('bad key uploads/4539 1488 0343 6467.jpg'));
    } finally {
      for (const restore of writes) restore();
    }
    const out = lines.join('');
    expect(out).toContain('453914');
    expect(out).not.toMatch(/4539\D?1488\D?0343\D?6467/);
    expect(out).toContain('"service":"test"');
  });

  it('no Tracer by default; with POWERTOOLS_TRACE_ENABLED=true the S3, DynamoDB and SQS clients are captured', () => {
    const off = createAwsRuntime({ service: 'test', env: baseEnv() });
    expect(off.config.aws.tracing).toBe(false);
    expect(off.tracer).toBeNull();
    for (const client of [off.s3, off.dynamo, off.sqs]) expect(middlewareNames(client)).not.toMatch(/XRay/i);

    // The Tracer turns itself off outside Lambda; pretend to be inside one, as on AWS.
    const previous = process.env.AWS_EXECUTION_ENV;
    process.env.AWS_EXECUTION_ENV = 'AWS_Lambda_nodejs22.x';
    try {
      const on = createAwsRuntime({ service: 'test', env: baseEnv({ POWERTOOLS_TRACE_ENABLED: 'true' }) });
      expect(on.config.aws.tracing).toBe(true);
      expect(on.tracer?.isTracingEnabled()).toBe(true);
      for (const client of [on.s3, on.dynamo, on.sqs]) expect(middlewareNames(client)).toMatch(/XRay/i);
    } finally {
      if (previous === undefined) delete process.env.AWS_EXECUTION_ENV;
      else process.env.AWS_EXECUTION_ENV = previous;
    }
  });
});
