/**
 * The web page script (served at `/assets/app.js`): plain browser JavaScript, no framework.
 * Kept as a string module so the page ships inside the app (no static files, no build step,
 * nothing for esbuild or tsc to copy). No backticks or dollar-braces inside: it is a raw template.
 */
export const APP_SCRIPT = String.raw`// Card OCR web page: pick/drop/take a photo, upload it to the signed target, poll the scan,
// show the masked result and recent scans. Only masked card fields ever reach this page.
'use strict';

const TOKEN_KEY = 'cardocr.token';
const ACCEPTED = ['image/jpeg', 'image/png', 'image/webp'];
const PROGRESS = { awaiting_upload: 10, queued: 45, preprocessing: 60, reading: 80, done: 100, failed: 100 };
const STATUS_TEXT = {
  awaiting_upload: 'Waiting for the upload…',
  queued: 'Queued for processing…',
  preprocessing: 'Finding the card in the photo…',
  reading: 'Reading the card…',
  done: 'Done.',
  failed: 'Could not read this photo.',
};
const IN_FLIGHT = ['queued', 'preprocessing', 'reading'];
const POLL_LIMIT_MS = 5 * 60 * 1000;

const $ = (id) => document.getElementById(id);
const el = {
  tokenSection: $('token-section'),
  tokenForm: $('token-form'),
  tokenInput: $('token-input'),
  forget: $('forget-token'),
  scanSection: $('scan-section'),
  recentSection: $('recent-section'),
  drop: $('drop'),
  fileCamera: $('file-camera'),
  filePick: $('file-pick'),
  progressBox: $('progress-box'),
  progress: $('progress'),
  statusText: $('status-text'),
  result: $('result'),
  resultPan: $('result-pan'),
  resultBrand: $('result-brand'),
  resultExpiry: $('result-expiry'),
  resultName: $('result-name'),
  resultNote: $('result-note'),
  error: $('error'),
  recent: $('recent'),
  recentEmpty: $('recent-empty'),
  refresh: $('refresh'),
};

let busy = false;

// --- token -----------------------------------------------------------------------------
// The runner prints a URL with #token=…; the fragment never reaches a server. Keep it for
// this tab only and remove it from the address bar and history straight away.
function takeTokenFromFragment() {
  const hash = window.location.hash.replace(/^#/, '');
  if (!hash) return;
  const params = new URLSearchParams(hash);
  const token = params.get('token');
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  history.replaceState(null, '', window.location.pathname + window.location.search);
}

function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

function showTokenPrompt(message) {
  el.tokenSection.hidden = false;
  el.scanSection.hidden = true;
  el.recentSection.hidden = true;
  el.forget.hidden = true;
  if (message) showError(message);
  el.tokenInput.focus();
}

function showApp() {
  el.tokenSection.hidden = true;
  el.scanSection.hidden = false;
  el.recentSection.hidden = false;
  el.forget.hidden = false;
}

// --- API -------------------------------------------------------------------------------
class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function api(path, options) {
  const opts = options || {};
  const headers = { Accept: 'application/json', Authorization: 'Bearer ' + token() };
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {
    method: opts.method || 'GET',
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    cache: 'no-store',
    credentials: 'omit',
  });
  if (res.status === 204) return null;
  let data = null;
  try {
    data = await res.json();
  } catch (e) {
    data = null;
  }
  if (!res.ok) {
    const err = data && data.error ? data.error : { code: 'internal', message: 'HTTP ' + res.status };
    if (res.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      showTokenPrompt('The token was not accepted. Enter a valid token.');
    }
    throw new ApiError(res.status, err.code, err.message);
  }
  return data;
}

// Uploads with XMLHttpRequest because fetch cannot report upload progress.
function upload(target, file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(target.method, target.url);
    let body;
    if (target.method === 'POST') {
      body = new FormData();
      const fields = target.fields || {};
      for (const name of Object.keys(fields)) body.append(name, fields[name]);
      body.append('file', file);
    } else {
      const headers = target.headers || {};
      for (const name of Object.keys(headers)) xhr.setRequestHeader(name, headers[name]);
      body = file;
    }
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve();
      else reject(new Error('The upload was refused (HTTP ' + xhr.status + ').'));
    };
    xhr.onerror = () => reject(new Error('The upload failed: network error.'));
    xhr.send(body);
  });
}

// --- rendering -------------------------------------------------------------------------
function showError(message) {
  el.error.textContent = message || '';
  el.error.hidden = !message;
}

function setProgress(value, text) {
  el.progressBox.hidden = false;
  el.progress.value = Math.round(value);
  el.progress.setAttribute('aria-valuetext', text);
  el.statusText.textContent = text;
}

const BRANDS = {
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

function brandName(brand) {
  if (!brand) return '—';
  return BRANDS[brand] || brand.replace(/-/g, ' ');
}

function showResult(scan) {
  const card = scan.card || {};
  el.resultPan.textContent = card.pan || 'not read';
  el.resultBrand.textContent = brandName(card.brand);
  el.resultExpiry.textContent = card.expiry || '—';
  el.resultName.textContent = card.name || '—';
  const missing = Object.keys(scan.missing || {}).map((f) => f + ': ' + scan.missing[f].replace(/_/g, ' '));
  el.resultNote.textContent = missing.length ? 'Not reported — ' + missing.join('; ') : '';
  el.result.hidden = false;
}

function describe(scan) {
  if (scan.card && scan.card.pan) return scan.card.pan;
  if (scan.status === 'failed') return 'failed' + (scan.error ? ' (' + scan.error.code.replace(/_/g, ' ') + ')' : '');
  if (scan.status === 'done') return 'no number read';
  return scan.status.replace(/_/g, ' ') + '…';
}

function renderRecent(items) {
  el.recent.replaceChildren();
  el.recentEmpty.hidden = items.length > 0;
  for (const scan of items) {
    const li = document.createElement('li');
    li.dataset.scanId = scan.id;
    const text = document.createElement('span');
    text.className = 'scan-text';
    const main = document.createElement('span');
    main.className = 'scan-pan';
    main.textContent = describe(scan);
    const meta = document.createElement('span');
    meta.className = 'scan-meta';
    const bits = [];
    if (scan.card && scan.card.brand) bits.push(brandName(scan.card.brand));
    if (scan.card && scan.card.expiry) bits.push(scan.card.expiry);
    bits.push(new Date(scan.createdAt).toLocaleString());
    meta.textContent = bits.join(' · ');
    text.append(main, meta);
    const del = document.createElement('button');
    del.type = 'button';
    del.className = 'delete';
    del.textContent = 'Delete';
    del.setAttribute('aria-label', 'Delete scan ' + describe(scan) + ' from ' + new Date(scan.createdAt).toLocaleString());
    if (IN_FLIGHT.indexOf(scan.status) >= 0) {
      // The API refuses (409) while the pipeline works on a scan; say so instead of failing.
      del.disabled = true;
      del.title = 'Being processed: it can be deleted once finished';
    }
    del.addEventListener('click', () => deleteScan(scan.id, del));
    li.append(text, del);
    el.recent.append(li);
  }
}

async function refreshRecent() {
  if (!token()) return;
  try {
    const page = await api('/v1/scans?limit=10');
    renderRecent(page.items);
  } catch (e) {
    if (e.status !== 401) showError('Could not load recent scans: ' + e.message);
  }
}

async function deleteScan(id, button) {
  button.disabled = true;
  try {
    await api('/v1/scans/' + encodeURIComponent(id), { method: 'DELETE' });
    showError('');
  } catch (e) {
    button.disabled = false;
    if (e.code === 'conflict') showError('That scan is still being processed; delete it when it has finished.');
    else if (e.status !== 404) showError('Could not delete the scan: ' + e.message);
  }
  await refreshRecent();
}

// --- the scan flow ---------------------------------------------------------------------
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function poll(id) {
  const started = Date.now();
  let delay = 500;
  let last = '';
  for (;;) {
    const scan = await api('/v1/scans/' + encodeURIComponent(id));
    setProgress(PROGRESS[scan.status] || 50, STATUS_TEXT[scan.status] || scan.status);
    if (scan.status !== last) {
      last = scan.status;
      refreshRecent();
    }
    if (scan.status === 'done' || scan.status === 'failed') return scan;
    if (Date.now() - started > POLL_LIMIT_MS) throw new Error('Still processing after 5 minutes; check the recent scans later.');
    await sleep(delay);
    delay = Math.min(2000, Math.round(delay * 1.3));
  }
}

async function handleFile(file) {
  if (!file || busy) return;
  showError('');
  el.result.hidden = true;
  if (ACCEPTED.indexOf(file.type) < 0) {
    showError('Please choose a JPEG, PNG or WebP photo (this file is ' + (file.type || 'of an unknown type') + ').');
    return;
  }
  busy = true;
  el.drop.setAttribute('aria-busy', 'true');
  try {
    setProgress(2, 'Preparing the upload…');
    const created = await api('/v1/scans', { method: 'POST', body: { contentType: file.type } });
    if (file.size > created.upload.maxBytes) {
      throw new Error('The photo is too large (' + Math.ceil(file.size / 1048576) + ' MB); the limit is ' +
        Math.floor(created.upload.maxBytes / 1048576) + ' MB.');
    }
    await upload(created.upload, file, (f) => setProgress(5 + f * 35, 'Uploading… ' + Math.round(f * 100) + '%'));
    setProgress(40, 'Uploaded. Waiting for processing…');
    refreshRecent();
    const scan = await poll(created.id);
    if (scan.status === 'done') {
      setProgress(100, scan.card && scan.card.pan ? 'Done.' : 'Done, but no card number could be read.');
      showResult(scan);
    } else {
      setProgress(100, STATUS_TEXT.failed);
      showError('Could not read this photo: ' + (scan.error ? scan.error.message : 'unknown error') + '.');
    }
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401)) showError(e.message);
    el.progressBox.hidden = true;
  } finally {
    busy = false;
    el.drop.removeAttribute('aria-busy');
    el.fileCamera.value = '';
    el.filePick.value = '';
    refreshRecent();
  }
}

// --- wiring ----------------------------------------------------------------------------
function init() {
  takeTokenFromFragment();
  el.tokenForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const value = el.tokenInput.value.trim();
    if (!value) return;
    sessionStorage.setItem(TOKEN_KEY, value);
    el.tokenInput.value = '';
    showError('');
    showApp();
    refreshRecent();
  });
  el.forget.addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    el.recent.replaceChildren();
    showTokenPrompt('');
  });
  for (const input of [el.fileCamera, el.filePick]) {
    input.addEventListener('change', () => handleFile(input.files && input.files[0]));
  }
  el.drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    el.drop.classList.add('over');
  });
  el.drop.addEventListener('dragleave', () => el.drop.classList.remove('over'));
  el.drop.addEventListener('drop', (e) => {
    e.preventDefault();
    el.drop.classList.remove('over');
    const files = e.dataTransfer && e.dataTransfer.files;
    handleFile(files && files[0]);
  });
  el.refresh.addEventListener('click', refreshRecent);
  if (token()) {
    showApp();
    refreshRecent();
  } else {
    showTokenPrompt('');
  }
}

init();
`;
