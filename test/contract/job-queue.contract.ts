/**
 * Contract of the JobQueue port, run against every adapter (SQLite, SQS on an emulator) and
 * the in-memory fake. Time passes through `advance`: a controllable clock for the adapters
 * that take one, real waiting for those that cannot (SQS), so leases and delays are whole
 * seconds here (SQS's granularity) and every "not yet" check is made right away.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobQueue } from '../../functions/core/ports.js';

export interface JobQueueHarness {
  readonly queue: JobQueue;
  /** The queue runs on real time (no injectable clock): the contract waits instead of ticking. */
  readonly realTime?: boolean;
  readonly close?: () => Promise<void>;
}

export interface JobQueueFactoryOptions {
  readonly maxAttempts: number;
  /** Clock the queue must use for leases, delays and dedupe (ignored by real-time queues). */
  readonly now: () => number;
  /** Queue names the contract uses (real queues must exist for each, with a dead-letter queue). */
  readonly queues: readonly string[];
}

/** What an adapter offers beyond the common contract. */
export interface JobQueueCapabilities {
  /** Drops a second send with the same dedupe key (SQLite; a standard SQS queue does not). */
  readonly dedupes: boolean;
}

const QUEUES = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'] as const;

/** Registers the JobQueue contract for one adapter. `makeQueue` must return an empty queue. */
export function describeJobQueueContract(
  name: string,
  makeQueue: (options: JobQueueFactoryOptions) => Promise<JobQueueHarness>,
  capabilities: JobQueueCapabilities = { dedupes: true },
): void {
  describe(`JobQueue contract: ${name}`, () => {
    let clock = 1_800_000_000_000;
    let harness: JobQueueHarness;
    let q: JobQueue;
    const lease = { max: 10, leaseMs: 1000 };
    /** Just past one lease. */
    const PAST_LEASE = 1100;
    const advance = async (ms: number) => {
      clock += ms;
      if (harness.realTime) await new Promise((r) => setTimeout(r, ms));
    };
    beforeAll(async () => {
      harness = await makeQueue({ maxAttempts: 3, now: () => clock, queues: QUEUES });
      q = harness.queue;
    });
    afterAll(async () => {
      await harness?.close?.();
    });

    it('delivers a job once per lease, with its body, and never again after ack', async () => {
      await q.send('a', { key: 'uploads/1.jpg', n: 1 });
      const [job, ...rest] = await q.receive<{ key: string; n: number }>('a', lease);
      expect(rest).toEqual([]);
      expect(job?.body).toEqual({ key: 'uploads/1.jpg', n: 1 });
      expect(job?.attempt).toBe(1);
      expect(job?.queue).toBe('a');
      expect(await q.receive('a', lease)).toEqual([]);
      await q.ack(job!);
      await advance(PAST_LEASE);
      expect(await q.receive('a', lease)).toEqual([]);
    });

    it('keeps queues apart and honours max', async () => {
      for (let i = 0; i < 3; i++) await q.send('b', { i });
      await q.send('c', { i: 99 });
      const two = await q.receive<{ i: number }>('b', { max: 2, leaseMs: 1000 });
      expect(two.map((j) => j.body.i)).toEqual([0, 1]);
      const rest = await q.receive<{ i: number }>('b', lease);
      expect(rest.map((j) => j.body.i)).toEqual([2]);
      const c = await q.receive<{ i: number }>('c', lease);
      expect(c.map((j) => j.body.i)).toEqual([99]);
      for (const j of [...two, ...rest, ...c]) await q.ack(j);
    });

    it('redelivers a job whose lease ran out, and ignores the stale delivery ack', async () => {
      await q.send('d', { x: 1 });
      const [first] = await q.receive('d', lease);
      expect(await q.receive('d', lease)).toEqual([]);
      if (!harness.realTime) {
        clock += 999; // the lease holds to the millisecond
        expect(await q.receive('d', lease)).toEqual([]);
        clock -= 999;
      }
      await advance(PAST_LEASE);
      const [second] = await q.receive('d', lease);
      expect(second?.id).toBe(first?.id);
      expect(second?.attempt).toBe(2);
      await q.ack(first!); // the worker that lost its lease finishes late: must not ack the new delivery
      await advance(PAST_LEASE);
      const [third] = await q.receive('d', lease);
      expect(third?.attempt).toBe(3);
      await q.ack(third!);
      await advance(PAST_LEASE);
      expect(await q.receive('d', lease)).toEqual([]);
    });

    it('delays sends and retries', async () => {
      await q.send('e', { y: 1 }, { delayMs: 1000 });
      expect(await q.receive('e', lease)).toEqual([]);
      await advance(PAST_LEASE);
      const [job] = await q.receive('e', lease);
      expect(job?.attempt).toBe(1);
      expect(await q.retry(job!, { delayMs: 1000, reason: 'busy' })).toEqual({ deadLettered: false });
      expect(await q.receive('e', lease)).toEqual([]);
      await advance(PAST_LEASE);
      const [again] = await q.receive('e', lease);
      expect(again?.attempt).toBe(2);
      await q.ack(again!);
    });

    it('dead-letters after the maximum attempts, with the reason', async () => {
      await q.send('f', { z: 1 });
      let deadLettered = false;
      let attempts = 0;
      while (!deadLettered && attempts < 10) {
        const [job] = await q.receive('f', lease);
        expect(job).toBeDefined();
        attempts = job!.attempt;
        ({ deadLettered } = await q.retry(job!, { delayMs: 0, reason: `ocr_failed on attempt ${attempts}` }));
      }
      expect(attempts).toBe(3);
      await advance(PAST_LEASE);
      expect(await q.receive('f', lease)).toEqual([]);
      const dead = await q.deadLetters<{ z: number }>('f');
      expect(dead).toHaveLength(1);
      expect(dead[0]).toMatchObject({ body: { z: 1 }, reason: 'ocr_failed on attempt 3', attempt: 3 });
    });

    it('dead-letters a job whose worker keeps dying instead of redelivering it forever', async () => {
      await q.send('g', { crash: true });
      for (let i = 1; i <= 3; i++) {
        const [job] = await q.receive('g', lease);
        expect(job?.attempt).toBe(i);
        await advance(PAST_LEASE); // the worker died: no ack, no retry
      }
      expect(await q.receive('g', lease)).toEqual([]);
      const dead = await q.deadLetters('g');
      expect(dead).toHaveLength(1);
      expect(dead[0]?.attempt).toBe(3);
    });

    // Not registered for a queue that does not dedupe (SQS standard): nothing to check there.
    if (capabilities.dedupes) it('drops a second send with the same dedupe key while the first is pending or done', async () => {
      await q.send('h', { v: 1 }, { dedupeKey: 'uploads/a.jpg#etag1' });
      await q.send('h', { v: 2 }, { dedupeKey: 'uploads/a.jpg#etag1' });
      await q.send('h', { v: 3 }, { dedupeKey: 'uploads/a.jpg#etag2' });
      const jobs = await q.receive<{ v: number }>('h', lease);
      expect(jobs.map((j) => j.body.v).sort()).toEqual([1, 3]);
      await q.send('h', { v: 4 }, { dedupeKey: 'uploads/a.jpg#etag1' }); // while leased
      for (const j of jobs) await q.ack(j);
      await q.send('h', { v: 5 }, { dedupeKey: 'uploads/a.jpg#etag1' }); // just done
      await advance(PAST_LEASE);
      expect(await q.receive('h', lease)).toEqual([]);
    });

    it('loses nothing under concurrent senders and receivers', async () => {
      const n = 40;
      await Promise.all(Array.from({ length: n }, (_, i) => q.send('i', { i })));
      const got = new Map<number, number>();
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          for (;;) {
            const jobs = await q.receive<{ i: number }>('i', { max: 3, leaseMs: 60_000 });
            if (jobs.length === 0) return;
            for (const j of jobs) {
              got.set(j.body.i, (got.get(j.body.i) ?? 0) + 1);
              await q.ack(j);
            }
          }
        }),
      );
      expect(got.size).toBe(n);
      expect([...got.values()].every((c) => c === 1)).toBe(true);
    });
  });
}
