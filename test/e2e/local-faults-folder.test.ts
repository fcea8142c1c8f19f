/**
 * Folder intake under odd names and clumsy writers (issue 10 item 1, part of 5): photos with
 * a newline, a tab or a leading dot in their names, macOS junk, a symlink, an abandoned temp
 * file, a writer that pauses 1.5 s mid-copy, a re-drop of a finished photo and a photo named
 * like a card number. Real parts: the folder bucket, SQLite, sharp preprocessing and the card
 * reader. Every photo gets a final record, the good ones `done` with the right card, nothing
 * is left in `uploads/`, the odd names are logged once and masked, the data dir is 0700 and
 * its files 0600, and no full card number is in the database or its WAL once the scan ended.
 */
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_IMAGE_LIMITS } from '../../functions/reader/decode.js';
import type { Log } from '../../functions/core/log.js';
import { maskPan } from '../../functions/core/mask.js';
import type { ScanRecord } from '../../functions/core/record.js';
import { preprocessPhoto } from '../../functions/reader/preprocess.js';
import { createReaderEngines } from '../../functions/adapters/ocr/reader-engines.js';
import { createCardReader, type CardReader } from '../../functions/reader/reader.js';
import { createLocalRuntime, type LocalRuntime } from '../../functions/local/composition.js';
import { filesUnder, fixtureBytes, localRuntimeBase, plainCards, sweepForPans, waitFor } from './support/local-helpers.js';

const PLANTED = '4111111111111111'; // a published test number, planted in a file name

