/**
 * The S3 object-created event shape both stage handlers take: what S3 sends (directly, or
 * inside SQS messages on AWS) and what the local runner builds from its folder watch.
 */
import { z } from 'zod';
import { ValidationError } from '../core/errors.js';
import type { StageObject } from '../core/stages.js';

const s3RecordSchema = z.object({
  eventName: z.string(),
  s3: z.object({
    bucket: z.object({ name: z.string() }),
    object: z.object({
      key: z.string().min(1),
      size: z.number().int().nonnegative().optional(),
      eTag: z.string().optional(),
      versionId: z.string().optional(),
    }),
  }),
});

const s3EventSchema = z.object({ Records: z.array(s3RecordSchema) });

/** An S3 event notification (only the fields the stages use). */
export type S3EventLike = z.input<typeof s3EventSchema>;

/** S3 URL-encodes keys in events, with `+` for spaces. */
export function decodeS3Key(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

/** S3 event keys are form-encoded: the inverse of {@link decodeS3Key}. */
export function encodeS3Key(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');
}

/** Builds the one-record event the local runner hands to a stage handler. */
export function objectCreatedEvent(bucket: string, obj: StageObject): S3EventLike {
  return {
    Records: [
      {
        eventName: 'ObjectCreated:Put',
        s3: { bucket: { name: bucket }, object: { key: encodeS3Key(obj.key), size: obj.size, eTag: obj.etag } },
      },
    ],
  };
}

/**
 * The created objects named by an event. Other event types (deletes, `s3:TestEvent`) are
 * skipped. Throws ValidationError when the event has no S3 shape at all; the message never
 * quotes the event body.
 */
export function objectsFromEvent(event: unknown): StageObject[] {
  const parsed = s3EventSchema.safeParse(event);
  if (!parsed.success) throw new ValidationError('not an S3 event notification', { cause: parsed.error });
  return parsed.data.Records.filter((r) => r.eventName.startsWith('ObjectCreated')).map((r) => {
    let key: string;
    try {
      key = decodeS3Key(r.s3.object.key);
    } catch (err) {
      throw new ValidationError('S3 event with a malformed object key', { cause: err });
    }
    return { key, size: r.s3.object.size ?? 0, etag: (r.s3.object.eTag ?? '').replace(/"/g, '') };
  });
}
