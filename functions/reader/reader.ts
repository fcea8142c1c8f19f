/**
 * The card reader: photo bytes → checked, masked card fields. Composes safe decode and
 * preprocessing (preprocess.ts), the glyph reader for the printed fields (ocr/read-card.ts),
 * Tesseract for fields the glyph reader cannot settle (through the OcrEngine port), and the
 * field checks (extract.ts). When a reading fails its checks, other hypotheses are tried
 * (other binarisation, the card turned 180°) and the checks pick the winner.
 *
 * Never throws for bad input: bad images come back `failed` with the error code, photos
 * without a readable card as `no_card`.
 */
import sharp from 'sharp';
import { ReadResult, type ReadStatus } from '../core/card.js';
import { DEFAULT_IMAGE_LIMITS, decodeImage, withTimeout, type ImageLimits } from './decode.js';
import { CardOcrError, toCardOcrError } from '../core/errors.js';
import { redactPans } from '../core/mask.js';
import { extractFields, hasAnyField, type ExtractedFields, type TextLine } from './extract/index.js';
import { silentLog, type Log } from '../core/log.js';
import type { Gray } from './readers/glyph/glyphs.js';
import { readCardGlyphs, type CardReading } from './readers/glyph/read-card.js';
import { readNameWithOcr } from './readers/glyph/name-ocr.js';
import type { LineRecognizer, OcrEngine, TextDetector } from '../core/ports.js';
import type { ReadDiagnostics } from './diagnostics.js';
import { breathe, CARD_HEIGHT, CARD_WIDTH, preprocessDecodedPixels, workingCopy } from './preprocess.js';

export interface CardReader {
  /** Whole pipeline on photo bytes. Never throws for bad input: returns ReadResult with status 'failed' (error.code from ImageInputError) or 'no_card'. */
  readPhoto(bytes: Uint8Array): Promise<ReadResult>;
  /**
   * OCR + extraction on an already normalised PNG (what the AWS/local "read" stage runs after
   * the "preprocess" stage): a rectified card, or — when preprocessing found no card outline —
   * the normalised whole frame. Hints are optional; without them the view kind is told by the
   * image's size and aspect.
   */
  readNormalised(card: Uint8Array, hints?: NormalisedHints): Promise<ReadResult>;
  close(): Promise<void>;
}

/** What the preprocess stage knows about the PNG it wrote (all optional). */
export interface NormalisedHints {
  /** `card`: a rectified card (CARD_WIDTH × CARD_HEIGHT); `frame`: the whole frame, no outline found. */
  readonly view?: 'card' | 'frame';
  /** Clockwise degrees already applied to make it upright (0 when unknown). */
  readonly rotation?: number;
}

/** Engine factories the reader starts lazily. */
export interface ReaderEngines {
  /** A general OCR engine (tesseract.js) for names, labels and cross-checks. */
  readonly ocr: () => Promise<OcrEngine>;
  /** A learned text detector (PP-OCR DB); without it the reader reads card views with the glyph reader only. */
  readonly detector?: () => Promise<TextDetector>;
  /** Learned line recognisers, best first (PP-OCR rec, the project's card-line model). */
  readonly recognizers?: () => Promise<LineRecognizer[]>;
}

export interface CardReaderOptions {
  /** Photos read at once on the main thread (default 1); others decode ahead, off the main thread. */
  workers?: number;
  limits?: ImageLimits;
  log?: Log;
  /**
   * The OCR engines, injected by the composition root (the reader never imports an adapter).
   * Each is a factory called on first use, so a photo that never needs an engine never pays
   * its start-up.
   */
  engines: ReaderEngines;
  /** Reference date for expiry plausibility (tests). */
  now?: () => Date;
  /**
   * Called once per photo with what every reader read and how each card-number candidate was
   * judged (for the bench). In process only: it carries full digits — never log or store it.
   */
  onDiagnostics?: (d: ReadDiagnostics) => void;
}

