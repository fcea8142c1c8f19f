/**
 * `cardocr scan` without OCR: argument parsing, input expansion, the JSON line and table
 * formats, the progress bar, ordering under concurrency and exit codes, with a stand-in
 * reader (the real reader runs in test/e2e/cli.test.ts).
 */
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReadResult } from '../../functions/core/card.js';
import type { CardReader } from '../../functions/reader/reader.js';
import { Table, toScanLine } from '../../functions/cli/format.js';
import { expandInputs } from '../../functions/cli/inputs.js';
import { createProgress } from '../../functions/cli/progress.js';
import { defaultScanConcurrency, parseScanArgs, runScan } from '../../functions/cli/scan.js';
import { maxReaderThreads as maxScanConcurrency } from '../../functions/core/reader-memory.js';
import { UsageError } from '../../functions/cli/usage.js';

const PAN = '4929123456781236'; // made up, Luhn-valid

const okResult = (): ReadResult =>
  new ReadResult({
    status: 'ok',
    pan: PAN,
    brand: 'visa',
    expiry: '04/29',
    name: 'ANNA ADLER',
    confidence: { pan: 0.9, expiry: 0.8, name: 0.7, brand: 0.9 },
    timingsMs: { decode: 5, preprocess: 20, ocr: 50, extract: 1, total: 76 },
  });

const failedResult = (): ReadResult =>
  new ReadResult({ status: 'failed', error: { code: 'invalid_image', message: 'truncated JPEG' }, timingsMs: { total: 2 } });

function sink(isTTY = false): { write(s: string): boolean; text: string; isTTY: boolean } {
  return {
    isTTY,
    text: '',
    write(s: string) {
      this.text += s;
      return true;
    },
  };
}

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'cardocr-cli-'));
}

