/**
 * Composition root of the local runner: builds the adapters (folder bucket, SQLite results
 * and queue in one file), the card reader and the stage dependencies from explicit options,
 * and wires the event path: store writes and the folder watch → intake → preprocess queue →
 * worker pool → preprocess use-case → read queue (the one explicit hop) → read use-case, the
 * same use-cases the Lambdas run, called directly (no event envelopes). The CPU-bound steps
 * run on a pool of worker threads. No HTTP here (see index.ts).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FsObjectStore } from '../adapters/local/fs-object-store.js';
import { openSqlite, type SqliteDatabase } from '../adapters/local/sqlite.js';
import { SqliteJobQueue } from '../adapters/local/sqlite-job-queue.js';
import { SqliteResultStore } from '../adapters/local/sqlite-result-store.js';
import { createReaderEngines } from '../adapters/ocr/reader-engines.js';
import { CardOcrError } from '../core/errors.js';
import { UPLOADS_PREFIX } from '../core/ids.js';
import type { Log } from '../core/log.js';
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
import { preprocessPhoto } from '../reader/preprocess.js';
import { createCardReader } from '../reader/reader.js';
import { ComputePool } from './compute-pool.js';
import { createIntake } from './intake.js';
import { expireUploads, failDeadLetterJobs, recoverOnStart, sweepStale, type RecoveryDeps } from './recovery.js';
import { BucketWatcher } from './watcher.js';
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
  /** First retry delay, ms. */
  readonly backoffMs?: number;
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
  /** Starts recovery, the folder watch and the workers. */
  start(): Promise<void>;
  /** Stops everything; in-hand jobs finish first. */
  close(): Promise<void>;
}

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
      throw new CardOcrError('conflict', `data dir ${dataDir} is in use by process ${pid}`);
    }
  } catch (err) {
    if (err instanceof CardOcrError) throw err;
  }
  writeFileSync(lock, String(process.pid));
  return () => rmSync(lock, { force: true });
}

function uploadSecret(dataDir: string): string {
  const file = join(dataDir, 'upload-secret');
  try {
    const s = readFileSync(file, 'utf8').trim();
    if (s.length >= 32) return s;
  } catch {
    // first start
  }
  const s = randomBytes(32).toString('base64url');
  writeFileSync(file, s, { mode: 0o600 });
  return s;
}

/** Builds the local runtime (nothing runs until `start`). */
export async function createLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const unlock = lockDataDir(dataDir);
  const log = options.log;
  const secret = uploadSecret(dataDir);
  const db = openSqlite(join(dataDir, 'cardocr.sqlite'));
  const results = new SqliteResultStore(db);
  const queue = new SqliteJobQueue(db, { maxAttempts: options.maxAttempts });
  const intake = createIntake({ queue, results, log });
  const objects = new FsObjectStore({
    root: join(dataDir, 'bucket'),
    uploadUrl: options.uploadUrl,
    secret,
    // The store's own writes are complete when put returns: notify at once, like S3 does.
    onPut: (info) => {
      intake({ key: info.key, size: info.size, etag: info.etag }).catch((err: unknown) =>
        log.warn('intake failed; the folder scan will pick the object up', { error: err as Error }),
      );
    },
  });
  // The CPU-bound steps run on worker threads (one card reader with one OCR worker each),
  // unless a test injects its own reader or preprocess step (functions cannot cross threads).
  const compute =
    options.reader || options.preprocess
      ? null
      : new ComputePool({
          threads: options.concurrency,
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
        log,
        ...(options.ocrRecycleAfter ? { recycleAfter: options.ocrRecycleAfter } : {}),
      }),
    }));
  const preprocess: PreprocessFn =
    compute?.preprocess ??
    options.preprocess ??
    (async (bytes) => {
      const card = await preprocessPhoto(bytes, options.limits);
      return { image: card.image, timingsMs: card.timingsMs, hints: { view: card.geometry.view } };
    });
  const context = { objects, results, log, claimMs: Math.floor(options.leaseMs / 2) };
  const preprocessDeps: PreprocessDeps = { ...context, preprocess, jobs: queue, retentionDays: options.retentionDays };
  const readDeps: ReadDeps = { ...context, reader };
  const recoveryDeps: RecoveryDeps = { queue, results, objects, context, log };
  const pool = new WorkerPool({
    queue,
    // Read jobs first, so scans already under way finish before new ones start.
    handlers: [
      {
        queue: STAGE_QUEUES.read,
        handle: (job: ReadJob) => readScan(readDeps, job),
        onDeadLetter: (job: ReadJob, reason) => failDeadLettered(context, job.id, reason),
      },
      {
        queue: STAGE_QUEUES.preprocess,
        handle: (obj: StageObject) => preprocessUpload(preprocessDeps, obj),
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
    onSend: (listener) => queue.onSend(listener),
  });
  // Dead letters the pool has not seen fail (their worker died on every attempt); see start().
  const handledDead = new Set<string>();
  const watcher = new BucketWatcher({
    store: objects,
    prefix: UPLOADS_PREFIX,
    onObject: intake,
    log,
    ...(options.scanIntervalMs ? { scanIntervalMs: options.scanIntervalMs } : {}),
  });
  let maintenance: NodeJS.Timeout | null = null;
  let closed = false;

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
          } catch (err) {
            log.warn('maintenance pass failed', { error: err as Error });
          }
        })();
      }, Math.min(30_000, Math.max(1000, options.leaseMs / 2)));
      maintenance.unref();
    },
    async close() {
      if (closed) return;
      closed = true;
      if (maintenance) clearInterval(maintenance);
      await watcher.stop();
      await pool.stop();
      // An injected reader belongs to the caller.
      if (!options.reader) await reader.close?.();
      db.close();
      unlock();
    },
  };
}
