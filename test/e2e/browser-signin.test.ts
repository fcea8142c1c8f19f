/**
 * Sign-in of the web page as on AWS, in headless Chromium (Debian's /usr/bin/chromium via
 * playwright-core): the API app in gateway mode with a sign-in domain configured serves the
 * page, which signs in against a stub OAuth 2.0 authorization server on 127.0.0.1 with
 * Cognito's endpoint layout — authorization code + PKCE (S256; the stub checks the verifier
 * against the challenge and the redirect URI against the registered one), then refreshes the
 * short-lived access token in the browser, and signs out. The API accepts only unexpired
 * access tokens the stub issued (what API Gateway's JWT authorizer does on AWS).
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../functions/core/config.js';
import { createApiApp } from '../../functions/handlers/api/app.js';
import { MemoryObjectStore, MemoryResultStore, makeRecord } from '../support/memory-fakes.js';

const CHROMIUM = '/usr/bin/chromium';
const CLIENT_ID = 'stub-client-7f3a';
const SUB = 'user-0b1c';
/** Short on purpose: the page must refresh it during the test. */
const ACCESS_TTL_S = 3;

const b64url = (buf: Buffer) => buf.toString('base64url');

/** A minimal OAuth 2.0 authorization server (authorization code + PKCE, refresh tokens) for one public client. */
function startStubIssuer(redirectUri: () => string) {
  const codes = new Map<string, { challenge: string; redirectUri: string }>();
  const access = new Map<string, { sub: string; expiresAt: number; via: 'code' | 'refresh' }>();
  const refresh = new Set<string>();
  const log = {
    authorize: [] as URLSearchParams[],
    exchanges: [] as Array<{ ok: boolean; error?: string }>,
    refreshes: 0,
    logouts: [] as URLSearchParams[],
  };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const page = new URL(redirectUri()).origin;
    if (req.method === 'GET' && url.pathname === '/oauth2/authorize') {
      const q = url.searchParams;
      log.authorize.push(q);
      const bad =
        q.get('response_type') !== 'code'
          ? 'unsupported_response_type'
          : q.get('client_id') !== CLIENT_ID
            ? 'invalid_client'
            : q.get('redirect_uri') !== redirectUri()
              ? 'redirect_mismatch'
              : q.get('code_challenge_method') !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(q.get('code_challenge') ?? '')
                ? 'invalid_request'
                : null;
      if (bad) {
        res.writeHead(400, { 'Content-Type': 'text/plain' }).end(bad);
        return;
      }
      const code = b64url(randomBytes(16));
      codes.set(code, { challenge: q.get('code_challenge')!, redirectUri: q.get('redirect_uri')! });
      const back = new URL(redirectUri());
      back.search = new URLSearchParams({ code, state: q.get('state') ?? '' }).toString();
      res.writeHead(302, { Location: back.toString() }).end();
      return;
    }
    if (req.method === 'POST' && url.pathname === '/oauth2/token') {
      let raw = '';
      req.on('data', (d: Buffer) => (raw += d.toString('utf8')));
      req.on('end', () => {
        const form = new URLSearchParams(raw);
        const reply = (status: number, body: object) =>
          res
            .writeHead(status, { 'Content-Type': 'application/json', 'Access-Control-Allow-Origin': page, 'Cache-Control': 'no-store' })
            .end(JSON.stringify(body));
        const issue = (via: 'code' | 'refresh', refreshToken?: string) => {
          const token = b64url(randomBytes(24));
          access.set(token, { sub: SUB, expiresAt: Date.now() + ACCESS_TTL_S * 1000, via });
          return { access_token: token, id_token: 'unused', token_type: 'Bearer', expires_in: ACCESS_TTL_S, ...(refreshToken ? { refresh_token: refreshToken } : {}) };
        };
        if (form.get('client_id') !== CLIENT_ID) return reply(400, { error: 'invalid_client' });
        if (form.get('grant_type') === 'authorization_code') {
          const pending = codes.get(form.get('code') ?? '');
          codes.delete(form.get('code') ?? ''); // single use
          const verifier = form.get('code_verifier') ?? '';
          const error = !pending
            ? 'invalid_grant'
            : pending.redirectUri !== form.get('redirect_uri')
              ? 'redirect_mismatch'
              : b64url(createHash('sha256').update(verifier).digest()) !== pending.challenge
                ? 'pkce_mismatch'
                : undefined;
          log.exchanges.push({ ok: !error, ...(error ? { error } : {}) });
          if (error) return reply(400, { error });
          const refreshToken = b64url(randomBytes(24));
          refresh.add(refreshToken);
          return reply(200, issue('code', refreshToken));
        }
        if (form.get('grant_type') === 'refresh_token') {
          if (!refresh.has(form.get('refresh_token') ?? '')) return reply(400, { error: 'invalid_grant' });
          log.refreshes += 1;
          // Like Cognito: a refresh grant returns a new access token and no new refresh token.
          return reply(200, issue('refresh'));
        }
        return reply(400, { error: 'unsupported_grant_type' });
      });
      return;
    }
    if (req.method === 'GET' && url.pathname === '/logout') {
      log.logouts.push(url.searchParams);
      if (url.searchParams.get('client_id') !== CLIENT_ID || url.searchParams.get('logout_uri') !== redirectUri()) {
        res.writeHead(400).end('bad logout');
        return;
      }
      res.writeHead(302, { Location: redirectUri() }).end();
      return;
    }
    res.writeHead(404).end();
  });
  return {
    log,
    access,
    /** The verified caller of an access token, as the gateway's JWT authorizer would pass it (null: 401). */
    callerOf(token: string) {
      const t = access.get(token);
      return t && t.expiresAt > Date.now() ? { principal: t.sub, admin: false } : null;
    },
    listen: () =>
      new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`))),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('sign-in on AWS: authorization code + PKCE against a stub issuer (headless Chromium)', () => {
  let dir: string;
  let browser: BrowserContext;
  let base = '';
  const used: string[] = [];
  const stub = startStubIssuer(() => `${base}/`);
  let api: ReturnType<typeof serve> | undefined;
  const problems: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium)`);
    const issuer = await stub.listen();
    const results = new MemoryResultStore();
    // The user's twelve scans (one without a card, the newest) and another user's one.
    await results.create(
      makeRecord('01JDQ4Z7W2M3N4P5Q6R7S8T9Z0', 'failed', {
        owner: SUB,
        outcome: 'no_card',
        error: { code: 'no_card', message: 'no card' },
        createdAt: '2026-01-02T00:00:00.000Z',
      }),
    );
    for (let i = 10; i < 21; i++) {
      await results.create(
        makeRecord(`01JDQ4Z7W2M3N4P5Q6R7S8T9${i}`, 'done', {
          owner: SUB,
          outcome: 'ok',
          card: { pan: '411111••••••1111', last4: '1111', brand: 'visa', expiry: '09/29', name: null },
          createdAt: `2026-01-01T00:00:${i}.000Z`,
        }),
      );
    }
    await results.create(makeRecord('01JDQ4Z7W2M3N4P5Q6R7S8T9V1', 'done', { owner: 'someone-else', createdAt: '2026-01-03T00:00:00.000Z' }));
    const app = createApiApp({
      objects: new MemoryObjectStore(),
      results,
      auth: {
        mode: 'gateway',
        callerFrom: (c) => {
          const token = (c.req.header('Authorization') ?? '').replace(/^Bearer /, '');
          used.push(token);
          return stub.callerOf(token);
        },
      },
      clientAddress: () => '127.0.0.1',
      config: loadConfig(['api', 'limits'], { CARDOCR_SIGNIN_DOMAIN: issuer, CARDOCR_SIGNIN_CLIENT_ID: CLIENT_ID }),
    });
    await new Promise<void>((resolve) => {
      api = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
        base = `http://127.0.0.1:${info.port}`;
        resolve();
      });
    });
    dir = mkdtempSync(join(tmpdir(), 'cardocr-signin-'));
    browser = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 390, height: 844 },
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (api ? api.close(() => resolve()) : resolve()));
    await stub.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('signs in with a code and a PKCE verifier, refreshes the token before it runs out, and signs out (lists, pages and filters on the way)', { timeout: 60_000 }, async () => {
    const page = await browser.newPage();
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    await page.goto(`${base}/`);
    await page.waitForSelector('#signin-section:not([hidden])');
    expect(await page.locator('#token-section').isHidden()).toBe(true);

    await page.getByRole('button', { name: 'Sign in' }).click();
    // Off to the issuer and back with a code, exchanged for tokens by the page itself.
    await page.waitForSelector('#scan-section:not([hidden])');
    const authorize = stub.log.authorize[0]!;
    expect(authorize.get('code_challenge_method')).toBe('S256');
    expect(authorize.get('redirect_uri')).toBe(`${base}/`);
    expect(authorize.get('scope')).toBe('openid email');
    expect(authorize.get('state')).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    expect(stub.log.exchanges).toEqual([{ ok: true }]);
    // The code and state are out of the address bar and history; the verifier is gone.
    expect(page.url()).toBe(`${base}/`);
    expect(await page.evaluate(() => sessionStorage.getItem('cardocr.pkce'))).toBeNull();

    // Signed in as the stub's user: only their scans are listed, ten at a time, newest first.
    await expect.poll(() => page.locator('#recent li').count()).toBe(10);
    expect(await page.locator('#recent li .scan-status').first().textContent()).toBe('No card found');
    await page.getByRole('button', { name: 'More' }).click();
    await expect.poll(() => page.locator('#recent li').count()).toBe(12);
    expect(await page.locator('#more').isHidden()).toBe(true);
    // Filtered by status: the one that failed.
    await page.getByLabel('Show', { exact: true }).selectOption('failed');
    await expect.poll(() => page.locator('#recent li').count()).toBe(1);
    expect(await page.locator('#recent li').getAttribute('data-status')).toBe('failed');
    const first = used.at(-1)!;
    expect(stub.access.get(first)?.via).toBe('code');

    // The access token lives 3 s: the page refreshes it before then, and keeps working after.
    await expect.poll(() => stub.log.refreshes, { timeout: 10_000 }).toBeGreaterThan(0);
    await expect.poll(() => stub.callerOf(first), { timeout: 10_000 }).toBeNull();
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(() => used.at(-1) !== first && stub.access.get(used.at(-1)!)?.via).toBe('refresh');
    expect(stub.callerOf(used.at(-1)!)).not.toBeNull();
    await expect.poll(() => page.locator('#recent li').count()).toBe(1);
    expect(await page.locator('#error').isHidden()).toBe(true);
    // Tokens were never in a URL.
    for (const q of stub.log.authorize) expect(q.toString()).not.toMatch(/access_token|refresh_token/);

    // Sign out: tokens forgotten, the issuer's session ended, back to the sign-in button.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForSelector('#signin-section:not([hidden])');
    expect(stub.log.logouts).toHaveLength(1);
    expect(await page.evaluate(() => sessionStorage.getItem('cardocr.oauth'))).toBeNull();
    expect(await page.locator('#scan-section').isHidden()).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('refuses a code that comes back with a state this tab did not start, without calling the token endpoint', async () => {
    const page = await browser.newPage();
    const exchanges = stub.log.exchanges.length;
    await page.goto(`${base}/?code=forged-code&state=not-ours`);
    await page.waitForSelector('#error:not([hidden])');
    expect(await page.textContent('#error')).toBe('That sign-in link was not started from this tab. Sign in again.');
    expect(page.url()).toBe(`${base}/`);
    expect(stub.log.exchanges.length).toBe(exchanges);
    await page.waitForSelector('#signin-section:not([hidden])');
    await page.close();
  });
});
