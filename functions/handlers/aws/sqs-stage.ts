/**
 * The SQS edge shared by the two stage Lambdas: SQS batch → Powertools BatchProcessor
 * (partial batch responses) → each message body parsed as an S3 event notification (zod)
 * → Powertools idempotency keyed on bucket + key + version → the stage.
 *
 * Errors are mapped here, once:
 * - a non-retryable CardOcrError (bad image, no card, malformed message) is a finished
 *   job: the stage has recorded the scan as failed, the message is acknowledged;
 * - anything retryable (OCR engine, throttling, network, a concurrent duplicate still in
 *   progress) becomes a batch item failure, so SQS redelivers it after the visibility
 *   timeout and moves it to the DLQ after maxReceiveCount.
 *
 * Logs and metrics carry keys, codes, counts and timings only: never a message body.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { toCardOcrError, ValidationError, type CardOcrError } from '../../core/errors.js';
import type { AwsRuntime } from '../../runtime/aws.js';

/** One object named by an S3 event notification, key already URL-decoded. */
export interface S3ObjectRef {
  readonly bucket: string;
  /** Decoded object key (S3 sends it URL-encoded with `+` for spaces). */
  readonly key: string;
  /** Bare ETag (no quotes), when the event has one. */
  readonly etag: string | null;
  /** Version id on versioned buckets. */
  readonly versionId: string | null;
  readonly size: number | null;
}

/** What a stage reports back for logs, metrics and the idempotency record (no card data). */
export interface StageSummary {
  readonly scanId: string | null;
  /** Final or next status of the scan, e.g. `reading`, `done`, `failed`, or `skipped`. */
  readonly status: string;
  /** Card fields found (read stage). */
  readonly fieldsFound?: number;
  /** Error code when the stage recorded the scan as failed. */
  readonly errorCode?: string;
}

// Only the fields the pipeline uses are checked; S3 adds more over time and emulators fewer.
const s3RecordSchema = z.object({
  eventSource: z.literal('aws:s3'),
  eventName: z.string(),
  s3: z.object({
    bucket: z.object({ name: z.string().min(3) }),
    object: z.object({
      key: z.string().min(1),
      size: z.number().int().nonnegative().optional(),
      eTag: z.string().optional(),
      versionId: z.string().optional(),
    }),
  }),
});
const s3NotificationSchema = z.union([
  z.object({ Records: z.array(s3RecordSchema) }),
  // Sent once when the notification is configured; carries no object.
  z.object({ Event: z.literal('s3:TestEvent') }),
]);

/** Decodes an S3 event key: `+` is a space, the rest is percent-encoding. */
export function decodeS3Key(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch (err) {
    throw new ValidationError('object key in event is not valid URL encoding', { cause: err });
  }
}

/**
 * Parses one SQS message body as an S3 event notification. Returns the created objects it
 * names (none for `s3:TestEvent` or non-creation events). Throws ValidationError on a
 * body that is not an S3 notification (the message is never quoted back).
 */
export function parseS3Notification(body: string): S3ObjectRef[] {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (err) {
    throw new ValidationError('message body is not JSON', { cause: err });
  }
  const parsed = s3NotificationSchema.safeParse(json);
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) => i.path.join('.') || '(root)').join(', ');
    throw new ValidationError(`message body is not an S3 event notification (at ${where})`, { cause: parsed.error });
  }
  if (!('Records' in parsed.data)) return [];
  return parsed.data.Records.filter((r) => r.eventName.startsWith('ObjectCreated:')).map((r) => ({
    bucket: r.s3.bucket.name,
    key: decodeS3Key(r.s3.object.key),
    etag: r.s3.object.eTag ? r.s3.object.eTag.replace(/"/g, '') : null,
    versionId: r.s3.object.versionId ?? null,
    size: r.s3.object.size ?? null,
  }));
}

