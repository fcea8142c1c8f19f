/**
 * The SQS edge shared by the two stage Lambdas: SQS batch → Powertools BatchProcessor
 * (partial batch responses) → each message body checked as an S3 event notification (zod)
 * → Powertools idempotency keyed on bucket + key + version of the objects it names (not the
 * message id) → the shared stage handler (functions/handlers/{preprocess,read}.ts), which
 * decodes the keys (once, there) and runs the use-case.
 *
 * Errors are mapped here, once:
 * - bad input (a non-retryable CardOcrError, a body that is not an S3 event) is a finished
 *   job: the stage has recorded the scan as failed, the message is acknowledged;
 * - anything retryable (OCR engine, throttling, network, a duplicate still in progress)
 *   becomes a batch item failure, so SQS redelivers it after the visibility timeout. On the
 *   last delivery (maxReceiveCount) the scan is first recorded `failed`/`dead_lettered`, so
 *   the message reaching the DLQ never leaves a scan stuck in a working status.
 *
 * Logs and metrics carry keys, codes, counts and timings only: never a message body.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { CardOcrError, toCardOcrError, ValidationError } from '../../core/errors.js';
import { redactPans } from '../../core/mask.js';
import type { AwsRuntime } from '../../runtime/aws.js';

/** The identity of one object version named by an event: what idempotency is keyed on. */
export interface ObjectVersion {
  readonly bucket: string;
  /** The key as the event carries it (URL-encoded): an identity, not decoded here. */
  readonly key: string;
  /** Version id on versioned buckets, else the ETag (else the event's sequencer). */
  readonly version: string;
}

/** What a stage reports back for logs, metrics and the idempotency record (no card data). */
export interface StageSummary {
  readonly scanId: string | null;
  /** What the stage did: `processed`, `duplicate` or `ignored`. */
  readonly action: string;
  /** Status of the scan after the stage, when it has one. */
  readonly status: string | null;
  /** Card fields found (read stage, processed scans). */
  readonly fieldsFound?: number;
}

// Only the fields the pipeline uses are checked; S3 adds more over time and emulators send fewer.
const s3RecordSchema = z.object({
  eventSource: z.literal('aws:s3'),
  eventName: z.string(),
  s3: z.object({
    bucket: z.object({ name: z.string().min(3) }),
    object: z.object({
      key: z.string().min(1),
      eTag: z.string().optional(),
      versionId: z.string().optional(),
      sequencer: z.string().optional(),
    }),
  }),
});
const s3NotificationSchema = z.union([
  z.object({ Records: z.array(s3RecordSchema) }),
  // Sent once when a notification is configured; names no object.
  z.object({ Event: z.literal('s3:TestEvent') }),
]);

/** A message body checked as an S3 notification. */
export interface S3Notification {
  /** The parsed body, handed to the stage handler as is. */
  readonly event: unknown;
  /** Objects created (empty for `s3:TestEvent` and other event types). */
  readonly created: ObjectVersion[];
}

/**
 * Parses one SQS message body as an S3 event notification. Throws ValidationError on a body
 * that is not one (the message never quotes the body).
 */
