/**
 * The one place where errors become HTTP responses: typed errors keep their code and
 * message, Hono's own HTTP errors (bad JSON, wrong media type, body too large) get the
 * matching code, anything else becomes a generic 500 with no internals.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { CardOcrError, type ErrorCode, toCardOcrError } from '../../core/errors.js';
import { redactPans } from '../../core/mask.js';
import type { Log } from '../../core/log.js';

/** HTTP status for each error code. */
const STATUS_BY_CODE: Readonly<Record<ErrorCode, ContentfulStatusCode>> = {
  invalid_image: 400,
  unsupported_format: 415,
  too_large: 413,
  timeout: 500,
  no_card: 422,
  ocr_failed: 500,
  validation: 400,
  unauthorized: 401,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  service_unavailable: 503,
  dead_lettered: 500,
  internal: 500,
};

const CODE_BY_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: 'validation',
  401: 'unauthorized',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'service_unavailable',
};

/** Bytes per MB as the API, the page and the reader state limits (1 MB = 1,048,576 bytes). */
export const BYTES_PER_MB = 1024 * 1024;

/** A size limit in MB, as users read it (`15`, or `15.5` for a limit that is not whole). */
export function limitMB(bytes: number): number {
  return Math.round((bytes / BYTES_PER_MB) * 10) / 10;
}

/** A size limit in words, the same figure everywhere: `15 MB (15728640 bytes)`. */
export function describeLimit(bytes: number): string {
  return `${limitMB(bytes)} MB (${bytes} bytes)`;
}

/** The `{error: {code, message}}` response for an error code; the message is PAN-redacted. */
export function errorResponse(c: Context, code: ErrorCode, message: string, headers?: Record<string, string>): Response {
  return c.json({ error: { code, message: redactPans(message) } }, STATUS_BY_CODE[code], headers);
}

/**
 * 405 for a path the app serves with other methods, with `Allow` listing them (HEAD comes
 * with GET: Hono answers HEAD from the GET handler).
 */
export function methodNotAllowed(c: Context, allowed: readonly string[]): Response {
  const methods = [...new Set(allowed.flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m])))].sort();
  const path = new URL(c.req.url).pathname;
  return errorResponse(c, 'method_not_allowed', `${c.req.method} is not allowed on ${path}; use ${methods.join(', ')}`, {
    Allow: methods.join(', '),
  });
}

/** Converts anything thrown by a route into an error response; logs only server-side faults. */
export function toErrorResponse(err: unknown, c: Context, log: Log): Response {
  if (err instanceof HTTPException) {
    // A middleware that built its own response (bearer auth's 401 with WWW-Authenticate) answers as is.
    if (err.res) return err.getResponse();
    if (err.status === 415) {
      // Hono's JSON validator refused the body's type: name the one the API takes.
      const got = c.req.header('content-type') ?? 'none';
      return errorResponse(c, 'unsupported_media_type', `expected Content-Type: application/json, got ${got}`);
    }
    const code = CODE_BY_STATUS[err.status];
    if (code) return errorResponse(c, code, err.message || 'request rejected');
  }
  const typed = toCardOcrError(err);
  const status = STATUS_BY_CODE[typed.code];
  if (err instanceof CardOcrError && err.retryable && status >= 500) {
    // A fault its raiser marked transient (the database locked past the request's wait, a
    // throttled dependency): the same request will work soon, so say so, as load shedding does.
    // (toCardOcrError's wrapping of an unknown error is retryable too, but is no such fault.)
    log.warn('api request hit a transient fault', { code: typed.code, method: c.req.method, route: c.req.routePath, errorName: err.name });
    return errorResponse(c, 'service_unavailable', 'the service could not finish this request now; try again in 5 s', { 'Retry-After': '5' });
  }
  if (status >= 500) {
    // Log the code, route and error class; never the request body. The cause stays server-side.
    log.error('api request failed', {
      code: typed.code,
      method: c.req.method,
      route: c.req.routePath,
      errorName: err instanceof Error ? err.name : typeof err,
      // Messages are redacted: a driver error could quote a value it choked on.
      errorMessage: err instanceof Error ? redactPans(err.message) : undefined,
    });
    return errorResponse(c, typed.code === 'internal' ? 'internal' : typed.code, 'internal error');
  }
  return errorResponse(c, typed.code, typed.message);
}
