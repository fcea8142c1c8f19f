/**
 * A JSON-lines logger for the local runner, implementing the Log port: one object per line
 * with timestamp, level, service and message. Every string value passes through
 * `redactPans` on the way out, so even a careless call site cannot print a full card number.
 */
import type { Log } from '../core/log.js';
import { redactPans } from '../core/mask.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface JsonLogOptions {
  readonly level?: LogLevel;
  readonly service?: string;
  /** Where lines go (default: stdout). */
  readonly sink?: (line: string) => void;
  /** Fields added to every line. */
  readonly base?: Record<string, unknown>;
}

function clean(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactPans(value);
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { name: value.name, message: redactPans(value.message), ...(typeof code === 'string' ? { code } : {}) };
  }
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => clean(v, depth + 1));
  if (value instanceof Uint8Array) return `[${value.byteLength} bytes]`;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clean(v, depth + 1)]));
}

/** Creates a JSON-lines {@link Log}. */
export function createJsonLog(options: JsonLogOptions = {}): Log {
  const min = RANK[options.level ?? 'info'];
  const service = options.service ?? 'cardocr';
  const sink = options.sink ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const base = options.base ?? {};
  const write =
    (level: Exclude<LogLevel, 'silent'>) =>
    (message: string, ...extra: Array<Record<string, unknown> | Error>): void => {
      if (RANK[level] < min) return;
      const fields: Record<string, unknown> = {};
      for (const e of extra) {
        if (e instanceof Error) fields['error'] = e;
        else Object.assign(fields, e);
      }
      const entry = { timestamp: new Date().toISOString(), level, service, message, ...base, ...fields };
      sink(JSON.stringify(clean(entry)));
    };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
