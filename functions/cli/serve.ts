/**
 * `cardocr serve [--port N] [--data-dir DIR] [--concurrency N] [--host H]`: starts the local
 * pipeline (functions/local) and runs until SIGINT/SIGTERM. Flags override the local runner's
 * configuration (PORT, CARDOCR_DATA_DIR, CARDOCR_CONCURRENCY, CARDOCR_HOST), which
 * startLocalPipeline reads for everything not given here; it also prints the start-up banner.
 */
import type { LocalPipeline, StartLocalPipelineOptions } from '../local/index.js';
import { parseCliArgs, readerThreadsOption, UsageError } from './usage.js';
import { processMemory } from '../core/reader-memory.js';

/** `serve` options given on the command line (absent = the configured default). */
export interface ServeOptions {
  port?: number;
  dataDir?: string;
  concurrency?: number;
  host?: string;
}

/**
 * Parses `serve` arguments. Throws UsageError, also for a `--concurrency` the memory cannot
 * hold (one reader thread each). `memoryBytes` is the memory the process may use (tests pass their own).
 */
export function parseServeArgs(argv: readonly string[], memoryBytes: number = processMemory()): ServeOptions {
  const { values, positionals } = parseCliArgs(argv, {
    port: { type: 'string' },
    'data-dir': { type: 'string' },
    concurrency: { type: 'string' },
    host: { type: 'string' },
  }, 'serve');
  if (positionals.length > 0) throw new UsageError(`serve takes no arguments, got "${positionals.join(' ')}"`, { command: 'serve' });
  const opts: ServeOptions = {};
  if (values.port !== undefined) {
    if (!/^\d+$/.test(values.port) || Number(values.port) > 65535) {
      throw new UsageError(`--port must be a whole number from 0 to 65535, got "${values.port}"`, { command: 'serve' });
    }
    opts.port = Number(values.port);
  }
  if (values['data-dir'] !== undefined) opts.dataDir = values['data-dir'];
  const concurrency = readerThreadsOption(values.concurrency, 'serve', memoryBytes);
  if (concurrency !== undefined) opts.concurrency = concurrency;
  if (values.host !== undefined) opts.host = values.host;
  return opts;
}

type StartPipeline = (options: StartLocalPipelineOptions) => Promise<LocalPipeline>;

/**
 * A port another program holds is the user's to resolve, not a crash: say which port and
 * address, and how to pick another (a UsageError: exit 2, no stack).
 */
export function portInUse(err: unknown, opts: ServeOptions, env: Record<string, string | undefined>): UsageError | null {
  const e = err as NodeJS.ErrnoException & { port?: number; address?: string };
  if (e?.code !== 'EADDRINUSE' && e?.code !== 'EACCES') return null;
  const port = e.port ?? opts.port ?? (env.PORT ? Number(env.PORT) : 3000);
  const host = e.address ?? opts.host ?? env.CARDOCR_HOST ?? '127.0.0.1';
  const why = e.code === 'EADDRINUSE' ? 'is already in use (another cardocr serve, or another server?)' : 'needs privileges this user lacks';
  const other = port === 65535 || port === 0 ? 3001 : port + 1;
  return new UsageError(`port ${port} on ${host} ${why}: stop that program, or pick another port with --port, e.g. cardocr serve --port ${other} (--port 0 picks a free one)`, {
    cause: err,
    command: 'serve',
    hint: false,
  });
}

/** Starts the local pipeline and resolves with the exit code once a signal has stopped it. */
export async function runServe(
  argv: readonly string[],
  deps: { start?: StartPipeline; env?: Record<string, string | undefined> } = {},
): Promise<number> {
  const opts = parseServeArgs(argv);
  const start: StartPipeline = deps.start ?? (async (o) => (await import('../local/index.js')).startLocalPipeline(o));
  let pipeline: LocalPipeline;
  try {
    pipeline = await start(opts);
  } catch (err) {
    throw portInUse(err, opts, deps.env ?? process.env) ?? err;
  }
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
