/**
 * Safe image decode. Untrusted bytes go through four gates before any pixel work:
 * 1. size in bytes, 2. type sniffed from magic bytes (never the name or declared type),
 * 3. dimensions read from the header (so a tiny decompression bomb is refused before it
 *    is inflated), 4. a full decode under sharp's own pixel limit, `failOn: 'warning'`
 *    (truncated or corrupt data is refused) and a time budget.
 * The result is upright (EXIF orientation applied), metadata-free raw sRGB pixels.
 */
import sharp, { type Metadata, type SharpOptions } from 'sharp';
import { ImageInputError } from '../core/errors.js';

/** Limits applied to every untrusted image. */
export interface ImageLimits {
  /** Largest accepted input, bytes. */
  maxInputBytes: number;
  /** Largest accepted image, pixels (width × height), checked from the header before decoding. */
  maxInputPixels: number;
  /** Budget for decoding (and, in `preprocessPhoto`, preprocessing) one image, ms. */
  timeoutMs: number;
  /**
   * Largest accepted width or height, pixels, checked from the header. The pixel cap alone
   * lets a 1×9,999,999 strip through, whose decode burns the whole time budget. Default 16,384.
   */
  maxInputSide?: number;
  /** Largest accepted long-side : short-side ratio, checked from the header. Default 20. */
  maxAspectRatio?: number;
}

/** Defaults, matching `functions/core/config.ts` (15 MiB, 50 MP, 10 s, 16,384 px a side, 20:1). */
export const DEFAULT_IMAGE_LIMITS: Readonly<Required<ImageLimits>> = Object.freeze({
  maxInputBytes: 15 * 1024 * 1024,
  maxInputPixels: 50_000_000,
  timeoutMs: 10_000,
  maxInputSide: 16_384,
  maxAspectRatio: 20,
});

/** The formats the pipeline accepts. */
export type ImageType = 'jpeg' | 'png' | 'webp';

/** A decoded, upright image: raw interleaved 8-bit sRGB pixels, no metadata. */
export interface DecodedImage {
  /** The format sniffed from the bytes. */
  readonly format: ImageType;
  /** Width after EXIF orientation, pixels. */
  readonly width: number;
  /** Height after EXIF orientation, pixels. */
  readonly height: number;
  /** Always 3 (RGB; alpha is flattened onto white). */
  readonly channels: 3;
  /** `width * height * 3` bytes, row-major RGB. */
  readonly data: Buffer;
  /** EXIF orientation tag found in the input (1 = none/upright). */
  readonly exifOrientation: number;
}

/**
 * Identifies JPEG, PNG or WebP from magic bytes alone; anything else is `null`.
 * @param bytes the start of the file (12 bytes are enough)
 */
export function sniffImageType(bytes: Uint8Array): ImageType | null {
  const b = bytes;
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (
    b.length >= 8 &&
    b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47 &&
    b[4] === 0x0d && b[5] === 0x0a && b[6] === 0x1a && b[7] === 0x0a
  ) {
    return 'png';
  }
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP') return 'webp';
  return null;
}

function ascii(b: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to && i < b.length; i++) s += String.fromCharCode(b[i] ?? 0);
  return s;
}

/**
 * Names what the bytes look like, for error messages ("got a GIF"). Best effort, magic
 * bytes and a text sniff only; never used to accept anything.
 */
export function describeBytes(bytes: Uint8Array): string {
  const b = bytes;
  if (b.length === 0) return 'an empty file';
  const head = ascii(b, 0, Math.min(b.length, 512));
  const starts = (s: string) => head.startsWith(s);
  if (starts('GIF87a') || starts('GIF89a')) return 'a GIF';
  if (starts('II*\0') || starts('MM\0*')) return 'a TIFF';
  if (starts('BM')) return 'a BMP';
  if (starts('%PDF')) return 'a PDF';
  if (starts('PK\x03\x04') || starts('PK\x05\x06')) return 'a ZIP archive';
  if (b.length >= 12 && ascii(b, 4, 8) === 'ftyp') {
    const brand = ascii(b, 8, 12);
    if (/^(heic|heix|hevc|heim|heis|mif1|msf1)$/.test(brand)) return 'a HEIC/HEIF image';
    if (/^avi[fs]$/.test(brand)) return 'an AVIF image';
    return 'an ISO media file (e.g. MP4)';
  }
  if (starts('\0\0\0\x0cjP  ') || starts('\xff\x4f\xff\x51')) return 'a JPEG 2000 image';
  if (starts('\xff\x0a') || starts('\0\0\0\x0cJXL ')) return 'a JPEG XL image';
  if (starts('\0\0\x01\0')) return 'an ICO image';
  if (starts('8BPS')) return 'a Photoshop file';
  if (starts('\x1f\x8b')) return 'a gzip archive';
  if (starts('RIFF')) return 'a RIFF file that is not WebP';
  const text = head.replace(/^\ufeff|^\xef\xbb\xbf/, '').trimStart().toLowerCase();
  if (text.startsWith('<svg') || (text.startsWith('<?xml') && text.includes('<svg'))) return 'an SVG image';
  if (text.startsWith('<!doctype html') || text.startsWith('<html') || /<(head|body|script)[\s>]/.test(text)) {
    return 'an HTML document';
  }
  if (text.startsWith('<?xml') || text.startsWith('<')) return 'an XML/markup document';
  if (text.startsWith('{') || text.startsWith('[')) return 'JSON or text';
  // Mostly printable ASCII → text.
  let printable = 0;
  const n = Math.min(b.length, 512);
  for (let i = 0; i < n; i++) {
    const c = b[i] ?? 0;
    if ((c >= 0x20 && c < 0x7f) || c === 0x09 || c === 0x0a || c === 0x0d) printable++;
  }
  if (printable / n > 0.95) return 'plain text';
  return 'unrecognised binary data';
}

