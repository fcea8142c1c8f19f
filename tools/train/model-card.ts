/**
 * Writes functions/adapters/ocr/crnn/MODEL_CARD.md from the training and evaluation reports, so
 * the card always describes the committed model (`npm run train` calls it last).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

interface Group {
  lines: number;
  line_acc: number;
  char_acc: number;
}
interface Scores {
  lines: number;
  charAcc: number;
  lineAcc: number;
  numberDigitsAcc: number | null;
}

/** What the card is made from. */
/** What train.py writes after a phase. */
export interface TrainReport {
  params: number;
  steps: number;
  batch: number;
  train_crops: number;
  val_crops: number;
  train_seconds: number;
  threads: number;
  onnx_bytes: number;
  val: Record<string, Group>;
}

type Evaluation = Record<string, unknown> & { lines: number; perFace: number; seed: number };
type RealDev = { photos: number; hits: Record<string, number>; both: number; either: number; wrongAgree: number };

/** Full-pipeline scores of one photo set (`cardocr scan --json --reveal` + score-cards.mjs), per model. */
export interface PhotoSetScores {
  set: string;
  photos: number;
  /** Per model name: PAN exact / wrong, expiry exact / wrong (counts), PAN and expiry truths. */
  models: Record<string, { pan: number; panWrong: number; expiry: number; expiryWrong: number; panTruths: number; expiryTruths: number }>;
}

export interface ModelCardInput {
  /** The model's name (`card-crnn-v2`): file `<name>.onnx`, recogniser name. */
  name: string;
  /** Training, then fine-tuning when there was one. */
  phases: TrainReport[];
  evaluation: Evaluation;
  /** The committed file (float16-stored weights) and the float32 export it was converted from. */
  file: { sha256: string; bytes: number; fp32Sha256: string; fp32Bytes: number };
  /** tools/train/real-dev-check.ts on the real specimen photos (validation only), when available. */
  realDev?: RealDev;
  linesSeconds: number;
  totalSeconds: number;
  trainCount: number;
  trainSeed: number;
  valCount: number;
  detPhotos: number;
  detSeed: number;
  /** Phase 1's peak learning rate, and how often the detector crops were repeated in phase 1 (0: not used). */
  phase1Lr: number;
  phase1Det: number;
  /** Packs made earlier, added to both phases (`DIR*N`). */
  extra: string[];
  /** Weights phase 1 started from (a continued model), when not random. */
  init?: string;
  /** The model this one replaces: its reports, measured by the same evaluators. */
  before?: { evaluation: Evaluation; realDev?: RealDev; phases: TrainReport[] };
  /** Full-pipeline photo sets, both models on the same code. */
  photos?: { note: string; sets: PhotoSetScores[] };
}

const pct = (x: number | null | undefined): string => (x === null || x === undefined ? '–' : `${(100 * x).toFixed(1)}%`);
const FACES = ['embossed', 'foil', 'flat', 'ocr-a', 'ocr-b'];
const ROLES = ['number', 'expiry', 'name', 'other'];

const readerNames = (e: Evaluation): string[] => Object.keys(e).filter((k) => typeof e[k] === 'object' && e[k] !== null && k !== 'agreement');
const scoresOf = (e: Evaluation, n: string, key: string): Scores | undefined => (e[n] as { scores: Record<string, Scores> } | undefined)?.scores[key];
const triple = (sc: Scores | undefined): string => (sc ? `${pct(sc.charAcc)} / ${pct(sc.lineAcc)} / ${pct(sc.numberDigitsAcc)}` : '–');

function evalTable(input: ModelCardInput, keys: string[]): string {
  const names = readerNames(input.evaluation);
  let s = `| set | ${names.map((n) => `${n} char / line / number digits`).join(' | ')} |\n|---|${names.map(() => '---').join('|')}|\n`;
  for (const key of keys) {
    s += `| ${key.replace(/^(face|role):/, '')} | ${names
      .map((n) => {
        const sc = (input.evaluation[n] as { scores: Record<string, Scores> }).scores[key];
        return sc ? `${pct(sc.charAcc)} / ${pct(sc.lineAcc)} / ${pct(sc.numberDigitsAcc)}` : '–';
      })
      .join(' | ')} |\n`;
  }
  return s;
}

