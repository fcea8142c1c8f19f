/**
 * One onnxruntime-node session per model and process, created from verified bytes.
 *
 * onnxruntime-node is imported here, lazily, so a process that never reads a photo with the
 * learned engine never loads its ~25–45 MB native library.
 *
 * Note on timeouts: onnxruntime-node's `run` executes synchronously on the calling thread (the
 * binding defers it with setImmediate, then blocks), so a timer cannot interrupt a run in
 * flight. Each call carries a deadline that is checked before and after every run: a call
 * overruns its budget by at most one run (≈ 0.1–0.5 s here) and then fails with a typed error.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { OcrEngineError } from '../../../core/errors.js';

type Ort = typeof import('onnxruntime-node');

/** Settings of one session. */
export interface OnnxSessionOptions {
  /** Threads inside one operator. Default 1: several photos run in parallel on other workers. */
  readonly threads?: number;
  /** What load errors call the model. Default `PP-OCR model`. */
  readonly label?: string;
  /** What load errors tell the user to do. Default: restore the committed PP-OCR model file from git. */
  readonly restore?: string;
}

/** A loaded model with the one input and one output PP-OCR models have. */
export interface OnnxModel {
  readonly ort: Ort;
  readonly session: InferenceSession;
  readonly inputName: string;
  readonly outputName: string;
}

let ortPromise: Promise<Ort> | undefined;

/** Imports onnxruntime-node once per process; failure is a typed error saying what to do. */
export function loadOrt(): Promise<Ort> {
  ortPromise ??= import('onnxruntime-node').catch((err: unknown) => {
    ortPromise = undefined;
    throw new OcrEngineError(
      `onnxruntime-node could not be loaded on ${process.platform}/${process.arch}: expected its CPU binary in ` +
        `node_modules/onnxruntime-node/bin/napi-v6/${process.platform}/${process.arch}. Reinstall with \`npm ci\`, ` +
        `or bundle that folder with the function.`,
      { cause: err },
    );
  });
  return ortPromise;
}

/** Builds a session from model bytes (already checksum-verified). `fileName` names it in errors. */
export async function createOnnxModel(bytes: Uint8Array, fileName: string, options: OnnxSessionOptions = {}): Promise<OnnxModel> {
  const label = options.label ?? 'PP-OCR model';
  const restore = options.restore ?? 'Restore it from git (functions/adapters/ocr/ppocr/models/, see MODELS.md there).';
  const ort = await loadOrt();
  const threads = Math.max(1, Math.floor(options.threads ?? 1));
  let session: InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, {
      executionProviders: ['cpu'],
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      // Input shapes change with every photo and line batch; memory patterns only pay off for
      // fixed shapes and otherwise keep one plan per shape alive.
      enableMemPattern: false,
      // Several intra-op threads spin-wait between operators by default: on a host shared with
      // other workers (or other processes) the spinning takes the cores the others need
      // (measured here under load: 2 spinning threads read 41 lines in 3.3 s, 1 thread in 0.6 s).
      ...(threads > 1 ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}),
    });
  } catch (err) {
    throw new OcrEngineError(
      `${label} ${fileName} could not be loaded by onnxruntime: expected a valid ONNX model. ${restore}`,
      { cause: err },
    );
  }
  const inputName = session.inputNames[0];
  const outputName = session.outputNames[0];
  if (inputName === undefined || outputName === undefined) {
    await session.release().catch(() => undefined);
    throw new OcrEngineError(`${label} ${fileName} has no input or output: expected one of each.`);
  }
  return { ort, session, inputName, outputName };
}

/** A point in time after which a call gives up; `Infinity` for none. */
export interface Deadline {
  readonly at: number;
  readonly timeoutMs: number;
  readonly what: string;
}

/** A deadline `timeoutMs` from now (none when `timeoutMs` is 0 or not finite). */
export function deadlineIn(timeoutMs: number | undefined, what: string): Deadline {
  const ms = timeoutMs ?? 0;
  return { at: ms > 0 && Number.isFinite(ms) ? performance.now() + ms : Infinity, timeoutMs: ms, what };
}

/** Throws OcrEngineError when the deadline has passed. */
export function checkDeadline(deadline: Deadline): void {
  if (performance.now() > deadline.at) {
    throw new OcrEngineError(
      `${deadline.what} took longer than its ${deadline.timeoutMs} ms budget; the machine may be overloaded ` +
        `(retry, or raise timeoutMs / lower maxSide).`,
    );
  }
}

/**
 * Runs the model on one float32 tensor and returns the output tensor. The caller disposes it
 * (its data is native memory and can be large).
 */
export async function runModel(model: OnnxModel, data: Float32Array, dims: readonly number[], deadline: Deadline): Promise<Tensor> {
  checkDeadline(deadline);
  const input = new model.ort.Tensor('float32', data, dims);
  let out: Tensor | undefined;
  try {
    const result = await model.session.run({ [model.inputName]: input });
    out = result[model.outputName];
  } catch (err) {
    throw new OcrEngineError(`${deadline.what} failed inside onnxruntime (input ${dims.join('×')}).`, { cause: err });
  } finally {
    input.dispose();
  }
  if (!out || out.type !== 'float32') {
    throw new OcrEngineError(`${deadline.what}: expected a float32 output named ${model.outputName}, got ${out?.type ?? 'none'}.`);
  }
  try {
    checkDeadline(deadline);
  } catch (err) {
    out.dispose();
    throw err;
  }
  return out;
}