export function parseS3Notification(body: string): S3Notification {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (err) {
    throw new ValidationError('message body is not JSON', { cause: err });
  }
  const parsed = s3NotificationSchema.safeParse(json);
  if (!parsed.success) {
    const where = [...new Set(parsed.error.issues.map((i) => i.path.join('.') || '(root)'))].join(', ');
    throw new ValidationError(`message body is not an S3 event notification (at ${where})`, { cause: parsed.error });
  }
  if (!('Records' in parsed.data)) return { event: json, created: [] };
  const created = parsed.data.Records.filter((r) => r.eventName.startsWith('ObjectCreated:')).map((r) => ({
    bucket: r.s3.bucket.name,
    key: r.s3.object.key,
    // A new upload under the same key changes these; a duplicate notification does not.
    version: r.s3.object.versionId ?? r.s3.object.eTag?.replace(/"/g, '') ?? r.s3.object.sequencer ?? '',
  }));
  return { event: json, created };
}

export interface SqsStageOptions {
  /** `preprocess` or `read`: names the metrics dimension and log lines. */
  readonly stage: 'preprocess' | 'read';
  readonly runtime: AwsRuntime;
  /**
   * Runs the stage handler on one S3 event. Records bad input on the scan itself and
   * returns; throws what is worth retrying.
   */
  readonly run: (event: unknown, context: Context) => Promise<StageSummary[]>;
  /** Called on the last delivery of a still-failing message: records its scans as failed. */
  readonly giveUp: (event: unknown, reason: string, context: Context) => Promise<void>;
  /** How long a completed idempotency record suppresses duplicates (default 1 h). */
  readonly idempotencyTtlSeconds?: number;
}

/**
 * What went wrong beyond the code, for operators: the underlying error of an `internal` one
 * (e.g. an SDK throttling error), redacted like all output.
 */
function detailOf(thrown: unknown): string {
  const inner = thrown instanceof CardOcrError && thrown.code === 'internal' && thrown.cause instanceof Error ? thrown.cause : thrown;
  return inner instanceof Error ? redactPans(`${inner.name}: ${inner.message}`) : 'non-error thrown';
}

/** Builds the Lambda handler of one SQS-driven stage. */
export function createSqsStageHandler(options: SqsStageOptions) {
  const { runtime, stage } = options;
  const { logger, metrics } = runtime;
  const maxReceiveCount = runtime.config.CARDOCR_MAX_RECEIVE_COUNT;
  metrics.setDefaultDimensions({ stage });
  const processor = new BatchProcessor(EventType.SQS);
  const idempotencyConfig = new IdempotencyConfig({ expiresAfterSeconds: options.idempotencyTtlSeconds ?? 3600 });
  let context: Context | undefined;

  // The idempotent unit is the set of object versions a message names, not the message: S3
  // may notify twice, and a redelivered message must not run the stage again once it completed.
  const runOnce = async (identity: readonly ObjectVersion[], event: unknown): Promise<StageSummary[]> => {
    const started = performance.now();
    const summaries = await options.run(event, context!);
    const ms = performance.now() - started;
    for (const s of summaries) {
      if (s.action !== 'processed') continue;
      metrics.addMetric('StageLatency', MetricUnit.Milliseconds, ms / summaries.length);
      if (s.fieldsFound !== undefined) metrics.addMetric('FieldsFound', MetricUnit.Count, s.fieldsFound);
      if (s.status === 'failed') metrics.addMetric('ScansFailed', MetricUnit.Count, 1);
    }
    logger.info('message handled', { stage, objects: identity.length, summaries, durationMs: Math.round(ms) });
    return summaries;
  };
  const process = runtime.idempotencyStore
    ? makeIdempotent(runOnce, {
        persistenceStore: runtime.idempotencyStore,
        config: idempotencyConfig,
        keyPrefix: `cardocr-${stage}`,
      })
    : runOnce;

  const countFailure = (err: CardOcrError) => {
    // singleMetric() already carries the default `stage` dimension; adding it again only warns.
    const single = metrics.singleMetric();
    single.addDimension('errorCode', err.code);
    single.addMetric('Failures', MetricUnit.Count, 1);
  };

  const recordHandler = async (record: SQSRecord): Promise<void> => {
    let notification: S3Notification;
    try {
      notification = parseS3Notification(record.body);
    } catch (thrown) {
      // A body that is not an S3 event never will be: acknowledge it, do not retry.
      const err = toCardOcrError(thrown);
      countFailure(err);
      logger.warn('message is not an S3 event, dropped', { stage, messageId: record.messageId, error: err.message });
      return;
    }
    if (notification.created.length === 0) {
      logger.debug('no created objects in message (test event or other event type)', { messageId: record.messageId });
      return;
    }
    try {
      await process(notification.created, notification.event);
    } catch (thrown) {
      const err = toCardOcrError(thrown);
      countFailure(err);
      const keys = notification.created.map((o) => redactPans(o.key));
      if (!err.retryable) {
        logger.warn('stage failed on bad input, not retried', { stage, keys, code: err.code, error: err.message });
        return;
      }
      const receiveCount = Number(record.attributes.ApproximateReceiveCount) || 1;
      const detail = detailOf(thrown);
      if (receiveCount >= maxReceiveCount) {
        logger.error('stage failed on its last delivery, scan recorded as dead-lettered', {
          stage,
          keys,
          code: err.code,
          detail,
          receiveCount,
        });
        await options.giveUp(notification.event, `${stage} stage: ${err.code}`, context!).catch((e: unknown) => {
          logger.error('could not record the dead-lettered scan', { stage, keys, code: toCardOcrError(e).code });
        });
      } else {
        logger.warn('stage failed, will retry', { stage, keys, code: err.code, detail, receiveCount });
      }
      // A batch item failure: SQS redelivers the message, or moves it to the DLQ.
      throw thrown;
    }
  };

  let coldStart = true;
  return async (event: SQSEvent, lambdaContext: Context): Promise<SQSBatchResponse> => {
    context = lambdaContext;
    logger.addContext(lambdaContext);
    idempotencyConfig.registerLambdaContext(lambdaContext);
    if (coldStart) {
      metrics.captureColdStartMetric(lambdaContext.functionName);
      coldStart = false;
    }
    try {
      return await processPartialResponse(event, recordHandler, processor, {
        context: lambdaContext,
        // An all-failed batch is reported item by item like a partial one: SQS retries the
        // same messages, and the function's error metric stays for real crashes.
        throwOnFullBatchFailure: false,
      });
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}
