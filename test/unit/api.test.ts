import { handle } from 'hono/aws-lambda';
import { describe, expect, it } from 'vitest';
import { createApiApp, type ApiAppDeps } from '../../functions/handlers/api/app.js';
import { configDefaults, loadConfig } from '../../functions/core/config.js';
import { silentLog } from '../../functions/core/log.js';
import { CardOcrError } from '../../functions/core/errors.js';
import { LOCAL_UPLOAD_PATH, createUploadRoute } from '../../functions/local/upload-route.js';
import { maskPan } from '../../functions/core/mask.js';
import { MemoryObjectStore, MemoryResultStore, makeRecord } from '../support/memory-fakes.js';

const TOKEN = 'test-token-0123456789abcdef';
const AUTH = { Authorization: `Bearer ${TOKEN}` };
const JSON_AUTH = { ...AUTH, 'Content-Type': 'application/json' };
const ID = '01JDQ4Z7W2M3N4P5Q6R7S8T9V0';

function setup(overrides: Partial<ApiAppDeps> = {}) {
  const objects = new MemoryObjectStore();
  const results = new MemoryResultStore();
  const errors: unknown[][] = [];
  const log = { debug() {}, info() {}, warn() {}, error: (...a: unknown[]) => void errors.push(a) };
  const app = createApiApp({ objects, results, auth: { mode: 'bearer', token: TOKEN }, clientAddress: () => '203.0.113.7', log, ...overrides });
  return { app, objects, results, errors };
}

async function body(res: Response): Promise<any> {
  return res.json();
}

describe('auth', () => {
  it('serves /healthz without a token', async () => {
    const { app } = setup();
    const res = await app.request('/healthz');
    expect(res.status).toBe(200);
    expect(await body(res)).toEqual({ status: 'ok' });
  });

  it('answers 401 {error} without, or with a wrong, bearer token on every /v1 route', async () => {
    const { app } = setup();
    const attempts: Array<[string, RequestInit]> = [
      ['/v1/scans', { method: 'POST' }],
      ['/v1/scans', {}],
      [`/v1/scans/${ID}`, {}],
      [`/v1/scans/${ID}`, { method: 'DELETE' }],
      ['/v1/scans', { headers: { Authorization: 'Bearer wrong-token-0123456789' } }],
      ['/v1/scans', { headers: { Authorization: `Basic ${TOKEN}` } }],
      ['/v1/scans', { headers: { Authorization: `Bearer ${TOKEN}x` } }],
    ];
    for (const [path, init] of attempts) {
      const res = await app.request(path, init);
      expect(res.status, `${init.method ?? 'GET'} ${path}`).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await body(res)).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    }
  });

  it('refuses a token shorter than 16 characters at construction', () => {
    expect(() => setup({ auth: { mode: 'bearer', token: 'short' } })).toThrow(RangeError);
  });

  it('gateway mode requires the JWT authorizer claims and never lets an anonymous request through', async () => {
    const { app } = setup({ auth: { mode: 'gateway' } });
    const event = (claims?: Record<string, unknown>) => ({
      event: { requestContext: { http: { sourceIp: '198.51.100.7' }, authorizer: claims ? { jwt: { claims, scopes: null } } : {} } },
    });
    expect((await app.request('/v1/scans', {}, {})).status).toBe(401);
    expect((await app.request('/v1/scans', {}, event())).status).toBe(401);
    expect((await app.request('/v1/scans', {}, event({ sub: '' }))).status).toBe(401);
    // A bearer header alone does not count: API Gateway, not the app, verifies tokens in this mode.
    expect((await app.request('/v1/scans', { headers: AUTH }, event())).status).toBe(401);
    const ok = await app.request('/v1/scans', {}, event({ sub: 'user-123', iss: 'https://issuer.example' }));
    expect(ok.status).toBe(200);
  });
});

