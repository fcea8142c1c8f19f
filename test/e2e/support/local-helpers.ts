/**
 * Helpers for the local pipeline's end-to-end tests: fixtures with their truth, an API
 * client that records every response body, a poller, and the full-PAN sweep.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Log } from '../../../functions/core/log.js';
import { DEFAULT_IMAGE_LIMITS } from '../../../functions/reader/decode.js';

export const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'cards');

export interface FixtureTruth {
  file: string;
  kind: 'payment_card' | 'none';
  pan?: string;
  brand?: string;
  expiry?: string;
  name?: string;
  style?: Record<string, unknown>;
}

export function loadTruth(): FixtureTruth[] {
  return JSON.parse(readFileSync(join(FIXTURES, 'truth.json'), 'utf8')) as FixtureTruth[];
}

/** The plainest card fixtures first (flat print, plain background, no blur/noise/dark). */
export function plainCards(): FixtureTruth[] {
  return loadTruth().filter(
    (t) => t.kind === 'payment_card' && t.pan && t.style?.['background'] === 'plain' && !t.style?.['emboss'] && !t.style?.['dark'] && !t.style?.['blur'],
  );
}

export function fixtureBytes(file: string): Buffer {
  return readFileSync(join(FIXTURES, file));
}

/**
 * The runtime options the folder-intake fault tests share (spread into createLocalRuntime's):
 * one worker, three attempts, a day's retention, a minute's lease, the default image limits.
 */
