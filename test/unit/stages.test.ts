/**
 * The stage use-cases' at-least-once logic, table-driven, over the verified in-memory fakes
 * (test/contract/memory.test.ts runs the port contracts on them): duplicates, late events,
 * retries and crashes between steps, each with what must have run, what the record says,
 * which images remain and which read jobs were sent. Fast: no image work, no OCR.
 */
import { describe, expect, it } from 'vitest';
import { ReadResult } from '../../functions/core/card.js';
import { ImageInputError, NoCardError, OcrEngineError, ValidationError } from '../../functions/core/errors.js';
import { derivedScanId, newScanId, processedKeyFor } from '../../functions/core/ids.js';
import { silentLog } from '../../functions/core/log.js';
import type { ReadHints, ScanRecord, ScanStatus } from '../../functions/core/record.js';
import {
  STAGE_QUEUES,
  failDeadLettered,
  preprocessUpload,
  readScan,
  type PreprocessDeps,
  type ReadDeps,
  type ReadJob,
  type StageObject,
  type StageOutcome,
} from '../../functions/core/stages.js';
import { MemoryJobQueue, MemoryObjectStore, MemoryResultStore, makeRecord } from '../support/memory-fakes.js';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const PAN = '4111111111111111';
const HINTS: ReadHints = { view: 'card', rotation: 0 };

/** One world: fakes, counters and fault switches, and the two stages' deps over them. */
function world() {
  const objects = new MemoryObjectStore();
  const results = new MemoryResultStore();
  const jobs = new MemoryJobQueue({ now: () => NOW.getTime() });
  const runs = { preprocess: 0, read: 0 };
  const faults: { preprocess: Error | null; read: Error | null } = { preprocess: null, read: null };
  let readResult = new ReadResult({ status: 'ok', pan: PAN, brand: 'visa', expiry: '12/30', name: 'JANE DOE', confidence: { pan: 0.9 } });
  const seenHints: Array<ReadHints | undefined> = [];
  const base = { objects, results, log: silentLog, claimMs: 60_000, now: () => NOW };
  const pre: PreprocessDeps = {
    ...base,
    jobs,
    retentionDays: 1,
    preprocess: async (bytes) => {
      runs.preprocess++;
      if (faults.preprocess) throw faults.preprocess;
      return { image: new Uint8Array([...bytes, 9]), timingsMs: { decode: 3 }, hints: HINTS };
    },
  };
  const read: ReadDeps = {
    ...base,
    reader: {
      async readNormalised(_png, hints) {
        runs.read++;
        seenHints.push(hints);
        if (faults.read) throw faults.read;
        return readResult;
      },
    },
  };
  return {
    objects,
    results,
    jobs,
    runs,
    faults,
    seenHints,
    pre,
    read,
    setReadResult: (r: ReadResult) => (readResult = r),
    readJobs: () => jobs.waiting<ReadJob>(STAGE_QUEUES.read),
  };
}
type World = ReturnType<typeof world>;

/** An API scan whose photo has arrived at its key. */
async function apiUpload(w: World, status: ScanStatus = 'queued', extra: Partial<ScanRecord> = {}) {
  const id = newScanId(NOW.getTime());
  const key = `uploads/${id}.jpg`;
  await w.results.create(makeRecord(id, status, { key, ...extra }));
  const info = await w.objects.put(key, new Uint8Array([1, 2, 3]));
  const obj: StageObject = { key, size: info.size, etag: info.etag };
  return { id, key, obj };
}

/** A scan the preprocess stage has finished: record `reading`, normalised image stored. */
async function preprocessed(w: World, extra: Partial<ScanRecord> = {}) {
  const scan = await apiUpload(w, 'reading', { attempts: 1, hints: HINTS, timingsMs: { preprocess: { decode: 3, total: 5 } }, ...extra });
  await w.objects.put(processedKeyFor(scan.id), new Uint8Array([7, 7]));
  return scan;
}

