/**
 * Tenancy and quotas through the HTTP API (app.request), in both auth modes: bearer tokens
 * (local: the operator's token is an admin, extra users have their own) and gateway (AWS:
 * the JWT authorizer's `sub` and `cognito:groups` claims). User B gets 404 on user A's scan
 * and never sees it in a list; an admin sees both.
 */
import { describe, expect, it } from 'vitest';
import { createApiApp, type ApiAppDeps } from '../../functions/handlers/api/app.js';
import { configDefaults } from '../../functions/core/config.js';
import { groupsOfClaim } from '../../functions/handlers/api/auth.js';
import { InProcessQuotaCounter } from '../../functions/handlers/api/rate-limit.js';
import { MemoryObjectStore, MemoryResultStore, makeRecord } from '../support/memory-fakes.js';

const OPERATOR = 'operator-token-0123456789';
const ALICE = 'alice-token-0123456789abc';
const BOB = 'bob-token-0123456789abcdef';

type Caller = { headers: Record<string, string>; env?: unknown };

function bearer(token: string): Caller {
  return { headers: { Authorization: `Bearer ${token}` } };
}

/** A request as API Gateway's JWT authorizer passes it to the Lambda (hono/aws-lambda puts the event in env). */
function gateway(sub: string, groups?: string): Caller {
  return {
    headers: {},
    env: {
      event: {
        requestContext: {
          http: { sourceIp: '198.51.100.7' },
          authorizer: { jwt: { claims: { sub, ...(groups === undefined ? {} : { 'cognito:groups': groups }) }, scopes: null } },
        },
      },
    },
  };
}

function setup(overrides: Partial<ApiAppDeps> = {}) {
  const objects = new MemoryObjectStore();
  const results = new MemoryResultStore();
  const app = createApiApp({
    objects,
    results,
    auth: { mode: 'bearer', token: OPERATOR, users: { alice: ALICE, bob: BOB } },
    clientAddress: () => '203.0.113.7',
    ...overrides,
  });
  const call = (who: Caller, path: string, init: RequestInit = {}) =>
    app.request(path, { ...init, headers: { ...who.headers, ...(init.body ? { 'Content-Type': 'application/json' } : {}) } }, who.env);
  const create = async (who: Caller) => {
    const res = await call(who, '/v1/scans', { method: 'POST', body: '{}' });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  };
  const listIds = async (who: Caller) => {
    const res = await call(who, '/v1/scans?limit=100');
    expect(res.status).toBe(200);
    return ((await res.json()) as { items: Array<{ id: string }> }).items.map((i) => i.id).sort();
  };
  return { app, objects, results, call, create, listIds };
}

/** The isolation walk, the same for both auth modes. */
async function isolation(t: ReturnType<typeof setup>, a: Caller, b: Caller, admin: Caller) {
  const ofA = await t.create(a);
  const ofB = await t.create(b);
  // A bucket drop (no owner): only an admin sees it.
  await t.results.create(makeRecord('01JDQ4Z7W2M3N4P5Q6R7S8T9DR', 'done', { key: 'uploads/dropped.jpg' }));

  expect(await t.listIds(a)).toEqual([ofA]);
  expect(await t.listIds(b)).toEqual([ofB]);
  expect(await t.listIds(admin)).toEqual([ofA, ofB, '01JDQ4Z7W2M3N4P5Q6R7S8T9DR'].sort());
  // Filters do not widen what a user sees.
  expect(((await (await t.call(b, `/v1/scans?limit=100&key=uploads%2F${ofA}.jpg`)).json()) as { items: unknown[] }).items).toEqual([]);

  // B on A's scan: 404 with the body an unknown id gets, on get and delete; nothing deleted.
  const unknown = await t.call(b, '/v1/scans/01JDQ4Z7W2M3N4P5Q6R7S8T9XX');
  const foreign = await t.call(b, `/v1/scans/${ofA}`);
  expect(foreign.status).toBe(404);
  const foreignBody = (await foreign.json()) as { error: { code: string; message: string } };
  const unknownBody = (await unknown.json()) as { error: { code: string; message: string } };
  expect(foreignBody.error.code).toBe('not_found');
  expect(foreignBody.error.message.replace(ofA, 'ID')).toBe(unknownBody.error.message.replace('01JDQ4Z7W2M3N4P5Q6R7S8T9XX', 'ID'));
  expect((await t.call(b, `/v1/scans/${ofA}`, { method: 'DELETE' })).status).toBe(404);
  expect((await t.call(a, `/v1/scans/${ofA}`)).status).toBe(200);
  expect((await t.call(b, '/v1/scans/01JDQ4Z7W2M3N4P5Q6R7S8T9DR')).status).toBe(404);

  // The owner may delete its own; the admin anyone's.
  expect((await t.call(admin, `/v1/scans/${ofB}`)).status).toBe(200);
  expect((await t.call(a, `/v1/scans/${ofA}`, { method: 'DELETE' })).status).toBe(204);
  expect((await t.call(admin, `/v1/scans/${ofB}`, { method: 'DELETE' })).status).toBe(204);
  expect(await t.listIds(admin)).toEqual(['01JDQ4Z7W2M3N4P5Q6R7S8T9DR']);
}

