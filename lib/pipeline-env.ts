/**
 * Environment variable names the construct sets on the functions: the runtime's own
 * declarations (`functions/core/env-names.ts`, a dependency-free module), so a renamed
 * variable cannot drift between the config loader and the stack.
 */
export { ENV, METRICS_NAMESPACE, POWERTOOLS_ENV } from '../functions/core/env-names.js';

/** Node's own options variable (source maps in stack traces). */
export const NODE_OPTIONS = 'NODE_OPTIONS';
