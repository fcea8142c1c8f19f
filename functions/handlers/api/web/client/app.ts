/**
 * The web page script (served at `/assets/app.js`): typed browser TypeScript, no framework,
 * bundled by esbuild at build time (tools/build-web.mjs → app-bundle.gen.ts).
 *
 * Pick, drop or take photos (several at once: one scan each, shown as a batch with per-file
 * progress); each is checked for type and size here first, so a refused file never creates
 * a scan. Accepted photos go to their signed upload target; the page polls each scan and
 * shows what was read over the user's own photo (overlay.ts). Recent scans are listed with
 * the file name and a thumbnail made here from the user's file — both live in this page's
 * memory only (the thumbnail is never uploaded or stored; a reload forgets it).
 *
 * Only masked card fields ever reach this page; the API's own response types (schemas.ts)
 * type what it reads.
 */
import type { CreatedScanView as CreatedScan, GeometryView, ScanListView as ScanList, ScanView } from '../../schemas.js';
import type { PageConfig } from '../page-config.js';
import { FIELDS, adviceFor, inMB, maskDigits, missingReason, shortStatus, type FieldKey } from './advice.js';
import { SignInError, createAuth } from './auth.js';
import { buildOverlay, fieldValue } from './overlay.js';

type ScanStatus = ScanView['status'];
type UploadTarget = CreatedScan['upload'];

const PROGRESS: Record<ScanStatus, number> = { awaiting_upload: 35, queued: 45, preprocessing: 60, reading: 80, done: 100, failed: 100 };
const IN_FLIGHT: readonly ScanStatus[] = ['queued', 'preprocessing', 'reading'];
const POLL_LIMIT_MS = 5 * 60 * 1000;
const PAGE_SIZE = 10;
/** Uploads at once: a phone on a slow link does better with a few than with twenty. */
const PARALLEL_UPLOADS = 3;

/** The page's element with this id, of the expected kind (the markup is index-html.ts). */
function $<T extends Element>(id: string, kind: abstract new () => T): T {
  const node = document.getElementById(id);
  if (!(node instanceof kind)) throw new Error(`the page has no ${kind.name} #${id}`);
  return node;
}

const el = {
  signOut: $('sign-out', HTMLButtonElement),
  error: $('error', HTMLElement),
  signinSection: $('signin-section', HTMLElement),
  signIn: $('sign-in', HTMLButtonElement),
  tokenSection: $('token-section', HTMLElement),
  tokenForm: $('token-form', HTMLFormElement),
  tokenInput: $('token-input', HTMLInputElement),
  scanSection: $('scan-section', HTMLElement),
  scanTitle: $('scan-title', HTMLElement),
  drop: $('drop', HTMLElement),
  fileCamera: $('file-camera', HTMLInputElement),
  filePick: $('file-pick', HTMLInputElement),
  limitsHint: $('limits-hint', HTMLElement),
  status: $('status-text', HTMLElement),
  batch: $('batch', HTMLOListElement),
  resultSection: $('result-section', HTMLElement),
  resultTitle: $('result-title', HTMLElement),
  resultFile: $('result-file', HTMLElement),
  photoFrame: $('photo-frame', HTMLElement),
  photoCaption: $('photo-caption', HTMLElement),
  resultAdvice: $('result-advice', HTMLElement),
  resultFields: $('result-fields', HTMLDListElement),
  resultTiming: $('result-timing', HTMLElement),
  recentSection: $('recent-section', HTMLElement),
  filter: $('filter', HTMLSelectElement),
  refresh: $('refresh', HTMLButtonElement),
  recent: $('recent', HTMLUListElement),
  recentEmpty: $('recent-empty', HTMLElement),
  more: $('more', HTMLButtonElement),
  confirm: $('confirm-delete', HTMLDialogElement),
  confirmText: $('confirm-text', HTMLElement),
  confirmCancel: $('confirm-cancel', HTMLButtonElement),
  confirmOk: $('confirm-ok', HTMLButtonElement),
};

