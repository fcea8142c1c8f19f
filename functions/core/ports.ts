/**
 * Ports: the small interfaces the core needs from the outside world. Each has a local
 * implementation (filesystem, SQLite) and an AWS one (S3, DynamoDB, SQS), and one contract
 * test suite in test/contract/ runs against both.
 */
import type { ScanRecord, ScanStatus } from './record.js';

/** Metadata of a stored object. */
export interface ObjectInfo {
  readonly key: string;
  readonly size: number;
  /** Content hash or version tag: changes when the object is replaced. */
  readonly etag: string;
  readonly lastModified: Date;
  readonly contentType?: string;
}

/** A signed, expiring upload target mirroring an S3 presigned POST. */
export interface UploadTarget {
  readonly url: string;
  readonly method: 'POST' | 'PUT';
  /** Form fields to send with a multipart POST (policy, signature, key...). */
  readonly fields?: Readonly<Record<string, string>>;
  /** Headers to send with a PUT. */
  readonly headers?: Readonly<Record<string, string>>;
  /** ISO-8601 expiry of the target. */
  readonly expiresAt: string;
  readonly maxBytes: number;
}

export interface CreateUploadOptions {
  /** Accepted content types (e.g. image/jpeg, image/png, image/webp). */
  readonly contentTypes: readonly string[];
  readonly maxBytes: number;
  readonly expiresInSeconds: number;
}

/** Blob storage (S3 bucket or a folder). Keys use `/` separators; prefixes `uploads/` and `processed/`. */
export interface ObjectStore {
  put(key: string, body: Uint8Array, options?: { contentType?: string }): Promise<ObjectInfo>;
  /** Throws NotFoundError when the key does not exist. */
  get(key: string): Promise<Uint8Array>;
  head(key: string): Promise<ObjectInfo | null>;
  /** Idempotent: deleting a missing key succeeds. */
  delete(key: string): Promise<void>;
  list(prefix: string, options?: { limit?: number; cursor?: string }): Promise<{ items: ObjectInfo[]; cursor?: string }>;
  createUpload(key: string, options: CreateUploadOptions): Promise<UploadTarget>;
}

export interface ListScansQuery {
  /** Only this owner's scans (a non-admin caller); all owners when omitted (an admin). */
  readonly owner?: string;
  readonly status?: ScanStatus;
  readonly key?: string;
  /** 1..100 */
  readonly limit: number;
  /** Opaque cursor from a previous page. */
  readonly cursor?: string;
}

/** Patch applied by a transition; `status` is the new status. */
export type ScanPatch = Partial<Omit<ScanRecord, 'id' | 'owner' | 'createdAt'>> & { status: ScanStatus };

/** Extra conditions of a {@link ResultStore.transition}. */
export interface TransitionOptions {
  /**
   * Also require the record's `attempts` to equal this value (optimistic lock): a stage claims
   * a scan by bumping `attempts` under this condition, so of two concurrent deliveries of the
   * same event exactly one wins the claim and runs the work.
   */
  readonly ifAttempts?: number;
}

/** Scan records (DynamoDB table or SQLite). */
export interface ResultStore {
  /** Throws ConflictError when a record with this id exists. */
  create(record: ScanRecord): Promise<void>;
  get(id: string): Promise<ScanRecord | null>;
  /** Newest first. */
  list(query: ListScansQuery): Promise<{ items: ScanRecord[]; cursor?: string }>;
  /** Returns whether a record was deleted. */
  delete(id: string): Promise<boolean>;
  /**
   * Conditional update: applies `patch` only when the record's current status is one of
   * `from`; otherwise throws ConflictError (so a duplicate or late event cannot move a record
   * backwards), and when `options.ifAttempts` is given, only when `attempts` equals it.
   * Throws NotFoundError when the record does not exist. Returns the new record.
   */
  transition(id: string, from: readonly ScanStatus[], patch: ScanPatch, options?: TransitionOptions): Promise<ScanRecord>;
}

/**
 * Counters behind the per-user quotas (a DynamoDB item with TTL on AWS, a SQLite row
 * locally), so that a quota holds across Lambda instances and restarts.
 */
export interface QuotaCounter {
  /**
   * Adds one to the counter `key` unless it already holds `limit`; the counter may be purged
   * after `expiresAt` (epoch seconds). Returns whether it was counted and the count after.
   * Atomic: concurrent callers never push a counter past `limit`.
   */
  tryIncrement(key: string, limit: number, expiresAt: number): Promise<{ counted: boolean; count: number }>;
}

/** A job taken from a queue, leased until acked, retried or the lease runs out. */
export interface Job<T = unknown> {
  readonly id: string;
  readonly queue: string;
  readonly body: T;
  /** 1 on first delivery. */
  readonly attempt: number;
}

