/**
 * A small in-memory token bucket per client, for the local server (on AWS, API Gateway's
 * stage throttling does this job and the per-instance bucket is only a second fence).
 */
import type { Context, MiddlewareHandler } from 'hono';
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
