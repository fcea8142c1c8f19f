/**
 * Watches the bucket folder for objects that trigger a stage (`uploads/`, `processed/`):
 * `fs.watch` for prompt notice plus a periodic scan as the safety net (watch events can be
 * dropped, coalesced or missed while the runner was down). A file is only reported once it
 * is complete: the store's own writes are atomic renames, but a photo being copied in by
 * another program grows for a while, so a file must keep the same size and mtime for
 * `stableMs` before it counts.
 */
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { validateKey, type FsObjectStore } from '../adapters/local/fs-object-store.js';
import type { Log } from '../core/log.js';
import { redactPans } from '../core/mask.js';
import type { StageObject } from '../core/stages.js';

export interface BucketWatcherOptions {
  readonly store: FsObjectStore;
  /** Prefixes to report, e.g. `uploads/` and `processed/`. */
  readonly prefixes: readonly string[];
  /** Called for each complete object; may be called again for the same object. */
  readonly onObject: (obj: StageObject) => Promise<void>;
  readonly log: Log;
  /** Full rescan period, ms (default 2000). */
  readonly scanIntervalMs?: number;
  /** How long a file must stay unchanged to count as complete, ms (default 500). */
  readonly stableMs?: number;
}

interface Seen {
  size: number;
  mtimeMs: number;
  /** When this size/mtime was first observed. */
  since: number;
  /** Already handed to onObject in this version. */
  reported: boolean;
}

/** Reports complete objects under the watched prefixes of a filesystem bucket. */
export class BucketWatcher {
  readonly #o: BucketWatcherOptions;
  readonly #seen = new Map<string, Seen>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #watcher: FSWatcher | null = null;
  #interval: NodeJS.Timeout | null = null;
  #scanning: Promise<void> | null = null;
  #stopped = false;

  constructor(options: BucketWatcherOptions) {
    this.#o = options;
  }

  async start(): Promise<void> {
    for (const p of this.#o.prefixes) await mkdir(join(this.#o.store.root, ...p.split('/').filter(Boolean)), { recursive: true });
    try {
      this.#watcher = watch(this.#o.store.root, { recursive: true }, (_event, filename) => {
        if (filename) this.#check(String(filename).split(sep).join('/'));
      });
      this.#watcher.on('error', (err) => {
        this.#o.log.warn('folder watch failed; relying on the periodic scan', { error: err });
        this.#watcher?.close();
        this.#watcher = null;
      });
    } catch (err) {
      this.#o.log.warn('folder watch unavailable; relying on the periodic scan', { error: err as Error });
    }
    await this.scan();
    this.#interval = setInterval(() => void this.scan(), this.#o.scanIntervalMs ?? 2000);
    this.#interval.unref();
  }

  /** One full pass over the watched prefixes (also run periodically). */
  scan(): Promise<void> {
    this.#scanning ??= (async () => {
      try {
        const present = new Set<string>();
        for (const prefix of this.#o.prefixes) {
          let cursor: string | undefined;
          do {
            const page = await this.#o.store.list(prefix, { limit: 1000, ...(cursor ? { cursor } : {}) });
            for (const item of page.items) {
              present.add(item.key);
              this.#check(item.key);
            }
            cursor = page.cursor;
          } while (cursor && !this.#stopped);
        }
        for (const key of this.#seen.keys()) if (!present.has(key)) this.#seen.delete(key);
      } catch (err) {
        this.#o.log.warn('bucket scan failed', { error: err as Error });
      } finally {
        this.#scanning = null;
      }
    })();
    return this.#scanning;
  }

  #check(key: string): void {
    if (this.#stopped || !this.#o.prefixes.some((p) => key.startsWith(p))) return;
    try {
      validateKey(key);
    } catch {
      return; // temp files, dot files, odd names: not objects
    }
    void this.#observe(key);
  }

  async #observe(key: string): Promise<void> {
    let st;
    try {
      st = await stat(join(this.#o.store.root, ...key.split('/')));
    } catch {
      this.#seen.delete(key);
      return;
    }
    if (!st.isFile()) return;
    const now = Date.now();
    const stableMs = this.#o.stableMs ?? 500;
    const prev = this.#seen.get(key);
    if (!prev || prev.size !== st.size || prev.mtimeMs !== st.mtimeMs) {
      this.#seen.set(key, { size: st.size, mtimeMs: st.mtimeMs, since: now, reported: false });
      this.#recheck(key, stableMs);
      return;
    }
    if (prev.reported) return;
    if (now - prev.since < stableMs || now - st.mtimeMs < stableMs) {
      this.#recheck(key, stableMs);
      return;
    }
    prev.reported = true;
    try {
      const info = await this.#o.store.head(key);
      if (info) await this.#o.onObject({ key: info.key, size: info.size, etag: info.etag });
    } catch (err) {
      prev.reported = false; // try again on the next scan
      this.#o.log.warn('could not hand a new object to the pipeline', { key: redactPans(key), error: err as Error });
    }
  }

  #recheck(key: string, ms: number): void {
    if (this.#stopped) return;
    const t = setTimeout(() => {
      this.#timers.delete(t);
      this.#check(key);
    }, ms + 20);
    t.unref();
    this.#timers.add(t);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#watcher?.close();
    if (this.#interval) clearInterval(this.#interval);
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    await this.#scanning;
  }
}
