/**
 * Smoke run of the card-line crop generator that trains card-crnn-v1 (tools/train/make-lines.ts):
 * deterministic from its seed, truth inside the model's alphabet, crops at the model height and
 * within its width, every face renders visible print, and the files the trainer reads are
 * consistent with each other.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHARSET, LINE_FACES, LINE_HEIGHT, MAX_WIDTH, renderLine, writeLines } from '../../tools/train/make-lines.js';
import { CARD_CRNN_CHARSET, CARD_CRNN_HEIGHT, CARD_CRNN_MAX_WIDTH } from '../../functions/adapters/ocr/crnn/crnn-recognizer.js';

/** Standard deviation of the pixel values: a blank crop (nothing drawn) is near 0. */
function spread(data: Uint8Array): number {
  let s = 0, s2 = 0;
  for (const v of data) {
    s += v;
    s2 += v * v;
  }
  const m = s / data.length;
  return Math.sqrt(Math.max(0, s2 / data.length - m * m));
}

describe('card-line crop generator', () => {
  it('draws the same crop from the same seed and another one from another seed', async () => {
    const a = await renderLine(4242, { fonts: 'ci' });
    const b = await renderLine(4242, { fonts: 'ci' });
    const c = await renderLine(4243, { fonts: 'ci' });
    expect(b.text).toBe(a.text);
    expect(Buffer.from(b.data).equals(Buffer.from(a.data))).toBe(true);
    expect(c.text === a.text && Buffer.from(c.data).equals(Buffer.from(a.data))).toBe(false);
  });

  it('draws a focused pack from a weighted face list and one role, leaving the default mix as it was', async () => {
    const faces = new Set<string>();
    for (let seed = 500; seed < 530; seed++) {
      const s = await renderLine(seed, { fonts: 'ci', faces: ['embossed', 'embossed', 'foil'], role: 'number' });
      expect(s.role).toBe('number');
      expect(s.text).toMatch(/^[0-9 ]+$/);
      faces.add(s.face);
    }
    expect([...faces].sort()).toEqual(['embossed', 'foil']);
    // An empty list is the default mix: no extra draw from the seed, so the same crop as without the option.
    const plain = await renderLine(77, { fonts: 'ci' });
    expect(await renderLine(77, { fonts: 'ci', faces: [] })).toEqual(plain);
  });

  it('renders every face at the model height with truth in the model alphabet', async () => {
    // The generator and the adapter must agree on what the model sees and says.
    expect(CHARSET).toBe(CARD_CRNN_CHARSET);
    expect(LINE_HEIGHT).toBe(CARD_CRNN_HEIGHT);
    expect(MAX_WIDTH).toBe(CARD_CRNN_MAX_WIDTH);
    for (const [i, face] of LINE_FACES.entries()) {
      const s = await renderLine(123_000 + i, { face, fonts: 'ci', role: 'number' });
      expect(s.face).toBe(face);
      expect(s.height).toBe(LINE_HEIGHT);
      expect(s.width).toBeGreaterThan(8);
      expect(s.width).toBeLessThanOrEqual(MAX_WIDTH);
      expect(s.data.length).toBe(s.width * s.height);
      expect(s.text).toMatch(/^\d[\d ]*\d$|^\d$/);
      expect([...s.text].every((ch) => CHARSET.includes(ch))).toBe(true);
      expect(spread(s.data), `${face} crop looks blank`).toBeGreaterThan(6);
    }
  });

  it('gives the camera-resolution colour crop of the same line when asked', async () => {
    const grey = await renderLine(777, { fonts: 'ci' });
    const cam = await renderLine(777, { fonts: 'ci', camera: true });
    expect(cam.text).toBe(grey.text);
    expect(cam.channels).toBe(3);
    expect(cam.data.length).toBe(cam.width * cam.height * 3);
  });

  it('writes a pack whose index matches its pixels', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'crnn-lines-'));
    try {
      await writeLines(dir, 6, 9000, { fonts: 'ci' });
      const bin = await readFile(join(dir, 'lines.bin'));
      const index = (await readFile(join(dir, 'lines.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { text: string; width: number; offset: number; face: string; role: string });
      expect(index).toHaveLength(6);
      let offset = 0;
      for (const [i, e] of index.entries()) {
        expect(e.offset).toBe(offset);
        offset += e.width * LINE_HEIGHT;
        const again = await renderLine(9000 + i, { fonts: 'ci' });
        expect(e.text).toBe(again.text);
        expect(bin.subarray(e.offset, e.offset + e.width * LINE_HEIGHT).equals(Buffer.from(again.data))).toBe(true);
      }
      expect(bin.length).toBe(offset);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('draws embossed digit lines in the Farrington-like stroke face as well as in fonts, and never blank', async () => {
    // Real embossed numbers are Farrington 7B, which no installed font has: the generator's stroke glyphs stand in.
    const fonts = new Set<string>();
    for (let i = 0; i < 16; i++) {
      const s = await renderLine(321_000 + i, { face: 'embossed', role: 'number', fonts: 'ci' });
      fonts.add(s.font);
      expect(spread(s.data), `${s.font} crop looks blank`).toBeGreaterThan(6);
      expect(s.text).toMatch(/^[\d ]+$/);
    }
    expect(fonts.has('Farrington strokes')).toBe(true);
    expect(fonts.size).toBeGreaterThan(1);
  });
});
