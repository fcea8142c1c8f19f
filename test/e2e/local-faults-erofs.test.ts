/**
 * A read-only bucket for 10 s while scans are in flight (issue 10 item 2): every write,
 * rename and delete of the folder bucket fails with EROFS (injected in the store's
 * filesystem calls — the runner is root here, so a chmod would not bite). Storage faults are
 * transient: the scans are retried with backoff and none is dead-lettered; a scan that ended
 * while its photo could not be deleted has it swept afterwards. Real SQLite, sharp and the
 * card reader. Every photo gets a final record, the good ones `done` with the right card, and
 * nothing is left in `uploads/` or `processed/`.
 */
import * as nodeFs from 'node:fs/promises';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FsOps } from '../../functions/adapters/local/fs-object-store.js';
import { DEFAULT_IMAGE_LIMITS } from '../../functions/reader/decode.js';
import type { Log } from '../../functions/core/log.js';
import { maskPan } from '../../functions/core/mask.js';
import { preprocessPhoto } from '../../functions/reader/preprocess.js';
import { createReaderEngines } from '../../functions/adapters/ocr/reader-engines.js';
import { createCardReader, type CardReader } from '../../functions/reader/reader.js';
import { createLocalRuntime, type LocalRuntime } from '../../functions/local/composition.js';
import { fixtureBytes, plainCards, waitFor } from './support/local-helpers.js';

/** node:fs/promises whose writes fail with EROFS while `readOnly()` says so (reads still work, like a ro remount). */
function faultyFs(readOnly: () => boolean, faults: { n: number }): FsOps {
  const erofs = (op: string, path: unknown) => {
    faults.n++;
    return Object.assign(new Error(`EROFS: read-only file system, ${op} '${String(path)}'`), { code: 'EROFS', errno: -30, syscall: op });
  };
  const guard =
    <A extends unknown[], R>(op: string, fn: (...a: A) => Promise<R>) =>
    (...a: A): Promise<R> =>
      readOnly() ? Promise.reject(erofs(op, a[0])) : fn(...a);
  return {
    ...nodeFs,
    mkdir: guard('mkdir', nodeFs.mkdir as (...a: unknown[]) => Promise<unknown>),
    writeFile: guard('open', nodeFs.writeFile as (...a: unknown[]) => Promise<unknown>),
    rename: guard('rename', nodeFs.rename as (...a: unknown[]) => Promise<unknown>),
    rm: guard('unlink', nodeFs.rm as (...a: unknown[]) => Promise<unknown>),
  } as FsOps;
}

describe('a read-only bucket for 10 s', () => {
  let dir: string;
  let reader: CardReader;
  let rt: LocalRuntime | undefined;
  const [a, b] = plainCards();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cardocr-erofs-'));
    reader = await createCardReader({ workers: 1, engines: createReaderEngines() });
  });
  afterAll(async () => {
    await rt?.close();
    await reader?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('in-flight scans are retried, all end with a final record, nothing is left behind', { timeout: 90_000 }, async () => {
    let roUntil = 0;
    const faults = { n: 0 };
    const warnings: string[] = [];
    const log: Log = {
      debug() {},
      info() {},
      warn: (message, ...extra) => void warnings.push(`${message} ${JSON.stringify(extra)}`),
      error: (message, ...extra) => void warnings.push(`ERROR ${message} ${JSON.stringify(extra)}`),
    };
    const dataDir = join(dir, 'data');
    rt = await createLocalRuntime({
      dataDir,
      concurrency: 2,
      maxAttempts: 3,
      retentionDays: 1,
      leaseMs: 10_000,
      limits: DEFAULT_IMAGE_LIMITS,
      uploadUrl: '/local-upload',
      log,
      reader,
      preprocess: async (bytes) => {
        const card = await preprocessPhoto(bytes, DEFAULT_IMAGE_LIMITS);
        return { image: card.image, timingsMs: card.timingsMs, hints: { view: card.geometry.view } };
      },
      scanIntervalMs: 300,
      backoffMs: 250,
      maxBackoffMs: 2000,
      fs: faultyFs(() => Date.now() < roUntil, faults),
    });
    await rt.start();
    const runtime = rt;

    // Eight photos renamed into place at once (taken without the stability wait), one of them not an image.
    const staging = join(dir, 'staging');
    mkdirSync(staging);
    const photos = Array.from({ length: 7 }, (_, i) => ({ name: `photo-${i}.jpg`, card: i % 2 ? b! : a! }));
    for (const p of photos) writeFileSync(join(staging, p.name), fixtureBytes(p.card.file));
    writeFileSync(join(staging, 'notes.jpg'), 'these are not the photos you are looking for\n');
    const uploads = join(dataDir, 'bucket', 'uploads');
    for (const name of readdirSync(staging)) renameSync(join(staging, name), join(uploads, name));

    // The bucket turns read-only for 10 s as soon as the first scan has been preprocessed:
    // scans are in every stage, and the first to end cannot delete its photo.
    await waitFor('a scan to reach reading', async () => (await runtime.results.list({ limit: 10, status: 'reading' })).items.length > 0, 30_000);
    roUntil = Date.now() + 10_000;
    const roStart = Date.now();
    const health = new Set<string>();
    while (Date.now() < roUntil) {
      const h = runtime.health();
      health.add(`${h.status}/${h.storage.state}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const during = faults.n;
    expect(health.has('degraded/fault')).toBe(true); // the health check said so while it lasted

    const final = await waitFor('every photo to have a final record', async () => {
      const all = (await runtime.results.list({ limit: 100 })).items;
      return all.length === 8 && all.every((r) => r.status === 'done' || r.status === 'failed') ? all : null;
    }, 60_000);
    for (const p of photos) {
      const r = final.find((x) => x.key === `uploads/${p.name}`);
      expect(r?.status, p.name).toBe('done');
      expect(r?.card?.pan, p.name).toBe(maskPan(p.card.pan!));
    }
    const notes = final.find((x) => x.key === 'uploads/notes.jpg');
    expect(notes?.status).toBe('failed');
    expect(notes?.error?.code).toBe('unsupported_format');
    expect(runtime.queue.stats().dead).toBe(0);
    const retried = warnings.filter((w) => w.includes('job failed, will retry') && w.includes('EROFS')).length;
    console.log(
      `erofs: ${during} EROFS faults in the 10 s window, ${retried} job retries on EROFS, all 8 final ${((Date.now() - roStart) / 1000).toFixed(1)} s after it began; ` +
        final.map((r) => `${r.key?.slice(8)}=${r.status}`).join(' '),
    );
    expect(during).toBeGreaterThan(0);

    await waitFor('uploads/ and processed/ to be empty', async () =>
      readdirSync(uploads).length === 0 && readdirSync(join(dataDir, 'bucket', 'processed')).length === 0, 30_000);
  });
});
