/**
 * Typed errors of the domain. Each carries a stable machine-readable `code`; the edges
 * (HTTP API, batch item failures, record status, CLI output) map codes once, in one place.
 * Messages say what was expected and what arrived, and are passed through `redactPans`
 * so no error can carry a full card number.
 */
import { redactPans } from './mask.js';

/** Every error code the pipeline reports. */
export const ERROR_CODES = [
  // Input image problems (the scan fails, the input is not retried).
  'invalid_image',
  'unsupported_format',
  'too_large',
  'timeout',
  // Content problems.
  'no_card',
  'ocr_failed',
  // API and storage.
  'validation',
  'unauthorized',
  'not_found',
  'method_not_allowed',
  'conflict',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
  // The runtime cannot take the request now (load shed: queue at its cap, database locked); retry later.
  'service_unavailable',
  'dead_lettered',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Base class of every error the pipeline raises on purpose. */
export class CardOcrError extends Error {
  readonly code: ErrorCode;
  /** Whether retrying the same work could succeed (transient), as opposed to bad input. */
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(redactPans(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
  }

  /** The `{code, message}` pair shown to users and stored on failed records. */
  toJSON(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** The input bytes are not an image this pipeline accepts (corrupt, wrong type, too big, too slow). */
export class ImageInputError extends CardOcrError {
  constructor(
    code: 'invalid_image' | 'unsupported_format' | 'too_large' | 'timeout',
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(code, message, options);
  }
}

/** The image decoded fine but holds no payment card. */
export class NoCardError extends CardOcrError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('no_card', message, options);
  }
}

/** OCR engine failure (worker crashed, could not load language data). Retryable. */
export class OcrEngineError extends CardOcrError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('ocr_failed', message, { ...options, retryable: true });
  }
}

/** A request or event did not match its schema. */
export class ValidationError extends CardOcrError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('validation', message, options);
  }
}

/** A record or object that was asked for does not exist. */
export class NotFoundError extends CardOcrError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('not_found', message, options);
  }
}

/** A conditional write lost: the record exists already or is not in the expected state. */
export class ConflictError extends CardOcrError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('conflict', message, options);
  }
}

/**
 * Converts anything thrown into a CardOcrError without leaking internals: unknown errors
 * become `internal` with a generic message (the original is kept as `cause` for logs).
 */
export function toCardOcrError(err: unknown): CardOcrError {
  if (err instanceof CardOcrError) return err;
  return new CardOcrError('internal', 'unexpected internal error', { cause: err, retryable: true });
}
