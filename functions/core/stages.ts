/**
 * The two pipeline stages as use-cases over the ports, shared by the local runner and the
 * Lambda handlers:
 * - preprocess: an object under `uploads/` → normalised card at `processed/<id>.png`,
 *   record → `reading`;
 * - read: an object under `processed/` → OCR + field checks, record → `done | failed`, raw
 *   and processed images deleted.
 * Delivery is at-least-once, so every step is idempotent: a stage claims its scan with a
 * conditional transition that bumps `attempts` (exactly one of concurrent duplicates wins),
 * and a duplicate or late event finds the record already moved on and does nothing but tidy up.
 * Stages never write under the prefix that triggers themselves.
 */
import type { CardFields, ReadResult } from './card.js';
import { CardOcrError, ConflictError, NotFoundError, toCardOcrError } from './errors.js';
import {
  PROCESSED_PREFIX,
  UPLOADS_PREFIX,
  derivedScanId,
  processedKeyFor,
  scanIdFromProcessedKey,
  scanIdFromUploadKey,
} from './ids.js';
import type { Log } from './log.js';
import { redactPans } from './mask.js';
import type { ObjectStore, ResultStore } from './ports.js';
import { newScanRecord, type ScanRecord, type ScanStatus } from './record.js';

/** An object-created notification, already decoded from its S3 (or folder-watch) event. */
export interface StageObject {
  readonly key: string;
  readonly size: number;
  readonly etag: string;
}

/** The preprocess step: photo bytes → normalised card PNG. Throws ImageInputError / NoCardError for bad input. */
export type PreprocessFn = (bytes: Uint8Array) => Promise<{ image: Uint8Array; timingsMs: Record<string, number> }>;

/** What the read stage uses of a ReadResult: its masked, serialisable view (no full PAN). */
export type ReadView = Pick<ReadResult, 'status' | 'card' | 'confidence' | 'missing' | 'error' | 'timingsMs'>;

/** The read step: a normalised card PNG → masked result. Throws OcrEngineError (retryable) when the engine fails. */
export interface NormalisedReader {
  readNormalised(png: Uint8Array): Promise<ReadView>;
}

