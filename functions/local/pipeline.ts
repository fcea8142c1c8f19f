/** Alias of the local runner's entry (some callers import it by this name). */
export * from './index.js';
