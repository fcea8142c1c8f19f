/**
 * Preprocess: photo bytes → one upright, tightly cropped, contrast-normalised grayscale
 * card image of fixed size (ISO ID-1 aspect), plus where the card was.
 *
 * Steps: safe decode (decode.ts) → a ≈ 400 px working copy → find the card as the
 * largest blob that differs from the frame-border background and fit a quadrilateral to
 * it (image/find-card.ts) → snap its sides to the sharp card edges in the full-size photo,
 * leaving the drop shadow out (image/refine.ts) → 0/90 from the long side → one
 * perspective warp from a grayscale copy of the card's box at about the output resolution
 * (image/warp.ts) → invert light-on-dark cards → stretch contrast → 0/180 from layout
 * cues (image/orientation.ts).
 *
 * When no card outline stands out but the frame looks like a card close-up (card-like
 * aspect, print spread over the frame, quiet border), the whole frame is taken as the
 * card (`geometry.fullFrame`). Anything else without a card is a NoCardError, including a
 * card-sized rectangle with square corners (ISO ID-1 cards have rounded ones).
 */
import sharp from 'sharp';
import { DEFAULT_IMAGE_LIMITS, decodeImage, withTimeout, type DecodedImage, type ImageLimits } from './decode.js';
import { ImageInputError, NoCardError } from '../core/errors.js';
import type { Preprocessed } from '../core/stages.js';
import { analyseScene, type CardCandidate, type FindCardDebug, type ForegroundStats } from './image/find-card.js';
import { polygonArea, type Point, type Quad } from './image/geometry.js';
import { cornerShapes } from './image/corners.js';
import { refineQuadEdges } from './image/refine.js';
import { uprightScore } from './image/orientation.js';
import { grayRegion, rotate180, stretchContrast, warpQuad, type GrayImage } from './image/warp.js';
import { findRows, inkComponents } from './readers/glyph/text-rows.js';

/** Output card width, pixels. */
export const CARD_WIDTH = 1000;
/** Output card height, pixels (1000 × 53.98 / 85.60 ≈ 630, the ISO ID-1 aspect). */
export const CARD_HEIGHT = 630;

/** Long side of the working copy used to find the card, pixels. */
const WORK_SIZE = 400;
/** ISO ID-1 aspect (85.60 / 53.98). */
const CARD_ASPECT = 85.6 / 53.98;

/** Where the card was and what was done to it. */
export interface NormalisedCardGeometry {
  /** Clockwise rotation applied to make the card upright, in degrees. */
  readonly rotation: number;
  /** Bounding box of the card in the (oriented) source image. */
  readonly box: { readonly left: number; readonly top: number; readonly width: number; readonly height: number };
  /** Fraction of the frame covered by the card. */
  readonly coverage: number;
  /** Size of the decoded photo (after EXIF orientation) the coordinates refer to. */
  readonly image: { readonly width: number; readonly height: number };
  /** Card corners in source pixels (after EXIF orientation), in upright order TL, TR, BR, BL. */
  readonly corners: ReadonlyArray<{ readonly x: number; readonly y: number }>;
  /** Residual tilt of the card's top edge from the nearest multiple of 90°, degrees. */
  readonly skew: number;
  /** True when the card was light-on-dark and the output was inverted. */
  readonly inverted: boolean;
  /** True when layout cues turned the card by 180° (the weakest of the decisions). */
  readonly flipped180: boolean;
  /** Strength of the 0/180 decision in [0, 1]; low values deserve a 180° retry. */
  readonly orientationConfidence: number;
  /** True when no card outline was found: the frame itself is the view (a card close-up, or any frame with print). */
  readonly fullFrame: boolean;
  /**
   * `card`: the output is the rectified card, CARD_WIDTH × CARD_HEIGHT. `frame`: no card outline
   * was found and the output is the whole frame (long side FRAME_SIDE), for the read stage's
   * learned readers to find the card's text in.
   */
  readonly view: 'card' | 'frame';
}

/** The normalised card handed to OCR. */
export interface NormalisedCard {
  /**
   * PNG, 8-bit grayscale. Card view: CARD_WIDTH × CARD_HEIGHT, upright, text darker than
   * background. Frame view (`geometry.view === 'frame'`): the whole frame, long side FRAME_SIDE.
   */
  readonly image: Buffer;
  /** The same pixels raw (row-major, one byte per pixel), to skip a PNG decode. */
  readonly pixels: GrayImage;
  readonly geometry: NormalisedCardGeometry;
  readonly timingsMs: { decode: number; preprocess: number };
}

