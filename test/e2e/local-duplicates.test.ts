/**
 * At-least-once delivery with idempotent stages: the same upload (and the same read job)
 * delivered several times, concurrently and late, yields one record, one preprocess run, one
 * read job and one OCR run. Real parts
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
import {
  STAGE_QUEUES,
  preprocessUpload,
  readScan,
  type NormalisedReader,
  type PreprocessFn,
} from '../../functions/core/stages.js';
import { createLocalRuntime, type LocalRuntime } from '../../functions/local/composition.js';
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
      return reader.readNormalised(png); // the glyph reader takes no hints yet
    },
  });
  const countingPreprocess: PreprocessFn = async (bytes) => {
    counts.preprocess++;
    return preprocessPhoto(bytes, DEFAULT_IMAGE_LIMITS);
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

  it('the same upload delivered to the stages concurrently and late: 1 record, 1 preprocess, 1 read job, 1 OCR run', { timeout: 120_000 }, async () => {
    const rt = await runtime('handlers'); // not started: deliveries are made by hand
    const info = await rt.objects.put('uploads/dropped card.jpg', fixtureBytes(card.file));
    const upload = { key: info.key, size: info.size, etag: info.etag };

    const first = await Promise.all([1, 2, 3].map(() => preprocessUpload(rt.preprocessDeps, upload)));
    expect(counts.preprocess).toBe(1);
    expect(first.filter((o) => o.action === 'processed')).toHaveLength(1);
    const records = (await rt.results.list({ limit: 100, key: 'uploads/dropped card.jpg' })).items;
    expect(records).toHaveLength(1);
    const id = records[0]!.id;
    expect(records[0]!.status).toBe('reading');

    expect(await rt.objects.head(processedKeyFor(id))).not.toBeNull();
    // The one explicit hop: exactly one read job, naming the scan.
    expect(rt.queue.stats(STAGE_QUEUES.read)).toMatchObject({ pending: 1 });
    const [job] = await rt.queue.receive<{ id: string }>(STAGE_QUEUES.read, { max: 10, leaseMs: 60_000 });
    expect(job?.body).toEqual({ id });
    await Promise.all([1, 2, 3].map(() => readScan(rt.readDeps, job!.body)));
    expect(counts.read).toBe(1);
    const done = await rt.results.get(id);
    expect(done?.status).toBe('done');
    expect(done?.card?.pan).toBe(maskPan(card.pan!));

    // Late duplicates of both deliveries change nothing and run nothing.
    await preprocessUpload(rt.preprocessDeps, upload);
    await readScan(rt.readDeps, { id });
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
    const obj = { key: info.key, size: info.size, etag: info.etag };
    const outcomes = await Promise.all([preprocessUpload(rt.preprocessDeps, obj), preprocessUpload(rt.preprocessDeps, obj)]);
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
    expect(rt.queue.stats(STAGE_QUEUES.preprocess).done).toBe(1);
    expect(rt.queue.stats(STAGE_QUEUES.read).done).toBe(1);
  });
});
