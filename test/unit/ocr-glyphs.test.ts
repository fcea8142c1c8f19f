/**
 * The glyph reader's parts on images rendered here with sharp: ink detection on a card-like
 * background, the template classifier in each card typeface, number grouping, and the
 * whole-card reading (number, dates with labels, name) that feeds extract.ts.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { extractFields } from '../../functions/reader/extract/index.js';
import { classifyLine } from '../../functions/reader/readers/glyph/glyph-classifier.js';
import { binarize, components, type Gray } from '../../functions/reader/readers/glyph/glyphs.js';
import { canonicalLabel } from '../../functions/reader/readers/glyph/read-dates.js';
import { readCardGlyphs } from '../../functions/reader/readers/glyph/read-card.js';
import { findRows, groupDigits, inkComponents, rowInputs, splitWords, type TextRow } from '../../functions/reader/readers/glyph/text-rows.js';
import { nameLinesFromWords } from '../../functions/reader/readers/glyph/name-ocr.js';

const NOW = new Date('2026-11-27T00:00:00Z');

async function renderGray(svg: string): Promise<Gray> {
  const { data, info } = await sharp(Buffer.from(svg)).greyscale().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/** One line of text on a light background with a soft gradient (like a card face). */
async function line(text: string, font: string, size = 48): Promise<Gray> {
  const w = Math.round(text.length * size * 0.75 + 80);
  const h = Math.round(size * 2);
  return renderGray(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">
    <defs><linearGradient id="g"><stop offset="0" stop-color="#f4f4f4"/><stop offset="1" stop-color="#b8b8b8"/></linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/>
    <text x="40" y="${size * 1.3}" font-family="${font}" font-size="${size}" fill="#202020" xml:space="preserve">${text}</text></svg>`);
}

function readRow(img: Gray, charset: string): { text: string; font: string; row: TextRow } {
  const { mask, comps } = inkComponents(img);
  const rows = findRows(comps).sort((a, b) => b.glyphs.length - a.glyphs.length);
  const row = rows[0]!;
  const read = classifyLine(rowInputs(mask, img.width, row), charset);
  return { text: read.glyphs.map((g) => g.char).join(''), font: read.font, row };
}

describe('binarize and components', () => {
  it('finds each printed character as one component, whatever the background shade', async () => {
    const img = await line('0123456789', 'DejaVu Sans Mono');
    const mask = binarize(img);
    const comps = components(mask, img.width, img.height).filter((c) => c.y1 - c.y0 > 20);
    expect(comps).toHaveLength(10);
  });
  it('marks nothing on a blank gradient', async () => {
    const img = await line('', 'DejaVu Sans Mono');
    const mask = binarize(img);
    expect(mask.reduce((a, b) => a + b, 0)).toBe(0);
  });
});

describe('glyph classifier', () => {
  // The typefaces cards use; OCR-A is the one the stock Tesseract model misreads.
  for (const font of ['OCRA', 'DejaVu Sans Mono', 'Liberation Mono', 'Roboto']) {
    it(`reads every digit in ${font} and recognises the typeface`, async () => {
      const img = await line('4071 8293 5566', font);
      const r = readRow(img, '0123456789');
      expect(r.text).toBe('407182935566');
      expect(r.font).toBe(font);
    });
    it(`reads an uppercase name in ${font}`, async () => {
      const img = await line('JOHN Q KOWALSKI', font, 36);
      const r = readRow(img, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ');
      expect(r.text).toBe('JOHNQKOWALSKI');
    });
  }
  it('gives a low confidence to a glyph that is not a digit', async () => {
    const img = await line('12X45', 'DejaVu Sans Mono');
    const { mask, comps } = inkComponents(img);
    const row = findRows(comps)[0]!;
    const read = classifyLine(rowInputs(mask, img.width, row), '0123456789');
    const x = read.glyphs[2]!;
    expect(x.confidence).toBeLessThan(0.3);
    expect(read.glyphs[0]!.confidence).toBeGreaterThan(0.5);
  });
});

describe('groupDigits', () => {
  const boxes = (groups: number[], pitch = 30, width = 24, gap = 30, narrowAt: number[] = []) => {
    const out: Array<{ x0: number; y0: number; x1: number; y1: number }> = [];
    let x = 10;
    let i = 0;
    for (const g of groups) {
      for (let k = 0; k < g; k++, i++) {
        const w = narrowAt.includes(i) ? 8 : width;
        const c = x + pitch / 2;
        out.push({ x0: Math.round(c - w / 2), y0: 0, x1: Math.round(c + w / 2), y1: 40 });
        x += pitch;
      }
      x += gap;
    }
    return out;
  };
  it('finds 4-4-4-4 even with narrow 1s that leave wide edge gaps', () => {
    expect(groupDigits(boxes([4, 4, 4, 4], 30, 24, 30, [3, 4, 11]), 40)).toEqual([4, 4, 4, 4]);
  });
  it('finds Amex 4-6-5 and 19-digit 4-4-4-4-3', () => {
    expect(groupDigits(boxes([4, 6, 5]), 40)).toEqual([4, 6, 5]);
    expect(groupDigits(boxes([4, 4, 4, 4, 3]), 40)).toEqual([4, 4, 4, 4, 3]);
  });
  it('reports no grouping when the spacing fits none', () => {
    // 16 digits with breaks after 3 and 9: not how any card prints 16 digits.
    expect(groupDigits(boxes([3, 6, 7]), 40)).toBeNull();
  });
});

describe('splitWords', () => {
  const row = (spec: Array<[number, number]>) => spec.map(([x0, x1]) => ({ x0, y0: 0, x1, y1: 30 }));
  it('finds a space next to a narrow I in proportional print', () => {
    // H I R O _ I _ T O R R E S: letter gaps 3–7 px, spaces 17 and 14 px.
    const g = row([[82, 106], [113, 119], [125, 147], [151, 176], [193, 200], [214, 238], [241, 265], [271, 293], [297, 319], [324, 344], [346, 369]]);
    expect(splitWords(g, 31).map((x) => x.word)).toEqual([0, 0, 0, 0, 1, 2, 2, 2, 2, 2, 2]);
  });
  it('finds a one-pitch space in monospace print', () => {
    const g = row([[0, 20], [25, 45], [50, 70], [125, 145], [150, 170]]);
    expect(splitWords(g, 30).map((x) => x.word)).toEqual([0, 0, 0, 1, 1]);
  });
  it('keeps a word with irregular letter gaps whole', () => {
    const g = row([[0, 20], [22, 30], [35, 58], [62, 84], [86, 110]]);
    expect(new Set(splitWords(g, 30).map((x) => x.word)).size).toBe(1);
  });
});

describe('nameLinesFromWords', () => {
  const w = (text: string, left: number, height = 30, top = 100) => ({ text, confidence: 0.9, box: { left, top, width: text.length * 20, height } });
  it('drops a logo letter of another print size at the edge of the name region', () => {
    expect(nameLinesFromWords([w('FREYA', 10), w('JENSEN', 130), w('V', 600, 58, 86)])).toEqual(['FREYA JENSEN']);
  });
  it('keeps separate lines apart', () => {
    expect(nameLinesFromWords([w('JANE', 10), w('DOE', 100), w('ACME', 10, 30, 160)])).toEqual(['JANE DOE', 'ACME']);
  });
});

describe('canonicalLabel', () => {
  it('matches misread and cut label words to the known ones', () => {
    expect(canonicalLabel('FROM')).toBe('FROM');
    expect(canonicalLabel('FR0M')).toBe('FROM');
    expect(canonicalLabel('VALIO')).toBe('VALID');
    expect(canonicalLabel('MONTH/YE')).toBe('MONTH/YEAR');
    expect(canonicalLabel('KOWALSKI')).toBeNull();
  });
});

/** A normalised card (1000 × 630, dark print on a light face) as the preprocess stage makes it. */
function cardSvg(o: { pan: string; font: string; from?: string; expiry: string; label: string; name: string; overprint?: boolean }): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const expX = 600;
  const labelSvg = o.overprint
    ? `<text x="${expX - 120}" y="445" font-family="Roboto" font-size="16" fill="#333">${o.label}</text>`
    : `<text x="${expX - 70}" y="450" font-family="Roboto" font-size="14" fill="#333">${o.label.split(' ')[0] ?? ''}</text>
       <text x="${expX - 70}" y="468" font-family="Roboto" font-size="14" fill="#333">${o.label.split(' ')[1] ?? ''}</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="630">
  <rect width="1000" height="630" fill="#e6e6e6"/>
  <circle cx="780" cy="160" r="220" fill="#d2d2d2"/>
  <text x="60" y="100" font-family="Roboto" font-weight="bold" font-size="40" fill="#222">HARBOR BANK</text>
  <rect x="80" y="180" width="110" height="85" rx="12" fill="#a0a0a0"/>
  <text x="80" y="380" font-family="${o.font}" font-size="62" fill="#181818" xml:space="preserve">${esc(o.pan)}</text>
  ${o.from ? `<text x="220" y="450" font-family="Roboto" font-size="14" fill="#333">VALID</text><text x="220" y="468" font-family="Roboto" font-size="14" fill="#333">FROM</text><text x="290" y="470" font-family="${o.font}" font-size="44" fill="#181818">${o.from}</text>` : ''}
  ${labelSvg}
  <text x="${expX}" y="470" font-family="${o.font}" font-size="44" fill="#181818">${o.expiry}</text>
  <text x="80" y="560" font-family="${o.font}" font-size="40" fill="#181818">${o.name}</text>
</svg>`;
}

describe('readCardGlyphs on a normalised card', () => {
  it('reads the number, the expiry (not the VALID FROM date) and the name', async () => {
    const card = await renderGray(
      cardSvg({ pan: '4556 7375 8689 9855', font: 'OCRA', from: '09/24', expiry: '08/29', label: 'VALID THRU', name: 'MARIA K OSEI' }),
    );
    const reading = readCardGlyphs(card);
    const f = extractFields(reading.lines, { now: NOW });
    expect(f.pan).toBe('4556737586899855');
    expect(f.brand).toBe('visa');
    expect(f.expiry).toBe('08/29');
    expect(f.name).toBe('MARIA K OSEI');
  });
  it('reads an Amex number grouped 4-6-5 in a monospace face', async () => {
    const card = await renderGray(
      cardSvg({ pan: '3714 496353 98431', font: 'Liberation Mono', expiry: '11/31', label: 'GOOD THRU', name: 'ALEX MORGAN' }),
    );
    const f = extractFields(readCardGlyphs(card).lines, { now: NOW });
    expect(f.pan).toBe('371449635398431');
    expect(f.brand).toBe('amex');
    expect(f.expiry).toBe('11/31');
  });
  it('reads a month overprinted by its MONTH/YEAR label, or leaves it missing, never wrong', async () => {
    const card = await renderGray(
      cardSvg({ pan: '5555 5555 5555 4444', font: 'DejaVu Sans Mono', from: '03/25', expiry: '10/30', label: 'MONTH/YEAR', name: 'LEE CHEN', overprint: true }),
    );
    const f = extractFields(readCardGlyphs(card).lines, { now: NOW });
    expect(f.pan).toBe('5555555555554444');
    expect([null, '10/30']).toContain(f.expiry);
    expect(f.expiry).not.toBe('03/25');
  });
  it('finds nothing on a blank card face', async () => {
    const card = await renderGray('<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="630"><rect width="1000" height="630" fill="#ddd"/></svg>');
    const reading = readCardGlyphs(card);
    expect(reading.number).toBeNull();
    expect(reading.lines).toEqual([]);
  });
});
