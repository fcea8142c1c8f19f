/**
 * The date close-up's zone around a steep number row read against its view's direction (review
 * 6b S-a): the learned reader joins such a row in its own reading order (learned.ts
 * `readsAgainstFrame`), while the reading's `angle` and `flipped` stay the view's. The zone must
 * follow the row's own reading direction and lie below the number as it reads, where cards print
 * their dates — cut from the view's angle it lay above the number and the date was missed. The
 * detector, recogniser and image are scripted as in learned-steep.test.ts; the number is made up.
 */
import { describe, expect, it } from 'vitest';
import type { LineRecognizer, Raster, TextDetector, TextRegion } from '../../functions/core/ports.js';
import { dateZone, numberLineIn } from '../../functions/reader/date-zone.js';
import { readViewLearned } from '../../functions/reader/readers/learned.js';
import type { View } from '../../functions/reader/views.js';
import { STEEP_GROUPS, STEEP_HEIGHT, frameWithLines, lineQuad, markerRecognizer, steepGroupQuads } from '../support/marker-lines.js';

type Quad = TextRegion['quad'];
const GROUPS = STEEP_GROUPS;
const H = STEEP_HEIGHT;
const groupQuads = steepGroupQuads;
const recognizer = markerRecognizer;

/** Where `p` lies across a line reading along `deg` through (450, 450): > 0 below it as it reads. */
function across(p: { x: number; y: number }, deg: number): number {
  const t = (deg * Math.PI) / 180;
  return -(p.x - 450) * Math.sin(t) + (p.y - 450) * Math.cos(t);
}

describe('the date zone of a steep row read against its view (review 6b S-a)', () => {
  it('lies below the number as it reads, not above it', async () => {
    for (const deg of [-60, 60, -75]) {
      const number = groupQuads(deg);
      // A longer line parallel to the number, 120 px below it as it reads, its quad from the text's
      // top-left corner: the view's one direction vote follows it, while the number's quads start
      // at a short side and read the other way along the view's angle.
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
      const line = numberLineIn(reading, GROUPS.join(''));
      expect(line, `${deg}°`).toBeTruthy();
      const zone = dateZone(line!.quads, reading.angle, reading.flipped)!;
      const a = zone.quad.map((p) => across(p, deg));
      // The number spans ±15 px across; the zone reaches 3.5 heights below it and 0.75 above.
      expect(Math.max(...a), `${deg}°`).toBeGreaterThan(15 + 3 * H);
      expect(Math.min(...a), `${deg}°`).toBeGreaterThan(-15 - H);
    }
  });
});