export interface StageDeps {
  readonly objects: ObjectStore;
  readonly results: ResultStore;
  readonly preprocess: PreprocessFn;
  readonly reader: NormalisedReader;
  readonly log: Log;
  /** Days a record created by a stage is kept. */
  readonly retentionDays: number;
  /**
   * How long a stage's claim on a scan holds off duplicates, ms. Must be shorter than the
   * queue's lease / visibility timeout so that a redelivery after a crash finds it expired.
   */
  readonly claimMs: number;
  /** How long the read stage waits for the preprocess stage to record its result, ms. */
  readonly settleMs?: number;
  readonly now?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** What a stage did with one event. */
export type StageOutcome =
  | { readonly action: 'processed'; readonly id: string; readonly status: ScanStatus }
  | { readonly action: 'duplicate'; readonly id: string; readonly status: ScanStatus }
  | { readonly action: 'ignored'; readonly reason: string };

/** Retryable: the event arrived before the record it depends on was ready. */
export class NotReadyError extends CardOcrError {
  constructor(message: string) {
    super('conflict', message, { retryable: true });
  }
}

const WORKING: readonly ScanStatus[] = ['awaiting_upload', 'queued', 'preprocessing', 'reading'];

function nowOf(deps: StageDeps): Date {
  return deps.now?.() ?? new Date();
}

function leaseLive(record: ScanRecord, stage: 'preprocess' | 'read', now: Date): boolean {
  return record.lease?.stage === stage && Date.parse(record.lease.until) > now.getTime();
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** Deletes objects, ignoring failures (a leftover image is tidied by the next duplicate or the sweep). */
async function deleteQuietly(deps: StageDeps, keys: Array<string | null | undefined>): Promise<void> {
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
async function resolveUploadRecord(deps: StageDeps, obj: StageObject): Promise<ScanRecord> {
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
  const created = await deps.results.get(id);
  if (!created) throw new NotReadyError(`scan ${id} vanished while it was created`);
  return created;
}

/**
 * Claims a scan for a stage: moves it to `to` with attempts + 1 and a lease, conditional on
 * the status and on `attempts` being what was read. Returns null when another delivery won.
 */
async function claim(
  deps: StageDeps,
  record: ScanRecord,
  from: readonly ScanStatus[],
  to: ScanStatus,
  stage: 'preprocess' | 'read',
  extra: Partial<ScanRecord> = {},
): Promise<ScanRecord | null> {
  const now = nowOf(deps);
  try {
    return await deps.results.transition(
      record.id,
      from,
      {
        ...extra,
        status: to,
        attempts: record.attempts + 1,
        lease: { stage, until: new Date(now.getTime() + deps.claimMs).toISOString() },
        updatedAt: now.toISOString(),
      },
      { ifAttempts: record.attempts },
    );
  } catch (err) {
    if (err instanceof ConflictError) return null;
    throw err;
  }
}

/** Gives up a claim after a retryable failure so the retry does not mistake it for a live duplicate. */
async function releaseClaim(deps: StageDeps, claimed: ScanRecord): Promise<void> {
  try {
    await deps.results.transition(claimed.id, [claimed.status], { status: claimed.status, lease: null }, {
      ifAttempts: claimed.attempts,
    });
  } catch {
    // Lost the claim meanwhile, or the store is down: the lease then simply runs out.
  }
}

/** Records a final failure; a conflict means another delivery finished the scan first. */
/**
 * Reads the object a claimed stage works on. Returns null when it is gone (the caller fails the
 * scan); any other error gives the claim back first, so a retry can take it again.
 */
async function getClaimedObject(deps: StageDeps, claimed: ScanRecord, key: string): Promise<Uint8Array | null> {
  try {
    return await deps.objects.get(key);
  } catch (err) {
    if (!(err instanceof NotFoundError)) {
      await releaseClaim(deps, claimed);
      throw err;
    }
    return null;
  }
}

async function failScan(
  deps: StageDeps,
  claimed: ScanRecord,
  error: { code: CardOcrError['code']; message: string },
  extra: Partial<ScanRecord> = {},
): Promise<ScanRecord | null> {
  try {
    return await deps.results.transition(
      claimed.id,
      [claimed.status],
      { ...extra, status: 'failed', error: { code: error.code, message: redactPans(error.message) }, lease: null },
      { ifAttempts: claimed.attempts },
    );
  } catch (err) {
    if (err instanceof ConflictError) return null;
    throw err;
  }
}

/**
 * Preprocess stage for one object under `uploads/`. Bad input and photos without a card end
 * the scan as `failed` (not retried); transient errors are thrown for the queue to retry.
 */
export async function preprocessUpload(deps: StageDeps, obj: StageObject): Promise<StageOutcome> {
  if (!obj.key.startsWith(UPLOADS_PREFIX)) return { action: 'ignored', reason: 'not under uploads/' };
  const t0 = performance.now();
  const record = await resolveUploadRecord(deps, obj);
  const now = nowOf(deps);
  if (record.status === 'done' || record.status === 'failed') {
    // Finished earlier: this is a duplicate or a re-drop of the same photo. Tidy up only.
    if (record.key === obj.key || record.id === derivedScanId(obj.key, obj.etag)) await deleteQuietly(deps, [obj.key]);
    return { action: 'duplicate', id: record.id, status: record.status };
  }
  if (record.status === 'reading' || (record.status === 'preprocessing' && leaseLive(record, 'preprocess', now))) {
    return { action: 'duplicate', id: record.id, status: record.status };
  }
  const claimed = await claim(deps, record, ['awaiting_upload', 'queued', 'preprocessing'], 'preprocessing', 'preprocess', {
    key: obj.key,
  });
  if (!claimed) return { action: 'duplicate', id: record.id, status: record.status };

  const bytes = await getClaimedObject(deps, claimed, obj.key);
  if (!bytes) {
    const failed = await failScan(deps, claimed, { code: 'not_found', message: 'the uploaded photo is gone' });
    logStage(deps, 'preprocess', claimed, failed?.status ?? 'failed', t0, {});
    return { action: 'processed', id: claimed.id, status: 'failed' };
  }

  let normalised: Awaited<ReturnType<PreprocessFn>>;
  try {
    normalised = await deps.preprocess(bytes);
  } catch (err) {
    const error = toCardOcrError(err);
    if (error.retryable) {
      await releaseClaim(deps, claimed);
      throw error;
    }
    // Bad input or no card: final. The raw photo is of no further use.
    const failed = await failScan(deps, claimed, error.toJSON(), {
      outcome: error.code === 'no_card' ? 'no_card' : 'failed',
      timingsMs: { ...claimed.timingsMs, preprocessTotal: round1(performance.now() - t0) },
    });
    if (failed) await deleteQuietly(deps, [obj.key]);
    logStage(deps, 'preprocess', claimed, 'failed', t0, {}, error.code);
    return { action: 'processed', id: claimed.id, status: 'failed' };
  }

  try {
    // Write the output first: if we die before the transition, the retry redoes both.
    await deps.objects.put(processedKeyFor(claimed.id), normalised.image, { contentType: 'image/png' });
    const timingsMs = { ...claimed.timingsMs, ...normalised.timingsMs, preprocessTotal: round1(performance.now() - t0) };
    const moved = await deps.results.transition(
      claimed.id,
      ['preprocessing'],
      { status: 'reading', lease: null, timingsMs },
      { ifAttempts: claimed.attempts },
    );
    // A name that looks like a card number is stored masked, so the read stage could not find
    // the photo by the record's key: it is not needed any more, delete it now.
    if (redactPans(obj.key) !== obj.key) await deleteQuietly(deps, [obj.key]);
    logStage(deps, 'preprocess', moved, moved.status, t0, normalised.timingsMs);
    return { action: 'processed', id: moved.id, status: moved.status };
  } catch (err) {
    if (err instanceof ConflictError) return { action: 'duplicate', id: claimed.id, status: 'reading' };
    await releaseClaim(deps, claimed);
    throw err;
  }
}

function cardFields(result: ReadView): CardFields {
  const { pan, last4, brand, expiry, name } = result.card;
  return { pan, last4, brand, expiry, name };
}

/**
 * Read stage for one `processed/<id>.png`: OCR and field checks, then the final status and
 * the masked fields; deletes the raw upload and the processed image once recorded.
 */
export async function readProcessed(deps: StageDeps, obj: StageObject): Promise<StageOutcome> {
  const id = scanIdFromProcessedKey(obj.key);
  if (!obj.key.startsWith(PROCESSED_PREFIX) || !id) return { action: 'ignored', reason: 'not a processed card image' };
  const t0 = performance.now();
  let record = await deps.results.get(id);
  if (!record) {
    // The scan was deleted meanwhile: its image must not linger.
    await deleteQuietly(deps, [obj.key]);
    return { action: 'ignored', reason: 'scan no longer exists' };
  }
  // The preprocess stage writes the image just before it records `reading`: give it a moment.
  const settleMs = deps.settleMs ?? 3000;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let waited = 0; (record.status === 'preprocessing' || record.status === 'queued') && waited < settleMs; waited += 50) {
    await sleep(50);
    record = (await deps.results.get(id)) ?? record;
  }
  if (record.status === 'done' || record.status === 'failed') {
    await deleteQuietly(deps, [obj.key, record.key]);
    return { action: 'duplicate', id, status: record.status };
  }
  if (record.status !== 'reading') throw new NotReadyError(`scan ${id} is ${record.status}, not ready to read`);
  if (leaseLive(record, 'read', nowOf(deps))) return { action: 'duplicate', id, status: record.status };
  const claimed = await claim(deps, record, ['reading'], 'reading', 'read');
  if (!claimed) return { action: 'duplicate', id, status: record.status };

  const png = await getClaimedObject(deps, claimed, obj.key);
  if (!png) {
    await failScan(deps, claimed, { code: 'not_found', message: 'the normalised card image is gone' });
    await deleteQuietly(deps, [claimed.key]);
    logStage(deps, 'read', claimed, 'failed', t0, {}, 'not_found');
    return { action: 'processed', id, status: 'failed' };
  }

  let result: ReadView;
  try {
    result = await deps.reader.readNormalised(png);
  } catch (err) {
    const error = toCardOcrError(err);
    if (error.retryable) {
      await releaseClaim(deps, claimed);
      throw error;
    }
    const failed = await failScan(deps, claimed, error.toJSON(), { outcome: 'failed' });
    if (failed) await deleteQuietly(deps, [obj.key, claimed.key]);
    logStage(deps, 'read', claimed, 'failed', t0, {}, error.code);
    return { action: 'processed', id, status: 'failed' };
  }

  const ok = result.status === 'ok' || result.status === 'partial';
  const timingsMs = { ...claimed.timingsMs, ...result.timingsMs, readTotal: round1(performance.now() - t0) };
  const error = ok
    ? null
    : result.status === 'no_card'
      ? { code: 'no_card' as const, message: result.error?.message ?? 'no payment card found in the photo' }
      : { code: result.error?.code ?? ('ocr_failed' as const), message: result.error?.message ?? 'the card could not be read' };
  let final: ScanRecord;
  try {
    final = await deps.results.transition(
      id,
      ['reading'],
      {
        status: ok ? 'done' : 'failed',
        outcome: result.status,
        card: ok ? cardFields(result) : null,
        confidence: { ...result.confidence },
        missing: { ...result.missing },
        error: error ? { code: error.code, message: redactPans(error.message) } : null,
        timingsMs,
        lease: null,
      },
      { ifAttempts: claimed.attempts },
    );
  } catch (err) {
    if (err instanceof ConflictError) return { action: 'duplicate', id, status: 'reading' };
    await releaseClaim(deps, claimed);
    throw err;
  }
  // Recorded: the photo and the card image are no longer needed.
  await deleteQuietly(deps, [obj.key, final.key]);
  logStage(deps, 'read', final, final.status, t0, result.timingsMs, error?.code, result.status);
  return { action: 'processed', id, status: final.status };
}

/**
 * Ends a scan whose event was dead-lettered (attempts used up): record `failed` with code
 * `dead_lettered` and the reason, images deleted. Idempotent; unknown scans are ignored.
 */
export async function failDeadLettered(deps: StageDeps, obj: StageObject, reason: string): Promise<ScanRecord | null> {
  const id = scanIdFromProcessedKey(obj.key) ?? (await uploadScanId(deps, obj));
  if (!id) return null;
  const record = await deps.results.get(id);
  if (!record || !WORKING.includes(record.status)) return null;
  try {
    const failed = await deps.results.transition(id, WORKING, {
      status: 'failed',
      error: { code: 'dead_lettered', message: redactPans(`gave up after repeated failures: ${reason}`) },
      lease: null,
    });
    await deleteQuietly(deps, [record.key, processedKeyFor(id)]);
    deps.log.warn('scan dead-lettered', { scanId: id, reason: redactPans(reason) });
    return failed;
  } catch (err) {
    if (err instanceof ConflictError || err instanceof NotFoundError) return null;
    throw err;
  }
}

async function uploadScanId(deps: StageDeps, obj: StageObject): Promise<string | null> {
  const named = scanIdFromUploadKey(obj.key);
  if (named && (await deps.results.get(named))) return named;
  return obj.key.startsWith(UPLOADS_PREFIX) ? derivedScanId(obj.key, obj.etag) : null;
}

/** One structured line per stage per scan: ids, status, codes and timings; never card data or text. */
function logStage(
  deps: StageDeps,
  stage: 'preprocess' | 'read',
  record: ScanRecord,
  status: ScanStatus,
  t0: number,
  timingsMs: Record<string, number>,
  errorCode?: string,
  outcome?: string,
): void {
  deps.log.info(`stage ${stage}`, {
    stage,
    scanId: record.id,
    status,
    attempt: record.attempts,
    ...(outcome ? { outcome } : {}),
    ...(errorCode ? { errorCode } : {}),
    durationMs: round1(performance.now() - t0),
    timingsMs,
  });
}
