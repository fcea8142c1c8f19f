/**
 * The web page in headless Chromium (Debian's /usr/bin/chromium driven by playwright-core),
 * against the real local pipeline (API + upload route + preprocess/read stages + SQLite +
 * filesystem bucket) on a random port: a fixture photo chosen through the page ends with its
 * masked number on screen, and nothing the page received holds the full number.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskPan } from '../../functions/core/mask.js';
import { silentLog } from '../../functions/core/log.js';
import { startLocalPipeline } from '../../functions/local/index.js';

const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'browser-test-token-0123456789abcdef';
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'cards');

interface Truth {
  file: string;
  kind: string;
  pan?: string;
  brand?: string;
  style?: { panFont?: string; emboss?: boolean; dark?: boolean; blur?: number; noise?: number; background?: string };
}

// The plainest committed photo (flat print, plain background, no blur or noise): this test is
// about the page and the wiring, the reader's accuracy has its own tests and benchmark.
const truth = (JSON.parse(readFileSync(join(FIXTURES, 'truth.json'), 'utf8')) as Truth[]).find(
  (t) =>
    t.kind === 'payment_card' &&
    t.pan &&
    !t.style?.emboss &&
    !t.style?.dark &&
    !t.style?.blur &&
    !t.style?.noise &&
    t.style?.background === 'plain',
);

describe('web page (headless Chromium, real local pipeline)', () => {
  let dir: string;
  let pipeline: Awaited<ReturnType<typeof startLocalPipeline>>;
  let browser: BrowserContext;
  let base: string;
  const problems: string[] = [];

  beforeAll(async () => {
    // Missing browser = failure, not a skip: .ci/run installs Debian's chromium.
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium)`);
    if (!truth) throw new Error('no plain payment-card fixture in test/fixtures/cards/truth.json');
    dir = mkdtempSync(join(tmpdir(), 'cardocr-browser-'));
    pipeline = await startLocalPipeline({
      port: 0,
      dataDir: join(dir, 'data'),
      token: TOKEN,
      concurrency: 1,
      log: silentLog,
      print: () => {},
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
  });

  afterAll(async () => {
    await browser?.close();
    await pipeline?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function watch(page: Page): { bodies: Promise<string>[] } {
    const bodies: Promise<string>[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('response', (r) => {
      if (new URL(r.url()).pathname.startsWith('/v1/')) bodies.push(r.text().catch(() => ''));
    });
    return { bodies };
  }

  it('uploads a fixture photo through the page and shows its masked number', { timeout: 180_000 }, async () => {
    const pan = truth!.pan!;
    const masked = maskPan(pan);
    const page = await browser.newPage();
    const { bodies } = watch(page);

    await page.goto(`${base}/#token=${TOKEN}`);
    // The token moved from the fragment into sessionStorage, and out of the address bar.
    await page.waitForSelector('#scan-section:not([hidden])');
    expect(page.url()).toBe(`${base}/`);

    await page.setInputFiles('#file-pick', join(FIXTURES, truth!.file));
    await page.waitForSelector('#result:not([hidden]), #error:not([hidden])', { timeout: 150_000 });
    expect(await page.locator('#error').isHidden(), await page.locator('#error').textContent() ?? '').toBe(true);
    expect((await page.textContent('#result-pan'))?.trim()).toBe(masked);
    expect(await page.getAttribute('#progress', 'value')).toBe('100');

    // The recent list shows it with a delete button.
    const item = page.locator('#recent li', { hasText: masked });
    await expect.poll(() => item.count()).toBe(1);

    // Nothing the page holds or received carries the full number.
    expect(await page.content()).not.toContain(pan);
    for (const text of await Promise.all(bodies)) expect(text).not.toContain(pan);

    // Delete through the page: gone from the list and from the API.
    const id = await item.getAttribute('data-scan-id');
    expect(id).toBeTruthy();
    await item.getByRole('button', { name: /delete/i }).click();
    await expect.poll(() => page.locator(`#recent li[data-scan-id="${id}"]`).count()).toBe(0);
    const gone = await fetch(`${base}/v1/scans/${id}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(gone.status).toBe(404);

    expect(problems).toEqual([]);
    await page.close();
  });

  it('takes a dropped file and refuses types the pipeline does not accept', async () => {
    const page = await browser.newPage();
    watch(page);
    await page.goto(`${base}/#token=${TOKEN}`);
    await page.waitForSelector('#scan-section:not([hidden])');
    const count = async () => {
      const res = await fetch(`${base}/v1/scans?limit=100`, { headers: { Authorization: `Bearer ${TOKEN}` } });
      return ((await res.json()) as { items: unknown[] }).items.length;
    };
    const before = await count();
    const dataTransfer = await page.evaluateHandle(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['GIF89a'], 'card.gif', { type: 'image/gif' }));
      return dt;
    });
    await page.dispatchEvent('#drop', 'dragover', { dataTransfer });
    await page.dispatchEvent('#drop', 'drop', { dataTransfer });
    await page.waitForSelector('#error:not([hidden])');
    expect(await page.textContent('#error')).toMatch(/JPEG, PNG or WebP/);
    // Refused before any request: no scan was created for it.
    expect(await count()).toBe(before);
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
