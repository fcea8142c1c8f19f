/**
 * The local runner behind `cardocr serve` / `npm start`: the HTTP API and web page (H5's
 * Hono app, unchanged), the local upload route, and the pipeline (folder watch, durable
 * queue, worker pool, stage handlers) on one machine with no AWS account.
 * `GET /healthz` is answered before the app and reports `degraded` (never waiting) while the
 * database is locked. Load shedding is the app's `admission` check, after its rate limiter and
 * auth: an authenticated `/v1` write is refused with `503 service_unavailable` + Retry-After
 * while the database is locked (instead of waiting for the lock), and `POST /v1/scans` while
 * `CARDOCR_MAX_QUEUED_SCANS` jobs or more wait or run.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Log } from '../core/log.js';
import type { NormalisedReader, PreprocessFn } from '../core/stages.js';
import { createApiApp } from '../handlers/api/app.js';
import { createLog } from '../adapters/log/powertools-log.js';
import { loadConfig } from '../core/config.js';
import type { FsOps } from '../adapters/local/fs-object-store.js';
import { busyRetrying } from '../adapters/local/sqlite.js';
import { SqliteQuotaCounter } from '../adapters/local/sqlite-quota-counter.js';
import { createLocalRuntime, type LocalRuntime } from './composition.js';
import { LOCAL_UPLOAD_PATH, createUploadRoute } from './upload-route.js';

export { LOCAL_UPLOAD_PATH } from './upload-route.js';

export interface StartLocalPipelineOptions {
  /** Port to listen on; 0 picks a free one. Default: `PORT` or 3000. */
  readonly port?: number;
  /** Default: `CARDOCR_DATA_DIR` or `.data`. */
  readonly dataDir?: string;
  /** Queue workers and OCR workers. Default: `CARDOCR_CONCURRENCY` or the number of cores. */
  readonly concurrency?: number;
  /** Default: `CARDOCR_HOST` or 127.0.0.1. */
  readonly host?: string;
  /** API token; default `CARDOCR_API_TOKEN`, else one is generated and printed once. */
  readonly token?: string;
  readonly maxAttempts?: number;
  /** Queue lease per job, ms. Default: `CARDOCR_JOB_LEASE_SECONDS`. */
  readonly leaseMs?: number;
  /** Logger (default: Powertools JSON lines at `CARDOCR_LOG_LEVEL`, redacted). */
  readonly log?: Log;
  /** Where the start-up banner goes (default: stderr, so stdout stays JSON lines). */
  readonly print?: (line: string) => void;
  /** Environment the defaults come from (default: process.env). */
  readonly env?: Record<string, string | undefined>;
  /** Test hooks: replace the reader or the preprocess step, speed up the safety nets. */
  readonly reader?: NormalisedReader & { close?: () => Promise<void> };
  readonly preprocess?: PreprocessFn;
  readonly scanIntervalMs?: number;
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly transientRetryMs?: number;
  readonly uploadStableMs?: number;
  readonly maxQueuedScans?: number;
  /** Filesystem calls of the folder bucket (tests inject faults). */
  readonly fs?: FsOps;
}

export interface LocalPipeline {
  /** Base URL of the API and page, e.g. `http://127.0.0.1:3000`. */
  readonly url: string;
  readonly token: string;
  readonly runtime: LocalRuntime;
  close(): Promise<void>;
}

