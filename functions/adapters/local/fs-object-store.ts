/**
 * ObjectStore on a local folder (`<dataDir>/bucket`): the stand-in for the S3 bucket when
 * the pipeline runs on one machine. Writes are atomic (temp file + rename), so a watcher
 * never sees a half-written object from this store. Upload targets mirror an S3 presigned
 * POST: an HMAC-signed policy (key, content types, size, expiry) that the local upload
 * route verifies with {@link verifyUploadPolicy}.
 * Folders are created 0700 and objects written 0600: card photos are readable by the runner's
 * user only. The filesystem calls go through an injectable {@link FsOps} (tests inject faults
 * such as a read-only bucket, EROFS, for a while).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import * as nodeFs from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { NotFoundError, ValidationError } from '../../core/errors.js';
import { redactPans } from '../../core/mask.js';
import type { CreateUploadOptions, ObjectInfo, ObjectStore, UploadTarget } from '../../core/ports.js';

/** The filesystem calls the store makes (node:fs/promises by default). */
export type FsOps = Pick<typeof nodeFs, 'mkdir' | 'readFile' | 'readdir' | 'rename' | 'rm' | 'stat' | 'lstat' | 'writeFile'>;

/** One entry found by {@link FsObjectStore.entries}: whatever is in the folder, valid key or not. */
export interface FolderEntry {
  /** Path relative to the bucket root, `/`-separated (may hold any character a file name can). */
  readonly path: string;
  readonly kind: 'file' | 'symlink' | 'other';
  readonly size: number;
  readonly mtimeMs: number;
  /** Inode change time: set by the write or the rename that put the file there (users cannot set it). */
  readonly ctimeMs: number;
  /** Whether `path` is a valid object key (see {@link validateKey}). */
  readonly validKey: boolean;
}

/** Folder (inside the bucket root) for in-flight writes; never a valid key. */
const TMP_DIR = '.tmp';

const EXT_TYPES: Readonly<Record<string, string>> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  json: 'application/json',
};

export interface FsObjectStoreOptions {
  /** Bucket folder; created when missing. */
  readonly root: string;
  /** URL of the local upload route (a function when the port is only known after listen). */
  readonly uploadUrl: string | (() => string);
  /** HMAC key signing upload policies. */
  readonly secret: string | Uint8Array;
  /** Called after every successful put: the local "object created" notification. */
  readonly onPut?: (info: ObjectInfo) => void;
  /** Injectable clock for tests. */
  readonly now?: () => number;
  /** Filesystem calls (default node:fs/promises). */
  readonly fs?: FsOps;
  /**
   * Longest one filesystem call may take before the store gives up on it with an ETIMEDOUT
   * error (a transient fault: the job is retried), ms. Default 30 s: a hung network mount
   * must not hold a worker forever.
   */
  readonly opTimeoutMs?: number;
}

/** Wraps each call of `fs` in a time budget (the call itself may go on in libuv; the caller is freed). */
function withTimeouts(fs: FsOps, ms: number): FsOps {
  return new Proxy(fs, {
    get(target, prop) {
      const fn: unknown = Reflect.get(target, prop, target);
      if (typeof fn !== 'function') return fn;
      return (...args: unknown[]) => {
        let timer: NodeJS.Timeout | undefined;
        const call = Promise.resolve((fn as (...a: unknown[]) => Promise<unknown>).apply(target, args));
        const expired = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                Object.assign(new Error(`filesystem ${String(prop)} took longer than ${ms} ms; check the data dir's disk or mount`), {
                  code: 'ETIMEDOUT',
                }),
              ),
            ms,
          );
          timer.unref();
        });
        call.catch(() => undefined); // a late failure after the timeout has nobody to tell
        return Promise.race([call, expired]).finally(() => clearTimeout(timer));
      };
    },
  });
}

/** Whether `key` passes {@link validateKey}. */
export function isValidKey(key: string): boolean {
  try {
    validateKey(key);
    return true;
  } catch {
    return false; // the reason is validateKey's message; callers only branch on it
  }
}

