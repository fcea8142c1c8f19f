/**
 * In-memory ObjectStore, ResultStore and JobQueue for the unit suites (API, scan service,
 * stages). They are verified fakes: the same port contracts as the real adapters run against
 * them (test/contract/memory.test.ts), so a use-case that passes on them relies on nothing the
 * real adapters do not also do. Fault hooks (`failWith`, `failNext`) let tests break a step.
 */
import { createHash, randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError, ValidationError } from '../../functions/core/errors.js';
import { redactPans, redactPansDeep } from '../../functions/core/mask.js';
import type {
  CreateUploadOptions,
  Job,
  JobQueue,
  ListScansQuery,
  ObjectInfo,
  ObjectStore,
  ResultStore,
  ScanPatch,
  TransitionOptions,
  UploadTarget,
} from '../../functions/core/ports.js';
import { newScanRecord, type ScanRecord, type ScanStatus } from '../../functions/core/record.js';

export class MemoryObjectStore implements ObjectStore {
  readonly objects = new Map<string, { body: Uint8Array; info: ObjectInfo }>();
  readonly uploads: Array<{ key: string; options: CreateUploadOptions }> = [];
  failCreateUpload = false;
  /** Where upload targets point (a test server that calls `put`, for the contract). */
  uploadUrl = 'http://127.0.0.1:9/local-upload';
  /** Keys whose next `get` fails with this error once (a transient storage failure). */
  readonly failNextGet = new Map<string, Error>();

  async put(key: string, body: Uint8Array, options?: { contentType?: string }): Promise<ObjectInfo> {
    const copy = new Uint8Array(body);
    const info: ObjectInfo = {
      key,
      size: copy.byteLength,
      etag: createHash('md5').update(copy).digest('hex'),
      lastModified: new Date(),
      ...(options?.contentType ? { contentType: options.contentType } : {}),
    };
    this.objects.set(key, { body: copy, info });
    return info;
  }
  async get(key: string): Promise<Uint8Array> {
    const fault = this.failNextGet.get(key);
    if (fault) {
      this.failNextGet.delete(key);
      throw fault;
    }
    const o = this.objects.get(key);
    if (!o) throw new NotFoundError(`no object ${key}`);
    return new Uint8Array(o.body);
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
      url: this.uploadUrl,
      method: 'POST',
      fields: { key, policy: 'cG9saWN5', signature: 'sig' },
      expiresAt: new Date(Date.now() + options.expiresInSeconds * 1000).toISOString(),
      maxBytes: options.maxBytes,
    };
  }
}

export class MemoryResultStore implements ResultStore {
  readonly records = new Map<string, ScanRecord>();
  /** Every call fails with this while set (the store is down). */
  failWith: Error | null = null;
  /** The next `transition` to this status fails once with the error (a crash between steps). */
  readonly failNextTransitionTo = new Map<ScanStatus, Error>();

  async create(record: ScanRecord): Promise<void> {
    if (this.failWith) throw this.failWith;
    if (this.records.has(record.id)) throw new ConflictError(`record ${record.id} exists`);
    // Like both real stores: nothing card-number-like is kept in full.
    this.records.set(record.id, { ...scrub(structuredClone(record)), id: record.id, owner: record.owner ?? null });
  }
  async get(id: string): Promise<ScanRecord | null> {
    if (this.failWith) throw this.failWith;
    const r = this.records.get(id);
    return r ? withOwner(structuredClone(r)) : null;
  }
  async list(query: ListScansQuery): Promise<{ items: ScanRecord[]; cursor?: string }> {
    if (this.failWith) throw this.failWith;
    const all = [...this.records.values()]
      .filter((r) => (query.status ? r.status === query.status : true))
      .filter((r) => (query.key ? r.key === redactPans(query.key) : true))
      .filter((r) => (query.owner !== undefined ? r.owner === query.owner : true))
      .sort((a, b) => (a.createdAt === b.createdAt ? b.id.localeCompare(a.id) : b.createdAt.localeCompare(a.createdAt)));
    let start = 0;
    if (query.cursor) {
      const after = Buffer.from(query.cursor, 'base64url').toString();
      const i = all.findIndex((r) => r.id === after);
      if (i < 0) throw new ValidationError('invalid cursor');
      start = i + 1;
    }
    const items = all.slice(start, start + query.limit).map((r) => withOwner(structuredClone(r)));
    const last = items.at(-1);
    return start + query.limit < all.length && last
      ? { items, cursor: Buffer.from(last.id).toString('base64url') }
      : { items };
  }
  async delete(id: string): Promise<boolean> {
    if (this.failWith) throw this.failWith;
    return this.records.delete(id);
  }
  async transition(id: string, from: readonly ScanStatus[], patch: ScanPatch, options: TransitionOptions = {}): Promise<ScanRecord> {
    if (this.failWith) throw this.failWith;
    const fault = this.failNextTransitionTo.get(patch.status);
    if (fault) {
      this.failNextTransitionTo.delete(patch.status);
      throw fault;
    }
    const r = this.records.get(id);
    if (!r) throw new NotFoundError(`no record ${id}`);
    if (!from.includes(r.status)) throw new ConflictError(`record ${id} is ${r.status}, expected ${from.join(' or ')}`);
    // The optimistic lock the stages' claims rely on.
    if (options.ifAttempts !== undefined && r.attempts !== options.ifAttempts) {
      throw new ConflictError(`record ${id} has attempts ${r.attempts}, expected ${options.ifAttempts}`);
    }
    // The owner, like the id and creation time, is set once.
    const next: ScanRecord = {
      ...scrub({ ...r, ...patch, createdAt: r.createdAt, updatedAt: patch.updatedAt ?? bumpedStamp(r.updatedAt) }),
      id: r.id,
      owner: r.owner ?? null,
    };
    this.records.set(id, next);
    return structuredClone(next);
  }
}

