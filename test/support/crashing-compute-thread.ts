/**
 * A compute-pool thread that exits (code 70) when asked to read a photo whose bytes start with
 * `CRASH`, standing in for a reader thread that dies mid-photo, and dies of an uncaught error
 * quoting a (made-up, Luhn-valid) card number on one starting with `THROW`, like a library error
 * quoting OCR text would; everything else is handled by the
 * real thread entry (functions/local/compute-thread.ts), loaded first so that it misses no
 * message. Its handler is asynchronous: the exit here comes before it could answer.
 */
import { parentPort } from 'node:worker_threads';
import type { ComputeRequest } from '../../functions/local/compute-thread.js';

await import('../../functions/local/compute-thread.js');
parentPort!.on('message', (msg: ComputeRequest) => {
  if (msg.op !== 'photo') return;
  const head = Buffer.from(msg.bytes.subarray(0, 5)).toString('latin1');
  if (head === 'CRASH') process.exit(70);
  if (head === 'THROW') {
    setImmediate(() => {
      throw new Error('unexpected line text "4929 1234 5678 1236" (4929123456781236)');
    });
  }
});