function readConfig(): PageConfig {
  const raw = document.querySelector('meta[name="cardocr-config"]')?.getAttribute('content');
  try {
    if (raw) return JSON.parse(raw) as PageConfig;
  } catch {
    // fall through to the defaults
  }
  return { auth: { mode: 'token' }, maxInputBytes: 15 * 1024 * 1024, acceptedTypes: ['image/jpeg', 'image/png', 'image/webp'] };
}

const config = readConfig();
const auth = createAuth(config.auth);

/** What this page knows about a scan it uploaded: the user's file, its name, its thumbnail. Memory only. */
interface LocalPhoto {
  readonly name: string;
  readonly file: File;
  thumb: string | null;
  photo: string | null;
}
const photos = new Map<string, LocalPhoto>();

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

async function api<T>(path: string, options: { method?: string; body?: unknown } = {}, retried = false): Promise<T> {
  const token = await auth.token();
  if (!token) {
    showSignedOut('');
    throw new ApiError(401, 'unauthorized', 'not signed in');
  }
  const headers: Record<string, string> = { Accept: 'application/json', Authorization: `Bearer ${token}` };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {
    method: options.method ?? 'GET',
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    cache: 'no-store',
    credentials: 'omit',
  });
  if (res.status === 204) return null as T;
  const data: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const err = (data as { error?: { code: string; message: string } } | null)?.error ?? { code: 'internal', message: `HTTP ${res.status}` };
    if (res.status === 401) {
      if (!retried && (await auth.recover())) return api<T>(path, options, true);
      showSignedOut(auth.mode === 'token' ? 'The token was not accepted. Enter a valid token.' : 'Your session has ended. Sign in again.');
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
      else reject(new Error(`The upload was refused (HTTP ${xhr.status}). Try the photo again.`));
    };
    xhr.onerror = () => reject(new Error('The upload failed: check your connection and try again.'));
    xhr.send(body);
  });
}

// --- views -----------------------------------------------------------------------------
function showError(message: string): void {
  el.error.textContent = message;
  el.error.hidden = !message;
}

function announce(message: string): void {
  el.status.textContent = message;
}

function showSignedOut(message: string): void {
  el.scanSection.hidden = true;
  el.recentSection.hidden = true;
  el.resultSection.hidden = true;
  el.signOut.hidden = true;
  el.tokenSection.hidden = auth.mode !== 'token';
  el.signinSection.hidden = auth.mode !== 'oauth';
  if (message) showError(message);
  if (auth.mode === 'token') el.tokenInput.focus();
  else el.signIn.focus();
}

