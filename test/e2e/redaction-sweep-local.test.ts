/**
 * Isolation and the redaction sweep on the local runtime (issue 10 items 5 and 6), end to end
 * with every real part (HTTP server, upload route, folder bucket, SQLite, queue, workers,
 * sharp, the card reader, the `cardocr` command):
 * - two users with their own tokens (CARDOCR_API_USERS) and the operator: user B gets 404 on
 *   user A's scan and sees none of A's scans in lists; the operator sees both and the folder
 *   drops;
 * - a made-up, Luhn-valid card number is planted in a file name dropped into the watched
 *   folder and in the name of a photo given to `cardocr scan`; after the pipeline ran, the
 *   SQLite file with its WAL and SHM (read while the server still runs, before any clean
 *   shutdown checkpoints the WAL), every file of the data dir, the captured logs, the CLI's
 *   output and every API response hold no full card number — neither the planted one nor the
 *   fixtures' real PANs.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLog } from '../../functions/adapters/log/powertools-log.js';
import { startLocalPipeline, type LocalPipeline } from '../../functions/local/index.js';
import { ApiClient, FIXTURES, filesUnder, fixtureBytes, plainCards, sweepForPans, waitFor } from './support/local-helpers.js';

const run = promisify(execFile);

const OPERATOR = 'sweep-operator-token-0123456789';
const ALICE = 'sweep-alice-token-0123456789ab';
const BOB = 'sweep-bob-token-0123456789abcd';
/** Made up, Luhn-valid (a Visa-like 16 digits): planted in file names. Never a real card. */
const PLANTED = '4539148803436467';

describe('local runtime: isolation between users, and no full card number anywhere', () => {
  let dir: string;
  let dataDir: string;
  let pipeline: LocalPipeline;
  const logs: string[] = [];
  const outputs: Array<{ name: string; text: string }> = [];
  const plain = plainCards();
  let operator: ApiClient;
  let alice: ApiClient;
  let bob: ApiClient;

  beforeAll(async () => {
    if (plain.length < 2) throw new Error('need two plain card fixtures in test/fixtures/cards');
    dir = mkdtempSync(join(tmpdir(), 'cardocr-sweep-'));
    dataDir = join(dir, 'data');
    pipeline = await startLocalPipeline({
      port: 0,
      dataDir,
      token: OPERATOR,
      concurrency: 2,
      env: { CARDOCR_API_USERS: `alice=${ALICE} bob=${BOB}` },
      log: createLog({ service: 'cardocr', level: 'debug', sink: (line) => logs.push(line) }),
      print: (line) => logs.push(line),
      scanIntervalMs: 300,
      uploadStableMs: 300,
    });
    operator = new ApiClient(pipeline.url, OPERATOR);
    alice = new ApiClient(pipeline.url, ALICE);
    bob = new ApiClient(pipeline.url, BOB);
  });

  afterAll(async () => {
    await pipeline?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('user B gets 404 on user A\'s scan and sees none of A\'s scans; the operator sees both and the folder drop', { timeout: 240_000 }, async () => {
    const ofAlice = await alice.upload(fixtureBytes(plain[0]!.file));
    const ofBob = await bob.upload(fixtureBytes(plain[1]!.file));
    // A photo dropped into the folder under a card number as its name: no owner.
    copyFileSync(join(FIXTURES, plain[0]!.file), join(dataDir, 'bucket', 'uploads', `card ${PLANTED.match(/.{4}/g)!.join(' ')}.jpg`));

    const a = await alice.final(ofAlice, 180_000);
    const b = await bob.final(ofBob, 180_000);
    expect(a.status).toBe('done');
    expect(b.status).toBe('done');
    const drop = await waitFor('the folder drop to finish', async () => {
      const { items } = await operator.list();
      return items.find((s) => s.id !== ofAlice && s.id !== ofBob && (s.status === 'done' || s.status === 'failed'));
    }, 180_000);
    // Stored and shown under its masked name only.
    expect(drop.key).toMatch(/^uploads\/card 453914•+6467(\.jpg)?/);

    // Lists: each user only their own; the operator everything.
    expect((await alice.list()).items.map((s) => s.id)).toEqual([ofAlice]);
    expect((await bob.list()).items.map((s) => s.id)).toEqual([ofBob]);
    expect((await operator.list()).items.map((s) => s.id).sort()).toEqual([ofAlice, ofBob, drop.id].sort());

    // Get and delete of another user's scan: 404, the same answer as an unknown id.
    const raw = (token: string, path: string, method = 'GET') =>
      fetch(pipeline.url + path, { method, headers: { Authorization: `Bearer ${token}` } });
    const foreign = await raw(BOB, `/v1/scans/${ofAlice}`);
    expect(foreign.status).toBe(404);
    outputs.push({ name: 'GET foreign', text: await foreign.text() });
    expect((await raw(BOB, `/v1/scans/${ofAlice}`, 'DELETE')).status).toBe(404);
    expect((await raw(ALICE, `/v1/scans/${drop.id}`)).status).toBe(404);
    expect((await alice.get(ofAlice)).status).toBe('done');
    expect((await operator.get(ofAlice)).status).toBe('done');
    expect((await operator.get(ofBob)).status).toBe('done');
  });

  it('cardocr scan of a photo named after a card number prints it masked (no --reveal)', { timeout: 180_000 }, async () => {
    const photos = join(dir, 'photos');
    const named = join(photos, `${PLANTED}.jpg`);
    await import('node:fs/promises').then((fs) => fs.mkdir(photos, { recursive: true }));
    copyFileSync(join(FIXTURES, plain[0]!.file), named);
    for (const args of [['scan', photos], ['scan', '--json', photos]]) {
      const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'bin/cardocr.ts', ...args], {
        env: { ...process.env, CARDOCR_LOG_LEVEL: 'debug', CARDOCR_CONCURRENCY: '1' },
        timeout: 170_000,
        maxBuffer: 16 * 1024 * 1024,
      });
      outputs.push({ name: `cardocr ${args.join(' ')} stdout`, text: stdout }, { name: `cardocr ${args.join(' ')} stderr`, text: stderr });
      // The photo is there, under its masked name.
      expect(stdout).toMatch(/453914•+6467/);
    }
  });

  it('sweep: SQLite + WAL + SHM (server still running), every data file, logs, CLI output and API responses → 0 full card numbers', async () => {
    const pans = [PLANTED, ...plain.slice(0, 2).map((t) => t.pan!)];
    const dbFiles = readdirSync(dataDir).filter((f) => /\.sqlite(-wal|-shm|-journal)?$/.test(f));
    expect(dbFiles.some((f) => f.endsWith('-wal'))).toBe(true);
    const files = filesUnder(dataDir);
    const texts = [
      { name: 'logs', text: logs.join('\n') },
      ...outputs,
      ...[operator, alice, bob].flatMap((c, i) => c.bodies.map((text, j) => ({ name: `api response ${i}.${j}`, text }))),
    ];
    const findings = sweepForPans(pans, { files, texts });
    console.log(
      `redaction sweep (local): ${files.length} files (${dbFiles.join(', ')}), ${logs.length} log lines, ` +
        `${outputs.length} CLI/other outputs, ${texts.length - 1 - outputs.length} API responses → ${findings.length} full card numbers`,
    );
    expect(findings).toEqual([]);
    // The sweep can fail: the planted number is found where it is.
    expect(sweepForPans([PLANTED], { texts: [{ name: 'plant', text: `uploads/card ${PLANTED.match(/.{4}/g)!.join(' ')}.jpg` }] })).toHaveLength(1);
  });
});
