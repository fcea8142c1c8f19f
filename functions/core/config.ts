/**
 * Configuration, shaped for the domain: `{limits, ocr, log, api, aws, local}`. Each field is
 * declared once here, with its environment variable (env-names.ts), its type, range and
 * default. This is the one module that reads `process.env`: composition roots call
 * {@link loadConfig} with the sections their runtime needs (a Lambda does not require the
 * local runner's settings, the local runner not the AWS ones) and hand the frozen result on.
 */
import { cpus } from 'node:os';
import { z } from 'zod';
import { ENV, POWERTOOLS_ENV } from './env-names.js';
import { ValidationError } from './errors.js';
import { defaultReaderThreads, maxReaderThreads, processMemory, THREAD_MEMORY_BYTES } from './reader-memory.js';

type Env = Readonly<Record<string, string | undefined>>;

/** Principal of the local operator's token (`CARDOCR_API_TOKEN`): an admin, owner of the scans it creates. */
export const LOCAL_OPERATOR = 'local';

const int = (def: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(def);

/** `CARDOCR_CONCURRENCY`'s schema: the memory this process may use read once, for its default and its cap. */
function readerThreads(): z.ZodType<number> {
  const memory = processMemory();
  const most = maxReaderThreads(memory);
  const why = `at most ${most}: each compute thread takes about ${THREAD_MEMORY_BYTES / 2 ** 20} MiB and this process may use ${(memory / 2 ** 30).toFixed(1)} GiB`;
  return z.coerce.number().int().min(1).max(most, why).default(defaultReaderThreads(Math.max(1, cpus().length), memory));
}

/** A field: the variable it comes from and its schema (with the default). */
type Field = readonly [env: string, schema: z.ZodType];
type Fields = Readonly<Record<string, Field>>;
type Parsed<F extends Fields> = { readonly [K in keyof F]: z.output<F[K][1]> };

const SECTIONS = {
  /** Untrusted input and how long records live. `timeoutMs` etc. match the reader's ImageLimits. */
  limits: {
    /** Largest accepted upload, bytes. */
    maxInputBytes: [ENV.maxInputBytes, int(15 * 1024 * 1024, 1024, 100 * 1024 * 1024)],
    /** Largest accepted decoded image, pixels (guards against decompression bombs). */
    maxInputPixels: [ENV.maxInputPixels, int(50_000_000, 10_000, 268_402_689)],
    /** Largest accepted width or height, pixels, checked from the header (a 1×9,999,999 strip passes the pixel cap). */
    maxInputSide: [ENV.maxInputSide, int(16_384, 64, 65_535)],
    /** Largest accepted ratio of the long side to the short one (a card photo is near 1.6:1; a 20:1 strip is not one). */
    maxAspectRatio: [ENV.maxAspectRatio, int(20, 2, 1000)],
    /** Budget for decoding and preprocessing one photo, ms. */
    timeoutMs: [ENV.decodeTimeoutMs, int(10_000, 100, 120_000)],
    /** Days a record is kept (DynamoDB TTL / local expiry). */
    retentionDays: [ENV.retentionDays, int(30, 1, 3650)],
  },
  /** The reader's engines. */
  ocr: {
    /** OCR workers per process. */
    workers: [ENV.ocrWorkers, int(1, 1, 64)],
    /** Recycle an OCR worker after this many jobs (tesseract.js memory grows over time). */
    recycleAfter: [ENV.ocrRecycleAfter, int(500, 1, 1_000_000)],
    /** onnxruntime intra-op threads per learned model; 0 = from the host (`availableParallelism() / workers`). */
    threads: [ENV.ocrThreads, int(0, 0, 64)],
    /** Folder of the learned reader's model files; unset: the committed functions/adapters/ocr/ppocr/models/. */
    modelDir: [ENV.modelDir, z.string().min(1).optional()],
  },
  log: {
    level: [ENV.logLevel, z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info')],
  },
  /** The HTTP API (same app locally and on Lambda). */
  api: {
    /** `bearer`: a shared token (local); `gateway`: API Gateway's JWT authorizer already verified the caller (AWS). */
    auth: [ENV.apiAuth, z.enum(['bearer', 'gateway']).default('bearer')],
    /** Lifetime of a signed upload target, seconds. */
    uploadExpiresSeconds: [ENV.uploadExpiresSeconds, int(300, 30, 3600)],
    /** Per-client token bucket for /v1: burst size (0 turns the limiter off, e.g. behind API Gateway throttling). */
    rateLimitBurst: [ENV.rateLimitBurst, int(300, 0, 1_000_000)],
    /** Per-client token bucket for /v1: sustained requests per second. */
    rateLimitRps: [ENV.rateLimitRps, int(50, 1, 1_000_000)],
    /** Extra origins the web page may upload to (space-separated, e.g. the S3 bucket's origin). */
    uploadOrigins: [
      ENV.uploadOrigins,
      z
        .string()
        .default('')
        .transform((v) => v.split(/\s+/).filter(Boolean))
        .pipe(z.array(z.url({ protocol: /^https?$/ }))),
    ],
    /**
     * Sign-in of the web page (AWS): base URL of the OAuth 2.0 authorization server with the
     * Cognito endpoint layout (`/oauth2/authorize`, `/oauth2/token`, `/logout`), e.g. the user
     * pool's hosted UI domain. Unset: the page asks for a bearer token (local runner).
     */
    signInDomain: [ENV.signInDomain, z.url({ protocol: /^https?$/ }).optional()],
    /** The public app client the page signs in with (authorization code + PKCE, no secret). */
    signInClientId: [ENV.signInClientId, z.string().min(1).max(128).optional()],
    /** Gateway auth: members of this Cognito group (`cognito:groups` claim) see every user's scans. */
    adminGroup: [ENV.adminGroup, z.string().min(1).max(128).default('cardocr-admin')],
    /** Scans one user may create per minute (0: no per-minute quota). Store-backed: holds across instances. */
    scanQuotaPerMinute: [ENV.scanQuotaPerMinute, int(10, 0, 100_000)],
    /** Scans one user may create per UTC day (0: no daily quota). Bounds the spend one account can cause. */
    scanQuotaPerDay: [ENV.scanQuotaPerDay, int(200, 0, 10_000_000)],
  },
  /** The Lambda functions. */
  aws: {
    bucketName: [ENV.bucketName, z.string().min(3)],
    tableName: [ENV.tableName, z.string().min(3)],
    region: [ENV.region, z.string().default('us-east-1')],
    /** Queue of the read stage: the preprocess function sends one `read {id}` message per scan. */
    readQueueUrl: [ENV.readQueueUrl, z.url().optional()],
    idempotencyTable: [ENV.idempotencyTable, z.string().min(3).optional()],
    /** The stage queues' maxReceiveCount: on the last delivery a still-failing scan is recorded `dead_lettered`. */
    maxReceiveCount: [ENV.maxReceiveCount, int(5, 1, 1000)],
    /** Powertools Tracer subsegments for the SDK clients (only with X-Ray active tracing on the function; off by default). */
    tracing: [POWERTOOLS_ENV.traceEnabled, z.enum(['true', 'false']).default('false').transform((v) => v === 'true')],
    /** Only for tests against emulators on 127.0.0.1. */
    s3Endpoint: [ENV.s3Endpoint, z.url().optional()],
    dynamodbEndpoint: [ENV.dynamodbEndpoint, z.url().optional()],
    sqsEndpoint: [ENV.sqsEndpoint, z.url().optional()],
  },
  /** The local runner (`cardocr serve`). */
  local: {
    port: [ENV.port, int(3000, 0, 65535)],
    host: [ENV.host, z.string().default('127.0.0.1')],
    dataDir: [ENV.dataDir, z.string().default('.data')],
    apiToken: [ENV.apiToken, z.string().min(16).optional()],
    /**
     * Extra users of the local API, each with a token of their own (`alice=<token> bob=<token>`):
     * each sees only their own scans; the main token (`CARDOCR_API_TOKEN`) is the operator's and sees all.
     */
    apiUsers: [
      ENV.apiUsers,
      z
        .string()
        .default('')
        .transform((v) =>
          v
            .split(/\s+/)
            .filter(Boolean)
            // At the first `=`: a token may itself hold `=` (base64 padding).
            .map((pair) => (pair.includes('=') ? [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)] : [pair])),
        )
        .pipe(
          z.array(
            z.tuple([
              z
                .string()
                .regex(/^[A-Za-z0-9._@-]{1,64}$/, 'a user name of letters, digits and ._@- (1–64), then = and the token')
                .refine((name) => name !== LOCAL_OPERATOR, `"${LOCAL_OPERATOR}" is the operator (CARDOCR_API_TOKEN); pick another user name`),
              z.string().min(16, 'each user token must be at least 16 characters'),
            ]),
          ),
        )
        // A name given twice would silently keep its last token, and a shared token would make two users one.
        .refine((pairs) => new Set(pairs.map(([name]) => name)).size === pairs.length, 'each user name once')
        .refine((pairs) => new Set(pairs.map(([, token]) => token)).size === pairs.length, 'each user a token of their own')
        .transform((pairs) => Object.freeze(Object.fromEntries(pairs)) as Readonly<Record<string, string>>),
    ],
    /**
     * Queue workers and compute threads (one reader each): by default one per core within half
     * the memory, at most what the memory holds (a 64-core host with 16 GB would otherwise start
     * 64 readers, ≈ 38 GB).
     */
    concurrency: [ENV.concurrency, readerThreads()],
    maxAttempts: [ENV.maxAttempts, int(3, 1, 20)],
    /** How long a worker holds a job before it is redelivered, seconds (a stage's claim on a scan lasts half). */
    jobLeaseSeconds: [ENV.jobLeaseSeconds, int(120, 2, 3600)],
    /** A file copied into `uploads/` is taken once its size and mtime have held this long, ms (an atomic rename into place is older already). */
    uploadStableMs: [ENV.uploadStableMs, int(2000, 0, 600_000)],
    /** Jobs waiting or running beyond which new scans are refused with 503 + Retry-After (folder drops wait in the folder). */
    maxQueuedScans: [ENV.maxQueuedScans, int(500, 1, 1_000_000)],
    /** First retry delay after a failure, ms; doubles per retry, with jitter. */
    retryBaseMs: [ENV.retryBaseMs, int(1000, 10, 600_000)],
    /** Longest delay between two retries, ms. */
    retryMaxDelayMs: [ENV.retryMaxDelayMs, int(60_000, 100, 3_600_000)],
    /** How long storage/database faults (EROFS, ENOSPC, EBUSY, SQLITE_BUSY...) are retried before a scan fails, seconds. */
    transientRetrySeconds: [ENV.transientRetrySeconds, int(900, 1, 86_400)],
    /** Age after which stray files (temp names, images of finished or deleted scans) are removed, seconds. */
    orphanMaxAgeSeconds: [ENV.orphanMaxAgeSeconds, int(3600, 1, 30 * 86_400)],
    /** SQLite busy timeout, ms: how long one statement may block the event loop waiting for a lock (then retried asynchronously). */
    sqliteBusyTimeoutMs: [ENV.sqliteBusyTimeoutMs, int(20, 0, 1000)],
    /** Period of the purge of finished queue rows and expired records, seconds. */
    purgeIntervalSeconds: [ENV.purgeIntervalSeconds, int(600, 1, 86_400)],
  },
} as const satisfies Record<string, Fields>;

type Sections = typeof SECTIONS;
export type SectionName = keyof Sections;

/** The whole configuration; each runtime loads the sections it needs. */
export type Config = { readonly [S in SectionName]: Parsed<Sections[S]> };
export type LimitsConfig = Config['limits'];
export type OcrConfig = Config['ocr'];
export type LogConfig = Config['log'];
export type ApiConfig = Config['api'];
export type AwsConfig = Config['aws'];
export type LocalConfig = Config['local'];

function parseSection<S extends SectionName>(name: S, env: Env): Config[S] {
  const fields: Fields = SECTIONS[name];
  const schema = z.object(Object.fromEntries(Object.entries(fields).map(([k, [, s]]) => [k, s])));
  const raw = Object.fromEntries(Object.entries(fields).map(([k, [variable]]) => [k, env[variable]]));
  const result = schema.safeParse(raw);
  if (!result.success) {
    // Name the variable, not the field: that is what the operator sets.
    const detail = result.error.issues
      .map((i) => `${fields[String(i.path[0])]?.[0] ?? i.path.join('.')}: ${i.message}`)
      .join('; ');
    throw new ValidationError(`invalid ${name} configuration: ${detail}; fix the variable or unset it for the default`, {
      cause: result.error,
    });
  }
  return Object.freeze(result.data) as Config[S];
}

/**
 * Loads the named sections from `env` (default `process.env`). Throws ValidationError naming
 * each variable that is out of range or missing.
 */
export function loadConfig<S extends SectionName>(sections: readonly S[], env: Env | undefined = process.env): Pick<Config, S> {
  const out = {} as Record<S, unknown>;
  for (const s of sections) out[s] = parseSection(s, env);
  return Object.freeze(out) as Pick<Config, S>;
}

/** The defaults of one section (what an empty environment gives). */
export function configDefaults<S extends Exclude<SectionName, 'aws'>>(section: S): Config[S] {
  return parseSection(section, {});
}