/**
 * What the read stage needs to know about a normalised image (the preprocess stage's hints):
 * which view it is, and how to map its pixels back to the photo — the photo's size and, for a
 * rectified card, the card's corners in it. Coordinates only.
 */
export function readHintsOf(g: NormalisedCardGeometry): {
  view: 'card' | 'frame';
  image: { width: number; height: number };
  corners?: Array<[number, number]>;
} {
  return {
    view: g.view,
    image: { width: g.image.width, height: g.image.height },
    ...(g.view === 'card' ? { corners: g.corners.map((p) => [p.x, p.y] as [number, number]) } : {}),
  };
}

/** The preprocess stage's step on every runtime: the normalised image with its read hints. */
export async function preprocessForRead(bytes: Uint8Array, limits: ImageLimits): Promise<Preprocessed> {
  const card = await preprocessPhoto(bytes, limits);
  return { image: card.image, timingsMs: card.timingsMs, hints: readHintsOf(card.geometry) };
}

/** Options for tests and scratch tools. */
export interface PreprocessOptions {
  /** Receives intermediate maps of the card finder. */
  debug?: FindCardDebug;
  /** Called after each internal step with its name (for profiling scripts). */
  trace?: (step: string) => void;
}

/**
 * Lets pending I/O callbacks run between the long synchronous steps, so work queued behind
 * this photo (the next photo's file read and decode, each a chain of libuv round trips)
 * keeps moving instead of stalling until this photo is done.
 */
