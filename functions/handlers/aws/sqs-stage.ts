/**
 * The SQS edge shared by the two stage Lambdas: SQS batch → Powertools BatchProcessor
 * (partial batch responses) → each record parsed once by its Powertools parser schema
 * (envelopes.ts) → Powertools idempotency keyed on what the message names (object versions
 * for uploads, the scan id for read jobs — not the message id) → the stage use-case.
 *
 * Errors are mapped here, once:
 * - a record that does not parse never will: it is acknowledged and counted, not retried;
 * - bad input (a non-retryable CardOcrError) is a finished job: the stage has recorded the
 *   scan as failed, the message is acknowledged;
 * - anything retryable (OCR engine, throttling, network, a duplicate still in progress)
 *   becomes a batch item failure, so SQS redelivers it after the visibility timeout. On the
 *   last delivery (maxReceiveCount) the scan is first recorded `failed`/`dead_lettered`, so
 *   the message reaching the DLQ never leaves a scan stuck in a working status.
 *
 * Logs and metrics carry keys, ids, codes, counts and timings only: never a message body.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { z } from 'zod';
import { CardOcrError, toCardOcrError } from '../../core/errors.js';
import { redactPans } from '../../core/mask.js';
import type { StageName } from '../../core/record.js';
import type { AwsRuntime } from './composition.js';

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

/** A record schema (envelopes.ts) whose parsed `body` is the stage's message `M`. */
interface RecordSchema<M> {
  safeParse(input: unknown): z.ZodSafeParseResult<{ body: M }>;
}

export interface SqsStageOptions<M> {
  readonly stage: StageName;
  readonly runtime: AwsRuntime;
  /** Parses one SQS record (envelope + body) into the stage's message. */
  readonly schema: RecordSchema<M>;
  /** What the message is about, for idempotency and logs (no card data); empty: nothing to do. */
  readonly identity: (message: M) => readonly string[];
  /** Runs the stage on one message. Records bad input on the scan itself and returns; throws what is worth retrying. */
  readonly run: (message: M, context: Context) => Promise<StageSummary[]>;
  /** Called on the last delivery of a still-failing message: records its scans as failed. */
  readonly giveUp: (message: M, reason: string, context: Context) => Promise<void>;
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
export function createSqsStageHandler<M>(options: SqsStageOptions<M>) {
  const { runtime, stage } = options;
  const { logger, metrics } = runtime;
  const maxReceiveCount = runtime.config.aws.maxReceiveCount;
  metrics.setDefaultDimensions({ stage });
  const processor = new BatchProcessor(EventType.SQS);
  const idempotencyConfig = new IdempotencyConfig({ expiresAfterSeconds: options.idempotencyTtlSeconds ?? 3600 });
  let context: Context | undefined;

  // The idempotent unit is what the message names, not the message: S3 may notify twice, and
  // a redelivered message must not run the stage again once it completed.
  const runOnce = async (identity: readonly string[], message: M): Promise<StageSummary[]> => {
    const started = performance.now();
    const summaries = await options.run(message, context!);
    const ms = performance.now() - started;
    for (const s of summaries) {
      if (s.action !== 'processed') continue;
      metrics.addMetric('StageLatency', MetricUnit.Milliseconds, ms / summaries.length);
      if (s.fieldsFound !== undefined) metrics.addMetric('FieldsFound', MetricUnit.Count, s.fieldsFound);
      if (s.status === 'failed') metrics.addMetric('ScansFailed', MetricUnit.Count, 1);
    }
    logger.info('message handled', { stage, items: identity.length, summaries, durationMs: Math.round(ms) });
    return summaries;
  };
  const process = runtime.idempotencyStore
    ? makeIdempotent(runOnce, {
        persistenceStore: runtime.idempotencyStore,
        config: idempotencyConfig,
        keyPrefix: `cardocr-${stage}`,
        // The key is the first argument only (the identity): duplicates may differ in other fields.
      })
    : runOnce;

  const countFailure = (err: CardOcrError) => {
    // singleMetric() already carries the default `stage` dimension; adding it again only warns.
    const single = metrics.singleMetric();
    single.addDimension('errorCode', err.code);
    single.addMetric('Failures', MetricUnit.Count, 1);
  };

  const recordHandler = async (record: SQSRecord): Promise<void> => {
    const parsed = options.schema.safeParse(record);
    if (!parsed.success) {
      // A message that does not parse never will: acknowledge it, do not retry. Paths only, never the body.
      const where = [...new Set(parsed.error.issues.map((i) => i.path.join('.') || '(root)'))].join(', ');
      countFailure(new CardOcrError('validation', 'unparseable message'));
      logger.warn('message is not a stage message, dropped', { stage, messageId: record.messageId, where });
      return;
    }
    const message = parsed.data.body;
    const identity = options.identity(message);
    if (identity.length === 0) {
      logger.debug('message names nothing to do (test event or other event type)', { messageId: record.messageId });
      return;
    }
    try {
      await process(identity, message);
    } catch (thrown) {
      const err = toCardOcrError(thrown);
      countFailure(err);
      const items = identity.map((i) => redactPans(i));
      if (!err.retryable) {
        logger.warn('stage failed on bad input, not retried', { stage, items, code: err.code, error: err.message });
        return;
      }
      const receiveCount = Number(record.attributes.ApproximateReceiveCount) || 1;
      const detail = detailOf(thrown);
      if (receiveCount >= maxReceiveCount) {
        logger.error('stage failed on its last delivery, scan recorded as dead-lettered', {
          stage,
          items,
          code: err.code,
          detail,
          receiveCount,
        });
        await options.giveUp(message, `${stage} stage: ${err.code}`, context!).catch((e: unknown) => {
          logger.error('could not record the dead-lettered scan', { stage, items, code: toCardOcrError(e).code });
        });
      } else {
        logger.warn('stage failed, will retry', { stage, items, code: err.code, detail, receiveCount });
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
        // One photo at a time: decoding several maximum-size photos at once peaked at 887 MB of the
        // preprocess function's 1024 MB (issue 10). Sequential keeps the peak at one photo's,
        // measured in test/integration/preprocess-batch-sizing.test.ts against the template's limits.
        processInParallel: false,
      });
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}
