/**
 * The two pipeline stages as use-cases over the ports, shared by the local runner and the
 * Lambda handlers. One explicit hop joins them:
 * - preprocess (an object under `uploads/`): put the normalised card at `processed/<id>.png`
 *   → move the record `preprocessing → reading` with the preprocess hints and timings → send
 *   one `read {id}` job through the JobQueue port;
 * - read (a `read {id}` job): OCR + field checks on `processed/<id>.png`, record → `done |
 *   failed`, raw and processed images deleted.
 * The read job is sent only once the record says `reading`, so the read stage never waits
 * for the record: no polling. Delivery is at-least-once, so every step is idempotent: a stage
 * claims its scan with a conditional transition that bumps `attempts` (exactly one of
 * concurrent duplicates wins), and a duplicate or late event finds the record already moved
 * on and does nothing but tidy up (or, for a scan left in `reading` by a crash between the
 * transition and the send, sends the read job again).
 */
import type { CardFields, ReadResult } from './card.js';
import { ConflictError, NotFoundError, toCardOcrError, type CardOcrError } from './errors.js';
import { UPLOADS_PREFIX, derivedScanId, processedKeyFor, scanIdFromUploadKey } from './ids.js';
import type { Log } from './log.js';
import { redactPans } from './mask.js';
import type { JobQueue, ObjectStore, ResultStore } from './ports.js';
import {
  WORKING_STATUSES,
  isFinal,
  newScanRecord,
  type ReadHints,
  type ScanRecord,
  type ScanStatus,
  type StageName,
  type StageTimings,
} from './record.js';
import { claimScan, finishClaim, leaseLive, releaseClaim, tryTransition } from './transitions.js';

/** Queue names of the stages (SQLite queue names locally, mapped to queue URLs on AWS). */
export const STAGE_QUEUES = { preprocess: 'preprocess', read: 'read' } as const satisfies Record<StageName, string>;

/** An object-created notification, decoded once by the edge (S3 envelope or folder watch). */
export interface StageObject {
  readonly key: string;
  readonly size: number;
  readonly etag: string;
}

/** The message the preprocess stage sends the read stage: the scan id, nothing else (no card data). */
export interface ReadJob {
  readonly id: string;
}

/** What the preprocess step makes of a photo. */
export interface Preprocessed {
  readonly image: Uint8Array;
  readonly timingsMs: StageTimings;
  readonly hints?: ReadHints;
}

/** The preprocess step: photo bytes → normalised card PNG. Throws ImageInputError / NoCardError for bad input. */
export type PreprocessFn = (bytes: Uint8Array) => Promise<Preprocessed>;

/** What the read stage uses of a ReadResult: its masked, serialisable view (no full PAN). */
export type ReadView = Pick<ReadResult, 'status' | 'card' | 'confidence' | 'missing' | 'error' | 'timingsMs'> &
  Partial<Pick<ReadResult, 'geometry'>>;

/** The read step: a normalised card PNG (+ the preprocess hints) → masked result. Throws OcrEngineError (retryable) when the engine fails. */
export interface NormalisedReader {
  readNormalised(png: Uint8Array, hints?: ReadHints): Promise<ReadView>;
}

/** What both stages use. */
export interface StageContext {
  readonly objects: ObjectStore;
  readonly results: ResultStore;
  readonly log: Log;
  /**
   * How long a stage's claim on a scan holds off duplicates, ms. Must be shorter than the
   * queue's lease / visibility timeout so that a redelivery after a crash finds it expired.
   */
  readonly claimMs: number;
  readonly now?: () => Date;
}

/** The preprocess stage's dependencies. */
export interface PreprocessDeps extends StageContext {
  readonly preprocess: PreprocessFn;
  /** Where the `read {id}` job goes (the read stage's queue). */
  readonly jobs: Pick<JobQueue, 'send'>;
  /** Days a record created by the stage (a photo dropped straight into the bucket) is kept. */
  readonly retentionDays: number;
}

/** The read stage's dependencies. */
export interface ReadDeps extends StageContext {
  readonly reader: NormalisedReader;
}

/** What a stage did with one event. */
export type StageOutcome =
  | { readonly action: 'processed'; readonly id: string; readonly status: ScanStatus }
  | { readonly action: 'duplicate'; readonly id: string; readonly status: ScanStatus }
  | { readonly action: 'ignored'; readonly reason: string };

