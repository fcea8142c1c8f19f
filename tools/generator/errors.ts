/** Raised when the generator cannot draw what it was asked for; the message says what to change. */
export class GeneratorError extends Error {
  override readonly name = 'GeneratorError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
