/**
 * `--concurrency` checked against memory for `cardocr scan` and `cardocr serve` (the counting is
 * core/reader-memory.ts's, shared with the configuration's `CARDOCR_CONCURRENCY`).
 */
import { maxReaderThreads, processMemory, THREAD_MEMORY_BYTES } from '../core/reader-memory.js';
import { UsageError } from './usage.js';

export { maxReaderThreads as maxScanConcurrency, processMemory, THREAD_MEMORY_BYTES } from '../core/reader-memory.js';

/**
 * `requested` (a `--concurrency` value, or undefined when not given) when the memory holds that
 * many reader threads; else a UsageError that says what it needs, what there is and the most
 * that fits.
 */
export function concurrencyWithinMemory(requested: number | undefined, command: 'scan' | 'serve', memoryBytes: number = processMemory()): number | undefined {
  const most = maxReaderThreads(memoryBytes);
  if (requested === undefined || requested <= most) return requested;
  throw new UsageError(
    `--concurrency ${requested} needs about ${((requested * THREAD_MEMORY_BYTES) / 2 ** 30).toFixed(1)} GiB ` +
      `(${THREAD_MEMORY_BYTES / 2 ** 20} MiB a reader thread), and this process may use ${(memoryBytes / 2 ** 30).toFixed(1)} GiB: ` +
      `use --concurrency ${most} or less (or leave it out: the default fits the host)`,
    { command },
  );
}
