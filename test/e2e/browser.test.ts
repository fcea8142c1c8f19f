/**
 * The web page in headless Chromium (Debian's /usr/bin/chromium driven by playwright-core),
 * against the real local pipeline (API + upload route + preprocess/read stages + SQLite +
 * filesystem bucket) on a random port, with committed fixture photos:
 * - a batch of three photos dropped at once: one scan each, per-file progress, the result
 *   drawn over the user's own photo (outline and field boxes inside the image), the no-card
 *   advice, the recent list with names and thumbnails made in the browser; nothing the page
 *   received holds a full number;
 * - refused files (wrong type, over the limit) never create a scan;
 * - delete asks first, and Cancel keeps the scan;
 * - the token prompt.
 * Screenshots (desktop 1280 px, phone 390 px, phone in dark mode) of each state go to
 * .tmp/screenshots/ (gitignored); their paths are printed.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/core/env-names.js';
import { maskPan } from '../../functions/core/mask.js';
import { silentLog } from '../../functions/core/log.js';
import { startLocalPipeline } from '../../functions/local/index.js';

const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'browser-test-token-0123456789abcdef';
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'cards');
const SHOTS = join(import.meta.dirname, '..', '..', '.tmp', 'screenshots');
const LIMIT_BYTES = 2 * 1024 * 1024;
const NO_CARD_ADVICE = "We couldn't find a card. Fit the whole card in the frame, on a plain background, without glare.";

interface Truth {
  file: string;
  kind: string;
  pan?: string;
  style?: { emboss?: boolean; dark?: boolean; blur?: number; noise?: number; background?: string; rotate?: number; exif?: number };
}

const truths = JSON.parse(readFileSync(join(FIXTURES, 'truth.json'), 'utf8')) as Truth[];
// The plainest committed cards (flat print, plain or gradient background, no blur, noise or
// turn): this suite is about the page and the wiring; the reader's accuracy has its own tests.
const plain = truths.filter(
  (t) =>
    t.kind === 'payment_card' &&
    t.pan &&
    !t.style?.emboss &&
    !t.style?.dark &&
    !t.style?.blur &&
    !t.style?.noise &&
    !t.style?.rotate &&
    !t.style?.exif &&
    (t.style?.background === 'plain' || t.style?.background === 'gradient'),
);
const noCard = truths.find((t) => t.kind === 'none');

const VARIANTS = [
  { name: 'desktop', width: 1280, height: 900, colorScheme: 'light' },
  { name: 'phone', width: 390, height: 844, colorScheme: 'light' },
  { name: 'dark', width: 390, height: 844, colorScheme: 'dark' },
] as const;

const shots: string[] = [];

/** Screenshots of the page as it is, at each variant; the page fits each width (no sideways scroll). */
async function shoot(page: Page, state: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  for (const v of VARIANTS) {
    await page.setViewportSize({ width: v.width, height: v.height });
    await page.emulateMedia({ colorScheme: v.colorScheme });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${state} at ${v.name} scrolls sideways`).toBeLessThanOrEqual(0);
    const path = join(SHOTS, `${state}-${v.name}.png`);
    await page.screenshot({ path, fullPage: true });
    shots.push(path);
  }
  await page.setViewportSize({ width: 390, height: 844 });
  await page.emulateMedia({ colorScheme: 'light' });
}

/** Drops files on the drop zone as a browser drag-and-drop does (one DataTransfer, several files). */
async function dropFiles(page: Page, files: Array<{ name: string; type: string; base64: string }>): Promise<void> {
  const dataTransfer = await page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const f of list) {
      const bytes = Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0));
      dt.items.add(new File([bytes], f.name, { type: f.type }));
    }
    return dt;
  }, files);
  await page.dispatchEvent('#drop', 'dragover', { dataTransfer });
  await page.dispatchEvent('#drop', 'drop', { dataTransfer });
}

const fixture = (file: string) => ({ name: file, type: 'image/jpeg', base64: readFileSync(join(FIXTURES, file)).toString('base64') });

describe('web page (headless Chromium, real local pipeline)', () => {
  let dir: string;
  let pipeline: Awaited<ReturnType<typeof startLocalPipeline>>;
  let browser: BrowserContext;
  let base: string;
  const problems: string[] = [];

  beforeAll(async () => {
    // Missing browser = failure, not a skip: .ci/run installs Debian's chromium.
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium)`);
    if (plain.length < 2 || !noCard) throw new Error('test/fixtures/cards/truth.json lacks two plain cards and a photo without a card');
    dir = mkdtempSync(join(tmpdir(), 'cardocr-browser-'));
    pipeline = await startLocalPipeline({
      port: 0,
      dataDir: join(dir, 'data'),
      token: TOKEN,
      concurrency: 1,
      log: silentLog,
      print: () => {},
      // A 2 MB limit (the fixtures are under 100 KB): the page must state the configured figure, not a default.
      env: { [ENV.maxInputBytes]: String(LIMIT_BYTES) },
    });
    base = pipeline.url.replace(/\/$/, '');
    browser = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 390, height: 844 },
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await pipeline?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (shots.length) process.stdout.write(`screenshots:\n${shots.map((s) => `  ${s}`).join('\n')}\n`);
  });

  function watch(page: Page): { bodies: Promise<string>[]; creates: () => number } {
    const bodies: Promise<string>[] = [];
    let creates = 0;
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (r) => {
      if (r.method() === 'POST' && new URL(r.url()).pathname === '/v1/scans') creates += 1;
    });
    page.on('response', (r) => {
      if (new URL(r.url()).pathname.startsWith('/v1/')) bodies.push(r.text().catch(() => ''));
    });
    return { bodies, creates: () => creates };
  }

  const api = async (path: string, init: RequestInit = {}) =>
    fetch(`${base}${path}`, { ...init, headers: { Authorization: `Bearer ${TOKEN}`, ...init.headers } });
  const count = async () => ((await (await api('/v1/scans?limit=100')).json()) as { items: unknown[] }).items.length;

  async function open(): Promise<{ page: Page; watched: ReturnType<typeof watch> }> {
    const page = await browser.newPage();
    const watched = watch(page);
    await page.goto(`${base}/#token=${TOKEN}`);
    // The token moved from the fragment into sessionStorage, and out of the address bar.
    await page.waitForSelector('#scan-section:not([hidden])');
    expect(page.url()).toBe(`${base}/`);
    return { page, watched };
  }

  it('reads a dropped batch of three photos, draws what was read on the photo, advises on the one without a card', { timeout: 240_000 }, async () => {
    const [cardA, cardB] = plain as [Truth, Truth];
    const files = [cardA.file, cardB.file, noCard!.file];
    const { page, watched } = await open();

    // Every state the batch goes through, recorded in the page as it changes (a MutationObserver
    // runs before any later task, so a row's first states are seen however fast the pipeline is).
    await page.evaluate(() => {
      const w = window as unknown as { batchStates: Array<Array<{ value: number; finished: boolean }>>; statusTexts: string[] };
      w.batchStates = [];
      w.statusTexts = [];
      const batch = document.querySelector('#batch')!;
      const status = document.querySelector('#status-text')!;
      const record = () => {
        batch.querySelectorAll('li').forEach((li, i) => {
          const progress = li.querySelector('progress');
          const state = { value: progress ? progress.value : -1, finished: li.classList.contains('ok') || li.classList.contains('bad') };
          const seen = (w.batchStates[i] ??= []);
          const last = seen[seen.length - 1];
          if (!last || last.value !== state.value || last.finished !== state.finished) seen.push(state);
        });
        const text = status.textContent ?? '';
        if (w.statusTexts[w.statusTexts.length - 1] !== text) w.statusTexts.push(text);
      };
      const observer = new MutationObserver(record);
      for (const target of [batch, status]) observer.observe(target, { subtree: true, childList: true, attributes: true, characterData: true });
    });

    await dropFiles(page, files.map(fixture));
    // One row per file, each with its name, a thumbnail of the user's own file and its own progress.
    const rows = page.locator('#batch li');
    await expect.poll(() => rows.count()).toBe(3);
    for (const [i, name] of files.entries()) {
      await expect.poll(() => rows.nth(i).locator('.file-name').textContent()).toBe(name);
      expect(await rows.nth(i).locator('progress').count()).toBe(1);
    }
    await expect.poll(() => page.locator('#batch li img.thumb[src^="blob:"]').count()).toBe(3);
    // Usually mid-batch (the pipeline reads one photo at a time); what the batch went through is asserted below.
    await shoot(page, 'batch-in-progress');

    const finished = () => page.locator('#batch li.ok, #batch li.bad').count();
    await expect.poll(finished, { timeout: 200_000, interval: 500 }).toBe(3);
    expect(await page.textContent('#status-text')).toBe('3 photos: all finished.');
    // The batch UI shape: each row showed its own progress, under 100 while its scan was not
    // finished, and 100 once it was; the summary counted up from "0 of 3" to "all finished".
    const history = await page.evaluate(() => {
      const w = window as unknown as { batchStates: Array<Array<{ value: number; finished: boolean }>>; statusTexts: string[] };
      return { rows: w.batchStates, status: w.statusTexts };
    });
    expect(history.rows).toHaveLength(3);
    for (const [i, states] of history.rows.entries()) {
      const firstDone = states.findIndex((st) => st.finished);
      expect(firstDone, `row ${i}: ${JSON.stringify(states)}`).toBeGreaterThan(0);
      expect(states.slice(0, firstDone).every((st) => st.value >= 0 && st.value < 100), `row ${i}: ${JSON.stringify(states)}`).toBe(true);
      expect(states.slice(firstDone).every((st) => st.finished && st.value === 100), `row ${i}: ${JSON.stringify(states)}`).toBe(true);
    }
    const counts = history.status.filter((t) => t.startsWith('3 photos: ')).map((t) => {
      if (t === '3 photos: all finished.') return 3;
      const m = /^3 photos: ([0-2]) of 3 finished\.$/.exec(t);
      expect(m, t).not.toBeNull();
      return Number(m![1]);
    });
    expect(counts[0]).toBe(0);
    expect(counts[counts.length - 1]).toBe(3);
    expect(counts.every((n, k) => k === 0 || n >= counts[k - 1]!), history.status.join(' | ')).toBe(true);
    // Three scans, one per file.
    const ids = await rows.evaluateAll((lis) => lis.map((li) => (li as HTMLElement).dataset['scanId']));
    expect(new Set(ids).size).toBe(3);
    expect(watched.creates()).toBe(3);

    // The first card: masked values beside the photo, outline and field boxes drawn inside it.
    await rows.nth(0).getByRole('button', { name: /^Show/ }).click();
    await page.waitForSelector('#result-section:not([hidden])');
    const masked = maskPan(cardA.pan!);
    expect((await page.textContent('#result-fields dd[data-field="pan"]'))?.trim()).toBe(masked);
    expect(await page.textContent('#result-file')).toBe(cardA.file);
    const photo = page.locator('#photo-frame img.photo-img');
    expect(await photo.getAttribute('src')).toMatch(/^blob:/);
    await expect.poll(() => photo.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
    const overlay = await page.evaluate(() => {
      const svg = document.querySelector('#photo-frame svg.overlay');
      const img = document.querySelector('#photo-frame img.photo-img') as HTMLImageElement | null;
      if (!svg || !img) return null;
      const [, , w, h] = (svg.getAttribute('viewBox') ?? '').split(' ').map(Number);
      const boxes = Array.from(svg.querySelectorAll('polygon')).map((p) => ({
        box: p.getAttribute('data-box'),
        points: (p.getAttribute('points') ?? '').split(' ').map((xy: string) => xy.split(',').map(Number)),
      }));
      const s = svg.getBoundingClientRect();
      const i = img.getBoundingClientRect();
      return {
        w,
        h,
        natural: [img.naturalWidth, img.naturalHeight],
        boxes,
        svgRect: [s.left, s.top, s.width, s.height],
        imgRect: [i.left, i.top, i.width, i.height],
      };
    });
    expect(overlay, 'no overlay drawn on the photo').not.toBeNull();
    // Drawn in the photo's own pixels, over the photo and only the photo.
    expect([overlay!.w, overlay!.h]).toEqual(overlay!.natural);
    overlay!.svgRect.forEach((v, k) => expect(v).toBeCloseTo(overlay!.imgRect[k]!, 0));
    const kinds = overlay!.boxes.map((b) => b.box);
    expect(kinds).toContain('card');
    expect(kinds).toContain('pan');
    for (const { box, points } of overlay!.boxes) {
      expect(points, `${box} is a quad`).toHaveLength(4);
      for (const [x, y] of points) {
        expect(x, `${box} x`).toBeGreaterThanOrEqual(0);
        expect(x, `${box} x`).toBeLessThanOrEqual(overlay!.w!);
        expect(y, `${box} y`).toBeGreaterThanOrEqual(0);
        expect(y, `${box} y`).toBeLessThanOrEqual(overlay!.h!);
      }
    }
    // The number's box lies inside the card's outline (its bounding box, with a little slack).
    const card = overlay!.boxes.find((b) => b.box === 'card')!.points;
    const pan = overlay!.boxes.find((b) => b.box === 'pan')!.points;
    const [minX, maxX] = [Math.min(...card.map((p) => p[0]!)), Math.max(...card.map((p) => p[0]!))];
    const [minY, maxY] = [Math.min(...card.map((p) => p[1]!)), Math.max(...card.map((p) => p[1]!))];
    const slack = 0.03 * (maxX - minX);
    for (const [x, y] of pan) {
      expect(x!).toBeGreaterThanOrEqual(minX - slack);
      expect(x!).toBeLessThanOrEqual(maxX + slack);
      expect(y!).toBeGreaterThanOrEqual(minY - slack);
      expect(y!).toBeLessThanOrEqual(maxY + slack);
    }
    expect(await page.textContent('#photo-frame svg text[data-label="pan"]')).toBe(masked);
    expect(await page.textContent('#result-timing')).toMatch(/^Processed in \d+(\.\d)? s \(finding the card \d+(\.\d)? s, reading it \d+(\.\d)? s\)\.$/);
    await shoot(page, 'result-overlay');

    // The photo without a card: the advice, not the algorithm.
    await rows.nth(2).getByRole('button', { name: /^Show/ }).click();
    await expect.poll(() => page.textContent('#result-file')).toBe(noCard!.file);
    expect(await page.textContent('#result-advice')).toBe(NO_CARD_ADVICE);
    expect(await page.locator('#result-advice').isVisible()).toBe(true);
    expect(await rows.nth(2).locator('.batch-status').textContent()).toBe('No card found');
    await shoot(page, 'no-card');

    // Recent scans: the three, by file name, each with a thumbnail made here from the user's file.
    const recent = page.locator('#recent li');
    await expect.poll(() => recent.count()).toBe(3);
    const names = await recent.locator('.file-name').allTextContents();
    expect([...names].sort()).toEqual([...files].sort());
    for (let i = 0; i < 3; i++) {
      const thumb = recent.nth(i).locator('img.thumb');
      await expect.poll(() => thumb.evaluate((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
      expect(await thumb.getAttribute('src')).toMatch(/^blob:/);
    }
    const noCardRow = recent.filter({ hasText: noCard!.file });
    expect(await noCardRow.locator('.scan-status').textContent()).toBe('No card found');
    await page.locator('#recent-section').scrollIntoViewIfNeeded();
    await shoot(page, 'recent-scans');

    // Works at 320 px too.
    await page.setViewportSize({ width: 320, height: 640 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);

    // Nothing the page holds or received carries a full number.
    const content = await page.content();
    for (const t of [cardA, cardB]) {
      expect(content).not.toContain(t.pan!);
      for (const text of await Promise.all(watched.bodies)) expect(text).not.toContain(t.pan!);
    }

    // After a reload the names and pictures are gone (memory only), the scans stay.
    await page.reload();
    await expect.poll(() => page.locator('#recent li').count()).toBe(3);
    expect(await page.locator('#recent li img.thumb').count()).toBe(0);
    expect(await page.locator('#recent li .file-name').allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/^Photo from /)]));

    expect(problems).toEqual([]);
    await page.close();
  });

  it('draws on a photo turned by its EXIF orientation in the orientation the browser shows it', { timeout: 120_000 }, async () => {
    // A flat card whose JPEG is stored sideways with an EXIF orientation tag.
    const turned = truths.find((t) => t.kind === 'payment_card' && (t.style?.exif ?? 0) >= 5 && !t.style?.emboss && !t.style?.blur);
    if (!turned) throw new Error('no EXIF-turned flat card in test/fixtures/cards/truth.json');
    const { page } = await open();
    await dropFiles(page, [fixture(turned.file)]);
    await page.waitForSelector('#result-section:not([hidden])', { timeout: 100_000 });
    await page.waitForSelector('#photo-frame svg.overlay');
    const drawn = await page.evaluate(() => {
      const svg = document.querySelector('#photo-frame svg.overlay')!;
      const img = document.querySelector('#photo-frame img.photo-img') as HTMLImageElement;
      const [, , w, h] = (svg.getAttribute('viewBox') ?? '').split(' ').map(Number);
      const corners = (svg.querySelector('polygon[data-box="card"]')?.getAttribute('points') ?? '')
        .split(' ')
        .filter(Boolean)
        .map((xy: string) => xy.split(',').map(Number));
      return { w, h, natural: [img.naturalWidth, img.naturalHeight], corners };
    });
    // The browser shows the photo upright (EXIF applied), and the geometry refers to that same image.
    expect([drawn.w, drawn.h]).toEqual(drawn.natural);
    // Stored 768×1024 (portrait) with a quarter-turn tag: shown, and measured, landscape.
    expect(drawn.w).toBeGreaterThan(drawn.h!);
    expect(drawn.corners).toHaveLength(4);
    for (const [x, y] of drawn.corners) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(drawn.w!);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(y).toBeLessThanOrEqual(drawn.h!);
    }
    expect(problems).toEqual([]);
    await page.close();
  });

  it('refuses a file of the wrong type and one over the limit before creating any scan', async () => {
    const { page, watched } = await open();
    expect(await page.textContent('#limits-hint')).toMatch(/^JPEG, PNG or WebP, up to 2 MB each\./);
    const before = await count();
    // Picked together (the chooser takes several files at once, like the drop zone).
    await page.setInputFiles('#file-pick', [
      { name: 'card.gif', mimeType: 'image/gif', buffer: Buffer.from('GIF89a') },
      { name: 'huge.jpg', mimeType: 'image/jpeg', buffer: Buffer.alloc(3 * 1024 * 1024) },
    ]);
    const rows = page.locator('#batch li.refused');
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.nth(0).locator('.batch-status').textContent()).toMatch(/Use a JPEG, PNG or WebP photo/);
    // The limit the API enforces, in MB.
    expect(await rows.nth(1).locator('.batch-status').textContent()).toBe(
      'Not sent: this photo is 3 MB; the limit is 2 MB. Send a smaller photo, or take it at a lower resolution.',
    );
    expect(await page.textContent('#status-text')).toBe('2 files were not sent.');
    // Refused before any request: no scan was created for them.
    expect(watched.creates()).toBe(0);
    expect(await count()).toBe(before);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('asks before deleting a scan; Cancel keeps it, Delete removes it', { timeout: 120_000 }, async () => {
    const { page } = await open();
    await page.setInputFiles('#file-pick', join(FIXTURES, noCard!.file));
    await page.waitForSelector('#batch li.bad', { timeout: 100_000 });
    const id = await page.locator('#batch li').first().getAttribute('data-scan-id');
    expect(id).toBeTruthy();
    const row = page.locator(`#recent li[data-scan-id="${id}"]`);
    await expect.poll(() => row.count()).toBe(1);

    const dialog = page.getByRole('dialog', { name: 'Delete this scan?' });
    await row.getByRole('button', { name: /^Delete/ }).click();
    await dialog.waitFor({ state: 'visible' });
    expect(await page.textContent('#confirm-text')).toContain(noCard!.file);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await row.count()).toBe(1);
    expect((await api(`/v1/scans/${id}`)).status).toBe(200);

    await row.getByRole('button', { name: /^Delete/ }).click();
    await dialog.waitFor({ state: 'visible' });
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => row.count()).toBe(0);
    expect((await api(`/v1/scans/${id}`)).status).toBe(404);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('asks for a token when none is given and refuses a wrong one', async () => {
    const page = await browser.newPage();
    watch(page);
    await page.goto(`${base}/`);
    await page.waitForSelector('#token-section:not([hidden])');
    expect(await page.locator('#scan-section').isHidden()).toBe(true);

    await page.getByRole('textbox', { name: 'Token', exact: true }).fill('not-the-token-0123456789');
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.waitForSelector('#error:not([hidden])');
    expect(await page.textContent('#error')).toMatch(/not accepted/);
    await page.waitForSelector('#token-section:not([hidden])');

    await page.getByRole('textbox', { name: 'Token', exact: true }).fill(TOKEN);
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.waitForSelector('#scan-section:not([hidden])');
    await page.waitForSelector('#recent-section:not([hidden])');
    // The 401 above is a console error Chromium logs for any failed fetch; nothing else may appear.
    expect(problems.filter((p) => !/401/.test(p))).toEqual([]);
    await page.close();
  });
});