const lease = (stage: 'preprocess' | 'read', ms: number) => ({ stage, until: new Date(NOW.getTime() + ms).toISOString() });

interface Expect {
  readonly outcome?: Partial<StageOutcome> | 'throws';
  readonly status?: ScanStatus;
  readonly runs?: { preprocess?: number; read?: number };
  readonly readJobs?: number;
  readonly error?: string;
  readonly uploadKept?: boolean;
  readonly processedKept?: boolean;
  readonly lease?: null | 'preprocess' | 'read';
}

interface Case {
  readonly name: string;
  readonly run: (w: World) => Promise<{ id: string; key: string; outcome: StageOutcome | 'throws' }>;
  readonly then: Expect;
}

const settle = async (p: Promise<StageOutcome>): Promise<StageOutcome | 'throws'> => p.catch(() => 'throws' as const);

const preprocessCases: Case[] = [
  {
    name: 'a fresh upload: processed image, record → reading with hints and timings, exactly one read job',
    run: async (w) => {
      const s = await apiUpload(w);
      return { ...s, outcome: await preprocessUpload(w.pre, s.obj) };
    },
    then: { outcome: { action: 'processed', status: 'reading' }, status: 'reading', runs: { preprocess: 1 }, readJobs: 1, uploadKept: true, processedKept: true, lease: null },
  },
  {
    name: 'three concurrent deliveries of one upload: one run, one read job',
    run: async (w) => {
      const s = await apiUpload(w);
      const all = await Promise.all([1, 2, 3].map(() => preprocessUpload(w.pre, s.obj)));
      expect(all.filter((o) => o.action === 'processed')).toHaveLength(1);
      return { ...s, outcome: all.find((o) => o.action === 'processed')! };
    },
    then: { status: 'reading', runs: { preprocess: 1 }, readJobs: 1 },
  },
  {
    name: 'a late duplicate after the scan finished: nothing runs, the photo is tidied',
    run: async (w) => {
      const s = await apiUpload(w, 'done', { attempts: 2 });
      return { ...s, outcome: await preprocessUpload(w.pre, s.obj) };
    },
    then: { outcome: { action: 'duplicate', status: 'done' }, status: 'done', runs: { preprocess: 0 }, readJobs: 0, uploadKept: false },
  },
  {
    name: 'a duplicate while another delivery holds a live claim: left to the holder',
    run: async (w) => {
      const s = await apiUpload(w, 'preprocessing', { attempts: 1, lease: lease('preprocess', 30_000) });
      return { ...s, outcome: await preprocessUpload(w.pre, s.obj) };
    },
    then: { outcome: { action: 'duplicate' }, status: 'preprocessing', runs: { preprocess: 0 }, readJobs: 0, lease: 'preprocess' },
  },
  {
    name: 'a redelivery after the worker died (claim expired): taken over and finished',
    run: async (w) => {
      const s = await apiUpload(w, 'preprocessing', { attempts: 1, lease: lease('preprocess', -1) });
      const outcome = await preprocessUpload(w.pre, s.obj);
      expect((await w.results.get(s.id))?.attempts).toBe(2);
      return { ...s, outcome };
    },
    then: { outcome: { action: 'processed', status: 'reading' }, status: 'reading', runs: { preprocess: 1 }, readJobs: 1 },
  },
  {
    name: 'crash between the record moving to reading and the send: the redelivery sends the read job, no second run',
    run: async (w) => {
      const s = await apiUpload(w);
      w.jobs.failSendWith = new Error('queue unreachable');
      expect(await settle(preprocessUpload(w.pre, s.obj))).toBe('throws');
      expect((await w.results.get(s.id))?.status).toBe('reading');
      expect(w.readJobs()).toHaveLength(0);
      w.jobs.failSendWith = null;
      return { ...s, outcome: await preprocessUpload(w.pre, s.obj) };
    },
    then: { outcome: { action: 'duplicate', status: 'reading' }, status: 'reading', runs: { preprocess: 1 }, readJobs: 1 },
  },
  {
    name: 'a late duplicate while the read stage holds its claim: no extra read job',
    run: async (w) => {
      const s = await preprocessed(w, { lease: lease('read', 30_000), attempts: 2 });
      return { ...s, outcome: await preprocessUpload(w.pre, s.obj) };
    },
    then: { outcome: { action: 'duplicate', status: 'reading' }, runs: { preprocess: 0 }, readJobs: 0, lease: 'read' },
  },
  {
    name: 'crash between the image put and the transition: thrown, claim released, the retry finishes once',
    run: async (w) => {
      const s = await apiUpload(w);
      w.results.failNextTransitionTo.set('reading', new Error('DynamoDB throttled'));
      expect(await settle(preprocessUpload(w.pre, s.obj))).toBe('throws');
      const mid = await w.results.get(s.id);
      expect(mid).toMatchObject({ status: 'preprocessing', lease: null });
      return { ...s, outcome: await preprocessUpload(w.pre, s.obj) };
    },
    then: { outcome: { action: 'processed', status: 'reading' }, status: 'reading', runs: { preprocess: 2 }, readJobs: 1 },
  },
  {
    name: 'a transient failure of the step: thrown for the queue to retry, claim released',
    run: async (w) => {
      const s = await apiUpload(w);
      w.faults.preprocess = new OcrEngineError('worker crashed');
      return { ...s, outcome: await settle(preprocessUpload(w.pre, s.obj)) };
    },
    then: { outcome: 'throws', status: 'preprocessing', runs: { preprocess: 1 }, readJobs: 0, lease: null, uploadKept: true },
  },
  {
    name: 'a transient storage failure reading the photo: thrown, claim released, nothing run',
    run: async (w) => {
      const s = await apiUpload(w);
      w.objects.failNextGet.set(s.key, new Error('S3 503 SlowDown'));
      return { ...s, outcome: await settle(preprocessUpload(w.pre, s.obj)) };
    },
    then: { outcome: 'throws', status: 'preprocessing', runs: { preprocess: 0 }, lease: null, uploadKept: true },
  },
  {
    name: 'bad input: failed, not retried, the photo deleted',
    run: async (w) => {
      const s = await apiUpload(w);
      w.faults.preprocess = new ImageInputError('unsupported_format', 'not an image');
      return { ...s, outcome: await preprocessUpload(w.pre, s.obj) };
    },
    then: { outcome: { action: 'processed', status: 'failed' }, status: 'failed', error: 'unsupported_format', readJobs: 0, uploadKept: false },
  },
  {
    name: 'no card at all: failed with no_card',
    run: async (w) => {
      const s = await apiUpload(w);
      w.faults.preprocess = new NoCardError('no card in the photo');
      return { ...s, outcome: await preprocessUpload(w.pre, s.obj) };
    },
    then: { outcome: { action: 'processed', status: 'failed' }, status: 'failed', error: 'no_card', readJobs: 0 },
  },
  {
    name: 'the photo is gone: failed with not_found',
    run: async (w) => {
      const s = await apiUpload(w);
      await w.objects.delete(s.key);
      return { ...s, outcome: await preprocessUpload(w.pre, s.obj) };
    },
    then: { outcome: { action: 'processed', status: 'failed' }, status: 'failed', error: 'not_found', readJobs: 0, runs: { preprocess: 0 } },
  },
  {
    name: 'a photo dropped straight into the bucket: a record derived from key + etag, once',
    run: async (w) => {
      const info = await w.objects.put('uploads/holiday card.jpg', new Uint8Array([5, 5]));
      const obj = { key: info.key, size: info.size, etag: info.etag };
      const [a, b] = await Promise.all([preprocessUpload(w.pre, obj), preprocessUpload(w.pre, obj)]);
      const id = derivedScanId(obj.key, obj.etag);
      expect([a, b].map((o) => ('id' in o ? o.id : null))).toEqual([id, id]);
      expect(w.results.records.size).toBe(1);
      return { id, key: obj.key, outcome: a.action === 'processed' ? a : b };
    },
    then: { outcome: { action: 'processed', status: 'reading' }, status: 'reading', runs: { preprocess: 1 }, readJobs: 1 },
  },
  {
    name: 'an object outside uploads/: ignored',
    run: async (w) => {
      const info = await w.objects.put('processed/x.png', new Uint8Array([1]));
      return { id: '', key: info.key, outcome: await preprocessUpload(w.pre, { key: info.key, size: 1, etag: info.etag }) };
    },
    then: { outcome: { action: 'ignored' }, runs: { preprocess: 0 }, readJobs: 0 },
  },
];