function nowOf(deps: StageContext): Date {
  return deps.now?.() ?? new Date();
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** Deletes objects, ignoring failures (a leftover image is tidied by the next duplicate or the bucket's expiry rule). */
async function deleteQuietly(deps: StageContext, keys: Array<string | null | undefined>): Promise<void> {
  await Promise.all(
    keys
      .filter((k): k is string => typeof k === 'string' && k.length > 0)
      .map((k) =>
        deps.objects.delete(k).catch((err: unknown) => {
          deps.log.warn('could not delete object', { key: redactPans(k), error: toCardOcrError(err).code });
        }),
      ),
  );
}

/**
 * Finds the scan for an uploaded object: the API's record for `uploads/<id>.<ext>`, or a
 * record derived from key and etag for a photo dropped straight into the bucket (created
 * here, once: a duplicate event maps to the same id and its create conflicts).
 */
async function resolveUploadRecord(deps: PreprocessDeps, obj: StageObject): Promise<ScanRecord | null> {
  const named = scanIdFromUploadKey(obj.key);
  if (named) {
    const record = await deps.results.get(named);
    if (record && (record.key === null || record.key === obj.key)) return record;
  }
  const id = derivedScanId(obj.key, obj.etag);
  const existing = await deps.results.get(id);
  if (existing) return existing;
  try {
    await deps.results.create(
      newScanRecord({ id, key: obj.key, status: 'queued', now: nowOf(deps), retentionDays: deps.retentionDays }),
    );
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err;
  }
  return deps.results.get(id);
}

/**
 * Reads the object a claimed stage works on. Returns null when it is gone (the caller fails the
 * scan); any other error gives the claim back first, so a retry can take it again.
 */
async function getClaimedObject(deps: StageContext, claimed: ScanRecord, key: string): Promise<Uint8Array | null> {
  try {
    return await deps.objects.get(key);
  } catch (err) {
    if (!(err instanceof NotFoundError)) {
      await releaseClaim(deps.results, claimed);
      throw err;
    }
    return null;
  }
}

/** Records a final failure of a claimed scan; null when another delivery finished it first. */
function failScan(
  deps: StageContext,
  claimed: ScanRecord,
  error: { code: CardOcrError['code']; message: string },
  extra: Partial<ScanRecord> = {},
): Promise<ScanRecord | null> {
  return finishClaim(deps.results, claimed, {
    ...extra,
    status: 'failed',
    error: { code: error.code, message: redactPans(error.message) },
  });
}

/** Sends the one read job of a scan that is `reading`. */
function sendReadJob(deps: PreprocessDeps, id: string): Promise<void> {
  // The dedupe key lets a queue that dedupes (SQLite) drop a second send for the same claim.
  return deps.jobs.send<ReadJob>(STAGE_QUEUES.read, { id }, { dedupeKey: `read#${id}` });
}

/**
 * Preprocess stage for one object under `uploads/`. Bad input and photos without a card end
 * the scan as `failed` (not retried); transient errors are thrown for the queue to retry.
 */
export async function preprocessUpload(deps: PreprocessDeps, obj: StageObject): Promise<StageOutcome> {
  if (!obj.key.startsWith(UPLOADS_PREFIX)) return { action: 'ignored', reason: 'not under uploads/' };
  const t0 = performance.now();
  const record = await resolveUploadRecord(deps, obj);
  if (!record) return { action: 'ignored', reason: 'scan deleted while it was created' };
  const now = nowOf(deps);
  if (isFinal(record.status)) {
    // Finished earlier: this is a duplicate or a re-drop of the same photo. Tidy up only.
    if (record.key === obj.key || record.id === derivedScanId(obj.key, obj.etag)) await deleteQuietly(deps, [obj.key]);
    return { action: 'duplicate', id: record.id, status: record.status };
  }
  if (record.status === 'reading') {
    // Preprocessed already. If the read stage has not claimed it, the earlier delivery may have
    // died between the transition and the send: send again (the read stage's claim dedupes).
    if (!leaseLive(record, 'read', now)) await sendReadJob(deps, record.id);
    return { action: 'duplicate', id: record.id, status: record.status };
  }
  if (record.status === 'preprocessing' && leaseLive(record, 'preprocess', now)) {
    return { action: 'duplicate', id: record.id, status: record.status };
  }
  const claimed = await claimScan(deps.results, record, {
    stage: 'preprocess',
    from: ['awaiting_upload', 'queued', 'preprocessing'],
    to: 'preprocessing',
    now,
    claimMs: deps.claimMs,
    extra: { key: obj.key },
  });
  if (!claimed) return { action: 'duplicate', id: record.id, status: record.status };

  const bytes = await getClaimedObject(deps, claimed, obj.key);
  if (!bytes) {
    await failScan(deps, claimed, { code: 'not_found', message: 'the uploaded photo is gone' });
    logStage(deps, 'preprocess', claimed, 'failed', t0, {}, 'not_found');
    return { action: 'processed', id: claimed.id, status: 'failed' };
  }

  let normalised: Preprocessed;
  try {
    normalised = await deps.preprocess(bytes);
  } catch (err) {
    const error = toCardOcrError(err);
    if (error.retryable) {
      await releaseClaim(deps.results, claimed);
      throw error;
    }
    // Bad input or no card: final. The raw photo is of no further use.
    const failed = await failScan(deps, claimed, error.toJSON(), {
      outcome: error.code === 'no_card' ? 'no_card' : 'failed',
      timingsMs: { ...claimed.timingsMs, preprocess: { total: round1(performance.now() - t0) } },
    });
    if (failed) await deleteQuietly(deps, [obj.key]);
    logStage(deps, 'preprocess', claimed, 'failed', t0, {}, error.code);
    return { action: 'processed', id: claimed.id, status: 'failed' };
  }

  let moved: ScanRecord | null;
  try {
    // 1. the output; 2. the record; 3. the job. A crash before 2 is redone by the retry; a
    // crash between 2 and 3 is caught by the duplicate branch above on redelivery.
    await deps.objects.put(processedKeyFor(claimed.id), normalised.image, { contentType: 'image/png' });
    moved = await finishClaim(deps.results, claimed, {
      status: 'reading',
      hints: normalised.hints ?? null,
      timingsMs: { ...claimed.timingsMs, preprocess: { ...normalised.timingsMs, total: round1(performance.now() - t0) } },
    });
  } catch (err) {
    await releaseClaim(deps.results, claimed);
    throw err;
  }
  if (!moved) return { action: 'duplicate', id: claimed.id, status: 'reading' };
  // Not released on failure: the record says `reading`, so the retry takes the duplicate branch and sends again.
  await sendReadJob(deps, moved.id);
  // A name that looks like a card number is stored masked, so the read stage could not find
  // the photo by the record's key: it is not needed any more, delete it now.
  if (redactPans(obj.key) !== obj.key) await deleteQuietly(deps, [obj.key]);
  logStage(deps, 'preprocess', moved, moved.status, t0, normalised.timingsMs);
  return { action: 'processed', id: moved.id, status: moved.status };
}

function cardFields(result: ReadView): CardFields {
  const { pan, last4, brand, expiry, name } = result.card;
  return { pan, last4, brand, expiry, name };
}

/**
 * Read stage for one `read {id}` job: OCR and field checks on `processed/<id>.png`, then the
 * final status and the masked fields; deletes the raw upload and the processed image once
 * recorded.
 */
export async function readScan(deps: ReadDeps, job: ReadJob): Promise<StageOutcome> {
  const { id } = job;
  const t0 = performance.now();
  const processedKey = processedKeyFor(id);
  const record = await deps.results.get(id);
  if (!record) {
    // The scan was deleted meanwhile: its image must not linger.
    await deleteQuietly(deps, [processedKey]);
    return { action: 'ignored', reason: 'scan no longer exists' };
  }
  if (isFinal(record.status)) {
    await deleteQuietly(deps, [processedKey, record.key]);
    return { action: 'duplicate', id, status: record.status };
  }
  // The job is sent only after the record moved to `reading`: any other status is a stray message.
  if (record.status !== 'reading') return { action: 'ignored', reason: `scan is ${record.status}, not reading` };
  if (leaseLive(record, 'read', nowOf(deps))) return { action: 'duplicate', id, status: record.status };
  const claimed = await claimScan(deps.results, record, {
    stage: 'read',
    from: ['reading'],
    to: 'reading',
    now: nowOf(deps),
    claimMs: deps.claimMs,
  });
  if (!claimed) return { action: 'duplicate', id, status: record.status };

  const png = await getClaimedObject(deps, claimed, processedKey);
  if (!png) {
    await failScan(deps, claimed, { code: 'not_found', message: 'the normalised card image is gone' });
    await deleteQuietly(deps, [claimed.key]);
    logStage(deps, 'read', claimed, 'failed', t0, {}, 'not_found');
    return { action: 'processed', id, status: 'failed' };
  }

  let result: ReadView;
  try {
    result = await deps.reader.readNormalised(png, claimed.hints ?? undefined);
  } catch (err) {
    const error = toCardOcrError(err);
    if (error.retryable) {
      await releaseClaim(deps.results, claimed);
      throw error;
    }
    const failed = await failScan(deps, claimed, error.toJSON(), { outcome: 'failed' });
    if (failed) await deleteQuietly(deps, [processedKey, claimed.key]);
    logStage(deps, 'read', claimed, 'failed', t0, {}, error.code);
    return { action: 'processed', id, status: 'failed' };
  }

  const ok = result.status === 'ok' || result.status === 'partial';
  const error = ok
    ? null
    : result.status === 'no_card'
      ? { code: 'no_card' as const, message: result.error?.message ?? 'no payment card found in the photo' }
      : { code: result.error?.code ?? ('ocr_failed' as const), message: result.error?.message ?? 'the card could not be read' };
  let final: ScanRecord | null;
  try {
    final = await finishClaim(deps.results, claimed, {
      status: ok ? 'done' : 'failed',
      outcome: result.status,
      card: ok ? cardFields(result) : null,
      // Where the card and fields were, in the uploaded photo's pixels: coordinates only.
      geometry: ok ? (result.geometry ?? null) : null,
      confidence: { ...result.confidence },
      missing: { ...result.missing },
      error: error ? { code: error.code, message: redactPans(error.message) } : null,
      timingsMs: { ...claimed.timingsMs, read: { ...result.timingsMs, total: round1(performance.now() - t0) } },
    });
  } catch (err) {
    await releaseClaim(deps.results, claimed);
    throw err;
  }
  if (!final) return { action: 'duplicate', id, status: 'reading' };
  // Recorded: the photo and the card image are no longer needed.
  await deleteQuietly(deps, [processedKey, final.key]);
  logStage(deps, 'read', final, final.status, t0, result.timingsMs, error?.code, result.status);
  return { action: 'processed', id, status: final.status };
}

/** The scan an uploaded object belongs to (named by the API, or derived from key + etag), if any. */
export async function scanIdForUpload(deps: StageContext, obj: StageObject): Promise<string | null> {
  const named = scanIdFromUploadKey(obj.key);
  if (named && (await deps.results.get(named))) return named;
  return obj.key.startsWith(UPLOADS_PREFIX) ? derivedScanId(obj.key, obj.etag) : null;
}

/**
 * Ends a scan whose job was dead-lettered (attempts used up): record `failed` with code
 * `dead_lettered` and the reason, images deleted. Idempotent; unknown or finished scans are ignored.
 */
export async function failDeadLettered(deps: StageContext, id: string, reason: string): Promise<ScanRecord | null> {
  const record = await deps.results.get(id);
  if (!record || !WORKING_STATUSES.includes(record.status)) return null;
  const failed = await tryTransition(deps.results, id, WORKING_STATUSES, {
    status: 'failed',
    error: { code: 'dead_lettered', message: redactPans(`gave up after repeated failures: ${reason}`) },
    lease: null,
  });
  if (!failed) return null;
  await deleteQuietly(deps, [record.key, processedKeyFor(id)]);
  deps.log.warn('scan dead-lettered', { scanId: id, reason: redactPans(reason) });
  return failed;
}

/** One structured line per stage per scan: ids, status, codes and timings; never card data or text. */
function logStage(
  deps: StageContext,
  stage: StageName,
  record: ScanRecord,
  status: ScanStatus,
  t0: number,
  timingsMs: StageTimings,
  errorCode?: string,
  outcome?: string,
): void {
  deps.log.info(`stage ${stage}`, {
    stage,
    scanId: record.id,
    status,
    // This stage's tries, not `attempts` (which counts both stages' claims): 1 unless retried.
    attempt: record.stageAttempts?.[stage] ?? 1,
    ...(outcome ? { outcome } : {}),
    ...(errorCode ? { errorCode } : {}),
    durationMs: round1(performance.now() - t0),
    timingsMs,
  });
}
