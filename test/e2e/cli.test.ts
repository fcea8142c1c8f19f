/**
 * The `cardocr` command as a user runs it: a real process (the TypeScript entry through tsx,
 * so the test needs no build), the real reader, committed fixtures and one hostile file.
 * Checks the documented NDJSON shape, masking, --reveal, the table, help, version, the
 * strict exit code, a busy port, and exit codes.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const CARDS = join('test', 'fixtures', 'cards');
const run = promisify(execFile);

interface Truth {
  file: string;
  kind: string;
  pan?: string;
}

/** Runs `cardocr ...` and returns its exit code and output (never throws on a non-zero exit). */
async function cardocr(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'bin/cardocr.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, CARDOCR_LOG_LEVEL: 'silent', ...env },
      timeout: 120_000,
      maxBuffer: 4 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

let truth: Truth[];
let hostile: string;

beforeAll(async () => {
  truth = JSON.parse(await readFile(join(ROOT, CARDS, 'truth.json'), 'utf8')) as Truth[];
  hostile = join(await mkdtemp(join(tmpdir(), 'cardocr-e2e-')), 'invoice.jpg');
  await writeFile(hostile, '<!doctype html><html><body>not a photo</body></html>');
});

const truthOf = (file: string): Truth => {
  const t = truth.find((x) => file.endsWith(x.file));
  if (!t) throw new Error(`no truth for ${file}`);
  return t;
};

describe('cardocr scan (real process, real reader)', () => {
  it('--json prints one object per photo in the documented shape, PANs masked, and exits 0', async () => {
    // A plain Visa, an Amex, a card photographed upside down, a photo without a card, a hostile file.
    const files = ['card-000.jpg', 'card-004.jpg', 'card-011.jpg', 'card-021.jpg'].map((f) => join(CARDS, f));
    const { code, stdout, stderr } = await cardocr(['scan', '--json', ...files, hostile]);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    expect(lines.map((l) => l.file)).toEqual([...files, hostile]);
    for (const line of lines) {
      const failed = line.status === 'failed';
      const ok = line.status === 'ok';
      const keys = Object.keys(line).filter((k) => k !== 'missing' || !ok);
      expect(keys).toEqual(['file', 'status', 'card', 'confidence', ...(ok ? [] : ['missing', 'reason']), ...(failed ? ['error'] : []), 'timingsMs']);
      if (!ok) expect(line.reason).toEqual(expect.any(String));
      expect(Object.keys(line.card)).toEqual(['pan', 'brand', 'expiry', 'name']);
      expect(Object.keys(line.timingsMs)[0]).toBe('total');
      expect(typeof line.timingsMs.total).toBe('number');
      if (line.card.pan !== null) expect(line.card.pan).toMatch(/^\d{0,6}•+\d{4}$/);
    }
    // Cards are read (the reader's accuracy is measured elsewhere; here: the CLI carries it through).
    const [visa, amex] = lines;
    expect(visa?.status).toBe('ok');
    expect(visa?.card.pan.slice(-4)).toBe(truthOf(files[0] ?? '').pan?.slice(-4));
    expect(amex?.card.brand).toBe('amex');
    expect(lines[3]?.status).toBe('no_card');
    expect(lines[3]?.card.pan).toBeNull();
    expect(lines[3]?.reason).toMatch(/^no card found — fit the whole card in the frame/);
    expect(lines[3]?.missing.pan).toEqual(expect.any(String));
    expect(lines[4]).toMatchObject({ status: 'failed', error: { code: 'unsupported_format' } });
    expect(lines[4]?.error.message).toEqual(expect.any(String));
    // No full card number anywhere in the output.
    for (const t of truth) if (t.pan) expect(stdout + stderr).not.toContain(t.pan);
  });

  it('--reveal prints the full number; the default table masks it', async () => {
    const file = join(CARDS, 'card-000.jpg');
    const pan = truthOf(file).pan ?? '';
    const revealed = await cardocr(['scan', '--json', '--reveal', file]);
    expect(revealed.code).toBe(0);
    expect((JSON.parse(revealed.stdout) as { card: { pan: string } }).card.pan).toBe(pan);
    const table = await cardocr(['scan', file, hostile]);
    expect(table.code).toBe(0);
    const [header, row, bad, summary] = table.stdout.trim().split('\n');
    // Not a terminal: 80 columns, base names.
    expect(header).toMatch(/^FILE\s+STATUS\s+PAN\s+EXPIRY\s+NAME$/);
    expect(row).toMatch(/^card-000\.jpg\s+ok\s/);
    expect(row).toContain(`${pan.slice(0, 6)}••••••${pan.slice(-4)}`);
    expect(table.stdout).not.toContain(pan);
    expect(bad).toMatch(/^invoice\.jpg\s+failed\s+not a JPEG, PNG or WebP photo$/);
    for (const line of table.stdout.split('\n')) expect([...line].length).toBeLessThanOrEqual(80);
    expect(summary).toMatch(/^2 photos: 1 ok, 0 partial, 0 no_card, 1 failed in [\d.]+ s$/);
    // stderr is not a terminal here: no progress bar.
    expect(table.stderr).toBe('');
  });

  it('exits 2 with a clear message on usage errors, before reading anything', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['scan', '--bogus', join(CARDS, 'card-000.jpg')], /^cardocr: unknown option "--bogus" .*\nRun "cardocr scan --help" for usage\.\n$/],
      [['scan', CARDS, '--concurrency'], /^cardocr: option "--concurrency" needs a value\n/],
      [['scan', '--fail-on', 'ok', CARDS], /--fail-on takes failed, no_card, partial/],
      [['serve', '--port', 'x'], /^cardocr: --port must be a whole number from 0 to 65535, got "x"\nRun "cardocr serve --help"/],
      [['scan'], /no photos given/],
      [['scan', join(CARDS, 'missing.jpg')], /cannot read ".*missing\.jpg": no such file or directory/],
      [['scan', '--concurrency', '0', CARDS], /--concurrency must be a whole number/],
      [['frobnicate'], /unknown command "frobnicate"/],
    ];
    const [help, ...results] = await Promise.all([cardocr(['help']), ...cases.map(([args]) => cardocr(args))]);
    for (const [i, [args, message]] of cases.entries()) {
      const { code, stdout, stderr } = results[i] ?? { code: -1, stdout: '', stderr: '' };
      expect(code, args.join(' ')).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(message);
    }
    expect(help?.code).toBe(0);
    expect(help?.stdout).toMatch(/^usage: cardocr <command> \[options\]/);
  });
});

