/**
 * Lambda entry of the preprocess stage: SQS (S3 `uploads/` ObjectCreated) → safe decode,
 * find and normalise the card → `processed/<id>.png`, record → `reading` (with the hints),
 * then one `read {id}` message to the read queue.
 */
import { preprocessForRead } from '../../reader/preprocess.js';
import { createAwsRuntime } from './composition.js';
import { createPreprocessHandler } from './stage-lambda.js';

// Module scope: clients and config are built once per execution environment.
const runtime = createAwsRuntime({ service: 'preprocess' });

/** SQS handler with partial batch responses. */
// The hints travel on the record to the read stage: a card view or the whole frame, and its map to the photo.
export const handler = createPreprocessHandler(runtime, (bytes) => preprocessForRead(bytes, runtime.config.limits));
