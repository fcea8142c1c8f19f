/**
 * Keeps the local pipeline from losing or sticking scans across crashes:
 * - on start, jobs leased by a dead process are released at once, and every scan still in a
 *   working status is handed to its stage again (stages are idempotent: a scan that is in
 *   fact still queued just sees a duplicate);
 * - periodically, scans whose record has not moved for a long time are re-enqueued, and
 *   dead-lettered jobs turn their scans `failed` (covers jobs dead-lettered when a worker
 *   died on every attempt, which no worker saw fail).
 * A scan whose image is gone cannot be resumed and is failed with `not_found`, and so is a
 * scan whose upload target expired without a photo ever arriving. Records past their
 * `expiresAt` are purged on a schedule (the local stand-in for DynamoDB's TTL).
 */
import type { SqliteJobQueue } from '../adapters/local/sqlite-job-queue.js';
import { processedKeyFor, scanIdFromUploadKey } from '../core/ids.js';
import type { Log } from '../core/log.js';
import type { ObjectStore, ResultStore } from '../core/ports.js';
import { IN_FLIGHT_STATUSES, isFinal, type ScanRecord } from '../core/record.js';
import {
  STAGE_QUEUES,
  failDeadLettered,
  scanIdForUpload,
  type ReadJob,
  type StageContext,
  type StageObject,
} from '../core/stages.js';
import { tryTransition } from '../core/transitions.js';
import { uploadDedupeKey } from './intake.js';

export interface RecoveryDeps {
  readonly queue: SqliteJobQueue;
  readonly results: ResultStore;
  readonly objects: ObjectStore;
  readonly context: StageContext;
  readonly log: Log;
}

async function* working(results: ResultStore): AsyncGenerator<ScanRecord> {
  for (const status of IN_FLIGHT_STATUSES) {
    let cursor: string | undefined;
    do {
      const page = await results.list({ status, limit: 100, ...(cursor ? { cursor } : {}) });
      yield* page.items;
      cursor = page.cursor;
    } while (cursor);
  }
}

/** Hands one working scan back to its stage; returns what was done. */
async function requeueScan(
  deps: RecoveryDeps,
  record: ScanRecord,
  options: { clearLease: boolean },
): Promise<'requeued' | 'failed' | 'skipped'> {
  let rec: ScanRecord | null = record;
  if (options.clearLease && rec.lease) {
    rec = await tryTransition(deps.results, rec.id, [rec.status], { status: rec.status, lease: null }, { ifAttempts: rec.attempts });
    if (!rec) return 'skipped';
  }
  const reading = rec.status === 'reading';
  const key = reading ? processedKeyFor(rec.id) : rec.key;
  const info = key ? await deps.objects.head(key) : null;
  if (!info) {
    const failed = await tryTransition(deps.results, rec.id, [rec.status], {
      status: 'failed',
      error: { code: 'not_found', message: reading ? 'the normalised card image was lost' : 'the uploaded photo was lost' },
      lease: null,
    });
    if (!failed) return 'skipped';
    deps.log.warn('scan could not be resumed: image missing', { scanId: rec.id, status: rec.status });
    return 'failed';
  }
  // Its own dedupe key: the original job may be long done (and its key still in the window).
  const dedupeKey = `recover:${rec.id}:${rec.attempts}`;
  if (reading) await deps.queue.send<ReadJob>(STAGE_QUEUES.read, { id: rec.id }, { dedupeKey });
  else await deps.queue.send<StageObject>(STAGE_QUEUES.preprocess, { key: info.key, size: info.size, etag: info.etag }, { dedupeKey });
  return 'requeued';
}

/** Start-up recovery; the runner must be the only user of the data dir. */
export async function recoverOnStart(deps: RecoveryDeps): Promise<{ releasedJobs: number; requeued: number; failed: number }> {
  const releasedJobs = await deps.queue.releaseLeases();
  let requeued = 0;
  let failed = 0;
  const records: ScanRecord[] = [];
  for await (const r of working(deps.results)) records.push(r);
  for (const r of records) {
    const what = await requeueScan(deps, r, { clearLease: true });
    if (what === 'requeued') requeued++;
    if (what === 'failed') failed++;
  }
  await failDeadLetterJobs(deps, new Set());
  if (releasedJobs || requeued || failed) deps.log.info('recovered after restart', { releasedJobs, requeued, failed });
  return { releasedJobs, requeued, failed };
}

