/**
 * The one logger of both runtimes: Powertools Logger (JSON lines with timestamp, level,
 * service, message, and the Lambda context where there is one) with one redacting formatter.
 * Every string that reaches a line — message, fields, error messages and stacks — passes
 * through `redactPans`, so even a careless call site cannot print a full card number; byte
 * arrays print as their length, never their content.
 */
import { LogFormatter, LogItem, Logger } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import type { Log } from '../../core/log.js';
import { redactPans } from '../../core/mask.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** Masks card-number-like runs in every string of a log value, to a bounded depth. */
function redactLogValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactPans(value);
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { name: value.name, message: redactPans(value.message), ...(typeof code === 'string' ? { code } : {}) };
  }
  if (typeof value === 'number' || typeof value === 'bigint') {
    // A card number logged as a number is still a card number.
    const text = String(value);
    const masked = redactPans(text);
    return masked === text ? value : masked;
  }
  if (value === null || typeof value !== 'object') return value;
  // Deeper than any field the project logs: never let it through unread.
  if (depth > 6) return '[nested too deep to log]';
  if (value instanceof Uint8Array) return `[${value.byteLength} bytes]`;
  if (Array.isArray(value)) return value.map((v) => redactLogValue(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactLogValue(v, depth + 1)]));
}

/** Powertools' standard keys, with every attribute redacted on the way out. */
class RedactingLogFormatter extends LogFormatter {
  override formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const ctx = attributes.lambdaContext;
    const base: LogAttributes = {
      level: attributes.logLevel,
      message: redactPans(attributes.message),
      timestamp: this.formatTimestamp(attributes.timestamp),
      service: attributes.serviceName,
      ...(ctx
        ? {
            cold_start: ctx.coldStart,
            function_name: ctx.functionName,
            function_request_id: ctx.awsRequestId,
          }
        : {}),
      ...(attributes.xRayTraceId ? { xray_trace_id: attributes.xRayTraceId } : {}),
    };
    return new LogItem({ attributes: base }).addAttributes(redactLogValue(additional) as LogAttributes);
  }

  override formatError(error: Error): LogAttributes {
    const formatted = super.formatError(error);
    return redactLogValue(formatted) as LogAttributes;
  }
}

export interface PowertoolsLogOptions {
  readonly service: string;
  readonly level?: LogLevel;
  /** Fields added to every line. */
  readonly base?: Record<string, string | number | boolean>;
  /**
   * Where each JSON line goes. Default (Lambda): Powertools' console (warnings and errors on
   * stderr). The local runner passes stdout so its log is one stream of JSON lines; tests
   * pass a collector.
   */
  readonly sink?: (line: string) => void;
}

/** Powertools Logger writing each line to a sink instead of its console. */
class SinkLogger extends Logger {
  sink?: (line: string) => void;

  protected override printLog(_level: number, log: LogItem): void {
    log.prepareForPrint();
    const line = JSON.stringify(log.getAttributes(), this.getJsonReplacer());
    // Set right after construction; anything logged by the constructor itself goes to stderr.
    if (this.sink) this.sink(line);
    else process.stderr.write(`${line}\n`);
  }
}

/** A Powertools Logger with the redacting formatter. */
export function createPowertoolsLogger(options: PowertoolsLogOptions): Logger {
  const settings = {
    serviceName: options.service,
    logLevel: (options.level ?? 'info').toUpperCase() as 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT',
    logFormatter: new RedactingLogFormatter(),
    ...(options.base ? { persistentKeys: options.base } : {}),
  };
  if (!options.sink) return new Logger(settings);
  const logger = new SinkLogger(settings);
  logger.sink = options.sink;
  return logger;
}

/** Adapts a Powertools logger to the core's Log port (same call shape, narrower types). */
export function logFromLogger(logger: Logger): Log {
  type Extra = Array<Record<string, unknown> | Error>;
  const call = (fn: (msg: string, ...extra: never[]) => void) => (message: string, ...extra: Extra) =>
    fn.call(logger, message, ...(extra as never[]));
  return {
    debug: call(logger.debug),
    info: call(logger.info),
    warn: call(logger.warn),
    error: call(logger.error),
  };
}

/** The Log port over a fresh redacting Powertools logger (local runner, CLI, tools). */
export function createLog(options: PowertoolsLogOptions): Log {
  return logFromLogger(createPowertoolsLogger(options));
}
