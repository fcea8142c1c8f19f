/**
 * Lambda entry of the preprocess stage: SQS (S3 `uploads/` ObjectCreated) → safe decode,
 * find and normalise the card → `processed/<id>.png`, record → `reading` (with the hints),
 * then one `read {id}` message to the read queue.
 */
import { preprocessPhoto, readHintsOf } from '../../reader/preprocess.js';
import { createAwsRuntime } from './composition.js';
import { createPreprocessHandler } from './stage-lambda.js';

// Module scope: clients and config are built once per execution environment.
const runtime = createAwsRuntime({ service: 'preprocess' });

/** SQS handler with partial batch responses. */
export const handler = createPreprocessHandler(runtime, async (bytes) => {
  const card = await preprocessPhoto(bytes, runtime.config.limits);
  // The hint travels on the record to the read stage: a card view or the whole frame.
  return { image: card.image, timingsMs: card.timingsMs, hints: readHintsOf(card.geometry) };
});
