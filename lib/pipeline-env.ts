/**
 * Environment variable names the construct sets on the functions: the runtime's own
 * declarations (`functions/core/env-names.ts`, a dependency-free module), so a renamed
 * variable cannot drift between the config loader and the stack.
 */
export { ENV, METRICS_NAMESPACE, POWERTOOLS_ENV } from '../functions/core/env-names.js';

/** Node's own options variable (source maps in stack traces). */
export const NODE_OPTIONS = 'NODE_OPTIONS';

/**
 * onnxruntime-node's own switch for the telemetry SDK its Linux build carries (Microsoft 1DS):
 * unset, creating a session writes `.ses` and `mat-debug-<pid>.log` into TMPDIR and starts an
 * uploader. The read function must neither leave files in /tmp nor talk to third parties.
 */
export const ORT_DISABLE_TELEMETRY = 'ORT_DISABLE_TELEMETRY';
