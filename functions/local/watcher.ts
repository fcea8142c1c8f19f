/**
 * Watches the bucket folder's `uploads/` for photos, the local stand-in for the S3 upload
 * notification: chokidar reports a file once it is complete (`awaitWriteFinish`: the size has
 * held for `stableMs`, so a photo still being copied in by another program is not read
 * half-written; the store's own writes are atomic renames anyway). A periodic listing is the
 * safety net for what a watch can miss (events dropped, files that arrived while the runner
 * was down are covered by the initial pass). Reporting an object twice is harmless: the
 * intake dedupes on key + etag.
 */
import { mkdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { validateKey, type FsObjectStore } from '../adapters/local/fs-object-store.js';
import type { Log } from '../core/log.js';
import { redactPans } from '../core/mask.js';
import type { StageObject } from '../core/stages.js';

export interface BucketWatcherOptions {
  readonly store: FsObjectStore;
  /** Prefix to report, e.g. `uploads/`. */
  readonly prefix: string;
  /** Called for each complete object; may be called again for the same object. */
  readonly onObject: (obj: StageObject) => Promise<void>;
  readonly log: Log;
  /** Safety-net listing period, ms (default 2000). */
  readonly scanIntervalMs?: number;
  /** How long a file's size must hold before it counts as complete, ms (default 500). */
  readonly stableMs?: number;
}

/** Reports complete objects under the watched prefix of a filesystem bucket. */
export class BucketWatcher {
  readonly #o: BucketWatcherOptions;
  readonly #dir: string;
  #watcher: FSWatcher | null = null;
  #interval: NodeJS.Timeout | null = null;
  #scanning: Promise<void> | null = null;
  #stopped = false;

  constructor(options: BucketWatcherOptions) {
    this.#o = options;
    this.#dir = join(options.store.root, ...options.prefix.split('/').filter(Boolean));
  }

  get #stableMs(): number {
    return this.#o.stableMs ?? 500;
  }

  async start(): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    const watcher = watch(this.#dir, {
      // Files already there are covered by the first scan() below.
      ignoreInitial: true,
      awaitWriteFinish: { stabilityThreshold: this.#stableMs, pollInterval: 100 },
      // The store's temp files and dot files are not objects.
      ignored: (path) => path.split(sep).some((seg) => seg.startsWith('.')),
    });
    const onFile = (path: string) => this.#report(this.#keyOf(path));
    watcher.on('add', onFile).on('change', onFile);
    watcher.on('error', (err) => this.#o.log.warn('folder watch failed; relying on the periodic scan', { error: err as Error }));
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    this.#watcher = watcher;
    await this.scan();
    this.#interval = setInterval(() => void this.scan(), this.#o.scanIntervalMs ?? 2000);
    this.#interval.unref();
  }

  #keyOf(path: string): string {
    return `${this.#o.prefix}${relative(this.#dir, path).split(sep).join('/')}`;
  }

  /** One full pass over the prefix (also run periodically): reports files that have stopped changing. */
  scan(): Promise<void> {
    this.#scanning ??= (async () => {
      try {
        let cursor: string | undefined;
        do {
          const page = await this.#o.store.list(this.#o.prefix, { limit: 1000, ...(cursor ? { cursor } : {}) });
          for (const item of page.items) {
            // Still growing (a copy in progress): the watch reports it once it settles.
            if (Date.now() - item.lastModified.getTime() >= this.#stableMs) await this.#report(item.key);
          }
          cursor = page.cursor;
        } while (cursor && !this.#stopped);
      } catch (err) {
        this.#o.log.warn('bucket scan failed', { error: err as Error });
      } finally {
        this.#scanning = null;
      }
    })();
    return this.#scanning;
  }

  async #report(key: string): Promise<void> {
    if (this.#stopped) return;
    try {
      validateKey(key);
    } catch {
      return; // odd names: not objects
    }
    try {
      const st = await stat(join(this.#o.store.root, ...key.split('/')));
      if (!st.isFile()) return;
      const info = await this.#o.store.head(key);
      if (info) await this.#o.onObject({ key: info.key, size: info.size, etag: info.etag });
    } catch (err) {
      // Gone meanwhile, or the queue is busy: the next scan tries again.
      this.#o.log.warn('could not hand a new object to the pipeline', { key: redactPans(key), error: err as Error });
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#interval) clearInterval(this.#interval);
    await this.#watcher?.close();
    await this.#scanning;
  }
}
