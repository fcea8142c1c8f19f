/**
 * A view known to be upside down (`flip: true`, as a turned reading's later detections and
 * close-ups pass it) has each crop read once, turned. Crops are counted with the scripted
 * recogniser; no timing.
 */
import { expect, it } from 'vitest';
import type { Raster, TextDetector } from '../../functions/core/ports.js';
import { readViewLearned } from '../../functions/reader/readers/learned.js';
import type { View } from '../../functions/reader/views.js';
import { rectQuad, scriptedRecognizer } from '../support/scripted-engines.js';

const quads = [rectQuad(100, 200, 700, 250), rectQuad(100, 300, 420, 340), rectQuad(300, 380, 500, 410)];
const detector: TextDetector = {
  name: 'scripted-det',
  async detect() {
    return quads.map((quad) => ({ quad, score: 0.9 }));
  },
  async close() {},
};

/** A grey frame whose left half is dark: a crop read as it lies has its dark end left, turned its dark end right. */
function halfDark(w: number, h: number): Raster {
  const data = new Uint8Array(w * h * 3).fill(220);
  for (let y = 0; y < h; y++) for (let x = 0; x < w / 2; x++) data.fill(30, (y * w + x) * 3, (y * w + x) * 3 + 3);
  return { width: w, height: h, channels: 3, data };
}

it('reads each crop of a view known to be upside down once, turned', async () => {
  const view: View = { id: 'frame', kind: 'frame', raster: halfDark(800, 500), rotation: 0 };
  // Turned crops read as TURNED: their dark end is on the right.
  const rec = scriptedRecognizer('scripted', (c) => (c.data[0]! > c.data[(c.width - 1) * 3]! ? 'TURNED' : 'AS IT LIES'));
  const r = await readViewLearned(view, detector, rec, { flip: true });
  expect(r.flipped).toBe(true);
  expect(r.lines.map((l) => l.text)).toEqual(['TURNED', 'TURNED', 'TURNED']);
  expect(rec.crops).toBe(quads.length);
});
