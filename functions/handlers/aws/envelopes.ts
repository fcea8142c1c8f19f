/**
 * The AWS edge's envelopes, parsed once with Powertools parser schemas: each SQS record, its
 * JSON body, and what the body names — the S3 ObjectCreated notification for `uploads/`
 * (keys URL-decoded here, once; `s3:TestEvent` and other event types name nothing), or the
 * `read {id}` job the preprocess function sends. The stages get plain `StageObject`s and
 * `ReadJob`s; nothing downstream sees an event.
 */
import { JSONStringified } from '@aws-lambda-powertools/parser/helpers';
import { S3Schema, SqsRecordSchema } from '@aws-lambda-powertools/parser/schemas';
import { z } from 'zod';
import { isScanId } from '../../core/ids.js';
import type { ReadJob, StageObject } from '../../core/stages.js';

/** S3 URL-encodes keys in event notifications, with `+` for spaces. */
export function decodeS3Key(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

/** One created object, as the preprocess stage takes it, with the identity idempotency is keyed on. */
export interface CreatedObject extends StageObject {
  readonly bucket: string;
  /** Version id on versioned buckets, else the ETag (else the sequencer): changes with a new upload under the key. */
  readonly version: string;
}

/** Sent once when a notification is configured; names no object. */
const S3TestEventSchema = z.object({ Event: z.literal('s3:TestEvent') });

const UploadNotificationSchema = z.union([S3Schema, S3TestEventSchema]).transform((body, ctx): CreatedObject[] => {
  if (!('Records' in body)) return [];
  const out: CreatedObject[] = [];
  for (const r of body.Records) {
    if (!r.eventName.startsWith('ObjectCreated:')) continue;
    let key: string;
    try {
      key = decodeS3Key(r.s3.object.key);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'malformed URL-encoded object key', path: ['Records', 's3', 'object', 'key'] });
      return z.NEVER;
    }
    const etag = (r.s3.object.eTag ?? '').replace(/"/g, '');
    out.push({
      bucket: r.s3.bucket.name,
      key,
      size: r.s3.object.size ?? 0,
      etag,
      version: r.s3.object.versionId ?? (etag || (r.s3.object.sequencer ?? '')),
    });
  }
  return out;
});

const ReadJobSchema = z.object({ id: z.string().refine(isScanId, 'not a scan id') }).transform((j): ReadJob => ({ id: j.id }));

/** An SQS record of the preprocess queue: body = S3 notification → the objects it created. */
export const UploadRecordSchema = SqsRecordSchema.extend({ body: JSONStringified(UploadNotificationSchema) });
/** An SQS record of the read queue: body = `{"id": "<scan id>"}`. */
export const ReadRecordSchema = SqsRecordSchema.extend({ body: JSONStringified(ReadJobSchema) });
