/**
 * Child process of test/integration/preprocess-batch-sizing.test.ts: loads the real preprocess
 * Lambda entry (functions/handlers/aws/preprocess-lambda.ts, configured from the environment
 * the parent passes: emulator endpoints, table, bucket, queue), runs it once on the SQS event
 * read from the file named by argv[2], and prints one JSON line: peak RSS of this process
 * (what Lambda reports as "Max Memory Used"), the RSS before the invocation, the handler's
 * wall time and its batch response. argv[3]: the function's timeout, s (the context's remaining time).
 */
import { readFileSync } from 'node:fs';
import type { SQSEvent } from 'aws-lambda';
import { lambdaContext } from '../../support/lambda-events.js';

const event = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as SQSEvent;
const { handler } = await import('../../../functions/handlers/aws/preprocess-lambda.js');
const rssBeforeMb = process.memoryUsage().rss / 1048576;
const started = performance.now();
const response = await handler(event, lambdaContext('preprocess', Number(process.argv[3] ?? 60) * 1000));
const wallMs = performance.now() - started;
// maxRSS is in KiB: the peak of the whole process, module load and the batch included.
const peakRssMb = process.resourceUsage().maxRSS / 1024;
process.stdout.write(`${JSON.stringify({ peakRssMb, rssBeforeMb, wallMs, response })}\n`);