export type { ReadDiagnostics } from './diagnostics.js';
export type { PanCandidateVerdict, PanVerdict } from './fuse.js';

/** Tesseract's page confidence below which its name reading is not trusted on its own (measured: wrong reads ≤ 0.46, right ones mostly ≥ 0.56). */
const TESSERACT_NAME_MIN_CONFIDENCE = 0.55;

const round1 = (n: number): number => Math.round(n * 10) / 10;

/**
 * At most `slots` holders at a time, first come first served. The reader's main-thread
 * work (preprocess, glyph OCR, name OCR) goes through one of these so a caller may keep
 * more photos in flight than that: the extra ones are decoded (by libvips, off the main
 * thread) while earlier photos are read, instead of waiting idle.
 */
function createGate(slots: number): () => Promise<() => void> {
  let free = Math.max(1, slots);
  const waiting: Array<() => void> = [];
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else free++;
  };
  return () => {
    if (free > 0) {
      free--;
      return Promise.resolve(once(release));
    }
    return new Promise((resolve) => waiting.push(() => resolve(once(release))));
  };
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (!done) {
      done = true;
      fn();
    }
  };
}

/** Turns a grayscale image by 180°. */
function rotate180(img: Gray): Gray {
  const out = new Uint8Array(img.data.length);
  const n = img.data.length;
  for (let i = 0; i < n; i++) out[i] = img.data[n - 1 - i]!;
  return { width: img.width, height: img.height, data: out };
}

/** The negative of a grayscale image. */
function invert(img: Gray): Gray {
  const out = new Uint8Array(img.data.length);
  for (let i = 0; i < out.length; i++) out[i] = 255 - img.data[i]!;
  return { width: img.width, height: img.height, data: out };
}

function withoutKey<T extends object, K extends keyof T>(o: T, k: K): T {
  const copy = { ...o };
  delete copy[k];
  return copy;
}

/** How much a set of fields is worth: a verified PAN dominates. */
function score(f: ExtractedFields): number {
  return (f.pan ? 10 : 0) + (f.panUnverified ? 2 : 0) + (f.expiry ? 2 : 0) + (f.name ? 1 : 0) + (f.pan ? (f.confidence.pan ?? 0) : 0);
}

/**
 * Creates a reader. The OCR engine is loaded and started lazily, on the first card whose
 * name the glyph reader cannot settle, so most reads never pay its start-up.
 */
