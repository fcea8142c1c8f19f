/**
 * The compute pool runs the real preprocessing and reader on worker threads: results come
 * back masked (no full PAN crosses the thread boundary), typed errors keep their codes, and a
 * thread that overruns its deadline is replaced with a typed error instead of hanging.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_IMAGE_LIMITS } from '../../functions/reader/decode.js';
import { CardOcrError, ImageInputError, OcrEngineError } from '../../functions/core/errors.js';
import { silentLog, type Log } from '../../functions/core/log.js';
import { maskPan } from '../../functions/core/mask.js';
import { ComputePool } from '../../functions/local/compute-pool.js';
import { fixtureBytes, plainCards } from './support/local-helpers.js';

describe('compute pool (worker threads)', () => {
  const pools: ComputePool[] = [];
  const card = plainCards()[0]!;
  afterAll(async () => {
    for (const p of pools) await p.close();
  });

  it('preprocesses and reads on a thread, returning only masked fields', { timeout: 120_000 }, async () => {
    const pool = new ComputePool({ threads: 1, limits: DEFAULT_IMAGE_LIMITS, log: silentLog });
    pools.push(pool);
    const { image, timingsMs } = await pool.preprocess(fixtureBytes(card.file));
    expect(Buffer.from(image.subarray(0, 4)).toString('latin1')).toBe('\x89PNG');
    expect(timingsMs['preprocess']).toBeGreaterThan(0);
    const view = await pool.reader.readNormalised(image);
    expect(view.status).toBe('ok');
    expect(view.card.pan).toBe(maskPan(card.pan!));
    expect(JSON.stringify(view)).not.toContain(card.pan!);
    await expect(pool.preprocess(new TextEncoder().encode('not an image at all'))).rejects.toSatisfy(
      (e) => e instanceof ImageInputError && ['invalid_image', 'unsupported_format'].includes(e.code),
    );
  });

  it('a serve pool (no fullResults) refuses whole photos: no full PAN leaves its threads', { timeout: 120_000 }, async () => {
    const pool = new ComputePool({ threads: 1, limits: DEFAULT_IMAGE_LIMITS, log: silentLog });
    pools.push(pool);
    const err = await pool.photoReader().readPhoto(fixtureBytes(card.file)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CardOcrError);
    expect((err as CardOcrError).code).toBe('internal');
  });

  it('a pool with fullResults reads whole photos and returns the whole result', { timeout: 120_000 }, async () => {
    const pool = new ComputePool({ threads: 1, limits: DEFAULT_IMAGE_LIMITS, log: silentLog, fullResults: true });
    pools.push(pool);
    const result = await pool.photoReader().readPhoto(fixtureBytes(card.file));
    expect(result.status).toBe('ok');
    expect(result.card.pan).toBe(maskPan(card.pan!));
    expect(result.revealPan()).toBe(card.pan);
  });

  it('a thread dying of an error that quotes a card number: neither the photo error nor the pool log holds it', { timeout: 60_000 }, async () => {
    const logged: string[] = [];
    const capture = (level: string) => (msg: string, ...extra: Array<Record<string, unknown> | Error>) =>
      void logged.push(`${level} ${msg} ${extra.map((x) => (x instanceof Error ? x.message : JSON.stringify(x))).join(' ')}`);
    const log: Log = { ...silentLog, debug: capture('debug'), info: capture('info'), warn: capture('warn'), error: capture('error') };
    const pool = new ComputePool({
      threads: 1,
      limits: DEFAULT_IMAGE_LIMITS,
      log,
      fullResults: true,
      // Dies of an uncaught error quoting 4929 1234 5678 1236 on bytes starting with THROW.
      entry: new URL('../support/crashing-compute-thread.ts', import.meta.url),
    });
    pools.push(pool);
    // The real thread entry answers first (not an image: a failed result), then the thread dies.
    const outcome = await pool.photoReader().readPhoto(new TextEncoder().encode('THROW this thread')).catch((e: unknown) => e);
    for (let i = 0; i < 50 && !logged.some((l) => l.includes('compute thread replaced')); i++) await new Promise((r) => setTimeout(r, 100));
    expect(logged.some((l) => l.includes('compute thread replaced') && l.includes('unexpected line text'))).toBe(true);
    for (const text of [outcome instanceof Error ? outcome.message : JSON.stringify(outcome), ...logged]) {
      expect(text.replace(/\D/g, '')).not.toContain('4929123456781236');
    }
  });

  it('a whole photo that overruns its deadline is a failed/timeout result, not a rejection, and the thread is replaced (review 9 N2)', { timeout: 120_000 }, async () => {
    // 1 ms: no photo can finish.
    const pool = new ComputePool({ threads: 1, limits: DEFAULT_IMAGE_LIMITS, log: silentLog, fullResults: true, deadlineMs: 1 });
    pools.push(pool);
    const reader = pool.photoReader();
    const late = await reader.readPhoto(fixtureBytes(card.file));
    expect(late.status).toBe('failed');
    expect(late.error?.code).toBe('timeout');
    expect(late.error?.message).toMatch(/reading the photo took too long/);
    expect(late.revealPan()).toBeNull();
    // The replacement thread answers too (the same way: the deadline still holds).
    expect((await reader.readPhoto(fixtureBytes(card.file))).error?.code).toBe('timeout');
  });

  it('replaces a thread that overruns its deadline, with a typed error', { timeout: 120_000 }, async () => {
    const pool = new ComputePool({ threads: 1, limits: DEFAULT_IMAGE_LIMITS, log: silentLog, deadlineMs: 1 });
    pools.push(pool);
    const err = await pool.preprocess(fixtureBytes(card.file)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageInputError);
    expect((err as CardOcrError).code).toBe('timeout');
    const readErr = await pool.reader.readNormalised(new Uint8Array([1, 2, 3])).catch((e: unknown) => e);
    expect(readErr).toBeInstanceOf(OcrEngineError);
    expect((readErr as CardOcrError).retryable).toBe(true);
  });
});
