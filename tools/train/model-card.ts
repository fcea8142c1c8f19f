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

export interface ModelCardInput {
  /** Training, then fine-tuning when there was one. */
  phases: TrainReport[];
  evaluation: Record<string, unknown> & { lines: number; perFace: number; seed: number };
  file: { sha256: string; bytes: number };
  /** tools/train/real-dev-check.ts on the real specimen photos (validation only), when available. */
  realDev?: { photos: number; hits: Record<string, number>; both: number; either: number; wrongAgree: number };
  linesSeconds: number;
  totalSeconds: number;
  trainCount: number;
  valCount: number;
}

const pct = (x: number | null | undefined): string => (x === null || x === undefined ? '–' : `${(100 * x).toFixed(1)}%`);
const FACES = ['embossed', 'foil', 'flat', 'ocr-a', 'ocr-b'];
const ROLES = ['number', 'expiry', 'name', 'other'];

function evalTable(input: ModelCardInput, keys: string[]): string {
  const names = Object.keys(input.evaluation).filter((k) => typeof input.evaluation[k] === 'object' && input.evaluation[k] !== null && k !== 'agreement');
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
  const md = `# card-crnn-v1 — the project's card-line recogniser

A small CRNN that reads one upright line of card print (number, expiry, name) from a crop. It is
the project's second, **independent** line reader next to PP-OCRv4: other architecture, other
data (synthetic card print only, made here), other input (grey, 32 px high), so fusion can demand
that both agree before a number is reported. Adapter: \`crnn-recognizer.ts\` (\`LineRecognizer\`
named \`card-crnn-v1\`); model file \`card-crnn-v1.onnx\` (${input.file.bytes} bytes, sha256
\`${input.file.sha256}\`, checked at load).

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
**${t.params.toLocaleString('en-US')} parameters**, ONNX opset 13 with dynamic batch and width, ${t.onnx_bytes} bytes.

## Training data (all generated here; nothing downloaded, no real card)

\`tools/train/make-lines.ts\`, deterministic from its seed (training seeds 1…${input.trainCount}, validation
900000…${900000 + input.valCount - 1}). Each line is drawn as SVG and rendered by sharp/librsvg with the system fonts:

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
  it had learned to need a margin); a residual rotation of ±4° and shear of ±7°, horizontal stretch 0.8–1.25,
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
quad with ±15% jitter; lines under 14 px high and occluded lines are left out. ${input.phases.length > 1 ? `Used in fine-tuning (this run: ${input.phases[1]!.train_crops - input.phases[0]!.train_crops} crop slots = detector crops ×4).` : '**Not used by this model** (it was trained before the generator had line truth; the next run fine-tunes with them).'}

## Training

\`tools/train/train.py\` under Debian's \`/usr/bin/python3\` (python3-torch 1.13 CPU, python3-onnx;
libopenblas0-openmp: Debian's torch links the slow reference BLAS otherwise), CTC loss, Adam (warm-up then cosine over a
wall-clock budget), batch ${t.batch} of similar-width crops, gradient clipping 5,
fixed seeds, one thread (the machine is shared). ${input.phases.length > 1
    ? 'First on the rendered crops only (peak lr 1.5e-3), then fine-tuned at peak lr 5e-4 with the detector crops mixed in (repeated ×4).'
    : 'On the rendered crops only (peak lr 1.5e-3); no fine-tuning phase with detector crops in this run.'} This run: ${phaseText}
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

` : ''}Reproduce: \`npm run train\` (all steps), or \`npx tsx tools/train/evaluate.ts --per-face 100\` for the
comparison alone.

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
