/**
 * Watches the bucket folder's `uploads/` for photos, the local stand-in for the S3 upload
 * notification. One periodic pass over the folder (also run shortly after any chokidar
 * event, so drops are picked up promptly) decides for each entry:
 * - a temp name (`*.part`, `*.crdownload`, rsync's `.name.XXXXXX`, `~` backups...) is
 *   another program's write in progress: left alone, removed once older than the orphan age;
 * - a file is taken only when its mtime has held for `stableMs` (default 2 s), so a writer
 *   that pauses mid-copy is not read half-written; a file renamed into place (its ctime, set
 *   by the rename, well after its mtime) is taken at once;
 * - a name that is no valid object key (control characters, a leading dot, a backslash) is
 *   renamed to a cleaned name (logged once, masked) and then processed like any photo: the
 *   folder never blocks on one odd name and never silently keeps a photo;
 * - something that is not a regular file (a symlink, a FIFO) is recorded `failed` with code
 *   `validation` and removed (never followed or read);
 * - a photo whose scan already ended is either a re-drop (written after the scan ended: a new
 *   photo, renamed `name-2.jpg` and processed under a new record) or the leftover of a delete
 *   that failed (removed now);
 * - while the queue is over its cap, new photos wait in the folder.
 * Reporting an object twice is harmless: the intake dedupes on key + etag.
 */
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { isValidKey, type FolderEntry, type FsObjectStore } from '../adapters/local/fs-object-store.js';
import type { Log } from '../core/log.js';
import { redactPans } from '../core/mask.js';
import type { StageObject } from '../core/stages.js';

/** What the pipeline knows of a stable, validly named photo. */
export type UploadState = { readonly state: 'new' | 'in_flight' } | { readonly state: 'final'; readonly finishedAt: number };

export interface BucketWatcherOptions {
  readonly store: FsObjectStore;
  /** Prefix to report, e.g. `uploads/`. */
  readonly prefix: string;
  /** Called for each complete object; may be called again for the same object. */
  readonly onObject: (obj: StageObject) => Promise<void>;
  /** Where the photo's scan stands (see {@link UploadState}). */
  readonly classify: (obj: StageObject) => Promise<UploadState>;
  /**
   * Records an entry that cannot be a photo (not a regular file) as failed; `key` is a cleaned
   * name for the record, `identity` stays the same for the same entry (so a pass that could
   * not remove it does not record it twice).
   */
  readonly refuse: (key: string, identity: string, message: string) => Promise<void>;
  /** Whether new photos should wait in the folder (the queue is over its cap). */
  readonly full?: () => Promise<boolean>;
  readonly log: Log;
  /** Safety-net listing period, ms (default 2000). */
  readonly scanIntervalMs?: number;
  /** How long a file's mtime must hold before it counts as complete, ms (default 2000). */
  readonly stableMs?: number;
  /** Age after which a temp-named file is removed as abandoned, ms (default 1 h). */
  readonly orphanMaxAgeMs?: number;
  readonly now?: () => number;
}

/** Names other programs give files they are still writing. */
const TEMP_NAME = [
  /\.(part|partial|tmp|temp|crdownload|download|filepart|opdownload|swp|swx|lock)$/i,
  /~$/,
  /^\.~lock\./,
  /^\.#/,
  /^~\$/,
  // rsync: `.<name>.<6 random chars>`
  /^\..+\.[A-Za-z0-9]{6}$/,
];

/** Whether a file name (last path segment) is a temp name of a write in progress. */
export function isTempName(name: string): boolean {
  return TEMP_NAME.some((re) => re.test(name));
}

/**
 * A valid object key for an entry whose path is not one: control characters, backslashes
 * and leading dots become `_`, over-long segments are cut, and a card-number-like run is
 * masked (the file is renamed anyway, so the new name need not carry the number). Keeps the
 * name recognisable.
 */