describe('behind API Gateway (hono/aws-lambda, HTTP API payload v2)', () => {
  const v2Event = (path: string, authorizer: Record<string, unknown> | undefined) => ({
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: { host: 'abc.execute-api.eu-west-1.amazonaws.com' },
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc',
      domainName: 'abc.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'abc',
      http: { method: 'GET', path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'test' },
      requestId: 'r1',
      routeKey: '$default',
      stage: '$default',
      time: '01/Jan/2026:00:00:00 +0000',
      timeEpoch: 0,
      ...(authorizer ? { authorizer } : {}),
    },
  });

  it('reads the JWT authorizer claims from the Lambda event and refuses events without them', async () => {
    const { app, results } = setup({ auth: { mode: 'gateway' } });
    // The caller's own scan (a non-admin sees only those).
    await results.create(makeRecord(ID, 'done', { owner: 'u-1' }));
    const lambda = handle(app);
    type LambdaEvent = Parameters<typeof lambda>[0];
    type LambdaContext = Parameters<typeof lambda>[1];
    const call = (event: unknown) => lambda(event as LambdaEvent, {} as LambdaContext);
    const ok = await call(v2Event(`/v1/scans/${ID}`, { jwt: { claims: { sub: 'u-1' }, scopes: null } }));
    expect(ok.statusCode).toBe(200);
    expect(JSON.parse(ok.body).id).toBe(ID);
    const anonymous = await call(v2Event(`/v1/scans/${ID}`, undefined));
    expect(anonymous.statusCode).toBe(401);
    const health = await call(v2Event('/healthz', undefined));
    expect(health.statusCode).toBe(200);
    // What the $default catch-all route passes on: the app's JSON 404, not API Gateway's.
    const unknown = await call(v2Event('/nope', undefined));
    expect(unknown.statusCode).toBe(404);
    expect(JSON.parse(unknown.body).error.code).toBe('not_found');
  });
});

describe('POST /v1/scans', () => {
  it('creates an awaiting_upload scan with a signed upload target for a server-generated key', async () => {
    const { app, results, objects } = setup();
    const res = await app.request('/v1/scans', {
      method: 'POST',
      headers: JSON_AUTH,
      body: JSON.stringify({ contentType: 'image/webp', filename: 'card.webp' }),
    });
    expect(res.status).toBe(201);
    const created = await body(res);
    expect(created).toEqual({
      id: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/),
      status: 'awaiting_upload',
      upload: {
        url: expect.any(String),
        method: 'POST',
        fields: expect.objectContaining({ key: `uploads/${created.id}.webp` }),
        expiresAt: expect.any(String),
        maxBytes: configDefaults('limits').maxInputBytes,
        maxMB: 15,
      },
    });
    expect(results.records.get(created.id)).toMatchObject({ status: 'awaiting_upload', key: `uploads/${created.id}.webp` });
    expect(objects.uploads[0]?.options.contentTypes).toEqual(['image/webp']);
  });

  it('resolves a relative upload URL against the URL of the request', async () => {
    const { app, objects } = setup();
    const original = objects.createUpload.bind(objects);
    objects.createUpload = async (key, options) => ({ ...(await original(key, options)), url: '/local-upload' });
    const res = await app.request('http://localhost:3999/v1/scans', { method: 'POST', headers: AUTH });
    expect((await body(res)).upload.url).toBe('http://localhost:3999/local-upload');
  });

  it('accepts an empty body (JPEG by default)', async () => {
    const { app, results } = setup();
    const res = await app.request('/v1/scans', { method: 'POST', headers: AUTH });
    expect(res.status).toBe(201);
    const { id } = await body(res);
    expect(results.records.get(id)?.key).toBe(`uploads/${id}.jpg`);
  });

  it('rejects a client-chosen key, an unknown type and a bad filename with 400 validation', async () => {
    const { app, results } = setup();
    for (const payload of [
      { key: 'uploads/../../evil.jpg' },
      { contentType: 'image/gif' },
      { contentType: 'text/html' },
      { filename: '' },
      { filename: 'x'.repeat(256) },
    ]) {
      const res = await app.request('/v1/scans', { method: 'POST', headers: JSON_AUTH, body: JSON.stringify(payload) });
      expect(res.status, JSON.stringify(payload)).toBe(400);
      expect((await body(res)).error.code).toBe('validation');
    }
    expect(results.records.size).toBe(0);
  });

  it('answers 400 for malformed JSON, 415 for a non-JSON body and 413 for an oversized body', async () => {
    const { app } = setup();
    const bad = await app.request('/v1/scans', { method: 'POST', headers: JSON_AUTH, body: '{"contentType":' });
    expect(bad.status).toBe(400);
    expect((await body(bad)).error.code).toBe('validation');

    const text = await app.request('/v1/scans', {
      method: 'POST',
      headers: { ...AUTH, 'Content-Type': 'text/plain' },
      body: 'contentType=image/jpeg',
    });
    expect(text.status).toBe(415);
    const refused = await body(text);
    expect(refused.error.code).toBe('unsupported_media_type');
    // The message names the type the route takes and the one that arrived.
    expect(refused.error.message).toBe('expected Content-Type: application/json, got text/plain');

    const huge = JSON.stringify({ filename: 'a', pad: 'x'.repeat(64 * 1024) });
    const big = await app.request('/v1/scans', {
      method: 'POST',
      headers: { ...JSON_AUTH, 'Content-Length': String(huge.length) },
      body: huge,
    });
    expect(big.status).toBe(413);
    expect((await body(big)).error.code).toBe('payload_too_large');
  });

  it('answers a generic 500 without internals when a port fails', async () => {
    const { app, objects, errors } = setup();
    objects.failCreateUpload = true;
    const res = await app.request('/v1/scans', { method: 'POST', headers: AUTH });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error: { code: 'internal', message: 'internal error' } });
    expect(text).not.toMatch(/signing|etc|creds|stack/i);
    expect(errors).toHaveLength(1);
  });

  it('answers 503 + Retry-After, without internals, when a port fails with a fault it marked transient', async () => {
    const { app, objects, errors } = setup();
    // As the local database does when another process held its lock past the request's wait.
    objects.createUpload = async () => {
      throw new CardOcrError('internal', 'expected the SQLite database to be writable, but another connection held its lock for 10001 ms (lsof cardocr.sqlite)', { retryable: true });
    };
    const res = await app.request('/v1/scans', { method: 'POST', headers: AUTH });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error: { code: 'service_unavailable', message: 'the service could not finish this request now; try again in 5 s' } });
    expect(text).not.toMatch(/sqlite|lsof|lock/i);
    // A transient fault is no server error to alarm on.
    expect(errors).toHaveLength(0);
  });
});

