/**
 * Composition root of the Lambda functions: turns the config into SDK clients, the S3 /
 * DynamoDB / SQS adapters, a Powertools logger and metrics, and the idempotency store. Each
 * Lambda module calls {@link createAwsRuntime} once at module scope, so clients and
 * connections are reused across invocations of a warm environment.
 *
 * Every SDK client has a connection timeout, a request timeout and a bounded number of
 * attempts (standard retry mode), so a hung connection fails and is retried well inside the
 * function's own timeout instead of eating it. When tracing is on (CDK prop `tracing`, which
 * sets X-Ray active tracing and `POWERTOOLS_TRACE_ENABLED=true`), the Powertools Tracer
 * captures each S3, DynamoDB and SQS call as a subsegment; off by default, it is not built.
 *
 * Endpoints are overridable through config (`CARDOCR_S3_ENDPOINT`, `CARDOCR_DYNAMODB_ENDPOINT`,
 * `CARDOCR_SQS_ENDPOINT`) so tests run the handlers against emulators on 127.0.0.1; tests may
 * also pass explicit client configs. Credentials come from the SDK's default chain (the Lambda
 * role on AWS).
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { DynamoResultStore } from '../../adapters/aws/dynamo-result-store.js';
import { IDEMPOTENCY_TABLE } from '../../adapters/aws/result-table-schema.js';
import { S3ObjectStore } from '../../adapters/aws/s3-object-store.js';
import { SqsJobQueue } from '../../adapters/aws/sqs-job-queue.js';
import { createPowertoolsLogger, logFromLogger } from '../../adapters/log/powertools-log.js';
import { loadConfig, type Config } from '../../core/config.js';
import { METRICS_NAMESPACE } from '../../core/env-names.js';
import type { Log } from '../../core/log.js';
import type { JobQueue, ObjectStore, ResultStore } from '../../core/ports.js';
import { STAGE_QUEUES } from '../../core/stages.js';

export interface AwsRuntimeOptions {
  /** Powertools service name: `preprocess`, `read` or `api`. */
  readonly service: string;
  /** Environment to read config from (default: `process.env`, via core/config.ts). */
  readonly env?: Record<string, string | undefined>;
  /** Extra client settings (tests), merged over the config-derived ones. */
  readonly s3ClientConfig?: S3ClientConfig;
  readonly dynamoClientConfig?: DynamoDBClientConfig;
  readonly sqsClientConfig?: SQSClientConfig;
}

/** The config sections a Lambda function reads. */
export type AwsFunctionConfig = Pick<Config, 'limits' | 'ocr' | 'log' | 'aws'>;

export interface AwsRuntime {
  readonly config: AwsFunctionConfig;
  readonly s3: S3Client;
  readonly dynamo: DynamoDBClient;
  readonly sqs: SQSClient;
  readonly objects: ObjectStore;
  readonly results: ResultStore;
  /** The stage queues (the preprocess function sends its read jobs here). */
  readonly jobs: JobQueue;
  /** Powertools logger (JSON, with Lambda context once injected). */
  readonly logger: Logger;
  /** The logger behind the core's Log port. */
  readonly log: Log;
  readonly metrics: Metrics;
  /** Idempotency persistence, when `CARDOCR_IDEMPOTENCY_TABLE` is set (the stage functions). */
  readonly idempotencyStore: DynamoDBPersistenceLayer | null;
  /** The Powertools Tracer capturing the SDK clients, when tracing is on; null otherwise. */
  readonly tracer: Tracer | null;
}

/**
 * Timeouts and attempts of the SDK clients. Why these numbers: DynamoDB and SQS calls are
 * small (p99 well under 100 ms in-region), so 3 s is a hung call, not a slow one; S3 moves
 * photos of up to 15 MB (about 1 s in-region), so 20 s. Three attempts with the SDK's
 * standard backoff stay inside the API function's 10 s for DynamoDB (3 × 3 s + backoff is the
 * rare worst case; API Gateway's own limit is 30 s). A connection that is not up in 1 s is
 * retried on a fresh one.
 */
