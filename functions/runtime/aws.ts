/**
 * Composition root of the Lambda handlers: turns the AWS config into SDK clients, the
 * S3/DynamoDB adapters, a Powertools logger and metrics, and the idempotency store. Each
 * Lambda module calls {@link createAwsRuntime} once at module scope, so clients and
 * connections are reused across invocations of a warm environment.
 *
 * Endpoints are overridable through config (`CARDOCR_S3_ENDPOINT`,
 * `CARDOCR_DYNAMODB_ENDPOINT`) so tests run the bundled handlers against s3rver and
 * dynalite on 127.0.0.1; tests may also pass explicit client configs. Credentials come
 * from the SDK's default chain (the Lambda role on AWS).
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoResultStore } from '../adapters/aws/dynamo-result-store.js';
import { IDEMPOTENCY_TABLE } from '../adapters/aws/result-table-schema.js';
import { S3ObjectStore } from '../adapters/aws/s3-object-store.js';
import type { Log } from '../core/log.js';
import type { ObjectStore, ResultStore } from '../core/ports.js';
import { loadAwsConfig, loadReaderConfig, type AwsConfig, type ReaderConfig } from './config.js';

/** CloudWatch metrics namespace of the pipeline. */
export const METRICS_NAMESPACE = 'CardOcr';

export interface AwsRuntimeOptions {
  /** Powertools service name: `preprocess`, `read` or `api`. */
  readonly service: string;
  /** Environment to read config from (default: `process.env`, via config.ts). */
  readonly env?: Record<string, string | undefined>;
  /** Extra S3 client settings (tests), merged over the config-derived ones. */
  readonly s3ClientConfig?: S3ClientConfig;
  /** Extra DynamoDB client settings (tests), merged over the config-derived ones. */
  readonly dynamoClientConfig?: DynamoDBClientConfig;
}

export interface AwsRuntime {
  readonly config: AwsConfig;
  readonly reader: ReaderConfig;
  readonly s3: S3Client;
  readonly dynamo: DynamoDBClient;
  readonly objects: ObjectStore;
  readonly results: ResultStore;
  /** Powertools logger (JSON, with Lambda context once injected). */
  readonly logger: Logger;
  /** The logger behind the core's Log port. */
  readonly log: Log;
  readonly metrics: Metrics;
  /** Idempotency persistence, when `CARDOCR_IDEMPOTENCY_TABLE` is set (the stage functions). */
  readonly idempotencyStore: DynamoDBPersistenceLayer | null;
}

/** SDK settings for the configured endpoints (real AWS when none is set). */
export function clientConfigsFor(config: AwsConfig): { s3: S3ClientConfig; dynamo: DynamoDBClientConfig } {
  const s3: S3ClientConfig = { region: config.AWS_REGION };
  if (config.CARDOCR_S3_ENDPOINT) {
    Object.assign(s3, {
      endpoint: config.CARDOCR_S3_ENDPOINT,
      // S3 emulators serve buckets by path, not by virtual host.
      forcePathStyle: true,
      // and predate the SDK's default CRC32 checksums (aws-chunked trailers).
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    } satisfies S3ClientConfig);
  }
  const dynamo: DynamoDBClientConfig = { region: config.AWS_REGION };
  if (config.CARDOCR_DYNAMODB_ENDPOINT) dynamo.endpoint = config.CARDOCR_DYNAMODB_ENDPOINT;
  return { s3, dynamo };
}

/** Powertools' level names; `silent` maps to its SILENT level. */
function powertoolsLevel(level: ReaderConfig['CARDOCR_LOG_LEVEL']): 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT' {
  return level.toUpperCase() as 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
}

/** Adapts a Powertools logger to the core's Log port (same call shape, narrower types). */
export function logFromLogger(logger: Logger): Log {
  type Extra = Array<Record<string, unknown> | Error>;
  const call = (fn: (msg: string, ...extra: never[]) => void) => (message: string, ...extra: Extra) =>
    fn.call(logger, message, ...(extra as never[]));
  return {
    debug: call(logger.debug),
    info: call(logger.info),
    warn: call(logger.warn),
    error: call(logger.error),
  };
}

/** Builds the runtime of one Lambda function. Call once per module (cold start). */
export function createAwsRuntime(options: AwsRuntimeOptions): AwsRuntime {
  const config = options.env ? loadAwsConfig(options.env) : loadAwsConfig();
  const reader = options.env ? loadReaderConfig(options.env) : loadReaderConfig();
  const base = clientConfigsFor(config);
  const s3 = new S3Client({ ...base.s3, ...options.s3ClientConfig });
  const dynamo = new DynamoDBClient({ ...base.dynamo, ...options.dynamoClientConfig });
  const logger = new Logger({ serviceName: options.service, logLevel: powertoolsLevel(reader.CARDOCR_LOG_LEVEL) });
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: options.service });
  const idempotencyStore = config.CARDOCR_IDEMPOTENCY_TABLE
    ? new DynamoDBPersistenceLayer({
        tableName: config.CARDOCR_IDEMPOTENCY_TABLE,
        keyAttr: IDEMPOTENCY_TABLE.partitionKey,
        expiryAttr: IDEMPOTENCY_TABLE.ttlAttribute,
        awsSdkV3Client: dynamo,
      })
    : null;
  return {
    config,
    reader,
    s3,
    dynamo,
    objects: new S3ObjectStore({ client: s3, bucket: config.BUCKET_NAME }),
    results: new DynamoResultStore({ client: dynamo, tableName: config.TABLE_NAME }),
    logger,
    log: logFromLogger(logger),
    metrics,
    idempotencyStore,
  };
}