function showApp(): void {
  el.tokenSection.hidden = true;
  el.signinSection.hidden = true;
  el.scanSection.hidden = false;
  el.recentSection.hidden = false;
  el.signOut.hidden = false;
  el.signOut.textContent = auth.mode === 'oauth' ? 'Sign out' : 'Forget token';
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

function brandName(brand: string | null | undefined): string | null {
  if (!brand) return null;
  return BRANDS[brand] ?? brand.replace(/-/g, ' ');
}

function seconds(ms: number): string {
  return ms >= 10_000 ? `${Math.round(ms / 1000)} s` : `${(ms / 1000).toFixed(1)} s`;
}

function node<K extends keyof HTMLElementTagNameMap>(tag: K, className = '', text = ''): HTMLElementTagNameMap[K] {
  const n = document.createElement(tag);
  if (className) n.className = className;
  if (text) n.textContent = text;
  return n;
}

/** A thumbnail of the user's file, made here (downscaled on a canvas); the file's own URL if that fails. */
async function thumbnailOf(entry: LocalPhoto): Promise<string> {
  if (entry.thumb) return entry.thumb;
  try {
    const bitmap = await createImageBitmap(entry.file, { resizeWidth: 128, resizeQuality: 'medium' });
    const canvas = document.createElement('canvas');
    canvas.width = bitmap.width;
    canvas.height = bitmap.height;
    canvas.getContext('2d')?.drawImage(bitmap, 0, 0);
    bitmap.close();
    const blob = await new Promise<Blob | null>((r) => canvas.toBlob(r, 'image/jpeg', 0.8));
    entry.thumb = URL.createObjectURL(blob ?? entry.file);
  } catch {
    entry.thumb = URL.createObjectURL(entry.file);
  }
  return entry.thumb;
}

function photoUrl(entry: LocalPhoto): string {
  entry.photo ??= URL.createObjectURL(entry.file);
  return entry.photo;
}

function thumbImage(entry: LocalPhoto | undefined): HTMLElement {
  if (!entry) {
    const placeholder = node('span', 'thumb placeholder');
    placeholder.setAttribute('aria-hidden', 'true');
    placeholder.title = 'The picture is only kept in the tab that scanned it';
    return placeholder;
  }
  const img = node('img', 'thumb');
  img.alt = '';
  img.width = 64;
  img.height = 40;
  void thumbnailOf(entry).then((url) => (img.src = url));
  return img;
}

/** The result of one scan, drawn over the user's photo when this page still has it. */
function showResult(scan: ScanView, focus: boolean): void {
  const entry = photos.get(scan.id);
  el.resultSection.hidden = false;
  el.resultSection.dataset['scanId'] = scan.id;
  el.resultFile.textContent = entry ? entry.name : `Scan of ${new Date(scan.createdAt).toLocaleString()}`;

  const geometry: GeometryView | null = scan.geometry ?? null;
  el.photoFrame.replaceChildren();
  if (entry) {
    const img = node('img', 'photo-img');
    img.alt = `Your photo ${entry.name}`;
    img.src = photoUrl(entry);
    el.photoFrame.append(img);
    const overlay = buildOverlay(scan, geometry);
    if (overlay) el.photoFrame.append(overlay);
    el.photoCaption.textContent = overlay
      ? geometry?.corners
        ? 'The card outline and the fields found, on your photo.'
        : 'The fields found, on your photo (no card outline was found).'
      : scan.status === 'failed'
        ? 'Your photo.'
        : 'Your photo (the position of the card was not reported for this scan).';
  } else {
    el.photoCaption.textContent = 'The photo is not kept: it was only shown in the tab that scanned it.';
  }
  el.photoFrame.hidden = !entry;

  const advice = adviceFor(scan);
  el.resultAdvice.textContent = advice ?? '';
  el.resultAdvice.hidden = !advice;
  el.resultAdvice.classList.toggle('bad', scan.status === 'failed' || !scan.card?.pan);

  el.resultFields.replaceChildren();
  if (scan.status === 'done') {
    for (const { key, label } of FIELDS) el.resultFields.append(...fieldRow(scan, key, label, geometry));
    const brand = brandName(scan.card?.brand);
    const dt = node('dt', '', 'Brand');
    const dd = node('dd', brand ? '' : 'missing', brand ?? 'not known without the number');
    el.resultFields.append(dt, dd);
  }
  const t = scan.timingsMs;
  el.resultTiming.textContent =
    t.total !== undefined
      ? `Processed in ${seconds(t.total)}` +
        (t.preprocess?.['total'] !== undefined && t.read?.['total'] !== undefined
          ? ` (finding the card ${seconds(t.preprocess['total'])}, reading it ${seconds(t.read['total'])}).`
          : '.')
      : '';
  if (focus) el.resultTitle.focus();
}

function fieldRow(scan: ScanView, key: FieldKey, label: string, geometry: GeometryView | null): HTMLElement[] {
  const value = fieldValue(scan, key);
  const dt = node('dt');
  const swatch = node('span', `swatch swatch-${key}${geometry?.fields?.[key] ? '' : ' none'}`);
  swatch.setAttribute('aria-hidden', 'true');
  dt.append(swatch, label);
  const dd = node('dd', `${key === 'pan' ? 'pan ' : ''}${value ? '' : 'missing'}`.trim());
  dd.dataset['field'] = key;
  if (value) dd.textContent = value;
  else {
    const why = scan.missing[key];
    dd.textContent = `Not read — ${missingReason(key, why ?? 'not_found')}`;
  }
  return [dt, dd];
}

// --- the batch -------------------------------------------------------------------------
interface BatchItem {
  readonly li: HTMLLIElement;
  readonly progress: HTMLProgressElement;
  readonly text: HTMLElement;
  readonly name: string;
  readonly entry: LocalPhoto;
  state: 'refused' | 'working' | 'done' | 'failed';
}

const batchItems: BatchItem[] = [];

function summarise(): void {
  const counted = batchItems.filter((b) => b.state !== 'refused');
  const working = counted.filter((b) => b.state === 'working').length;
  const finished = counted.length - working;
  const refused = batchItems.length - counted.length;
  const parts = [
    counted.length === 1 ? '1 photo' : `${counted.length} photos`,
    working ? `${finished} of ${counted.length} finished` : 'all finished',
  ];
  let text = counted.length ? `${parts[0]}: ${parts[1]}.` : '';
  if (refused) text += ` ${refused === 1 ? '1 file was' : `${refused} files were`} not sent.`;
  announce(text.trim());
}

function addBatchItem(file: File, name: string): BatchItem {
  const li = node('li', 'batch-item');
  const entry: LocalPhoto = { name, file, thumb: null, photo: null };
  const thumb = thumbImage(entry);
  const body = node('div', 'batch-body');
  const title = node('span', 'file-name', name);
  const progress = node('progress');
  progress.max = 100;
  progress.value = 0;
  progress.setAttribute('aria-label', `Progress of ${name}`);
  const text = node('span', 'batch-status', 'Waiting…');
  body.append(title, progress, text);
  li.append(thumb, body);
  el.batch.append(li);
  el.batch.hidden = false;
  const item: BatchItem = { li, progress, text, name, entry, state: 'working' };
  batchItems.push(item);
  return item;
}

function setItem(item: BatchItem, value: number, text: string): void {
  item.progress.value = Math.round(value);
  item.progress.setAttribute('aria-valuetext', text);
  item.text.textContent = text;
}

/** Why the page refuses a file before creating a scan, or null when it may be sent. */
function refusal(file: File): string | null {
  if (!config.acceptedTypes.includes(file.type)) {
    return `Not sent: ${file.type ? `a ${file.type.replace(/^\w+\//, '').toUpperCase()} file` : 'this file type'} can't be read. Use a JPEG, PNG or WebP photo.`;
  }
  if (file.size > config.maxInputBytes) {
    return `Not sent: this photo is ${inMB(file.size)}; the limit is ${inMB(config.maxInputBytes)}. Send a smaller photo, or take it at a lower resolution.`;
  }
  if (file.size === 0) return 'Not sent: the file is empty.';
  return null;
}

async function poll(id: string, onStatus: (scan: ScanView) => void): Promise<ScanView> {
  const started = Date.now();
  let delay = 400;
  let last = '';
  for (;;) {
    const scan = await api<ScanView>(`/v1/scans/${encodeURIComponent(id)}`);
    if (scan.status !== last) {
      last = scan.status;
      onStatus(scan);
    }
    if (scan.status === 'done' || scan.status === 'failed') return scan;
    if (Date.now() - started > POLL_LIMIT_MS) throw new Error('Still being read after 5 minutes; look for it in the recent scans later.');
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(2000, Math.round(delay * 1.3));
  }
}

async function scanOne(file: File, item: BatchItem): Promise<void> {
  try {
    setItem(item, 2, 'Preparing the upload…');
    const created = await api<CreatedScan>('/v1/scans', { method: 'POST', body: { contentType: file.type, filename: item.name, size: file.size } });
    photos.set(created.id, item.entry);
    item.li.dataset['scanId'] = created.id;
    await upload(created.upload, file, (f) => setItem(item, 5 + f * 30, `Uploading… ${Math.round(f * 100)}%`));
    setItem(item, 35, 'Uploaded, waiting its turn…');
    void refreshRecent();
    const scan = await poll(created.id, (s) => {
      if (s.status !== 'done' && s.status !== 'failed') setItem(item, PROGRESS[s.status], shortStatus(s));
    });
    item.state = scan.status === 'done' ? 'done' : 'failed';
    item.li.classList.add(scan.status === 'done' && scan.card?.pan ? 'ok' : 'bad');
    setItem(item, 100, shortStatus(scan));
    const show = node('button', 'secondary small', 'Show');
    show.type = 'button';
    show.setAttribute('aria-label', `Show what was read from ${item.name}`);
    show.addEventListener('click', () => showResult(scan, true));
    item.li.querySelector('.batch-body')?.append(show);
    // One photo: show its result straight away. A batch: the user picks (the list stays put).
    if (batchItems.filter((b) => b.state !== 'refused').length === 1) showResult(scan, false);
  } catch (e) {
    item.state = 'failed';
    item.li.classList.add('bad');
    setItem(item, 100, e instanceof ApiError && e.status === 401 ? 'Not sent: sign in first.' : (e as Error).message);
  } finally {
    summarise();
    void refreshRecent();
  }
}

async function handleFiles(files: readonly File[]): Promise<void> {
  if (files.length === 0) return;
  showError('');
  // A new batch replaces the finished one; a batch still in progress keeps going and grows.
  if (batchItems.every((b) => b.state !== 'working')) {
    batchItems.length = 0;
    el.batch.replaceChildren();
    el.resultSection.hidden = true;
  }
  const accepted: Array<{ file: File; item: BatchItem }> = [];
  for (const file of files) {
    const name = maskDigits(file.name || 'photo');
    const item = addBatchItem(file, name);
    const why = refusal(file);
    if (why) {
      item.state = 'refused';
      item.li.classList.add('refused');
      setItem(item, 0, why);
      item.progress.hidden = true;
    } else accepted.push({ file, item });
  }
  summarise();
  el.fileCamera.value = '';
  el.filePick.value = '';
  const queue = [...accepted];
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next; next = queue.shift()) await scanOne(next.file, next.item);
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_UPLOADS, queue.length) }, worker));
}

