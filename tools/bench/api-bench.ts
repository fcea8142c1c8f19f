/**
 * API throughput benchmark: starts the local pipeline on a temporary data dir, submits N
 * photos concurrently the way a client does (POST /v1/scans, then the signed upload), polls
 * the scan list until every scan is final, and reports photos/second and end-to-end latency
 * (submit → final status seen by the client). `npm run bench -- --api <dir> [--count 50]`.
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { maskPan } from '../../functions/core/mask.js';
import { startLocalPipeline } from '../../functions/local/index.js';
import { createLog } from '../../functions/adapters/log/powertools-log.js';
import { parseCliArgs, positiveInt, UsageError } from '../../functions/cli/usage.js';
import { percentile } from './stats.js';

export interface ApiBenchOptions {
  readonly dir: string;
  /** Photos submitted at once (cycling through the set). */
  readonly count: number;
  /** Pipeline workers (default: the local runner's configuration, i.e. the cores). */
  readonly concurrency: number | null;
  readonly json: boolean;
}

export const API_BENCH_USAGE = 'usage: npm run bench -- --api <dir with photos [+ truth.json]> [--count N] [--concurrency N] [--json]\n';

/** Parses `--api` bench arguments (everything after `--api`). Throws UsageError. */
export function parseApiBenchArgs(argv: readonly string[]): ApiBenchOptions {
  const parsed = parseCliArgs(argv, { count: { type: 'string' }, concurrency: { type: 'string' }, json: { type: 'boolean', default: false } });
  if (parsed.positionals.length !== 1) throw new UsageError('give exactly one directory of photos');
  return {
    dir: parsed.positionals[0] as string,
    count: positiveInt(parsed.values.count, '--count', 1000) ?? 50,
    concurrency: positiveInt(parsed.values.concurrency, '--concurrency', 64) ?? null,
    json: parsed.values.json,
  };
}

export interface ApiBenchReport {
  readonly dir: string;
  readonly photos: number;
  readonly concurrency: number;
  readonly cores: number;
  readonly final: { done: number; failed: number; unfinished: number };
  /** Done scans whose masked PAN matches the truth (when truth.json is present). */
  readonly correctPan: number | null;
  readonly wallSeconds: number;
  readonly photosPerSecond: number;
  readonly latencyMs: { p50: number; p95: number; max: number };
  readonly submitMs: { p50: number; p95: number };
}

interface Truth {
  file: string;
  kind?: string;
  pan?: string;
}

const IMAGE = /\.(jpe?g|png|webp)$/i;

function contentTypeOf(file: string): string {
  if (/\.png$/i.test(file)) return 'image/png';
  if (/\.webp$/i.test(file)) return 'image/webp';
  return 'image/jpeg';
}

