/**
 * The fixture generator: deterministic from its seed, numbers that are Luhn-valid with the
 * IIN of the brand they claim (checked with card-validator / credit-card-type, not with the
 * generator's own code), and a committed set that matches what the generator plans.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import creditCardType from 'credit-card-type';
import cardValidator from 'card-validator';
import luhn10 from 'card-validator/dist/luhn-10.js';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { COMMITTED_SEED, planPhoto, renderPhoto, runSpecs, type TruthEntry } from '../../tools/generator/generate.js';
import { hideRoles } from '../../tools/generator/face.js';
import { Rng } from '../../tools/generator/random.js';
import { drawCard, drawDesign } from '../../tools/generator/real-card.js';
import { REAL_PROFILES, renderReal, type RealTruth } from '../../tools/generator/real-world.js';
import { applyHomography, keystone, rectToQuad } from '../../tools/generator/warp.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CARDS = join(ROOT, 'test', 'fixtures', 'cards');
const REAL = join(ROOT, 'test', 'fixtures', 'real-world');
const execFileP = promisify(execFile);
const LIBRARY_NAME: Record<string, string> = { amex: 'american-express', diners: 'diners-club' };

async function committedTruth(): Promise<TruthEntry[]> {
  return JSON.parse(await readFile(join(CARDS, 'truth.json'), 'utf8')) as TruthEntry[];
}

function checkNumber(entry: { pan?: string | undefined; brand?: string | undefined }): void {
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

describe('real-world generator', () => {
  const SMALL = { maxSide: 360 };
  const digits = (s: string): string => s.replace(/\D/g, '');

  function checkTruth(t: Omit<RealTruth, 'file'>): void {
    const [w, h] = t.size.split('x').map(Number) as [number, number];
    for (const l of t.lines) {
      expect(l.quad).toHaveLength(4);
      for (const [x, y] of l.quad) {
        expect(x, `${l.role} line leaves the frame`).toBeGreaterThanOrEqual(0);
        expect(y).toBeGreaterThanOrEqual(0);
        expect(x).toBeLessThanOrEqual(w);
        expect(y).toBeLessThanOrEqual(h);
      }
      expect(l.text.trim().length).toBeGreaterThan(0);
    }
    if (t.kind === 'none') {
      expect([t.pan, t.brand, t.expiry, t.name, t.pan_length]).toEqual([null, null, null, null, null]);
      expect(t.lines.filter((l) => l.role === 'number' || l.role === 'expiry')).toEqual([]);
      // No digit run on a negative may pass for a card number.
      // Grouped digits count as one run (a reader joins 4-4-4-4 groups).
      for (const l of t.lines) for (const run of l.text.match(/\d[\d -]*\d/g) ?? []) {
        const d = run.replace(/\D/g, '');
        if (d.length >= 12 && d.length <= 19) expect(luhn10(d), `negative prints a Luhn-valid run: ${l.text.replace(/\d/g, '#')}`).toBe(false);
      }
      return;
    }
    const pan = t.pan ?? '';
    expect(t.pan_length).toBe(pan.length);
    if (t.luhn_valid) {
      expect(cardValidator.number(pan).isValid, 'Luhn-valid number with a known IIN and length').toBe(true);
      checkNumber({ pan, brand: t.brand ?? undefined });
    } else expect(luhn10(pan), 'specimen number marked luhn_valid: false fails Luhn').toBe(false);
    // The number is printed in full, inside the frame, on the card.
    const numberLines = t.lines.filter((l) => l.role === 'number' && l.object === 'card');
    expect(numberLines.map((l) => digits(l.text)).join('')).toBe(pan);
    const card = t.object_quad.map(([x, y]) => ({ x, y }));
    for (const l of numberLines) for (const [x, y] of l.quad) expect(pointInPolygon(card, { x, y }), 'number quad inside the card').toBe(true);
    if (t.expiry) expect(t.lines.filter((l) => l.role === 'expiry').map((l) => l.text)).toEqual([t.expiry]);
    if (t.name) expect(t.name).toMatch(/^[A-Z][A-Z .'-]*$/);
    if (t.name_script && t.name_script !== 'latin') expect(t.name).toBeNull();
  }

  it('renders the same bytes and truth from the same seed, different ones from another seed', async () => {
    const a = await renderReal(4242, 'real-world', SMALL);
    const b = await renderReal(4242, 'real-world', SMALL);
    const c = await renderReal(4243, 'real-world', SMALL);
    expect(b.truth).toEqual(a.truth);
    expect(b.bytes.equals(a.bytes)).toBe(true);
    expect(c.bytes.equals(a.bytes)).toBe(false);
    expect(c.truth).not.toEqual(a.truth);
  });

  it('renders every profile as a JPEG whose truth is consistent (Luhn where claimed, lines inside the frame)', async () => {
    for (const [i, profile] of REAL_PROFILES.entries()) {
      const { bytes, truth } = await renderReal(500 + i, profile, SMALL);
      const meta = await sharp(bytes).metadata();
      expect(meta.format).toBe('jpeg');
      expect(`${meta.width}x${meta.height}`).toBe(truth.size);
      expect(truth.profile).toBe(profile);
      if (profile !== 'real-world') expect(truth.kind).toBe(profile === 'negative' ? 'none' : 'payment_card');
      if (profile === 'embossed') expect(truth.style.emboss).toBe(true);
      if (profile === 'back') expect(truth.side).toBe('back');
      if (profile === 'hand') expect(truth.style.hand).toBe(true);
      if (profile === 'vertical') expect(['stacked', 'vertical', 'row']).toContain(truth.style.numberLayout);
      checkTruth(truth);
    }
  });

  it('face line quads contain their ink: hiding a role changes pixels only inside its quads', async () => {
    const cases: Array<{ pan: string; groups: number[]; emboss: boolean; side: 'front' | 'back'; orientation: 'landscape' | 'portrait'; numberLayout: 'row' | 'stacked' | 'vertical' }> = [
      { pan: '4539578763621486', groups: [4, 4, 4, 4], emboss: true, side: 'front', orientation: 'landscape', numberLayout: 'row' },
      { pan: '6250941006528599001', groups: [19], emboss: false, side: 'back', orientation: 'landscape', numberLayout: 'row' },
      { pan: '5555555555554444', groups: [4, 4, 4, 4], emboss: false, side: 'front', orientation: 'portrait', numberLayout: 'stacked' },
    ];
    for (const [i, c] of cases.entries()) {
      const rng = new Rng(77 + i);
      const design = drawDesign(rng, { ...c, brand: null, expiry: '08/29', secondDate: i % 2 ? '03/24' : null, name: 'TARA F OSEI' });
      const face = await drawCard(design, rng);
      const render = async (svg: string): Promise<Buffer> => sharp(Buffer.from(svg)).ensureAlpha().raw().toBuffer();
      const full = await render(face.svg);
      // Hide the number, expiry and name together; every changed pixel must lie in one of their quads.
      const roles = ['number', 'expiry', 'name'] as const;
      const byRole = roles.map((role) => face.lines.filter((l) => l.role === role).map((l) => grow(l.quad, 1.5)));
      for (const [k, quads] of byRole.entries()) expect(quads.length, `${roles[k]} line recorded (case ${i})`).toBeGreaterThan(0);
      const hidden = await render(hideRoles(face.svg, roles));
      const inRole = roles.map(() => 0);
      let outside = 0;
      for (let o = 0; o < full.length; o += 4) {
        const d = Math.max(Math.abs(full[o]! - hidden[o]!), Math.abs(full[o + 1]! - hidden[o + 1]!), Math.abs(full[o + 2]! - hidden[o + 2]!));
        if (d < 48) continue;
        const p = { x: ((o / 4) % face.width) + 0.5, y: Math.floor(o / 4 / face.width) + 0.5 };
        const k = byRole.findIndex((quads) => quads.some((q) => pointInPolygon(q, p)));
        if (k < 0) outside++;
        else inRole[k]!++;
      }
      expect(outside, `ink outside the number/expiry/name quads (case ${i})`).toBe(0);
      for (const [k, n] of inRole.entries()) expect(n, `${roles[k]} ink found (case ${i})`).toBeGreaterThan(50);
    }
  });

  it('committed fixture set: every profile, small JPEGs, consistent truth that the seeds reproduce', async () => {
    const truth = JSON.parse(await readFile(join(REAL, 'truth.json'), 'utf8')) as RealTruth[];
    expect(truth.length).toBeGreaterThanOrEqual(24);
    expect(new Set(truth.map((t) => t.profile))).toEqual(new Set(REAL_PROFILES));
    let total = 0;
    for (const t of truth) {
      const bytes = await readFile(join(REAL, t.file));
      total += bytes.length;
      const meta = await sharp(bytes).metadata();
      expect([meta.format, `${meta.width}x${meta.height}`]).toEqual(['jpeg', t.size]);
      checkTruth(t);
    }
    expect(total).toBeLessThanOrEqual(4 * 1024 * 1024);
    const cards = truth.filter((t) => t.kind === 'payment_card');
    expect(truth.filter((t) => t.kind === 'none').length).toBeGreaterThanOrEqual(3);
    expect(cards.some((t) => t.style.emboss) && cards.some((t) => !t.style.emboss)).toBe(true);
    expect(new Set(cards.map((t) => t.pan_length))).toEqual(new Set([14, 15, 16, 19]));
    expect(cards.some((t) => t.side === 'back') && cards.some((t) => t.style.hand) && cards.some((t) => t.style.numberLayout !== 'row')).toBe(true);
    // The recorded seed and profile rebuild a photo's truth (line quads within a pixel: font builds may differ).
    const first = truth[0]!;
    const again = (await renderReal(first.seed, first.profile, { maxSide: 1024, quality: Number(first.style.quality) })).truth;
    const { lines: l1, ...rest1 } = again;
    const { lines: l0, file: _file, ...rest0 } = first;
    expect(rest1).toEqual(rest0);
    expect(l1.map((l) => [l.text, l.role])).toEqual(l0.map((l) => [l.text, l.role]));
    for (const [i, l] of l1.entries()) for (const [k, [x, y]] of l.quad.entries()) {
      expect(Math.abs(x - (l0[i]?.quad[k]?.[0] ?? NaN))).toBeLessThanOrEqual(1);
      expect(Math.abs(y - (l0[i]?.quad[k]?.[1] ?? NaN))).toBeLessThanOrEqual(1);
    }
  });

  it('the CLI writes photos and truth.json and logs no card number', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gen-cli-'));
    try {
      const run = await execFileP(process.execPath, ['--import', 'tsx', join(ROOT, 'tools/generator/cli.ts'), '--profile', 'scan', '--seed', '3', '--count', '2', '--max-side', '360', '--out', dir], { cwd: ROOT });
      const truth = JSON.parse(await readFile(join(dir, 'truth.json'), 'utf8')) as RealTruth[];
      expect(truth.map((t) => t.file)).toEqual(['scan-3-000.jpg', 'scan-3-001.jpg']);
      for (const t of truth) expect((await readFile(join(dir, t.file))).length).toBeGreaterThan(1000);
      expect(`${run.stdout}${run.stderr}`).not.toMatch(/\d{12,}/);
      for (const t of truth) expect(`${run.stdout}${run.stderr}`).not.toContain(t.pan ?? 'no-pan');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('runtime code never imports tools/', async () => {
    const offenders: string[] = [];
    for (const top of ['functions', 'bin', 'lib']) {
      for (const file of await listTs(join(ROOT, top))) {
        if (/from ['"][^'"]*\/tools\//.test(await readFile(file, 'utf8'))) offenders.push(file);
      }
    }
    expect(offenders).toEqual([]);
  });
});

/** A quad grown by `by` pixels away from its centre (anti-aliasing slack at the box edges). */
function grow(q: ReadonlyArray<{ x: number; y: number }>, by: number): Array<{ x: number; y: number }> {
  const cx = q.reduce((a, p) => a + p.x, 0) / q.length, cy = q.reduce((a, p) => a + p.y, 0) / q.length;
  return q.map((p) => {
    const d = Math.hypot(p.x - cx, p.y - cy) || 1;
    return { x: p.x + ((p.x - cx) / d) * by, y: p.y + ((p.y - cy) / d) * by };
  });
}

function pointInPolygon(poly: ReadonlyArray<{ x: number; y: number }>, p: { x: number; y: number }): boolean {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const a = poly[i]!, b = poly[j]!;
    if (a.y > p.y !== b.y > p.y && p.x < ((b.x - a.x) * (p.y - a.y)) / (b.y - a.y) + a.x) inside = !inside;
  }
  return inside;
}

async function listTs(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listTs(p)));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}
