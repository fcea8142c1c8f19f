/**
 * Compares line recognisers on a held-out set of generated card lines: the project's card-line
 * model (the committed one, `card-crnn-v1`, or a candidate file with `--model`) against PP-OCRv4's recogniser, free and constrained to the card
 * alphabet. Crops are the colour, camera-resolution crops make-lines draws (`camera: true`),
 * from seeds far from the training ones, so every recogniser scales them its own way.
 *
 * Reports per face (embossed, foil, flat, OCR-A, OCR-B-like) and per role: character accuracy
 * (1 − edit distance / truth length), whole-line accuracy, and for number lines the share whose
 * digits are exactly right (what a card number needs, spacing aside); plus ms per line.
 *
 * `tsx tools/train/evaluate.ts [--per-face 100] [--seed 70000000] [--out report.json] [--model PATH] [--role number] [--no-ppocr]`
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { distance } from 'fastest-levenshtein';
import sharp from 'sharp';
import type { LineRecognizer, Raster } from '../../functions/core/ports.js';
import { createCardCrnnRecognizer } from '../../functions/adapters/ocr/crnn/crnn-recognizer.js';
import { createPpocrRecognizer } from '../../functions/adapters/ocr/ppocr/ppocr-recognizer.js';
import { CHARSET, LINE_FACES, LINE_ROLES, renderLine, type LineFace, type LineRole, type LineSample } from './make-lines.js';

/** Both readers' output compared the same way: upper case, runs of spaces as one, trimmed. */
export const normalise = (s: string): string => s.toUpperCase().replace(/\s+/g, ' ').trim();

interface Tally {
  lines: number;
  exact: number;
  chars: number;
  errors: number;
  numberLines: number;
  digitsExact: number;
}

export interface Scores {
  lines: number;
  charAcc: number;
  lineAcc: number;
  /** Number lines only: digits (spaces ignored) exactly right. */
  numberDigitsAcc: number | null;
}

const finish = (t: Tally): Scores => ({
  lines: t.lines,
  charAcc: Math.max(0, 1 - t.errors / Math.max(1, t.chars)),
  lineAcc: t.exact / Math.max(1, t.lines),
  numberDigitsAcc: t.numberLines ? t.digitsExact / t.numberLines : null,
});

/** Scores one recogniser's readings against the samples' truth, per group. */
export function score(samples: readonly LineSample[], texts: readonly string[]): Record<string, Scores> {
  const groups = new Map<string, Tally>();
  samples.forEach((s, i) => {
    const got = normalise(texts[i] ?? '');
    const want = s.text;
    for (const key of ['all', `face:${s.face}`, `role:${s.role}`]) {
      const t = groups.get(key) ?? { lines: 0, exact: 0, chars: 0, errors: 0, numberLines: 0, digitsExact: 0 };
      t.lines++;
      t.exact += got === want ? 1 : 0;
      t.chars += want.length;
      t.errors += distance(got, want);
      if (s.role === 'number') {
        t.numberLines++;
        t.digitsExact += got.replace(/ /g, '') === want.replace(/ /g, '') ? 1 : 0;
      }
      groups.set(key, t);
    }
  });
  return Object.fromEntries([...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, t]) => [k, finish(t)]));
}

/** How two readers' digits relate on number lines: what fusion that demands agreement would get. */
export interface Agreement {
  numberLines: number;
  /** Both read the same digits (spacing aside)… */
  agree: number;
  /** …and those digits are right. */
  agreeRight: number;
  /** …and those digits are wrong (a wrong number fusion would accept). */
  agreeWrong: number;
  /** At least one of the two has the digits right. */
  eitherRight: number;
}

export function agreement(samples: readonly LineSample[], a: readonly string[], b: readonly string[]): Agreement {
  const r: Agreement = { numberLines: 0, agree: 0, agreeRight: 0, agreeWrong: 0, eitherRight: 0 };
  const digits = (t: string | undefined): string => normalise(t ?? '').replace(/ /g, '');
  samples.forEach((s, i) => {
    if (s.role !== 'number') return;
    r.numberLines++;
    const want = digits(s.text), da = digits(a[i]), db = digits(b[i]);
    if (da === want || db === want) r.eitherRight++;
    if (da === db && da !== '') {
      r.agree++;
      if (da === want) r.agreeRight++;
      else r.agreeWrong++;
    }
  });
  return r;
}

/** The held-out crops: `perFace` of each face, from `seed` on (only lines of `role` when given). */
export async function heldOutLines(perFace: number, seed: number, role?: LineRole): Promise<LineSample[]> {
  const out: LineSample[] = [];
  for (const [f, face] of LINE_FACES.entries()) {
    for (let i = 0; i < perFace; i++) out.push(await renderLine(seed + f * 1_000_000 + i, { face, camera: true, ...(role ? { role } : {}) }));
  }
  return out;
}

