/**
 * What the reader tells the bench about one photo, through `CardReaderOptions.onDiagnostics`:
 * the views it tried, the number-like lines each reader read on each view, and the verdict on
 * every card-number candidate, so a miss can be classified as no-text-found (no digit lines),
 * misread (digit lines but no candidate / the wrong one) or rejected-by-checks (a candidate
 * with verdict `single_reading`, `conflict` or `failed_checks`).
 *
 * In process only: it carries full digits. Never log it, store it or send it anywhere.
 */
import type { FieldSources } from '../core/card.js';
import type { PanCandidateVerdict, PanReading } from './fuse.js';

/** One view of the photo the readers looked at. */
export interface ViewDiagnostic {
  /** `card` (rectified card quad), `frame` (whole frame, straightened) or `normalised` (read stage input). */
  readonly id: string;
  readonly kind: 'card' | 'frame';
  /** Clockwise turn applied to the view before reading, degrees (0/90/180/270 plus straightening). */
  readonly rotation: number;
  readonly width: number;
  readonly height: number;
  /** Text regions the detector found on it (undefined when no detector ran). */
  readonly regions?: number;
  /** Dominant angle of those regions' text, degrees from level (undefined when no detector ran). */
  readonly angle?: number;
}

/** A line with digits read by one reader on one view. */
export interface LineDiagnostic {
  /** `reader@view[/variant]`, e.g. `ppocr-rec-v4@frame0`, `glyph@card`. */
  readonly source: string;
  /** Only the digits of the line (letters and spaces dropped). */
  readonly digits: string;
  readonly confidence: number;
}

/** The work one photo cost: what the learned engines were asked to do, and what was left out. */
export interface WorkDiagnostic {
  /** Each detector pass: the view's size and the input side asked for (null: the detector's default). */
  readonly detect: Array<{ readonly width: number; readonly height: number; readonly maxSide: number | null }>;
  /** Line crops read, per recogniser name. */
  readonly lines: Record<string, number>;
  /** Optional passes skipped because the photo's time budget was spent. */
  readonly skipped: string[];
}

/** Everything the reader decided on one photo. */
export interface ReadDiagnostics {
  readonly views: readonly ViewDiagnostic[];
  /** Lines holding ≥ 4 digits, per source. */
  readonly lines: readonly LineDiagnostic[];
  /** Every distinct card number read, with the sources that read it and its verdict. */
  readonly panCandidates: readonly PanCandidateVerdict[];
  /**
   * Every card-number reading fusion weighed (labelled non-card numbers left out), so a change
   * to fusion can be replayed on what was read without reading the photo again (bench, dev).
   */
  readonly panReadings?: readonly PanReading[];
  /** Why no PAN was reported (null when one was). */
  readonly panReason: string | null;
  readonly sources: FieldSources;
  /** What the learned engines were asked to do (absent when none ran). */
  readonly work?: WorkDiagnostic;
  /** Per stage and per reader, milliseconds (the same as the result's `timingsMs`). */
  readonly timingsMs: Readonly<Record<string, number>>;
}
