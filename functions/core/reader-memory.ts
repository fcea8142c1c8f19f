/**
 * How many reader threads the memory holds: each thread (`cardocr scan --concurrency N`, the
 * local runner's compute threads) has its own model sessions and image buffers, so the thread
 * count asked for is checked against the memory this process may use before any thread starts.
 */
import { totalmem } from 'node:os';

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
 * Most reader threads an explicit `--concurrency` or `CARDOCR_CONCURRENCY` may ask for: as many
 * as the memory this process may use holds at {@link THREAD_MEMORY_BYTES} a thread (all of it,
 * where the default takes half), and never more than 64. More would be killed for memory part-way through a folder (review 9 S4:
 * `--concurrency 64` was accepted on a 24 GiB host, ≈ 38 GB of readers).
 */
export function maxReaderThreads(memoryBytes: number = processMemory()): number {
  return Math.max(1, Math.min(64, Math.floor(memoryBytes / THREAD_MEMORY_BYTES)));
}

/**
 * Reader threads when none are asked for: one per core, within half the memory (the other half
 * is the rest of the process and the host's). `cardocr scan` also caps it at 8.
 */
export function defaultReaderThreads(cores: number, memoryBytes: number = processMemory()): number {
  return Math.max(1, Math.min(cores, Math.floor((memoryBytes * 0.5) / THREAD_MEMORY_BYTES)));
}
