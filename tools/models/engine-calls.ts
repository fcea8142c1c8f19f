/**
 * Per-call cost of the learned engines, measured apart from the reader's passes.
 *
 *   npx tsx tools/models/engine-calls.ts capture <photo dir> --out <file.bin> [--limit N]
 *   npx tsx tools/models/engine-calls.ts replay <file.bin> [--repeat N]  [--threads N] [--only det|rec|crnn] [--out result.json] [--compare ref.json]
 *
 * `capture` reads the photos with the real card reader and records every detector and recogniser
 * call (input rasters and options) into one binary file. `replay` runs exactly those calls again on
 * freshly built engines, one after the other, and reports CPU time (process.cpuUsage: what the
 * shared machine's load does not inflate) and wall time per call kind; with `--out` it writes every
 * call's output (quads, scores, texts, confidences as exact doubles) and with `--compare` it
 * checks them against an earlier replay's, so an engine speed change can be proven to read the same.
 *
 * The capture holds photo pixels and raw OCR inputs: keep it under .tmp/ or /tmp (never commit it).
 * Outputs hold raw OCR text in memory only; the written result file holds texts and is for local
 * comparison only (gitignored folders). Lives in tools/: never compiled into dist/.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { createReaderEngines } from '../../functions/adapters/ocr/reader-engines.js';
import type { LineRecognizer, Raster, RecognizedLine, TextDetector, TextRegion } from '../../functions/core/ports.js';
import { createCardReader } from '../../functions/reader/reader.js';

interface DetCall { kind: 'det'; maxSide: number | null; raster: Raster }
interface RecCall { kind: 'rec'; engine: string; rasters: Raster[] }
type Call = DetCall | RecCall;

const MAGIC = 0x454e4731; // "ENG1"

/**
 * Captures hold photo pixels and result files hold raw OCR text (card numbers in full): both are
 * written only under the repository's gitignored `.tmp/` or the system's temporary folder, never
 * where they could be committed or kept by mistake.
 */
function scratchPath(path: string): string {
  const abs = resolve(path);
  const inside = (root: string) => {
    const r = relative(resolve(root), abs);
    return r !== '' && !r.startsWith('..') && !r.startsWith(sep);
  };
  if (!inside('.tmp') && !inside(tmpdir())) {
    throw new Error(`engine-calls writes card data (photo pixels, raw OCR text): expected an output path under .tmp/ or ${tmpdir()}, got ${path}; choose one there.`);
  }
  return abs;
}

function arg(argv: string[], flag: string): string | undefined {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
}

// Binary layout: u32 magic, u32 count, then per call a JSON header (u32 length + utf8) and raw raster bytes.
function encode(calls: Call[]): Buffer {
  const parts: Buffer[] = [];
  const head = Buffer.alloc(8);
  head.writeUInt32LE(MAGIC, 0);
  head.writeUInt32LE(calls.length, 4);
  parts.push(head);
  for (const c of calls) {
    const rasters = c.kind === 'det' ? [c.raster] : c.rasters;
    const meta = JSON.stringify({
      kind: c.kind,
      ...(c.kind === 'det' ? { maxSide: c.maxSide } : { engine: c.engine }),
      rasters: rasters.map((r) => [r.width, r.height, r.channels]),
    });
    const m = Buffer.from(meta, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32LE(m.length, 0);
    parts.push(len, m);
    for (const r of rasters) parts.push(Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength));
  }
  return Buffer.concat(parts);
}

function decode(buf: Buffer): Call[] {
  if (buf.readUInt32LE(0) !== MAGIC) throw new Error('not an engine-calls capture (bad magic)');
  const count = buf.readUInt32LE(4);
  let p = 8;
  const calls: Call[] = [];
  for (let i = 0; i < count; i++) {
    const len = buf.readUInt32LE(p);
    p += 4;
    const meta = JSON.parse(buf.subarray(p, p + len).toString('utf8')) as {
      kind: 'det' | 'rec'; maxSide?: number | null; engine?: string; rasters: Array<[number, number, 1 | 3]>;
    };
    p += len;
    const rasters = meta.rasters.map(([width, height, channels]) => {
      const n = width * height * channels;
      const data = new Uint8Array(buf.subarray(p, p + n));
      p += n;
      return { width, height, channels, data };
    });
    calls.push(meta.kind === 'det'
      ? { kind: 'det', maxSide: meta.maxSide ?? null, raster: rasters[0]! }
      : { kind: 'rec', engine: meta.engine!, rasters });
  }
  return calls;
}