const FORMAT_NAME: Record<ImageType, string> = { jpeg: 'JPEG', png: 'PNG', webp: 'WebP' };

function mib(n: number): string {
  return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
}

function mp(n: number): string {
  return `${(n / 1_000_000).toFixed(1)} MP`;
}

/**
 * Runs `work` with a wall-clock budget. sharp's own `timeout` stops libvips; this race
 * guarantees the caller gets an answer in time even if the native side does not stop.
 */
export async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ImageInputError('timeout', `${what} took longer than the ${ms} ms budget`)), ms);
    timer.unref?.();
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Maps a sharp/libvips failure onto an input error code with a plain message. */
function fromSharpError(err: unknown, format: ImageType): ImageInputError {
  if (err instanceof ImageInputError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  if (/pixel limit|exceeds pixel|too large|dimensions.*exceed/i.test(msg)) {
    return new ImageInputError('too_large', `expected an image of at most the pixel limit, got a larger ${FORMAT_NAME[format]}`, { cause: err });
  }
  if (/timeout/i.test(msg)) {
    return new ImageInputError('timeout', `decoding the ${FORMAT_NAME[format]} exceeded its time budget`, { cause: err });
  }
  // libvips wording for truncation varies by codec ("premature end", "truncated"); libpng
  // says only "read error" for both a cut-off file and a bad checksum.
  const truncated = /truncat|premature end|unexpected end|end of (file|stream)|not enough data/i.test(msg);
  const name = FORMAT_NAME[format];
  return new ImageInputError(
    'invalid_image',
    truncated
      ? `expected a complete ${name} image, got a truncated one`
      : `expected a valid ${name} image, got corrupt or truncated ${name} data`,
    { cause: err },
  );
}

/** The per-side cap and the aspect limit (header gate). */
function checkShape(w: number, h: number, format: ImageType, limits: ImageLimits): void {
  const maxSide = limits.maxInputSide ?? DEFAULT_IMAGE_LIMITS.maxInputSide;
  if (w > maxSide || h > maxSide) {
    throw new ImageInputError(
      'too_large',
      `expected at most ${maxSide} px a side, got a ${w}×${h} ${FORMAT_NAME[format]}; scale the photo down and try again`,
    );
  }
  const maxAspect = limits.maxAspectRatio ?? DEFAULT_IMAGE_LIMITS.maxAspectRatio;
  if (w > 0 && h > 0 && Math.max(w, h) / Math.min(w, h) > maxAspect) {
    throw new ImageInputError(
      'invalid_image',
      `expected a photo no more elongated than ${maxAspect}:1, got a ${w}×${h} ${FORMAT_NAME[format]}; send a photo of the card, not a strip`,
    );
  }
}

/**
 * Width and height as a PNG (IHDR, always the first chunk) or a WebP (VP8X canvas, VP8L or
 * VP8 frame header) states them at fixed offsets; null when the bytes do not have that
 * exact layout (sharp then reads the header). Before EXIF orientation, which does not
 * change the side lengths or the aspect.
 */
function statedDimensions(b: Uint8Array, format: ImageType): { width: number; height: number } | null {
  const u32be = (o: number) => ((b[o]! << 24) >>> 0) + (b[o + 1]! << 16) + (b[o + 2]! << 8) + b[o + 3]!;
  const u24le = (o: number) => b[o]! + (b[o + 1]! << 8) + (b[o + 2]! << 16);
  const u16le = (o: number) => b[o]! + (b[o + 1]! << 8);
  if (format === 'png') {
    if (b.length < 24 || u32be(8) !== 13 || ascii(b, 12, 16) !== 'IHDR') return null;
    return { width: u32be(16), height: u32be(20) };
  }
  if (format === 'webp' && b.length >= 30) {
    const chunk = ascii(b, 12, 16);
    if (chunk === 'VP8X') return { width: u24le(24) + 1, height: u24le(27) + 1 };
    if (chunk === 'VP8L' && b[20] === 0x2f) {
      const bits = b[21]! | (b[22]! << 8) | (b[23]! << 16) | (b[24]! << 24);
      return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
    }
    if (chunk === 'VP8 ' && b[23] === 0x9d && b[24] === 0x01 && b[25] === 0x2a) {
      return { width: u16le(26) & 0x3fff, height: u16le(28) & 0x3fff };
    }
  }
  return null;
}

/**
 * Decodes untrusted image bytes into upright raw sRGB pixels.
 * @throws ImageInputError `unsupported_format` (not JPEG/PNG/WebP), `invalid_image`
 *   (empty, corrupt, truncated), `too_large` (bytes or pixels over the limits) or
 *   `timeout`.
 */
export async function decodeImage(bytes: Uint8Array, limits: ImageLimits = DEFAULT_IMAGE_LIMITS): Promise<DecodedImage> {
  if (bytes.length === 0) throw new ImageInputError('invalid_image', 'expected a JPEG, PNG or WebP image, got an empty file');
  if (bytes.length > limits.maxInputBytes) {
    throw new ImageInputError('too_large', `expected at most ${mib(limits.maxInputBytes)}, got ${mib(bytes.length)}`);
  }
  const format = sniffImageType(bytes);
  if (format === null) {
    const what = describeBytes(bytes);
    // Bytes too short to hold any header are broken input rather than another format.
    const code = bytes.length < 12 && what === 'unrecognised binary data' ? 'invalid_image' : 'unsupported_format';
    throw new ImageInputError(code, `expected a JPEG, PNG or WebP image, got ${what}`);
  }
  const input = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const seconds = Math.max(1, Math.ceil(limits.timeoutMs / 1000));
  const options: SharpOptions = {
    // sharp re-checks the header dimensions against this while opening: a second guard.
    limitInputPixels: limits.maxInputPixels,
    failOn: 'warning',
    sequentialRead: true,
    autoOrient: true,
    limitInputChannels: 5,
  };

  // PNG and WebP state their dimensions at fixed offsets: refuse from those bytes before
  // sharp is even called (its metadata() for a WebP took 0.4–89 ms on a loaded machine,
  // queued on the libuv pool; this takes microseconds). Refuses only: whatever passes is
  // still checked by sharp below. JPEG (markers to walk) is left to sharp, which is fast there.
  const stated = statedDimensions(bytes, format);
  if (stated) checkShape(stated.width, stated.height, format, limits);

  const work = (async (): Promise<DecodedImage> => {
    let meta: Metadata;
    try {
      // Header only: no pixel data is inflated here.
      meta = await sharp(input, { ...options, limitInputPixels: false }).metadata();
    } catch (err) {
      throw fromSharpError(err, format);
    }
    if (meta.format !== format && !(format === 'jpeg' && meta.format === 'jpeg')) {
      throw new ImageInputError('invalid_image', `expected a valid ${FORMAT_NAME[format]} image, got data that does not decode as one`);
    }
    const w = meta.width ?? 0;
    const h = meta.height ?? 0;
    if (!(w > 0 && h > 0)) {
      throw new ImageInputError('invalid_image', `expected a ${FORMAT_NAME[format]} image with dimensions, got none`);
    }
    if ((meta.pages ?? 1) > 1) {
      throw new ImageInputError('unsupported_format', `expected a still ${FORMAT_NAME[format]} image, got an animated one with ${meta.pages} frames`);
    }
    // Shape gates before the pixel cap: both come from the header, so a refusal costs
    // milliseconds instead of a decode that would run to the time budget.
    checkShape(w, h, format, limits);
    if (w * h > limits.maxInputPixels) {
      throw new ImageInputError(
        'too_large',
        `expected at most ${mp(limits.maxInputPixels)}, got a ${w}×${h} ${FORMAT_NAME[format]} (${mp(w * h)})`,
      );
    }
    try {
      const { data, info } = await sharp(input, options)
        .timeout({ seconds })
        .flatten({ background: '#ffffff' })
        .toColourspace('srgb')
        .removeAlpha()
        .raw({ depth: 'uchar' })
        .toBuffer({ resolveWithObject: true });
      let rgb = data;
      if (info.channels === 1) {
        rgb = Buffer.alloc(info.width * info.height * 3);
        for (let i = 0, j = 0; i < data.length; i++, j += 3) rgb[j] = rgb[j + 1] = rgb[j + 2] = data[i] ?? 0;
      } else if (info.channels !== 3) {
        throw new ImageInputError('invalid_image', `expected an RGB or grayscale image, got ${info.channels} channels`);
      }
      return {
        format,
        width: info.width,
        height: info.height,
        channels: 3,
        data: rgb,
        exifOrientation: meta.orientation ?? 1,
      };
    } catch (err) {
      throw fromSharpError(err, format);
    }
  })();
  // Avoid an unhandled rejection if the race is lost and the work fails later.
  work.catch(() => undefined);
  return withTimeout(work, limits.timeoutMs, `decoding the ${FORMAT_NAME[format]}`);
}
