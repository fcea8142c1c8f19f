/**
 * Contract of the QuotaCounter port (per-user scan quotas), run against every implementation:
 * the in-process one, SQLite, and DynamoDB on dynalite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QuotaCounter } from '../../functions/core/ports.js';
import { consumeQuota } from '../../functions/core/quota.js';

export interface QuotaCounterHarness {
  readonly counter: QuotaCounter;
  readonly close?: () => Promise<void>;
}

/** Far in the future: nothing expires during a case. */
const LATER = 4_000_000_000;

let seq = 0;
const freshKey = (name: string) => `user-${name}-${++seq}#minute#0`;

/** Registers the QuotaCounter contract for one implementation. */
export function describeQuotaCounterContract(name: string, make: () => Promise<QuotaCounterHarness>): void {
  describe(`QuotaCounter contract: ${name}`, () => {
    let harness: QuotaCounterHarness;
    beforeAll(async () => {
      harness = await make();
    });
    afterAll(async () => {
      await harness?.close?.();
    });

    it('counts up to the limit, then refuses without counting', async () => {
      const key = freshKey('a');
      const got = [];
      for (let i = 0; i < 4; i++) got.push(await harness.counter.tryIncrement(key, 3, LATER));
      expect(got.map((g) => g.counted)).toEqual([true, true, true, false]);
      expect(got.slice(0, 3).map((g) => g.count)).toEqual([1, 2, 3]);
      expect(got[3]!.count).toBe(3);
    });

    it('keeps counters apart by key', async () => {
      const a = freshKey('a');
      const b = freshKey('b');
      expect((await harness.counter.tryIncrement(a, 1, LATER)).counted).toBe(true);
      expect((await harness.counter.tryIncrement(a, 1, LATER)).counted).toBe(false);
      expect((await harness.counter.tryIncrement(b, 1, LATER)).counted).toBe(true);
    });

    it('never lets concurrent callers past the limit', async () => {
      const key = freshKey('race');
      const results = await Promise.all(Array.from({ length: 12 }, () => harness.counter.tryIncrement(key, 5, LATER)));
      expect(results.filter((r) => r.counted)).toHaveLength(5);
    });

    it('consumeQuota: per-minute then per-day windows, Retry-After to the end of the full window', async () => {
      const user = `quota-user-${++seq}`;
      const t0 = Date.UTC(2031, 0, 1, 12, 0, 15); // 15 s into a minute
      const quota = { perMinute: 2, perDay: 3 };
      expect(await consumeQuota(harness.counter, user, quota, t0)).toEqual({ allowed: true });
      expect(await consumeQuota(harness.counter, user, quota, t0 + 1000)).toEqual({ allowed: true });
      expect(await consumeQuota(harness.counter, user, quota, t0 + 2000)).toEqual({
        allowed: false,
        window: 'minute',
        limit: 2,
        retryAfterSeconds: 43,
      });
      // The next minute: the minute window is fresh, the day has one left.
      expect(await consumeQuota(harness.counter, user, quota, t0 + 60_000)).toEqual({ allowed: true });
      const refused = await consumeQuota(harness.counter, user, quota, t0 + 61_000);
      expect(refused).toMatchObject({ allowed: false, window: 'day', limit: 3 });
      // 12:01:16 → midnight UTC.
      expect(refused.allowed ? 0 : refused.retryAfterSeconds).toBe(12 * 3600 - 76);
      // Another user is not affected.
      expect(await consumeQuota(harness.counter, `${user}-other`, quota, t0 + 61_000)).toEqual({ allowed: true });
      // 0 turns a window off.
      for (let i = 0; i < 5; i++) {
        expect(await consumeQuota(harness.counter, `${user}-nolimit`, { perMinute: 0, perDay: 0 }, t0)).toEqual({ allowed: true });
      }
    });
  });
}