/**
 * Rejects keys that could escape the bucket folder or collide with the store's own files:
 * no absolute paths, no `.`/`..` or dot-prefixed segments, no empty segments, no
 * backslashes or control characters.
 */
export function validateKey(key: string): void {
  const bad =
    key.length === 0 ||
    key.length > 1024 ||
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f\u007f\\]/.test(key) ||
    key.split('/').some((seg) => seg === '' || seg.startsWith('.'));
  if (bad) throw new ValidationError(`invalid object key ${JSON.stringify(redactPans(key).slice(0, 80))}`);
}

function validatePrefix(prefix: string): void {
  if (prefix === '') return;
  // A prefix may end in '/' or part-way into a name, but must otherwise be a valid key.
  validateKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
}

/** What a signed upload policy allows. */
export interface UploadPolicy {
  readonly key: string;
  readonly contentTypes: readonly string[];
  readonly maxBytes: number;
  /** Epoch ms. */
  readonly expiresAt: number;
}

function sign(secret: string | Uint8Array, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url');
}

/** Encodes and signs an upload policy: the `policy` and `signature` form fields. */
export function signUploadPolicy(secret: string | Uint8Array, policy: UploadPolicy): { policy: string; signature: string } {
  const encoded = Buffer.from(JSON.stringify(policy)).toString('base64url');
  return { policy: encoded, signature: sign(secret, encoded) };
}

/**
 * Checks the `policy`/`signature`/`key` form fields of an upload. Returns the policy, or why
 * it is refused (`forbidden`: bad or missing signature, key mismatch; `expired`).
 */
export function verifyUploadPolicy(
  secret: string | Uint8Array,
  fields: { key?: string; policy?: string; signature?: string },
  now: number = Date.now(),
): { ok: true; policy: UploadPolicy } | { ok: false; reason: 'forbidden' | 'expired' } {
  const { key, policy, signature } = fields;
  if (!key || !policy || !signature) return { ok: false, reason: 'forbidden' };
  const expected = Buffer.from(sign(secret, policy));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'forbidden' };
  let parsed: UploadPolicy;
  try {
    parsed = JSON.parse(Buffer.from(policy, 'base64url').toString('utf8')) as UploadPolicy;
  } catch {
    return { ok: false, reason: 'forbidden' };
  }
  if (parsed.key !== key) return { ok: false, reason: 'forbidden' };
  if (!(parsed.expiresAt > now)) return { ok: false, reason: 'expired' };
  return { ok: true, policy: parsed };
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}

/** {@link ObjectStore} over a folder. Keys map to relative paths under `root`. */
export class FsObjectStore implements ObjectStore {
  readonly root: string;
  readonly #uploadUrl: () => string;
  readonly #secret: string | Uint8Array;
  readonly #onPut: ((info: ObjectInfo) => void) | undefined;
  readonly #now: () => number;
  readonly #fs: FsOps;
  /** md5 per file version (path → size/mtime/etag) so heads of unchanged files do not re-hash. */
  readonly #etags = new Map<string, { size: number; mtimeMs: number; etag: string }>();

  constructor(options: FsObjectStoreOptions) {
    this.root = options.root;
    const url = options.uploadUrl;
    this.#uploadUrl = typeof url === 'string' ? () => url : url;
    this.#secret = options.secret;
    this.#onPut = options.onPut;
    this.#now = options.now ?? Date.now;
    this.#fs = withTimeouts(options.fs ?? nodeFs, options.opTimeoutMs ?? 30_000);
  }

