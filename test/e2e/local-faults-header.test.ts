/**
 * Fast refusals from the image header (issue 10 item 4): a strip of extreme aspect (within
 * the pixel cap) and a photo wider than the per-side cap are refused before any pixel is
 * decoded. Real sharp-made files, the real preprocess step; the time of 20 refusals each is
 * measured and printed (p99), the codes are asserted. Then the same files go through the
 * running local pipeline: each gets a final `failed` record with its code and none is left
 * in `uploads/`.
 */
import { mkdtempSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_IMAGE_LIMITS, decodeImage } from '../../functions/reader/decode.js';
import { preprocessPhoto } from '../../functions/reader/preprocess.js';
import { toCardOcrError } from '../../functions/core/errors.js';
import { silentLog } from '../../functions/core/log.js';
import type { NormalisedReader } from '../../functions/core/stages.js';
import { createLocalRuntime, type LocalRuntime } from '../../functions/local/composition.js';
import { localRuntimeBase, waitFor } from './support/local-helpers.js';

interface Hostile {
  readonly name: string;
  readonly bytes: Buffer;
  readonly code: 'too_large' | 'invalid_image';
}

function p99(samples: number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(s.length * 0.99) - 1)] ?? NaN;
}

describe('header gate: extreme aspect and per-side cap', () => {
  const files: Hostile[] = [];
  let dir: string;
  let rt: LocalRuntime | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cardocr-header-'));
    const plain = (width: number, height: number) =>
      sharp({ create: { width, height, channels: 3, background: '#808080' } });
    // 1×9,999,999: under the 50 MP pixel cap, the shape the fuzzing found burning the whole budget.
    files.push({ name: 'strip-1x9999999.png', bytes: await plain(1, 9_999_999).png({ compressionLevel: 9 }).toBuffer(), code: 'too_large' });
    // Under the side cap, 27:1 — not a photo of a card.
    files.push({ name: 'strip-300x8000.jpg', bytes: await plain(300, 8000).jpeg().toBuffer(), code: 'invalid_image' });
    files.push({ name: 'strip-16000x400.webp', bytes: await plain(16_000, 400).webp().toBuffer(), code: 'invalid_image' });
    // 16,385 px wide at 16:1 and 16.4 MP: only the per-side cap refuses it.
    files.push({ name: 'wide-16385x1024.png', bytes: await plain(16_385, 1024).png().toBuffer(), code: 'too_large' });
    files.push({ name: 'tall-1100x17000.jpg', bytes: await plain(1100, 17_000).jpeg().toBuffer(), code: 'too_large' });
  }, 120_000);

  afterAll(async () => {
    await rt?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses each from the header with its code (p99 of 20 runs printed)', async () => {
    for (const f of files) {
      const ms: number[] = [];
      for (let i = 0; i < 20; i++) {
        const t0 = performance.now();
        const err = await preprocessPhoto(f.bytes, DEFAULT_IMAGE_LIMITS).then(
          () => null,
          (e: unknown) => toCardOcrError(e),
        );
        ms.push(performance.now() - t0);
        expect(err?.code, f.name).toBe(f.code);
        expect(err?.retryable, f.name).toBe(false);
        expect(err?.message, f.name).toMatch(/px a side|elongated/);
      }
      console.log(`header gate ${f.name} (${(f.bytes.length / 1024).toFixed(0)} KiB): refused ${f.code}, p99 ${p99(ms).toFixed(1)} ms, max ${Math.max(...ms).toFixed(1)} ms over 20 runs`);
    }
  });

  it('the limits are exact in every header layout (PNG, WebP lossy/lossless/with alpha, JPEG)', async () => {
    const encodings: Array<[string, (img: Sharp) => Sharp]> = [
      ['png', (i) => i.png()],
      ['webp lossy (VP8)', (i) => i.webp()],
      ['webp lossless (VP8L)', (i) => i.webp({ lossless: true })],
      ['webp with alpha (VP8X)', (i) => i.ensureAlpha().webp()],
      ['jpeg', (i) => i.jpeg()],
    ];
    for (const [name, encode] of encodings) {
      for (const [w, h, refused] of [[2000, 100, null], [100, 2000, null], [2100, 100, 'invalid_image'], [100, 2010, 'invalid_image']] as const) {
        const bytes = await encode(sharp({ create: { width: w, height: h, channels: 3, background: '#777' } })).toBuffer();
        const got = await decodeImage(bytes, DEFAULT_IMAGE_LIMITS).then((d) => `${d.width}x${d.height}`, (e: unknown) => toCardOcrError(e).code);
        expect(got, `${name} ${w}×${h}`).toBe(refused ?? `${w}x${h}`);
      }
    }
    // The side cap, one pixel over and at it (PNG: WebP cannot exceed 16,383 px).
    const at = await sharp({ create: { width: 16_384, height: 1000, channels: 3, background: '#777' } }).png().toBuffer();
    expect(await decodeImage(at, DEFAULT_IMAGE_LIMITS).then((d) => d.width)).toBe(16_384);
  });

  it('a card-shaped photo inside both caps still passes the gate', async () => {
    const ok = await sharp({ create: { width: 1600, height: 1000, channels: 3, background: '#fff' } }).jpeg().toBuffer();
    const err = await preprocessPhoto(ok, DEFAULT_IMAGE_LIMITS).then(() => null, (e: unknown) => toCardOcrError(e));
    // A blank photo holds no card, but it was decoded: not refused by the gate.
    expect(err?.code ?? 'ok').not.toMatch(/too_large|invalid_image/);
  });

  it('through the running pipeline: a failed record with the code for each, nothing left in uploads/', async () => {
    const neverRead: NormalisedReader = {
      readNormalised: () => Promise.reject(new Error('a refused photo must never reach the reader')),
    };
    rt = await createLocalRuntime({
      ...localRuntimeBase(join(dir, 'data'), silentLog),
      reader: neverRead,
      preprocess: async (bytes) => {
        const card = await preprocessPhoto(bytes, DEFAULT_IMAGE_LIMITS);
        return { image: card.image, timingsMs: card.timingsMs };
      },
      scanIntervalMs: 200,
      uploadStableMs: 200,
    });
    await rt.start();
    for (const f of files) await rt.objects.put(`uploads/${f.name}`, f.bytes);
    for (const f of files) {
      const r = await waitFor(`${f.name} to end`, async () => {
        const rec = (await rt!.results.list({ limit: 10, key: `uploads/${f.name}` })).items[0];
        return rec && (rec.status === 'done' || rec.status === 'failed') ? rec : null;
      }, 30_000);
      expect(r.status, f.name).toBe('failed');
      expect(r.error?.code, f.name).toBe(f.code);
      console.log(`pipeline ${f.name}: ${r.error?.code} after ${r.timingsMs.preprocess?.total ?? '?'} ms of preprocess`);
    }
    await waitFor('uploads/ to be empty', async () => readdirSync(join(rt!.dataDir, 'bucket', 'uploads')).length === 0, 10_000);
  });
});
