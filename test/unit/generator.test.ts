/**
 * The fixture generator: deterministic from its seed, numbers that are Luhn-valid with the
 * IIN of the brand they claim (checked with card-validator / credit-card-type, not with the
 * generator's own code), and a committed set that matches what the generator plans.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import creditCardType from 'credit-card-type';
import cardValidator from 'card-validator';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { COMMITTED_SEED, planPhoto, renderPhoto, runSpecs, type TruthEntry } from '../../tools/generator/generate.js';
import { applyHomography, keystone, rectToQuad } from '../../tools/generator/warp.js';

const CARDS = join(import.meta.dirname, '..', 'fixtures', 'cards');
const LIBRARY_NAME: Record<string, string> = { amex: 'american-express', diners: 'diners-club' };

async function committedTruth(): Promise<TruthEntry[]> {
  return JSON.parse(await readFile(join(CARDS, 'truth.json'), 'utf8')) as TruthEntry[];
}

function checkNumber(entry: Pick<TruthEntry, 'pan' | 'brand'>): void {
  const pan = entry.pan ?? '';
  expect(pan).toMatch(/^\d{13,19}$/);
  expect(cardValidator.number(pan).isValid, `${entry.brand} number fails card-validator`).toBe(true);
  const [type] = creditCardType(pan);
  expect(type?.type).toBe(LIBRARY_NAME[entry.brand ?? ''] ?? entry.brand);
  expect(type?.lengths).toContain(pan.length);
}

describe('fixture generator', () => {
  it('renders the same bytes and truth from the same seed, different ones from another seed', async () => {
    const spec = { frame: [480, 360] as [number, number], kind: 'payment_card' as const, noise: 8, blur: 0.6 };
    const a = await renderPhoto(12345, spec);
    const b = await renderPhoto(12345, spec);
    const c = await renderPhoto(12346, spec);
    expect(b.truth).toEqual(a.truth);
    expect(b.bytes.equals(a.bytes)).toBe(true);
    expect(c.truth.pan).not.toBe(a.truth.pan);
    expect(c.bytes.equals(a.bytes)).toBe(false);
    const meta = await sharp(a.bytes).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 480, 360]);
  });

  it('writes the EXIF orientation and turns the pixels so that applying it makes the photo upright', async () => {
    const spec = { frame: [400, 300] as [number, number], kind: 'payment_card' as const, exif: 6 as const };
    const { bytes, truth } = await renderPhoto(99, spec);
    const meta = await sharp(bytes).metadata();
    expect(meta.orientation).toBe(6);
    // Stored sideways (300×400); shown upright (400×300) once the tag is applied.
    expect([meta.width, meta.height]).toEqual([300, 400]);
    expect(meta.autoOrient).toMatchObject({ width: 400, height: 300 });
    expect(truth.style.exif).toBe(6);
  });

  it('keystone: the homography maps the corners, and the warp narrows the chosen edge', () => {
    const to = [{ x: 10, y: 0 }, { x: 89, y: 0 }, { x: 99, y: 59 }, { x: 0, y: 59 }] as const;
    const m = rectToQuad(99, 59, [...to]);
    for (const [i, [x, y]] of [[0, 0], [99, 0], [99, 59], [0, 59]].entries()) {
      const p = applyHomography(m, { x: x ?? NaN, y: y ?? NaN });
      expect(p.x).toBeCloseTo(to[i]?.x ?? NaN, 6);
      expect(p.y).toBeCloseTo(to[i]?.y ?? NaN, 6);
    }
    // An opaque white 100×60 image, top edge shortened by 20%: top corners become transparent, bottom ones stay.
    const img = new Uint8Array(100 * 60 * 4).fill(255);
    const out = keystone(img, 100, 60, { axis: 'horizontal', amount: 0.2 });
    const alpha = (x: number, y: number): number => out[(y * 100 + x) * 4 + 3] ?? -1;
    expect([alpha(0, 0), alpha(99, 0), alpha(0, 59), alpha(99, 59), alpha(50, 30)]).toEqual([0, 0, 255, 255, 255]);
  });

  it('draws Luhn-valid numbers with the right IIN and length for every brand', () => {
    const brands = ['visa', 'mastercard', 'amex', 'discover', 'unionpay', 'jcb', 'diners', 'maestro'] as const;
    for (let i = 0; i < 200; i++) {
      const brand = brands[i % brands.length];
      const { truth } = planPhoto(1000 + i, { kind: 'payment_card', ...(brand ? { brand } : {}) });
      expect(truth.brand).toBe(brand);
      checkNumber(truth);
      expect(truth.expiry).toMatch(/^(0[1-9]|1[0-2])\/\d\d$/);
      if (truth.style.validFrom) expect(truth.style.validFrom).not.toBe(truth.expiry);
    }
  });

  it('committed set: truth matches the generator plan, numbers valid, files small JPEGs with the styles claimed', async () => {
    const truth = await committedTruth();
    const run = runSpecs({ seed: COMMITTED_SEED, preset: 'committed' });
    expect(truth.map((t) => t.file)).toEqual(run.map((r) => r.file));
    for (const [i, entry] of truth.entries()) {
      const r = run[i];
      if (!r) throw new Error('missing run entry');
      const planned = planPhoto(r.seed, { ...r.spec, quality: entry.style.quality }).truth;
      expect({ file: entry.file, ...planned }).toEqual(entry);
      const bytes = await readFile(join(CARDS, entry.file));
      expect(bytes.length).toBeLessThanOrEqual(80 * 1024);
      const meta = await sharp(bytes).metadata();
      expect(meta.format).toBe('jpeg');
      if (entry.style.exif) expect(meta.orientation).toBe(entry.style.exif);
      else expect([undefined, 1]).toContain(meta.orientation);
      if (entry.kind === 'payment_card') checkNumber(entry);
      else expect(entry.pan).toBeUndefined();
    }
    const cards = truth.filter((t) => t.kind === 'payment_card');
    expect(truth.filter((t) => t.kind === 'none').length).toBeGreaterThanOrEqual(2);
    expect(cards.filter((t) => t.brand === 'amex').length).toBeGreaterThanOrEqual(1);
    expect(cards.filter((t) => t.pan?.length === 19).length).toBeGreaterThanOrEqual(1);
    expect(cards.filter((t) => t.style.exif).length).toBeGreaterThanOrEqual(2);
    expect(cards.filter((t) => t.style.flip180).length).toBeGreaterThanOrEqual(1);
    expect(new Set(cards.map((t) => t.style.panFont))).toEqual(new Set(['OCRA', 'DejaVu Sans Mono', 'Liberation Mono', 'Roboto']));
  });
});
