/**
 * Safe decode against hostile input. Every hostile file is generated here (sharp, zlib or
 * hand-written headers), so the suite documents exactly what each case is.
 */
import { crc32, constants as zc, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_IMAGE_LIMITS,
  decodeImage,
  describeBytes,
  sniffImageType,
  type ImageLimits,
} from '../../functions/reader/decode.js';
import { ImageInputError } from '../../functions/core/errors.js';
import { configDefaults } from '../../functions/core/config.js';

type Code = ImageInputError['code'];

/** Deterministic pseudo-random bytes (mulberry32). */
function randomBytes(n: number, seed: number): Buffer {
  const out = Buffer.alloc(n);
  let a = seed >>> 0;
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
  }
  return out;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([len, body, crc]);
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A real decompression bomb: a ≈ 100 KB grayscale PNG whose pixels inflate to 101 MP. */
function pngBomb(side = 10_050): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grayscale
  // Each row: filter byte 0 + `side` zero pixels. RLE strategy compresses zeros fast.
  const idat = deflateSync(Buffer.alloc((side + 1) * side), { strategy: zc.Z_RLE });
  return Buffer.concat([PNG_SIGNATURE, pngChunk('IHDR', ihdr), pngChunk('IDAT', idat), pngChunk('IEND', Buffer.alloc(0))]);
}

/** Rewrites the SOF0/SOF2 frame header of a JPEG to declare other dimensions. */
function patchJpegDimensions(jpeg: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(jpeg);
  for (let i = 2; i < out.length - 9; i++) {
    if (out[i] === 0xff && (out[i + 1] === 0xc0 || out[i + 1] === 0xc2)) {
      out.writeUInt16BE(height, i + 5);
      out.writeUInt16BE(width, i + 7);
      return out;
    }
  }
  throw new Error('no SOF marker');
}

/** A minimal, valid 2×2 24-bit BMP. */
function bmp(): Buffer {
  const rowSize = 8; // 2 px × 3 bytes, padded to 4
  const pixels = Buffer.alloc(rowSize * 2, 0x80);
  const header = Buffer.alloc(54);
  header.write('BM', 0, 'ascii');
  header.writeUInt32LE(54 + pixels.length, 2);
  header.writeUInt32LE(54, 10);
  header.writeUInt32LE(40, 14);
  header.writeInt32LE(2, 18);
  header.writeInt32LE(2, 22);
  header.writeUInt16LE(1, 26);
  header.writeUInt16LE(24, 28);
  header.writeUInt32LE(pixels.length, 34);
  return Buffer.concat([header, pixels]);
}

const limits: ImageLimits = { ...DEFAULT_IMAGE_LIMITS };

async function codeOf(bytes: Uint8Array, l: ImageLimits = limits): Promise<{ code: Code; message: string }> {
  try {
    await decodeImage(bytes, l);
  } catch (err) {
    expect(err).toBeInstanceOf(ImageInputError);
    const e = err as ImageInputError;
    return { code: e.code as Code, message: e.message };
  }
  throw new Error('expected decodeImage to reject');
}

let jpeg: Buffer;
let png: Buffer;
let webp: Buffer;
const hostile: Array<{ name: string; bytes: () => Buffer | Promise<Buffer>; code: Code; message?: RegExp; limits?: ImageLimits }> = [];

beforeAll(async () => {
  // A small photo-like source: gradient + shapes, so every codec has real entropy data.
  const base = sharp({ create: { width: 320, height: 200, channels: 3, background: '#6a8caf' } }).composite([
    { input: { create: { width: 160, height: 100, channels: 3, background: '#f4e3c1' } }, left: 80, top: 50 },
  ]);
  // composite() adds an alpha band: drop it so the raw buffer is plain RGB.
  const rgb = await base.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const src = () => sharp(rgb.data, { raw: { width: 320, height: 200, channels: 3 } });
  jpeg = await src().jpeg({ quality: 90 }).toBuffer();
  png = await src().png().toBuffer();
  webp = await src().webp().toBuffer();
});

