/**
 * Small in-memory ObjectStore and ResultStore for the API and scan-service unit tests.
 * They follow the port contracts closely enough for the use-cases (conflicts, not-found,
 * newest-first listing with a cursor); the real adapters have their own contract suites.
 */
import { ConflictError, NotFoundError, ValidationError } from '../../functions/core/errors.js';
import type {
  CreateUploadOptions,
  ListScansQuery,
  ObjectInfo,
  ObjectStore,
  ResultStore,
  ScanPatch,
  UploadTarget,
} from '../../functions/core/ports.js';
import { newScanRecord, type ScanRecord, type ScanStatus } from '../../functions/core/record.js';

export class MemoryObjectStore implements ObjectStore {
  readonly objects = new Map<string, { body: Uint8Array; info: ObjectInfo }>();
  readonly uploads: Array<{ key: string; options: CreateUploadOptions }> = [];
  failCreateUpload = false;

  async put(key: string, body: Uint8Array, options?: { contentType?: string }): Promise<ObjectInfo> {
    const info: ObjectInfo = {
      key,
      size: body.byteLength,
      etag: String(body.byteLength),
      lastModified: new Date(),
      ...(options?.contentType ? { contentType: options.contentType } : {}),
    };
    this.objects.set(key, { body, info });
    return info;
  }
  async get(key: string): Promise<Uint8Array> {
    const o = this.objects.get(key);
    if (!o) throw new NotFoundError(`no object ${key}`);
    return o.body;
  }
  async head(key: string): Promise<ObjectInfo | null> {
    return this.objects.get(key)?.info ?? null;
  }
  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }
  async list(prefix: string, options?: { limit?: number; cursor?: string }) {
    const keys = [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
    const start = options?.cursor ? Number(options.cursor) : 0;
    const limit = options?.limit ?? 1000;
    const items = keys.slice(start, start + limit).map((k) => this.objects.get(k)!.info);
    return start + limit < keys.length ? { items, cursor: String(start + limit) } : { items };
  }
  async createUpload(key: string, options: CreateUploadOptions): Promise<UploadTarget> {
    if (this.failCreateUpload) throw new Error('signing failed: secret key /etc/creds unreadable');
    this.uploads.push({ key, options });
    return {
      url: 'http://127.0.0.1:9/local-upload',
      method: 'POST',
      fields: { key, policy: 'cG9saWN5', signature: 'sig' },
      expiresAt: new Date(Date.now() + options.expiresInSeconds * 1000).toISOString(),
      maxBytes: options.maxBytes,
    };
  }
}

export class MemoryResultStore implements ResultStore {
  readonly records = new Map<string, ScanRecord>();
  failWith: Error | null = null;

  async create(record: ScanRecord): Promise<void> {
    if (this.failWith) throw this.failWith;
    if (this.records.has(record.id)) throw new ConflictError(`record ${record.id} exists`);
    this.records.set(record.id, structuredClone(record));
  }
  async get(id: string): Promise<ScanRecord | null> {
    if (this.failWith) throw this.failWith;
    const r = this.records.get(id);
    return r ? structuredClone(r) : null;
  }
  async list(query: ListScansQuery): Promise<{ items: ScanRecord[]; cursor?: string }> {
    if (this.failWith) throw this.failWith;
    const all = [...this.records.values()]
      .filter((r) => (query.status ? r.status === query.status : true))
      .filter((r) => (query.key ? r.key === query.key : true))
      .sort((a, b) => (a.createdAt === b.createdAt ? b.id.localeCompare(a.id) : b.createdAt.localeCompare(a.createdAt)));
    let start = 0;
    if (query.cursor) {
      const after = Buffer.from(query.cursor, 'base64url').toString();
      const i = all.findIndex((r) => r.id === after);
      if (i < 0) throw new ValidationError('invalid cursor');
      start = i + 1;
    }
    const items = all.slice(start, start + query.limit).map((r) => structuredClone(r));
    const last = items.at(-1);
    return start + query.limit < all.length && last
      ? { items, cursor: Buffer.from(last.id).toString('base64url') }
      : { items };
  }
  async delete(id: string): Promise<boolean> {
    return this.records.delete(id);
  }
  async transition(id: string, from: readonly ScanStatus[], patch: ScanPatch): Promise<ScanRecord> {
    const r = this.records.get(id);
    if (!r) throw new NotFoundError(`no record ${id}`);
    if (!from.includes(r.status)) throw new ConflictError(`record ${id} is ${r.status}`);
    const next = { ...r, ...patch, updatedAt: new Date().toISOString() };
    this.records.set(id, next);
    return structuredClone(next);
  }
}

/** A record in any status, for seeding the fake store. */
export function makeRecord(id: string, status: ScanStatus, overrides: Partial<ScanRecord> = {}): ScanRecord {
  const at = overrides.createdAt ?? '2026-01-01T00:00:00.000Z';
  const base = newScanRecord({ id, key: `uploads/${id}.jpg`, status, now: new Date(0), retentionDays: 0 });
  return { ...base, createdAt: at, updatedAt: at, expiresAt: 2_000_000_000, ...overrides };
}
