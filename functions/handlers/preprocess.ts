/**
 * Preprocess stage handler: an S3 object-created event for `uploads/` → the preprocess
 * use-case per object. Thin: parse the event, call the core, surface retryable failures.
 * The local runner and the Lambda wrapper both call this.
 */
import { toCardOcrError } from '../core/errors.js';
import { preprocessUpload, type StageDeps, type StageOutcome } from '../core/stages.js';
import { objectsFromEvent } from './s3-event.js';

export type { S3EventLike } from './s3-event.js';

/**
 * Runs the preprocess stage for every created object in the event. Bad input ends its scan
 * as failed and does not throw; a retryable failure is thrown (after the other objects of the
 * event have been tried) so that the event is delivered again.
 */
export async function handlePreprocessEvent(event: unknown, deps: StageDeps): Promise<StageOutcome[]> {
  return runEach(objectsFromEvent(event), (obj) => preprocessUpload(deps, obj));
}

/** Runs `work` over each object, then rethrows the first failure, if any. */
export async function runEach<T, R>(items: readonly T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  let first: unknown;
  for (const item of items) {
    try {
      out.push(await work(item));
    } catch (err) {
      first ??= err;
    }
  }
  if (first !== undefined) throw toCardOcrError(first);
  return out;
}
