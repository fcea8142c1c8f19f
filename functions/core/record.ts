/**
 * The scan record: what the result store keeps per photo. It never holds a full PAN,
 * only the masked form and the last four digits.
 */
import type { ErrorCode } from './errors.js';
import type { CardFields, FieldConfidence, MissingReasons, ReadStatus } from './card.js';

/** Lifecycle of a scan. `done` and `failed` are final. */
export const SCAN_STATUSES = ['awaiting_upload', 'queued', 'preprocessing', 'reading', 'done', 'failed'] as const;
export type ScanStatus = (typeof SCAN_STATUSES)[number];

/** Statuses a record may move to from each status; anything else is a conflict. */
export const ALLOWED_TRANSITIONS: Readonly<Record<ScanStatus, readonly ScanStatus[]>> = {
  awaiting_upload: ['queued', 'preprocessing', 'failed'],
  queued: ['preprocessing', 'failed'],
  preprocessing: ['preprocessing', 'reading', 'failed'],
  reading: ['reading', 'done', 'failed'],
  done: [],
  failed: [],
};

export function isFinal(status: ScanStatus): boolean {
  return status === 'done' || status === 'failed';
}

export interface ScanRecord {
  /** Opaque id (ULID-like, URL-safe). */
  readonly id: string;
  /** Object key of the uploaded photo (`uploads/...`), or null before upload is known. */
  key: string | null;
  status: ScanStatus;
  /** The reader's verdict once read: ok | partial | no_card | failed. */
  outcome: ReadStatus | null;
  /** Masked card fields, once read. */
  card: CardFields | null;
  confidence: FieldConfidence;
  missing: MissingReasons;
  error: { code: ErrorCode; message: string } | null;
  /** Processing attempts so far (incremented by each stage start). */
  attempts: number;
  /** ISO-8601 timestamps. */
  createdAt: string;
  updatedAt: string;
  timingsMs: Record<string, number>;
  /** Epoch seconds after which the record may be purged (DynamoDB TTL). */
  expiresAt: number;
  /**
   * Which stage is working on the scan and until when (ISO-8601). A duplicate event that finds
   * a live lease leaves the work to its holder; an expired lease (the worker died) may be taken
   * over. Internal: not part of the API view.
   */
  lease?: StageLease | null;
}

/** A stage's claim on a scan; see {@link ScanRecord.lease}. */
export interface StageLease {
  readonly stage: 'preprocess' | 'read';
  readonly until: string;
}

/** A fresh record in its first status, with no card data yet; expires `retentionDays` after `now`. */
export function newScanRecord(init: {
  id: string;
  key: string | null;
  status: ScanStatus;
  now: Date;
  retentionDays: number;
}): ScanRecord {
  const stamp = init.now.toISOString();
  return {
    id: init.id,
    key: init.key,
    status: init.status,
    outcome: null,
    card: null,
    confidence: {},
    missing: {},
    error: null,
    attempts: 0,
    createdAt: stamp,
    updatedAt: stamp,
    timingsMs: {},
    expiresAt: Math.floor(init.now.getTime() / 1000) + init.retentionDays * 86_400,
  };
}
