/**
 * A one-line progress bar on stderr, drawn only when stderr is a terminal (never in pipes,
 * files or CI logs, where it would only be noise).
 */

/** Where the bar is drawn (process.stderr, or a stand-in in tests). */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(chunk: string): boolean;
}

export interface Progress {
  /** Redraws the bar (throttled) with `done` items finished. */
  tick(done: number): void;
  /** Wipes the bar so a line can be printed on the same terminal; the next tick redraws it. */
  clear(): void;
  /** Wipes the bar for good. */
  done(): void;
}

const noProgress: Progress = { tick() {}, clear() {}, done() {} };

/** A progress bar for `total` items, or a no-op when the stream is not a TTY. */
export function createProgress(stream: ProgressStream, total: number): Progress {
  if (!stream.isTTY || total < 1) return noProgress;
  let last = 0;
  const draw = (done: number): void => {
    const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - 30));
    const filled = Math.round((done / total) * width);
    const pct = String(Math.floor((done / total) * 100)).padStart(3);
    stream.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${pct}% ${done}/${total}`);
  };
  let shown = false;
  draw(0);
  shown = true;
  return {
    tick(done: number) {
      // At most ~20 redraws a second, but always after a clear and for the last item.
      const now = Date.now();
      if (shown && done < total && now - last < 50) return;
      last = now;
      draw(done);
      shown = true;
    },
    clear() {
      if (shown) stream.write('\r\x1b[K');
      shown = false;
    },
    done() {
      stream.write('\r\x1b[K');
    },
  };
}