export function breathe(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Rounds to 0.1 (and turns -0 into 0). */
const round1 = (n: number) => Math.round(n * 10) / 10 || 0;

/**
 * Finds, crops, straightens and normalises the card in a photo.
 * @throws ImageInputError for bad input (see `decodeImage`), NoCardError when no card-like
 *   object is found.
 */
export async function preprocessPhoto(
  bytes: Uint8Array,
  limits: ImageLimits = DEFAULT_IMAGE_LIMITS,
  options: PreprocessOptions = {},
): Promise<NormalisedCard> {
  const t0 = performance.now();
  const decoded = await decodeImage(bytes, limits);
  const t1 = performance.now();
  const remaining = Math.max(1, limits.timeoutMs - (t1 - t0));
  const work = preprocessDecoded(decoded, options);
  work.catch(() => undefined);
  const result = await withTimeout(work, remaining, 'preprocessing the photo');
  const t2 = performance.now();
  return { ...result, timingsMs: { decode: round1(t1 - t0), preprocess: round1(t2 - t1) } };
}

/** Preprocess an already decoded image (see `preprocessPhoto`). */
export async function preprocessDecoded(
  img: DecodedImage,
  options: PreprocessOptions = {},
): Promise<Omit<NormalisedCard, 'timingsMs'>> {
  const { pixels, geometry } = await preprocessDecodedPixels(img, options);
  const png = await encodeGrayPng(pixels);
  options.trace?.('png');
  return { image: png, pixels, geometry };
}

/** The small, slightly blurred RGB copy the card is looked for in (from `workingCopy`). */
export interface WorkingCopy {
  readonly data: Buffer;
  readonly info: { readonly width: number; readonly height: number };
}

/**
 * The ≈ 400 px working copy of a decoded photo (libvips, off the main thread). Exposed so a
 * caller can make it ahead of time, e.g. while another photo is being read.
 */
export async function workingCopy(img: DecodedImage): Promise<WorkingCopy> {
  const { width: W, height: H } = img;
  const raw = { raw: { width: W, height: H, channels: 3 as const } };
  const s = Math.min(1, WORK_SIZE / Math.max(W, H));
  const ww = Math.max(8, Math.round(W * s));
  const wh = Math.max(8, Math.round(H * s));
  return sharp(img.data, raw)
    .resize(ww, wh, { fit: 'fill', kernel: 'linear' })
    .blur(1)
    .raw()
    .toBuffer({ resolveWithObject: true });
}

/**
 * `preprocessDecoded` without the PNG: for callers that read the raw pixels in the same
 * process (the card reader), which would otherwise pay for an encode nobody reads.
 */
export async function preprocessDecodedPixels(
  img: DecodedImage,
  options: PreprocessOptions = {},
  working?: WorkingCopy,
): Promise<Omit<NormalisedCard, 'timingsMs' | 'image'>> {
  const found = await locateCard(img, options, working);
  if ('pixels' in found) return found;
  // No card outline: the whole frame is the view, when it shows print at all (the read
  // stage finds the card's lines in it and decides no_card when none are card-like).
  const frame = await normaliseFrame(img);
  if (!frame) throw new NoCardError(`expected a photo of a payment card, got ${found.reason}`);
  options.trace?.('frame');
  return frame;
}

/** Long side of a normalised frame (no card outline found), px: what the text detector reads. */
export const FRAME_SIDE = 1280;

/**
 * The whole frame as the view when no card outline was found: downscaled to FRAME_SIDE,
 * grey, contrast-stretched. Null when the frame shows no print (a bare desk, a plain
 * object): then there is nothing a reader could read.
 */
async function normaliseFrame(img: DecodedImage): Promise<Omit<NormalisedCard, 'timingsMs' | 'image'> | null> {
  const { width: W, height: H } = img;
  const s = Math.min(1, FRAME_SIDE / Math.max(W, H));
  const w = Math.max(8, Math.round(W * s));
  const h = Math.max(8, Math.round(H * s));
  const buf = await sharp(img.data, { raw: { width: W, height: H, channels: 3 } })
    .resize(w, h, { fit: 'fill', kernel: 'lanczos3' })
    .greyscale()
    .raw()
    .toBuffer();
  const frame: GrayImage = { width: w, height: h, data: new Uint8Array(buf.buffer, buf.byteOffset, buf.length) };
  if (!(await showsPrint(img))) return null;
  stretchContrast(frame, 0.005, 0.995);
  return {
    pixels: frame,
    geometry: {
      rotation: 0,
      box: { left: 0, top: 0, width: W, height: H },
      image: { width: W, height: H },
      coverage: 1,
      corners: [{ x: 0, y: 0 }, { x: W, y: 0 }, { x: W, y: H }, { x: 0, y: H }],
      skew: 0,
      inverted: false,
      flipped180: false,
      orientationConfidence: 0,
      fullFrame: true,
      view: 'frame',
    },
  };
}

/**
 * Whether the frame shows rows of print (≥ 4 glyph-sized ink blobs side by side, across or
 * down the frame): a cheap stand-in for a text detector in the preprocess stage, which has
 * none. Looked for on a lightly blurred 800-px copy, so sensor grain and desk texture do not
 * count as print. A bare or striped desk, a coin or a plain ruler shows none; a card, a note
 * or a screen does.
 */
export async function showsPrint(img: DecodedImage): Promise<boolean> {
  const s = Math.min(1, PRINT_CHECK_SIDE / Math.max(img.width, img.height));
  const w = Math.max(8, Math.round(img.width * s));
  const h = Math.max(8, Math.round(img.height * s));
  const buf = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize(w, h, { fit: 'fill', kernel: 'linear' })
    .greyscale()
    .blur(0.8)
    .raw()
    .toBuffer();
  const small: GrayImage = { width: w, height: h, data: new Uint8Array(buf.buffer, buf.byteOffset, buf.length) };
  for (const view of [small, transpose(small)]) {
    for (const src of [view, invertGray(view)]) {
      const { comps } = inkComponents(src, { offset: 18, minHeight: 5, maxHeight: 60 });
      const rows = findRows(comps, { minHeight: 5 });
      if (rows.some((r) => r.glyphs.length >= 4)) return true;
    }
  }
  return false;
}

/** Side of the copy `showsPrint` looks at, px. */
const PRINT_CHECK_SIDE = 800;

function transpose(g: GrayImage): GrayImage {
  const out = new Uint8Array(g.data.length);
  for (let y = 0; y < g.height; y++) for (let x = 0; x < g.width; x++) out[x * g.height + y] = g.data[y * g.width + x]!;
  return { width: g.height, height: g.width, data: out };
}

function invertGray(g: GrayImage): GrayImage {
  const out = new Uint8Array(g.data.length);
  for (let i = 0; i < out.length; i++) out[i] = 255 - g.data[i]!;
  return { width: g.width, height: g.height, data: out };
}

/**
 * The rectified card when the photo shows its outline (or is a card close-up), else why not.
 * Never throws NoCardError: the caller decides what a photo without an outline becomes.
 */
export async function locateCard(
  img: DecodedImage,
  options: PreprocessOptions = {},
  working?: WorkingCopy,
): Promise<Omit<NormalisedCard, 'timingsMs' | 'image'> | { reason: string }> {
  const { width: W, height: H } = img;
  const small = working ?? (await workingCopy(img));
  options.trace?.('working-copy');
  const sx = W / small.info.width;
  const sy = H / small.info.height;
  const scene = analyseScene({ width: small.info.width, height: small.info.height, data: small.data }, options.debug);
  const cand = scene.candidate;
  options.trace?.('find');
  await breathe();
  const verdict = judge(cand, small.info.width, small.info.height);
  let quad: Quad;
  let fullFrame = false;
  if (verdict.ok === true && cand) {
    quad = cand.quad.map((p) => ({ x: p.x * sx, y: p.y * sy })) as Quad;
    const long = (dist(quad[0], quad[1]) + dist(quad[3], quad[2])) / 2;
    quad = refineQuadEdges(img, quad, 2.5 * Math.max(sx, sy) + 0.02 * long);
    // Payment cards have rounded corners; a note, receipt or phone screen does not.
    const square = cornerShapes(img, quad).filter((c) => c === 'square').length;
    if (square >= 3) return { reason: `a rectangle with ${square} square corners (payment cards have rounded ones)` };
    options.trace?.('refine');
  } else if (!(cand && cand.blobFraction > 0.15 && cand.bordersTouched < 3) && looksLikeFullFrameCard(scene.foreground, W, H)) {
    // (A big object with its own outline inside the frame is not a close-up card.)
    fullFrame = true;
    quad = [{ x: 0, y: 0 }, { x: W, y: 0 }, { x: W, y: H }, { x: 0, y: H }];
  } else {
    return { reason: verdict.ok ? 'no card' : verdict.reason };
  }

  // Orient the quad so TL→TR is a long side pointing right-ish (angle in (-90°, 90°]).
  quad = longSideFirst(quad);
  const ang = Math.atan2(quad[1].y - quad[0].y, quad[1].x - quad[0].x);
  if (ang <= -Math.PI / 2 || ang > Math.PI / 2) quad = [quad[2], quad[3], quad[0], quad[1]];

  // Grayscale only the card's bounding box, halved while the card stays at least the
  // output size (anti-aliasing for big photos), then one perspective warp.
  const cardLong = (dist(quad[0], quad[1]) + dist(quad[3], quad[2])) / 2;
  let halvings = 0;
  while (cardLong / 2 ** (halvings + 1) >= CARD_WIDTH) halvings++;
  const bx0 = clamp(Math.floor(Math.min(...quad.map((p) => p.x))) - 2, 0, W - 1);
  const by0 = clamp(Math.floor(Math.min(...quad.map((p) => p.y))) - 2, 0, H - 1);
  const bx1 = clamp(Math.ceil(Math.max(...quad.map((p) => p.x))) + 2, bx0 + 1, W);
  const by1 = clamp(Math.ceil(Math.max(...quad.map((p) => p.y))) + 2, by0 + 1, H);
  const region = grayRegion(img, bx0, by0, bx1 - bx0, by1 - by0, halvings);
  const k = 1 / 2 ** halvings;
  const rquad = quad.map((p) => ({ x: (p.x - bx0) * k, y: (p.y - by0) * k })) as Quad;
  let card: GrayImage = warpQuad(region, rquad, CARD_WIDTH, CARD_HEIGHT);
  options.trace?.('warp');
  await breathe();

  const inverted = isLightOnDark(card);
  if (inverted) {
    const d = card.data;
    for (let i = 0; i < d.length; i++) d[i] = 255 - d[i]!;
  }
  stretchContrast(card, 0.01, 0.99);
  options.trace?.('contrast');
  const score = uprightScore(card);
  const flipped180 = score < 0;
  if (flipped180) {
    card = rotate180(card);
    quad = [quad[2], quad[3], quad[0], quad[1]];
  }
  options.trace?.('orient');

  const top = Math.atan2(quad[1].y - quad[0].y, quad[1].x - quad[0].x) * (180 / Math.PI);
  // Clockwise rotation that makes the card upright undoes the top edge's tilt.
  const rotation = normaliseDegrees(-top);
  const skew = rotation - 90 * Math.round(rotation / 90);
  const xs = quad.map((p) => p.x), ys = quad.map((p) => p.y);
  const left = Math.max(0, Math.floor(Math.min(...xs)));
  const topPx = Math.max(0, Math.floor(Math.min(...ys)));
  const right = Math.min(W, Math.ceil(Math.max(...xs)));
  const bottom = Math.min(H, Math.ceil(Math.max(...ys)));
  return {
    pixels: card,
    geometry: {
      rotation: round1(rotation),
      box: { left, top: topPx, width: right - left, height: bottom - topPx },
      coverage: Math.round((polygonArea(quad) / (W * H)) * 1000) / 1000,
      image: { width: W, height: H },
      corners: quad.map((p) => ({ x: round1(p.x), y: round1(p.y) })),
      skew: round1(skew),
      inverted,
      flipped180,
      orientationConfidence: Math.round(Math.min(1, Math.abs(score) * 2) * 100) / 100,
      fullFrame,
      view: 'card',
    },
  };
}

/** Encodes an 8-bit grayscale image as PNG (fast settings: the file is transient). */
export async function encodeGrayPng(img: GrayImage): Promise<Buffer> {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 1 } })
    // Without this, sharp writes a 1-band raw input as an RGB PNG.
    .toColourspace('b-w')
    .png({ compressionLevel: 1, adaptiveFiltering: false })
    .toBuffer();
}