export function cleanKey(path: string): string {
  const segs = path.split('/').map((seg) => {
    // Masked before the cut: a cut through a number would leave runs too short for the mask.
    // eslint-disable-next-line no-control-regex
    let s = redactPans(seg.replace(/[\u0000-\u001f\u007f\\]/g, '_').replace(/^\.+/, (dots) => '_'.repeat(dots.length)));
    if (s === '') s = '_';
    if (s.length > 200) s = s.slice(0, 100) + '_' + s.slice(-99);
    return s;
  });
  const key = segs.join('/');
  return isValidKey(key) ? key : `${segs[0] ?? 'uploads'}/unnamed-${Date.now()}`;
}

/** `uploads/card.jpg` → `uploads/card-<n>.jpg`. */
export function variantKey(key: string, n: number): string {
  const slash = key.lastIndexOf('/');
  const dot = key.lastIndexOf('.');
  return dot > slash + 1 ? `${key.slice(0, dot)}-${n}${key.slice(dot)}` : `${key}-${n}`;
}

// Masked before it is cut (a cut through a number would leave a run too short for the mask) and
// before it is quoted: JSON escapes a tab between digit groups as `\t`, which would hide the run from the mask.
const shown = (path: string) => JSON.stringify(redactPans(path).slice(0, 120));

/** Reports complete objects under the watched prefix of a filesystem bucket. */
export class BucketWatcher {
  readonly #o: BucketWatcherOptions;
  readonly #dir: string;
  readonly #now: () => number;
  #watcher: FSWatcher | null = null;
  #interval: NodeJS.Timeout | null = null;
  #soon: NodeJS.Timeout | null = null;
  #scanning: Promise<void> | null = null;
  #again = false;
  #stopped = false;
  /** Paths already logged about (log once per entry, not once per pass). */
  readonly #logged = new Set<string>();
  #heldBack = false;

  constructor(options: BucketWatcherOptions) {
    this.#o = options;
    this.#dir = join(options.store.root, ...options.prefix.split('/').filter(Boolean));
    this.#now = options.now ?? Date.now;
  }

