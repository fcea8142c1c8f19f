/**
 * Composition root of the local runner: builds the adapters (folder bucket, SQLite results
 * and queue in one file), the card reader and the stage dependencies from explicit options,
 * and wires the event path: store writes and the folder watch → intake → preprocess queue →
 * worker pool → preprocess use-case → read queue (the one explicit hop) → read use-case, the
 * same use-cases the Lambdas run, called directly (no event envelopes). The CPU-bound steps
 * run on a pool of worker threads. No HTTP here (see index.ts).
 * Faults: every SQLite statement that finds the database locked is retried asynchronously
 * (the event loop is never held for more than the short busy timeout); storage and database
 * faults are retried with backoff over minutes (worker-pool.ts); a photo that changes after
 * pickup is taken again once complete, never failed; images of ended scans are swept.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FsObjectStore, type FsOps } from '../adapters/local/fs-object-store.js';
import {
  busyRetrying,
  cancelCheckpoint,
  openSqlite,
  probeDatabase,
  scheduleCheckpoint,
  type DatabaseHealth,
  type SqliteDatabase,
} from '../adapters/local/sqlite.js';
import { SqliteJobQueue } from '../adapters/local/sqlite-job-queue.js';
import { SqliteResultStore } from '../adapters/local/sqlite-result-store.js';
import { createReaderEngines, hostThreads } from '../adapters/ocr/reader-engines.js';
import { CardOcrError, ConflictError, toCardOcrError } from '../core/errors.js';
import { PROCESSED_PREFIX, UPLOADS_PREFIX, derivedScanId, scanIdFromProcessedKey, scanIdFromUploadKey } from '../core/ids.js';
import type { Log } from '../core/log.js';
import { redactPans } from '../core/mask.js';
import type { ObjectStore } from '../core/ports.js';
import { isFinal, newScanRecord } from '../core/record.js';
import { tryTransition } from '../core/transitions.js';
import {
  STAGE_QUEUES,
  failDeadLettered,
  preprocessUpload,
  readScan,
  scanIdForUpload,
  type NormalisedReader,
  type PreprocessDeps,
  type PreprocessFn,
  type ReadDeps,
  type ReadJob,
  type StageObject,
} from '../core/stages.js';
import type { ImageLimits } from '../reader/decode.js';
import { preprocessForRead } from '../reader/preprocess.js';
import { createCardReader } from '../reader/reader.js';
import { ComputePool } from './compute-pool.js';
import { createIntake } from './intake.js';
import { expireUploads, failDeadLetterJobs, purgeExpired, recoverOnStart, sweepStale, type RecoveryDeps } from './recovery.js';
import { BucketWatcher, type UploadState } from './watcher.js';
import { WorkerPool } from './worker-pool.js';

export interface LocalRuntimeOptions {
  readonly dataDir: string;
  /** Queue workers, and OCR workers of the shared card reader. */
  readonly concurrency: number;
  readonly maxAttempts: number;
  readonly retentionDays: number;
  /** Queue lease per job, ms; a stage's claim on a scan lasts half of it. */
  readonly leaseMs: number;
  readonly limits: ImageLimits;
  /**
   * onnxruntime threads per learned model in each reader. @default 0: the host's cores shared by
   * the `concurrency` readers (hostThreads), so N compute threads do not each take every core.
   */
  readonly ocrThreads?: number;
  readonly ocrRecycleAfter?: number;
  /** URL (may be relative) of the local upload route, put into upload targets. */
  readonly uploadUrl: string;
  readonly log: Log;
  /** Replace the real reader or preprocess step (tests that need to slow down or count work). */
  readonly reader?: NormalisedReader & { close?: () => Promise<void> };
  readonly preprocess?: PreprocessFn;
  /** Lifetime of upload targets, ms: scans still awaiting their photo after it (+ a lease) are ended. */
  readonly uploadExpiresMs?: number;
  /** Folder rescan period, ms. */
  readonly scanIntervalMs?: number;
  /** First retry delay, ms (default 1000; doubles per retry, with jitter). */
  readonly backoffMs?: number;
  /** Longest retry delay, ms (default 60 s). */
  readonly maxBackoffMs?: number;
  /** How long storage/database faults are retried before a scan fails, ms (default 15 min). */
  readonly transientRetryMs?: number;
  /** How long a file copied into `uploads/` must be unchanged before it is taken, ms (default 2000). */
  readonly uploadStableMs?: number;
  /** Jobs waiting or running beyond which new scans are refused and folder drops wait (default 500). */
  readonly maxQueuedScans?: number;
  /** Age after which stray files (temp names, images of ended scans) are removed, ms (default 1 h). */
  readonly orphanMaxAgeMs?: number;
  /** SQLite busy timeout, ms (default 20). */
  readonly sqliteBusyTimeoutMs?: number;
  /** Period of the purge of finished queue rows and expired records, ms (default 10 min). */
  readonly purgeIntervalMs?: number;
  /** Filesystem calls of the folder bucket (tests inject faults). */
  readonly fs?: FsOps;
}