// The hostile corpus: 26 inputs, each with the code it must produce.
hostile.push(
  { name: 'empty file', bytes: () => Buffer.alloc(0), code: 'invalid_image', message: /got an empty file/ },
  { name: 'three JPEG magic bytes only', bytes: () => Buffer.from([0xff, 0xd8, 0xff]), code: 'invalid_image' },
  { name: 'JPEG truncated at half', bytes: () => jpeg.subarray(0, Math.floor(jpeg.length / 2)), code: 'invalid_image', message: /truncated/ },
  { name: 'JPEG truncated inside the header', bytes: () => jpeg.subarray(0, 200), code: 'invalid_image' },
  { name: 'PNG truncated at half', bytes: () => png.subarray(0, Math.floor(png.length / 2)), code: 'invalid_image' },
  { name: 'PNG signature only', bytes: () => PNG_SIGNATURE, code: 'invalid_image' },
  { name: 'WebP truncated at half', bytes: () => webp.subarray(0, Math.floor(webp.length / 2)), code: 'invalid_image' },
  {
    name: 'PNG with a corrupted IDAT (bad CRC)',
    bytes: () => {
      const bad = Buffer.from(png);
      const at = bad.indexOf(Buffer.from('IDAT'));
      bad[at + 8] = bad[at + 8]! ^ 0xff;
      return bad;
    },
    code: 'invalid_image',
  },
  { name: 'JPEG magic followed by random bytes', bytes: () => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(4096, 7)]), code: 'invalid_image' },
  { name: 'PNG signature followed by random bytes', bytes: () => Buffer.concat([PNG_SIGNATURE, randomBytes(4096, 8)]), code: 'invalid_image' },
  { name: 'random bytes', bytes: () => randomBytes(8192, 42), code: 'unsupported_format', message: /unrecognised binary data/ },
  { name: 'HTML renamed .jpg', bytes: () => Buffer.from('<!DOCTYPE html><html><head><title>x</title></head><body><img src=x onerror=alert(1)></body></html>'), code: 'unsupported_format', message: /got an HTML document/ },
  { name: 'SVG', bytes: () => Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="4000" height="4000"><rect width="100%" height="100%"/></svg>'), code: 'unsupported_format', message: /got an SVG image/ },
  { name: 'SVG with XML prolog and BOM', bytes: () => Buffer.from('\ufeff<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>'), code: 'unsupported_format', message: /SVG/ },
  { name: 'TIFF', bytes: () => sharp(png).tiff().toBuffer(), code: 'unsupported_format', message: /got a TIFF/ },
  { name: 'GIF', bytes: () => sharp(png).gif().toBuffer(), code: 'unsupported_format', message: /expected a JPEG, PNG or WebP image, got a GIF/ },
  { name: 'AVIF', bytes: () => sharp(png).resize(32).avif().toBuffer(), code: 'unsupported_format', message: /AVIF/ },
  { name: 'BMP', bytes: bmp, code: 'unsupported_format', message: /got a BMP/ },
  { name: 'PDF', bytes: () => Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n'), code: 'unsupported_format', message: /got a PDF/ },
  { name: 'ZIP archive', bytes: () => Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), randomBytes(200, 3)]), code: 'unsupported_format', message: /ZIP/ },
  { name: 'plain text', bytes: () => Buffer.from('card number 4242 4242 4242 4242, please read me\n'.repeat(5)), code: 'unsupported_format', message: /plain text/ },
  { name: 'RIFF WAVE (not WebP)', bytes: () => Buffer.concat([Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt ', 'latin1'), Buffer.alloc(32)]), code: 'unsupported_format' },
  { name: 'PNG bomb: 98 KB file that inflates to 101 MP', bytes: () => pngBomb(), code: 'too_large', message: /10050×10050/ },
  { name: 'JPEG header declaring 60000×60000', bytes: () => patchJpegDimensions(jpeg, 60_000, 60_000), code: 'too_large', message: /60000×60000/ },
  { name: 'over the byte limit (16 MiB)', bytes: () => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(16 * 1024 * 1024)]), code: 'too_large', message: /at most 15\.0 MiB/ },
  {
    name: 'valid JPEG over a lowered pixel limit',
    bytes: () => jpeg,
    code: 'too_large',
    limits: { ...DEFAULT_IMAGE_LIMITS, maxInputPixels: 10_000 },
  },
);