const GEOMETRY = {
  image: { width: 2000, height: 1500 },
  corners: [[100, 120], [1800, 150], [1790, 1230], [90, 1200]],
  fields: { pan: [[300, 700], [1500, 700], [1500, 790], [300, 790]] },
} as const;

const readCases: Case[] = [
  {
    name: 'a read job: the geometry of the card and its fields (photo pixels, no digits) is stored with the result; a failed read stores none',
    run: async (w) => {
      const hints: ReadHints = { view: 'card', rotation: 0, image: { width: 2000, height: 1500 }, corners: GEOMETRY.corners };
      w.setReadResult(new ReadResult({ status: 'ok', pan: PAN, brand: 'visa', confidence: { pan: 0.9 }, geometry: GEOMETRY }));
      const s = await preprocessed(w, { hints });
      const outcome = await readScan(w.read, { id: s.id });
      expect(w.seenHints).toEqual([hints]);
      expect((await w.results.get(s.id))?.geometry).toEqual(GEOMETRY);
      w.setReadResult(new ReadResult({ status: 'failed', error: { code: 'timeout', message: 'too slow' }, geometry: GEOMETRY }));
      const f = await preprocessed(w);
      await readScan(w.read, { id: f.id });
      expect((await w.results.get(f.id))?.geometry ?? null).toBeNull();
      return { ...s, outcome };
    },
    then: { outcome: { action: 'processed', status: 'done' }, status: 'done', runs: { read: 2 } },
  },
  {
    name: 'a read job: done with the masked PAN, per-stage timings, hints handed to the reader, both images deleted',
    run: async (w) => {
      const s = await preprocessed(w);
      const outcome = await readScan(w.read, { id: s.id });
      const r = await w.results.get(s.id);
      expect(r?.card).toMatchObject({ pan: '411111••••••1111', last4: '1111', brand: 'visa' });
      expect(JSON.stringify(r)).not.toContain(PAN);
      expect(r?.timingsMs.preprocess).toEqual({ decode: 3, total: 5 });
      expect(r?.timingsMs.read?.['total']).toBeGreaterThanOrEqual(0);
      expect(w.seenHints).toEqual([HINTS]);
      return { ...s, outcome };
    },
    then: { outcome: { action: 'processed', status: 'done' }, status: 'done', runs: { read: 1 }, uploadKept: false, processedKept: false, lease: null },
  },
  {
    name: 'three concurrent deliveries of one read job: one OCR run',
    run: async (w) => {
      const s = await preprocessed(w);
      const all = await Promise.all([1, 2, 3].map(() => readScan(w.read, { id: s.id })));
      expect(all.filter((o) => o.action === 'processed')).toHaveLength(1);
      return { ...s, outcome: all.find((o) => o.action === 'processed')! };
    },
    then: { status: 'done', runs: { read: 1 } },
  },
  {
    name: 'a late duplicate after done: nothing runs, leftovers tidied',
    run: async (w) => {
      const s = await preprocessed(w, { status: 'done' });
      return { ...s, outcome: await readScan(w.read, { id: s.id }) };
    },
    then: { outcome: { action: 'duplicate', status: 'done' }, runs: { read: 0 }, uploadKept: false, processedKept: false },
  },
  {
    name: 'a duplicate while another delivery holds the read claim: left to the holder',
    run: async (w) => {
      const s = await preprocessed(w, { lease: lease('read', 30_000) });
      return { ...s, outcome: await readScan(w.read, { id: s.id }) };
    },
    then: { outcome: { action: 'duplicate' }, status: 'reading', runs: { read: 0 }, processedKept: true, lease: 'read' },
  },
  {
    name: 'a stray job for a scan that is not reading: ignored, nothing touched (no waiting for the record)',
    run: async (w) => {
      const s = await apiUpload(w, 'preprocessing', { attempts: 1, lease: lease('preprocess', 30_000) });
      return { ...s, outcome: await readScan(w.read, { id: s.id }) };
    },
    then: { outcome: { action: 'ignored' }, status: 'preprocessing', runs: { read: 0 }, uploadKept: true },
  },
  {
    name: 'the scan was deleted meanwhile: ignored, its image removed',
    run: async (w) => {
      const s = await preprocessed(w);
      await w.results.delete(s.id);
      return { ...s, outcome: await readScan(w.read, { id: s.id }) };
    },
    then: { outcome: { action: 'ignored' }, runs: { read: 0 }, processedKept: false },
  },
  {
    name: 'a transient engine failure: thrown, claim released, the retry reads once more and finishes',
    run: async (w) => {
      const s = await preprocessed(w);
      w.faults.read = new OcrEngineError('engine down');
      expect(await settle(readScan(w.read, { id: s.id }))).toBe('throws');
      expect(await w.results.get(s.id)).toMatchObject({ status: 'reading', lease: null });
      w.faults.read = null;
      return { ...s, outcome: await readScan(w.read, { id: s.id }) };
    },
    then: { outcome: { action: 'processed', status: 'done' }, status: 'done', runs: { read: 2 } },
  },
  {
    name: 'crash before the final record: thrown, claim released, the retry finishes',
    run: async (w) => {
      const s = await preprocessed(w);
      w.results.failNextTransitionTo.set('done', new Error('DynamoDB unavailable'));
      expect(await settle(readScan(w.read, { id: s.id }))).toBe('throws');
      expect(await w.objects.head(processedKeyFor(s.id))).not.toBeNull();
      return { ...s, outcome: await readScan(w.read, { id: s.id }) };
    },
    then: { outcome: { action: 'processed', status: 'done' }, status: 'done', runs: { read: 2 }, processedKept: false },
  },
  {
    name: 'a non-retryable reader error: failed, images deleted',
    run: async (w) => {
      const s = await preprocessed(w);
      w.faults.read = new ValidationError('corrupt PNG');
      return { ...s, outcome: await readScan(w.read, { id: s.id }) };
    },
    then: { outcome: { action: 'processed', status: 'failed' }, status: 'failed', error: 'validation', processedKept: false, uploadKept: false },
  },
  {
    name: 'no card in the normalised image: failed with no_card',
    run: async (w) => {
      const s = await preprocessed(w);
      w.setReadResult(new ReadResult({ status: 'no_card', error: { code: 'no_card', message: 'no card found' } }));
      return { ...s, outcome: await readScan(w.read, { id: s.id }) };
    },
    then: { outcome: { action: 'processed', status: 'failed' }, status: 'failed', error: 'no_card' },
  },
  {
    name: 'the normalised image is gone: failed with not_found',
    run: async (w) => {
      const s = await preprocessed(w);
      await w.objects.delete(processedKeyFor(s.id));
      return { ...s, outcome: await readScan(w.read, { id: s.id }) };
    },
    then: { outcome: { action: 'processed', status: 'failed' }, status: 'failed', error: 'not_found', runs: { read: 0 }, uploadKept: false },
  },
];