async function timed(rec: LineRecognizer, lines: readonly Raster[]): Promise<{ texts: string[]; msPerLine: number; cpuMsPerLine: number }> {
  await rec.recognize(lines.slice(0, 4)); // warm-up (first run allocates)
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const res = await rec.recognize(lines);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  // CPU time as well as wall time: on a shared machine the wall clock mostly measures the neighbours.
  const n = Math.max(1, lines.length);
  return { texts: res.map((r) => r.text), msPerLine: ms / n, cpuMsPerLine: (cpu.user + cpu.system) / 1000 / n };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'per-face': { type: 'string', default: '100' },
      seed: { type: 'string', default: '70000000' },
      out: { type: 'string' },
      model: { type: 'string' },
      'no-ppocr': { type: 'boolean', default: false },
      // `--role number --seed 72000000`: number lines only (the default set has ~50 a face, too few to tell models apart).
      role: { type: 'string' },
    },
  });
  const role = values.role as LineRole | undefined;
  if (role !== undefined && !LINE_ROLES.includes(role)) throw new Error(`evaluate: --role must be one of ${LINE_ROLES.join(', ')}, got ${role}`);
  sharp.concurrency(1);
  const samples = await heldOutLines(Number(values['per-face']), Number(values.seed), role);
  const rasters: Raster[] = samples.map((s) => ({ width: s.width, height: s.height, channels: s.channels, data: s.data }));
  const report: Record<string, unknown> = { lines: samples.length, perFace: Number(values['per-face']), seed: Number(values.seed), ...(role ? { role } : {}) };
  // A candidate model, read and hashed once: its own checksum is expected (the committed one's would
  // refuse it), and the report says which file was measured (the pipeline reuses a report only for the same bytes).
  const bytes = values.model ? await readFile(values.model) : undefined;
  const modelSha256 = bytes ? createHash('sha256').update(bytes).digest('hex') : undefined;
  if (modelSha256) report.modelSha256 = modelSha256;
  const recognisers: Array<() => Promise<LineRecognizer>> = [
    async () => {
      if (!values.model || !bytes || !modelSha256) return createCardCrnnRecognizer({ timeoutMs: 0 });
      // Named after its file (card-crnn-v2.onnx -> card-crnn-v2), so a report never calls a candidate by the committed model's name.
      return createCardCrnnRecognizer({
        timeoutMs: 0, modelPath: values.model, name: basename(values.model, '.onnx'),
        expect: { sha256: modelSha256, bytes: bytes.byteLength },
      });
    },
  ];
  if (!values['no-ppocr']) {
    recognisers.push(() => createPpocrRecognizer({ timeoutMs: 0 }));
    recognisers.push(() => createPpocrRecognizer({ timeoutMs: 0, charset: CHARSET, name: 'ppocr-rec-v4 (card charset)' }));
  }
  const readings: Record<string, string[]> = {};
  let mineName = '';
  for (const make of recognisers) {
    const rec = await make();
    try {
      const { texts, msPerLine, cpuMsPerLine } = await timed(rec, rasters);
      readings[rec.name] = texts;
      mineName ||= rec.name;
      report[rec.name] = { msPerLine: Number(msPerLine.toFixed(2)), cpuMsPerLine: Number(cpuMsPerLine.toFixed(2)), scores: score(samples, texts) };
      const all = score(samples, texts)['all']!;
      process.stderr.write(`${rec.name}: char ${all.charAcc.toFixed(4)} line ${all.lineAcc.toFixed(4)} number-digits ${all.numberDigitsAcc?.toFixed(4)} ${msPerLine.toFixed(2)} ms/line wall, ${cpuMsPerLine.toFixed(2)} ms/line CPU\n`);
      for (const face of LINE_FACES as readonly LineFace[]) {
        const s = score(samples, texts)[`face:${face}`]!;
        process.stderr.write(`  ${face.padEnd(9)} char ${s.charAcc.toFixed(4)} line ${s.lineAcc.toFixed(4)} number-digits ${s.numberDigitsAcc?.toFixed(4)}\n`);
      }
    } finally {
      await rec.close();
    }
  }
  // The project's model is the first recogniser (its name follows the model version).
  const mine = readings[mineName];
  const pp = readings['ppocr-rec-v4'];
  if (mine && pp) report.agreement = agreement(samples, mine, pp);
  const json = JSON.stringify(report, null, 1);
  if (values.out) await writeFile(values.out, json + '\n');
  else process.stdout.write(json + '\n');
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
