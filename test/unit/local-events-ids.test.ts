/** Scan ids, key ↔ id mapping, the AWS edge's envelope parsing and the log's redaction. */
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
import { createLog } from '../../functions/adapters/log/powertools-log.js';
import { ReadRecordSchema, UploadRecordSchema, decodeS3Key } from '../../functions/handlers/aws/envelopes.js';
import { encodeS3EventKey, s3ObjectCreated, s3TestEvent, sqsRecord } from '../support/lambda-events.js';

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

describe('AWS envelopes (Powertools parser schemas)', () => {
  it('decodes form-encoded keys (+ for space) once, and round-trips them', () => {
    expect(decodeS3Key('uploads/my+card%C3%A9%2B1.jpg')).toBe('uploads/my cardé+1.jpg');
    const key = 'uploads/a b+c/é.jpg';
    expect(decodeS3Key(encodeS3EventKey(key))).toBe(key);
    const parsed = UploadRecordSchema.parse(sqsRecord(s3ObjectCreated('bucket', key, 5, '"abc"')));
    expect(parsed.body).toEqual([{ bucket: 'bucket', key, size: 5, etag: 'abc', version: 'abc' }]);
  });

  it('keeps created objects only, names nothing for s3:TestEvent, and rejects non-events without quoting them', () => {
    const removed = s3ObjectCreated('b', 'uploads/x.jpg', 1, 'e0', 'ObjectRemoved:Delete');
    const created = s3ObjectCreated('b', 'uploads/y.jpg', 3, '"e1"');
    const both = { Records: [...removed.Records, ...created.Records] };
    expect(UploadRecordSchema.parse(sqsRecord(both)).body.map((o) => o.key)).toEqual(['uploads/y.jpg']);
    expect(UploadRecordSchema.parse(sqsRecord(s3TestEvent('b'))).body).toEqual([]);
    const secret = sqsRecord({ body: '4111 1111 1111 1111' });
    const bad = UploadRecordSchema.safeParse(secret);
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues.map((i) => i.message))).not.toContain('4111');
    expect(UploadRecordSchema.safeParse(sqsRecord('not json {')).success).toBe(false);
  });

  it('parses read jobs as a scan id and nothing else', () => {
    const id = newScanId();
    expect(ReadRecordSchema.parse(sqsRecord({ id })).body).toEqual({ id });
    expect(ReadRecordSchema.safeParse(sqsRecord({ id: 'uploads/x.jpg' })).success).toBe(false);
    expect(ReadRecordSchema.safeParse(sqsRecord({ key: `processed/${id}.png` })).success).toBe(false);
  });
});

describe('log (Powertools Logger, redacting formatter)', () => {
  it('writes one JSON object per line, honours the level and masks PAN-like runs everywhere', () => {
    const lines: string[] = [];
    const log = createLog({ service: 'test', level: 'info', sink: (l) => lines.push(l) });
    log.debug('hidden');
    log.info('stage read', { scanId: 'X', note: 'card 4111111111111111', nested: { v: ['5555 5555 5555 4444'] } });
    log.error('boom', new Error('bad number 4111-1111-1111-1111'));
    expect(lines).toHaveLength(2);
    const [a, b] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(a).toMatchObject({ level: 'INFO', service: 'test', message: 'stage read', scanId: 'X' });
    expect(b).toMatchObject({ level: 'ERROR', error: { name: 'Error' } });
    const all = lines.join('\n');
    expect(all).not.toMatch(/4111[ -]?1111[ -]?1111[ -]?1111/);
    expect(all).not.toMatch(/5555 5555 5555 4444/);
    expect(all).toContain('1111');
  });

  it('masks a card number logged as a number and never prints a value nested past its depth limit', () => {
    const lines: string[] = [];
    const log = createLog({ service: 'test', level: 'info', sink: (l) => lines.push(l) });
    let deep: Record<string, unknown> = { note: 'card 4111111111111111' };
    for (let i = 0; i < 10; i++) deep = { inner: deep };
    log.info('deep', { deep, asNumber: 4111111111111111, count: 3 });
    const all = lines.join('\n');
    expect(all).not.toMatch(/4111111111111111/);
    expect(all).toContain('nested too deep');
    expect(JSON.parse(lines[0]!)).toMatchObject({ count: 3 });
  });
});
