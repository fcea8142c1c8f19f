/** Scan ids, key ↔ id mapping, S3 event parsing and the JSON log's redaction. */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../functions/core/errors.js';
import {
  derivedScanId,
  isScanId,
  newScanId,
  processedKeyFor,
  scanIdFromProcessedKey,
  scanIdFromUploadKey,
  uploadKeyFor,
} from '../../functions/core/ids.js';
import { decodeS3Key, encodeS3Key, objectCreatedEvent, objectsFromEvent } from '../../functions/handlers/s3-event.js';
import { createJsonLog } from '../../functions/local/json-log.js';

describe('scan ids', () => {
  it('new ids are 26-char ULIDs that sort by time', () => {
    const a = newScanId(1_700_000_000_000);
    const b = newScanId(1_700_000_000_001);
    expect(isScanId(a) && isScanId(b)).toBe(true);
    expect(a < b).toBe(true);
    expect(newScanId()).not.toBe(newScanId());
  });

  it('derived ids depend on key and etag only', () => {
    const a = derivedScanId('uploads/a.jpg', 'etag1');
    expect(isScanId(a)).toBe(true);
    expect(derivedScanId('uploads/a.jpg', '"etag1"')).toBe(a);
    expect(derivedScanId('uploads/a.jpg', 'etag2')).not.toBe(a);
    expect(derivedScanId('uploads/b.jpg', 'etag1')).not.toBe(a);
  });

  it('maps ids to keys and back', () => {
    const id = newScanId();
    expect(uploadKeyFor(id, 'image/png')).toBe(`uploads/${id}.png`);
    expect(scanIdFromUploadKey(uploadKeyFor(id, 'image/jpeg'))).toBe(id);
    expect(scanIdFromProcessedKey(processedKeyFor(id))).toBe(id);
    expect(scanIdFromUploadKey('uploads/holiday photo.jpg')).toBeNull();
    expect(scanIdFromUploadKey(`processed/${id}.png`)).toBeNull();
    expect(scanIdFromProcessedKey(`processed/${id}.jpg`)).toBeNull();
    expect(() => uploadKeyFor(id, 'text/html')).toThrow(RangeError);
  });
});

describe('S3 events', () => {
  it('decodes form-encoded keys (+ for space) and round-trips them', () => {
    expect(decodeS3Key('uploads/my+card%C3%A9%2B1.jpg')).toBe('uploads/my cardé+1.jpg');
    const key = 'uploads/a b+c/é.jpg';
    expect(decodeS3Key(encodeS3Key(key))).toBe(key);
    const [obj] = objectsFromEvent(objectCreatedEvent('bucket', { key, size: 5, etag: 'abc' }));
    expect(obj).toEqual({ key, size: 5, etag: 'abc' });
  });

  it('keeps created objects only, strips etag quotes, and rejects non-events without quoting them', () => {
    const event = {
      Records: [
        { eventName: 'ObjectRemoved:Delete', s3: { bucket: { name: 'b' }, object: { key: 'uploads/x.jpg' } } },
        { eventName: 'ObjectCreated:Post', s3: { bucket: { name: 'b' }, object: { key: 'uploads/y.jpg', size: 3, eTag: '"e1"' } } },
      ],
    };
    expect(objectsFromEvent(event)).toEqual([{ key: 'uploads/y.jpg', size: 3, etag: 'e1' }]);
    const secret = { body: '4111 1111 1111 1111' };
    let caught: unknown;
    try {
      objectsFromEvent(secret);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    expect((caught as Error).message).not.toContain('4111');
  });
});

describe('JSON log', () => {
  it('writes one JSON object per line, honours the level and masks PAN-like runs everywhere', () => {
    const lines: string[] = [];
    const log = createJsonLog({ level: 'info', sink: (l) => lines.push(l) });
    log.debug('hidden');
    log.info('stage read', { scanId: 'X', note: 'card 4111111111111111', nested: { v: ['5555 5555 5555 4444'] } });
    log.error('boom', new Error('bad number 4111-1111-1111-1111'));
    expect(lines).toHaveLength(2);
    const [a, b] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(a).toMatchObject({ level: 'info', message: 'stage read', scanId: 'X' });
    expect(b).toMatchObject({ level: 'error', error: { name: 'Error' } });
    const all = lines.join('\n');
    expect(all).not.toMatch(/4111[ -]?1111[ -]?1111[ -]?1111/);
    expect(all).not.toMatch(/5555 5555 5555 4444/);
    expect(all).toContain('1111');
  });
});