describe('GET /v1/scans/{id}', () => {
  it('returns the documented view with masked card fields', async () => {
    const { app, results } = setup();
    await results.create(
      makeRecord(ID, 'done', {
        outcome: 'ok',
        card: { pan: '411111••••••1111', last4: '1111', brand: 'visa', expiry: '09/29', name: 'JANE DOE' },
        confidence: { pan: 0.93 },
        timingsMs: { preprocess: { decode: 20, total: 120 }, read: { total: 800 } },
        attempts: 2,
        lease: null,
      } as never),
    );
    const res = await app.request(`/v1/scans/${ID}`, { headers: AUTH });
    expect(res.status).toBe(200);
    expect(await body(res)).toEqual({
      id: ID,
      status: 'done',
      key: `uploads/${ID}.jpg`,
      outcome: 'ok',
      card: { pan: '411111••••••1111', last4: '1111', brand: 'visa', expiry: '09/29', name: 'JANE DOE' },
      confidence: { pan: 0.93 },
      missing: {},
      error: null,
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
      geometry: null,
      // The end-to-end total adds up the stages (the read stage's own total is only its part).
      timingsMs: { preprocess: { decode: 20, total: 120 }, read: { total: 800 }, total: 920 },
    });
  });

  it('returns the geometry the read stage stored: photo size, card outline and field quads only', async () => {
    const { app, results } = setup();
    const corners = [[100, 80], [900, 96], [890, 600], [92, 584]];
    const pan = [[150, 330], [820, 338], [819, 390], [149, 382]];
    await results.create(
      makeRecord(ID, 'done', {
        outcome: 'partial',
        card: { pan: '411111••••••1111', last4: '1111', brand: 'visa', expiry: null, name: null },
        missing: { expiry: 'only_valid_from' },
        geometry: {
          rotation: 0,
          box: { left: 92, top: 80, width: 808, height: 520 },
          coverage: 0.4,
          image: { width: 1000, height: 700 },
          corners,
          fields: { pan, expiry: [[1, 2], [3, 4]], bogus: pan },
        },
      } as never),
    );
    const view = await body(await app.request(`/v1/scans/${ID}`, { headers: AUTH }));
    // A malformed quad (two points) and an unknown field are dropped; no box, rotation or coverage.
    expect(view.geometry).toEqual({ image: { width: 1000, height: 700 }, corners, fields: { pan } });
    const list = await body(await app.request('/v1/scans', { headers: AUTH }));
    expect(list.items[0].geometry).toEqual(view.geometry);
  });

  it('answers null geometry for a record without a photo size (nothing to draw against)', async () => {
    const { app, results } = setup();
    await results.create(makeRecord(ID, 'done', { geometry: { corners: [[0, 0], [1, 0], [1, 1], [0, 1]] } } as never));
    expect((await body(await app.request(`/v1/scans/${ID}`, { headers: AUTH }))).geometry).toBeNull();
  });

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    const { app } = setup();
    const missing = await app.request(`/v1/scans/${ID}`, { headers: AUTH });
    expect(missing.status).toBe(404);
    expect((await body(missing)).error.code).toBe('not_found');
    const malformed = await app.request('/v1/scans/a%20b%3Bc', { headers: AUTH });
    expect(malformed.status).toBe(400);
    expect((await body(malformed)).error.code).toBe('validation');
  });
});

