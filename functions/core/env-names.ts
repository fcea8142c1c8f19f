/**
 * The environment variable names of every setting, declared once. The config loader
 * (config.ts) reads them; the CDK constructs (lib/) import them to set a function's
 * environment, so a renamed variable cannot drift between the two. No dependencies on
 * purpose: the CDK app imports this file without loading the runtime.
 */
export const ENV = {
  // limits: untrusted input and record lifetime
  maxInputBytes: 'CARDOCR_MAX_INPUT_BYTES',
  maxInputPixels: 'CARDOCR_MAX_INPUT_PIXELS',
  maxInputSide: 'CARDOCR_MAX_INPUT_SIDE',
  maxAspectRatio: 'CARDOCR_MAX_ASPECT_RATIO',
  decodeTimeoutMs: 'CARDOCR_DECODE_TIMEOUT_MS',
  retentionDays: 'CARDOCR_RETENTION_DAYS',
  // ocr: the reader's engines
  ocrWorkers: 'CARDOCR_OCR_WORKERS',
  ocrRecycleAfter: 'CARDOCR_OCR_RECYCLE_AFTER',
  /** onnxruntime threads per learned model (0: the host's cores shared by the workers). */
  ocrThreads: 'CARDOCR_OCR_THREADS',
  /** Folder of the learned reader's model files (default: the committed functions/adapters/ocr/ppocr/models/). */
  modelDir: 'CARDOCR_MODEL_DIR',
  // log
  logLevel: 'CARDOCR_LOG_LEVEL',
  // api: the HTTP API (same app locally and on Lambda)
  apiAuth: 'CARDOCR_API_AUTH',
  uploadExpiresSeconds: 'CARDOCR_UPLOAD_EXPIRES_SECONDS',
  rateLimitBurst: 'CARDOCR_RATE_LIMIT_BURST',
  rateLimitRps: 'CARDOCR_RATE_LIMIT_RPS',
  uploadOrigins: 'CARDOCR_UPLOAD_ORIGINS',
  /** Sign-in of the web page on AWS: the Cognito hosted UI / managed login base URL and its public app client. */
  signInDomain: 'CARDOCR_SIGNIN_DOMAIN',
  signInClientId: 'CARDOCR_SIGNIN_CLIENT_ID',
  /** Cognito group whose members see every user's scans (AWS, `cognito:groups` claim). */
  adminGroup: 'CARDOCR_ADMIN_GROUP',
  /** Per-user quota on scan creation, per minute and per UTC day (0: off). */
  scanQuotaPerMinute: 'CARDOCR_SCAN_QUOTA_PER_MINUTE',
  scanQuotaPerDay: 'CARDOCR_SCAN_QUOTA_PER_DAY',
  // aws: the Lambda functions
  bucketName: 'BUCKET_NAME',
  tableName: 'TABLE_NAME',
  region: 'AWS_REGION',
  readQueueUrl: 'CARDOCR_READ_QUEUE_URL',
  idempotencyTable: 'CARDOCR_IDEMPOTENCY_TABLE',
  maxReceiveCount: 'CARDOCR_MAX_RECEIVE_COUNT',
  s3Endpoint: 'CARDOCR_S3_ENDPOINT',
  dynamodbEndpoint: 'CARDOCR_DYNAMODB_ENDPOINT',
  sqsEndpoint: 'CARDOCR_SQS_ENDPOINT',
  // local: the one-machine runner
  port: 'PORT',
  host: 'CARDOCR_HOST',
  dataDir: 'CARDOCR_DATA_DIR',
  apiToken: 'CARDOCR_API_TOKEN',
  /** Extra local users, each with their own token: `alice=<token> bob=<token>`. */
  apiUsers: 'CARDOCR_API_USERS',
  concurrency: 'CARDOCR_CONCURRENCY',
  maxAttempts: 'CARDOCR_MAX_ATTEMPTS',
  jobLeaseSeconds: 'CARDOCR_JOB_LEASE_SECONDS',
  uploadStableMs: 'CARDOCR_UPLOAD_STABLE_MS',
  maxQueuedScans: 'CARDOCR_MAX_QUEUED_SCANS',
  retryBaseMs: 'CARDOCR_RETRY_BASE_MS',
  retryMaxDelayMs: 'CARDOCR_RETRY_MAX_DELAY_MS',
  transientRetrySeconds: 'CARDOCR_TRANSIENT_RETRY_SECONDS',
  orphanMaxAgeSeconds: 'CARDOCR_ORPHAN_MAX_AGE_SECONDS',
  sqliteBusyTimeoutMs: 'CARDOCR_SQLITE_BUSY_TIMEOUT_MS',
  purgeIntervalSeconds: 'CARDOCR_PURGE_INTERVAL_SECONDS',
} as const;

/** One of the environment variable names above. */
export type EnvName = (typeof ENV)[keyof typeof ENV];

/** Variables Powertools reads itself (set by the CDK constructs; the handlers pass the same values explicitly). */
export const POWERTOOLS_ENV = {
  serviceName: 'POWERTOOLS_SERVICE_NAME',
  metricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
  /** `true` only when the function has X-Ray active tracing (CDK prop `tracing`): the Tracer then captures S3/DynamoDB/SQS calls. */
  traceEnabled: 'POWERTOOLS_TRACE_ENABLED',
} as const;

/** CloudWatch metrics namespace of the pipeline's functions. */
export const METRICS_NAMESPACE = 'CardOcr';
