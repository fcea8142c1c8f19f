/**
 * Isolation and the redaction sweep on the local runtime (issue 10 items 5 and 6), end to end
 * with every real part (HTTP server, upload route, folder bucket, SQLite, queue, workers,
 * sharp, the card reader, the `cardocr` command):
 * - two users with their own tokens (CARDOCR_API_USERS) and the operator: user B gets 404 on
 *   user A's scan and sees none of A's scans in lists; the operator sees both and the folder
 *   drops;
 * - a made-up, Luhn-valid card number is planted in five file names dropped into the watched
 *   folder (grouped by a space, two spaces, " - ", commas, and tabs: the intake renames the
 *   control characters and logs the odd name), in URLs (`GET /v1/scans/<number>`, the same with `%20` groups, `?key=`,
 *   `?status=`, `?cursor=`), in `POST /v1/scans {filename}`, in the name of a photo given to
 *   `cardocr scan` and in a missing path given to it (a usage error); after the pipeline ran,
 *   the SQLite file with its WAL and SHM (read while the server still runs, before any clean
 *   shutdown checkpoints the WAL), every file of the data dir (bytes and path), every path under
 *   it, the captured logs, the CLI's stdout/stderr and every API response hold no full card
 *   number in any of `panForms` (grouped by spaces, dashes, commas, tabs, `%20`, `+`, ...) —
 *   neither the planted one nor the fixtures' PANs.
 * Not swept here: the other e2e suites' outputs (fault suites, CLI e2e, browser).
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLog } from '../../functions/adapters/log/powertools-log.js';
import { startLocalPipeline, type LocalPipeline } from '../../functions/local/index.js';
import { ApiClient, FIXTURES, filesUnder, fixtureBytes, panForms, pathsUnder, plainCards, sweepForPans, waitFor } from './support/local-helpers.js';

const run = promisify(execFile);

const OPERATOR = 'sweep-operator-token-0123456789';
const ALICE = 'sweep-alice-token-0123456789ab';
const BOB = 'sweep-bob-token-0123456789abcd';
/** Made up, Luhn-valid (a Visa-like 16 digits): planted in file names. Never a real card. */
const PLANTED = '4539148803436467';
const GROUPS = PLANTED.match(/.{4}/g)!;
/**
 * Names the number is dropped into the folder under (review B4a): grouped by a space, two
 * spaces, " - " and commas, and by tabs (not a valid object key: the intake renames the control
 * characters to `_` and logs the odd name).
 */
