/**
 * The HTTP API and web page: one Hono app, served by `@hono/node-server` locally and by
 * `hono/aws-lambda` behind API Gateway. Routes are thin: validate, call the scan service,
 * shape the response. Errors are mapped once, in error-mapping.ts.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
import type { Log } from '../../core/log.js';
import { silentLog } from '../../core/log.js';
import { CardOcrError } from '../../core/errors.js';
import { redactPans } from '../../core/mask.js';
import type { ObjectStore, QuotaCounter, ResultStore } from '../../core/ports.js';
import type { ScanRecord } from '../../core/record.js';
import { createScanService, type ScanService } from '../../core/scan-service.js';
import { configDefaults, type ApiConfig, type LimitsConfig } from '../../core/config.js';
import { authMiddleware, type AuthOptions, type AuthVariables } from './auth.js';
import { describeLimit, errorResponse, limitMB, methodNotAllowed, toErrorResponse } from './error-mapping.js';
import { registerOpenApi } from './openapi.js';
import { InProcessQuotaCounter, rateLimit, scanQuota, type RateLimitOptions } from './rate-limit.js';
import { createScanRoute, deleteScanRoute, getScanRoute, healthRoute, listScansRoute } from './routes.js';
import type { GeometryView, ScanView } from './schemas.js';
import { pageConfigFrom, registerWebPage } from './web/page.js';

export type { AuthOptions } from './auth.js';

/** A write the admission check is asked about: an authenticated `/v1` request that is not a read. */
export interface AdmissionRequest {
  readonly method: string;
  readonly path: string;
  /** The verified caller (auth has run). */
  readonly principal: string;
}

/** Why the runtime cannot take a write now: answered `503 service_unavailable` with `Retry-After`. */
export interface AdmissionRefusal {
  /** Says what is busy and when to try again; shown to the caller (PAN-redacted like every message). */
  readonly message: string;
  /** Seconds until a retry is worth it (the `Retry-After` header; at least 1). */
  readonly retryAfterSeconds: number;
}

/** What the API needs from its composition root (local runner or Lambda handler). */
export interface ApiAppDeps {
  readonly objects: ObjectStore;
  readonly results: ResultStore;
  readonly auth: AuthOptions;
  /** The caller's network address (the runtime's `getConnInfo`): the rate limiter's client key. */
  readonly clientAddress: (c: Context) => string;
  /** The `api` and `limits` sections of the config; their defaults apply when omitted. */
  readonly config?: { readonly api: ApiConfig; readonly limits: LimitsConfig };
  readonly log?: Log;
  /** Overrides of the rate limiter (client key, clock); burst and rate come from `config`. */
  readonly rateLimit?: Pick<RateLimitOptions, 'clientKey' | 'now'>;
  /**
   * Counters of the per-user scan quotas (config `scanQuotaPerMinute`/`scanQuotaPerDay`): the
   * DynamoDB or SQLite one, so quotas hold across instances. Default: this process's memory.
   */
  readonly quotas?: QuotaCounter;
  /** Clock of the quota windows, ms (tests). */
  readonly quotaNow?: () => number;
  /**
   * Load shedding of the runtime (locally: the database locked by another process, the queue
   * at `CARDOCR_MAX_QUEUED_SCANS`). Asked for every `/v1` write after the rate limiter and
   * auth, so an anonymous caller gets its 401 and learns nothing of the load, and before the
   * scan quota, so a shed create does not use quota up. Null lets the request through.
   */
  readonly admission?: (request: AdmissionRequest) => Promise<AdmissionRefusal | null> | AdmissionRefusal | null;
  /** Replaces the scan service built from `objects`/`results` (tests). */
  readonly scans?: ScanService;
  /** Clock for new records (tests). */
  readonly now?: () => Date;
}

/** Hono environment of the app: `principal` is set by the auth middleware on /v1 routes. */
export type ApiEnv = { Variables: AuthVariables };

/** Largest JSON request body, bytes: the API only takes small JSON documents. */
const MAX_JSON_BYTES = 16 * 1024;

type Point = [number, number];

/** A quad of four finite points, or undefined for anything else (a store is not trusted blindly). */
function quadOf(value: unknown): Point[] | undefined {
  if (!Array.isArray(value) || value.length !== 4) return undefined;
  const points: Point[] = [];
  for (const p of value) {
    if (!Array.isArray(p) || p.length !== 2) return undefined;
    const [x, y] = p as unknown[];
    if (typeof x !== 'number' || typeof y !== 'number' || !Number.isFinite(x) || !Number.isFinite(y)) return undefined;
    points.push([Math.round(x * 10) / 10, Math.round(y * 10) / 10]);
  }
  return points;
}

/**
 * The geometry the read stage stored (`record.geometry`, the reader's CardGeometry): only
 * the photo size, the card outline and the field quads leave the API — coordinates, never
 * pixels or digits. Null when the record has none (not read yet, or an older record).
 */