/** What `/healthz` reports for the local runner. */
export interface LocalHealth {
  readonly status: 'ok' | 'degraded';
  readonly database: DatabaseHealth;
  /** `fault` while jobs met storage faults (EROFS, ENOSPC...) in the last 30 s. */
  readonly storage: { readonly state: 'ok' } | { readonly state: 'fault'; readonly detail: string };
  /** Jobs waiting or running (last count) and the cap. */
  readonly queue: { readonly active: number | null; readonly cap: number };
}

/** The running pieces of the local pipeline. */
export interface LocalRuntime {
  readonly dataDir: string;
  readonly db: SqliteDatabase;
  readonly objects: FsObjectStore;
  readonly results: SqliteResultStore;
  readonly queue: SqliteJobQueue;
  readonly preprocessDeps: PreprocessDeps;
  readonly readDeps: ReadDeps;
  /** HMAC key of upload policies (kept in the data dir so targets survive a restart). */
  readonly uploadSecret: string;
  /** Hands an object-created signal to the stage queues (idempotent per key + etag). */
  readonly intake: (obj: StageObject) => Promise<void>;
  /** The result store for the HTTP API: the same table, with a shorter wait for a locked database. */
  readonly apiResults: SqliteResultStore;
  /**
   * Never blocks: a lock probe that does not wait, and the last queue count. The probe is cached
   * for 200 ms (a flood of health checks costs one); `fresh` probes now (a write's admission: a
   * lock taken within the cache's 200 ms would otherwise let the write wait out its busy budget).
   */
  health(options?: { readonly fresh?: boolean }): LocalHealth;
  /** Whether the queue is at its cap, and a Retry-After estimate in seconds. */
  load(): Promise<{ readonly full: boolean; readonly active: number; readonly cap: number; readonly retryAfterS: number }>;
  /** One pass of the folder watch (tests, and after a fault clears). */
  scanFolder(): Promise<void>;
  /** Starts recovery, the folder watch and the workers. */
  start(): Promise<void>;
  /** Stops everything; in-hand jobs finish first. */
  close(): Promise<void>;
}

/** The photo under a job's key is not the version that was picked up: it is taken again once complete. */
class PhotoChangedError extends CardOcrError {
  constructor(key: string) {
    super('conflict', `the photo ${key} changed after it was picked up; it is taken again once it is complete`, { retryable: true });
  }
}

const isMissing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** One runner per data dir: its start-up recovery assumes every lease it finds is orphaned. */
function lockDataDir(dataDir: string): () => void {
  const lock = join(dataDir, 'runner.pid');
  try {
    const pid = Number(readFileSync(lock, 'utf8'));
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && pidAlive(pid)) {
      throw new CardOcrError('conflict', `data dir ${dataDir} is in use by process ${pid}; stop it or use another CARDOCR_DATA_DIR`);
    }
  } catch (err) {
    if (!isMissing(err)) throw err;
  }
  writeFileSync(lock, String(process.pid), { mode: 0o600 });
  return () => rmSync(lock, { force: true });
}