describe('GET /v1/scans', () => {
  async function seeded() {
    const s = setup();
    for (let i = 0; i < 5; i++) {
      await s.results.create(
        makeRecord(`S${i}`, i % 2 ? 'done' : 'failed', { createdAt: `2026-01-0${i + 1}T00:00:00.000Z`, key: `uploads/p${i}.jpg` }),
      );
    }
    return s;
  }

  it('lists newest first and pages with nextCursor', async () => {
    const { app } = await seeded();
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: Response = await app.request(`/v1/scans?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, {
        headers: AUTH,
      });
      expect(res.status).toBe(200);
      const page: { items: Array<{ id: string }>; nextCursor: string | null } = await body(res);
      seen.push(...page.items.map((s) => s.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toEqual(['S4', 'S3', 'S2', 'S1', 'S0']);
    expect(pages).toBe(3);
  });

  it('filters by status and by key', async () => {
    const { app } = await seeded();
    const done = await body(await app.request('/v1/scans?status=done', { headers: AUTH }));
    expect(done.items.map((s: { id: string }) => s.id)).toEqual(['S3', 'S1']);
    const byKey = await body(await app.request('/v1/scans?key=uploads%2Fp2.jpg', { headers: AUTH }));
    expect(byKey.items.map((s: { id: string }) => s.id)).toEqual(['S2']);
    expect(byKey.nextCursor).toBeNull();
  });

  it('rejects a bad limit, status or cursor with 400', async () => {
    const { app } = await seeded();
    for (const q of ['limit=0', 'limit=101', 'limit=abc', 'status=finished', 'cursor=bm9wZQ']) {
      const res = await app.request(`/v1/scans?${q}`, { headers: AUTH });
      expect(res.status, q).toBe(400);
      expect((await body(res)).error.code).toBe('validation');
    }
  });
});

describe('DELETE /v1/scans/{id}', () => {
  it('removes the record and its images (204), then 404', async () => {
    const { app, results, objects } = setup();
    await results.create(makeRecord(ID, 'done'));
    await objects.put(`uploads/${ID}.jpg`, new Uint8Array([1]));
    await objects.put(`processed/${ID}.png`, new Uint8Array([1]));
    const res = await app.request(`/v1/scans/${ID}`, { method: 'DELETE', headers: AUTH });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    expect(results.records.size).toBe(0);
    expect(objects.objects.size).toBe(0);
    expect((await app.request(`/v1/scans/${ID}`, { method: 'DELETE', headers: AUTH })).status).toBe(404);
  });

  it('answers 409 while the scan is being processed', async () => {
    const { app, results } = setup();
    await results.create(makeRecord(ID, 'reading'));
    const res = await app.request(`/v1/scans/${ID}`, { method: 'DELETE', headers: AUTH });
    expect(res.status).toBe(409);
    expect((await body(res)).error.code).toBe('conflict');
    expect(results.records.has(ID)).toBe(true);
  });
});

describe('rate limiting', () => {
  it('answers 429 with Retry-After per client once its bucket is empty, and recovers', async () => {
    let t = 0;
    let client = 'a';
    const { app } = setup({
      config: { limits: configDefaults('limits'), api: { ...configDefaults('api'), rateLimitBurst: 3, rateLimitRps: 1 } },
      rateLimit: { now: () => t, clientKey: () => client },
    });
    const get = () => app.request('/v1/scans', { headers: AUTH });
    for (let i = 0; i < 3; i++) expect((await get()).status).toBe(200);
    const limited = await get();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect((await body(limited)).error.code).toBe('rate_limited');
    client = 'b';
    expect((await get()).status).toBe(200);
    client = 'a';
    t = 1_000;
    expect((await get()).status).toBe(200);
    expect((await get()).status).toBe(429);
    // Unauthenticated requests count too, so a token cannot be guessed at full speed.
    client = 'c';
    for (let i = 0; i < 3; i++) expect((await app.request('/v1/scans')).status).toBe(401);
    expect((await app.request('/v1/scans')).status).toBe(429);
    // /healthz is not limited.
    expect((await app.request('/healthz')).status).toBe(200);
  });
});

describe('load shedding (the runtime\'s admission check)', () => {
  const BUSY = { message: 'the pipeline has 2 scans waiting or running (limit 2); try again in 7 s', retryAfterSeconds: 6.2 };

  it('sheds an authenticated write with 503 service_unavailable + Retry-After, and never an anonymous one', async () => {
    const asked: unknown[] = [];
    const { app, results } = setup({
      admission: (request) => {
        asked.push(request);
        return BUSY;
      },
    });
    const shed = await app.request('/v1/scans', { method: 'POST', headers: JSON_AUTH, body: '{}' });
    expect(shed.status).toBe(503);
    expect(shed.headers.get('retry-after')).toBe('7');
    expect(await body(shed)).toEqual({ error: { code: 'service_unavailable', message: BUSY.message } });
    expect(asked).toEqual([{ method: 'POST', path: '/v1/scans', principal: 'local' }]);
    expect((await results.list({ limit: 10 })).items).toHaveLength(0);
    // Without a token, or with a wrong one: 401 as ever, the load is not asked about or shown.
    const unauthenticated: Array<Record<string, string>> = [
      { 'Content-Type': 'application/json' },
      { Authorization: 'Bearer wrong-token-0123456789', 'Content-Type': 'application/json' },
    ];
    for (const headers of unauthenticated) {
      const denied = await app.request('/v1/scans', { method: 'POST', headers, body: '{}' });
      expect(denied.status).toBe(401);
      expect(denied.headers.get('retry-after')).toBeNull();
      expect((await body(denied)).error.code).toBe('unauthorized');
    }
    const deleted = await app.request(`/v1/scans/${ID}`, { method: 'DELETE' });
    expect(deleted.status).toBe(401);
    expect(asked).toHaveLength(1);
  });

  it('lets reads through without asking, and writes once the runtime admits them', async () => {
    let busy = true;
    let asked = 0;
    const { app } = setup({
      admission: async () => {
        asked++;
        return busy ? BUSY : null;
      },
    });
    expect((await app.request('/v1/scans', { headers: AUTH })).status).toBe(200);
    expect((await app.request(`/v1/scans/${ID}`, { headers: AUTH })).status).toBe(404);
    expect(asked).toBe(0);
    expect((await app.request(`/v1/scans/${ID}`, { method: 'DELETE', headers: AUTH })).status).toBe(503);
    busy = false;
    expect((await app.request('/v1/scans', { method: 'POST', headers: JSON_AUTH, body: '{}' })).status).toBe(201);
    expect(asked).toBe(2);
  });

  it('sheds before the scan quota, so a shed create does not use it up', async () => {
    let busy = true;
    const { app } = setup({
      config: { limits: configDefaults('limits'), api: { ...configDefaults('api'), scanQuotaPerMinute: 1 } },
      admission: () => (busy ? BUSY : null),
    });
    const create = () => app.request('/v1/scans', { method: 'POST', headers: JSON_AUTH, body: '{}' });
    for (let i = 0; i < 3; i++) expect((await create()).status).toBe(503);
    busy = false;
    expect((await create()).status).toBe(201);
    expect((await create()).status).toBe(429);
  });
});

describe('headers', () => {
  it('sets no-store, nosniff and a deny-all CSP on API responses', async () => {
    const { app } = setup();
    for (const res of [await app.request('/v1/scans', { headers: AUTH }), await app.request('/v1/scans'), await app.request('/healthz')]) {
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    }
  });

  it('answers unknown routes with a 404 {error}', async () => {
    const { app } = setup();
    for (const path of ['/nope', '/v1/nope', '/v1/scans/a/b', '/assets/nope.js']) {
      const res = await app.request(path, { headers: AUTH });
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type'), path).toMatch(/^application\/json/);
      expect((await body(res)).error.code, path).toBe('not_found');
    }
  });

  it('answers a method a route does not take with 405 {error} and Allow', async () => {
    const { app } = setup();
    const cases: Array<[string, string, string]> = [
      ['PUT', '/v1/scans', 'GET, HEAD, POST'],
      ['DELETE', '/v1/scans', 'GET, HEAD, POST'],
      ['PATCH', `/v1/scans/${ID}`, 'DELETE, GET, HEAD'],
      ['POST', `/v1/scans/${ID}`, 'DELETE, GET, HEAD'],
      ['POST', '/healthz', 'GET, HEAD'],
      ['DELETE', '/', 'GET, HEAD'],
      ['POST', '/openapi.json', 'GET, HEAD'],
    ];
    for (const [method, path, allow] of cases) {
      const res = await app.request(path, { method, headers: AUTH });
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.headers.get('allow'), `${method} ${path}`).toBe(allow);
      const err = (await body(res)).error;
      expect(err.code).toBe('method_not_allowed');
      expect(err.message).toContain(allow);
    }
    // /v1 still authenticates first: no route list for an anonymous caller.
    expect((await app.request('/v1/scans', { method: 'PUT' })).status).toBe(401);
  });
});

describe('card data never leaves unmasked', () => {
  it('masks a full PAN even if a store held one, in every response and error, and puts none in URLs', async () => {
    const { app, results } = setup();
    const pan = '4111111111111111';
    // A broken stage writing the full number must still not leak it through the API.
    await results.create(
      makeRecord(ID, 'done', {
        key: `uploads/${pan}.jpg`,
        card: { pan, last4: pan, brand: 'visa', expiry: '12/30', name: `HOLDER ${pan}` },
      }),
    );
    await results.create(
      makeRecord('F1', 'failed', { error: { code: 'invalid_image', message: `could not decode ${pan}` } }),
    );
    const responses = [
      await app.request(`/v1/scans/${ID}`, { headers: AUTH }),
      await app.request('/v1/scans', { headers: AUTH }),
      await app.request(`/v1/scans/F1`, { headers: AUTH }),
      await app.request(`/v1/scans/${pan}`, { headers: AUTH }),
      await app.request(`/nothing/${pan}`),
      await app.request('/v1/scans', { method: 'POST', headers: AUTH }),
    ];
    for (const res of responses) {
      const text = await res.text();
      expect(text).not.toContain(pan);
      expect(text).not.toMatch(/\d{13,19}/);
    }
    const view = await body(await app.request(`/v1/scans/${ID}`, { headers: AUTH }));
    expect(view.card.pan).toBe('411111••••••1111');
    expect(view.card.last4).toBe('1111');
    const created = await body(await app.request('/v1/scans', { method: 'POST', headers: AUTH }));
    expect(created.upload.url).not.toMatch(/\d{12,}/);
    expect(Object.values(created.upload.fields as Record<string, string>).join(' ')).not.toMatch(/\d{12,}/);
  });
});

describe('OpenAPI document', () => {
  it('describes every route and schema as OpenAPI 3.1', async () => {
    const { app } = setup();
    const res = await app.request('/openapi.json');
    expect(res.status).toBe(200);
    const doc = await body(res);
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(['/healthz', '/v1/scans', '/v1/scans/{id}']);
    expect(Object.keys(doc.paths['/v1/scans']).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/v1/scans/{id}']).sort()).toEqual(['delete', 'get']);
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(['Scan', 'ScanList', 'CreatedScan', 'CreateScanRequest', 'UploadTarget', 'Error', 'Card', 'CardGeometry', 'Timings']),
    );
    expect(Object.keys(doc.components.schemas.Scan.properties)).toEqual(expect.arrayContaining(['geometry', 'timingsMs']));
    expect(Object.keys(doc.components.schemas.Timings.properties)).toEqual(['preprocess', 'read', 'total']);
    expect(doc.components.schemas.UploadTarget.required).toEqual(expect.arrayContaining(['maxBytes', 'maxMB']));
    expect(doc.components.schemas.Error.properties.error.properties.code.enum).toContain('method_not_allowed');
    for (const op of [doc.paths['/v1/scans'].get, doc.paths['/v1/scans'].post, doc.paths['/v1/scans/{id}'].get]) {
      expect(Object.keys(op.responses)).toContain('405');
    }
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/v1/scans'].post.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/healthz'].get.security).toBeUndefined();
    expect(Object.keys(doc.paths['/v1/scans/{id}'].delete.responses)).toEqual(
      expect.arrayContaining(['204', '401', '404', '409', '429', '503']),
    );
    // Writes may be shed under load; reads are not.
    expect(Object.keys(doc.paths['/v1/scans'].post.responses)).toContain('503');
    expect(Object.keys(doc.paths['/v1/scans'].get.responses)).not.toContain('503');
    expect(doc.components.schemas.Error.properties.error.properties.code.enum).toContain('service_unavailable');
    expect(doc.components.schemas.ScanStatus.enum).toEqual([
      'awaiting_upload', 'queued', 'preprocessing', 'reading', 'done', 'failed',
    ]);
  });
});

describe('one upload limit everywhere', () => {
  it('states config limits.maxInputBytes in bytes and MB in the create response, the OpenAPI text and the page', async () => {
    const config = loadConfig(['api', 'limits'], { CARDOCR_MAX_INPUT_BYTES: String(12 * 1024 * 1024) });
    const { app } = setup({ config });
    const created = await body(await app.request('/v1/scans', { method: 'POST', headers: AUTH }));
    expect(created.upload.maxBytes).toBe(12 * 1024 * 1024);
    expect(created.upload.maxMB).toBe(12);
    const html = await (await app.request('/')).text();
    const meta = /<meta name="cardocr-config" content="([^"]*)">/.exec(html)?.[1] ?? '';
    const pageConfig = JSON.parse(meta.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'));
    expect(pageConfig.maxInputBytes).toBe(12 * 1024 * 1024);
    expect(pageConfig.acceptedTypes).toEqual(['image/jpeg', 'image/png', 'image/webp']);
  });

  it('refuses a photo declared over the limit with 413 before any record exists', async () => {
    const { app, results, objects } = setup();
    const limit = configDefaults('limits').maxInputBytes;
    const res = await app.request('/v1/scans', { method: 'POST', headers: JSON_AUTH, body: JSON.stringify({ contentType: 'image/jpeg', size: limit + 1 }) });
    expect(res.status).toBe(413);
    expect((await body(res)).error).toEqual({
      code: 'payload_too_large',
      message: 'the photo is 15728641 bytes; the limit is 15 MB (15728640 bytes): send a smaller photo',
    });
    expect(results.records.size).toBe(0);
    expect(objects.uploads).toHaveLength(0);
    const atLimit = await app.request('/v1/scans', { method: 'POST', headers: JSON_AUTH, body: JSON.stringify({ size: limit }) });
    expect(atLimit.status).toBe(201);
  });

  it('describes a limit the same way in every message', async () => {
    const { describeLimit, limitMB } = await import('../../functions/handlers/api/error-mapping.js');
    expect(describeLimit(15 * 1024 * 1024)).toBe('15 MB (15728640 bytes)');
    expect(limitMB(15_794_176)).toBe(15.1);
  });
});

describe('local upload route (the runner\'s stand-in for S3)', () => {
  const route = () =>
    createUploadRoute({ objects: new MemoryObjectStore(), secret: 'upload-secret-0123456789', maxBodyBytes: 1024 * 1024 + 64 * 1024, maxFileBytes: 1024 * 1024, log: silentLog });

  it('answers other methods with 405 {error} and Allow: POST, other paths with 404 {error}', async () => {
    const app = route();
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const res = await app.request(LOCAL_UPLOAD_PATH, { method });
      expect(res.status, method).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
      expect((await body(res)).error.code).toBe('method_not_allowed');
    }
    const other = await app.request('/elsewhere');
    expect(other.status).toBe(404);
    expect((await body(other)).error.code).toBe('not_found');
    // The echoed path is redacted like every error message (published test number).
    const withPan = await (await app.request('/cards/4111111111111111')).text();
    expect(withPan).not.toContain('4111111111111111');
    expect(withPan).toContain(maskPan('4111111111111111'));
  });

  it('names the photo limit the API states, not the body cap with the form overhead', async () => {
    const form = new FormData();
    form.append('key', 'uploads/x.jpg');
    form.append('file', new File([new Uint8Array(1200 * 1024)], 'x.jpg', { type: 'image/jpeg' }));
    const res = await route().request(LOCAL_UPLOAD_PATH, { method: 'POST', body: form });
    expect(res.status).toBe(413);
    expect((await body(res)).error).toEqual({ code: 'payload_too_large', message: 'photo larger than the 1 MB (1048576 bytes) limit' });
  });
});

describe('web page', () => {
  function pageConfigOf(html: string): any {
    const meta = /<meta name="cardocr-config" content="([^"]*)">/.exec(html)?.[1];
    if (!meta) throw new Error('no cardocr-config meta tag');
    return JSON.parse(meta.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'));
  }

  it('tells the page to use a bearer token locally', async () => {
    const { app } = setup();
    const res = await app.request('/');
    expect(pageConfigOf(await res.text()).auth).toEqual({ mode: 'token' });
    expect(res.headers.get('content-security-policy')).toContain("img-src 'self' blob:");
  });

  it('tells the page to sign in with authorization code + PKCE behind the gateway, and lets it call only the token endpoint', async () => {
    const config = loadConfig(['api', 'limits'], {
      CARDOCR_SIGNIN_DOMAIN: 'https://cardocr-abc.auth.eu-west-1.amazoncognito.com',
      CARDOCR_SIGNIN_CLIENT_ID: 'client-123',
    });
    const { app } = setup({ config, auth: { mode: 'gateway' } });
    const res = await app.request('/');
    expect(pageConfigOf(await res.text()).auth).toEqual({
      mode: 'oauth',
      clientId: 'client-123',
      scopes: ['openid', 'email'],
      authorize: 'https://cardocr-abc.auth.eu-west-1.amazoncognito.com/oauth2/authorize',
      token: 'https://cardocr-abc.auth.eu-west-1.amazoncognito.com/oauth2/token',
      logout: 'https://cardocr-abc.auth.eu-west-1.amazoncognito.com/logout',
    });
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("connect-src 'self' https://cardocr-abc.auth.eu-west-1.amazoncognito.com");
    expect(csp).toContain("form-action 'none'");
    // The same settings with the local bearer token: the page keeps asking for the token.
    const local = setup({ config });
    expect(pageConfigOf(await (await local.app.request('/')).text()).auth).toEqual({ mode: 'token' });
  });

  it('serves the page under a strict CSP, with its script and styles from the same origin', async () => {
    const { app } = setup({ config: loadConfig(['api', 'limits'], { CARDOCR_UPLOAD_ORIGINS: 'https://bucket.s3.eu-west-1.amazonaws.com' }) });
    const res = await app.request('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self' https://bucket.s3.eu-west-1.amazonaws.com");
    expect(csp).not.toContain('unsafe');
    const html = await res.text();
    expect(html).toContain('capture="environment"');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\sstyle=|\son[a-z]+=/);
    const js = await app.request('/assets/app.js');
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await js.text()).toContain("sessionStorage");
    const css = await app.request('/assets/app.css');
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
  });
});