function toGeometryView(record: ScanRecord): GeometryView | null {
  const raw: unknown = (record as ScanRecord & { geometry?: unknown }).geometry;
  if (typeof raw !== 'object' || raw === null) return null;
  const g = raw as { image?: { width?: unknown; height?: unknown }; corners?: unknown; fields?: Record<string, unknown> };
  const width = g.image?.width;
  const height = g.image?.height;
  if (typeof width !== 'number' || typeof height !== 'number' || !(width > 0) || !(height > 0)) return null;
  const corners = quadOf(g.corners);
  const fields: NonNullable<GeometryView['fields']> = {};
  for (const name of ['pan', 'expiry', 'name'] as const) {
    const quad = quadOf(g.fields?.[name]);
    if (quad) fields[name] = quad;
  }
  return {
    image: { width: Math.round(width), height: Math.round(height) },
    ...(corners ? { corners } : {}),
    ...(Object.keys(fields).length > 0 ? { fields } : {}),
  };
}

/** The stages' timings and their end-to-end total (the sum of the stage totals). */
function toTimingsView(timings: ScanRecord['timingsMs']): ScanView['timingsMs'] {
  const stages = [timings.preprocess?.['total'], timings.read?.['total']].filter((t): t is number => typeof t === 'number');
  return {
    ...(timings.preprocess ? { preprocess: { ...timings.preprocess } } : {}),
    ...(timings.read ? { read: { ...timings.read } } : {}),
    ...(stages.length > 0 ? { total: Math.round(stages.reduce((a, b) => a + b, 0) * 10) / 10 } : {}),
  };
}

/**
 * The API's view of a record: only the documented fields, and every free-text field passed
 * through `redactPans` once more, so that even a store holding a full PAN by mistake could
 * not send it out.
 */
function toScanView(record: ScanRecord): ScanView {
  const card = record.card;
  return {
    id: record.id,
    status: record.status,
    key: record.key === null ? null : redactPans(record.key),
    outcome: record.outcome,
    card: card
      ? {
          pan: card.pan === null ? null : redactPans(card.pan),
          last4: card.last4 === null ? null : card.last4.replace(/\D/g, '').slice(-4),
          brand: card.brand,
          expiry: card.expiry,
          name: card.name === null ? null : redactPans(card.name),
        }
      : null,
    confidence: { ...record.confidence },
    missing: { ...record.missing },
    error: record.error ? { code: record.error.code, message: redactPans(record.error.message) } : null,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    geometry: toGeometryView(record),
    timingsMs: toTimingsView(record.timingsMs),
  };
}

