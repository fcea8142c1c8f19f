/**
 * What the card reader produces. The full PAN never appears in an enumerable property:
 * `card.pan` is always masked, and the full number is only reachable through
 * `ReadResult.revealPan()` (used by `cardocr scan --reveal` and nothing else), so
 * JSON.stringify, loggers and stores cannot pick it up by accident.
 */
import { lastFour, maskPan } from './mask.js';
import type { ErrorCode } from './errors.js';

/** Outcome of reading one photo. */
export type ReadStatus = 'ok' | 'partial' | 'no_card' | 'failed';

/** Card brands as named by `credit-card-type` (e.g. `visa`, `mastercard`, `american-express`). */
export type Brand = string;

/** The fields read from a card, PAN already masked. `null` = not found or failed its checks. */
export interface CardFields {
  /** Masked PAN (first 6 + last 4 at most). */
  readonly pan: string | null;
  readonly last4: string | null;
  readonly brand: Brand | null;
  /** `MM/YY`. */
  readonly expiry: string | null;
  readonly name: string | null;
}

/** A number that read cleanly but failed Luhn (specimen cards, some UnionPay): masked, for a caller to confirm. */
export interface UnverifiedPan {
  readonly pan: string;
  readonly luhnValid: false;
}

/** Per-field confidence in [0, 1]; only present for fields that were reported. */
export interface FieldConfidence {
  pan?: number;
  expiry?: number;
  name?: number;
  brand?: number;
}

/** Why a field is missing, e.g. `not_found`, `luhn_failed`, `implausible_date`, `low_confidence`. */
export type MissingReasons = Partial<Record<'pan' | 'expiry' | 'name' | 'brand', string>>;

/** A point `[x, y]` in pixels of the oriented source photo (see {@link CardGeometry}). */
export type GeometryPoint = readonly [number, number];

/** Four points, clockwise from the top-left corner as the card (or field) reads upright. */
export type GeometryQuad = readonly [GeometryPoint, GeometryPoint, GeometryPoint, GeometryPoint];

/**
 * Where the card and its fields are in the photo, for an overlay drawn over the user's own
 * file: coordinates only (no pixels, no digits). Every point is in pixels of the photo as
 * uploaded after its EXIF orientation is applied (what a browser shows), whatever views,
 * rotations, warps and downscales the reader looked at.
 */
export interface CardGeometry {
  /** Size of the photo the points refer to (after EXIF orientation). */
  readonly image: { readonly width: number; readonly height: number };
  /**
   * The card's outline, clockwise from the card's top-left as it reads upright: the card's
   * edges when its outline was found, else estimated from its printed lines (their extent,
   * grown to a card's proportions around the number line). Absent when neither gave it.
   */
  readonly corners?: GeometryQuad;
  /** Each reported or found field's quad (a field found but not reported has one too). */
  readonly fields?: Partial<Record<'pan' | 'expiry' | 'name', GeometryQuad>>;
  /** Clockwise degrees that turn the card upright, when an outline gave it. */
  readonly rotation?: number;
}

/**
 * Which reader produced each reported field, e.g. `{pan: ['ppocr-rec-v4@frame0', 'glyph@card']}`
 * (`reader@view[/variant]`). For the bench and tests, in process only: reader names, no card data.
 */
export type FieldSources = Partial<Record<'pan' | 'panUnverified' | 'expiry' | 'name', readonly string[]>>;

export interface ReadResultInit {
  status: ReadStatus;
  /** The full, verified PAN (never stored as-is: only masked views leave this object). */
  pan?: string | null;
  panUnverified?: string | null;
  brand?: Brand | null;
  expiry?: string | null;
  name?: string | null;
  confidence?: FieldConfidence;
  missing?: MissingReasons;
  error?: { code: ErrorCode; message: string } | null;
  timingsMs?: Record<string, number>;
  geometry?: CardGeometry | null;
  sources?: FieldSources;
}

/** Result of reading one photo; safe to serialise (only masked card data is enumerable). */
export class ReadResult {
  readonly status: ReadStatus;
  readonly card: CardFields & { readonly panUnverified?: UnverifiedPan };
  readonly confidence: FieldConfidence;
  readonly missing: MissingReasons;
  readonly error: { code: ErrorCode; message: string } | null;
  readonly timingsMs: Record<string, number>;
  readonly geometry: CardGeometry | null;
  readonly #pan: string | null;
  readonly #panUnverified: string | null;
  /** Which reader produced each field (not enumerable: never serialised with the result). */
  declare readonly sources: FieldSources;

  constructor(init: ReadResultInit) {
    this.#pan = init.pan ?? null;
    this.#panUnverified = init.panUnverified ?? null;
    Object.defineProperty(this, 'sources', { value: init.sources ?? {}, enumerable: false });
    this.status = init.status;
    const card: CardFields & { panUnverified?: UnverifiedPan } = {
      pan: this.#pan ? maskPan(this.#pan) : null,
      last4: this.#pan ? lastFour(this.#pan) : null,
      brand: init.brand ?? null,
      expiry: init.expiry ?? null,
      name: init.name ?? null,
    };
    if (init.panUnverified) card.panUnverified = { pan: maskPan(init.panUnverified), luhnValid: false };
    this.card = card;
    this.confidence = init.confidence ?? {};
    this.missing = init.missing ?? {};
    this.error = init.error ?? null;
    this.timingsMs = init.timingsMs ?? {};
    this.geometry = init.geometry ?? null;
  }

  /** The full PAN. Only for an explicit, local `--reveal`; never log or store it. */
  revealPan(): string | null {
    return this.#pan;
  }

  /** The full unverified (Luhn-failing) number. Only for an explicit, local `--reveal`. */
  revealPanUnverified(): string | null {
    return this.#panUnverified;
  }
}
