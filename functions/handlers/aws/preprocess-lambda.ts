/**
 * Lambda entry of the preprocess stage: SQS (S3 `uploads/` ObjectCreated) → safe decode,
 * find and normalise the card → `processed/<id>.png`, record → `reading` (with the hints),
 * then one `read {id}` message to the read queue.
 */
import { preprocessPhoto } from '../../reader/preprocess.js';
import { createAwsRuntime } from './composition.js';
import { createPreprocessHandler } from './stage-lambda.js';

// Module scope: clients and config are built once per execution environment.
const runtime = createAwsRuntime({ service: 'preprocess' });

/** SQS handler with partial batch responses. */
export const handler = createPreprocessHandler(runtime, (bytes) => preprocessPhoto(bytes, runtime.config.limits));
