/**
 * Lambda entry of the read stage: SQS (S3 `processed/` ObjectCreated) → OCR and field
 * checks → masked result in DynamoDB, raw and processed images deleted.
 *
 * The card reader (and the tesseract.js worker it starts) is created at module scope and
 * reused across invocations. Its language data is read from the package directory inside
 * the asset (read-only /var/task) and nothing is cached to disk, so no image or model copy
 * is left in /tmp.
 */
import { createReaderEngines } from '../../adapters/ocr/reader-engines.js';
import { createCardReader } from '../../reader/reader.js';
import { createAwsRuntime } from '../../runtime/aws.js';
import { createReadHandler, imageLimitsOf } from './stage-lambda.js';

// Module scope: built once per execution environment, reused by every invocation.
const runtime = createAwsRuntime({ service: 'read' });
const reader = await createCardReader({
  workers: runtime.reader.CARDOCR_OCR_WORKERS,
  limits: imageLimitsOf(runtime),
  log: runtime.log,
  engines: createReaderEngines({
    workers: runtime.reader.CARDOCR_OCR_WORKERS,
    recycleAfter: runtime.reader.CARDOCR_OCR_RECYCLE_AFTER,
    log: runtime.log,
  }),
});

/** SQS handler with partial batch responses. */
export const handler = createReadHandler(runtime, reader);
