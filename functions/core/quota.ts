/**
 * Per-user quotas on scan creation: fixed windows (a minute and a UTC day) counted in a
 * {@link QuotaCounter} the runtime provides, so the count holds across Lambda instances and
 * restarts. Pure orchestration: the store does the atomic increment.
 */
import type { QuotaCounter } from './ports.js';

/** Scans one caller may create per window; 0 turns that window off. */
export interface ScanQuota {
  readonly perMinute: number;
  readonly perDay: number;
}

/** The outcome of one {@link consumeQuota} call. */
export type QuotaDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly window: 'minute' | 'day'; readonly limit: number; readonly retryAfterSeconds: number };

const WINDOWS = [
  ['minute', 60, 'perMinute'],
  ['day', 86_400, 'perDay'],
] as const;

/**
 * Counts one scan creation by `subject` in every window with a limit, shortest first, and
 * stops at the first full window (nothing more is counted). A refusal says when that window
 * ends. A minute counted just before the day turned out full is not given back: the
 * minute window is short, and a second write to undo it could itself fail.
 */
export async function consumeQuota(counter: QuotaCounter, subject: string, quota: ScanQuota, nowMs: number): Promise<QuotaDecision> {
  const nowSeconds = Math.floor(nowMs / 1000);
  for (const [window, seconds, field] of WINDOWS) {
    const limit = quota[field];
    if (limit <= 0) continue;
    const start = nowSeconds - (nowSeconds % seconds);
    const end = start + seconds;
    // The window's start in the key: a new window is a new counter, the old one expires by TTL.
    const { counted } = await counter.tryIncrement(`${subject}#${window}#${start}`, limit, end + 60);
    if (!counted) return { allowed: false, window, limit, retryAfterSeconds: Math.max(1, end - nowSeconds) };
  }
  return { allowed: true };
}