function recordingLog(lines: string[]): Log {
  const rec = (level: string) => (message: string, ...extra: unknown[]) =>
    void lines.push(JSON.stringify({ level, message, extra }, (_k, v: unknown) => (v instanceof Error ? { name: v.name, message: v.message } : v)));
  return { debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error') };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('folder intake: odd names, slow writers, re-drops', () => {
  let dir: string;
  let reader: CardReader;
  let rt: LocalRuntime | undefined;
  const lines: string[] = [];
  const [a, b] = plainCards();
  /** What every runtime of this file shares: one worker, three attempts, the log recorded into `lines`. */
  const baseOptions = (dataDir: string) => localRuntimeBase(dataDir, recordingLog(lines));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cardocr-folder-'));
    reader = await createCardReader({ workers: 1, engines: createReaderEngines() });
  });
  afterAll(async () => {
    await rt?.close();
    await reader?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('every photo gets a final record, the good ones the right card, nothing left behind', { timeout: 90_000 }, async () => {
    const dataDir = join(dir, 'data');
    const uploads = join(dataDir, 'bucket', 'uploads');
    // Dropped while the runner was down (the first pass must not choke on any of them), into
    // folders made with the default mode (the runner tightens them).
    mkdirSync(uploads, { recursive: true });
    const good: Array<{ name: string; key: string; pan: string }> = [
      { name: 'card\nnewline.jpg', key: 'uploads/card_newline.jpg', pan: a!.pan! },
      { name: 'tab\tcard.jpg', key: 'uploads/tab_card.jpg', pan: b!.pan! },
      { name: '.dotcard.jpg', key: 'uploads/_dotcard.jpg', pan: a!.pan! },
    ];
    writeFileSync(join(uploads, good[0]!.name), fixtureBytes(a!.file));
    writeFileSync(join(uploads, good[1]!.name), fixtureBytes(b!.file));
    writeFileSync(join(uploads, good[2]!.name), fixtureBytes(a!.file));
    writeFileSync(join(uploads, '.DS_Store'), Buffer.from('Bud1\0\0\0\x01 not an image'));
    symlinkSync('/etc/hostname', join(uploads, 'link.jpg'));
    // A browser download abandoned two hours ago.
    writeFileSync(join(uploads, 'photo.jpg.crdownload'), fixtureBytes(a!.file).subarray(0, 5000));
    const old = new Date(Date.now() - 2 * 3_600_000);
    utimesSync(join(uploads, 'photo.jpg.crdownload'), old, old);

    rt = await createLocalRuntime({
      ...baseOptions(dataDir),
      reader,
      preprocess: async (bytes) => {
        const card = await preprocessPhoto(bytes, DEFAULT_IMAGE_LIMITS);
        return { image: card.image, timingsMs: card.timingsMs, hints: { view: card.geometry.view } };
      },
      scanIntervalMs: 300,
      backoffMs: 100,
      // uploadStableMs: the default (2 s), which the slow writer below must not beat.
    });
    await rt.start();
    const runtime = rt;
    const finalByKey = (key: string, timeoutMs = 60_000) =>
      waitFor(`${JSON.stringify(key)} to end`, async () => {
        const r = (await runtime.results.list({ limit: 10, key })).items.find((x) => x.status === 'done' || x.status === 'failed');
        return r ?? null;
      }, timeoutMs);

    // A writer that pauses 1.5 s in the middle of the copy.
    const slow = await open(join(uploads, 'slow.jpg'), 'w');
    const slowBytes = fixtureBytes(b!.file);
    await slow.write(slowBytes.subarray(0, slowBytes.length >> 1));
    await sleep(1500);
    await slow.write(slowBytes.subarray(slowBytes.length >> 1));
    await slow.close();

    // A photo that is finished, then dropped again (same name, same bytes): a new photo.
    writeFileSync(join(uploads, 'redrop.jpg'), fixtureBytes(a!.file));
    const first = await finalByKey('uploads/redrop.jpg');
    expect(first.status).toBe('done');
    await waitFor('redrop.jpg to be deleted', async () => !readdirSync(uploads).includes('redrop.jpg'));
    writeFileSync(join(uploads, 'redrop.jpg'), fixtureBytes(a!.file));
    const again = await finalByKey('uploads/redrop-2.jpg');
    expect(again.id).not.toBe(first.id);

    const ended = new Map<string, ScanRecord>();
    for (const g of good) ended.set(g.key, await finalByKey(g.key));
    for (const g of good) {
      const r = ended.get(g.key)!;
      expect(r.status, g.key).toBe('done');
      expect(r.card?.pan, g.key).toBe(maskPan(g.pan));
    }
    for (const r of [first, again]) expect(r.card?.pan).toBe(maskPan(a!.pan!));
    const slowRec = await finalByKey('uploads/slow.jpg');
    expect(slowRec.status).toBe('done');
    expect(slowRec.card?.pan).toBe(maskPan(b!.pan!));
    const ds = await finalByKey('uploads/_DS_Store');
    expect(ds.status).toBe('failed');
    expect(ds.error?.code).toBe('unsupported_format');
    const link = await finalByKey('uploads/link.jpg');
    expect(link.status).toBe('failed');
    expect(link.error?.code).toBe('validation');
    expect(link.error?.message).toContain('symbolic link');

    // Last, when the WAL has stopped churning: a photo whose odd name holds a card number. Its
    // queue row held the name until the scan ended, then was masked; the WAL must not keep it.
    writeFileSync(join(uploads, `\t${PLANTED}.jpg`), fixtureBytes(b!.file));
    const planted = await finalByKey(`uploads/_${maskPan(PLANTED)}.jpg`);
    expect(planted.status).toBe('done');
    expect(planted.card?.pan).toBe(maskPan(b!.pan!));
    const endedAt = Date.now();
    await waitFor('the database and WAL to be free of the number', async () => {
      const db = filesUnder(dataDir).filter((f) => f.path.includes('cardocr.sqlite'));
      return sweepForPans([PLANTED], { files: db }).length === 0;
    }, 5_000);
    const walSize = statSync(join(dataDir, 'cardocr.sqlite-wal')).size;
    console.log(`folder: database and WAL free of the planted number ${Date.now() - endedAt} ms after its scan ended (WAL ${walSize} bytes)`);

    // One record per photo (the slow one was never taken half-written), all final.
    const all = (await runtime.results.list({ limit: 100 })).items;
    console.log(`folder: ${all.length} records: ${all.map((r) => `${r.key}=${r.status}${r.error ? `(${r.error.code})` : ''}`).join(', ')}`);
    expect(all.every((r) => r.status === 'done' || r.status === 'failed')).toBe(true);
    expect(all.filter((r) => r.key === 'uploads/slow.jpg')).toHaveLength(1);
    expect(all).toHaveLength(good.length + 6); // + slow, redrop ×2, .DS_Store, link, planted

    await waitFor('uploads/ to be empty', async () => readdirSync(uploads).length === 0, 15_000);
    expect(statSync('/etc/hostname').isFile()).toBe(true); // the link's target was never touched

    // Odd names: logged once each, never with the planted number.
    const renamed = lines.filter((l) => l.includes('renamed a photo whose name is not a valid object key'));
    expect(renamed).toHaveLength(5); // newline, tab, dot, tab+number, .DS_Store
    expect(lines.some((l) => l.includes('abandoned temp file'))).toBe(true);
    expect(sweepForPans([PLANTED], { texts: lines.map((text, i) => ({ name: `log line ${i}`, text })) })).toEqual([]);

    // Owner-only files; the number is in neither the database nor its WAL once its scan ended.
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    for (const f of ['cardocr.sqlite', 'cardocr.sqlite-wal', 'cardocr.sqlite-shm', 'upload-secret', 'runner.pid']) {
      expect(statSync(join(dataDir, f)).mode & 0o777, f).toBe(0o600);
    }
    for (const d of ['bucket', 'bucket/uploads', 'bucket/processed']) expect(statSync(join(dataDir, d)).mode & 0o777, d).toBe(0o700);
  });
  it('a photo that changes after pickup is taken again once complete, never failed', { timeout: 60_000 }, async () => {
    // A writer that pauses longer than the stability window (1 s here): the half file is picked
    // up; the (slow, busy machine) preprocess step only runs after the writer has finished.
    const dataDir = join(dir, 'data-changed');
    const uploads = join(dataDir, 'bucket', 'uploads');
    mkdirSync(uploads, { recursive: true });
    let calls = 0;
    const failures: string[] = [];
    const changed = await createLocalRuntime({
      ...baseOptions(dataDir),
      reader,
      preprocess: async (bytes) => {
        if (calls++ === 0) await sleep(5000);
        try {
          const card = await preprocessPhoto(bytes, DEFAULT_IMAGE_LIMITS);
          return { image: card.image, timingsMs: card.timingsMs, hints: { view: card.geometry.view } };
        } catch (err) {
          failures.push((err as { code?: string }).code ?? 'error');
          throw err;
        }
      },
      scanIntervalMs: 200,
      uploadStableMs: 1000,
    });
    try {
      await changed.start();
      const bytes = fixtureBytes(b!.file);
      const fh = await open(join(uploads, 'paused.jpg'), 'w');
      await fh.write(bytes.subarray(0, bytes.length >> 1));
      await waitFor('the half file to be picked up', async () => (await changed.queue.countActive()) > 0 || calls > 0, 10_000);
      await sleep(2500);
      await fh.write(bytes.subarray(bytes.length >> 1));
      await fh.close();
      const rec = await waitFor('paused.jpg to end', async () => {
        const items = (await changed.results.list({ limit: 10, key: 'uploads/paused.jpg' })).items;
        return items.find((r) => r.status === 'done' || r.status === 'failed') ?? null;
      }, 45_000);
      console.log(`folder: paused writer picked up half-written: preprocess ran ${calls}× (failures ${failures.join(',') || 'none'}), ended ${rec.status}`);
      expect(failures).toContain('invalid_image'); // the half file was read...
      expect(rec.status).toBe('done'); // ...but the scan was requeued, not failed
      expect(rec.card?.pan).toBe(maskPan(b!.pan!));
      expect((await changed.results.list({ limit: 10 })).items).toHaveLength(1);
      await waitFor('uploads/ to be empty', async () => readdirSync(uploads).length === 0, 10_000);
    } finally {
      await changed.close();
    }
  });
  it('a photo replaced under the same name while its namesake is read is kept and gets its own record', { timeout: 60_000 }, async () => {
    const dataDir = join(dir, 'data-replaced');
    const uploads = join(dataDir, 'bucket', 'uploads');
    mkdirSync(uploads, { recursive: true });
    let open: () => void = () => {};
    const gate = new Promise<void>((r) => (open = r));
    let reads = 0;
    const replaced = await createLocalRuntime({
      ...baseOptions(dataDir),
      reader: {
        async readNormalised(png, hints) {
          if (reads++ === 0) await gate; // the first photo is held while it is being read
          return reader.readNormalised(png, hints);
        },
      },
      preprocess: async (bytes) => {
        const card = await preprocessPhoto(bytes, DEFAULT_IMAGE_LIMITS);
        return { image: card.image, timingsMs: card.timingsMs, hints: { view: card.geometry.view } };
      },
      scanIntervalMs: 200,
      uploadStableMs: 2000,
    });
    try {
      await replaced.start();
      writeFileSync(join(dir, 'same.first'), fixtureBytes(a!.file));
      renameSync(join(dir, 'same.first'), join(uploads, 'same.jpg')); // renamed into place: taken at once
      await waitFor('the first photo to be read', async () => reads > 0, 20_000);
      // Another photo copied over the same name; the first scan ends before it is stable.
      writeFileSync(join(uploads, 'same.jpg'), fixtureBytes(b!.file));
      open();
      const both = await waitFor('two scans to end', async () => {
        const items = (await replaced.results.list({ limit: 10, key: 'uploads/same.jpg' })).items;
        return items.length === 2 && items.every((r) => r.status === 'done' || r.status === 'failed') ? items : null;
      }, 30_000);
      expect(both.map((r) => r.status)).toEqual(['done', 'done']);
      expect(both.map((r) => r.card?.pan).sort()).toEqual([maskPan(a!.pan!), maskPan(b!.pan!)].sort());
      expect(lines.some((l) => l.includes('kept a newer photo dropped under the same name'))).toBe(true);
      await waitFor('uploads/ to be empty', async () => readdirSync(uploads).length === 0, 10_000);
    } finally {
      open();
      await replaced.close();
    }
  });
});
