/**
 * Read stage handler: an S3 object-created event for `processed/` → the read use-case per
 * object (OCR, checks, masked result, images deleted). The local runner and the Lambda
 * wrapper both call this.
 */
import { readProcessed, type StageDeps, type StageOutcome } from '../core/stages.js';
import { runEach } from './preprocess.js';
import { objectsFromEvent } from './s3-event.js';

/** Runs the read stage for every created object in the event; rethrows a retryable failure. */
export async function handleReadEvent(event: unknown, deps: StageDeps): Promise<StageOutcome[]> {
  return runEach(objectsFromEvent(event), (obj) => readProcessed(deps, obj));
}