describe('scan arguments', () => {
  it('parses flags and positionals, with the host\'s cores (at most 8) as the default concurrency', () => {
    expect(parseScanArgs(['a.jpg', 'dir'])).toEqual({ inputs: ['a.jpg', 'dir'], json: false, reveal: false, concurrency: defaultScanConcurrency(), failOn: [] });
    const plenty = 64 * 2 ** 30;
    expect([1, 2, 8, 64].map((cores) => defaultScanConcurrency(cores, plenty))).toEqual([1, 2, 8, 8]);
    // Half the memory the process may use, 600 MiB a reader thread: a 4 GiB container on 16 cores gets 3, 2 GiB 1, 512 MiB 1.
    expect([4, 2, 0.5].map((gib) => defaultScanConcurrency(16, gib * 2 ** 30))).toEqual([3, 1, 1]);
    expect(parseScanArgs(['--json', '--reveal', '--concurrency', '3', 'x'])).toEqual({ inputs: ['x'], json: true, reveal: true, concurrency: 3, failOn: [] });
  });

  it('--strict fails on every status but ok; --fail-on takes a comma-separated subset', () => {
    expect(parseScanArgs(['--strict', 'x']).failOn).toEqual(['failed', 'no_card', 'partial']);
    expect(parseScanArgs(['--fail-on', 'no_card,failed', 'x']).failOn).toEqual(['failed', 'no_card']);
    expect(parseScanArgs(['--fail-on', 'partial', 'x']).failOn).toEqual(['partial']);
    for (const bad of ['ok', 'nope', '', 'failed,oops']) expect(() => parseScanArgs(['--fail-on', bad, 'x'])).toThrow(/--fail-on takes failed, no_card, partial/);
    expect(() => parseScanArgs(['--strict', '--fail-on', 'failed', 'x'])).toThrow(/--strict or --fail-on/);
  });

  it('refuses an explicit --concurrency the memory cannot hold, naming the most it can (review 9 S4)', () => {
    const gib = 2 ** 30;
    expect([24, 4, 2, 0.5, 1000].map((g) => maxScanConcurrency(g * gib))).toEqual([40, 6, 3, 1, 64]);
    expect(parseScanArgs(['--concurrency', '3', 'x'], 2 * gib).concurrency).toBe(3);
    expect(() => parseScanArgs(['--concurrency', '4', 'x'], 2 * gib)).toThrow(UsageError);
    expect(() => parseScanArgs(['--concurrency', '4', 'x'], 2 * gib)).toThrow(/^--concurrency 4 needs about 2\.3 GiB \(600 MiB a reader thread\), and this process may use 2\.0 GiB: use --concurrency 3 or less/);
    // The default follows the same memory: half of it.
    expect(parseScanArgs(['x'], 2 * gib).concurrency).toBe(1);
  });

  it('rejects unknown flags and bad concurrency as usage errors, in plain words', () => {
    expect(() => parseScanArgs(['--bogus', 'x'])).toThrow(UsageError);
    expect(() => parseScanArgs(['--bogus', 'x'])).toThrow(/^unknown option "--bogus" \(a file name starting with "-" goes after "--"/);
    expect(() => parseScanArgs(['x', '--concurrency'])).toThrow(/^option "--concurrency" needs a value$/);
    expect(() => parseScanArgs(['--json=yes', 'x'])).toThrow(/^option "--json" takes no value$/);
    // A file whose name starts with "-" is fine after "--".
    expect(parseScanArgs(['--', '--odd.jpg']).inputs).toEqual(['--odd.jpg']);
    for (const bad of ['0', '-1', 'two', '1.5', '65']) {
      expect(() => parseScanArgs(['--concurrency', bad, 'x'])).toThrow(/--concurrency/);
    }
  });
});

describe('input expansion', () => {
  it('expands directories to their image files, sorted, and keeps explicit files whatever their name', async () => {
    const dir = await tempDir();
    for (const name of ['b.png', 'a.JPG', 'c.webp', 'notes.txt', 'd.jpeg']) await writeFile(join(dir, name), 'x');
    await mkdir(join(dir, 'sub.jpg'));
    await writeFile(join(dir, 'weird.gif'), 'x');
    const inputs = await expandInputs([dir, join(dir, 'weird.gif')]);
    expect(inputs.map((i) => i.file)).toEqual([
      join(dir, 'a.JPG'),
      join(dir, 'b.png'),
      join(dir, 'c.webp'),
      join(dir, 'd.jpeg'),
      join(dir, 'weird.gif'),
    ]);
    expect(inputs[0]?.size).toBe(1);
  });

  it('reports missing paths, no inputs and image-less directories as usage errors', async () => {
    const dir = await tempDir();
    await expect(expandInputs([])).rejects.toThrow(/no photos given/);
    await expect(expandInputs([join(dir, 'missing.jpg')])).rejects.toThrow(/no such file/);
    await expect(expandInputs([dir])).rejects.toThrow(/no image files/);
  });
});

describe('output formats', () => {
  it('JSON line: exactly the documented keys in order, masked PAN, stages after total', () => {
    const line = toScanLine('photos/a.jpg', okResult(), false);
    expect(Object.keys(line)).toEqual(['file', 'status', 'card', 'confidence', 'timingsMs']);
    expect(Object.keys(line.card)).toEqual(['pan', 'brand', 'expiry', 'name']);
    expect(line.card).toEqual({ pan: '492912••••••1236', brand: 'visa', expiry: '04/29', name: 'ANNA ADLER' });
    expect(Object.keys(line.timingsMs)).toEqual(['total', 'decode', 'preprocess', 'ocr', 'extract']);
    expect(JSON.stringify(line)).not.toContain(PAN);
  });

  it('JSON line: full PAN only with reveal; error only when failed', () => {
    expect(toScanLine('a.jpg', okResult(), true).card.pan).toBe(PAN);
    const failed = toScanLine('bad.jpg', failedResult(), false);
    expect(Object.keys(failed)).toEqual(['file', 'status', 'card', 'confidence', 'missing', 'reason', 'error', 'timingsMs']);
    expect(failed.error).toEqual({ code: 'invalid_image', message: 'truncated JPEG' });
    expect(failed.missing).toEqual({ pan: 'invalid_image' });
    expect(failed.reason).toBe('not a readable image — the file is damaged or truncated');
    const noCard = new ReadResult({ status: 'no_card', error: { code: 'no_card', message: 'no card' }, timingsMs: { total: 9 } });
    expect('error' in toScanLine('n.jpg', noCard, false)).toBe(false);
  });

  it('JSON line: missing fields with their codes, and a reason for every photo without a verified PAN', () => {
    const partial = new ReadResult({
      status: 'partial',
      expiry: '04/29',
      missing: { pan: 'single_reading', brand: 'no_pan', name: 'not_found' },
      timingsMs: { total: 30 },
    });
    const line = toScanLine('p.jpg', partial, false);
    expect(Object.keys(line)).toEqual(['file', 'status', 'card', 'confidence', 'missing', 'reason', 'timingsMs']);
    expect(line.missing).toEqual({ pan: 'single_reading', brand: 'no_pan', name: 'not_found' });
    expect(line.reason).toBe('card number read only once, not confirmed — retake it sharper, in even light, without glare');
    const noCard = new ReadResult({ status: 'no_card', error: { code: 'no_card', message: 'x' }, missing: { pan: 'not_found' }, timingsMs: { total: 9 } });
    expect(toScanLine('n.jpg', noCard, false).reason).toMatch(/^no card found — fit the whole card in the frame/);
    // An ok photo with a missing name: `missing` says so, no `reason` (the number was read).
    const okNoName = new ReadResult({ status: 'ok', pan: PAN, brand: 'visa', missing: { name: 'non_latin' }, timingsMs: { total: 5 } });
    const ok = toScanLine('o.jpg', okNoName, false);
    expect(ok.missing).toEqual({ name: 'non_latin' });
    expect('reason' in ok).toBe(false);
    expect('missing' in toScanLine('a.jpg', okResult(), false)).toBe(false);
  });

  it('table rows show base names, masked fields, and the reason of photos without a number', () => {
    const table = new Table(['photos/a.jpg', 'bad.jpg', 'p.jpg'], 120);
    expect(table.header()).toMatch(/^FILE\s+STATUS\s+PAN\s+EXPIRY\s+NAME\s+BRAND\s+MS$/);
    const row = table.row(toScanLine('photos/a.jpg', okResult(), false));
    expect(row).toMatch(/^a\.jpg\s+ok\s+492912••••••1236\s+04\/29\s+ANNA ADLER\s+visa\s+76$/);
    expect(table.row(toScanLine('bad.jpg', failedResult(), false))).toMatch(/^bad\.jpg\s+failed\s+not a readable image — the file is damaged or truncated$/);
    const partial = new ReadResult({ status: 'partial', expiry: '04/29', missing: { pan: 'conflicting_readings' }, timingsMs: { total: 30 } });
    expect(table.row(toScanLine('p.jpg', partial, false))).toMatch(/^p\.jpg\s+partial\s+readings disagree\s+04\/29\s+-\s+-\s+30$/);
  });
});

describe('progress bar', () => {
  it('draws on a TTY and stays silent otherwise', () => {
    const pipe = sink(false);
    const p1 = createProgress(pipe, 3);
    p1.tick(3);
    p1.done();
    expect(pipe.text).toBe('');
    const tty = sink(true);
    const p2 = createProgress(tty, 2);
    p2.tick(2);
    p2.done();
    expect(tty.text).toContain('2/2');
    expect(tty.text).toContain('100%');
    expect(tty.text.endsWith('\r\x1b[K')).toBe(true);
  });
});

describe('runScan with a stand-in reader', () => {
  it('prints results in input order even when they finish out of order, and exits 0', async () => {
    const dir = await tempDir();
    const files = ['1.jpg', '2.jpg', '3.jpg', '4.jpg'].map((n) => join(dir, n));
    for (const [i, f] of files.entries()) await writeFile(f, Buffer.from([i]));
    let workers = 0;
    const reader: CardReader = {
      // Later files finish first.
      readPhoto: async (bytes) => {
        await new Promise((r) => setTimeout(r, 40 - (bytes[0] ?? 0) * 10));
        return bytes[0] === 2 ? failedResult() : okResult();
      },
      readNormalised: async () => okResult(),
      close: async () => {},
    };
    const stdout = sink();
    const code = await runScan(['--json', '--concurrency', '4', dir], { stdout, stderr: sink() }, {
      createReader: async (o) => {
        workers = o.workers ?? 0;
        return reader;
      },
    });
    expect(code).toBe(0);
    expect(workers).toBe(4);
    const lines = stdout.text.trim().split('\n').map((l) => JSON.parse(l) as { file: string; status: string });
    expect(lines.map((l) => l.file)).toEqual(files);
    expect(lines.map((l) => l.status)).toEqual(['ok', 'ok', 'failed', 'ok']);
  });

  it('never asks for more readers than there are photos (each reader thread costs its start-up and memory)', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'only.jpg'), Buffer.from([0]));
    let workers = 0;
    const reader: CardReader = { readPhoto: async () => okResult(), readNormalised: async () => okResult(), close: async () => {} };
    const code = await runScan(['--json', '--concurrency', '4', dir], { stdout: sink(), stderr: sink() }, {
      createReader: async (o) => {
        workers = o.workers ?? 0;
        return reader;
      },
    });
    expect(code).toBe(0);
    expect(workers).toBe(1);
  });

  it('refuses files over the byte limit without reading them, and exits 1 when the reader itself breaks', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'big.jpg'), Buffer.alloc(2048));
    await writeFile(join(dir, 'boom.jpg'), Buffer.from([1]));
    const seen: number[] = [];
    const reader: CardReader = {
      readPhoto: async (bytes) => {
        seen.push(bytes.length);
        throw new Error('worker died');
      },
      readNormalised: async () => okResult(),
      close: async () => {},
    };
    const stdout = sink();
    const code = await runScan(['--json', dir], { stdout, stderr: sink() }, {
      createReader: async () => reader,
      env: { CARDOCR_MAX_INPUT_BYTES: '1024' },
    });
    expect(code).toBe(1);
    expect(seen).toEqual([1]);
    const [big, boom] = stdout.text.trim().split('\n').map((l) => JSON.parse(l) as { status: string; error: { code: string; message: string } });
    expect(big?.error).toEqual({ code: 'too_large', message: 'expected at most 0.0 MiB (1024 bytes), got 0.0 MiB (2048 bytes)' });
    expect(boom).toMatchObject({ status: 'failed', error: { code: 'internal', message: 'unexpected internal error' } });
  });
});

