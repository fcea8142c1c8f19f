/**
 * Tesseract fallback for the cardholder name: when the glyph reader found no name row that
 * fits the card typefaces (unusual face, touching letters), the region where the name is
 * printed — below the number and dates — is read as text with an uppercase whitelist.
 */
import sharp from 'sharp';
import type { TextLine } from '../../extract/text.js';
import type { OcrEngine, OcrWord } from '../../../core/ports.js';
import type { Box, Gray } from './glyphs.js';
import type { CardReading } from './read-card.js';

const NAME_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ .'-";

/** The region that holds the name, from what the glyph reader found. */
export function nameRegion(card: Gray, reading: Pick<CardReading, 'number' | 'dates' | 'name'>): Box {
  const W = card.width;
  const H = card.height;
  if (reading.name) {
    const r = reading.name.row;
    const m = Math.round(r.height * 0.4);
    return { x0: Math.max(0, r.x0 - m), y0: Math.max(0, r.y0 - m), x1: Math.min(W, r.x1 + m), y1: Math.min(H, r.y1 + m) };
  }
  const above = [reading.number?.row, ...reading.dates.map((d) => d.box)].filter((r) => r !== undefined);
  const top = above.length > 0 ? Math.max(...above.map((r) => r.y1)) + 4 : Math.round(H * 0.7);
  const y0 = Math.min(Math.round(H * 0.85), top);
  return { x0: Math.round(W * 0.03), y0, x1: Math.round(W * 0.72), y1: Math.round(H * 0.96) };
}

/** Reads the name region with the OCR engine; each recognised line comes back with role `name`. */
export async function readNameWithOcr(
  engine: OcrEngine,
  card: Gray,
  reading: Pick<CardReading, 'number' | 'dates' | 'name'>,
): Promise<TextLine[]> {
  const box = nameRegion(card, reading);
  const width = box.x1 - box.x0;
  const height = box.y1 - box.y0;
  if (width < 20 || height < 10) return [];
  const png = await sharp(card.data, { raw: { width: card.width, height: card.height, channels: 1 } })
    .extract({ left: box.x0, top: box.y0, width, height })
    .png({ compressionLevel: 1 })
    .toBuffer();
  const text = await engine.recognize(png, { layout: 'block', whitelist: NAME_CHARS });
  if (text.words.length === 0) {
    return text.text
      .split('\n')
      .map((t) => t.trim())
      .filter((t) => t.length > 0)
      .map((t) => ({ text: t, confidence: text.confidence, role: 'name' as const }));
  }
  return nameLinesFromWords(text.words).map((t) => ({ text: t, confidence: text.confidence, role: 'name' as const }));
}

/**
 * Rebuilds text lines from recognised words, keeping only words of the line's print size and
 * spacing: a logo letter caught at the edge of the region (the V of a VISA mark, much taller
 * and far off) must not become part of the name.
 */
export function nameLinesFromWords(words: readonly OcrWord[]): string[] {
  const lines: OcrWord[][] = [];
  for (const w of [...words].sort((a, b) => a.box.left - b.box.left)) {
    const cy = w.box.top + w.box.height / 2;
    const line = lines.find((l) => {
      const ref = l[l.length - 1]!;
      return Math.abs(cy - (ref.box.top + ref.box.height / 2)) < ref.box.height / 2;
    });
    if (line) line.push(w);
    else lines.push([w]);
  }
  const out: string[] = [];
  for (const line of lines) {
    const heights = line.map((w) => w.box.height).sort((a, b) => a - b);
    const h = heights[Math.floor(heights.length / 2)]!;
    const kept: OcrWord[] = [];
    for (const w of line) {
      if (w.box.height < 0.7 * h || w.box.height > 1.4 * h) continue;
      const prev = kept[kept.length - 1];
      if (prev && w.box.left - (prev.box.left + prev.box.width) > 3 * h) break;
      kept.push(w);
    }
    const t = kept.map((w) => w.text.trim()).filter((x) => x.length > 0).join(' ');
    if (t.length > 0) out.push(t);
  }
  return out;
}