// --- recent scans ----------------------------------------------------------------------
let cursor: string | null = null;

function recentItem(scan: ScanView): HTMLLIElement {
  const entry = photos.get(scan.id);
  const li = node('li');
  li.dataset['scanId'] = scan.id;
  li.dataset['status'] = scan.status;
  const when = new Date(scan.createdAt).toLocaleString();
  const name = entry?.name ?? `Photo from ${when}`;
  const open = node('button', 'scan-open');
  open.type = 'button';
  open.setAttribute('aria-label', `Show ${name}: ${shortStatus(scan)}`);
  const text = node('span', 'scan-text');
  const title = node('span', 'file-name', name);
  const status = node('span', `scan-status ${scan.status === 'failed' || (scan.status === 'done' && !scan.card?.pan) ? 'bad' : ''}`.trim());
  status.textContent = [shortStatus(scan), scan.card?.pan ?? null].filter(Boolean).join(' · ');
  const meta = node('span', 'scan-meta', [brandName(scan.card?.brand), scan.card?.expiry, entry ? when : null].filter(Boolean).join(' · '));
  text.append(title, status, meta);
  open.append(thumbImage(entry), text);
  open.addEventListener('click', () => showResult(scan, true));
  const del = node('button', 'delete', 'Delete');
  del.type = 'button';
  del.setAttribute('aria-label', `Delete ${name}`);
  if (IN_FLIGHT.includes(scan.status)) {
    // The API refuses (409) while the pipeline works on a scan; say so instead of failing.
    del.disabled = true;
    del.title = 'Being read: it can be deleted once finished';
  }
  del.addEventListener('click', () => void confirmDelete(scan, name, del));
  li.append(open, del);
  return li;
}

