/**
 * `npm run train`: the whole recipe of the card-line model in one command.
 *
 *   1. lines       — rendered training and validation crops (tools/train/make-lines.ts, fixed seeds);
 *   2. detector    — crops PP-OCR's detector cuts from generated card photos (tools/train/detector-lines.ts);
 *   3. train       — tools/train/train.py under Debian's /usr/bin/python3 (python3-torch, python3-onnx),
 *                    single-threaded, for a wall-clock budget, on the rendered crops;
 *   4. fine-tune   — the same model, lower learning rate, detector crops mixed in (×4); exports ONNX;
 *   5. install     — copies the model to functions/adapters/ocr/crnn/, writes its checksum to model-file.ts,
 *                    and evaluates it against PP-OCRv4 on held-out generated lines (tools/train/evaluate.ts);
 *   6. model card  — functions/adapters/ocr/crnn/MODEL_CARD.md from the reports.
 *
 * Steps 1–2 run while step 3 trains: the trainer starts once the first crops are written and takes in
 * the growing pack every epoch (train.py reloads it), so rendering costs no extra wall-clock time;
 * fine-tuning waits for the detector crops. The data is deterministic from the seeds; what the
 * trainer has seen by a given minute depends on the machine's load (the budget is wall-clock).
 *
 * Options: `--train-count 20000 --val-count 1500 --det-photos 320 --minutes 45 --finetune-minutes 20 --work .tmp/crnn --skip-lines
 * --real-dev ../shared/corpus/real-dev-v1` (`--real-dev` names the real specimen photos the model is validated
 * on, never trained on; skipped when absent)
 * (`--skip-lines` reuses crops already in the work folder; `--install-from RUN --lines-seconds S` installs,
 * evaluates and describes a model trained earlier by the same steps). Not part of `npm test`.
 *
 * Continuing a model (how card-crnn-v2 was made from card-crnn-v1): `--init V1.pt` starts phase 1 from
 * saved weights instead of random ones, `--lr` sets phase 1's peak learning rate (1.5e-3 from scratch; lower
 * when continuing), `--train-seed` / `--det-seed` render fresh crops the earlier model never saw, `--extra PACK*N`
 * (repeatable) adds packs made earlier to both phases. `--no-install` stops after step 4 and leaves the committed
 * model alone (colleagues may be measuring with it): compare the candidate first, then `--install-from` the run.
 * `--before DIR` (the earlier model's eval/real-dev/train reports) and `--photos FILE` (per-set full-pipeline
 * scores of both models, measured by hand with score-cards.mjs) add a before/after section to the model card.
 *
 * Install stores the weights as float16 (tools/models/convert-crnn.py, compute float32: half the bytes for
 * the read Lambda asset) and keeps the float32 export in the work folder. A model installed under a new name
 * (MODEL_NAME below) also needs, by hand: `git rm` of the old file, lib/lambda-bundling.ts READ_ROOT_FILES, the
 * tests that name the model (test/unit/ppocr-engine.test.ts), and convert-crnn.py's TRAINED_FP32 / defaults.
 *
 * card-crnn-v2 candidate (1 Dec 2026, not installed; MODEL_CARD.md has the numbers): `npm run train -- --skip-lines
 * --no-install --work .tmp/crnn-v2 --init V1.pt --lr 1e-3 --phase1-det 4 --extra '.tmp/crnn/det*2' --extra
 * '.tmp/crnn/det2*2' --minutes 45 --train-seed 20001 --det-seed 500400`, crops rendered beside it by make-lines.ts /
 * detector-lines.ts, fine-tuning (12 min) run by hand with the pipeline's arguments.
 *
 * v3 candidate (1 Dec 2026, issue 8: embossed and foil number lines; MODEL_CARD.md has the numbers): one phase,
 * fine-tuning the committed model (V1.pt: its run's state dict, whose export is the committed float32 file byte for
 * byte) on a pack of embossed and foil number lines, detector crops of embossed photos and the earlier packs:
 * `npm run train -- --no-install --work W --train-count 1530 --train-seed 30001 --train-faces embossed,embossed,foil
 * --train-role number --det-photos 300 --det-seed 520000 --det-profiles embossed --init V1.pt --lr 5e-4 --minutes 48
 * --finetune-minutes 0 --phase1-det 6 --extra 'W/train*3' --extra '.tmp/crnn-v2/train' --extra '.tmp/crnn-v2/det*2'
 * --extra '.tmp/crnn/det*2' --extra '.tmp/crnn/det2*2'` (the focused pack ×4, the embossed detector crops ×6). The
 * run itself rendered the two packs beside the trainer (`make-lines.ts --out W/train --count 9000 --seed 30001 --faces
 * embossed,embossed,foil --role number`, stopped after 1530 crops, and `detector-lines.ts --out W/det --photos 300
 * --seed 520000 --profiles embossed`) and trained with `--skip-lines`: same crops (deterministic from the seeds),
 * other timing. The result is `W/phase1.onnx` (float32); `/usr/bin/python3 tools/models/convert-crnn.py W/phase1.onnx
 * --any-source` stores it as card-crnn-v1.onnx with float16 weights.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { LINE_FACES, LINE_ROLES, writeLines, type LineFace, type LineRole } from './make-lines.js';
import { REAL_PROFILES, type RealProfile } from '../generator/real-world.js';
import { writeDetectorLines } from './detector-lines.js';
import { writeModelCard, type TrainReport } from './model-card.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CRNN_DIR = join(ROOT, 'functions', 'adapters', 'ocr', 'crnn');
const PYTHON = '/usr/bin/python3';
/** The model this recipe makes: its file is `<MODEL_NAME>.onnx` and the recogniser reports under this name. */
export const MODEL_NAME = 'card-crnn-v2';