function uploadSecret(dataDir: string): string {
  const file = join(dataDir, 'upload-secret');
  try {
    const s = readFileSync(file, 'utf8').trim();
    if (s.length >= 32) return s;
  } catch (err) {
    if (!isMissing(err)) throw err; // ENOENT: first start
  }
  const s = randomBytes(32).toString('base64url');
  writeFileSync(file, s, { mode: 0o600 });
  return s;
}

/** Builds the local runtime (nothing runs until `start`). */
export async function createLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const dataDir = resolve(options.dataDir);
  // Card photos and records: the runner's user only (an existing dir from older runs is tightened).
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const modeWarning = (path: string, err: unknown) =>
    options.log.warn('could not make a data file owner-only; check the data dir mount', { path, error: err as Error });
  try {
    chmodSync(dataDir, 0o700);
  } catch (err) {
    // A mount without Unix modes (some network or FUSE filesystems): run, but say so.
    if ((err as NodeJS.ErrnoException).code === 'EPERM' || (err as NodeJS.ErrnoException).code === 'ENOTSUP') modeWarning(dataDir, err);
    else throw err;
  }
  const unlock = lockDataDir(dataDir);
  const log = options.log;
  const secret = uploadSecret(dataDir);
  const db = openSqlite(join(dataDir, 'cardocr.sqlite'), {
    ...(options.sqliteBusyTimeoutMs !== undefined ? { busyTimeoutMs: options.sqliteBusyTimeoutMs } : {}),
    onPermissionWarning: modeWarning,
  });
  let lastBusyAt = 0;
  const onBusy = () => void (lastBusyAt = Date.now());
  // The stages may wait for a lock as long as half a lease; an API request up to 10 s (index.ts
  // refuses writes at once while the lock is known to be held).
  const rawResults = new SqliteResultStore(db);
  const results = busyRetrying(rawResults, { budgetMs: Math.max(5000, options.leaseMs / 2), onBusy });
  const apiResults = busyRetrying(rawResults, { budgetMs: 10_000, onBusy });
  const queue = new SqliteJobQueue(db, {
    maxAttempts: options.maxAttempts,
    busy: { budgetMs: Math.max(5000, options.leaseMs / 2), onBusy },
    // A masked body replaced an object key that looked like a card number: get it out of the WAL.
    onMasked: () => scheduleCheckpoint(db, (err) => log.warn('WAL checkpoint failed', { error: err as Error })),
  });
  const intake = createIntake({ queue, results, log });
  const objects = new FsObjectStore({
    root: join(dataDir, 'bucket'),
    uploadUrl: options.uploadUrl,
    secret,
    ...(options.fs ? { fs: options.fs } : {}),
    // The store's own writes are complete when put returns: notify at once, like S3 does.
    onPut: (info) => {
      intake({ key: info.key, size: info.size, etag: info.etag }).catch((err: unknown) =>
        log.warn('intake failed; the folder scan will pick the object up', { error: err as Error }),
      );
    },
  });
  // The CPU-bound steps run on worker threads (one card reader with one OCR worker each),
  // unless a test injects its own reader or preprocess step (functions cannot cross threads).
  const ocrThreads = options.ocrThreads || hostThreads(options.concurrency);
  const compute =
    options.reader || options.preprocess
      ? null
      : new ComputePool({
          threads: options.concurrency,
          ocrThreads,
          limits: options.limits,
          log,
          ...(options.ocrRecycleAfter ? { recycleAfter: options.ocrRecycleAfter } : {}),
        });
  const reader: NormalisedReader & { close?: () => Promise<void> } =
    compute?.reader ??
    options.reader ??
    (await createCardReader({
      workers: options.concurrency,
      limits: options.limits,
      log,
      engines: createReaderEngines({
        workers: options.concurrency,
        threads: ocrThreads,
        log,
        ...(options.ocrRecycleAfter ? { recycleAfter: options.ocrRecycleAfter } : {}),
      }),
    }));
  const preprocess: PreprocessFn =
    compute?.preprocess ??
    options.preprocess ??
    ((bytes) => preprocessForRead(bytes, options.limits));
  const context = { objects, results, log, claimMs: Math.floor(options.leaseMs / 2) };
  const preprocessDeps: PreprocessDeps = { ...context, preprocess, jobs: queue, retentionDays: options.retentionDays };
  const readDeps: ReadDeps = { ...context, reader };
  const recoveryDeps: RecoveryDeps = { queue, results, objects, context, log };

  /** The bucket with some of its operations replaced (the stages' guarded views below). */
  function withObjects(overrides: Partial<ObjectStore>): ObjectStore {
    return {
      put: (k, b, o) => objects.put(k, b, o),
      get: (k) => objects.get(k),
      head: (k) => objects.head(k),
      delete: (k) => objects.delete(k),
      list: (p, o) => objects.list(p, o),
      createUpload: (k, o) => objects.createUpload(k, o),
      ...overrides,
    };
  }

  /**
   * The preprocess stage's view of one job's object: reading it checks that the file is still
   * the version picked up (size/mtime/etag), a decode failure of a file that changed meanwhile
   * is not final, and a changed file is never deleted. Any of these ends the job as
   * "superseded": the watch takes the complete version once it is stable.
   */
  function guardedPreprocessDeps(obj: StageObject): PreprocessDeps {
    const changed = async (): Promise<boolean> => {
      const now = await objects.head(obj.key);
      return now !== null && now.etag !== obj.etag;
    };
    const guarded = withObjects({
      async get(k) {
        const bytes = await objects.get(k);
        if (k === obj.key && (await changed())) throw new PhotoChangedError(redactPans(k));
        return bytes;
      },
      async delete(k) {
        if (k === obj.key && (await changed())) {
          log.info('kept a photo that changed after pickup', { key: redactPans(k) });
          return;
        }
        await objects.delete(k);
      },
    });
    const guardedPreprocess: PreprocessFn = async (bytes) => {
      try {
        return await preprocess(bytes);
      } catch (err) {
        if (!toCardOcrError(err).retryable && (await changed())) throw new PhotoChangedError(redactPans(obj.key));
        throw err;
      }
    };
    return { ...preprocessDeps, objects: guarded, preprocess: guardedPreprocess };
  }

  /**
   * The read stage's view for one scan: when it deletes a dropped photo (`uploads/<name>`, no
   * scan id in the key) that was replaced meanwhile by another photo under the same name
   * (its etag now derives another scan), the newer photo is kept for its own scan.
   */
  function guardedReadDeps(id: string): ReadDeps {
    const guarded = withObjects({
      async delete(k) {
        if (k.startsWith(UPLOADS_PREFIX) && !scanIdFromUploadKey(k)) {
          const now = await objects.head(k);
          if (now && derivedScanId(k, now.etag) !== id) {
            log.info('kept a newer photo dropped under the same name', { key: redactPans(k) });
            return;
          }
        }
        await objects.delete(k);
      },
    });
    return { ...readDeps, objects: guarded };
  }

  async function preprocessJob(obj: StageObject): Promise<void> {
    try {
      await preprocessUpload(guardedPreprocessDeps(obj), obj);
    } catch (err) {
      if (!(err instanceof PhotoChangedError)) throw err;
      // Superseded. A record derived from the half-written version is no photo: it goes. A
      // named scan waits for its complete photo in `queued`.
      const named = scanIdFromUploadKey(obj.key);
      if (named && (await results.get(named))) {
        await tryTransition(results, named, ['preprocessing', 'queued'], { status: 'queued', lease: null });
      } else {
        const derived = derivedScanId(obj.key, obj.etag);
        const rec = await results.get(derived);
        if (rec && !isFinal(rec.status)) await results.delete(derived);
      }
      log.info('photo changed after pickup; it is taken again once complete', { key: redactPans(obj.key) });
    }
  }

  const classifyUpload = async (obj: StageObject): Promise<UploadState> => {
    const id = await scanIdForUpload(context, obj);
    const rec = id ? await results.get(id) : null;
    if (!rec || rec.status === 'awaiting_upload' || rec.status === 'queued') return { state: 'new' };
    if (isFinal(rec.status)) return { state: 'final', finishedAt: Date.parse(rec.updatedAt) };
    return { state: 'in_flight' };
  };

  const refuseEntry = async (key: string, identity: string, message: string): Promise<void> => {
    // The identity names the entry by its path: masked before it is hashed into the (shown) id, or
    // an id and the record's masked key would give a card-number name's hidden digits back by trial.
    const id = derivedScanId(redactPans(identity), 'refused');
    const rec = newScanRecord({ id, key, status: 'failed', now: new Date(), retentionDays: options.retentionDays });
    try {
      await results.create({ ...rec, outcome: 'failed', error: { code: 'validation', message } });
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err; // recorded by an earlier pass that could not remove it
    }
  };

  const cap = options.maxQueuedScans ?? 500;
  let lastActive: number | null = null;
  let loadCache: { at: number; active: number } | null = null;
  async function activeJobs(): Promise<number> {
    // Cached briefly: a flood of POSTs must not turn into a flood of COUNTs.
    if (loadCache && Date.now() - loadCache.at < 500) return loadCache.active;
    const active = await queue.countActive();
    loadCache = { at: Date.now(), active };
    lastActive = active;
    return active;
  }

  const pool = new WorkerPool({
    queue,
    // Read jobs first, so scans already under way finish before new ones start.
    handlers: [
      {
        queue: STAGE_QUEUES.read,
        handle: (job: ReadJob) => readScan(guardedReadDeps(job.id), job),
        onDeadLetter: (job: ReadJob, reason) => failDeadLettered(context, job.id, reason),
      },
      {
        queue: STAGE_QUEUES.preprocess,
        handle: (obj: StageObject) => preprocessJob(obj),
        onDeadLetter: async (obj: StageObject, reason) => {
          const id = await scanIdForUpload(context, obj);
          if (id) await failDeadLettered(context, id, reason);
        },
      },
    ],
    concurrency: options.concurrency,
    leaseMs: options.leaseMs,
    log,
    ...(options.backoffMs !== undefined ? { backoffMs: options.backoffMs } : {}),
    ...(options.maxBackoffMs !== undefined ? { maxBackoffMs: options.maxBackoffMs } : {}),
    ...(options.transientRetryMs !== undefined ? { transientBudgetMs: options.transientRetryMs } : {}),
    onSend: (listener) => queue.onSend(listener),
  });
  // Dead letters the pool has not seen fail (their worker died on every attempt); see start().
  const handledDead = new Set<string>();
  const watcher = new BucketWatcher({
    store: objects,
    prefix: UPLOADS_PREFIX,
    onObject: intake,
    classify: classifyUpload,
    refuse: refuseEntry,
    full: async () => (await activeJobs()) >= cap,
    log,
    ...(options.scanIntervalMs ? { scanIntervalMs: options.scanIntervalMs } : {}),
    ...(options.uploadStableMs !== undefined ? { stableMs: options.uploadStableMs } : {}),
    ...(options.orphanMaxAgeMs !== undefined ? { orphanMaxAgeMs: options.orphanMaxAgeMs } : {}),
  });
  const orphanMaxAgeMs = options.orphanMaxAgeMs ?? 3_600_000;

  /** Removes normalised images whose scan ended or is gone (a delete that failed), and abandoned temp files. */
  async function sweepOrphans(): Promise<number> {
    let n = 0;
    let cursor: string | undefined;
    do {
      const page = await objects.list(PROCESSED_PREFIX, { limit: 1000, ...(cursor ? { cursor } : {}) });
      for (const item of page.items) {
        const id = scanIdFromProcessedKey(item.key);
        const rec = id ? await results.get(id) : null;
        // A few seconds of grace: the preprocess stage writes the image before it moves the record.
        const settled = Date.now() - item.lastModified.getTime() > 10_000;
        if (settled && (!rec || isFinal(rec.status))) {
          await objects.delete(item.key);
          n++;
        }
      }
      cursor = page.cursor;
    } while (cursor);
    n += await objects.sweepTemp(orphanMaxAgeMs);
    if (n) log.info('removed orphaned images', { count: n });
    return n;
  }

  let maintenance: NodeJS.Timeout | null = null;
  let purging: NodeJS.Timeout | null = null;
  let closed = false;
  let lastHealth: { at: number; db: DatabaseHealth } | null = null;

  return {
    dataDir,
    db,
    objects,
    results,
    queue,
    preprocessDeps,
    readDeps,
    uploadSecret: secret,
    intake,
    apiResults,
    health(options?: { readonly fresh?: boolean }): LocalHealth {
      // Cached for 200 ms so a flood of health checks costs one probe; the probe never waits.
      if (!lastHealth || options?.fresh === true || Date.now() - lastHealth.at > 200) lastHealth = { at: Date.now(), db: closed ? { state: 'error', detail: 'closed' } : probeDatabase(db) };
      const database = lastHealth.db;
      const recentlyBusy = Date.now() - lastBusyAt < 2000;
      const fault = pool.lastFault;
      const storageFault = fault && fault.where === 'storage' && Date.now() - fault.at < 30_000 ? fault : null;
      return {
        status: database.state === 'ok' && !recentlyBusy && !storageFault ? 'ok' : 'degraded',
        database: database.state === 'ok' && recentlyBusy ? { state: 'locked', detail: 'statements waited for a lock in the last 2 s' } : database,
        storage: storageFault ? { state: 'fault', detail: `${storageFault.code} in the last 30 s; scans are retried` } : { state: 'ok' },
        queue: { active: lastActive, cap },
      };
    },
    async load() {
      const active = await activeJobs();
      const over = Math.max(0, active - cap + 1);
      const retryAfterS = Math.min(300, Math.max(1, Math.ceil((over * pool.averageJobMs) / Math.max(1, options.concurrency) / 1000)));
      return { full: active >= cap, active, cap, retryAfterS };
    },
    scanFolder: () => watcher.scan(),
    async start() {
      const uploadCutoffMs = (options.uploadExpiresMs ?? 300_000) + options.leaseMs;
      await recoverOnStart(recoveryDeps);
      await expireUploads(recoveryDeps, uploadCutoffMs);
      await watcher.start();
      pool.start();
      // Safety net for what no event reports: stale scans and jobs dead-lettered by lease expiry.
      maintenance = setInterval(() => {
        void (async () => {
          try {
            await failDeadLetterJobs(recoveryDeps, handledDead);
            await sweepStale(recoveryDeps, options.leaseMs * 2);
            await expireUploads(recoveryDeps, uploadCutoffMs);
            await sweepOrphans();
            await activeJobs();
          } catch (err) {
            log.warn('maintenance pass failed; retrying on the next one', { error: err as Error });
          }
        })();
      }, Math.min(30_000, Math.max(1000, options.leaseMs / 2)));
      maintenance.unref();
      const purge = async () => {
        try {
          const jobs = await queue.purge({ deadOlderThanMs: options.retentionDays * 86_400_000 });
          const records = await purgeExpired(recoveryDeps);
          if (jobs || records) log.info('purged finished jobs and expired records', { jobs, records });
        } catch (err) {
          log.warn('purge failed; retrying on the next one', { error: err as Error });
        }
      };
      void purge();
      purging = setInterval(() => void purge(), options.purgeIntervalMs ?? 600_000);
      purging.unref();
    },
    async close() {
      if (closed) return;
      closed = true;
      if (maintenance) clearInterval(maintenance);
      if (purging) clearInterval(purging);
      await watcher.stop();
      await pool.stop();
      // An injected reader belongs to the caller.
      if (!options.reader) await reader.close?.();
      cancelCheckpoint(db);
      try {
        // Closing checkpoints and removes the WAL only as its last user; truncate it ourselves in any case.
        db.pragma('busy_timeout = 0');
        db.pragma('wal_checkpoint(TRUNCATE)');
      } catch (err) {
        log.warn('WAL checkpoint at close failed (another process has the database open)', { error: err as Error });
      }
      db.close();
      unlock();
    },
  };
}