/** Builds the API app. Mount extra routes (e.g. the local upload endpoint) on the result. */
export function createApiApp(deps: ApiAppDeps): OpenAPIHono<ApiEnv> {
  const config = deps.config ?? { api: configDefaults('api'), limits: configDefaults('limits') };
  const log = deps.log ?? silentLog;
  const scans =
    deps.scans ??
    createScanService({
      objects: deps.objects,
      results: deps.results,
      uploads: { maxBytes: config.limits.maxInputBytes, expiresInSeconds: config.api.uploadExpiresSeconds },
      retentionDays: config.limits.retentionDays,
      ...(deps.now ? { now: deps.now } : {}),
    });

  const app = new OpenAPIHono<ApiEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const detail = result.error.issues
          .map((i) => `${i.path.length ? i.path.join('.') : 'request'}: ${i.message}`)
          .join('; ');
        return errorResponse(c, 'validation', detail);
      }
      return undefined;
    },
  });

  // Headers on every response; the page sets its own CSP, which `overwrite: false` keeps.
  app.use(
    '*',
    secureHeaders({
      overwrite: false,
      contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
      xFrameOptions: 'DENY',
    }),
  );
  app.use('*', async (c, next) => {
    await next();
    // Scan results are per-user and sensitive: never cached by browsers or proxies.
    if (!c.res.headers.has('Cache-Control')) c.header('Cache-Control', 'no-store');
  });

  app.use(
    '/v1/*',
    rateLimit({
      burst: config.api.rateLimitBurst,
      perSecond: config.api.rateLimitRps,
      clientKey: deps.clientAddress,
      ...deps.rateLimit,
    }),
  );
  app.use('/v1/*', authMiddleware(deps.auth));
  const admission = deps.admission;
  if (admission) {
    app.use('/v1/*', async (c, next) => {
      // Reads go on whatever the load: they are cheap and need no write lock.
      if (c.req.method === 'GET' || c.req.method === 'HEAD' || c.req.method === 'OPTIONS') return next();
      const refusal = await admission({ method: c.req.method, path: c.req.path, principal: c.get('principal') });
      if (!refusal) return next();
      const retryAfter = Math.max(1, Math.ceil(refusal.retryAfterSeconds));
      return errorResponse(c, 'service_unavailable', refusal.message, { 'Retry-After': String(retryAfter) });
    });
  }
  app.use(
    '/v1/*',
    bodyLimit({
      maxSize: MAX_JSON_BYTES,
      onError: (c) => errorResponse(c, 'payload_too_large', `request body exceeds ${MAX_JSON_BYTES} bytes`),
    }),
  );

  // A photo declared over the size limit: refused with 413 before any record, and without using quota.
  const declaredTooLarge = (size: unknown): size is number => typeof size === 'number' && size > config.limits.maxInputBytes;
  // Per-user quota on scan creation (after auth: it counts the verified caller).
  app.post(
    '/v1/scans',
    scanQuota({
      counter: deps.quotas ?? new InProcessQuotaCounter(),
      quota: { perMinute: config.api.scanQuotaPerMinute, perDay: config.api.scanQuotaPerDay },
      subject: (c) => c.get('principal'),
      ...(deps.quotaNow ? { now: deps.quotaNow } : {}),
      // A photo declared too large gets its 413 below without using up quota (Hono caches the
      // parsed body, so the route's validator reads the same one).
      refusedAnyway: async (c) => {
        const body: unknown = await c.req.json().catch(() => null);
        return declaredTooLarge(body && typeof body === 'object' ? (body as { size?: unknown }).size : undefined);
      },
    }),
  );

  app.openapi(createScanRoute, async (c) => {
    const body = c.req.valid('json');
    // A photo declared too large is refused before any record exists (the upload target would refuse it anyway).
    if (declaredTooLarge(body.size)) {
      throw new CardOcrError(
        'payload_too_large',
        `the photo is ${body.size} bytes; the limit is ${describeLimit(config.limits.maxInputBytes)}: send a smaller photo`,
      );
    }
    const { record, upload } = await scans.createScan(
      {
        ...(body.contentType ? { contentType: body.contentType } : {}),
        ...(body.filename ? { filename: body.filename } : {}),
      },
      c.get('caller'),
    );
    log.info('scan created', { scanId: record.id, principal: c.get('principal') });
    return c.json(
      {
        id: record.id,
        status: 'awaiting_upload' as const,
        upload: {
          // A relative target (the local upload route) is resolved against the URL this request
          // used, so the page and curl post to the same host name and port they called.
          url: new URL(upload.url, c.req.url).toString(),
          method: upload.method,
          ...(upload.fields ? { fields: { ...upload.fields } } : {}),
          ...(upload.headers ? { headers: { ...upload.headers } } : {}),
          expiresAt: upload.expiresAt,
          maxBytes: upload.maxBytes,
          maxMB: limitMB(upload.maxBytes),
        },
      },
      201,
    );
  });

  app.openapi(getScanRoute, async (c) => {
    const { id } = c.req.valid('param');
    return c.json(toScanView(await scans.getScan(id, c.get('caller'))), 200);
  });

  app.openapi(listScansRoute, async (c) => {
    const q = c.req.valid('query');
    const page = await scans.listScans(
      {
        limit: q.limit,
        ...(q.status ? { status: q.status } : {}),
        ...(q.cursor ? { cursor: q.cursor } : {}),
        ...(q.key ? { key: q.key } : {}),
      },
      c.get('caller'),
    );
    return c.json({ items: page.items.map(toScanView), nextCursor: page.cursor ?? null }, 200);
  });

  app.openapi(deleteScanRoute, async (c) => {
    const { id } = c.req.valid('param');
    await scans.deleteScan(id, c.get('caller'));
    log.info('scan deleted', { scanId: id, principal: c.get('principal') });
    return c.body(null, 204);
  });

  app.openapi(healthRoute, (c) => c.json({ status: 'ok' as const }, 200));

  registerOpenApi(app);
  registerWebPage(app, {
    uploadOrigins: config.api.uploadOrigins,
    config: pageConfigFrom(config, deps.auth.mode),
  });

  // 405 with Allow for a path served with other methods, 404 for the rest; JSON either way.
  const routes = app.routes
    .filter((r) => r.method !== 'ALL')
    .map((r) => ({ method: r.method, pattern: routePattern(r.path) }));
  app.notFound((c) => {
    const path = new URL(c.req.url).pathname;
    const allowed = routes.filter((r) => r.pattern.test(path)).map((r) => r.method);
    if (allowed.length > 0) return methodNotAllowed(c, allowed);
    return errorResponse(c, 'not_found', `no route for ${c.req.method} ${path}; see /openapi.json for the API`);
  });
  app.onError((err, c) => toErrorResponse(err, c, log));
  return app;
}

/** A Hono route path (`/v1/scans/:id`) as a regex over request paths. */
function routePattern(path: string): RegExp {
  const source = path
    .split('/')
    .map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}/?$`);
}
