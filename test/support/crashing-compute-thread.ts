/**
 * A compute-pool thread that exits (code 70) when asked to read a photo whose bytes start with
 * `CRASH`, standing in for a reader thread that dies mid-photo; everything is handled by the
 * real thread entry (functions/local/compute-thread.ts), loaded first so that it misses no
 * message. Its handler is asynchronous: the exit here comes before it could answer.
 */
import { parentPort } from 'node:worker_threads';
import type { ComputeRequest } from '../../functions/local/compute-thread.js';

await import('../../functions/local/compute-thread.js');
parentPort!.on('message', (msg: ComputeRequest) => {
  if (msg.op === 'photo' && Buffer.from(msg.bytes.subarray(0, 5)).toString('latin1') === 'CRASH') process.exit(70);
});
