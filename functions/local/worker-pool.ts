/**
 * The local queue consumers: `concurrency` loops, each taking one job at a time (from the
 * first queue in priority order that has one) and handing its body to the stage use-case. A
 * thrown error releases the job for a retry with capped exponential backoff and jitter: a
 * transient storage/database fault (faults.ts) is retried for up to `transientBudgetMs`
 * without using up an attempt; anything else uses one. Once the queue dead-letters a job,
 * `onDeadLetter` fails the scan with a reason that says which it was.
 */
import { toCardOcrError } from '../core/errors.js';
import type { Log } from '../core/log.js';
import type { Job, JobQueue } from '../core/ports.js';
import type { RetryOptions } from '../adapters/local/sqlite-job-queue.js';
import { backoffDelay, describeFailure, transientFault } from './faults.js';

/** The queue the pool consumes: the port, with the local queue's transient-aware retry. */
export interface PoolQueue extends Omit<JobQueue, 'retry'> {
  retry(job: Job, options: RetryOptions): Promise<{ deadLettered: boolean; reason?: string }>;
}

/** One consumed queue: its name, what to do with a job's body, and with a dead-lettered one. */
export interface QueueHandler<T = never> {
  readonly queue: string;
  readonly handle: (body: T) => Promise<unknown>;
  /** Called once a job is dead-lettered. */
  readonly onDeadLetter: (body: T, reason: string) => Promise<unknown>;
}

export interface WorkerPoolOptions {
  readonly queue: PoolQueue;
  /** The queues, in priority order. */
  readonly handlers: ReadonlyArray<QueueHandler<never>>;
  readonly concurrency: number;
  /** Lease per received job, ms: a job not acked by then is redelivered. */
  readonly leaseMs: number;
  readonly log: Log;
  /** First retry delay, ms (doubles per retry, with jitter; default 1000). */
  readonly backoffMs?: number;
  /** Longest retry delay, ms (default 60 s). */
  readonly maxBackoffMs?: number;
  /** How long transient faults are retried before the job is dead-lettered, ms (default 15 min). */
  readonly transientBudgetMs?: number;
  /** Idle poll period, ms (default 250). */
  readonly pollMs?: number;
  /** Subscribes to in-process sends so idle workers wake at once. */
  readonly onSend?: (listener: () => void) => () => void;
}

/** Runs the stage queues with a fixed number of concurrent workers. */
export class WorkerPool {
  readonly #o: WorkerPoolOptions;
  #running = false;
  #loops: Promise<void>[] = [];
  #wakers = new Set<() => void>();
  #unsubscribe: (() => void) | null = null;
  #active = 0;
  #avgJobMs = 2000;
  #lastFault: { at: number; code: string; where: 'storage' | 'database' } | null = null;

  constructor(options: WorkerPoolOptions) {
    this.#o = options;
  }

  /** Jobs being handled right now. */
  get active(): number {
    return this.#active;
  }

  /** The last transient fault a job met (health reporting). */
  get lastFault(): { readonly at: number; readonly code: string; readonly where: 'storage' | 'database' } | null {
    return this.#lastFault;
  }

  /** Moving average of a job's run time, ms (for a Retry-After estimate). */
  get averageJobMs(): number {
    return this.#avgJobMs;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#unsubscribe = this.#o.onSend?.(() => this.#wakeAll()) ?? null;
    this.#loops = Array.from({ length: this.#o.concurrency }, (_, i) => this.#loop(i));
  }

  /** Stops taking jobs and waits for the ones in hand (their leases cover a crash instead). */
  async stop(): Promise<void> {
    this.#running = false;
    this.#unsubscribe?.();
    this.#wakeAll();
    await Promise.all(this.#loops);
  }

  #wakeAll(): void {
    for (const wake of this.#wakers) wake();
    this.#wakers.clear();
  }

  #idle(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.#o.pollMs ?? 250);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wakers.add(done);
    });
  }

  async #loop(worker: number): Promise<void> {
    while (this.#running) {
      let took = false;
      for (const handler of this.#o.handlers) {
        if (!this.#running) break;
        let jobs: Job<unknown>[];
        try {
          jobs = await this.#o.queue.receive(handler.queue, { max: 1, leaseMs: this.#o.leaseMs });
        } catch (err) {
          this.#o.log.error('queue receive failed', { queue: handler.queue, error: err as Error });
          break;
        }
        const job = jobs[0];
        if (!job) continue;
        took = true;
        this.#active++;
        try {
          await this.#run(job, handler, worker);
        } finally {
          this.#active--;
        }
        break; // start again from the highest-priority queue
      }
      if (!took && this.#running) await this.#idle();
    }
  }

  async #run(job: Job<unknown>, typed: QueueHandler<never>, worker: number): Promise<void> {
    const { queue, log } = this.#o;
    // A queue's bodies are what its one sender wrote (the stages and the intake, typed there).
    const handler = typed as unknown as QueueHandler<unknown>;
    const t0 = performance.now();
    try {
      await handler.handle(job.body);
      await queue.ack(job);
      this.#avgJobMs = 0.8 * this.#avgJobMs + 0.2 * (performance.now() - t0);
    } catch (thrown) {
      const err = toCardOcrError(thrown);
      const fault = transientFault(thrown);
      if (fault) this.#lastFault = { at: Date.now(), ...fault };
      const reason = fault
        ? `${fault.where} fault ${fault.code}: ${describeFailure(err.code, err.message, thrown)}`
        : describeFailure(err.code, err.message, thrown);
      const faults = (job as Job & { faults?: number }).faults ?? 0;
      const delayMs = backoffDelay(fault ? faults + 1 : job.attempt, this.#o.backoffMs ?? 1000, this.#o.maxBackoffMs ?? 60_000);
      try {
        const released = await queue.retry(job, {
          delayMs,
          reason,
          ...(fault ? { transient: true, transientBudgetMs: this.#o.transientBudgetMs ?? 15 * 60_000 } : {}),
        });
        const { deadLettered } = released;
        log.warn(deadLettered ? 'job dead-lettered' : 'job failed, will retry', {
          queue: job.queue,
          job: job.id,
          attempt: job.attempt,
          code: err.code,
          ...(fault ? { fault: fault.code } : {}),
          reason,
          worker,
          ...(deadLettered ? {} : { retryInMs: Math.round(delayMs) }),
        });
        if (deadLettered) await handler.onDeadLetter(job.body, released.reason ?? reason);
      } catch (err2) {
        // The lease will run out and the job come back: nothing is lost.
        log.error('could not release a failed job', { queue: job.queue, error: err2 as Error });
      }
    }
  }
}