/**
 * Durable work queue: SQLite locally, SQS on AWS. At-least-once delivery. The preprocess stage
 * sends the read stage its one `read {id}` job through it.
 */
export interface JobQueue {
  /**
   * `dedupeKey`: a queue that dedupes drops a second send with the same key while the first is
   * pending or done (SQLite does; a standard SQS queue does not: consumers stay idempotent).
   */
  send<T>(queue: string, body: T, options?: { delayMs?: number; dedupeKey?: string }): Promise<void>;
  receive<T>(queue: string, options: { max: number; leaseMs: number }): Promise<Job<T>[]>;
  ack(job: Job): Promise<void>;
  /** Releases the job for another attempt after `delayMs`; dead-letters it once attempts reach the queue's maximum. Returns whether it was dead-lettered. */
  retry(job: Job, options: { delayMs: number; reason: string }): Promise<{ deadLettered: boolean }>;
  deadLetters<T>(queue: string): Promise<Array<Job<T> & { reason: string }>>;
}

/** Axis-aligned box in image pixels. */
export interface OcrBox {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/** How to read one region of an image. */
export interface OcrRegionOptions {
  /** Page segmentation: a single text line (default), a single word, a uniform block, or sparse text. */
  readonly layout?: 'line' | 'word' | 'block' | 'sparse';
  /** Only these characters may be recognised (note: a tight whitelist makes Tesseract drop characters). */
  readonly whitelist?: string;
  /** Read only this part of the image. */
  readonly rectangle?: OcrBox;
}

/** One recognised word. Its text is raw OCR output: never log it. */
export interface OcrWord {
  readonly text: string;
  /** In [0, 1]. */
  readonly confidence: number;
  readonly box: OcrBox;
}

/** What an OCR engine read in a region. Raw OCR output: never log `text`. */
export interface OcrText {
  readonly text: string;
  /** Mean confidence in [0, 1]. */
  readonly confidence: number;
  readonly words: readonly OcrWord[];
}

/**
 * OCR engine (tesseract.js behind a worker pool). Safe to call concurrently: jobs queue for
 * a free worker. Throws OcrEngineError when the engine cannot run.
 */
export interface OcrEngine {
  /** Reads text in an encoded image (PNG, grayscale preferred). */
  recognize(image: Uint8Array, options?: OcrRegionOptions): Promise<OcrText>;
  /** Stops all workers; later calls to `recognize` fail. */
  close(): Promise<void>;
}

/** A point in image pixels (x right, y down). */
export interface PixelPoint {
  readonly x: number;
  readonly y: number;
}

/**
 * An 8-bit raster, row-major with interleaved channels (1 = grey, 3 = RGB). Shared by the
 * learned OCR ports so that the reader hands raw pixels to an engine without re-encoding.
 */
export interface Raster {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3;
  readonly data: Uint8Array;
}

/** A text region found by a {@link TextDetector}: four corners, clockwise from the text's top-left, in the input raster's pixels. */
export interface TextRegion {
  readonly quad: readonly [PixelPoint, PixelPoint, PixelPoint, PixelPoint];
  /** Mean detector probability inside the region, in [0, 1]. */
  readonly score: number;
}

/** Options of one detection pass. */
export interface DetectOptions {
  /** The longer side the image is scaled to before detection (the engine's default when omitted). */
  readonly maxSide?: number;
}

/**
 * Finds text lines in an image (a learned detector such as PP-OCR's DB net). Safe to call
 * concurrently. Throws OcrEngineError when the engine cannot run.
 */
export interface TextDetector {
  /** A short, stable name for reports (e.g. `ppocr-det-v4`). */
  readonly name: string;
  detect(image: Raster, options?: DetectOptions): Promise<TextRegion[]>;
  close(): Promise<void>;
}

/** What a {@link LineRecognizer} read on one line crop. Raw OCR output: never log `text`. */
export interface RecognizedLine {
  readonly text: string;
  /** Mean of `charConfidences` (0 for an empty line). */
  readonly confidence: number;
  /** One confidence in [0, 1] per character of `text`. */
  readonly charConfidences: readonly number[];
}

/**
 * Reads the text of upright line crops (a learned recogniser such as PP-OCR's CRNN, or the
 * project's own card-line model). Safe to call concurrently. Throws OcrEngineError when the
 * engine cannot run.
 */
export interface LineRecognizer {
  /** A short, stable name for reports and fusion (two readings agree only across names or views). */
  readonly name: string;
  /** One result per crop, in order. Crops are upright (text runs left to right), any size. */
  recognize(lines: readonly Raster[]): Promise<RecognizedLine[]>;
  close(): Promise<void>;
}