export async function createCardReader(options: CardReaderOptions): Promise<CardReader> {
  const log = options.log ?? silentLog;
  const limits = options.limits ?? DEFAULT_IMAGE_LIMITS;
  const now = options.now ?? (() => new Date());
  let engine: Promise<OcrEngine> | null = null;
  let closed = false;
  const enter = createGate(options.workers ?? 1);
  const getEngine = (): Promise<OcrEngine> => {
    // Started on first use: most cards never need it, and every process start (CLI, Lambda
    // cold start) is spared its import.
    const current = (engine ??= options.engines.ocr());
    // A failed load is retried on the next card rather than remembered.
    current.catch(() => {
      if (engine === current) engine = null;
    });
    return current;
  };

  /** OCR + extraction on an upright grayscale card. */
  async function readCard(card: Gray): Promise<{ fields: ExtractedFields; ocrMs: number; extractMs: number }> {
    let ocrMs = 0;
    let extractMs = 0;
    const attempt = (img: Gray, offset?: number): { fields: ExtractedFields; lines: TextLine[]; reading: CardReading } => {
      const t0 = performance.now();
      const reading = readCardGlyphs(img, offset === undefined ? {} : { offset });
      const t1 = performance.now();
      const fields = extractFields(reading.lines, { now: now() });
      ocrMs += t1 - t0;
      extractMs += performance.now() - t1;
      return { fields, lines: reading.lines, reading };
    };

    let best = attempt(card);
    await breathe(); // see breathe(): the next photo's decode moves on meanwhile
    let bestImg = card;
    if (!best.fields.pan) {
      // Other hypotheses, cheapest and likeliest first: the card's polarity misjudged, the card
      // upside down, both, a lower ink threshold. The field checks pick the winner.
      const inverted = invert(card);
      const hypotheses: Array<[Gray, number | undefined]> = [
        [inverted, undefined],
        [rotate180(card), undefined],
        [rotate180(inverted), undefined],
        [card, 10],
      ];
      for (const [img, offset] of hypotheses) {
        const alt = attempt(img, offset);
        if (score(alt.fields) > score(best.fields)) {
          best = alt;
          bestImg = img;
        }
        if (best.fields.pan) break;
      }
    } else if (!best.fields.expiry) {
      // The number read, so polarity and orientation are right: only the ink threshold may
      // have hidden the date. Take the date only from a reading that agrees on the number.
      const alt = attempt(card, 10);
      if (alt.fields.pan === best.fields.pan && alt.fields.expiry) {
        // Labels read in either reading count: a date the first reading saw labelled VALID
        // FROM must not become the expiry because the second missed the label.
        const readable = (ls: TextLine[]) => ls.filter((l) => !l.text.includes('?'));
        const both = extractFields([...readable(best.lines), ...readable(alt.lines)], { now: now() });
        if (both.expiry === alt.fields.expiry) best = { ...best, fields: { ...best.fields, expiry: alt.fields.expiry, confidence: { ...best.fields.confidence, expiry: alt.fields.confidence.expiry ?? 0 }, missing: withoutKey(best.fields.missing, 'expiry') } };
      }
    }
    let fields = best.fields;
    if (!fields.name && (fields.pan || fields.expiry)) {
      // The glyph reader could not settle the name: ask Tesseract about the name region. Its
      // reading counts when Tesseract is sure, or when it agrees with the doubtful glyph reading.
      const t0 = performance.now();
      const glyphName = best.reading.name?.text.replace(/\s+/g, '') ?? null;
      let nameLines: TextLine[] = [];
      try {
        nameLines = (await readNameWithOcr(await getEngine(), bestImg, best.reading)).filter(
          (l) => l.confidence >= TESSERACT_NAME_MIN_CONFIDENCE || (glyphName !== null && l.text.replace(/\s+/g, '') === glyphName),
        );
      } catch (err) {
        // The number and date stand on their own: an OCR engine failure costs only the name.
        const e = toCardOcrError(err);
        log.warn('name OCR failed', { code: e.code });
        fields = { ...fields, missing: { ...fields.missing, name: 'ocr_failed' } };
      }
      const t1 = performance.now();
      if (nameLines.length > 0) {
        const named = extractFields([...best.lines, ...nameLines], { now: now() });
        if (named.name) {
          fields = {
            ...fields,
            name: named.name,
            confidence: { ...fields.confidence, name: named.confidence.name ?? 0 },
            missing: withoutKey(fields.missing, 'name'),
          };
        }
      }
      ocrMs += t1 - t0;
      extractMs += performance.now() - t1;
    }
    return { fields, ocrMs, extractMs };
  }

  function toResult(
    fields: ExtractedFields,
    timings: Record<string, number>,
    geometry: ConstructorParameters<typeof ReadResult>[0]['geometry'],
  ): ReadResult {
    const any = hasAnyField(fields);
    const status: ReadStatus = fields.pan ? 'ok' : any ? 'partial' : 'no_card';
    return new ReadResult({
      status,
      pan: fields.pan,
      panUnverified: fields.panUnverified,
      brand: fields.brand,
      expiry: fields.expiry,
      name: fields.name,
      confidence: fields.confidence,
      missing: fields.missing,
      error: status === 'no_card' ? { code: 'no_card', message: 'no card fields could be read from the image' } : null,
      timingsMs: timings,
      geometry: geometry ?? null,
    });
  }

  function failed(err: unknown, timings: Record<string, number>): ReadResult {
    const e: CardOcrError = toCardOcrError(err);
    const status: ReadStatus = e.code === 'no_card' ? 'no_card' : 'failed';
    // Only a redacted, bounded message: an unexpected error could quote its input.
    if (e.code === 'internal') log.error('card read failed unexpectedly', { code: e.code, error: redactPans(String(err)).slice(0, 300) });
    return new ReadResult({ status, error: e.toJSON(), timingsMs: timings });
  }

  function logResult(r: ReadResult, what: string): void {
    log.debug(what, {
      status: r.status,
      pan: r.card.pan, // masked
      brand: r.card.brand,
      missing: r.missing,
      errorCode: r.error?.code,
      timingsMs: r.timingsMs,
    });
  }

  return {
    async readPhoto(bytes: Uint8Array): Promise<ReadResult> {
      const t0 = performance.now();
      // Time spent waiting for a slot is not this photo's work: left out of budget and timings.
      let waitedMs = 0;
      let leave: (() => void) | null = null;
      let result: ReadResult;
      try {
        if (closed) throw new CardOcrError('internal', 'card reader is closed');
        // Decoding and the working copy run on libvips threads, outside the gate (see createGate).
        const decoded = await decodeImage(bytes, limits);
        const t1 = performance.now();
        const budget = Math.max(1, limits.timeoutMs - (t1 - t0));
        const small = workingCopy(decoded);
        small.catch(() => undefined);
        const working = await withTimeout(small, budget, 'preprocessing the photo');
        const t2 = performance.now();
        leave = await enter();
        const t3 = performance.now();
        waitedMs = t3 - t2;
        // One budget for decode + preprocess, as in preprocessPhoto.
        const work = preprocessDecodedPixels(decoded, {}, working);
        work.catch(() => undefined);
        const pre = await withTimeout(work, Math.max(1, budget - (t2 - t1)), 'preprocessing the photo');
        const t4 = performance.now();
        await breathe();
        const { fields, ocrMs, extractMs } = await readCard(pre.pixels);
        result = toResult(
          fields,
          {
            decode: round1(t1 - t0),
            preprocess: round1(t2 - t1 + (t4 - t3)),
            ocr: round1(ocrMs),
            extract: round1(extractMs),
            total: round1(performance.now() - t0 - waitedMs),
          },
          pre.geometry,
        );
      } catch (err) {
        result = failed(err, { total: round1(performance.now() - t0 - waitedMs) });
      } finally {
        leave?.();
      }
      logResult(result, 'photo read');
      return result;
    },

    async readNormalised(png: Uint8Array): Promise<ReadResult> {
      const t0 = performance.now();
      let result: ReadResult;
      try {
        if (closed) throw new CardOcrError('internal', 'card reader is closed');
        const decoded = await decodeImage(png, limits);
        const gray = await sharp(decoded.data, { raw: { width: decoded.width, height: decoded.height, channels: 3 } })
          .greyscale()
          // Cards from the preprocess stage are already this size; anything else is scaled to it.
          .resize(CARD_WIDTH, CARD_HEIGHT, { fit: 'fill' })
          .raw()
          .toBuffer();
        const t1 = performance.now();
        const card: Gray = { width: CARD_WIDTH, height: CARD_HEIGHT, data: new Uint8Array(gray.buffer, gray.byteOffset, gray.length) };
        const { fields, ocrMs, extractMs } = await readCard(card);
        result = toResult(
          fields,
          { decode: round1(t1 - t0), ocr: round1(ocrMs), extract: round1(extractMs), total: round1(performance.now() - t0) },
          null,
        );
      } catch (err) {
        result = failed(err, { total: round1(performance.now() - t0) });
      }
      logResult(result, 'card read');
      return result;
    },

    async close(): Promise<void> {
      closed = true;
      if (engine) await engine.then((e) => e.close(), () => {});
    },
  };
}

