/**
 * At-least-once delivery with idempotent stages: the same S3 event delivered several times,
 * concurrently and late, yields one record, one preprocess run and one OCR run. Real parts
 * (sharp, the card reader, SQLite, the folder bucket); the reader and preprocess step are
 * only wrapped to count how often they run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_IMAGE_LIMITS } from '../../functions/reader/decode.js';
import { newScanId, processedKeyFor } from '../../functions/core/ids.js';
import { silentLog } from '../../functions/core/log.js';
import { maskPan } from '../../functions/core/mask.js';
import { preprocessPhoto } from '../../functions/reader/preprocess.js';
import { createReaderEngines } from '../../functions/adapters/ocr/reader-engines.js';
import { createCardReader, type CardReader } from '../../functions/reader/reader.js';
import type { NormalisedReader, PreprocessFn } from '../../functions/core/stages.js';
import { handlePreprocessEvent } from '../../functions/handlers/preprocess.js';
import { handleReadEvent } from '../../functions/handlers/read.js';
import { objectCreatedEvent } from '../../functions/handlers/s3-event.js';
import { createLocalRuntime, type LocalRuntime } from '../../functions/runtime/local.js';
import { fixtureBytes, plainCards, waitFor } from './support/local-helpers.js';

describe('duplicate events', () => {
  let dir: string;
  let reader: CardReader;
  let counts: { preprocess: number; read: number };
  let runtimes: LocalRuntime[] = [];
  const card = plainCards()[0]!;

  const countingReader = (): NormalisedReader => ({
    async readNormalised(png) {
      counts.read++;
      return reader.readNormalised(png);
    },
  });
  const countingPreprocess: PreprocessFn = async (bytes) => {
    counts.preprocess++;
    const out = await preprocessPhoto(bytes, DEFAULT_IMAGE_LIMITS);
    return { image: out.image, timingsMs: { ...out.timingsMs } };
  };

  async function runtime(name: string): Promise<LocalRuntime> {
    counts = { preprocess: 0, read: 0 };
    const rt = await createLocalRuntime({
      dataDir: join(dir, name),
      concurrency: 2,
      maxAttempts: 3,
      retentionDays: 1,
      leaseMs: 60_000,
      limits: DEFAULT_IMAGE_LIMITS,
      uploadUrl: '/local-upload',
      log: silentLog,
      reader: countingReader(),
      preprocess: countingPreprocess,
      scanIntervalMs: 300,
    });
    runtimes.push(rt);
    return rt;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cardocr-dup-'));
    reader = await createCardReader({ workers: 1, engines: createReaderEngines() });
  });
  afterAll(async () => {
    for (const rt of runtimes) await rt.close();
    runtimes = [];
    await reader?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the same event delivered to the stage handlers concurrently and late: 1 record, 1 preprocess, 1 OCR run', { timeout: 120_000 }, async () => {
    const rt = await runtime('handlers'); // not started: events are delivered by hand
    const deps = rt.stage;
    const info = await rt.objects.put('uploads/dropped card.jpg', fixtureBytes(card.file));
    const upload = objectCreatedEvent('local', info);

    const first = await Promise.all([1, 2, 3].map(() => handlePreprocessEvent(upload, deps)));
    expect(counts.preprocess).toBe(1);
    expect(first.flat().filter((o) => o.action === 'processed')).toHaveLength(1);
    const records = (await rt.results.list({ limit: 100, key: 'uploads/dropped card.jpg' })).items;
    expect(records).toHaveLength(1);
    const id = records[0]!.id;
    expect(records[0]!.status).toBe('reading');

    const processed = await rt.objects.head(processedKeyFor(id));
    expect(processed).not.toBeNull();
    const readEvent = objectCreatedEvent('local', processed!);
    await Promise.all([1, 2, 3].map(() => handleReadEvent(readEvent, deps)));
    expect(counts.read).toBe(1);
    const done = await rt.results.get(id);
    expect(done?.status).toBe('done');
    expect(done?.card?.pan).toBe(maskPan(card.pan!));

    // Late duplicates of both events change nothing and run nothing.
    await handlePreprocessEvent(upload, deps);
    await handleReadEvent(readEvent, deps);
    expect(counts).toEqual({ preprocess: 1, read: 1 });
    expect(await rt.results.get(id)).toEqual(done);
    expect((await rt.results.list({ limit: 100 })).items).toHaveLength(1);
    expect(await rt.objects.head('uploads/dropped card.jpg')).toBeNull();
    expect(await rt.objects.head(processedKeyFor(id))).toBeNull();
  });

  it('an API scan keeps its id when its upload event arrives twice', { timeout: 120_000 }, async () => {
    const rt = await runtime('api-record');
    const id = newScanId();
    const key = `uploads/${id}.jpg`;
    const stamp = new Date().toISOString();
    await rt.results.create({
      id, key, status: 'awaiting_upload', outcome: null, card: null, confidence: {}, missing: {}, error: null,
      attempts: 0, createdAt: stamp, updatedAt: stamp, timingsMs: {}, expiresAt: 2_000_000_000,
    });
    const info = await rt.objects.put(key, fixtureBytes(card.file));
    const event = objectCreatedEvent('local', info);
    const outcomes = (await Promise.all([handlePreprocessEvent(event, rt.stage), handlePreprocessEvent(event, rt.stage)])).flat();
    expect(outcomes.map((o) => ('id' in o ? o.id : null))).toEqual([id, id]);
    expect(counts.preprocess).toBe(1);
    expect((await rt.results.list({ limit: 100 })).items.map((r) => r.id)).toEqual([id]);
    expect((await rt.results.get(id))?.status).toBe('reading');
  });

  it('through the running pipeline: store event, folder watch and repeated signals make one job per stage', { timeout: 120_000 }, async () => {
    const rt = await runtime('pipeline');
    await rt.start();
    const info = await rt.objects.put('uploads/again.jpg', fixtureBytes(card.file));
    const obj = { key: info.key, size: info.size, etag: info.etag };
    await Promise.all([rt.intake(obj), rt.intake(obj), rt.intake(obj)]);
    const record = await waitFor('scan to finish', async () => {
      const r = (await rt.results.list({ limit: 10, key: 'uploads/again.jpg' })).items[0];
      return r && (r.status === 'done' || r.status === 'failed') ? r : null;
    });
    expect(record.status).toBe('done');
    // Signals after the fact (the watcher's next pass, a re-sent event) are dropped too.
    await rt.intake(obj);
    await new Promise((r) => setTimeout(r, 800));
    expect(counts).toEqual({ preprocess: 1, read: 1 });
    expect((await rt.results.list({ limit: 100 })).items).toHaveLength(1);
    expect(rt.queue.stats()).toMatchObject({ pending: 0, leased: 0, dead: 0 });
  });
});
