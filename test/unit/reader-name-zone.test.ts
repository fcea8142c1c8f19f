/**
 * The name close-up (reader.ts): where no reading read a name, the zone below the number line
 * (date-zone.ts, cut upright at full resolution) is read, and its reading counts for the name.
 * Where a name was read, no close-up is cut for it. Scripted engines, no models; the number is
 * a published test number, the name made up.
 */
import { describe, expect, it } from 'vitest';
import type { Raster, TextDetector, TextRegion } from '../../functions/core/ports.js';
import { readPlainFrame, rectQuad, scriptedRecognizer } from '../support/scripted-engines.js';

const NOW = new Date('2026-11-27T00:00:00Z');
const PAN = '4111 1111 1111 1111';
const NAME = 'JANE Q PUBLIC';
const DATE = 'VALID THRU 03/29';

/**
 * The frame (800×500): the number line and a date beside its end, the name line boxed only when
 * `nameOnFrame`. The close-up (a strip over twice as wide as tall): the number at its top, the
 * name below its start.
 */
function detectorOf(nameOnFrame: boolean): TextDetector & { calls: number } {
  const d = {
    name: 'scripted-det',
    calls: 0,
    async detect(image: Raster): Promise<TextRegion[]> {
      d.calls++;
      const w = image.width, h = image.height;
      if (w > 2 * h) {
        return [
          { quad: rectQuad(w * 0.12, h * 0.1, w * 0.82, h * 0.24), score: 0.9 },
          { quad: rectQuad(w * 0.12, h * 0.58, w * 0.34, h * 0.68), score: 0.9 },
        ];
      }
      return [
        { quad: rectQuad(w * 0.1, h * 0.5, w * 0.9, h * 0.6), score: 0.9 },
        { quad: rectQuad(w * 0.6, h * 0.63, w * 0.75, h * 0.71), score: 0.9 },
        ...(nameOnFrame ? [{ quad: rectQuad(w * 0.1, h * 0.75, w * 0.45, h * 0.85), score: 0.9 }] : []),
      ];
    },
    async close() {},
  };
  return d;
}

/** Number crops are long and thin, the date's is the shortest; the rest read as the name. */
const textOf = (c: Raster): string => (c.width > c.height * 7 ? PAN : c.width < c.height * 4 ? DATE : NAME);

async function read(nameOnFrame: boolean): Promise<{ name: string | null; calls: number }> {
  const detector = detectorOf(nameOnFrame);
  const r = await readPlainFrame(detector, [scriptedRecognizer('ppocr-rec-v4', textOf), scriptedRecognizer('card-crnn-v1', textOf)], NOW);
  expect(r.revealPan()).toBe(PAN.replace(/ /g, ''));
  expect(r.card.expiry).toBe('03/29');
  return { name: r.card.name, calls: detector.calls };
}

describe('the name close-up', () => {
  it('reads the name below the number where no reading boxed one', async () => {
    expect(await read(false)).toEqual({ name: NAME, calls: 2 });
  });
  it('is not cut where a reading read the name', async () => {
    expect(await read(true)).toEqual({ name: NAME, calls: 1 });
  });
});
