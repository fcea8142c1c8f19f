/**
 * The local stand-in for "S3 → event notification → SQS": turns an object-created signal
 * (from the store's own writes or the folder watch) into a job on the stage queue its
 * prefix triggers. The dedupe key (key + etag) makes repeated signals for the same object
 * one job, so the watcher may fire as often as it likes.
 */
import { ConflictError, NotFoundError } from '../core/errors.js';
import { PROCESSED_PREFIX, UPLOADS_PREFIX, scanIdFromUploadKey } from '../core/ids.js';
import type { Log } from '../core/log.js';
import { redactPans } from '../core/mask.js';
import type { JobQueue, ResultStore } from '../core/ports.js';
import type { StageObject } from '../core/stages.js';

/** Queue names, one per stage. */
export const PREPROCESS_QUEUE = 'preprocess';
export const READ_QUEUE = 'read';

/** The queue an object's prefix triggers, or null when it triggers nothing. */
export function queueFor(key: string): string | null {
  if (key.startsWith(UPLOADS_PREFIX)) return PREPROCESS_QUEUE;
  if (key.startsWith(PROCESSED_PREFIX)) return READ_QUEUE;
  return null;
}

export interface IntakeDeps {
  readonly queue: JobQueue;
  readonly results: ResultStore;
  readonly log: Log;
}

/** Builds the intake: `(object) => Promise<void>`, safe to call repeatedly for one object. */
export function createIntake(deps: IntakeDeps): (obj: StageObject) => Promise<void> {
  return async (obj) => {
    const queue = queueFor(obj.key);
    if (!queue) return;
    await deps.queue.send(queue, { key: obj.key, size: obj.size, etag: obj.etag }, { dedupeKey: `${obj.key}#${obj.etag}` });
    if (queue === PREPROCESS_QUEUE) {
      // The API's scan is now waiting in the queue: show it as `queued` rather than awaiting upload.
      const id = scanIdFromUploadKey(obj.key);
      if (!id) return;
      try {
        await deps.results.transition(id, ['awaiting_upload'], { status: 'queued' });
      } catch (err) {
        if (!(err instanceof ConflictError || err instanceof NotFoundError)) {
          deps.log.warn('could not mark scan queued', { key: redactPans(obj.key), error: err as Error });
        }
      }
    }
  };
}
