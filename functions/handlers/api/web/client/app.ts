/**
 * The web page script (served at `/assets/app.js`): typed browser TypeScript, no framework,
 * bundled by esbuild at build time (tools/build-web.mjs → app-bundle.gen.ts). Pick, drop or
 * take a photo, upload it to the signed target, poll the scan, show the masked result and
 * recent scans. Only masked card fields ever reach this page; the API's own response types
 * (schemas.ts) type what it reads.
 */
import type { CreatedScanView as CreatedScan, ScanListView as ScanList, ScanView } from '../../schemas.js';

type ScanStatus = ScanView['status'];
type UploadTarget = CreatedScan['upload'];

const TOKEN_KEY = 'cardocr.token';
const ACCEPTED = ['image/jpeg', 'image/png', 'image/webp'];
const PROGRESS: Record<ScanStatus, number> = { awaiting_upload: 10, queued: 45, preprocessing: 60, reading: 80, done: 100, failed: 100 };
const STATUS_TEXT: Record<ScanStatus, string> = {
  awaiting_upload: 'Waiting for the upload…',
  queued: 'Queued for processing…',
  preprocessing: 'Finding the card in the photo…',
  reading: 'Reading the card…',
  done: 'Done.',
  failed: 'Could not read this photo.',
};
const IN_FLIGHT: readonly ScanStatus[] = ['queued', 'preprocessing', 'reading'];
const POLL_LIMIT_MS = 5 * 60 * 1000;

/** The page's element with this id, of the expected kind (the markup is index-html.ts). */
function $<T extends HTMLElement>(id: string, kind: { new (): T }): T {
  const node = document.getElementById(id);
  if (!(node instanceof kind)) throw new Error(`the page has no ${kind.name} #${id}`);
  return node;
}

const el = {
  tokenSection: $('token-section', HTMLElement),
  tokenForm: $('token-form', HTMLFormElement),
  tokenInput: $('token-input', HTMLInputElement),
  forget: $('forget-token', HTMLButtonElement),
  scanSection: $('scan-section', HTMLElement),
  recentSection: $('recent-section', HTMLElement),
  drop: $('drop', HTMLElement),
  fileCamera: $('file-camera', HTMLInputElement),
  filePick: $('file-pick', HTMLInputElement),
  progressBox: $('progress-box', HTMLElement),
  progress: $('progress', HTMLProgressElement),
  statusText: $('status-text', HTMLElement),
  result: $('result', HTMLElement),
  resultPan: $('result-pan', HTMLElement),
  resultBrand: $('result-brand', HTMLElement),
  resultExpiry: $('result-expiry', HTMLElement),
  resultName: $('result-name', HTMLElement),
  resultNote: $('result-note', HTMLElement),
  error: $('error', HTMLElement),
  recent: $('recent', HTMLElement),
  recentEmpty: $('recent-empty', HTMLElement),
  refresh: $('refresh', HTMLButtonElement),
};

let busy = false;

// --- token -----------------------------------------------------------------------------
// The runner prints a URL with #token=…; the fragment never reaches a server. Keep it for
// this tab only and remove it from the address bar and history straight away.
function takeTokenFromFragment(): void {
  const hash = window.location.hash.replace(/^#/, '');
  if (!hash) return;
  const token = new URLSearchParams(hash).get('token');
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  history.replaceState(null, '', window.location.pathname + window.location.search);
}

function token(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

function showTokenPrompt(message: string): void {
  el.tokenSection.hidden = false;
  el.scanSection.hidden = true;
  el.recentSection.hidden = true;
  el.forget.hidden = true;
  if (message) showError(message);
  el.tokenInput.focus();
}

function showApp(): void {
  el.tokenSection.hidden = true;
  el.scanSection.hidden = false;
  el.recentSection.hidden = false;
  el.forget.hidden = false;
}

// --- API -------------------------------------------------------------------------------
class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function api<T>(path: string, options: { method?: string; body?: unknown } = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', Authorization: `Bearer ${token() ?? ''}` };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {
    method: options.method ?? 'GET',
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    cache: 'no-store',
    credentials: 'omit',
  });
  if (res.status === 204) return null as T;
  let data: unknown = null;
  try {
    data = await res.json();
  } catch {
    data = null;
  }
  if (!res.ok) {
    const err = (data as { error?: { code: string; message: string } } | null)?.error ?? { code: 'internal', message: `HTTP ${res.status}` };
    if (res.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      showTokenPrompt('The token was not accepted. Enter a valid token.');
    }
    throw new ApiError(res.status, err.code, err.message);
  }
  return data as T;
}