/** Masks card-number-like runs in every string, as the real stores do before writing. */
const scrub = redactPansDeep;

/** A record as the stores return it: `owner` always present (null for none). */
function withOwner(r: ScanRecord): ScanRecord {
  return { ...r, owner: r.owner ?? null };
}

/** Now, but always later than `previous` (a transition within the same millisecond still moves updatedAt). */
function bumpedStamp(previous: string): string {
  const now = Date.now();
  const prev = Date.parse(previous);
  return new Date(Number.isNaN(prev) || now > prev ? now : prev + 1).toISOString();
}

interface MemoryJob {
  readonly id: string;
  readonly queue: string;
  body: unknown;
  attempt: number;
  state: 'pending' | 'leased' | 'done' | 'dead';
  availableAt: number;
  leaseUntil: number;
  dedupeKey: string | null;
  updatedAt: number;
  reason: string | null;
}

/** {@link JobQueue} in memory, with SQLite's semantics (leases, backoff, dedupe window, dead letters). */
export class MemoryJobQueue implements JobQueue {
  readonly jobs: MemoryJob[] = [];
  readonly #maxAttempts: number;
  readonly #now: () => number;
  readonly #dedupeWindowMs: number;
  /** Every send fails with this while set (the queue is unreachable). */
  failSendWith: Error | null = null;

  constructor(options: { maxAttempts?: number; now?: () => number; dedupeWindowMs?: number } = {}) {
    this.#maxAttempts = options.maxAttempts ?? 3;
    this.#now = options.now ?? Date.now;
    this.#dedupeWindowMs = options.dedupeWindowMs ?? 10 * 60_000;
  }

  /** Bodies waiting (or leased) on a queue. */
  waiting<T>(queue: string): T[] {
    return this.jobs.filter((j) => j.queue === queue && (j.state === 'pending' || j.state === 'leased')).map((j) => j.body as T);
  }

  async send<T>(queue: string, body: T, options: { delayMs?: number; dedupeKey?: string } = {}): Promise<void> {
    if (this.failSendWith) throw this.failSendWith;
    const now = this.#now();
    if (options.dedupeKey !== undefined) {
      const dup = this.jobs.some(
        (j) =>
          j.queue === queue &&
          j.dedupeKey === options.dedupeKey &&
          (j.state === 'pending' || j.state === 'leased' || now - j.updatedAt < this.#dedupeWindowMs),
      );
      if (dup) return;
    }
    this.jobs.push({
      id: randomUUID(),
      queue,
      body: structuredClone(body),
      attempt: 0,
      state: 'pending',
      availableAt: now + (options.delayMs ?? 0),
      leaseUntil: 0,
      dedupeKey: options.dedupeKey ?? null,
      updatedAt: now,
      reason: null,
    });
  }

  async receive<T>(queue: string, options: { max: number; leaseMs: number }): Promise<Job<T>[]> {
    const now = this.#now();
    const out: Job<T>[] = [];
    for (const j of this.jobs) {
      if (j.queue !== queue) continue;
      const expired = j.state === 'leased' && j.leaseUntil <= now;
      if (expired && j.attempt >= this.#maxAttempts) {
        Object.assign(j, { state: 'dead', reason: 'lease expired on every attempt', updatedAt: now });
        continue;
      }
      if (out.length >= Math.max(1, options.max)) continue;
      if ((j.state === 'pending' && j.availableAt <= now) || expired) {
        Object.assign(j, { state: 'leased', attempt: j.attempt + 1, leaseUntil: now + options.leaseMs, updatedAt: now });
        out.push({ id: j.id, queue, body: structuredClone(j.body) as T, attempt: j.attempt });
      }
    }
    return out;
  }

  #current(job: Job): MemoryJob | undefined {
    return this.jobs.find((j) => j.id === job.id && j.state === 'leased' && j.attempt === job.attempt);
  }

  async ack(job: Job): Promise<void> {
    const j = this.#current(job);
    if (j) Object.assign(j, { state: 'done', updatedAt: this.#now() });
  }

  async retry(job: Job, options: { delayMs: number; reason: string }): Promise<{ deadLettered: boolean }> {
    const dead = job.attempt >= this.#maxAttempts;
    const j = this.#current(job);
    const now = this.#now();
    if (j) Object.assign(j, { state: dead ? 'dead' : 'pending', availableAt: now + options.delayMs, reason: options.reason, updatedAt: now });
    return { deadLettered: dead };
  }

  async deadLetters<T>(queue: string): Promise<Array<Job<T> & { reason: string }>> {
    return this.jobs
      .filter((j) => j.queue === queue && j.state === 'dead')
      .map((j) => ({ id: j.id, queue, body: structuredClone(j.body) as T, attempt: j.attempt, reason: j.reason ?? 'unknown' }));
  }
}

/** A record in any status, for seeding the fake store. */
export function makeRecord(id: string, status: ScanStatus, overrides: Partial<ScanRecord> = {}): ScanRecord {
  const at = overrides.createdAt ?? '2026-01-01T00:00:00.000Z';
  const base = newScanRecord({ id, key: `uploads/${id}.jpg`, status, now: new Date(0), retentionDays: 0 });
  return { ...base, createdAt: at, updatedAt: at, expiresAt: 2_000_000_000, ...overrides };
}