/** Renders the card and writes it next to the model. */
export async function writeModelCard(input: ModelCardInput, dir = join(import.meta.dirname, '..', '..', 'functions', 'adapters', 'ocr', 'crnn')): Promise<void> {
  const t = input.phases[input.phases.length - 1]!;
  const first = input.phases[0]!;
  const totalTrainS = input.phases.reduce((a, p) => a + p.train_seconds, 0);
  const phaseText = input.phases
    .map((p, i) => `${i === 0 ? 'training' : 'fine-tuning'}: ${p.steps} steps on ${p.train_crops} crops in ${(p.train_seconds / 60).toFixed(1)} min`)
    .join('; ');
  const val = (key: string): string => {
    const g = t.val[key];
    return g ? `| ${key.replace(/^(face|role):/, '')} | ${g.lines} | ${pct(g.char_acc)} | ${pct(g.line_acc)} |` : `| ${key} | 0 | – | – |`;
  };
  const names = Object.keys(input.evaluation).filter((k) => typeof input.evaluation[k] === 'object' && input.evaluation[k] !== null && k !== 'agreement');
  const ag = input.evaluation['agreement'] as { numberLines: number; agree: number; agreeRight: number; agreeWrong: number; eitherRight: number } | undefined;
  const agText = ag
    ? `Both readers as fusion sees them (number lines, digits only): they agree on ${ag.agree} of ${ag.numberLines}; ` +
      `${ag.agreeRight} of those are right and **${ag.agreeWrong} wrong** (a wrong number that agreement alone would let through); ` +
      `at least one of the two is right on ${ag.eitherRight} (${pct(ag.eitherRight / Math.max(1, ag.numberLines))}).`
    : '';
  const speed = names
    .map((n) => {
      const e = input.evaluation[n] as { msPerLine: number; cpuMsPerLine: number };
      return `${n}: ${e.cpuMsPerLine} ms CPU / ${e.msPerLine} ms wall per line`;
    })
    .join('; ');
  const name = input.name;
  const phase1Packs = [
    `the rendered crops`,
    ...(input.phase1Det > 0 ? [`this run's detector crops ×${input.phase1Det} (taken in as they were cut)`] : []),
    ...input.extra.map((e) => `\`${e}\``),
  ].join(', ');
  const trainingText = input.init
    ? `**Continued, not trained from scratch**: phase 1 started from the weights of the model it replaces
(\`${input.init}\`, that model's state dict) and ran at peak lr ${input.phase1Lr} on ${phase1Packs}; then fine-tuned at
peak lr 5e-4 with the detector crops mixed in (×4)${input.extra.length ? ' and the same earlier packs' : ''}.`
    : input.phases.length > 1
      ? `First on ${phase1Packs} (peak lr ${input.phase1Lr}), then fine-tuned at peak lr 5e-4 with the detector crops mixed in (repeated ×4).`
      : `On ${phase1Packs} (peak lr ${input.phase1Lr}); no fine-tuning phase with detector crops in this run.`;
  const b = input.before;
  const bName = b ? (readerNames(b.evaluation).find((n) => n.startsWith('card-crnn')) ?? readerNames(b.evaluation)[0]!) : '';
  const mine = readerNames(input.evaluation)[0]!;
  const pp = readerNames(input.evaluation).find((n) => n === 'ppocr-rec-v4');
  const beforeSection = b
    ? `## This model against the one it replaces

Same evaluators, same held-out crops (seeds from ${input.evaluation.seed}, ${input.evaluation.perFace} per face; the earlier
model's report is its own run's \`eval-report.json\`${b.evaluation.seed === input.evaluation.seed && b.evaluation.perFace === input.evaluation.perFace ? ', same seeds and count' : ''}).
Training of the earlier model: ${b.phases.map((p, i) => `${i === 0 ? 'training' : 'fine-tuning'} ${p.steps} steps in ${(p.train_seconds / 60).toFixed(1)} min`).join(', ')}; this one adds
${input.phases.map((p, i) => `${i === 0 ? 'training' : 'fine-tuning'} ${p.steps} steps in ${(p.train_seconds / 60).toFixed(1)} min`).join(', ')} on top.

| set | ${bName} (before) char / line / number digits | ${mine} char / line / number digits | ${pp ?? 'ppocr'} char / line / number digits |
|---|---|---|---|
${['all', ...FACES.map((f) => `face:${f}`), ...ROLES.map((r) => `role:${r}`)]
  .map((k) => `| ${k.replace(/^(face|role):/, '')} | ${triple(scoresOf(b.evaluation, bName, k))} | ${triple(scoresOf(input.evaluation, mine, k))} | ${pp ? triple(scoresOf(input.evaluation, pp, k)) : '–'} |`)
  .join('\n')}
${(() => {
  const a0 = b.evaluation['agreement'] as { agree: number; agreeRight: number; agreeWrong: number; eitherRight: number; numberLines: number } | undefined;
  return a0 && ag
    ? `\nAgreement with PP-OCR on number lines (what fusion sees): before ${a0.agree} agree (${a0.agreeRight} right, ${a0.agreeWrong} wrong), at least one right ${a0.eitherRight}/${a0.numberLines}; now ${ag.agree} agree (${ag.agreeRight} right, ${ag.agreeWrong} wrong), at least one right ${ag.eitherRight}/${ag.numberLines}.\n`
    : '';
})()}${b.realDev && input.realDev ? `
Real specimen photos (real-dev-v1, \`real-dev-check.ts\`, number read exactly from PP-OCR's boxes): before ${Object.entries(b.realDev.hits).map(([n, h]) => `${n} ${h}/${b.realDev!.photos}`).join(', ')}; now ${Object.entries(input.realDev.hits).map(([n, h]) => `${n} ${h}/${input.realDev!.photos}`).join(', ')}.
` : ''}
${input.photos ? `**Full pipeline** (\`cardocr scan --json --reveal\` + \`score-cards.mjs\`; ${input.photos.note}). PAN exact / wrong of the
photos with a number, expiry exact / wrong of the photos with a printed expiry:

| set | photos | ${Object.keys(input.photos.sets[0]?.models ?? {}).map((m) => `${m} PAN | ${m} expiry`).join(' | ')} |
|---|---|${Object.keys(input.photos.sets[0]?.models ?? {}).map(() => '---|---').join('|')}|
${input.photos.sets
  .map((st) => `| ${st.set} | ${st.photos} | ${Object.values(st.models)
    .map((m) => `${m.pan}/${m.panTruths}, ${m.panWrong} wrong | ${m.expiry}/${m.expiryTruths}, ${m.expiryWrong} wrong`)
    .join(' | ')} |`)
  .join('\n')}
` : ''}
`
    : '';
  const md = `# ${name} — the project's card-line recogniser

A small CRNN that reads one upright line of card print (number, expiry, name) from a crop. It is
the project's second, **independent** line reader next to PP-OCRv4: other architecture, other
data (synthetic card print only, made here), other input (grey, 32 px high), so fusion can demand
that both agree before a number is reported. Adapter: \`crnn-recognizer.ts\` (\`LineRecognizer\`
named \`${name}\`); model file \`${name}.onnx\` (${input.file.bytes} bytes, sha256
\`${input.file.sha256}\`, checked at load): the trained float32 export (${input.file.fp32Bytes} bytes, sha256
\`${input.file.fp32Sha256}\`) with its weights stored as float16 — see *Weight storage* below.

*This file is written by \`npm run train\` (tools/train/model-card.ts) from the run's reports.*

## What it reads

- **Alphabet**: digits \`0–9\`, capitals \`A–Z\`, space, \`/\`, \`-\`, \`.\`, \`'\` (41 characters + CTC blank).
  No lower case, no other punctuation, no non-Latin scripts: a mixed-case name comes out in capitals or garbled.
- **Input**: an upright line crop in any size and 1 or 3 channels; the adapter makes it grey (Rec. 601),
  scales it to 32 px high keeping the aspect (squeezed when wider than 400 px) and feeds pixels in [0, 1];
  the model normalises each crop by its own mean and standard deviation.
- **Output**: per-frame class probabilities (one frame per 4 px); greedy CTC decoding gives the text and one
  confidence per character (the highest probability of the frames it was read from).

## Model

Conv 3×3 blocks 32-64-96-128 with batch norm and max-pooling (32 px high → 1, width / 4), a 2×1 conv to
192 channels, one bidirectional GRU (128 per direction), dropout 0.15, a linear layer to 42 classes.
**${t.params.toLocaleString('en-US')} parameters**, ONNX opset 13 with dynamic batch and width, ${t.onnx_bytes} bytes as exported (float32), ${input.file.bytes} bytes committed (float16-stored weights).

## Training data (all generated here; nothing downloaded, no real card)

\`tools/train/make-lines.ts\`, deterministic from its seed (this run's training seeds ${input.trainSeed}…${input.trainSeed + input.trainCount - 1}, validation
900000…${900000 + input.valCount - 1}${input.init ? `; the model it continues was trained on seeds 1…20000 of the same renderer` : ''}). Each line is drawn as SVG and rendered by sharp/librsvg with the system fonts:

- **Texts**: card numbers in every usual grouping (4-4-4-4, 4-6-5, 4-6-4, 4-4-4-4-3, 6-13, 4-4-5, unspaced 15/16/19)
  with random digits, plus the pieces a detector makes when it splits a number (single 4-digit groups are
  15% of number lines: PP-OCR boxes each group of a spaced number on its own) and short digit runs;
  dates \`MM/YY\`, \`MM/YYYY\`, ranges, with or without labels before or after (VALID THRU, GOOD THRU, EXPIRES,
  EXPIRES END, VALID UNTIL, EXP, VALID FROM, MEMBER SINCE, MM/YY, MONTH/YEAR…), labels sometimes smaller;
  upper-case names (initials, apostrophes, hyphens, titles, suffixes; 30% random letter strings so letters,
  not a name list, are learned); card words (DEBIT, PLATINUM, …) and random strings of the alphabet.
- **Faces** (share of training lines): *embossed* 34% — relief lit from a random azimuth and elevation
  (feDiffuseLighting + feSpecularLighting on the blurred glyph alpha, highlight and shadow layers, a cast
  shadow), tipped in ink, silver or gold, or un-inked (relief only); *foil* 12% — gold or silver gradients with
  a specular sheen, mostly on dark faces; *flat* 28% — ink in ~30 sans, serif, condensed, mono faces and weights;
  *OCR-A* 13% — the fonts-ocr-a faces; *OCR-B-like* 13% — monospaced sans (DejaVu Sans Mono, Liberation Mono;
  Debian ships no OCR-B font) and, for 40% of digit lines, the generator's OCR-B-like stroke glyphs.
  Embossed digit lines are drawn with the Farrington-7B-like stroke glyphs of \`tools/generator/farrington.ts\`
  in 60% of cases (pitch 0.9–1.18, wide group gaps), heavy mono and condensed fonts otherwise; 40% of embossed
  lines have a second lamp (another specular light from another azimuth and elevation).
- **Card art**: two-colour gradients on dark or light faces, circles, guilloche waves, bands, turbulence textures
  (marble, paper, brushed metal), photo-like blurred colour blobs (bokeh, landscapes), halftone dots; low-contrast
  ink 8%; glare 30% (a soft white ellipse, or a long reflected streak across the line at an angle).
- **Detector noise**: the crop box is loose or tight on every side: 25% of crops hug or clip the glyphs left/right
  (−8…+8% of the text height), 30% top/bottom (−13…+6%), the others −4…+90% left/right and −4…+50% top/bottom
  (v1 read 16/30 real-dev numbers from the detector's boxes, 21/30 with 25% more margin, 1/30 with 10% less:
  it had learned to need a margin — **these margins were chosen after looking at real-dev-v1's read counts**, so
  real-dev-v1 informed the recipe and its numbers below are optimistic next to unseen photos); a residual rotation of ±4° and shear of ±7°, horizontal stretch 0.8–1.25,
  bits of a neighbouring line (name above, small digits below) in 30% of crops.
- **Camera**: the crop seen 12–48 px high (65%) or sharp at 40–96 px (35%: renders and close-ups), then scaled to
  32; Gaussian blur (45%), sensor noise, JPEG quality 30–95.
- **Online augmentation** in training: width scale 0.8–1.2, ±3 px edge jitter, contrast/brightness, 15%
  inversion, Gaussian noise.

**Detector crops** (\`tools/train/detector-lines.ts\`, the issue's second recipe): full card photos from the
project's real-world generator (\`tools/generator/real-world.ts\`: Farrington-like embossed faces with relief, foil,
flat faces, hands, desks, scans, glare; profiles cycled), PP-OCRv4's detector run on each, every truth line in
this alphabet matched to the detected box with the best bounds IoU (≥ 0.5) and cut upright with the reader's own
\`cropQuad\` — so the crops carry the detector's real box noise; lines the detector missed are cut from their truth
quad with ±15% jitter; lines under 14 px high and occluded lines are left out. This run cut them from ${input.detPhotos} photos
(generator seeds ${input.detSeed}…${input.detSeed + input.detPhotos - 1})${input.phase1Det > 0 ? `, used in both phases` : ', used in fine-tuning'}${input.extra.length ? `; packs cut by earlier runs (${input.extra.map((e) => `\`${e}\``).join(', ')}, older generator, same cutter) were added to both phases` : ''}.
The last phase saw ${t.train_crops} crop slots in all.

## Training

\`tools/train/train.py\` under Debian's \`/usr/bin/python3\` (python3-torch 1.13 CPU, python3-onnx;
libopenblas0-openmp: Debian's torch links the slow reference BLAS otherwise), CTC loss, Adam (warm-up then cosine over a
wall-clock budget), batch ${t.batch} of similar-width crops, gradient clipping 5,
fixed seeds, one thread (the machine is shared). ${trainingText} This run: ${phaseText}
(**${(totalTrainS / 60).toFixed(1)} min** of training, ${first.params.toLocaleString('en-US')} parameters); rendering the line crops took ${(input.linesSeconds / 60).toFixed(1)} min; all steps of
\`npm run train\` (lines, training, evaluation) add up to ${(input.totalSeconds / 60).toFixed(1)} min on this shared machine.

## Accuracy

Held-out generated validation set (${t.val_crops} crops from the training renderer, unseen seeds; char = 1 −
edit distance / truth length, line = whole line exact):

| set | lines | char | line |
|---|---|---|---|
${['all', ...FACES.map((f) => `face:${f}`), ...ROLES.map((r) => `role:${r}`)].map(val).join('\n')}

Against PP-OCRv4's recogniser (\`createPpocrRecognizer\`, free and constrained to this alphabet) on
${input.evaluation.lines} fresh colour crops at camera resolution (${input.evaluation.perFace} per face, seeds from
${input.evaluation.seed}; both readers scale the same crops their own way; outputs compared upper-cased with
runs of spaces collapsed; "number digits" = number lines whose digits are exactly right, spacing aside):

${evalTable(input, ['all', ...FACES.map((f) => `face:${f}`), ...ROLES.map((r) => `role:${r}`)])}
${agText}

Speed (one onnxruntime thread, all ${input.evaluation.lines} lines in one call, on this shared 2-core machine, so
the CPU time is the fair figure and the wall time includes waiting for the neighbours): ${speed}.

${input.realDev ? `**Real specimen photos** (\`../shared/corpus/real-dev-v1\`, validation only — never trained on; \`tools/train/real-dev-check.ts\`):
on the ${input.realDev.photos} photos with a card number, PP-OCRv4's detector boxes every line, boxes on one row are joined,
and a photo counts when some line's digits are exactly the number: ${Object.entries(input.realDev.hits).map(([n, h]) => `${n} ${h}/${input.realDev!.photos}`).join(', ')};
both ${input.realDev.both}, at least one ${input.realDev.either}; wrong digit strings of the number's length read alike by
both: ${input.realDev.wrongAgree} (agreement alone is not proof: the reader's Luhn and layout checks stay needed). **The synthetic-to-real gap is large**: on real photos this model is well behind PP-OCR and is useful as the
second, independent vote, not as the main reader.

` : ''}Reproduce: \`npm run train\` (all steps; the options this run used are in the header of tools/train/pipeline.ts),
or \`npx tsx tools/train/evaluate.ts --per-face 100\` for the comparison alone.

${beforeSection}## Weight storage (float16)

The committed file is not the training export byte for byte: install (\`npm run train\` step 5) runs
\`tools/models/convert-crnn.py\`, which stores the 8 weight tensors of ≥ 1024 elements (the 5 conv kernels, the GRU's
input and recurrent weights, the output layer: 99% of the parameters) as float16, each followed by a \`Cast\` to float32.
Biases stay float32; the graph and its compute are float32 (onnxruntime folds the Casts into float32 initialisers at
session creation, so inference speed is unchanged). Why: half the bytes in the read Lambda asset (issue 7's 30,000,000-byte
limit). Every figure above is measured on the committed (float16-stored) file; \`npx tsx tools/models/compare-crnn.ts
FP32.onnx\` compares it with the float32 export line by line.

## Known limits

- Trained on synthetic print only. Real embossed cards under a phone's light, worn tipping, holograms
  over digits and unusual issuer fonts are not covered by any real example; accuracy on real photos is
  lower than on the generated sets above (published synthetic-only card readers reach ~80% on real cards).
- The detector crops come from a few hundred generated photos only (the detector is slow on this machine):
  most of the box noise the model saw is imitated by make-lines.
- Upper case only; a mixed-case name is not read as printed.
- A confident reading can still be wrong: use it as one vote (fusion requires agreement), never alone.
`;
  await writeFile(join(dir, 'MODEL_CARD.md'), md);
}
