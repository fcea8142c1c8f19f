/**
 * Counting wrappers around the learned engines: how many detector passes at which input size
 * and how many line crops each recogniser read, per photo, for the bench's diagnostics (the
 * cost of a photo in work done, which the shared machine's noise does not blur).
 */
import type { LineRecognizer, TextDetector } from '../core/ports.js';
import type { WorkDiagnostic } from './diagnostics.js';

/** The detector, noting each pass (view size and the `maxSide` asked for) in `work`. */
export function countedDetector(d: TextDetector, work: WorkDiagnostic): TextDetector {
  return {
    name: d.name,
    detect: (image, options = {}) => {
      work.detect.push({ width: image.width, height: image.height, maxSide: options.maxSide ?? null });
      return d.detect(image, options);
    },
    close: () => d.close(),
  };
}

/** The recogniser, adding the crops of each call to `work.lines[name]`. */
export function countedRecognizer(r: LineRecognizer, work: WorkDiagnostic): LineRecognizer {
  return {
    name: r.name,
    recognize: (lines) => {
      work.lines[r.name] = (work.lines[r.name] ?? 0) + lines.length;
      return r.recognize(lines);
    },
    close: () => r.close(),
  };
}
