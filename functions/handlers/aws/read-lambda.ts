/**
 * Lambda entry of the read stage: SQS (`read {id}` jobs from the preprocess function) → OCR
 * and field checks → masked result in DynamoDB, raw and processed images deleted.
 *
 * The card reader (and the engines it starts) is created at module scope and reused across
 * invocations. Its language data and models are read from the package directories inside the
 * asset (read-only /var/task) and nothing is cached to disk, so no image or model copy is
 * left in /tmp.
 */
import { createReaderEngines } from '../../adapters/ocr/reader-engines.js';
import { createCardReader } from '../../reader/reader.js';
import { createAwsRuntime } from './composition.js';
import { createReadHandler } from './stage-lambda.js';

// Module scope: built once per execution environment, reused by every invocation.
const runtime = createAwsRuntime({ service: 'read' });
const { ocr, limits } = runtime.config;
const reader = await createCardReader({
  workers: ocr.workers,
  limits,
  log: runtime.log,
  engines: createReaderEngines({
    workers: ocr.workers,
    recycleAfter: ocr.recycleAfter,
    threads: ocr.threads,
    log: runtime.log,
    // The models travel inside the asset (CARDOCR_MODEL_DIR=/var/task/models, set by lib/).
    ...(ocr.modelDir === undefined ? {} : { modelDir: ocr.modelDir }),
  }),
});

/** SQS handler with partial batch responses. */
export const handler = createReadHandler(runtime, reader);
