/**
 * Scan use-cases behind the HTTP API: create a scan (record + signed upload target), read
 * one, list them, delete one with its images. Pure orchestration over the ObjectStore and
 * ResultStore ports: no HTTP, no environment, so the same service runs under Node and Lambda.
 */
import { ConflictError, NotFoundError } from './errors.js';
import { PROCESSED_PREFIX, UPLOADS_PREFIX, newScanId, uploadKeyFor } from './ids.js';
import type { ListScansQuery, ObjectStore, ResultStore, UploadTarget } from './ports.js';
import { IN_FLIGHT_STATUSES, newScanRecord, type ScanRecord } from './record.js';

/** Image types a client may declare for an upload. */
export const UPLOAD_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;
export type UploadContentType = (typeof UPLOAD_TYPES)[number];

/** The type assumed when a client declares none: keys always carry an extension (see ids.ts). */
const DEFAULT_UPLOAD_TYPE: UploadContentType = 'image/jpeg';


/** Limits of the signed upload targets handed to clients. */
export interface UploadLimits {
  /** Largest accepted photo, bytes. */
  readonly maxBytes: number;
  /** Lifetime of an upload target, seconds. */
  readonly expiresInSeconds: number;
}

export interface ScanServiceDeps {
  readonly objects: ObjectStore;
  readonly results: ResultStore;
  readonly uploads: UploadLimits;
  /** Days a record is kept before the store may purge it. */
  readonly retentionDays: number;
  /** Injectable for tests. */
  readonly now?: () => Date;
  readonly newId?: (nowMs: number) => string;
}

export interface CreateScanInput {
  /** Declared type of the photo (default image/jpeg); the upload target accepts only this type. */
  readonly contentType?: UploadContentType;
  /** Client's file name: validated by the edge, never used in the key and never stored. */
  readonly filename?: string;
}

export interface CreatedScan {
  readonly record: ScanRecord;
  readonly upload: UploadTarget;
}

/**
 * Who is calling, as the edge verified it. A caller sees only the scans it owns; an admin
 * (a Cognito group on AWS, the operator's token locally) sees every scan, including photos
 * dropped straight into the bucket (owner null).
 */
export interface Caller {
  readonly principal: string;
  readonly admin: boolean;
}

/** The scan use-cases. Each takes the verified caller: tenancy is decided here, not at the edge. */
export interface ScanService {
  /** Creates an `awaiting_upload` record owned by the caller and a signed upload target for a server-chosen key. */
  createScan(input: CreateScanInput, caller: Caller): Promise<CreatedScan>;
  /**
   * Throws NotFoundError for an unknown id and for another user's scan alike: a caller
   * cannot tell "not yours" from "does not exist".
   */
  getScan(id: string, caller: Caller): Promise<ScanRecord>;
  /** The caller's scans (every scan for an admin), newest first, paged by an opaque cursor. */
  listScans(query: Omit<ListScansQuery, 'owner'>, caller: Caller): Promise<{ items: ScanRecord[]; cursor?: string }>;
  /**
   * Deletes the record and every image of the scan. Throws NotFoundError for an unknown id
   * or another user's scan, and ConflictError while the pipeline is working on it (its
   * stages would write the images again or fail on a vanished record).
   */
  deleteScan(id: string, caller: Caller): Promise<void>;
}

/** Whether `caller` may see `record`. */
export function canSee(caller: Caller, record: Pick<ScanRecord, 'owner'>): boolean {
  return caller.admin || (typeof record.owner === 'string' && record.owner === caller.principal);
}

/** Builds the scan service over the two storage ports. */
export function createScanService(deps: ScanServiceDeps): ScanService {
  const now = deps.now ?? (() => new Date());
  const newId = deps.newId ?? newScanId;

  async function getScan(id: string, caller: Caller): Promise<ScanRecord> {
    const record = await deps.results.get(id);
    // One answer for both: a 403 would tell a caller that another user's scan exists.
    if (!record || !canSee(caller, record)) throw new NotFoundError(`no scan with id ${id}`);
    return record;
  }

  async function deleteObjects(record: ScanRecord): Promise<void> {
    const keys = new Set<string>();
    if (record.key) keys.add(record.key);
    // Stage outputs and API uploads are named after the id; list rather than guess extensions.
    for (const prefix of [`${UPLOADS_PREFIX}${record.id}`, `${PROCESSED_PREFIX}${record.id}`]) {
      let cursor: string | undefined;
      do {
        const page = await deps.objects.list(prefix, { limit: 100, ...(cursor ? { cursor } : {}) });
        for (const item of page.items) {
          const rest = item.key.slice(prefix.length);
          // `uploads/<id>` or `uploads/<id>.<ext>`, not another id that merely starts the same.
          if (rest === '' || rest.startsWith('.')) keys.add(item.key);
        }
        cursor = page.cursor;
      } while (cursor);
    }
    await Promise.all([...keys].map((key) => deps.objects.delete(key)));
  }

  return {
    async createScan(input, caller) {
      const created = now();
      const id = newId(created.getTime());
      const contentType = input.contentType ?? DEFAULT_UPLOAD_TYPE;
      const key = uploadKeyFor(id, contentType);
      // Sign first: it has no side effects, so a signing failure leaves no orphan record.
      const upload = await deps.objects.createUpload(key, {
        contentTypes: [contentType],
        maxBytes: deps.uploads.maxBytes,
        expiresInSeconds: deps.uploads.expiresInSeconds,
      });
      const record = newScanRecord({
        id,
        owner: caller.principal,
        key,
        status: 'awaiting_upload',
        now: created,
        retentionDays: deps.retentionDays,
      });
      await deps.results.create(record);
      return { record, upload };
    },

    getScan,

    listScans(query, caller) {
      // The store filters by owner (an index on DynamoDB): a page never holds another user's scan.
      const { owner: _ignored, ...rest } = query as ListScansQuery;
      return deps.results.list(caller.admin ? rest : { ...rest, owner: caller.principal });
    },

    async deleteScan(id, caller) {
      const record = await getScan(id, caller);
      if (IN_FLIGHT_STATUSES.includes(record.status)) {
        throw new ConflictError(`scan ${id} is ${record.status}; delete it once it is done or failed`);
      }
      // Images first: if that fails the record is still there and the delete can be retried.
      await deleteObjects(record);
      await deps.results.delete(id);
    },
  };
}