export interface SqsStageOptions {
  /** `preprocess` or `read`: names the metrics dimension and log lines. */
  readonly stage: string;
  readonly runtime: AwsRuntime;
  /**
   * Runs the stage for one object. Must record bad input on the scan itself (failed
   * status) and may then either return or throw the non-retryable error.
   */
  readonly run: (ref: S3ObjectRef) => Promise<StageSummary>;
  /** How long a completed idempotency record suppresses duplicates (default 1 h). */
  readonly idempotencyTtlSeconds?: number;
}

/** The identity of an object version: what the idempotency key is hashed from. */
function identityOf(ref: S3ObjectRef): { bucket: string; key: string; version: string } {
  return { bucket: ref.bucket, key: ref.key, version: ref.versionId ?? ref.etag ?? '' };
}

/** Builds the Lambda handler of one SQS-driven stage. */
export function createSqsStageHandler(options: SqsStageOptions) {
  const { runtime, stage } = options;
  const { logger, metrics } = runtime;
  metrics.setDefaultDimensions({ stage });
  const processor = new BatchProcessor(EventType.SQS);
  const idempotencyConfig = new IdempotencyConfig({ expiresAfterSeconds: options.idempotencyTtlSeconds ?? 3600 });

  // The idempotent unit is one object version, not one SQS message: S3 may notify twice,
  // and a redelivered message must not run the stage again once it completed.
  const runOnce = async (identity: { bucket: string; key: string; version: string }, ref: S3ObjectRef) => {
    const started = performance.now();
    const summary = await options.run(ref);
    metrics.addMetric('StageLatency', MetricUnit.Milliseconds, performance.now() - started);
    if (summary.fieldsFound !== undefined) metrics.addMetric('FieldsFound', MetricUnit.Count, summary.fieldsFound);
    logger.info('stage finished', { stage, key: identity.key, ...summary, ms: Math.round(performance.now() - started) });
    return summary;
  };
  const process = runtime.idempotencyStore
    ? makeIdempotent(runOnce, {
        persistenceStore: runtime.idempotencyStore,
        config: idempotencyConfig,
        keyPrefix: `cardocr-${stage}`,
      })
    : runOnce;

  const recordFailure = (err: CardOcrError, key: string | null) => {
    const single = metrics.singleMetric();
    single.addDimension('stage', stage);
    single.addDimension('errorCode', err.code);
    single.addMetric('Failures', MetricUnit.Count, 1);
    const fields = { stage, key, code: err.code, retryable: err.retryable, error: err.message };
    if (err.retryable) logger.warn('stage failed, will retry', fields);
    else logger.warn('stage failed on bad input, not retried', fields);
  };

  const recordHandler = async (record: SQSRecord): Promise<void> => {
    let refs: S3ObjectRef[];
    try {
      refs = parseS3Notification(record.body);
    } catch (err) {
      // A body that is not an S3 event will never parse: acknowledge it, do not retry.
      recordFailure(toCardOcrError(err), null);
      return;
    }
    if (refs.length === 0) {
      logger.debug('no created objects in message (test event or other event type)', { messageId: record.messageId });
      return;
    }
    for (const ref of refs) {
      try {
        await process(identityOf(ref), ref);
      } catch (thrown) {
        const err = toCardOcrError(thrown);
        recordFailure(err, ref.key);
        // Rethrowing makes this message a batch item failure: SQS redelivers it. Unknown
        // errors count as retryable (toCardOcrError), so nothing unexpected is dropped.
        if (err.retryable) throw thrown;
      }
    }
  };

  let coldStart = true;
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    logger.addContext(context);
    idempotencyConfig.registerLambdaContext(context);
    if (coldStart) {
      metrics.captureColdStartMetric(context.functionName);
      coldStart = false;
    }
    try {
      return await processPartialResponse(event, recordHandler, processor, {
        context,
        // All-failed batches are reported item by item like partial ones (no function error).
        throwOnFullBatchFailure: false,
      });
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}