// Uploads with XMLHttpRequest because fetch cannot report upload progress.
function upload(target: UploadTarget, file: File, onProgress: (fraction: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(target.method, target.url);
    let body: FormData | File;
    if (target.method === 'POST') {
      const form = new FormData();
      for (const [name, value] of Object.entries(target.fields ?? {})) form.append(name, value);
      form.append('file', file);
      body = form;
    } else {
      for (const [name, value] of Object.entries(target.headers ?? {})) xhr.setRequestHeader(name, value);
      body = file;
    }
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve();
      else reject(new Error(`The upload was refused (HTTP ${xhr.status}).`));
    };
    xhr.onerror = () => reject(new Error('The upload failed: network error.'));
    xhr.send(body);
  });
}

// --- rendering -------------------------------------------------------------------------
function showError(message: string): void {
  el.error.textContent = message;
  el.error.hidden = !message;
}

function setProgress(value: number, text: string): void {
  el.progressBox.hidden = false;
  el.progress.value = Math.round(value);
  el.progress.setAttribute('aria-valuetext', text);
  el.statusText.textContent = text;
}

const BRANDS: Readonly<Record<string, string>> = {
  visa: 'Visa',
  mastercard: 'Mastercard',
  amex: 'American Express',
  'american-express': 'American Express',
  diners: 'Diners Club',
  'diners-club': 'Diners Club',
  discover: 'Discover',
  jcb: 'JCB',
  unionpay: 'UnionPay',
  maestro: 'Maestro',
  mir: 'Mir',
  elo: 'Elo',
  hiper: 'Hiper',
  hipercard: 'Hipercard',
};

function brandName(brand: string | null | undefined): string {
  if (!brand) return '—';
  return BRANDS[brand] ?? brand.replace(/-/g, ' ');
}

function showResult(scan: ScanView): void {
  const card = scan.card;
  el.resultPan.textContent = card?.pan ?? 'not read';
  el.resultBrand.textContent = brandName(card?.brand);
  el.resultExpiry.textContent = card?.expiry ?? '—';
  el.resultName.textContent = card?.name ?? '—';
  const missing = Object.entries(scan.missing).map(([field, why]) => `${field}: ${why.replace(/_/g, ' ')}`);
  el.resultNote.textContent = missing.length ? `Not reported — ${missing.join('; ')}` : '';
  el.result.hidden = false;
}

function describe(scan: ScanView): string {
  if (scan.card?.pan) return scan.card.pan;
  if (scan.status === 'failed') return `failed${scan.error ? ` (${scan.error.code.replace(/_/g, ' ')})` : ''}`;
  if (scan.status === 'done') return 'no number read';
  return `${scan.status.replace(/_/g, ' ')}…`;
}

function renderRecent(items: readonly ScanView[]): void {
  el.recent.replaceChildren();
  el.recentEmpty.hidden = items.length > 0;
  for (const scan of items) {
    const li = document.createElement('li');
    li.dataset['scanId'] = scan.id;
    const text = document.createElement('span');
    text.className = 'scan-text';
    const main = document.createElement('span');
    main.className = 'scan-pan';
    main.textContent = describe(scan);
    const meta = document.createElement('span');
    meta.className = 'scan-meta';
    const bits: string[] = [];
    if (scan.card?.brand) bits.push(brandName(scan.card.brand));
    if (scan.card?.expiry) bits.push(scan.card.expiry);
    bits.push(new Date(scan.createdAt).toLocaleString());
    meta.textContent = bits.join(' · ');
    text.append(main, meta);
    const del = document.createElement('button');
    del.type = 'button';
    del.className = 'delete';
    del.textContent = 'Delete';
    del.setAttribute('aria-label', `Delete scan ${describe(scan)} from ${new Date(scan.createdAt).toLocaleString()}`);
    if (IN_FLIGHT.includes(scan.status)) {
      // The API refuses (409) while the pipeline works on a scan; say so instead of failing.
      del.disabled = true;
      del.title = 'Being processed: it can be deleted once finished';
    }
    del.addEventListener('click', () => void deleteScan(scan.id, del));
    li.append(text, del);
    el.recent.append(li);
  }
}

