/**
 * The scan record: what the result store keeps per photo. It never holds a full PAN,
 * only the masked form and the last four digits.
 */
import type { ErrorCode } from './errors.js';
import type { CardFields, CardGeometry, FieldConfidence, MissingReasons, ReadStatus } from './card.js';
import { redactPansDeep } from './mask.js';

/** Lifecycle of a scan. `done` and `failed` are final. */
export const SCAN_STATUSES = ['awaiting_upload', 'queued', 'preprocessing', 'reading', 'done', 'failed'] as const;
export type ScanStatus = (typeof SCAN_STATUSES)[number];

/** Statuses nothing moves on from. */
export const FINAL_STATUSES: readonly ScanStatus[] = ['done', 'failed'];
/** Statuses a scan is in until it ends (including waiting for its photo). */
export const WORKING_STATUSES: readonly ScanStatus[] = ['awaiting_upload', 'queued', 'preprocessing', 'reading'];
/** Statuses during which the pipeline is working on the scan's images (a stage may resume it). */
export const IN_FLIGHT_STATUSES: readonly ScanStatus[] = ['queued', 'preprocessing', 'reading'];

/**
 * Statuses a record may move to from each status; anything else is a programming error
 * (see {@link assertTransition}). A working status may "move" to itself: a stage's claim,
 * the release of a claim and lease updates keep the status.
 */
export const ALLOWED_TRANSITIONS: Readonly<Record<ScanStatus, readonly ScanStatus[]>> = {
  awaiting_upload: ['queued', 'preprocessing', 'failed'],
  queued: ['queued', 'preprocessing', 'failed'],
  preprocessing: ['preprocessing', 'reading', 'failed'],
  reading: ['reading', 'done', 'failed'],
  done: [],
  failed: [],
};

export function isFinal(status: ScanStatus): boolean {
  return FINAL_STATUSES.includes(status);
}

/** Whether `from → to` is a transition of the state machine. */
export function canTransition(from: ScanStatus, to: ScanStatus): boolean {
  return ALLOWED_TRANSITIONS[from].includes(to);
}

/**
 * Throws RangeError unless every status in `from` may move to `to`: a conditional write
 * that names a forbidden move is a bug in the caller, not a lost race.
 */
export function assertTransition(from: readonly ScanStatus[], to: ScanStatus): void {
  const bad = from.filter((f) => !canTransition(f, to));
  if (bad.length > 0) {
    throw new RangeError(`transition ${bad.join('|')} → ${to} is not in ALLOWED_TRANSITIONS; expected one of the allowed moves`);
  }
}

/** The two pipeline stages. */
export type StageName = 'preprocess' | 'read';

/** Timings of one stage, ms, by step (e.g. `decode`, `warp`, `ocr`, `total`). */
export type StageTimings = Readonly<Record<string, number>>;

/**
 * What the preprocess stage learned about the photo that the read stage can use. No card
 * data: only how the normalised image was made.
 */
export interface ReadHints {
  /** What was normalised: the card found in the photo, or the whole frame when no outline was found. */
  readonly view?: 'card' | 'frame';
  /** Clockwise turn applied to make the text upright, degrees. */
  readonly rotation?: 0 | 90 | 180 | 270;
  /** Size of the uploaded photo after EXIF orientation: what the read stage's geometry refers to. */
  readonly image?: { readonly width: number; readonly height: number };
  /** A rectified card's corners in that photo (TL, TR, BR, BL as the card reads), to map the card's pixels back. */
  readonly corners?: ReadonlyArray<readonly [number, number]>;
}

export interface ScanRecord {
  /** Opaque id (ULID-like, URL-safe). */
  readonly id: string;
  /**
   * Who the scan belongs to: the caller's principal (the JWT `sub` on AWS, the token's user
   * locally) for scans created through the API; null for a photo dropped straight into the
   * bucket or folder, which only an admin sees. Set once, never changed by a transition.
   * Absent on records written before scans had owners: the same as null.
   */
  readonly owner?: string | null;
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
  /** Processing attempts so far (incremented by each stage start): the claims' optimistic lock. */
  attempts: number;
  /**
   * Claims per stage. `attempts` counts both stages' claims (a first read has `attempts` 2),
   * so the stage logs take their `attempt` from here: 1 on a first try, 2 on the first retry.
   */
  stageAttempts?: Partial<Record<StageName, number>>;
  /** ISO-8601 timestamps. */
  createdAt: string;
  updatedAt: string;
  /** Per-stage timings: each stage writes its own, so the read stage never overwrites the decode time. */
  timingsMs: { preprocess?: StageTimings; read?: StageTimings };
  /** Set by the preprocess stage when it moves the scan to `reading`. Internal: not part of the API view. */
  hints?: ReadHints | null;
  /** Where the card and its fields are on the photo (set by the read stage; coordinates only). */
  geometry?: CardGeometry | null;
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
  readonly stage: StageName;
  readonly until: string;
}

/** A fresh record in its first status, with no card data yet; expires `retentionDays` after `now`. */
export function newScanRecord(init: {
  id: string;
  /** The creating caller's principal; omitted or null for a photo dropped into the bucket. */
  owner?: string | null;
  key: string | null;
  status: ScanStatus;
  now: Date;
  retentionDays: number;
}): ScanRecord {
  const stamp = init.now.toISOString();
  return {
    id: init.id,
    owner: init.owner ?? null,
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

/**
 * A record as a result store writes it: every string masked ({@link redactPansDeep}: keys,
 * messages, names; defence in depth, whatever the caller did) except the identities, which are
 * not free text (an id or a JWT sub may hold a 12–19 digit run by chance) and are kept as they are.
 */
export function redactedForStore(record: ScanRecord): ScanRecord {
  return { ...redactPansDeep(record), id: record.id, owner: record.owner ?? null };
}
