/**
 * `cardocr scan --concurrency N > 1` reads on N reader threads (the compute pool with whole
 * results): with the real reader on committed fixture photos it prints the same records as one
 * reader on this thread, in input order, `--reveal` included; a reader thread that crashes fails
 * its photo with a typed error and the scan reads on (on a replacement thread).
 */
import { copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScan } from '../../functions/cli/scan.js';
import { silentLog } from '../../functions/core/log.js';
import { DEFAULT_IMAGE_LIMITS } from '../../functions/reader/decode.js';
import { ComputePool } from '../../functions/local/compute-pool.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
// A flat card, a card held in a hand (real-world profile) and a photo without a card.
const PHOTOS = [join(FIXTURES, 'cards', 'card-000.jpg'), join(FIXTURES, 'real-world', 'real-world-2026-000.jpg'), join(FIXTURES, 'cards', 'card-021.jpg')];

function sink(): { write(s: string): boolean; text: string } {
  return {
    text: '',
    write(s: string) {
      this.text += s;
      return true;
    },
  };
}

/** The NDJSON lines without their timings (the only part that may differ between runs). */
function records(text: string): Array<Record<string, unknown>> {
  return text
    .trim()
    .split('\n')
    .map((l) => {
      const { timingsMs: _t, ...rest } = JSON.parse(l) as Record<string, unknown>;
      return rest;
    });
}

describe('cardocr scan on reader threads', () => {
  it('--concurrency 2 prints the same records as --concurrency 1, in input order', { timeout: 240_000 }, async () => {
    const env = { CARDOCR_DECODE_TIMEOUT_MS: '120000' };
    const one = sink();
    const two = sink();
    expect(await runScan(['--json', '--reveal', '--concurrency', '1', ...PHOTOS], { stdout: one, stderr: sink() }, { env })).toBe(0);
    expect(await runScan(['--json', '--reveal', '--concurrency', '2', ...PHOTOS], { stdout: two, stderr: sink() }, { env })).toBe(0);
    const a = records(one.text);
    expect(a.map((r) => r['file'])).toEqual(PHOTOS);
    expect(a.map((r) => r['status'])).toEqual(['ok', 'ok', 'no_card']);
    expect(records(two.text)).toEqual(a);
  });

  it('a reader thread that crashes fails its photo with a typed error; the others are read', { timeout: 240_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cardocr-threads-'));
    const files = ['a.jpg', 'b.jpg', 'c.jpg'].map((n) => join(dir, n));
    await copyFile(PHOTOS[0]!, files[0]!);
    // The stand-in thread exits on a photo starting with these bytes (test/support/crashing-compute-thread.ts).
    await writeFile(files[1]!, 'CRASH this thread');
    await copyFile(PHOTOS[0]!, files[2]!);
    const stdout = sink();
    let threads = 0;
    const code = await runScan(['--json', '--concurrency', '2', dir], { stdout, stderr: sink() }, {
      createReader: async (o) => {
        threads = o.workers ?? 0;
        return new ComputePool({
          threads: threads,
          limits: o.limits ?? DEFAULT_IMAGE_LIMITS,
          ocrThreads: 1,
          log: silentLog,
          fullResults: true,
          entry: new URL('../support/crashing-compute-thread.ts', import.meta.url),
        }).photoReader();
      },
    });
    expect(threads).toBe(2);
    // The reader broke on a photo: exit 1, like any reader failure.
    expect(code).toBe(1);
    const lines = records(stdout.text);
    expect(lines.map((l) => l['file'])).toEqual(files);
    expect(lines.map((l) => l['status'])).toEqual(['ok', 'failed', 'ok']);
    expect(lines[1]?.['error']).toEqual({ code: 'ocr_failed', message: 'compute thread exited with code 70' });
  });
});
