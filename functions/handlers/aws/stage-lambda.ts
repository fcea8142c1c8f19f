/**
 * The two stage Lambdas, as factories over an {@link AwsRuntime}: the entry files build the
 * runtime (and the reader) at module scope and call these; tests call them with runtimes
 * pointed at s3rver/dynalite and, where a fault is needed, an injected step.
 */
import type { Context } from 'aws-lambda';
import type { ImageLimits } from '../../reader/decode.js';
import { preprocessPhoto } from '../../reader/preprocess.js';
import {
  failDeadLettered,
  type NormalisedReader,
  type PreprocessFn,
  type StageDeps,
  type StageOutcome,
} from '../../core/stages.js';
import type { AwsRuntime } from '../../runtime/aws.js';
import { handlePreprocessEvent } from '../preprocess.js';
import { handleReadEvent } from '../read.js';
import { objectsFromEvent } from '../s3-event.js';
import { createSqsStageHandler, type StageSummary } from './sqs-stage.js';

/** Limits for untrusted images, from the reader config. */
export function imageLimitsOf(runtime: AwsRuntime): ImageLimits {
  return {
    maxInputBytes: runtime.reader.CARDOCR_MAX_INPUT_BYTES,
    maxInputPixels: runtime.reader.CARDOCR_MAX_INPUT_PIXELS,
    timeoutMs: runtime.reader.CARDOCR_DECODE_TIMEOUT_MS,
  };
}

/** A step a function does not have: the preprocess Lambda never reads, the read Lambda never preprocesses. */
function notInThisFunction(what: string): never {
  throw new Error(`${what} does not run in this function`);
}

/**
 * Stage dependencies for one invocation. A claim lasts as long as the invocation can run
 * (plus a margin): shorter would let a duplicate start while this one still works, and it
 * stays well under the queue's visibility timeout (6 × the function timeout), so a
 * redelivery after a crash finds it expired.
 */
function stageDepsFor(
  runtime: AwsRuntime,
  context: Context,
  parts: { preprocess: PreprocessFn; reader: NormalisedReader },
): StageDeps {
  return {
    objects: runtime.objects,
    results: runtime.results,
    preprocess: parts.preprocess,
    reader: parts.reader,
    log: runtime.log,
    retentionDays: runtime.config.CARDOCR_RETENTION_DAYS,
    claimMs: context.getRemainingTimeInMillis() + 5_000,
  };
}

/** Outcome → summary, without card data. */
function summaryOf(outcome: StageOutcome, fieldsFound?: number): StageSummary {
  if (outcome.action === 'ignored') return { scanId: null, action: 'ignored', status: null };
  return {
    scanId: outcome.id,
    action: outcome.action,
    status: outcome.status,
    ...(fieldsFound === undefined ? {} : { fieldsFound }),
  };
}

/** Records every scan the event names as failed with `dead_lettered` (last delivery). */
async function giveUpOn(deps: StageDeps, event: unknown, reason: string): Promise<void> {
  for (const obj of objectsFromEvent(event)) await failDeadLettered(deps, obj, reason);
}

/** The preprocess Lambda handler. `preprocess` defaults to the real one (tests inject faults). */
export function createPreprocessHandler(runtime: AwsRuntime, options: { preprocess?: PreprocessFn } = {}) {
  const limits = imageLimitsOf(runtime);
  const preprocess: PreprocessFn =
    options.preprocess ??
    (async (bytes) => {
      const card = await preprocessPhoto(bytes, limits);
      return { image: card.image, timingsMs: card.timingsMs };
    });
  const depsFor = (context: Context) =>
    stageDepsFor(runtime, context, { preprocess, reader: { readNormalised: () => notInThisFunction('reading') } });
  return createSqsStageHandler({
    stage: 'preprocess',
    runtime,
    run: async (event, context) => (await handlePreprocessEvent(event, depsFor(context))).map((o) => summaryOf(o)),
    giveUp: (event, reason, context) => giveUpOn(depsFor(context), event, reason),
  });
}

/** The read Lambda handler over a card reader created once per environment. */
export function createReadHandler(runtime: AwsRuntime, reader: NormalisedReader) {
  const depsFor = (context: Context) =>
    stageDepsFor(runtime, context, { preprocess: () => notInThisFunction('preprocessing'), reader });

  /** Fields a finished scan reports (for the FieldsFound metric). */
  const fieldsFoundOf = async (id: string): Promise<number | undefined> => {
    const record = await runtime.results.get(id);
    if (!record) return undefined;
    if (!record.card) return 0;
    const { pan, expiry, name, brand } = record.card;
    return [pan, expiry, name, brand].filter((f) => f !== null).length;
  };

  return createSqsStageHandler({
    stage: 'read',
    runtime,
    run: async (event, context) => {
      const outcomes = await handleReadEvent(event, depsFor(context));
      return Promise.all(
        outcomes.map(async (o) => summaryOf(o, o.action === 'processed' ? await fieldsFoundOf(o.id) : undefined)),
      );
    },
    giveUp: (event, reason, context) => giveUpOn(depsFor(context), event, reason),
  });
}