describe('tenancy, bearer mode (local): operator token = admin, one token per extra user', () => {
  it('user B gets 404 on user A\'s scan and sees none of them in lists; the operator sees both and the bucket drops', async () => {
    const t = setup();
    await isolation(t, bearer(ALICE), bearer(BOB), bearer(OPERATOR));
    expect((await t.results.list({ limit: 100 })).items.map((r) => r.owner)).toEqual([null]);
  });

  it('records the owner of each scan: the user name, or `local` for the operator', async () => {
    const t = setup();
    const ofAlice = await t.create(bearer(ALICE));
    const ofOperator = await t.create(bearer(OPERATOR));
    expect((await t.results.get(ofAlice))?.owner).toBe('alice');
    expect((await t.results.get(ofOperator))?.owner).toBe('local');
  });

  it('refuses duplicate or short user tokens, and a user named like the operator, at construction', () => {
    expect(() => setup({ auth: { mode: 'bearer', token: OPERATOR, users: { alice: OPERATOR } } })).toThrow(/same token/);
    expect(() => setup({ auth: { mode: 'bearer', token: OPERATOR, users: { alice: 'short' } } })).toThrow(/16 characters/);
    expect(() => setup({ auth: { mode: 'bearer', token: OPERATOR, users: { local: ALICE } } })).toThrow(/operator/);
  });

  it('a wrong token is still 401', async () => {
    const t = setup();
    expect((await t.call(bearer('not-a-token-0123456789'), '/v1/scans')).status).toBe(401);
  });
});

describe('tenancy, gateway mode (AWS): JWT sub, admin by Cognito group', () => {
  it('user B gets 404 on user A\'s scan and sees none of them in lists; a cardocr-admin member sees both', async () => {
    const t = setup({ auth: { mode: 'gateway' } });
    await isolation(t, gateway('sub-a'), gateway('sub-b', '[readers]'), gateway('sub-admin', '[readers cardocr-admin]'));
    expect((await t.results.list({ limit: 100 })).items).toHaveLength(1);
  });

  it('the admin group is configurable; membership of another group is not admin', async () => {
    const t = setup({ auth: { mode: 'gateway', adminGroup: 'ops' } });
    const ofA = await t.create(gateway('sub-a'));
    expect((await t.call(gateway('sub-x', '[cardocr-admin]'), `/v1/scans/${ofA}`)).status).toBe(404);
    expect((await t.call(gateway('sub-y', '[ops]'), `/v1/scans/${ofA}`)).status).toBe(200);
    expect((await t.results.get(ofA))?.owner).toBe('sub-a');
  });

  it('reads cognito:groups as HTTP API passes it (a flattened "[a b]" string) or as an array', () => {
    expect(groupsOfClaim('[cardocr-admin readers]')).toEqual(['cardocr-admin', 'readers']);
    expect(groupsOfClaim('[cardocr-admin]')).toEqual(['cardocr-admin']);
    expect(groupsOfClaim('cardocr-admin')).toEqual(['cardocr-admin']);
    expect(groupsOfClaim(['a', 'b', 3])).toEqual(['a', 'b']);
    expect(groupsOfClaim(undefined)).toEqual([]);
    expect(groupsOfClaim('[]')).toEqual([]);
  });
});