/** Training and validation seeds: disjoint ranges, and far from the evaluation (70 M+) and test (31 M+) seeds. */
export const TRAIN_SEED = 1;
export const VAL_SEED = 900_000;
/** Generated card photos the detector crops come from (the generator's own seeds, not line seeds). */
export const DET_SEED = 500_000;

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: 'inherit' });
    child.on('error', (err) =>
      reject(new Error(`${cmd} could not start: ${err.message}. Training needs Debian's python with torch and onnx: apt-get install python3-torch python3-onnx libopenblas0-openmp`)),
    );
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}`))));
  });
}

/** Writes model-file.ts for the model now in functions/adapters/ocr/crnn/. */
export async function writeModelFile(modelPath: string, fp32Sha256?: string): Promise<{ sha256: string; bytes: number }> {
  const bytes = await readFile(modelPath);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const src = `/**
 * The committed card-line model file and its checksum. Written by \`npm run train\`
 * (tools/train/pipeline.ts) together with the model (weights stored float16 by tools/models/convert-crnn.py,
 * compute float32): a retrained model comes with its own line here.
 */

/** \`${MODEL_NAME}.onnx\`: name, sha256 and size the adapter checks before loading it. */
export const CARD_CRNN_MODEL = {
  name: '${MODEL_NAME}.onnx',
  sha256: '${sha256}',
  bytes: ${bytes.byteLength},
} as const;
${fp32Sha256 ? `// Converted from the float32 export (tools/train/train.py) with sha256 ${fp32Sha256} (tools/models/convert-crnn.py).\n` : ''}`;
  await writeFile(join(CRNN_DIR, 'model-file.ts'), src);
  return { sha256, bytes: bytes.byteLength };
}

/** Resolves once `index` lists `count` crops (or the writer has finished, or failed: then it throws). */
async function waitForLines(index: string, count: number, writer: Promise<void>): Promise<void> {
  let finished = false;
  writer.then(() => (finished = true), () => (finished = true));
  for (;;) {
    if (existsSync(index) && (await readFile(index, 'utf8')).split('\n').length > count) return;
    if (finished) {
      await writer;
      return;
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/** Stores `fp32` with float16 weights at `dst` (tools/models/convert-crnn.py; compute stays float32). */
async function convertToFp16(fp32: string, dst: string): Promise<void> {
  await run(PYTHON, [join('tools', 'models', 'convert-crnn.py'), fp32, '--out', dst, '--any-source']);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'train-count': { type: 'string', default: '20000' },
      'train-seed': { type: 'string', default: String(TRAIN_SEED) },
      'val-count': { type: 'string', default: '1500' },
      'det-photos': { type: 'string', default: '400' },
      'det-seed': { type: 'string', default: String(DET_SEED) },
      // A focused recipe: the rendered pack drawn only from these faces (comma list, repeat to weight) and role,
      // the detector crops only from these generator profiles (e.g. `--det-profiles embossed`).
      'train-faces': { type: 'string' },
      'train-role': { type: 'string' },
      'det-profiles': { type: 'string' },
      minutes: { type: 'string', default: '45' },
      'finetune-minutes': { type: 'string', default: '20' },
      lr: { type: 'string', default: '1.5e-3' },
      init: { type: 'string' },
      'phase1-det': { type: 'string', default: '0' },
      extra: { type: 'string', multiple: true, default: [] },
      'real-dev': { type: 'string', default: join('..', 'shared', 'corpus', 'real-dev-v1') },
      work: { type: 'string', default: join(ROOT, '.tmp', 'crnn') },
      'skip-lines': { type: 'boolean', default: false },
      'no-install': { type: 'boolean', default: false },
      'eval-per-face': { type: 'string', default: '100' },
      'install-from': { type: 'string' },
      'lines-seconds': { type: 'string' },
      before: { type: 'string' },
      photos: { type: 'string' },
    },
  });
  const trainFaces = values['train-faces']?.split(',').map((f) => f.trim()) as LineFace[] | undefined;
  const badFace = trainFaces?.find((f) => !LINE_FACES.includes(f));
  if (badFace !== undefined) throw new Error(`train: --train-faces takes a comma list of ${LINE_FACES.join(', ')}, got ${badFace}`);
  const trainRole = values['train-role'] as LineRole | undefined;
  if (trainRole !== undefined && !LINE_ROLES.includes(trainRole)) throw new Error(`train: --train-role must be one of ${LINE_ROLES.join(', ')}, got ${trainRole}`);
  const detProfiles = values['det-profiles']?.split(',').map((p) => p.trim()) as RealProfile[] | undefined;
  const badProfile = detProfiles?.find((p) => !REAL_PROFILES.includes(p));
  if (badProfile !== undefined) throw new Error(`train: --det-profiles takes a comma list of ${REAL_PROFILES.join(', ')}, got ${badProfile}`);
  sharp.concurrency(1);
  const work = values.work!;
  await mkdir(work, { recursive: true });
  const t0 = Date.now();
  const fileName = `${MODEL_NAME}.onnx`;
  let onnx = join(work, fileName);
  const reports: string[] = [];
  let linesS = Number(values['lines-seconds'] ?? 0);
  const extra = values.extra ?? [];
  const det = join(work, 'det');
  if (values['install-from']) {
    // A run trained earlier by these same steps (done one by one): install, evaluate and describe it.
    const from = values['install-from'];
    onnx = join(from, fileName);
    for (const r of ['train-report.json', 'finetune-report.json']) if (existsSync(join(from, r))) reports.push(join(from, r));
  } else {
    let data: Promise<void> = Promise.resolve();
    if (!values['skip-lines']) {
      process.stderr.write('train: 1/6 rendering line crops (validation first, then training crops while the trainer runs)\n');
      if (!existsSync(join(work, 'val', 'lines.jsonl'))) await writeLines(join(work, 'val'), Number(values['val-count']), VAL_SEED);
      data = (async () => {
        await writeLines(join(work, 'train'), Number(values['train-count']), Number(values['train-seed']), {
          ...(trainFaces ? { faces: trainFaces } : {}),
          ...(trainRole ? { role: trainRole } : {}),
        });
        process.stderr.write('train: 2/6 cutting detector crops from generated card photos\n');
        if (Number(values['det-photos']) > 0) {
          await writeDetectorLines(det, Number(values['det-photos']), Number(values['det-seed']), detProfiles ? { profiles: detProfiles } : {});
        }
        linesS = (Date.now() - t0) / 1000;
        process.stderr.write(`train: line crops done in ${(linesS / 60).toFixed(1)} min\n`);
      })();
      // A failed render must stop the run, not leave the trainer on a pack that no longer grows.
      data.catch(() => undefined);
      await waitForLines(join(work, 'train', 'lines.jsonl'), Math.min(1000, Number(values['train-count'])), data);
    }
    process.stderr.write('train: 3/6 training on rendered lines\n');
    const phase1 = join(work, 'phase1.onnx');
    reports.push(join(work, 'train-report.json'));
    // Detector crops in phase 1 only when asked (a continued model already knows the rendered crops);
    // train.py takes in packs that are still growing, and an empty one until its first crops are cut.
    const phase1Det = Number(values['phase1-det']);
    if (phase1Det > 0 && !existsSync(join(det, 'lines.jsonl'))) {
      await mkdir(det, { recursive: true });
      await writeFile(join(det, 'lines.jsonl'), '');
      await writeFile(join(det, 'lines.bin'), '');
    }
    await run(PYTHON, [
      join('tools', 'train', 'train.py'), '--train', join(work, 'train'), ...(phase1Det > 0 ? [`${det}*${phase1Det}`] : []), ...extra,
      '--val', join(work, 'val'), ...(values.init ? ['--init', values.init] : []),
      '--out', phase1, '--report', reports[0]!, '--minutes', values.minutes!, '--threads', '1', '--batch', '32', '--lr', values.lr!, '--seed', '9',
    ]);
    onnx = phase1;
    await data;
    if (Number(values['finetune-minutes']) > 0 && existsSync(join(det, 'lines.jsonl'))) {
      process.stderr.write('train: 4/6 fine-tuning with the detector crops mixed in\n');
      reports.push(join(work, 'finetune-report.json'));
      onnx = join(work, fileName);
      await run(PYTHON, [
        join('tools', 'train', 'train.py'), '--train', join(work, 'train'), `${det}*4`, ...extra, '--val', join(work, 'val'),
        '--init', `${phase1}.pt`, '--out', onnx, '--report', reports[1]!, '--minutes', values['finetune-minutes']!, '--threads', '1',
        '--batch', '32', '--lr', '5e-4', '--seed', '8',
      ]);
    }
    if (values['no-install']) {
      process.stderr.write(`train: done in ${((Date.now() - t0) / 60000).toFixed(1)} min; not installed (--no-install): the float32 export is ${onnx}; ` +
        `compare it, then \`npm run train -- --install-from ${work}\`\n`);
      return;
    }
  }
  process.stderr.write('train: 5/6 installing the model (float16-stored weights) and evaluating it against PP-OCR\n');
  const modelPath = join(CRNN_DIR, fileName);
  const fp32 = await readFile(onnx);
  await convertToFp16(onnx, modelPath);
  const file = await writeModelFile(modelPath, createHash('sha256').update(fp32).digest('hex'));
  const evalReport = join(work, 'eval-report.json');
  // A report already made for these very bytes (e.g. while comparing the candidate before installing) is kept.
  const measured = existsSync(evalReport) ? (JSON.parse(await readFile(evalReport, 'utf8')) as { modelSha256?: string }).modelSha256 : undefined;
  if (measured !== file.sha256) {
    await run(process.execPath, [
      '--import', 'tsx', join('tools', 'train', 'evaluate.ts'), '--per-face', values['eval-per-face']!, '--out', evalReport, '--model', modelPath,
    ]);
  }
  // Validation on real specimen photos when the shared corpus is on this machine (never used for training).
  const realDir = values['real-dev']!;
  const realReport = join(work, 'real-dev-report.json');
  const hasReal = existsSync(join(realDir, 'truth.json'));
  const checked = existsSync(realReport) ? (JSON.parse(await readFile(realReport, 'utf8')) as { modelSha256?: string }).modelSha256 : undefined;
  if (hasReal && checked !== file.sha256) {
    await run(process.execPath, ['--import', 'tsx', join('tools', 'train', 'real-dev-check.ts'), realDir, '--out', realReport, '--model', modelPath]);
  }
  process.stderr.write('train: 6/6 model card\n');
  const phases = await Promise.all(reports.map(async (r) => JSON.parse(await readFile(r, 'utf8')) as TrainReport));
  const trainS = phases.reduce((a, p) => a + p.train_seconds, 0);
  const json = async <T>(path: string): Promise<T> => JSON.parse(await readFile(path, 'utf8')) as T;
  const before = values.before;
  await writeModelCard({
    name: MODEL_NAME,
    phases,
    evaluation: await json(evalReport),
    ...(hasReal ? { realDev: await json(realReport) } : {}),
    file: { ...file, fp32Bytes: fp32.byteLength, fp32Sha256: createHash('sha256').update(fp32).digest('hex') },
    linesSeconds: linesS,
    totalSeconds: (Date.now() - t0) / 1000 + (values['install-from'] ? linesS + trainS : 0),
    trainCount: Number(values['train-count']),
    trainSeed: Number(values['train-seed']),
    valCount: Number(values['val-count']),
    detPhotos: Number(values['det-photos']),
    detSeed: Number(values['det-seed']),
    phase1Lr: Number(values.lr),
    phase1Det: Number(values['phase1-det']),
    extra,
    ...(values.init ? { init: values.init } : {}),
    ...(before
      ? {
          before: {
            evaluation: await json(join(before, 'eval-report.json')),
            ...(existsSync(join(before, 'real-dev-report.json')) ? { realDev: await json(join(before, 'real-dev-report.json')) } : {}),
            phases: await Promise.all(['train-report.json', 'finetune-report.json'].filter((r) => existsSync(join(before, r))).map((r) => json<TrainReport>(join(before, r)))),
          },
        }
      : {}),
    ...(values.photos ? { photos: await json(values.photos) } : {}),
  });
  process.stderr.write(`train: done in ${((Date.now() - t0) / 60000).toFixed(1)} min\n`);
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