/** `out`: a path {@link scratchPath} has checked (main does, before the run). */
async function capture(dir: string, out: string, limit: number): Promise<void> {
  const truth = JSON.parse(await readFile(join(dir, 'truth.json'), 'utf8')) as unknown;
  const entries = (Array.isArray(truth) ? truth : (truth as { cards?: unknown[]; photos?: unknown[] }).cards ?? (truth as { photos?: unknown[] }).photos ?? []) as Array<{ file: string }>;
  const files = entries.map((e) => e.file).slice(0, limit);
  const calls: Call[] = [];
  const engines = createReaderEngines({ workers: 1 });
  const wrapDet = (d: TextDetector): TextDetector => ({
    name: d.name,
    detect: (image, options = {}) => {
      calls.push({ kind: 'det', maxSide: options.maxSide ?? null, raster: { ...image, data: image.data.slice() } });
      return d.detect(image, options);
    },
    close: () => d.close(),
  });
  const wrapRec = (r: LineRecognizer): LineRecognizer => ({
    name: r.name,
    recognize: (lines) => {
      calls.push({ kind: 'rec', engine: r.name, rasters: lines.map((l) => ({ ...l, data: l.data.slice() })) });
      return r.recognize(lines);
    },
    close: () => r.close(),
  });
  const reader = await createCardReader({
    workers: 1,
    engines: {
      ocr: engines.ocr,
      detector: async () => wrapDet(await engines.detector()),
      recognizers: async () => (await engines.recognizers()).map(wrapRec),
    },
  });
  try {
    for (const f of files) await reader.readPhoto(await readFile(join(dir, f)));
  } finally {
    await reader.close();
  }
  await writeFile(out, encode(calls));
  const det = calls.filter((c) => c.kind === 'det').length;
  const rec = calls.filter((c): c is RecCall => c.kind === 'rec');
  console.log(`captured ${files.length} photos: ${det} detect calls, ${rec.length} recognize calls (${rec.reduce((s, c) => s + c.rasters.length, 0)} crops) -> ${out}`);
}