  #path(key: string): string {
    validateKey(key);
    return join(this.root, ...key.split('/'));
  }

  async put(key: string, body: Uint8Array, _options: { contentType?: string } = {}): Promise<ObjectInfo> {
    const path = this.#path(key);
    const fs = this.#fs;
    const tmpDir = join(this.root, TMP_DIR);
    await fs.mkdir(tmpDir, { recursive: true, mode: 0o700 });
    await fs.mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const tmp = join(tmpDir, `${randomBytes(8).toString('hex')}.part`);
    try {
      await fs.writeFile(tmp, body, { mode: 0o600 });
      await fs.rename(tmp, path);
    } catch (err) {
      // The write's own error is the one to report; a temp file left behind is swept as an orphan.
      await fs.rm(tmp, { force: true }).catch(() => undefined);
      throw err;
    }
    // Hash the bytes in hand rather than reading the file back.
    const st = await fs.stat(path);
    this.#etags.set(path, { size: st.size, mtimeMs: st.mtimeMs, etag: createHash('md5').update(body).digest('hex') });
    const info = await this.#info(key, path, st.size, st.mtimeMs, st.mtime);
    this.#onPut?.(info);
    return info;
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      return new Uint8Array(await this.#fs.readFile(this.#path(key)));
    } catch (err) {
      if (isMissing(err)) throw new NotFoundError(`object ${redactPans(key)} does not exist`, { cause: err });
      throw err;
    }
  }

  async head(key: string): Promise<ObjectInfo | null> {
    const path = this.#path(key);
    try {
      const st = await this.#fs.stat(path);
      if (!st.isFile()) return null;
      return await this.#info(key, path, st.size, st.mtimeMs, st.mtime);
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async #info(key: string, path: string, size: number, mtimeMs: number, mtime: Date): Promise<ObjectInfo> {
    let cached = this.#etags.get(path);
    if (!cached || cached.size !== size || cached.mtimeMs !== mtimeMs) {
      const etag = createHash('md5').update(await this.#fs.readFile(path)).digest('hex');
      cached = { size, mtimeMs, etag };
      this.#etags.set(path, cached);
    }
    const ext = key.slice(key.lastIndexOf('.') + 1).toLowerCase();
    const contentType = EXT_TYPES[ext];
    return { key, size, etag: cached.etag, lastModified: mtime, ...(contentType ? { contentType } : {}) };
  }

  async delete(key: string): Promise<void> {
    const path = this.#path(key);
    this.#etags.delete(path);
    await this.#fs.rm(path, { force: true });
  }

  /**
   * Everything under `prefix`'s folder, valid key or not, without following symlinks: the
   * folder watch decides what to do with names {@link list} cannot return.
   */
  async entries(prefix: string): Promise<FolderEntry[]> {
    const out: FolderEntry[] = [];
    const dirPart = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const walk = async (relDir: string): Promise<void> => {
      let names: string[];
      try {
        names = await this.#fs.readdir(relDir === '' ? this.root : join(this.root, ...relDir.split('/')));
      } catch (err) {
        if (isMissing(err)) return;
        throw err;
      }
      for (const name of names) {
        const rel = relDir === '' ? name : `${relDir}/${name}`;
        if (relDir === '' && name === TMP_DIR) continue;
        let st;
        try {
          st = await this.#fs.lstat(join(this.root, ...rel.split('/')));
        } catch (err) {
          if (isMissing(err)) continue; // gone meanwhile
          throw err;
        }
        if (st.isDirectory()) {
          await walk(rel);
          continue;
        }
        out.push({
          path: rel,
          kind: st.isFile() ? 'file' : st.isSymbolicLink() ? 'symlink' : 'other',
          size: st.size,
          mtimeMs: st.mtimeMs,
          ctimeMs: st.ctimeMs,
          validKey: isValidKey(rel),
        });
      }
    };
    await walk(dirPart);
    return out.filter((e) => e.path.startsWith(prefix));
  }

  /**
   * Renames the entry at `path` (relative to the root, any name) to the object `key`, unless
   * something is there already (returns false). Atomic: the rename of one directory entry.
   */
  async adopt(path: string, key: string): Promise<boolean> {
    const to = this.#path(key);
    try {
      await this.#fs.lstat(to);
      return false;
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
    await this.#fs.mkdir(dirname(to), { recursive: true, mode: 0o700 });
    await this.#fs.rename(join(this.root, ...path.split('/')), to);
    return true;
  }

  /** Removes the store's own temp files older than `olderThanMs` (left by a put that died mid-write). */
  async sweepTemp(olderThanMs: number, now: number = this.#now()): Promise<number> {
    const dir = join(this.root, TMP_DIR);
    let names: string[];
    try {
      names = await this.#fs.readdir(dir);
    } catch (err) {
      if (isMissing(err)) return 0;
      throw err;
    }
    let n = 0;
    for (const name of names) {
      const path = join(dir, name);
      try {
        const st = await this.#fs.lstat(path);
        if (now - st.mtimeMs > olderThanMs) {
          await this.#fs.rm(path, { force: true });
          n++;
        }
      } catch (err) {
        if (!isMissing(err)) throw err;
      }
    }
    return n;
  }

  /** Removes the entry at `path` (relative to the root, any name; a symlink itself, never its target). */
  async removeEntry(path: string): Promise<void> {
    const abs = join(this.root, ...path.split('/'));
    if (!abs.startsWith(join(this.root, sep)) || path.split('/').some((seg) => seg === '..' || seg === '.' || seg === '')) {
      throw new ValidationError(`refusing to remove ${JSON.stringify(redactPans(path).slice(0, 80))}: not an entry inside the bucket`);
    }
    await this.#fs.rm(abs, { force: true });
  }

  async list(prefix: string, options: { limit?: number; cursor?: string } = {}): Promise<{ items: ObjectInfo[]; cursor?: string }> {
    validatePrefix(prefix);
    const limit = Math.max(1, Math.min(options.limit ?? 1000, 1000));
    const after = options.cursor ? Buffer.from(options.cursor, 'base64url').toString('utf8') : '';
    // Only walk the folder that can hold the prefix.
    const dirPart = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const keys: string[] = [];
    await this.#walk(dirPart, keys);
    const matching = keys.filter((k) => k.startsWith(prefix) && k > after).sort();
    const page = matching.slice(0, limit);
    const items: ObjectInfo[] = [];
    for (const key of page) {
      const info = await this.head(key);
      if (info) items.push(info);
    }
    // (Names that are not valid keys are left out by #walk: the folder watch handles them.)
    const last = page.at(-1);
    return matching.length > limit && last !== undefined
      ? { items, cursor: Buffer.from(last, 'utf8').toString('base64url') }
      : { items };
  }

  async #walk(relDir: string, out: string[]): Promise<void> {
    const abs = relDir === '' ? this.root : join(this.root, ...relDir.split('/'));
    let entries;
    try {
      entries = await this.#fs.readdir(abs, { withFileTypes: true });
    } catch (err) {
      if (isMissing(err)) return;
      throw err;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue; // temp folder, editor swap files
      const rel = relDir === '' ? entry.name : `${relDir}/${entry.name}`;
      if (entry.isDirectory()) await this.#walk(rel, out);
      else if (entry.isFile() && !entry.name.includes(sep) && isValidKey(rel)) out.push(rel);
    }
  }

  async createUpload(key: string, options: CreateUploadOptions): Promise<UploadTarget> {
    validateKey(key);
    if (options.contentTypes.length === 0) throw new ValidationError('createUpload needs at least one content type');
    const expiresAt = this.#now() + options.expiresInSeconds * 1000;
    const { policy, signature } = signUploadPolicy(this.#secret, {
      key,
      contentTypes: [...options.contentTypes],
      maxBytes: options.maxBytes,
      expiresAt,
    });
    const fields: Record<string, string> = { key, policy, signature };
    // Like the S3 adapter: a single accepted type is pinned as a field the client sends back.
    if (options.contentTypes.length === 1) fields['Content-Type'] = options.contentTypes[0]!;
    return {
      url: this.#uploadUrl(),
      method: 'POST',
      fields,
      expiresAt: new Date(expiresAt).toISOString(),
      maxBytes: options.maxBytes,
    };
  }
}