async function check(w: World, c: { id: string; key: string; outcome: StageOutcome | 'throws' }, then: Expect): Promise<void> {
  if (then.outcome === 'throws') expect(c.outcome).toBe('throws');
  else if (then.outcome) expect(c.outcome).toMatchObject(then.outcome);
  const record = c.id ? await w.results.get(c.id) : null;
  if (then.status) expect(record?.status).toBe(then.status);
  if (then.error) expect(record?.error?.code).toBe(then.error);
  if (then.runs?.preprocess !== undefined) expect(w.runs.preprocess).toBe(then.runs.preprocess);
  if (then.runs?.read !== undefined) expect(w.runs.read).toBe(then.runs.read);
  if (then.readJobs !== undefined) {
    expect(w.readJobs()).toHaveLength(then.readJobs);
    if (then.readJobs > 0) expect(w.readJobs()).toEqual([{ id: c.id }]);
  }
  if (then.uploadKept !== undefined) expect(await w.objects.head(c.key) !== null).toBe(then.uploadKept);
  if (then.processedKept !== undefined) expect(await w.objects.head(processedKeyFor(c.id)) !== null).toBe(then.processedKept);
  if (then.lease !== undefined) expect(record?.lease?.stage ?? null).toBe(then.lease);
}

describe('preprocess stage', () => {
  it.each(preprocessCases)('$name', async ({ run, then }) => {
    const w = world();
    await check(w, await run(w), then);
  });
});

