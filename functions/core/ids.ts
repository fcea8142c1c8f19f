/**
 * Scan ids and the object keys derived from them. Keys are the contract between the API
 * (which hands out `uploads/<id>.<ext>`), the stages and the event sources: a stage finds
 * its scan from the key alone, so S3 events and folder events need no side channel.
 */
import { createHash, randomBytes } from 'node:crypto';

/** Crockford base32, as used by ULID. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ID_RE = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** Prefix that triggers the preprocess stage. */
export const UPLOADS_PREFIX = 'uploads/';
/** Prefix that triggers the read stage. */
export const PROCESSED_PREFIX = 'processed/';

/** Image types accepted for upload, with the key extension used for each. */
const UPLOAD_CONTENT_TYPES: Readonly<Record<string, string>> = Object.freeze({
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
});

function encodeBits(bytes: Uint8Array, chars: number): string {
  // Read 5 bits at a time from the front of `bytes`.
  let out = '';
  let acc = 0;
  let bits = 0;
  let i = 0;
  while (out.length < chars) {
    if (bits < 5) {
      acc = (acc << 8) | (bytes[i++] ?? 0);
      bits += 8;
    }
    out += ALPHABET[(acc >> (bits - 5)) & 31];
    bits -= 5;
    acc &= (1 << bits) - 1;
  }
  return out;
}

/** A new ULID: 48-bit millisecond time + 80 random bits, 26 chars, sorts by creation time. */
export function newScanId(now: number = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  return time + encodeBits(randomBytes(10), 16);
}

/**
 * Id of a scan for an object that arrived without a record (a photo dropped straight into
 * the bucket): derived from key and etag so that duplicate events for the same object map
 * to the same record, while a different photo under the same name gets a new one.
 */
export function derivedScanId(key: string, etag: string): string {
  const digest = createHash('sha256').update(key).update('\0').update(etag.replace(/"/g, '')).digest();
  // Force the first char into 0-7 like a ULID so every id fits the same 26-char pattern.
  digest[0] = digest[0]! & 0x3f;
  return encodeBits(digest, 26);
}

export function isScanId(value: string): boolean {
  return ID_RE.test(value);
}

/** `uploads/<id>.<ext>` for an accepted content type. */
export function uploadKeyFor(id: string, contentType: string): string {
  const ext = UPLOAD_CONTENT_TYPES[contentType];
  if (!ext) throw new RangeError(`unsupported content type ${contentType}`);
  return `${UPLOADS_PREFIX}${id}.${ext}`;
}

/** `processed/<id>.png`: where the preprocess stage writes the normalised card. */
export function processedKeyFor(id: string): string {
  return `${PROCESSED_PREFIX}${id}.png`;
}

/** The scan id named by an `uploads/<id>.<ext>` key, or null for any other upload key. */
export function scanIdFromUploadKey(key: string): string | null {
  const m = /^uploads\/([0-9A-HJKMNP-TV-Z]{26})\.[a-z0-9]+$/.exec(key);
  return m?.[1] ?? null;
}

/** The scan id named by a `processed/<id>.png` key, or null. */
export function scanIdFromProcessedKey(key: string): string | null {
  const m = /^processed\/([0-9A-HJKMNP-TV-Z]{26})\.png$/.exec(key);
  return m?.[1] ?? null;
}
