/**
 * Configuration: the one module that reads `process.env`. Everything else receives a
 * frozen, validated config object. Each runtime (reader, local runner, AWS handlers)
 * loads only the section it needs, so a Lambda does not require local-only settings.
 */
import { cpus } from 'node:os';
import { z } from 'zod';
import { ValidationError } from '../core/errors.js';

type Env = Record<string, string | undefined>;

const intFrom = (def: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(def);

/** Limits and tuning for the card reader (decode, preprocess, OCR). */
const readerSchema = z.object({
  /** Largest accepted upload, bytes. */
  CARDOCR_MAX_INPUT_BYTES: intFrom(15 * 1024 * 1024, 1024, 100 * 1024 * 1024),
  /** Largest accepted decoded image, pixels (guards against decompression bombs). */
  CARDOCR_MAX_INPUT_PIXELS: intFrom(50_000_000, 10_000, 268_402_689),
  /** Budget for decoding and preprocessing one photo, ms. */
  CARDOCR_DECODE_TIMEOUT_MS: intFrom(10_000, 100, 120_000),
  /** OCR workers per process. */
  CARDOCR_OCR_WORKERS: intFrom(1, 1, 64),
  /** Recycle an OCR worker after this many jobs (tesseract.js memory grows over time). */
  CARDOCR_OCR_RECYCLE_AFTER: intFrom(500, 1, 1_000_000),
  CARDOCR_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
});

/** The local runner (`cardocr serve`). */
const localSchema = z.object({
  PORT: intFrom(3000, 0, 65535),
  CARDOCR_HOST: z.string().default('127.0.0.1'),
  CARDOCR_DATA_DIR: z.string().default('.data'),
  CARDOCR_API_TOKEN: z.string().min(16).optional(),
  CARDOCR_CONCURRENCY: intFrom(Math.max(1, cpus().length), 1, 64),
  CARDOCR_MAX_ATTEMPTS: intFrom(3, 1, 20),
  /** Days a finished record is kept. */
  CARDOCR_RETENTION_DAYS: intFrom(30, 1, 3650),
  /** How long a worker holds a job before it is redelivered, seconds (a stage's claim on a scan lasts half). */
  CARDOCR_JOB_LEASE_SECONDS: intFrom(120, 2, 3600),
});

/** The Lambda handlers. */
const awsSchema = z.object({
  BUCKET_NAME: z.string().min(3),
  TABLE_NAME: z.string().min(3),
  AWS_REGION: z.string().default('us-east-1'),
  /** Only for tests against s3rver/dynalite on 127.0.0.1. */
  CARDOCR_S3_ENDPOINT: z.string().url().optional(),
  CARDOCR_DYNAMODB_ENDPOINT: z.string().url().optional(),
  CARDOCR_IDEMPOTENCY_TABLE: z.string().min(3).optional(),
  CARDOCR_RETENTION_DAYS: intFrom(30, 1, 3650),
  CARDOCR_UPLOAD_EXPIRES_SECONDS: intFrom(300, 30, 3600),
  /** The stage queues' maxReceiveCount: on the last delivery a still-failing scan is recorded `dead_lettered`. */
  CARDOCR_MAX_RECEIVE_COUNT: intFrom(5, 1, 1000),
});

/** The HTTP API (same app locally and on Lambda). */
const apiSchema = z.object({
  /** `bearer`: a shared token (local); `gateway`: API Gateway's JWT authorizer already verified the caller (AWS). */
  CARDOCR_API_AUTH: z.enum(['bearer', 'gateway']).default('bearer'),
  /** Largest accepted upload, bytes (same variable as the reader's limit). */
  CARDOCR_MAX_INPUT_BYTES: intFrom(15 * 1024 * 1024, 1024, 100 * 1024 * 1024),
  /** Lifetime of a signed upload target, seconds. */
  CARDOCR_UPLOAD_EXPIRES_SECONDS: intFrom(300, 30, 3600),
  /** Days a record is kept. */
  CARDOCR_RETENTION_DAYS: intFrom(30, 1, 3650),
  /** Per-client token bucket for /v1: burst size (0 turns the limiter off, e.g. behind API Gateway throttling). */
  CARDOCR_RATE_LIMIT_BURST: intFrom(300, 0, 1_000_000),
  /** Per-client token bucket for /v1: sustained requests per second. */
  CARDOCR_RATE_LIMIT_RPS: intFrom(50, 1, 1_000_000),
  /** Extra origins the web page may upload to (space-separated, e.g. the S3 bucket's origin). */
  CARDOCR_UPLOAD_ORIGINS: z
    .string()
    .default('')
    .transform((v) => v.split(/\s+/).filter(Boolean))
    .pipe(z.array(z.url({ protocol: /^https?$/ }))),
});

export type ReaderConfig = Readonly<z.infer<typeof readerSchema>>;
export type LocalConfig = Readonly<z.infer<typeof localSchema>>;
export type AwsConfig = Readonly<z.infer<typeof awsSchema>>;
export type ApiConfig = Readonly<z.infer<typeof apiSchema>>;

function parse<S extends z.ZodType>(schema: S, env: Env, what: string): Readonly<z.infer<S>> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const detail = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ValidationError(`invalid ${what} configuration: ${detail}`, { cause: result.error });
  }
  return Object.freeze(result.data);
}

/** Reader limits from the environment (defaults suit a laptop and a 2 GB Lambda). */
export function loadReaderConfig(env: Env = process.env): ReaderConfig {
  return parse(readerSchema, env, 'reader');
}

export function loadLocalConfig(env: Env = process.env): LocalConfig {
  return parse(localSchema, env, 'local runner');
}

export function loadAwsConfig(env: Env = process.env): AwsConfig {
  return parse(awsSchema, env, 'AWS handler');
}

/** HTTP API settings: auth mode, upload limits, rate limiting. */
export function loadApiConfig(env: Env = process.env): ApiConfig {
  return parse(apiSchema, env, 'API');
}
