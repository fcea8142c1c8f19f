/**
 * Retries and dead letters in the running local pipeline: a transient OCR failure is retried
 * and the scan completes; an engine that keeps failing gets the job dead-lettered after
 * CARDOCR_MAX_ATTEMPTS and the scan `failed` with the reason; scans left in a working status
 * with no job (a crash between steps) are resumed on start. Real preprocessing and reader;
 * the failing engine is a stand-in that throws the reader's retryable OcrEngineError.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_IMAGE_LIMITS } from '../../functions/reader/decode.js';
import { OcrEngineError } from '../../functions/core/errors.js';
import { newScanId, processedKeyFor } from '../../functions/core/ids.js';
import { silentLog } from '../../functions/core/log.js';
import { maskPan } from '../../functions/core/mask.js';
import { createReaderEngines } from '../../functions/adapters/ocr/reader-engines.js';
import { createCardReader, type CardReader } from '../../functions/reader/reader.js';
import type { NormalisedReader } from '../../functions/core/stages.js';
import { createLocalRuntime, type LocalRuntime } from '../../functions/local/composition.js';
import { fixtureBytes, plainCards, waitFor } from './support/local-helpers.js';

describe('retries and dead letters', () => {
  let dir: string;
  let reader: CardReader;
  const open: LocalRuntime[] = [];
  const card = plainCards()[0]!;

  async function runtime(name: string, r: NormalisedReader, maxAttempts = 3): Promise<LocalRuntime> {
    const rt = await createLocalRuntime({
      dataDir: join(dir, name),
      concurrency: 1,
      maxAttempts,
      retentionDays: 1,
      leaseMs: 60_000,
      limits: DEFAULT_IMAGE_LIMITS,
      uploadUrl: '/local-upload',
      log: silentLog,
      reader: r,
      backoffMs: 20,
      scanIntervalMs: 300,
    });
    open.push(rt);
    return rt;
  }

  const finalByKey = (rt: LocalRuntime, key: string) =>
    waitFor(`${key} to finish`, async () => {
      const r = (await rt.results.list({ limit: 10, key })).items[0];
      return r && (r.status === 'done' || r.status === 'failed') ? r : null;
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cardocr-dlq-'));
    reader = await createCardReader({ workers: 1, engines: createReaderEngines() });
  });
  afterAll(async () => {
    for (const rt of open) await rt.close();
    await reader?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('retries a transient OCR failure and completes the scan', { timeout: 120_000 }, async () => {
    let calls = 0;
    const flaky: NormalisedReader = {
      async readNormalised(png) {
        calls++;
        if (calls === 1) throw new OcrEngineError('worker crashed');
        return reader.readNormalised(png);
      },
    };
    const rt = await runtime('flaky', flaky);
    await rt.start();
    await rt.objects.put('uploads/flaky.jpg', fixtureBytes(card.file));
    const scan = await finalByKey(rt, 'uploads/flaky.jpg');
    expect(scan.status).toBe('done');
    expect(scan.card?.pan).toBe(maskPan(card.pan!));
    expect(calls).toBe(2);
    expect(rt.queue.stats()).toMatchObject({ dead: 0 });
  });

  it('dead-letters after the maximum attempts and fails the scan with the reason', { timeout: 120_000 }, async () => {
    let calls = 0;
    const broken: NormalisedReader = {
      async readNormalised() {
        calls++;
        throw new OcrEngineError('language data could not be loaded');
      },
    };
    const rt = await runtime('broken', broken, 2);
    await rt.start();
    await rt.objects.put('uploads/broken.jpg', fixtureBytes(card.file));
    const scan = await finalByKey(rt, 'uploads/broken.jpg');
    expect(scan.status).toBe('failed');
    expect(scan.error?.code).toBe('dead_lettered');
    expect(scan.error?.message).toContain('ocr_failed');
    expect(calls).toBe(2);
    const dead = await rt.queue.deadLetters('read');
    expect(dead).toHaveLength(1);
    expect(dead[0]?.reason).toContain('language data could not be loaded');
    // Nothing left behind: no images, no job waiting.
    await waitFor('images to be deleted', async () =>
      (await rt.objects.head('uploads/broken.jpg')) === null && (await rt.objects.head(processedKeyFor(scan.id))) === null);
    expect(rt.queue.stats()).toMatchObject({ pending: 0, leased: 0, dead: 1 });
  });

  it('resumes scans left in a working status without a job, and fails those whose image is gone', { timeout: 120_000 }, async () => {
    const rt = await runtime('stuck', reader);
    // A crash between steps, simulated: records mid-flight and no queue entries at all.
    const stamp = new Date(Date.now() - 3_600_000).toISOString();
    const base = { outcome: null, card: null, confidence: {}, missing: {}, error: null, createdAt: stamp, updatedAt: stamp, timingsMs: {}, expiresAt: 2_000_000_000 };
    const stuckId = newScanId();
    const lostId = newScanId();
    const info = await rt.objects.put(`uploads/${stuckId}.jpg`, fixtureBytes(card.file));
    await rt.results.create({ ...base, id: stuckId, key: info.key, status: 'preprocessing', attempts: 1,
      lease: { stage: 'preprocess', until: new Date(Date.now() + 3_600_000).toISOString() } });
    await rt.results.create({ ...base, id: lostId, key: `uploads/${lostId}.jpg`, status: 'queued', attempts: 0 });
    // A scan whose client never uploaded, long after its upload target expired.
    const neverId = newScanId();
    await rt.results.create({ ...base, id: neverId, key: `uploads/${neverId}.jpg`, status: 'awaiting_upload', attempts: 0 });
    // Jobs from the simulated crash are dropped so that only recovery can move the scans.
    rt.db.exec('DELETE FROM jobs');
    await rt.close();

    const again = await runtime('stuck', reader);
    await again.start();
    const resumed = await waitFor('stuck scan to finish', async () => {
      const r = await again.results.get(stuckId);
      return r && (r.status === 'done' || r.status === 'failed') ? r : null;
    });
    expect(resumed.status).toBe('done');
    expect(resumed.card?.pan).toBe(maskPan(card.pan!));
    const lost = await again.results.get(lostId);
    expect(lost?.status).toBe('failed');
    expect(lost?.error?.code).toBe('not_found');
    const never = await again.results.get(neverId);
    expect(never?.status).toBe('failed');
    expect(never?.error?.message).toContain('upload target expired');
    // Resumed under its own id: no second record for the same photo.
    expect((await again.results.list({ limit: 100 })).items.map((r) => r.id).sort()).toEqual([stuckId, lostId, neverId].sort());
  });
});
