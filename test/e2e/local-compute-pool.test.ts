/**
 * The compute pool runs the real preprocessing and reader on worker threads: results come
 * back masked (no full PAN crosses the thread boundary), typed errors keep their codes, and a
 * thread that overruns its deadline is replaced with a typed error instead of hanging.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_IMAGE_LIMITS } from '../../functions/reader/decode.js';
import { CardOcrError, ImageInputError, OcrEngineError } from '../../functions/core/errors.js';
import { silentLog } from '../../functions/core/log.js';
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