async function refreshRecent(append = false): Promise<void> {
  if (el.recentSection.hidden) return;
  const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (el.filter.value) params.set('status', el.filter.value);
  if (append && cursor) params.set('cursor', cursor);
  try {
    const page = await api<ScanList>(`/v1/scans?${params.toString()}`);
    if (!append) el.recent.replaceChildren();
    for (const scan of page.items) el.recent.append(recentItem(scan));
    cursor = page.nextCursor;
    el.more.hidden = !cursor;
    el.recentEmpty.hidden = el.recent.childElementCount > 0;
    el.recentEmpty.textContent = el.filter.value ? 'No scans with this status.' : 'No scans yet.';
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401)) showError(`Could not load recent scans: ${(e as Error).message}`);
  }
}

let pendingDelete: { scan: ScanView; button: HTMLButtonElement } | null = null;

function confirmDelete(scan: ScanView, name: string, button: HTMLButtonElement): void {
  pendingDelete = { scan, button };
  el.confirmText.textContent = `${name} (${shortStatus(scan).toLowerCase()}) will be deleted with anything kept of it. This cannot be undone.`;
  el.confirm.showModal();
  el.confirmCancel.focus();
}

async function deleteConfirmed(): Promise<void> {
  const target = pendingDelete;
  pendingDelete = null;
  el.confirm.close();
  if (!target) return;
  target.button.disabled = true;
  try {
    await api<null>(`/v1/scans/${encodeURIComponent(target.scan.id)}`, { method: 'DELETE' });
    showError('');
    announce('Scan deleted.');
    const local = photos.get(target.scan.id);
    if (local) {
      for (const url of [local.thumb, local.photo]) if (url) URL.revokeObjectURL(url);
      photos.delete(target.scan.id);
    }
    if (el.resultSection.dataset['scanId'] === target.scan.id) el.resultSection.hidden = true;
  } catch (e) {
    target.button.disabled = false;
    if (e instanceof ApiError && e.code === 'conflict') showError('That scan is still being read; delete it when it has finished.');
    else if (!(e instanceof ApiError && (e.status === 404 || e.status === 401))) showError(`Could not delete the scan: ${(e as Error).message}`);
  }
  await refreshRecent();
  el.recentSection.querySelector('h2')?.focus();
}