describe('read stage', () => {
  it.each(readCases)('$name', async ({ run, then }) => {
    const w = world();
    await check(w, await run(w), then);
  });
});

describe('dead-lettered jobs', () => {
  it('fail a working scan once with dead_lettered and delete its images; finished scans are left alone', async () => {
    const w = world();
    const s = await preprocessed(w);
    const failed = await failDeadLettered(w.read, s.id, 'read stage: ocr_failed');
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'dead_lettered' } });
    expect(await w.objects.head(s.key)).toBeNull();
    expect(await w.objects.head(processedKeyFor(s.id))).toBeNull();
    expect(await failDeadLettered(w.read, s.id, 'again')).toBeNull();
    expect(await failDeadLettered(w.read, newScanId(), 'unknown')).toBeNull();
  });
});

describe('stage logs', () => {
  /** Runs both stages of one upload with a logger that keeps the `stage …` lines' attempt. */
  async function logged(readFailures: number) {
    const w = world();
    const attempts: Array<[string, unknown]> = [];
    const log = {
      ...silentLog,
      info: (message: string, ...extra: Array<Record<string, unknown> | Error>) => {
        const fields = extra[0] as Record<string, unknown> | undefined;
        if (message.startsWith('stage ')) attempts.push([message, fields?.['attempt']]);
      },
    };
    const s = await apiUpload(w);
    await preprocessUpload({ ...w.pre, log }, s.obj);
    for (let i = 0; i < readFailures; i++) {
      w.faults.read = new OcrEngineError('engine down');
      await settle(readScan({ ...w.read, log }, { id: s.id }));
    }
    w.faults.read = null;
    await readScan({ ...w.read, log }, { id: s.id });
    return { attempts, record: await w.results.get(s.id) };
  }

  it('log attempt 1 for a first preprocess and a first read (the record has counted two claims)', async () => {
    const { attempts, record } = await logged(0);
    expect(attempts).toEqual([
      ['stage preprocess', 1],
      ['stage read', 1],
    ]);
    expect(record?.attempts).toBe(2);
  });

  it('log the read stage\'s own retries: attempt 3 after two failed reads', async () => {
    const { attempts, record } = await logged(2);
    expect(attempts).toEqual([
      ['stage preprocess', 1],
      ['stage read', 3],
    ]);
    expect(record?.stageAttempts).toEqual({ preprocess: 1, read: 3 });
  });
});
