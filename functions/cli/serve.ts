/**
 * `cardocr serve [--port N] [--data-dir DIR] [--concurrency N] [--host H]`: starts the local
 * pipeline (functions/local) and runs until SIGINT/SIGTERM. Flags override the local runner's
 * configuration (PORT, CARDOCR_DATA_DIR, CARDOCR_CONCURRENCY, CARDOCR_HOST), which
 * startLocalPipeline reads for everything not given here; it also prints the start-up banner.
 */
import { parseCliArgs, positiveInt, UsageError } from './usage.js';

/** `serve` options given on the command line (absent = the configured default). */
export interface ServeOptions {
  port?: number;
  dataDir?: string;
  concurrency?: number;
  host?: string;
}

/** Parses `serve` arguments. Throws UsageError. */
export function parseServeArgs(argv: readonly string[]): ServeOptions {
  const { values, positionals } = parseCliArgs(argv, {
    port: { type: 'string' },
    'data-dir': { type: 'string' },
    concurrency: { type: 'string' },
    host: { type: 'string' },
  });
  if (positionals.length > 0) throw new UsageError(`serve takes no arguments, got "${positionals.join(' ')}"`);
  const opts: ServeOptions = {};
  if (values.port !== undefined) {
    if (!/^\d+$/.test(values.port) || Number(values.port) > 65535) {
      throw new UsageError(`--port must be a whole number from 0 to 65535, got "${values.port}"`);
    }
    opts.port = Number(values.port);
  }
  if (values['data-dir'] !== undefined) opts.dataDir = values['data-dir'];
  const concurrency = positiveInt(values.concurrency, '--concurrency', 64);
  if (concurrency !== undefined) opts.concurrency = concurrency;
  if (values.host !== undefined) opts.host = values.host;
  return opts;
}

/** Starts the local pipeline and resolves with the exit code once a signal has stopped it. */
export async function runServe(argv: readonly string[]): Promise<number> {
  const opts = parseServeArgs(argv);
  const { startLocalPipeline } = await import('../local/index.js');
  const pipeline = await startLocalPipeline(opts);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await pipeline.close();
  return 0;
}