export function localRuntimeBase(dataDir: string, log: Log) {
  return { dataDir, concurrency: 1, maxAttempts: 3, retentionDays: 1, leaseMs: 60_000, limits: DEFAULT_IMAGE_LIMITS, uploadUrl: '/local-upload', log };
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 120_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface ScanView {
  id: string;
  status: string;
  key: string | null;
  outcome: string | null;
  card: { pan: string | null; last4: string | null; brand: string | null; expiry: string | null; name: string | null } | null;
  error: { code: string; message: string } | null;
}

/** A small API client; every response body it sees is kept for the PAN sweep. */
export class ApiClient {
  readonly bodies: string[] = [];
  constructor(
    readonly base: string,
    readonly token: string,
  ) {}

  async #json<T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
    const res = await fetch(this.base + path, {
      ...init,
      headers: { Authorization: `Bearer ${this.token}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
    });
    const text = await res.text();
    this.bodies.push(text);
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
  }

  /** POST /v1/scans (with the client-side `filename`, if given) then the returned upload target; resolves with the scan id. */
  async upload(bytes: Uint8Array, contentType = 'image/jpeg', filename?: string): Promise<string> {
    const created = await this.#json<{ id: string; upload: { url: string; method: string; fields?: Record<string, string> } }>(
      '/v1/scans',
      { method: 'POST', body: JSON.stringify({ contentType, ...(filename ? { filename } : {}) }) },
    );
    if (created.status !== 201) throw new Error(`POST /v1/scans answered ${created.status}`);
    const { upload } = created.body;
    const form = new FormData();
    for (const [k, v] of Object.entries(upload.fields ?? {})) form.append(k, v);
    form.append('file', new Blob([Buffer.from(bytes)], { type: contentType }), 'photo.jpg');
    const res = await fetch(upload.url, { method: upload.method, body: form });
    this.bodies.push(await res.text());
    if (res.status >= 300) throw new Error(`upload answered ${res.status}`);
    return created.body.id;
  }

  async get(id: string): Promise<ScanView> {
    const r = await this.#json<ScanView>(`/v1/scans/${id}`);
    if (r.status !== 200) throw new Error(`GET scan answered ${r.status}`);
    return r.body;
  }

  async list(query: Record<string, string> = {}): Promise<{ items: ScanView[]; nextCursor: string | null }> {
    const qs = new URLSearchParams({ limit: '100', ...query }).toString();
    const r = await this.#json<{ items: ScanView[]; nextCursor: string | null }>(`/v1/scans?${qs}`);
    if (r.status !== 200) throw new Error(`GET scans answered ${r.status}`);
    return r.body;
  }

  /** Polls until the scan reaches done or failed. */
  async final(id: string, timeoutMs = 90_000): Promise<ScanView> {
    return waitFor(`scan ${id} to finish`, async () => {
      const s = await this.get(id);
      return s.status === 'done' || s.status === 'failed' ? s : null;
    }, timeoutMs);
  }
}

/**
 * Separators a person, a tool or an encoding may put between a PAN's digit groups: space,
 * dash, two spaces, " - ", comma, dot, underscore (what the folder intake turns a control
 * character into), slash, a tab, the JSON-escaped tab of a log line (a literal `\t`, or `\\t`
 * when an already quoted name is logged as a JSON field), and the
 * URL encodings of those (`%20`, `+`, `%20%20`, `++`, `+-+`, `%2C`, `%09`...) that URLs, query
 * strings and S3 event keys carry.
 */
const SEPARATORS = [
  ...['', ' ', '-', '  ', ' - ', ',', ', ', '.', '_', '/', '\t', '\\t', '\\\\t'],
  ...['%20', '+', '%20%20', '++', '%20-%20', '+-+', '%2C', '%2C+', '%09', '%2F'],
];

/** Every way a PAN could be written out: its digits grouped by 4 (and 4-6-5 for 15 digits) with each separator. */
export function panForms(pan: string): string[] {
  const groupings = [pan.match(/.{1,4}/g) ?? [pan]];
  if (pan.length === 15) groupings.push([pan.slice(0, 4), pan.slice(4, 10), pan.slice(10)]);
  return [...new Set(groupings.flatMap((groups) => SEPARATORS.map((sep) => groups.join(sep))))];
}

/** Every file under `dir` (recursively), as bytes. */
export function filesUnder(dir: string): Array<{ path: string; bytes: Buffer }> {
  const out: Array<{ path: string; bytes: Buffer }> = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = statSync(path);
    if (st.isDirectory()) out.push(...filesUnder(path));
    else if (st.isFile()) out.push({ path, bytes: readFileSync(path) });
  }
  return out;
}

/** Every entry under `dir` (recursively: directories, files, links, anything), as paths. */
export function pathsUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    out.push(path);
    if (entry.isDirectory()) out.push(...pathsUnder(path));
  }
  return out;
}

/**
 * Where any of `pans` occurs in full, in any of its `panForms`: file bytes (as latin1 and as
 * UTF-16LE, how SQLite may store text), file and directory paths (the swept files' own paths
 * and `paths`), and text blobs. Returns a list of `where: form` findings (empty = clean).
 */
export function sweepForPans(
  pans: readonly string[],
  sources: { files?: Array<{ path: string; bytes: Buffer }>; paths?: readonly string[]; texts?: Array<{ name: string; text: string }> },
): string[] {
  const findings: string[] = [];
  const forms = pans.flatMap(panForms);
  // A finding names where and how much of the number, never the number itself.
  const shown = (form: string) => JSON.stringify(form.slice(0, 6) + '…');
  for (const f of sources.files ?? []) {
    for (const form of forms) {
      if (f.bytes.includes(Buffer.from(form, 'latin1')) || f.bytes.includes(Buffer.from(form, 'utf16le'))) {
        findings.push(`file bytes ${redactPath(f.path)}: ${shown(form)}`);
      }
    }
  }
  const paths = new Set([...(sources.files ?? []).map((f) => f.path), ...(sources.paths ?? [])]);
  for (const path of paths) {
    for (const form of forms) if (path.includes(form)) findings.push(`path ${redactPath(path)}: ${shown(form)}`);
  }
  for (const t of sources.texts ?? []) {
    for (const form of forms) if (t.text.includes(form)) findings.push(`${t.name}: ${shown(form)}`);
  }
  return findings;
}

/** A path as a finding names it: every digit after the first six of a long run hidden, so the report itself holds no number. */
function redactPath(path: string): string {
  return path.replace(/\d[\d\s\-+._,/%]{11,}/g, (run) => run.slice(0, 6) + '…');
}
