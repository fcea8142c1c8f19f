/**
 * The two stage Lambdas, as factories over an {@link AwsRuntime}: the entry files build the
 * runtime (and the reader) at module scope and call these; tests call them with runtimes
 * pointed at emulators and, where a fault is needed, an injected step.
 */
import type { Context } from 'aws-lambda';
import {
  failDeadLettered,
  preprocessUpload,
  readScan,
  scanIdForUpload,
  type NormalisedReader,
  type PreprocessDeps,
  type PreprocessFn,
  type ReadDeps,
  type StageContext,
  type StageOutcome,
} from '../../core/stages.js';
import type { AwsRuntime } from './composition.js';
import { ReadRecordSchema, UploadRecordSchema, type CreatedObject } from './envelopes.js';
import { createSqsStageHandler, type StageSummary } from './sqs-stage.js';

/**
 * What both stages get per invocation. A claim lasts as long as the invocation can run (plus
 * a margin): shorter would let a duplicate start while this one still works, and it stays
 * well under the queue's visibility timeout (6 × the function timeout), so a redelivery after
 * a crash finds it expired.
 */
function contextFor(runtime: AwsRuntime, context: Context): StageContext {
  return {
    objects: runtime.objects,
    results: runtime.results,
    log: runtime.log,
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

/** Runs `work` over each item, then rethrows the first failure, if any (the others were still tried). */
async function runEach<T, R>(items: readonly T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  let first: unknown;
  for (const item of items) {
    try {
      out.push(await work(item));
    } catch (err) {
      first ??= err;
    }
  }
  if (first !== undefined) throw first;
  return out;
}

/**
 * The preprocess Lambda handler: S3 `uploads/` notifications → preprocess use-case → one
 * `read {id}` message per scan on the read queue. `preprocess` is the real step (the entry
 * file composes it); tests inject faults.
 */
export function createPreprocessHandler(runtime: AwsRuntime, preprocess: PreprocessFn) {
  const depsFor = (context: Context): PreprocessDeps => ({
    ...contextFor(runtime, context),
    preprocess,
    jobs: runtime.jobs,
    retentionDays: runtime.config.limits.retentionDays,
  });
  return createSqsStageHandler<CreatedObject[]>({
    stage: 'preprocess',
    runtime,
    schema: UploadRecordSchema,
    identity: (objects) => objects.map((o) => `${o.bucket}/${o.key}#${o.version}`),
    run: async (objects, context) => {
      const deps = depsFor(context);
      return (await runEach(objects, (obj) => preprocessUpload(deps, obj))).map((o) => summaryOf(o));
    },
    giveUp: async (objects, reason, context) => {
      const deps = contextFor(runtime, context);
      for (const obj of objects) {
        const id = await scanIdForUpload(deps, obj);
        if (id) await failDeadLettered(deps, id, reason);
      }
    },
  });
}

/** The read Lambda handler (`read {id}` jobs) over a card reader created once per environment. */
export function createReadHandler(runtime: AwsRuntime, reader: NormalisedReader) {
  const depsFor = (context: Context): ReadDeps => ({ ...contextFor(runtime, context), reader });

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
    schema: ReadRecordSchema,
    identity: (job) => [job.id],
    run: async (job, context) => {
      const outcome = await readScan(depsFor(context), job);
      return [summaryOf(outcome, outcome.action === 'processed' ? await fieldsFoundOf(outcome.id) : undefined)];
    },
    giveUp: async (job, reason, context) => {
      await failDeadLettered(contextFor(runtime, context), job.id, reason);
    },
  });
}
