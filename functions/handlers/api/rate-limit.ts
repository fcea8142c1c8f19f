/**
 * Request limits of the API:
 * - {@link rateLimit}: a small in-memory token bucket per client address, for the local
 *   server (on AWS, API Gateway's stage and route throttling does this job);
 * - {@link scanQuota}: per-user quotas on scan creation (per minute and per UTC day), counted
 *   in a store so they hold across Lambda instances and restarts.
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { QuotaCounter } from '../../core/ports.js';
import { consumeQuota, type ScanQuota } from '../../core/quota.js';
import { errorResponse } from './error-mapping.js';

export interface RateLimitOptions {
  /** Bucket size: requests a client may burst. 0 disables the limiter. */
  readonly burst: number;
  /** Refill rate, requests per second. */
  readonly perSecond: number;
  /**
   * Identifies the client: its network address, from the runtime's `getConnInfo` (the
   * composition root passes it; forwarding headers are never trusted, any client can forge them).
   */
  readonly clientKey: (c: Context) => string;
  /** Injectable clock (ms) for tests. */
  readonly now?: () => number;
  /** Most clients tracked at once; full buckets are dropped first when exceeded. */
  readonly maxClients?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Middleware answering 429 with Retry-After once a client's bucket is empty. */
export function rateLimit(options: RateLimitOptions): MiddlewareHandler {
  const buckets = new Map<string, Bucket>();
  const now = options.now ?? Date.now;
  const keyOf = options.clientKey;
  const maxClients = options.maxClients ?? 10_000;

  const refill = (bucket: Bucket, t: number): void => {
    bucket.tokens = Math.min(options.burst, bucket.tokens + ((t - bucket.at) / 1000) * options.perSecond);
    bucket.at = t;
  };

  const prune = (t: number): void => {
    for (const [key, bucket] of buckets) {
      refill(bucket, t);
      if (bucket.tokens >= options.burst) buckets.delete(key);
    }
    // Still too many busy clients: forget the oldest rather than grow without bound.
    for (const key of buckets.keys()) {
      if (buckets.size <= maxClients) break;
      buckets.delete(key);
    }
  };

  return async (c, next) => {
    if (options.burst <= 0) return next();
    const t = now();
    const key = keyOf(c);
    let bucket = buckets.get(key);
    if (!bucket) {
      if (buckets.size >= maxClients) prune(t);
      bucket = { tokens: options.burst, at: t };
      buckets.set(key, bucket);
    } else {
      refill(bucket, t);
    }
    if (bucket.tokens < 1) {
      const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / options.perSecond));
      return errorResponse(c, 'rate_limited', 'too many requests; slow down', { 'Retry-After': String(retryAfter) });
    }
    bucket.tokens -= 1;
    await next();
  };
}

export interface ScanQuotaOptions {
  /** The store-backed counters (DynamoDB on AWS, SQLite locally): the quota holds across instances. */
  readonly counter: QuotaCounter;
  readonly quota: ScanQuota;
  /** The caller's principal: the quota is per user, whatever address it calls from. */
  readonly subject: (c: Context) => string;
  /** Injectable clock (ms) for tests. */
  readonly now?: () => number;
  /**
   * A request the route will refuse before creating anything (e.g. a photo declared over the
   * size limit): it passes on uncounted, so a refusal never uses up the caller's quota.
   */
  readonly refusedAnyway?: (c: Context) => boolean | Promise<boolean>;
}

/**
 * Middleware for the scan-creating route: counts the caller's scans per minute and per UTC
 * day and answers 429 with Retry-After (seconds until the full window ends) past either.
 * Admins are counted too: the quota bounds spend, not access.
 */
export function scanQuota(options: ScanQuotaOptions): MiddlewareHandler {
  const now = options.now ?? Date.now;
  return async (c, next) => {
    if (options.refusedAnyway && (await options.refusedAnyway(c))) return next();
    const decision = await consumeQuota(options.counter, options.subject(c), options.quota, now());
    if (!decision.allowed) {
      return errorResponse(
        c,
        'rate_limited',
        `scan quota reached: ${decision.limit} scans per ${decision.window}; try again in ${decision.retryAfterSeconds} s`,
        { 'Retry-After': String(decision.retryAfterSeconds) },
      );
    }
    await next();
  };
}

/**
 * A {@link QuotaCounter} in this process's memory: for tests and single-process use only
 * (each Lambda instance would count on its own). Expired counters are dropped as it goes.
 */
export class InProcessQuotaCounter implements QuotaCounter {
  readonly #counts = new Map<string, { count: number; expiresAt: number }>();
  readonly #now: () => number;
  #prunedAt = -Infinity;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  async tryIncrement(key: string, limit: number, expiresAt: number): Promise<{ counted: boolean; count: number }> {
    const nowSeconds = this.#now() / 1000;
    // Expired windows are dropped at most once a second, so a call stays O(1) on average.
    if (nowSeconds - this.#prunedAt >= 1) {
      this.#prunedAt = nowSeconds;
      for (const [k, v] of this.#counts) if (v.expiresAt <= nowSeconds) this.#counts.delete(k);
    }
    const live = this.#counts.get(key);
    const entry = live && live.expiresAt > nowSeconds ? live : { count: 0, expiresAt };
    if (entry.count >= limit) return { counted: false, count: entry.count };
    entry.count += 1;
    this.#counts.set(key, entry);
    return { counted: true, count: entry.count };
  }
}