  get #stableMs(): number {
    return this.#o.stableMs ?? 2000;
  }

  async start(): Promise<void> {
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    // Folders made by hand (or by older runs) get owner-only too: they hold card photos.
    for (const d of [this.#o.store.root, this.#dir]) {
      await chmod(d, 0o700).catch((err: unknown) =>
        this.#o.log.warn('could not make a bucket folder owner-only; check the data dir mount', { error: err as Error }),
      );
    }
    // chokidar only says "something changed": the pass decides, after the stability window.
    const watcher = watch(this.#dir, { ignoreInitial: true });
    watcher.on('all', () => this.#scheduleSoon());
    watcher.on('error', (err) => this.#o.log.warn('folder watch failed; relying on the periodic scan', { error: err as Error }));
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    this.#watcher = watcher;
    await this.scan();
    this.#interval = setInterval(() => void this.scan(), this.#o.scanIntervalMs ?? 2000);
    this.#interval.unref();
  }

  #scheduleSoon(): void {
    if (this.#soon || this.#stopped) return;
    this.#soon = setTimeout(() => {
      this.#soon = null;
      void this.scan();
    }, this.#stableMs + 50);
    this.#soon.unref();
  }

  #logOnce(path: string, message: string, extra: Record<string, unknown> = {}): void {
    if (this.#logged.has(path)) return;
    this.#logged.add(path);
    this.#o.log.warn(message, { name: shown(path), ...extra });
  }

  /** One full pass over the prefix (also run periodically). Never throws; a failed pass is logged and retried next time. */
  scan(): Promise<void> {
    if (this.#scanning) {
      this.#again = true;
      return this.#scanning;
    }
    this.#scanning = (async () => {
      try {
        do {
          this.#again = false;
          await this.#pass();
        } while (this.#again && !this.#stopped);
      } catch (err) {
        this.#o.log.warn('bucket scan failed; retrying on the next pass', { error: err as Error });
      } finally {
        this.#scanning = null;
      }
    })();
    return this.#scanning;
  }

  async #pass(): Promise<void> {
    const entries = await this.#o.store.entries(this.#o.prefix);
    const present = new Set(entries.map((e) => e.path));
    for (const path of this.#logged) if (!present.has(path)) this.#logged.delete(path);
    let full: boolean | null = null;
    for (const entry of entries) {
      if (this.#stopped) return;
      try {
        full = await this.#entry(entry, full);
      } catch (err) {
        // One entry's trouble (gone meanwhile, a storage fault) never stops the others.
        this.#logOnce(entry.path, 'could not hand a file in the folder to the pipeline; retrying on the next pass', {
          error: err as Error,
        });
      }
    }
  }

  /** Handles one entry; returns the (lazily computed) queue-full flag for the rest of the pass. */
  async #entry(entry: FolderEntry, fullIn: boolean | null): Promise<boolean | null> {
    const now = this.#now();
    const name = entry.path.slice(entry.path.lastIndexOf('/') + 1);
    const age = now - entry.mtimeMs;
    if (isTempName(name)) {
      if (age > (this.#o.orphanMaxAgeMs ?? 3_600_000)) {
        await this.#o.store.removeEntry(entry.path);
        this.#o.log.warn('removed an abandoned temp file from the folder', { name: shown(entry.path), ageS: Math.round(age / 1000) });
      }
      return fullIn;
    }
    // Renamed into place: the rename set ctime, the (finished) write left mtime well before it.
    // `cp -p` looks the same once done (it sets the old mtime after the last byte).
    const renamedIn = entry.ctimeMs - entry.mtimeMs >= 50;
    if (age < this.#stableMs && !renamedIn) {
      this.#scheduleSoon(); // still being written: look again once the window has passed
      return fullIn;
    }
    if (entry.kind !== 'file') {
      const key = cleanKey(entry.path);
      const what = entry.kind === 'symlink' ? 'a symbolic link' : 'not a regular file';
      await this.#o.refuse(key, `${entry.path}\0${entry.ctimeMs}`, `expected a photo file in the folder, got ${what}; copy the photo itself into uploads/`);
      await this.#o.store.removeEntry(entry.path);
      this.#o.log.warn('refused a folder entry that is not a regular file', { name: shown(entry.path), kind: entry.kind });
      return fullIn;
    }
    let key = entry.path;
    if (!entry.validKey) {
      key = await this.#adoptFree(entry.path, cleanKey(entry.path));
      this.#o.log.warn('renamed a photo whose name is not a valid object key', { name: shown(entry.path), key: redactPans(key) });
    }
    let info = await this.#o.store.head(key);
    if (!info) return fullIn;
    const state = await this.#o.classify({ key: info.key, size: info.size, etag: info.etag });
    if (state.state === 'in_flight') return fullIn;
    if (state.state === 'final') {
      if (entry.ctimeMs > state.finishedAt) {
        // Written after its namesake's scan ended: a new photo (a re-drop), under a new name.
        key = await this.#adoptFree(key, key);
        this.#o.log.info('a photo was dropped again after its scan ended; processing it as a new photo', { key: redactPans(key) });
        info = await this.#o.store.head(key);
        if (!info) return fullIn;
      } else {
        // Its scan ended but the delete did not happen (a storage fault at the time): tidy up now.
        await this.#o.store.delete(key);
        this.#o.log.info('removed the photo of a finished scan', { key: redactPans(key) });
        return fullIn;
      }
    }
    const full = fullIn ?? (await this.#o.full?.()) ?? false;
    if (full) {
      if (!this.#heldBack) this.#o.log.warn('queue is full: new photos wait in the folder until there is room');
      this.#heldBack = true;
      return full;
    }
    this.#heldBack = false;
    await this.#o.onObject({ key: info.key, size: info.size, etag: info.etag });
    return full;
  }

  /** Renames `path` to `key`, or to `key-2`, `key-3`... when taken (`path === key` always takes a variant). */
  async #adoptFree(path: string, key: string): Promise<string> {
    for (let n = path === key ? 2 : 1; n < 1000; n++) {
      const target = n === 1 ? key : variantKey(key, n);
      if (await this.#o.store.adopt(path, target)) return target;
    }
    throw new Error(`no free name near ${redactPans(key).slice(0, 80)} after 1000 tries`);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#interval) clearInterval(this.#interval);
    if (this.#soon) clearTimeout(this.#soon);
    await this.#watcher?.close();
    await this.#scanning;
  }
}
