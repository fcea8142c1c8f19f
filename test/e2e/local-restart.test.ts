/**
 * Kill and restart: the local pipeline runs in a child process, which is SIGKILLed while a
 * job is in hand (OCR under way, its job leased, its scan in `reading`). A new process on the
 * same data dir picks everything up: every scan reaches `done` with the right masked PAN,
 * exactly one record per photo, no scan left in a working status, no job pending, leased or
 * dead-lettered, no image left behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskPan } from '../../functions/core/mask.js';
import { ApiClient, filesUnder, fixtureBytes, plainCards, waitFor } from './support/local-helpers.js';

const TOKEN = 'restart-test-token-0123456789abcdef';
const CHILD = join(import.meta.dirname, 'support', 'pipeline-child.ts');

interface Child {
  proc: ChildProcess;
  url: string;
  lines: string[];
  exited: Promise<number | null>;
}

async function startChild(dataDir: string, extra: string[] = []): Promise<Child> {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir, TOKEN, ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      lines.push(line);
      if (line.startsWith('{"ready":true')) resolve((JSON.parse(line) as { url: string }).url);
    });
    void exited.then((code) => reject(new Error(`child exited (${code}) before it was ready: ${stderr.slice(-2000)}`)));
  });
  return { proc, url, lines, exited };
}

describe('kill and restart', () => {
  let dir: string;
  let children: Child[] = [];
  // The plainest fixture twice (under two keys, so two scans): this test is about delivery,
  // not about the reader's accuracy.
  const plain = plainCards()[0]!;
  const cards = [plain, plain];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cardocr-restart-'));
  });
  afterAll(async () => {
    for (const c of children) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('a worker killed mid-job loses nothing, duplicates nothing and leaves nothing stuck', { timeout: 240_000 }, async () => {
    expect(cards).toHaveLength(2);
    const dataDir = join(dir, 'data');
    const marker = join(dir, 'reading');

    // 1. First process: takes the photos, then hangs inside OCR.
    const first = await startChild(dataDir, ['--hold-read', marker]);
    children.push(first);
    const api1 = new ApiClient(first.url, TOKEN);
    const viaApi = await api1.upload(fixtureBytes(cards[0]!.file));
    writeFileSync(join(dataDir, 'bucket', 'uploads', 'dropped.jpg'), fixtureBytes(cards[1]!.file));
    await waitFor('OCR to start in the first process', async () => existsSync(marker), 60_000);
    const before = await api1.list();
    expect(before.items.some((s) => s.status === 'reading')).toBe(true);
    first.proc.kill('SIGKILL');
    await first.exited;

    // The kill left work in flight: a leased job and a scan in a working status.
    const db = new Database(join(dataDir, 'cardocr.sqlite'), { readonly: true });
    const leased = db.prepare(`SELECT COUNT(*) AS n FROM jobs WHERE state = 'leased'`).get() as { n: number };
    db.close();
    expect(leased.n).toBe(1);

    // 2. Second process on the same data dir finishes everything.
    const second = await startChild(dataDir);
    children.push(second);
    const api2 = new ApiClient(second.url, TOKEN);
    const done = await waitFor('both scans to finish', async () => {
      const { items } = await api2.list();
      return items.length >= 2 && items.every((s) => s.status === 'done' || s.status === 'failed') ? items : null;
    }, 120_000);

    // 0 duplicates: one record per photo.
    expect(done).toHaveLength(2);
    const apiScan = done.find((s) => s.id === viaApi);
    const dropped = done.find((s) => s.key === 'uploads/dropped.jpg');
    // 0 lost: both read, with the right masked numbers.
    expect(apiScan?.status).toBe('done');
    expect(apiScan?.card?.pan).toBe(maskPan(cards[0]!.pan!));
    expect(dropped?.status, JSON.stringify(dropped)).toBe("done");
    expect(dropped?.card?.pan).toBe(maskPan(cards[1]!.pan!));
    // Each photo was read once by the second process (the killed run never finished).
    const runs = second.lines.filter((l) => l.startsWith('{"ocrRun"')).length;
    expect(runs).toBe(2);

    second.proc.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    // 0 stuck: nothing pending, leased or dead; no image left.
    const after = new Database(join(dataDir, 'cardocr.sqlite'), { readonly: true });
    const states = after.prepare(`SELECT state, COUNT(*) AS n FROM jobs GROUP BY state`).all() as Array<{ state: string; n: number }>;
    const working = after
      .prepare(`SELECT COUNT(*) AS n FROM scans WHERE status NOT IN ('done', 'failed')`)
      .get() as { n: number };
    after.close();
    expect(states.filter((s) => s.state !== 'done')).toEqual([]);
    expect(working.n).toBe(0);
    expect(filesUnder(join(dataDir, 'bucket')).filter((f) => !f.path.includes('.tmp'))).toEqual([]);
  });
});