async function refreshRecent(): Promise<void> {
  if (!token()) return;
  try {
    const page = await api<ScanList>('/v1/scans?limit=10');
    renderRecent(page.items);
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401)) showError(`Could not load recent scans: ${(e as Error).message}`);
  }
}

async function deleteScan(id: string, button: HTMLButtonElement): Promise<void> {
  button.disabled = true;
  try {
    await api<null>(`/v1/scans/${encodeURIComponent(id)}`, { method: 'DELETE' });
    showError('');
  } catch (e) {
    button.disabled = false;
    if (e instanceof ApiError && e.code === 'conflict') showError('That scan is still being processed; delete it when it has finished.');
    else if (!(e instanceof ApiError && e.status === 404)) showError(`Could not delete the scan: ${(e as Error).message}`);
  }
  await refreshRecent();
}

// --- the scan flow ---------------------------------------------------------------------
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function poll(id: string): Promise<ScanView> {
  const started = Date.now();
  let delay = 500;
  let last = '';
  for (;;) {
    const scan = await api<ScanView>(`/v1/scans/${encodeURIComponent(id)}`);
    setProgress(PROGRESS[scan.status] ?? 50, STATUS_TEXT[scan.status] ?? scan.status);
    if (scan.status !== last) {
      last = scan.status;
      void refreshRecent();
    }
    if (scan.status === 'done' || scan.status === 'failed') return scan;
    if (Date.now() - started > POLL_LIMIT_MS) throw new Error('Still processing after 5 minutes; check the recent scans later.');
    await sleep(delay);
    delay = Math.min(2000, Math.round(delay * 1.3));
  }
}

async function handleFile(file: File | undefined): Promise<void> {
  if (!file || busy) return;
  showError('');
  el.result.hidden = true;
  if (!ACCEPTED.includes(file.type)) {
    showError(`Please choose a JPEG, PNG or WebP photo (this file is ${file.type || 'of an unknown type'}).`);
    return;
  }
  busy = true;
  el.drop.setAttribute('aria-busy', 'true');
  try {
    setProgress(2, 'Preparing the upload…');
    const created = await api<CreatedScan>('/v1/scans', { method: 'POST', body: { contentType: file.type } });
    if (file.size > created.upload.maxBytes) {
      throw new Error(
        `The photo is too large (${Math.ceil(file.size / 1048576)} MB); the limit is ${Math.floor(created.upload.maxBytes / 1048576)} MB.`,
      );
    }
    await upload(created.upload, file, (f) => setProgress(5 + f * 35, `Uploading… ${Math.round(f * 100)}%`));
    setProgress(40, 'Uploaded. Waiting for processing…');
    void refreshRecent();
    const scan = await poll(created.id);
    if (scan.status === 'done') {
      setProgress(100, scan.card?.pan ? 'Done.' : 'Done, but no card number could be read.');
      showResult(scan);
    } else {
      setProgress(100, STATUS_TEXT.failed);
      showError(`Could not read this photo: ${scan.error ? scan.error.message : 'unknown error'}.`);
    }
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401)) showError((e as Error).message);
    el.progressBox.hidden = true;
  } finally {
    busy = false;
    el.drop.removeAttribute('aria-busy');
    el.fileCamera.value = '';
    el.filePick.value = '';
    void refreshRecent();
  }
}

// --- wiring ----------------------------------------------------------------------------
function init(): void {
  takeTokenFromFragment();
  el.tokenForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const value = el.tokenInput.value.trim();
    if (!value) return;
    sessionStorage.setItem(TOKEN_KEY, value);
    el.tokenInput.value = '';
    showError('');
    showApp();
    void refreshRecent();
  });
  el.forget.addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    el.recent.replaceChildren();
    showTokenPrompt('');
  });
  for (const input of [el.fileCamera, el.filePick]) {
    input.addEventListener('change', () => void handleFile(input.files?.[0]));
  }
  el.drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    el.drop.classList.add('over');
  });
  el.drop.addEventListener('dragleave', () => el.drop.classList.remove('over'));
  el.drop.addEventListener('drop', (e) => {
    e.preventDefault();
    el.drop.classList.remove('over');
    void handleFile(e.dataTransfer?.files[0]);
  });
  el.refresh.addEventListener('click', () => void refreshRecent());
  if (token()) {
    showApp();
    void refreshRecent();
  } else {
    showTokenPrompt('');
  }
}

init();