export const SDK_LIMITS = Object.freeze({
  connectionTimeoutMs: 1000,
  requestTimeoutMs: { dynamo: 3000, sqs: 3000, s3: 20_000 },
  maxAttempts: 3,
} as const);

// `throwOnRequestTimeout`: without it the Node handler only logs a warning when requestTimeout
// passes and keeps waiting (checked: a hung DynamoDB call then never ends).
const handlerOf = (requestTimeout: number) => ({
  connectionTimeout: SDK_LIMITS.connectionTimeoutMs,
  requestTimeout,
  throwOnRequestTimeout: true,
});

/** SDK settings for the configured endpoints (real AWS when none is set). */
function clientConfigsFor(config: Config['aws']): { s3: S3ClientConfig; dynamo: DynamoDBClientConfig; sqs: SQSClientConfig } {
  const common = { maxAttempts: SDK_LIMITS.maxAttempts, retryMode: 'standard' } as const;
  const s3: S3ClientConfig = { region: config.region, ...common, requestHandler: handlerOf(SDK_LIMITS.requestTimeoutMs.s3) };
  if (config.s3Endpoint) {
    Object.assign(s3, {
      endpoint: config.s3Endpoint,
      // S3 emulators serve buckets by path, not by virtual host.
      forcePathStyle: true,
      // and predate the SDK's default CRC32 checksums (aws-chunked trailers).
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    } satisfies S3ClientConfig);
  }
  const dynamo: DynamoDBClientConfig = { region: config.region, ...common, requestHandler: handlerOf(SDK_LIMITS.requestTimeoutMs.dynamo) };
  if (config.dynamodbEndpoint) dynamo.endpoint = config.dynamodbEndpoint;
  const sqs: SQSClientConfig = { region: config.region, ...common, requestHandler: handlerOf(SDK_LIMITS.requestTimeoutMs.sqs) };
  if (config.sqsEndpoint) sqs.endpoint = config.sqsEndpoint;
  return { s3, dynamo, sqs };
}

/** Builds the runtime of one Lambda function. Call once per module (cold start). */
export function createAwsRuntime(options: AwsRuntimeOptions): AwsRuntime {
  const config = loadConfig(['limits', 'ocr', 'log', 'aws'], options.env);
  const base = clientConfigsFor(config.aws);
  const tracer = config.aws.tracing ? new Tracer({ serviceName: options.service, enabled: true, captureHTTPsRequests: false }) : null;
  // captureAWSv3Client returns the same client with the X-Ray middleware added.
  const traced = <T>(client: T): T => (tracer ? tracer.captureAWSv3Client(client) : client);
  const s3 = traced(new S3Client({ ...base.s3, ...options.s3ClientConfig }));
  const dynamo = traced(new DynamoDBClient({ ...base.dynamo, ...options.dynamoClientConfig }));
  const sqs = traced(new SQSClient({ ...base.sqs, ...options.sqsClientConfig }));
  const logger = createPowertoolsLogger({ service: options.service, level: config.log.level });
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: options.service });
  const idempotencyStore = config.aws.idempotencyTable
    ? new DynamoDBPersistenceLayer({
        tableName: config.aws.idempotencyTable,
        keyAttr: IDEMPOTENCY_TABLE.partitionKey,
        expiryAttr: IDEMPOTENCY_TABLE.ttlAttribute,
        awsSdkV3Client: dynamo,
      })
    : null;
  return {
    config,
    s3,
    dynamo,
    sqs,
    objects: new S3ObjectStore({ client: s3, bucket: config.aws.bucketName }),
    results: new DynamoResultStore({ client: dynamo, tableName: config.aws.tableName }),
    jobs: new SqsJobQueue({
      client: sqs,
      queueUrls: config.aws.readQueueUrl ? { [STAGE_QUEUES.read]: config.aws.readQueueUrl } : {},
      maxAttempts: config.aws.maxReceiveCount,
    }),
    logger,
    log: logFromLogger(logger),
    metrics,
    idempotencyStore,
    tracer,
  };
}