/**
 * The 180°-turned variant of a normalised card PNG, for a second OCR hypothesis when the
 * first read fails its checks.
 */
export async function rotateCard180(png: Buffer): Promise<Buffer> {
  return sharp(png).rotate(180).toColourspace('b-w').png({ compressionLevel: 1, adaptiveFiltering: false }).toBuffer();
}

function dist(a: Point, b: Point): number {
  return Math.hypot(b.x - a.x, b.y - a.y);
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

function normaliseDegrees(d: number): number {
  let r = d % 360;
  if (r <= -180) r += 360;
  if (r > 180) r -= 360;
  return r;
}

/** Rotates the corner order so the first side (TL→TR) is the longer pair. */
function longSideFirst(q: Quad): Quad {
  const a = dist(q[0], q[1]) + dist(q[3], q[2]);
  const b = dist(q[1], q[2]) + dist(q[0], q[3]);
  return a >= b ? q : [q[3], q[0], q[1], q[2]];
}

/** Decides whether a candidate blob is a card; says why not in words for the error. */
function judge(c: CardCandidate | null, w: number, h: number): { ok: true } | { ok: false; reason: string } {
  if (!c) return { ok: false, reason: 'no object that stands out from the background' };
  const coverage = polygonArea(c.quad) / (w * h);
  if (coverage < 0.08) {
    return { ok: false, reason: `only a small object (${Math.round(coverage * 100)}% of the frame; a card should cover at least 25%)` };
  }
  if (c.solidity < 0.8) {
    return { ok: false, reason: `an object that is not a rectangle (fills ${Math.round(c.solidity * 100)}% of its outline)` };
  }
  if (c.aspect < CARD_ASPECT * 0.82 || c.aspect > CARD_ASPECT * 1.22) {
    return { ok: false, reason: `a rectangle with aspect ${c.aspect.toFixed(2)}:1 (a card is ${CARD_ASPECT.toFixed(2)}:1)` };
  }
  return { ok: true };
}

/**
 * A card filling the frame leaves no desk to find it against: the frame border is card,
 * so only its print (text, chip, logos) stands out. We accept the whole frame only when
 * the frame has a card-like aspect and that print is spread across most of it; a bare
 * desk (nothing stands out) or a small object on it stays a NoCardError.
 */
function looksLikeFullFrameCard(fg: ForegroundStats, W: number, H: number): boolean {
  const aspect = Math.max(W, H) / Math.min(W, H);
  if (aspect < 1.25 || aspect > 1.95) return false;
  // Print sits inside the card's margins; desk texture runs into the frame border too.
  const quietBorder = fg.ringFraction < fg.fraction * 0.35;
  return quietBorder && fg.fraction > 0.01 && fg.fraction < 0.5 && fg.spanX > 0.6 && fg.spanY > 0.6;
}

/**
 * True when text is lighter than the card (dark cards): the ink sits on the far side of
 * the median from the bright tail, so compare how far each tail reaches.
 */
function isLightOnDark(card: GrayImage): boolean {
  const { width: w, height: h, data } = card;
  const hist = new Uint32Array(256);
  let n = 0;
  for (let y = Math.floor(h * 0.08); y < h * 0.92; y += 2) {
    for (let x = Math.floor(w * 0.05); x < w * 0.95; x += 2) {
      hist[data[y * w + x]!]!++;
      n++;
    }
  }
  const pct = (p: number) => {
    let acc = 0;
    for (let v = 0; v < 256; v++) {
      acc += hist[v]!;
      if (acc >= p * n) return v;
    }
    return 255;
  };
  const med = pct(0.5), lo = pct(0.03), hi = pct(0.97);
  const darkTail = med - lo, lightTail = hi - med;
  if (Math.abs(darkTail - lightTail) < 15) return med < 110;
  return lightTail > darkTail;
}

/** Re-exported for callers that only need the error type. */
export { ImageInputError, NoCardError };