describe('runScan exit codes for batch scripts', () => {
  const scripted = (statuses: string[]): CardReader => ({
    readPhoto: async (bytes) => {
      const status = statuses[bytes[0] ?? 0];
      if (status === 'failed') return failedResult();
      if (status === 'no_card') return new ReadResult({ status: 'no_card', error: { code: 'no_card', message: 'x' }, missing: { pan: 'not_found' }, timingsMs: { total: 3 } });
      if (status === 'partial') return new ReadResult({ status: 'partial', name: 'ANNA ADLER', missing: { pan: 'luhn_failed' }, timingsMs: { total: 3 } });
      return okResult();
    },
    readNormalised: async () => okResult(),
    close: async () => {},
  });

  async function scanWith(statuses: string[], flags: string[]): Promise<{ code: number; text: string }> {
    const dir = await tempDir();
    for (const i of statuses.keys()) await writeFile(join(dir, `${i}.jpg`), Buffer.from([i]));
    const stdout = sink();
    const code = await runScan([...flags, dir], { stdout, stderr: sink() }, { createReader: async () => scripted(statuses) });
    return { code, text: stdout.text };
  }

  it('exits 0 by default whatever the photos held, 1 with --strict when any is not ok', async () => {
    expect((await scanWith(['ok', 'no_card', 'failed'], [])).code).toBe(0);
    expect((await scanWith(['ok', 'ok'], ['--strict'])).code).toBe(0);
    for (const bad of ['partial', 'no_card', 'failed']) expect((await scanWith(['ok', bad], ['--strict'])).code, bad).toBe(1);
  });

  it('--fail-on exits 1 only for the statuses it names', async () => {
    expect((await scanWith(['ok', 'partial', 'no_card'], ['--fail-on', 'failed'])).code).toBe(0);
    expect((await scanWith(['ok', 'partial', 'failed'], ['--fail-on', 'failed'])).code).toBe(1);
    expect((await scanWith(['no_card'], ['--fail-on', 'partial,no_card'])).code).toBe(1);
    expect((await scanWith(['partial'], ['--json', '--fail-on', 'no_card'])).code).toBe(0);
  });

  it('prints every non-ok photo with its reason, in the table and in --json', async () => {
    const { text } = await scanWith(['ok', 'partial', 'no_card', 'failed'], []);
    const rows = text.trim().split('\n');
    expect(rows[2]).toMatch(/^1\.jpg\s+partial\s+check digit failed\s+-\s+ANNA ADLER/);
    expect(rows[3]).toMatch(/^2\.jpg\s+no_card\s+no card found — fit the whole card in the frame/);
    expect(rows[4]).toMatch(/^3\.jpg\s+failed\s+not a readable image/);
    expect(rows[5]).toMatch(/^4 photos: 1 ok, 1 partial, 1 no_card, 1 failed in/);
    const json = (await scanWith(['ok', 'partial', 'no_card', 'failed'], ['--json'])).text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { status: string; reason?: string; missing?: Record<string, string> });
    expect(json.map((l) => l.missing?.pan ?? null)).toEqual([null, 'luhn_failed', 'not_found', 'invalid_image']);
    expect(json.map((l) => (l.reason ? l.reason.split(' — ')[0] : null))).toEqual([
      null,
      'card number fails its check digit',
      'no card found',
      'not a readable image',
    ]);
  });
});

describe('serve arguments', async () => {
  const { parseServeArgs } = await import('../../functions/cli/serve.js');
  it('passes only the flags given, and rejects bad ones', () => {
    expect(parseServeArgs([])).toEqual({});
    expect(parseServeArgs(['--port', '0', '--data-dir', '/tmp/d', '--concurrency', '2', '--host', '0.0.0.0'])).toEqual({
      port: 0,
      dataDir: '/tmp/d',
      concurrency: 2,
      host: '0.0.0.0',
    });
    expect(() => parseServeArgs(['--port', '70000'])).toThrow(/--port/);
    expect(() => parseServeArgs(['--concurrency', 'x'])).toThrow(/--concurrency/);
    // One reader thread per photo at once here too (review 9 S4).
    expect(parseServeArgs(['--concurrency', '3'], 2 * 2 ** 30).concurrency).toBe(3);
    expect(() => parseServeArgs(['--concurrency', '4'], 2 * 2 ** 30)).toThrow(/^--concurrency 4 needs about 2\.3 GiB .* use --concurrency 3 or less/);
    expect(() => parseServeArgs(['extra'])).toThrow(UsageError);
  });
});
