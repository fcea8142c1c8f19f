/**
 * The local cap on queued work (issue 10 item 7, local side): beyond
 * `CARDOCR_MAX_QUEUED_SCANS` jobs waiting or running, an authenticated `POST /v1/scans`
 * answers 503 `service_unavailable` with a Retry-After (an anonymous one still gets its 401:
 * the load is no one else's business), and a photo dropped into the folder waits there (no record, not deleted)
 * until there is room; then everything is processed. Real HTTP server, SQLite, folder
 * bucket, sharp and the card reader; the reader is held at a gate so the queue fills up.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_IMAGE_LIMITS } from '../../functions/reader/decode.js';
import { silentLog } from '../../functions/core/log.js';
import { maskPan } from '../../functions/core/mask.js';
import type { NormalisedReader } from '../../functions/core/stages.js';
import { preprocessPhoto } from '../../functions/reader/preprocess.js';
import { createReaderEngines } from '../../functions/adapters/ocr/reader-engines.js';
import { createCardReader, type CardReader } from '../../functions/reader/reader.js';
import { startLocalPipeline, type LocalPipeline } from '../../functions/local/index.js';
import { ApiClient, fixtureBytes, plainCards, waitFor } from './support/local-helpers.js';

describe('local cap on queued scans', () => {
  let dir: string;
  let real: CardReader;
  let pipeline: LocalPipeline | undefined;
  let open: () => void = () => {};
  const gate = new Promise<void>((r) => (open = r));
  const card = plainCards()[0]!;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cardocr-cap-'));
    real = await createCardReader({ workers: 1, engines: createReaderEngines() });
    const held: NormalisedReader = {
      async readNormalised(png, hints) {
        await gate;
        return real.readNormalised(png, hints);
      },
    };
    pipeline = await startLocalPipeline({
      port: 0,
      dataDir: join(dir, 'data'),
      token: 'cap-test-token-0123456789',
      concurrency: 1,
      env: {},
      log: silentLog,
      print: () => {},
      reader: held,
      preprocess: async (bytes) => {
        const c = await preprocessPhoto(bytes, DEFAULT_IMAGE_LIMITS);
        return { image: c.image, timingsMs: c.timingsMs, hints: { view: c.geometry.view } };
      },
      scanIntervalMs: 200,
      uploadStableMs: 200,
      maxQueuedScans: 2,
    });
  });
  afterAll(async () => {
    open();
    await pipeline?.close();
    await real?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses new scans with 503 service_unavailable + Retry-After beyond the cap (401 without a token); folder drops wait; all done once there is room', { timeout: 90_000 }, async () => {
    const p = pipeline!;
    const api = new ApiClient(p.url, p.token);
    const first = await api.upload(fixtureBytes(card.file));
    const second = await api.upload(fixtureBytes(card.file));
    // One job held at the reader, one waiting: the cap (2) is reached.
    await waitFor('two active jobs', async () => (await p.runtime.queue.countActive()) >= 2, 30_000);
    await new Promise((r) => setTimeout(r, 600)); // past the load cache
    const refused = await fetch(`${p.url}/v1/scans`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${p.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ contentType: 'image/jpeg' }),
    });
    const body = (await refused.json()) as { error: { code: string; message: string } };
    console.log(`cap: POST /v1/scans at the cap → ${refused.status}, Retry-After ${refused.headers.get('retry-after')} s: ${body.error.message}`);
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(body.error.code).toBe('service_unavailable');
    expect(body.error.message).toContain('limit 2');
    // Without a token, or with a wrong one, the cap is not shown: 401 as ever.
    const unauthenticated: Array<Record<string, string>> = [{}, { Authorization: 'Bearer not-the-cap-test-token-0123' }];
    for (const headers of unauthenticated) {
      const anonymous = await fetch(`${p.url}/v1/scans`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ contentType: 'image/jpeg' }),
      });
      const denied = (await anonymous.json()) as { error: { code: string; message: string } };
      expect(anonymous.status).toBe(401);
      expect(denied.error.code).toBe('unauthorized');
      expect(anonymous.headers.get('retry-after')).toBeNull();
      expect(denied.error.message).not.toContain('limit');
    }

    // A photo dropped into the folder meanwhile is not lost and not taken: it waits.
    const dropped = join(p.runtime.dataDir, 'bucket', 'uploads', 'waiting.jpg');
    writeFileSync(dropped, fixtureBytes(card.file));
    await new Promise((r) => setTimeout(r, 1500));
    expect(existsSync(dropped)).toBe(true);
    expect((await p.runtime.results.list({ limit: 10, key: 'uploads/waiting.jpg' })).items).toHaveLength(0);

    open();
    for (const id of [first, second]) {
      const s = await api.final(id, 60_000);
      expect(s.status).toBe('done');
      expect(s.card?.pan).toBe(maskPan(card.pan!));
    }
    const waited = await waitFor('the folder drop to be done', async () => {
      const r = (await p.runtime.results.list({ limit: 10, key: 'uploads/waiting.jpg' })).items[0];
      return r && (r.status === 'done' || r.status === 'failed') ? r : null;
    }, 60_000);
    expect(waited.status).toBe('done');
    expect(waited.card?.pan).toBe(maskPan(card.pan!));
    // And the API takes new scans again.
    const again = await api.upload(fixtureBytes(card.file));
    expect((await api.final(again, 60_000)).status).toBe('done');
  });
});
