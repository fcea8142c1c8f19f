/**
 * The learned reader joins a number printed as separate group boxes in the order the print reads,
 * also on steep text whose detected quads start at a short side (the crop is read down its long
 * side, which can point against textAngle's half-turn). Tuning photo embossed-83001 #021: text at
 * about -58°, the four groups were joined last to first. Images, quads and the recogniser are
 * scripted here: the recogniser answers only for crops that arrive upright (a dark marker at the
 * crop's left end) and tells the groups apart by their length. The number is made up (Luhn-valid).
 */
import { describe, expect, it } from 'vitest';
import type { LineRecognizer, Raster, TextDetector, TextRegion } from '../../functions/core/ports.js';
import { readViewLearned, toTextLines } from '../../functions/reader/readers/learned.js';
import type { View } from '../../functions/reader/views.js';
import { STEEP_GROUPS, STEEP_HEIGHT, frameWithLines, lineQuad, markerRecognizer, steepGroupQuads } from '../support/marker-lines.js';

type Quad = TextRegion['quad'];
const GROUPS = STEEP_GROUPS;
const H = STEEP_HEIGHT;
const groupQuads = steepGroupQuads;
const recognizer = markerRecognizer;

/** A detector reporting each quad from the corner `shift` places on (1: from a short side). */
const detectorOf = (quads: readonly Quad[], shift: number): TextDetector => ({
  name: 'scripted-det',
  async detect() {
    return quads.map((q) => ({ quad: [0, 1, 2, 3].map((i) => q[(i + shift) % 4]!) as unknown as Quad, score: 0.9 }));
  },
  async close() {},
});

async function numberLine(deg: number, shift: number): Promise<string | undefined> {
  const quads = groupQuads(deg);
  const view: View = { id: 'frame', kind: 'frame', raster: frameWithLines(900, 900, quads), rotation: 0 };
  const reading = await readViewLearned(view, detectorOf(quads, shift), recognizer);
  return toTextLines(reading.lines).map((l) => l.text).find((t) => t.replace(/ /g, '').length === 16);
}

describe('the learned reader joins a number\'s group boxes in reading order', () => {
  it('level and tilted text, quads from the top-left corner', async () => {
    for (const deg of [0, 30, -30]) expect(await numberLine(deg, 0), `${deg}°`).toBe(GROUPS.join(' '));
  });

  it('steep text whose quads start at a short side (embossed-83001 #021: -58°, read turned)', async () => {
    for (const deg of [-60, -75, 60, 120, -120]) {
      for (const shift of [1, 3]) expect(await numberLine(deg, shift), `${deg}° shift ${shift}`).toBe(GROUPS.join(' '));
    }
  });

  it('a row read against the view\'s direction, beside longer print read the other way, is joined in its own reading order (review 6b S-d)', async () => {
    for (const deg of [-60, 60, -75]) {
      const number = groupQuads(deg);
      // A longer line parallel to the number, 120 px across from it, its quad from the text's top-left
      // corner: the view's one vote follows it, while the number's quads start at a short side.
      const t = (deg * Math.PI) / 180;
      const other = lineQuad(450 - 120 * Math.sin(t), 450 + 120 * Math.cos(t), 760, H, deg);
      const detector: TextDetector = {
        name: 'scripted-det',
        async detect() {
          return [
            ...number.map((q) => ({ quad: [0, 1, 2, 3].map((i) => q[(i + 1) % 4]!) as unknown as Quad, score: 0.9 })),
            { quad: other, score: 0.9 },
          ];
        },
        async close() {},
      };
      const view: View = { id: 'frame', kind: 'frame', raster: frameWithLines(900, 900, [...number, other]), rotation: 0 };
      const reading = await readViewLearned(view, detector, recognizer);
      const line = toTextLines(reading.lines).map((l) => l.text).find((x) => x.replace(/ /g, '').length === 16);
      expect(line, `${deg}°`).toBe(GROUPS.join(' '));
    }
  });
});