describe('decodeImage rejects hostile input with the right code', () => {
  it('has at least 20 hostile cases', () => {
    expect(hostile.length).toBeGreaterThanOrEqual(20);
  });

  for (const c of hostile) {
    it(`${c.name} → ${c.code}`, async () => {
      const { code, message } = await codeOf(await c.bytes(), c.limits);
      expect(code).toBe(c.code);
      if (c.message) expect(message).toMatch(c.message);
      // Messages say what was expected.
      expect(message).toMatch(/^expected /);
    });
  }

  it('never lets a card number from the input into the message', async () => {
    const { message } = await codeOf(Buffer.from('<html>4242 4242 4242 4242</html>'));
    expect(message).not.toMatch(/4242 4242 4242 4242/);
  });

  it('stops at the time budget with `timeout`', async () => {
    const big = await sharp({ create: { width: 3000, height: 2000, channels: 3, background: '#808080' } })
      .jpeg()
      .toBuffer();
    const { code, message } = await codeOf(big, { ...DEFAULT_IMAGE_LIMITS, timeoutMs: 1 });
    expect(code).toBe('timeout');
    expect(message).toMatch(/1 ms budget/);
  });
});

describe('decodeImage accepts JPEG, PNG and WebP', () => {
  it('decodes each format to raw RGB', async () => {
    for (const [bytes, format] of [[jpeg, 'jpeg'], [png, 'png'], [webp, 'webp']] as const) {
      const d = await decodeImage(bytes, limits);
      expect(d.format).toBe(format);
      expect([d.width, d.height, d.channels]).toEqual([320, 200, 3]);
      expect(d.data.length).toBe(320 * 200 * 3);
      // Centre pixel is the light inner rectangle, corner pixel the blue background.
      const at = (x: number, y: number) => [...d.data.subarray((y * 320 + x) * 3, (y * 320 + x) * 3 + 3)];
      expect(at(160, 100)[0]).toBeGreaterThan(200);
      expect(at(5, 5)[2]).toBeGreaterThan(at(5, 5)[0]! + 40);
    }
  });

  it('handles grayscale, alpha and 16-bit PNGs', async () => {
    const gray = await sharp(png).grayscale().png().toBuffer();
    const alpha = await sharp(png).ensureAlpha(0.5).png().toBuffer();
    const deep = await sharp(png).png({ compressionLevel: 1 }).toColourspace('rgb16').toBuffer();
    for (const b of [gray, alpha, deep]) {
      const d = await decodeImage(b, limits);
      expect(d.channels).toBe(3);
      expect(d.data.length).toBe(d.width * d.height * 3);
    }
  });

  it('applies EXIF orientation (6 = rotate 90° clockwise)', async () => {
    // Stored 30×20 with a red block top-left; displayed, it is 20×30 with red top-right.
    const stored = await sharp({ create: { width: 30, height: 20, channels: 3, background: '#0000ff' } })
      .composite([{ input: { create: { width: 10, height: 10, channels: 3, background: '#ff0000' } }, left: 0, top: 0 }])
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const d = await decodeImage(stored, limits);
    expect(d.exifOrientation).toBe(6);
    expect([d.width, d.height]).toEqual([20, 30]);
    const px = (x: number, y: number) => [...d.data.subarray((y * d.width + x) * 3, (y * d.width + x) * 3 + 3)];
    expect(px(d.width - 2, 1)[0]).toBeGreaterThan(200); // red now top-right
    expect(px(1, 1)[2]).toBeGreaterThan(200); // blue top-left
  });

  it('defaults match the reader configuration', () => {
    const { maxInputBytes, maxInputPixels, timeoutMs, maxInputSide, maxAspectRatio } = configDefaults('limits');
    expect(DEFAULT_IMAGE_LIMITS).toEqual({ maxInputBytes, maxInputPixels, timeoutMs, maxInputSide, maxAspectRatio });
  });
});

describe('sniffImageType / describeBytes', () => {
  it('sniffs by magic bytes, not by anything else', async () => {
    expect(sniffImageType(jpeg)).toBe('jpeg');
    expect(sniffImageType(png)).toBe('png');
    expect(sniffImageType(webp)).toBe('webp');
    expect(sniffImageType(Buffer.from('GIF89a'))).toBeNull();
    expect(sniffImageType(Buffer.from('RIFF\0\0\0\0WAVE'))).toBeNull();
    expect(sniffImageType(new Uint8Array(0))).toBeNull();
  });

  it('names common non-images for error messages', () => {
    expect(describeBytes(Buffer.from('<svg/>'))).toBe('an SVG image');
    expect(describeBytes(Buffer.from('II*\0'))).toBe('a TIFF');
    expect(describeBytes(Buffer.from('%PDF-1.7'))).toBe('a PDF');
    expect(describeBytes(randomBytes(64, 1))).toBe('unrecognised binary data');
  });
});
