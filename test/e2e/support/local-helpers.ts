/**
 * Helpers for the local pipeline's end-to-end tests: fixtures with their truth, an API
 * client that records every response body, a poller, and the full-PAN sweep.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

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

  /** POST /v1/scans then the returned upload target; resolves with the scan id. */
  async upload(bytes: Uint8Array, contentType = 'image/jpeg'): Promise<string> {
    const created = await this.#json<{ id: string; upload: { url: string; method: string; fields?: Record<string, string> } }>(
      '/v1/scans',
      { method: 'POST', body: JSON.stringify({ contentType }) },
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

/** Every way a PAN could be written out: plain digits and grouped by 4 with spaces or dashes. */
function panForms(pan: string): string[] {
  const groups = pan.match(/.{1,4}/g) ?? [pan];
  return [pan, groups.join(' '), groups.join('-')];
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

/**
 * Where any of `pans` occurs in full: file bytes (as latin1 and as UTF-16LE, how SQLite may
 * store text) and text blobs. Returns a list of `where: form` findings (empty = clean).
 */
export function sweepForPans(
  pans: readonly string[],
  sources: { files?: Array<{ path: string; bytes: Buffer }>; texts?: Array<{ name: string; text: string }> },
): string[] {
  const findings: string[] = [];
  const forms = pans.flatMap(panForms);
  for (const f of sources.files ?? []) {
    for (const form of forms) {
      if (f.bytes.includes(Buffer.from(form, 'latin1')) || f.bytes.includes(Buffer.from(form, 'utf16le'))) {
        findings.push(`${f.path}: ${form.slice(0, 6)}…`);
      }
    }
  }
  for (const t of sources.texts ?? []) {
    for (const form of forms) if (t.text.includes(form)) findings.push(`${t.name}: ${form.slice(0, 6)}…`);
  }
  return findings;
}