describe('cardocr scan in an 80-column terminal (real pty via util-linux script)', () => {
  it('fits every line in 80 columns, names every photo apart and gives every non-ok photo its reason', async () => {
    // Photos under long, phone-style names in a long folder, differing only near the end.
    const dir = join(await mkdtemp(join(tmpdir(), 'cardocr-pty-')), 'Pictures from the phone, November 2026');
    await run('mkdir', ['-p', dir]);
    const sources = ['card-000.jpg', 'card-004.jpg', 'card-011.jpg', 'card-021.jpg'].map((f) => join(ROOT, CARDS, f));
    const names: string[] = [];
    for (const [i, src] of [...sources, hostile].entries()) {
      const name = `IMG_20261130_142233_holiday-card-photo-front-${i}.jpg`;
      await symlink(src, join(dir, name));
      names.push(name);
    }
    const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
    const command = `stty cols 80 rows 40; exec ${quote(process.execPath)} --import tsx bin/cardocr.ts scan ${quote(dir)}`;
    const { stdout } = await run('script', ['-qec', command, '/dev/null'], {
      cwd: ROOT,
      env: { ...process.env, CARDOCR_LOG_LEVEL: 'silent' },
      timeout: 120_000,
    });
    // What the terminal shows: the progress bar is redrawn with \r and wiped with ESC[K.
    const screen = stdout
      .split(/\r?\n/)
      .map((line) => (line.split('\r').pop() ?? '').replace(/\x1b\[[0-9;?]*[A-Za-z]/g, ''))
      .filter((line) => line.trim() !== '');
    const [header, ...rest] = screen;
    expect(header).toMatch(/^FILE\s+STATUS\s+PAN\s+EXPIRY\s+NAME$/);
    const rows = rest.slice(0, names.length);
    expect(rest[names.length]).toMatch(/^5 photos: /);
    for (const line of screen) expect([...line].length, line).toBeLessThanOrEqual(80);
    const cells = rows.map((r) => r.split(/ {2,}/)[0] ?? '');
    expect(new Set(cells).size).toBe(names.length);
    for (const [i, cell] of cells.entries()) expect(cell.endsWith(`-${i}.jpg`), cell).toBe(true);
    for (const row of rows) {
      const status = row.split(/ {2,}/)[1];
      if (status === 'ok') expect(row).toMatch(/\d{6}•+\d{4}/);
      else expect(row, row).toMatch(/(no card found|not a JPEG|number read once|readings disagree|check digit|no number found|number unclear|number cut off|unknown issuer)/);
    }
    expect(rows[3]).toMatch(/no_card\s+no card found — fit the whole card in the frame/);
    expect(rows[4]).toMatch(/failed\s+not a JPEG, PNG or WebP photo/);
  });
});

describe('cardocr help and version (real process)', () => {
  it('--help / -h on every command prints its usage and exits 0; bare cardocr prints the usage and exits 2', async () => {
    const version = (JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    const cases: Array<[string[], RegExp]> = [
      [['--help'], /^usage: cardocr <command>/],
      [['-h'], /^usage: cardocr <command>/],
      [['help', 'serve'], /^usage: cardocr serve \[options\]/],
      [['scan', '--help'], /^usage: cardocr scan \[options\] <file\|dir>\.\.\./],
      [['scan', '-h'], /^usage: cardocr scan /],
      // Help wins over an unknown flag or missing inputs: the user asked how to call it.
      [['scan', '--bogus', '-h'], /^usage: cardocr scan /],
      [['serve', '--help'], /^usage: cardocr serve \[options\]/],
      [['serve', '-h'], /^usage: cardocr serve /],
      [['--version'], new RegExp(`^cardocr ${version.replace(/\./g, '\\.')}\n$`)],
      [['-V'], new RegExp(`^cardocr ${version.replace(/\./g, '\\.')}\n$`)],
    ];
    const [bare, ...results] = await Promise.all([cardocr([]), ...cases.map(([args]) => cardocr(args))]);
    for (const [i, [args, expected]] of cases.entries()) {
      const r = results[i] ?? { code: -1, stdout: '', stderr: '' };
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout, args.join(' ')).toMatch(expected);
      expect(r.stderr, args.join(' ')).toBe('');
    }
    expect(bare?.code).toBe(2);
    expect(bare?.stdout).toBe('');
    expect(bare?.stderr).toMatch(/^usage: cardocr <command> \[options\]\n\ncommands:\n {2}scan /);
  });

  it('--strict exits 1 when a photo is not ok; --fail-on only for the statuses named', async () => {
    const noCard = join(CARDS, 'card-021.jpg');
    // (Without either flag the same photo exits 0: the first test above.)
    // Three readers at once on a loaded 2-core host can spend the photo's default time budget in
    // preprocessing, which makes it `failed` (timeout): the budget is raised so the status is the photo's.
    const env = { CARDOCR_DECODE_TIMEOUT_MS: '120000' };
    const [strict, failOnFailed, failOnNoCard] = await Promise.all([
      cardocr(['scan', '--strict', noCard], env),
      cardocr(['scan', '--json', '--fail-on', 'failed', noCard], env),
      cardocr(['scan', '--json', '--fail-on', 'no_card', noCard], env),
    ]);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toMatch(/card-021\.jpg\s+no_card\s+no card found/);
    expect(failOnFailed.code).toBe(0);
    expect(failOnNoCard.code).toBe(1);
  });

  it('serve on a busy port names the port, suggests --port and exits 2 without a stack', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const dataDir = await mkdtemp(join(tmpdir(), 'cardocr-serve-'));
      const r = await cardocr(['serve', '--port', String(port), '--host', '127.0.0.1', '--data-dir', dataDir]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        `cardocr: port ${port} on 127.0.0.1 is already in use (another cardocr serve, or another server?): stop that program, or pick another port with --port, e.g. cardocr serve --port ${port + 1} (--port 0 picks a free one)\n`,
      );
      expect(r.stderr).not.toMatch(/\s+at /);
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });
});
