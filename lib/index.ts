/**
 * The CDK constructs of the card OCR pipeline, for use in your own stacks. `CardOcrPipeline`
 * composes the others; each can also be used (and tested) on its own.
 */
export {
  CardOcrPipeline,
  HANDLER_ENTRIES,
  IDEMPOTENCY_TABLE_ACTIONS,
  PROCESSED_PREFIX,
  PUBLIC_ROUTES,
  READ_MEMORY_MB,
  RESULTS_TABLE_ACTIONS,
  UPLOADS_PREFIX,
  type CardOcrPipelineProps,
} from './card-ocr-pipeline.js';
export { CardOcrStack, type CardOcrStackProps } from './card-ocr-stack.js';
export { PipelineStorage, type PipelineStorageProps } from './pipeline-storage.js';
export { SqsStage, FAILURES_THRESHOLD, type SqsStageOptions, type SqsStageProps } from './sqs-stage.js';
export { ScanApi, type JwtIssuerProps, type ScanApiOptions, type ScanApiProps } from './scan-api.js';
export {
  FINAL_STATUSES,
  RESULT_EVENT_DETAIL_TYPE,
  RESULT_EVENT_SOURCE,
  ResultEvents,
  type ResultEventsProps,
} from './result-events.js';
export { AlarmSet, type AlarmSpec } from './alarms.js';
