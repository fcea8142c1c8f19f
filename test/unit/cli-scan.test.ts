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
import { parseScanArgs, runScan } from '../../functions/cli/scan.js';
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
  it('parses flags and positionals, with concurrency 1 by default', () => {
    expect(parseScanArgs(['a.jpg', 'dir'])).toEqual({ inputs: ['a.jpg', 'dir'], json: false, reveal: false, concurrency: 1 });
    expect(parseScanArgs(['--json', '--reveal', '--concurrency', '3', 'x'])).toEqual({ inputs: ['x'], json: true, reveal: true, concurrency: 3 });
  });

  it('rejects unknown flags and bad concurrency as usage errors', () => {
    expect(() => parseScanArgs(['--bogus', 'x'])).toThrow(UsageError);
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
    expect(Object.keys(failed)).toEqual(['file', 'status', 'card', 'confidence', 'error', 'timingsMs']);
    expect(failed.error).toEqual({ code: 'invalid_image', message: 'truncated JPEG' });
    const noCard = new ReadResult({ status: 'no_card', error: { code: 'no_card', message: 'no card' }, timingsMs: { total: 9 } });
    expect('error' in toScanLine('n.jpg', noCard, false)).toBe(false);
  });

  it('table rows show masked fields, dashes for missing ones and the error code of failures', () => {
    const table = new Table(['photos/a.jpg', 'bad.jpg']);
    expect(table.header()).toMatch(/^FILE\s+STATUS\s+PAN\s+BRAND\s+EXPIRY\s+NAME\s+MS$/);
    const row = table.row(toScanLine('photos/a.jpg', okResult(), false));
    expect(row).toMatch(/^photos\/a\.jpg\s+ok\s+492912••••••1236\s+visa\s+04\/29\s+ANNA ADLER\s+76$/);
    expect(table.row(toScanLine('bad.jpg', failedResult(), false))).toMatch(/failed\s+-\s+-\s+-\s+-\s+2\s+invalid_image: truncated JPEG$/);
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
    expect(big?.error.code).toBe('too_large');
    expect(boom).toMatchObject({ status: 'failed', error: { code: 'internal', message: 'unexpected internal error' } });
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
    expect(() => parseServeArgs(['extra'])).toThrow(UsageError);
  });
});