const DROPS = [
  ['card', ' '],
  ['spaced', '  '],
  ['dashed', ' - '],
  ['comma', ','],
  ['tab', '\t'],
] as const;

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
    const ofAlice = await alice.upload(fixtureBytes(plain[0]!.file), 'image/jpeg', `${PLANTED}.jpg`);
    const ofBob = await bob.upload(fixtureBytes(plain[1]!.file));
    // Photos dropped into the folder under a card number as their name (DROPS): no owner.
    const uploads = join(dataDir, 'bucket', 'uploads');
    DROPS.forEach(([prefix, sep], i) => copyFileSync(join(FIXTURES, plain[i % 2]!.file), join(uploads, `${prefix} ${GROUPS.join(sep)}.jpg`)));

    const a = await alice.final(ofAlice, 180_000);
    const b = await bob.final(ofBob, 180_000);
    expect(a.status).toBe('done');
    expect(b.status).toBe('done');
    const drops = await waitFor('the folder drops to finish', async () => {
      const { items } = await operator.list();
      const finished = items.filter((s) => s.id !== ofAlice && s.id !== ofBob && (s.status === 'done' || s.status === 'failed'));
      return finished.length === DROPS.length ? finished : null;
    }, 180_000);
    // Stored and shown under their masked names only, one scan per dropped name.
    expect(drops.map((s) => s.key?.replace(/ .*/, '')).sort()).toEqual(DROPS.map(([prefix]) => `uploads/${prefix}`).sort());
    for (const s of drops) expect(s.key).toMatch(/^uploads\/[a-z]+ 453914•+6467(\.jpg)?/);
    const drop = drops.find((s) => s.key?.startsWith('uploads/card '))!;
    // The intake did log the rename of the tab-grouped name (the sweep then reads that line).
    expect(logs.some((l) => l.includes('renamed a photo whose name is not a valid object key'))).toBe(true);

    // Lists: each user only their own; the operator everything.
    expect((await alice.list()).items.map((s) => s.id)).toEqual([ofAlice]);
    expect((await bob.list()).items.map((s) => s.id)).toEqual([ofBob]);
    expect((await operator.list()).items.map((s) => s.id).sort()).toEqual([ofAlice, ofBob, ...drops.map((s) => s.id)].sort());

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

    // The number in URLs: a path id, a path id grouped with %20, and list queries. The answers
    // (404/400 bodies) and whatever the server logged about them are swept below.
    const planted = [
      [`/v1/scans/${PLANTED}`, 404],
      [`/v1/scans/${GROUPS.join('%20')}`, 400],
      [`/v1/scans?${new URLSearchParams({ key: `uploads/card ${GROUPS.join(' ')}.jpg` })}`, 200],
      [`/v1/scans?${new URLSearchParams({ key: `uploads/${PLANTED}.jpg` })}`, 200],
      [`/v1/scans?status=${PLANTED}`, 400],
      [`/v1/scans?cursor=${GROUPS.join('+')}`, 400],
    ] as const;
    for (const [path, status] of planted) {
      const res = await raw(ALICE, path);
      outputs.push({ name: `GET ${path.slice(0, 14)}… (${res.status})`, text: await res.text() });
      expect(res.status, path.slice(0, 14)).toBe(status);
    }
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

  it('cardocr scan of a missing photo named after a card number: the usage error names it masked', { timeout: 60_000 }, async () => {
    const missing = join(tmpdir(), `nonexistent-${PLANTED}.jpg`);
    const failed = await run(process.execPath, ['--import', 'tsx', 'bin/cardocr.ts', 'scan', missing], {
      env: { ...process.env, CARDOCR_LOG_LEVEL: 'debug' },
      timeout: 50_000,
    }).then(
      () => null,
      (e: { code?: number; stdout?: string; stderr?: string }) => e,
    );
    expect(failed, 'cardocr scan of a missing file must fail').not.toBeNull();
    outputs.push({ name: 'cardocr scan <missing> stdout', text: failed?.stdout ?? '' }, { name: 'cardocr scan <missing> stderr', text: failed?.stderr ?? '' });
    expect(failed?.code).toBe(2);
    // It does say which file (masked), so the user can act on it.
    expect(failed?.stderr).toMatch(/nonexistent-453914•+6467\.jpg/);
    expect(panForms(PLANTED).filter((form) => failed?.stderr?.includes(form))).toEqual([]);
  });

  it('sweep: SQLite + WAL + SHM (server still running), every data file, logs, CLI output and API responses → 0 full card numbers', async () => {
    const pans = [PLANTED, ...plain.slice(0, 2).map((t) => t.pan!)];
    const dbFiles = readdirSync(dataDir).filter((f) => /\.sqlite(-wal|-shm|-journal)?$/.test(f));
    expect(dbFiles.some((f) => f.endsWith('-wal'))).toBe(true);
    const files = filesUnder(dataDir);
    const paths = pathsUnder(dataDir);
    const texts = [
      { name: 'logs', text: logs.join('\n') },
      ...outputs,
      ...[operator, alice, bob].flatMap((c, i) => c.bodies.map((text, j) => ({ name: `api response ${i}.${j}`, text }))),
    ];
    const findings = sweepForPans(pans, { files, paths, texts });
    console.log(
      `redaction sweep (local): ${files.length} files (${dbFiles.join(', ')}), ${paths.length} paths, ${panForms(PLANTED).length} forms per number, ${logs.length} log lines, ` +
        `${outputs.length} CLI/other outputs, ${texts.length - 1 - outputs.length} API responses → ${findings.length} full card numbers`,
    );
    expect(findings).toEqual([]);
    // The sweep can fail: the planted number is found in each planted form, in a text and in a path.
    for (const text of [`uploads/card ${GROUPS.join(' ')}.jpg`, `"name":"uploads/tab ${GROUPS.join('\\t')}.jpg"`, `/v1/scans?key=uploads%2Fcard+${GROUPS.join('+')}.jpg`, `GET /v1/scans/${GROUPS.join('%20')}`, `${GROUPS.join(', ')}`, `${GROUPS.join(' - ')}`, `${GROUPS.join('  ')}`]) {
      expect(sweepForPans([PLANTED], { texts: [{ name: 'plant', text }] }), text.slice(0, 20)).not.toEqual([]);
    }
    expect(sweepForPans([PLANTED], { paths: [join(dataDir, 'bucket', 'uploads', `tab ${GROUPS.join('_')}.jpg`)] })).not.toEqual([]);
  });
});