interface Output { kind: string; regions?: TextRegion[]; lines?: RecognizedLine[] }

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** `out`: a path {@link scratchPath} has checked (main does, before the run). */
async function replay(file: string, repeat: number, only: string | undefined, out: string | undefined, compare: string | undefined, threads: number | undefined): Promise<void> {
  const calls = decode(await readFile(file));
  const engines = createReaderEngines({ workers: 1, ...(threads ? { threads } : {}) });
  const detector = await engines.detector();
  const recognizers = await engines.recognizers();
  const byName = new Map(recognizers.map((r) => [r.name, r]));
  const want = (c: Call): boolean =>
    only === undefined || (only === 'det' ? c.kind === 'det' : c.kind === 'rec' && (only === 'crnn') === (c.kind === 'rec' && c.engine.startsWith('card-crnn')));
  const selected = calls.filter(want);
  const outputs: Output[] = [];
  const stats = new Map<string, { calls: number; items: number; cpu: number[]; wall: number[] }>();
  for (let r = 0; r < repeat; r++) {
    const perKind = new Map<string, { cpu: number; wall: number }>();
    for (const c of selected) {
      const key = c.kind === 'det' ? 'det' : c.engine;
      const c0 = cpuMs(), w0 = performance.now();
      let o: Output;
      if (c.kind === 'det') {
        o = { kind: key, regions: await detector.detect(c.raster, c.maxSide === null ? {} : { maxSide: c.maxSide }) };
      } else {
        const rec = byName.get(c.engine);
        if (!rec) throw new Error(`no recogniser named ${c.engine}`);
        o = { kind: key, lines: await rec.recognize(c.rasters) };
      }
      const acc = perKind.get(key) ?? { cpu: 0, wall: 0 };
      acc.cpu += cpuMs() - c0;
      acc.wall += performance.now() - w0;
      perKind.set(key, acc);
      if (r === 0) outputs.push(o);
      if (r === 0) {
        const s = stats.get(key) ?? { calls: 0, items: 0, cpu: [], wall: [] };
        s.calls++;
        s.items += c.kind === 'det' ? 1 : c.rasters.length;
        stats.set(key, s);
      }
    }
    for (const [k, v] of perKind) {
      stats.get(k)!.cpu.push(v.cpu);
      stats.get(k)!.wall.push(v.wall);
    }
  }
  await detector.close();
  await Promise.all(recognizers.map((r) => r.close()));
  for (const [k, s] of stats) {
    const med = (a: number[]) => a.slice().sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
    const min = (a: number[]) => Math.min(...a);
    console.log(
      `${k.padEnd(14)} ${s.calls} calls, ${s.items} items: CPU median ${med(s.cpu).toFixed(0)} ms (min ${min(s.cpu).toFixed(0)}), ` +
        `wall median ${med(s.wall).toFixed(0)} ms (min ${min(s.wall).toFixed(0)}); per item CPU ${(med(s.cpu) / s.items).toFixed(2)} ms, wall ${(med(s.wall) / s.items).toFixed(2)} ms`,
    );
  }
  if (out) await writeFile(out, JSON.stringify(outputs));
  if (compare) {
    const ref = JSON.parse(await readFile(compare, 'utf8')) as Output[];
    if (ref.length !== outputs.length) throw new Error(`compare: ${ref.length} reference calls, ${outputs.length} now`);
    let same = 0, diff = 0, maxConf = 0, maxCoord = 0, textDiff = 0;
    outputs.forEach((o, i) => {
      const a = JSON.stringify(o), b = JSON.stringify(ref[i]);
      if (a === b) { same++; return; }
      diff++;
      const r = ref[i]!;
      o.lines?.forEach((l, j) => {
        const q = r.lines![j]!;
        if (l.text !== q.text) textDiff++;
        maxConf = Math.max(maxConf, Math.abs(l.confidence - q.confidence));
      });
      o.regions?.forEach((g, j) => {
        const q = r.regions![j];
        if (!q) { maxCoord = Infinity; return; }
        g.quad.forEach((p, k) => { maxCoord = Math.max(maxCoord, Math.abs(p.x - q.quad[k]!.x), Math.abs(p.y - q.quad[k]!.y)); });
        maxConf = Math.max(maxConf, Math.abs(g.score - q.score));
      });
      if (o.regions && o.regions.length !== r.regions!.length) maxCoord = Infinity;
    });
    console.log(`compare: ${same} calls identical, ${diff} differ (lines with other text ${textDiff}, max confidence/score change ${maxConf.toExponential(2)}, max corner shift ${maxCoord.toFixed(3)} px)`);
  }
}

async function main(argv: string[]): Promise<void> {
  const [cmd, target] = argv;
  if (cmd === 'capture' && target) {
    const out = arg(argv, '--out');
    if (!out) throw new Error('capture needs --out <file>');
    await capture(target, scratchPath(out), Number(arg(argv, '--limit') ?? 1e9));
  } else if (cmd === 'replay' && target) {
    const threads = arg(argv, '--threads');
    const out = arg(argv, '--out');
    await replay(target, Number(arg(argv, '--repeat') ?? 3), arg(argv, '--only'), out === undefined ? undefined : scratchPath(out), arg(argv, '--compare'), threads ? Number(threads) : undefined);
  } else {
    throw new Error('usage: engine-calls.ts capture <dir> --out F [--limit N] | replay F [--repeat N] [--only det|rec|crnn] [--out R] [--compare R]');
  }
}

await main(process.argv.slice(2));