/** Re-enqueues scans that have not moved for `staleMs` and hold no live lease. */
export async function sweepStale(deps: RecoveryDeps, staleMs: number, now: number = Date.now()): Promise<number> {
  const stale: ScanRecord[] = [];
  for await (const r of working(deps.results)) {
    const leaseLive = r.lease && Date.parse(r.lease.until) > now;
    if (!leaseLive && now - Date.parse(r.updatedAt) > staleMs) stale.push(r);
  }
  let n = 0;
  for (const r of stale) if ((await requeueScan(deps, r, { clearLease: false })) !== 'skipped') n++;
  if (n) deps.log.warn('re-enqueued stale scans', { count: n });
  return n;
}

/** Fails the scans of dead-lettered jobs not yet handled (ids in `handled` are skipped and added). */
export async function failDeadLetterJobs(deps: RecoveryDeps, handled: Set<string>): Promise<number> {
  let n = 0;
  const scanOf = {
    [STAGE_QUEUES.read]: async (body: unknown) => (body as ReadJob).id,
    [STAGE_QUEUES.preprocess]: (body: unknown) => scanIdForUpload(deps.context, body as StageObject),
  };
  for (const [queue, idOf] of Object.entries(scanOf)) {
    for (const job of await deps.queue.deadLetters(queue)) {
      if (handled.has(job.id)) continue;
      handled.add(job.id);
      const id = await idOf(job.body);
      if (id && (await failDeadLettered(deps.context, id, job.reason))) n++;
      await deps.queue.redactBody(job.id);
    }
  }
  return n;
}

/**
 * Ends scans still `awaiting_upload` after their upload target expired (plus `graceMs`): a
 * photo that did arrive is handed to the pipeline (its event was missed), otherwise the scan
 * fails with `not_found`, so the page stops showing it as waiting.
 */
export async function expireUploads(deps: RecoveryDeps, olderThanMs: number, now: number = Date.now()): Promise<number> {
  const old: ScanRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.results.list({ status: 'awaiting_upload', limit: 100, ...(cursor ? { cursor } : {}) });
    old.push(...page.items.filter((r) => now - Date.parse(r.createdAt) > olderThanMs));
    cursor = page.cursor;
  } while (cursor);
  let n = 0;
  for (const r of old) {
    const info = r.key ? await deps.objects.head(r.key) : null;
    if (info) {
      const obj: StageObject = { key: info.key, size: info.size, etag: info.etag };
      await deps.queue.send(STAGE_QUEUES.preprocess, obj, { dedupeKey: uploadDedupeKey(obj) });
      continue;
    }
    const failed = await tryTransition(deps.results, r.id, ['awaiting_upload'], {
      status: 'failed',
      error: { code: 'not_found', message: 'no photo was uploaded before the upload target expired' },
    });
    if (failed) n++;
  }
  return n;
}

/**
 * Deletes records whose `expiresAt` (epoch seconds) has passed, with any image they still
 * have; a scan still in a working status is left to finish first. Returns how many went.
 */
export async function purgeExpired(deps: RecoveryDeps, nowS: number = Math.floor(Date.now() / 1000)): Promise<number> {
  const expired: ScanRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.results.list({ limit: 100, ...(cursor ? { cursor } : {}) });
    expired.push(...page.items.filter((r) => r.expiresAt <= nowS && (isFinal(r.status) || r.status === 'awaiting_upload')));
    cursor = page.cursor;
  } while (cursor);
  let n = 0;
  for (const r of expired) {
    // Only id-specific keys: a dropped photo's name (`uploads/card.jpg`) may belong to a newer photo by now.
    const keys = [r.key && scanIdFromUploadKey(r.key) === r.id ? r.key : null, processedKeyFor(r.id)].filter(
      (k): k is string => typeof k === 'string',
    );
    for (const k of keys) await deps.objects.delete(k);
    if (await deps.results.delete(r.id)) n++;
  }
  return n;
}