describe('per-user scan quotas', () => {
  const api = { ...configDefaults('api'), scanQuotaPerMinute: 3, scanQuotaPerDay: 5 };

  it('429 with Retry-After past the per-minute quota, then the per-day one; other users unaffected; reads never counted', async () => {
    let now = Date.UTC(2031, 0, 1, 10, 0, 20);
    const t = setup({ config: { api, limits: configDefaults('limits') }, quotas: new InProcessQuotaCounter(() => now), quotaNow: () => now });
    const post = (who: Caller) => t.call(who, '/v1/scans', { method: 'POST', body: '{}' });
    for (let i = 0; i < 3; i++) expect((await post(bearer(ALICE))).status).toBe(201);
    // Lists and gets are not scans: never refused by the quota.
    for (let i = 0; i < 5; i++) expect((await t.call(bearer(ALICE), '/v1/scans')).status).toBe(200);
    const refused = await post(bearer(ALICE));
    expect(refused.status).toBe(429);
    expect(refused.headers.get('Retry-After')).toBe('40');
    expect(((await refused.json()) as { error: { code: string; message: string } }).error).toEqual({
      code: 'rate_limited',
      message: 'scan quota reached: 3 scans per minute; try again in 40 s',
    });
    expect((await post(bearer(BOB))).status).toBe(201);
    expect(await t.results.list({ limit: 100, owner: 'alice' })).toMatchObject({ items: { length: 3 } });

    now += 60_000;
    for (let i = 0; i < 2; i++) expect((await post(bearer(ALICE))).status).toBe(201);
    const daily = await post(bearer(ALICE));
    expect(daily.status).toBe(429);
    // 10:01:20 → midnight UTC.
    expect(daily.headers.get('Retry-After')).toBe(String(24 * 3600 - (10 * 3600 + 80)));
  });

  it('counts the caller, not the address: the same user from two gateways shares one quota', async () => {
    const t = setup({ auth: { mode: 'gateway' }, config: { api: { ...api, scanQuotaPerMinute: 2 }, limits: configDefaults('limits') } });
    const post = (who: Caller) => t.call(who, '/v1/scans', { method: 'POST', body: '{}' });
    expect((await post(gateway('sub-a'))).status).toBe(201);
    expect((await post(gateway('sub-a', '[cardocr-admin]'))).status).toBe(201);
    expect((await post(gateway('sub-a'))).status).toBe(429);
    expect((await post(gateway('sub-b'))).status).toBe(201);
  });

  it('a photo declared over the size limit is 413 and not counted', async () => {
    const counts: string[] = [];
    const counter = { tryIncrement: async (key: string) => (counts.push(key), { counted: true, count: 1 }) };
    const t = setup({ quotas: counter });
    const tooBig = configDefaults('limits').maxInputBytes + 1;
    const res = await t.call(bearer(ALICE), '/v1/scans', { method: 'POST', body: JSON.stringify({ size: tooBig }) });
    expect(res.status).toBe(413);
    expect(counts).toEqual([]);
    expect(await t.results.list({ limit: 100, owner: 'alice' })).toMatchObject({ items: { length: 0 } });
    expect((await t.call(bearer(ALICE), '/v1/scans', { method: 'POST', body: JSON.stringify({ size: 1000 }) })).status).toBe(201);
    expect(counts).toHaveLength(2);
  });

  it('an unauthenticated create is 401, not counted', async () => {
    const counts: string[] = [];
    const counter = { tryIncrement: async (key: string) => (counts.push(key), { counted: true, count: 1 }) };
    const t = setup({ quotas: counter });
    expect((await t.call(bearer('wrong-token-0123456789'), '/v1/scans', { method: 'POST', body: '{}' })).status).toBe(401);
    expect(counts).toEqual([]);
    expect((await t.call(bearer(ALICE), '/v1/scans', { method: 'POST', body: '{}' })).status).toBe(201);
    expect(counts).toEqual([expect.stringMatching(/^alice#minute#\d+$/), expect.stringMatching(/^alice#day#\d+$/)]);
  });
});
