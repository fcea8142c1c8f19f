/**
 * How much memory `cardocr scan` and `cardocr serve` reader threads may take: each thread holds
 * its own model sessions and image buffers, so the thread count a user asks for is checked
 * against the memory this process may use before any thread starts.
 */
import { totalmem } from 'node:os';
import { UsageError } from './usage.js';

/**
 * Memory one reader thread is allowed for in the default: peak RSS measured at two threads was
 * 905 MB on real-dev-v1 and 1.21 GB on a generated real-world set (1080×1920 photos), against
 * ≈ 600 MB for one reader alone.
 */
export const THREAD_MEMORY_BYTES = 600 * 2 ** 20;

/** Memory this process may use: its cgroup's limit when one is set, else the host's. */
export function processMemory(): number {
  // `constrainedMemory` is 0 or undefined without a limit (and huge on some cgroup v1 hosts).
  const limit = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : 0;
  return limit && limit > 0 && limit < totalmem() ? limit : totalmem();
}

/**
 * Most reader threads an explicit `--concurrency` may ask for: as many as the memory this process
 * may use holds at {@link THREAD_MEMORY_BYTES} a thread (all of it, where the default takes half),
 * and never more than 64. More would be killed for memory part-way through a folder (review 9 S4:
 * `--concurrency 64` was accepted on a 24 GiB host, ≈ 38 GB of readers).
 */
export function maxScanConcurrency(memoryBytes: number = processMemory()): number {
  return Math.max(1, Math.min(64, Math.floor(memoryBytes / THREAD_MEMORY_BYTES)));
}

/**
 * `requested` (a `--concurrency` value, or undefined when not given) when the memory holds that
 * many reader threads; else a UsageError that says what it needs, what there is and the most
 * that fits.
 */
export function concurrencyWithinMemory(requested: number | undefined, command: 'scan' | 'serve', memoryBytes: number = processMemory()): number | undefined {
  const most = maxScanConcurrency(memoryBytes);
  if (requested === undefined || requested <= most) return requested;
  throw new UsageError(
    `--concurrency ${requested} needs about ${((requested * THREAD_MEMORY_BYTES) / 2 ** 30).toFixed(1)} GiB ` +
      `(${THREAD_MEMORY_BYTES / 2 ** 20} MiB a reader thread), and this process may use ${(memoryBytes / 2 ** 30).toFixed(1)} GiB: ` +
      `use --concurrency ${most} or less (or leave it out: the default fits the host)`,
    { command },
  );
}