/** Runs the API benchmark. `env` supplies the local runner's configuration. */
export async function runApiBench(
  opts: ApiBenchOptions,
  env: Record<string, string | undefined>,
  log: (line: string) => void,
): Promise<ApiBenchReport> {
  let truth: Truth[] | null = null;
  try {
    truth = JSON.parse(await readFile(join(opts.dir, 'truth.json'), 'utf8')) as Truth[];
  } catch {
    truth = null;
  }
  const files = truth ? truth.map((t) => t.file) : (await readdir(opts.dir)).filter((f) => IMAGE.test(f)).sort();
  if (files.length === 0) throw new UsageError(`no photos in ${opts.dir}`);
  const photos = await Promise.all(files.map(async (f) => ({ file: f, bytes: await readFile(join(opts.dir, f)) })));
  const panOf = new Map((truth ?? []).map((t) => [t.file, t.pan ?? null]));

  const dataDir = await mkdtemp(join(tmpdir(), 'cardocr-api-bench-'));
  const token = 'api-bench-token-0123456789abcdef';
  const pipeline = await startLocalPipeline({
    port: 0,
    dataDir,
    token,
    env,
    ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
    log: createLog({ service: 'cardocr', level: 'warn', sink: (line) => log(line) }),
    print: () => {},
  });
  const concurrency = opts.concurrency ?? Math.max(1, cpus().length);
  const auth = { Authorization: `Bearer ${token}` };
  try {
    log(`api bench: ${opts.count} photos from ${opts.dir}, ${concurrency} workers, ${pipeline.url}`);
    const started = performance.now();
    const submitted = await Promise.all(
      Array.from({ length: opts.count }, async (_, i) => {
        const photo = photos[i % photos.length]!;
        const t0 = performance.now();
        const type = contentTypeOf(photo.file);
        const res = await fetch(`${pipeline.url}/v1/scans`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ contentType: type }),
        });
        if (res.status !== 201) throw new Error(`POST /v1/scans answered ${res.status}`);
        const created = (await res.json()) as { id: string; upload: { url: string; method: string; fields?: Record<string, string> } };
        const form = new FormData();
        for (const [k, v] of Object.entries(created.upload.fields ?? {})) form.append(k, v);
        form.append('file', new Blob([photo.bytes], { type }), photo.file);
        const up = await fetch(created.upload.url, { method: created.upload.method, body: form });
        if (up.status >= 300) throw new Error(`upload answered ${up.status}`);
        return { id: created.id, file: photo.file, t0, submitted: performance.now() };
      }),
    );
    const pending = new Map(submitted.map((s) => [s.id, s]));
    const finished = new Map<string, { ms: number; status: string; pan: string | null }>();
    const deadline = Date.now() + 15 * 60_000;
    while (pending.size > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      let cursor: string | null = null;
      do {
        const qs = new URLSearchParams({ limit: '100', ...(cursor ? { cursor } : {}) });
        const res = await fetch(`${pipeline.url}/v1/scans?${qs}`, { headers: auth });
        if (res.status === 429) break;
        const page = (await res.json()) as { items: Array<{ id: string; status: string; card: { pan: string | null } | null }>; nextCursor: string | null };
        const now = performance.now();
        for (const s of page.items) {
          const sub = pending.get(s.id);
          if (sub && (s.status === 'done' || s.status === 'failed')) {
            finished.set(s.id, { ms: now - sub.t0, status: s.status, pan: s.card?.pan ?? null });
            pending.delete(s.id);
          }
        }
        cursor = page.nextCursor;
      } while (cursor);
    }
    const wallSeconds = (performance.now() - started) / 1000;
    const results = [...finished.values()];
    const latencies = results.map((r) => r.ms);
    const byId = new Map(submitted.map((s) => [s.id, s.file]));
    let correctPan: number | null = null;
    if (truth) {
      correctPan = 0;
      for (const [id, r] of finished) {
        const pan = panOf.get(byId.get(id)!);
        if (r.status === 'done' && pan && r.pan === maskPan(pan)) correctPan++;
      }
    }
    const round = (n: number) => Math.round(n);
    return {
      dir: opts.dir,
      photos: opts.count,
      concurrency,
      cores: cpus().length,
      final: {
        done: results.filter((r) => r.status === 'done').length,
        failed: results.filter((r) => r.status === 'failed').length,
        unfinished: pending.size,
      },
      correctPan,
      wallSeconds: Math.round(wallSeconds * 100) / 100,
      photosPerSecond: Math.round((finished.size / wallSeconds) * 100) / 100,
      latencyMs: { p50: round(percentile(latencies, 50)), p95: round(percentile(latencies, 95)), max: round(Math.max(...latencies)) },
      submitMs: {
        p50: round(percentile(submitted.map((s) => s.submitted - s.t0), 50)),
        p95: round(percentile(submitted.map((s) => s.submitted - s.t0), 95)),
      },
    };
  } finally {
    await pipeline.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Human-readable report. */
export function formatApiReport(r: ApiBenchReport): string {
  return [
    `API throughput (local pipeline, ${r.concurrency} workers on ${r.cores} cores)`,
    `  photos submitted concurrently: ${r.photos} from ${r.dir}`,
    `  final: ${r.final.done} done, ${r.final.failed} failed, ${r.final.unfinished} unfinished` +
      (r.correctPan === null ? '' : `; masked PAN right on ${r.correctPan}`),
    `  wall time: ${r.wallSeconds} s  →  ${r.photosPerSecond} photos/s`,
    `  end-to-end latency (submit → final): p50 ${r.latencyMs.p50} ms, p95 ${r.latencyMs.p95} ms, max ${r.latencyMs.max} ms`,
    `  submit (POST /v1/scans + upload): p50 ${r.submitMs.p50} ms, p95 ${r.submitMs.p95} ms`,
    '',
  ].join('\n');
}