// --- wiring ----------------------------------------------------------------------------
function wire(): void {
  el.limitsHint.textContent =
    `JPEG, PNG or WebP, up to ${inMB(config.maxInputBytes)} each. ` +
    'Lay the card flat on a plain background, fit the whole card in the frame, avoid glare.';
  el.tokenForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const value = el.tokenInput.value.trim();
    if (!value) return;
    auth.useToken(value);
    el.tokenInput.value = '';
    showError('');
    showApp();
    void refreshRecent();
  });
  el.signIn.addEventListener('click', () => void auth.signIn());
  el.signOut.addEventListener('click', () => {
    auth.signOut();
    el.recent.replaceChildren();
    showSignedOut('');
  });
  for (const input of [el.fileCamera, el.filePick]) {
    input.addEventListener('change', () => void handleFiles(Array.from(input.files ?? [])));
  }
  el.drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    el.drop.classList.add('over');
  });
  el.drop.addEventListener('dragleave', () => el.drop.classList.remove('over'));
  el.drop.addEventListener('drop', (e) => {
    e.preventDefault();
    el.drop.classList.remove('over');
    void handleFiles(Array.from(e.dataTransfer?.files ?? []));
  });
  el.refresh.addEventListener('click', () => void refreshRecent());
  el.filter.addEventListener('change', () => void refreshRecent());
  el.more.addEventListener('click', () => void refreshRecent(true));
  el.confirmOk.addEventListener('click', () => void deleteConfirmed());
  el.confirmCancel.addEventListener('click', () => {
    const target = pendingDelete;
    pendingDelete = null;
    el.confirm.close();
    target?.button.focus();
  });
  el.confirm.addEventListener('cancel', () => {
    pendingDelete = null;
  });
}

async function init(): Promise<void> {
  wire();
  try {
    await auth.start();
  } catch (e) {
    showError(e instanceof SignInError ? e.message : `Sign-in failed: ${(e as Error).message}`);
  }
  if (await auth.token()) {
    showApp();
    void refreshRecent();
  } else {
    showSignedOut('');
  }
}

void init();