/** Starts the whole local pipeline and its HTTP server. */
export async function startLocalPipeline(options: StartLocalPipelineOptions = {}): Promise<LocalPipeline> {
  const config = loadConfig(['limits', 'ocr', 'log', 'api', 'local'], options.env);
  const { local, limits } = config;
  const log = options.log ?? createLog({ service: 'cardocr', level: config.log.level, sink: (line) => void process.stdout.write(`${line}\n`) });
  const print = options.print ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const configuredToken = options.token ?? local.apiToken;
  const token = configuredToken ?? randomBytes(24).toString('base64url');

  const runtime = await createLocalRuntime({
    dataDir: options.dataDir ?? local.dataDir,
    concurrency: options.concurrency ?? local.concurrency,
    maxAttempts: options.maxAttempts ?? local.maxAttempts,
    retentionDays: limits.retentionDays,
    leaseMs: options.leaseMs ?? local.jobLeaseSeconds * 1000,
    limits,
    uploadExpiresMs: config.api.uploadExpiresSeconds * 1000,
    backoffMs: options.backoffMs ?? local.retryBaseMs,
    maxBackoffMs: options.maxBackoffMs ?? local.retryMaxDelayMs,
    transientRetryMs: options.transientRetryMs ?? local.transientRetrySeconds * 1000,
    uploadStableMs: options.uploadStableMs ?? local.uploadStableMs,
    maxQueuedScans: options.maxQueuedScans ?? local.maxQueuedScans,
    orphanMaxAgeMs: local.orphanMaxAgeSeconds * 1000,
    sqliteBusyTimeoutMs: local.sqliteBusyTimeoutMs,
    purgeIntervalMs: local.purgeIntervalSeconds * 1000,
    ...(options.fs ? { fs: options.fs } : {}),
    ocrRecycleAfter: config.ocr.recycleAfter,
    ocrThreads: config.ocr.threads,
    // Relative: the API resolves it against the URL each client called, so phones on the LAN work too.
    uploadUrl: LOCAL_UPLOAD_PATH,
    log,
    ...(options.reader ? { reader: options.reader } : {}),
    ...(options.preprocess ? { preprocess: options.preprocess } : {}),
    ...(options.scanIntervalMs ? { scanIntervalMs: options.scanIntervalMs } : {}),
  });

  let server: ReturnType<typeof serve> | undefined;
  try {
    const api = createApiApp({
      objects: runtime.objects,
      results: runtime.apiResults,
      // The operator's token (principal `local`, admin) and one token per extra user (CARDOCR_API_USERS).
      auth: { mode: 'bearer', token, users: local.apiUsers },
      // Per-user scan quotas in the same database file: they hold across restarts.
      quotas: busyRetrying(new SqliteQuotaCounter(runtime.db), { budgetMs: 10_000 }),
      clientAddress: (c) => getConnInfo(c).remote.address ?? 'unknown',
      // Load shedding, asked by the app after its rate limiter and auth (an anonymous caller gets
      // 401 and learns nothing of the load), answered 503 service_unavailable + Retry-After.
      admission: async ({ method, path, principal }) => {
        // A write while another process holds the database lock would only wait: shed it at once.
        // (Reads go on: WAL readers do not need the lock.)
        // A fresh probe, not the 200 ms health cache: a lock taken since would make the write wait.
        if (runtime.health({ fresh: true }).database.state === 'locked') {
          return { message: 'the database is locked by another process; try again in 5 s', retryAfterSeconds: 5 };
        }
        if (method === 'POST' && path === '/v1/scans') {
          const load = await runtime.load();
          if (load.full) {
            log.warn('scan refused: queue full', { active: load.active, cap: load.cap, principal });
            return {
              message: `the pipeline has ${load.active} scans waiting or running (limit ${load.cap}); try again in ${load.retryAfterS} s`,
              retryAfterSeconds: load.retryAfterS,
            };
          }
        }
        return null;
      },
      config: { api: config.api, limits },
      log,
    });
    const upload = createUploadRoute({
      objects: runtime.objects,
      secret: runtime.uploadSecret,
      maxBodyBytes: limits.maxInputBytes + 64 * 1024,
      maxFileBytes: limits.maxInputBytes,
      log,
    });
    const fetch = async (req: Request, env: unknown): Promise<Response> => {
      const path = new URL(req.url).pathname;
      if (path === LOCAL_UPLOAD_PATH) return upload.fetch(req, env);
      if (path === '/healthz' && req.method === 'GET') {
        // Answered here, without waiting on the database (the app's own route only says "up").
        const health = runtime.health();
        return Response.json(health, { headers: { 'cache-control': 'no-store' } });
      }
      return api.fetch(req, env);
    };

    await runtime.start();
    const host = options.host ?? local.host;
    server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
      const s = serve({ fetch, port: options.port ?? local.port, hostname: host }, () => resolve(s));
      s.once('error', reject);
    });
    const port = (server.address() as AddressInfo).port;
    const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
    const url = `http://${shownHost}:${port}`;
    log.info('local pipeline started', { url, dataDir: runtime.dataDir, concurrency: options.concurrency ?? local.concurrency });
    if (configuredToken) {
      print(`cardocr: serving on ${url}/ (API token from CARDOCR_API_TOKEN)`);
    } else {
      // Printed once; the page takes it from the URL fragment, which never reaches a server or a log.
      print(`cardocr: serving on ${url}/`);
      print(`cardocr: open ${url}/#token=${token}  (API token generated for this run; set CARDOCR_API_TOKEN to choose one)`);
    }
    const running = server;
    let closing: Promise<void> | null = null;
    return {
      url,
      token,
      runtime,
      close() {
        closing ??= (async () => {
          await new Promise<void>((resolve) => {
            running.close(() => resolve());
            // Keep-alive connections would hold close() open; the API has no long requests.
            (running as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
          });
          await runtime.close();
        })();
        return closing;
      },
    };
  } catch (err) {
    server?.close();
    await runtime.close();
    throw err;
  }
}
