/**
 * The local stand-in for "S3 `uploads/` notification → SQS": turns an object-created signal
 * (from the store's own writes or the folder watch) for a photo under `uploads/` into a job on
 * the preprocess queue. Nothing else triggers a stage: the read stage's job comes from the
 * preprocess stage itself. The dedupe key (key + etag) makes repeated signals for the same
 * object one job, so the watcher may fire as often as it likes.
 */
import { UPLOADS_PREFIX, scanIdFromUploadKey } from '../core/ids.js';
import type { Log } from '../core/log.js';
import { redactPans } from '../core/mask.js';
import type { JobQueue, ResultStore } from '../core/ports.js';
import { STAGE_QUEUES, type StageObject } from '../core/stages.js';
import { tryTransition } from '../core/transitions.js';

export interface IntakeDeps {
  readonly queue: JobQueue;
  readonly results: ResultStore;
  readonly log: Log;
}

/** The preprocess job's dedupe key for one object version. */
export function uploadDedupeKey(obj: StageObject): string {
  return `${obj.key}#${obj.etag}`;
}

/** Builds the intake: `(object) => Promise<void>`, safe to call repeatedly for one object. */
export function createIntake(deps: IntakeDeps): (obj: StageObject) => Promise<void> {
  return async (obj) => {
    if (!obj.key.startsWith(UPLOADS_PREFIX)) return;
    await deps.queue.send<StageObject>(
      STAGE_QUEUES.preprocess,
      { key: obj.key, size: obj.size, etag: obj.etag },
      { dedupeKey: uploadDedupeKey(obj) },
    );
    // The API's scan is now waiting in the queue: show it as `queued` rather than awaiting upload.
    const id = scanIdFromUploadKey(obj.key);
    if (!id) return;
    try {
      await tryTransition(deps.results, id, ['awaiting_upload'], { status: 'queued' });
    } catch (err) {
      deps.log.warn('could not mark scan queued', { key: redactPans(obj.key), error: err as Error });
    }
  };
}
