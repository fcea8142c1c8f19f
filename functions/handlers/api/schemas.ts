/**
 * Request and response schemas of the HTTP API. They are the single source of truth: the
 * routes validate with them and the OpenAPI document at /openapi.json is generated from them.
 */
import { z } from '@hono/zod-openapi';
import { ERROR_CODES } from '../../core/errors.js';
import { SCAN_STATUSES } from '../../core/record.js';
import { UPLOAD_TYPES } from '../../core/scan-service.js';

/** `{error: {code, message}}`: the body of every error response. */
export const ErrorBody = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string(),
    }),
  })
  .openapi('Error');

export const ScanStatusSchema = z.enum(SCAN_STATUSES).openapi('ScanStatus', {
  description: 'awaiting_upload → queued → preprocessing → reading → done | failed (final).',
});

/** Ids are opaque and URL-safe (ULIDs for scans created through the API). */
export const ScanIdParam = z.object({
  id: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'an id is 1-64 letters, digits, - or _')
    .openapi({ param: { name: 'id', in: 'path' }, example: '01JDQ4Z7W2M3N4P5Q6R7S8T9V0' }),
});

export const CreateScanBody = z
  .object({
    contentType: z.enum(UPLOAD_TYPES).optional().openapi({
      description: 'Type of the photo to upload (default image/jpeg); the upload target accepts only this type.',
    }),
    filename: z
      .string()
      .min(1)
      .max(255)
      .optional()
      .openapi({ description: 'Client-side file name, for the client only: never used in the storage key, not stored.' }),
    size: z.number().int().min(1).optional().openapi({
      description: 'Size of the photo, bytes. Over the limit (config limits.maxInputBytes) the scan is refused with 413 and no record is made.',
    }),
  })
  .strict()
  .openapi('CreateScanRequest');

export const UploadTargetSchema = z
  .object({
    url: z.string().openapi({ description: 'Where to send the photo.' }),
    method: z.enum(['POST', 'PUT']),
    fields: z
      .record(z.string(), z.string())
      .optional()
      .openapi({ description: 'POST: send as multipart/form-data with these fields first and the photo last, as field `file`.' }),
    headers: z.record(z.string(), z.string()).optional().openapi({ description: 'PUT: send these headers with the raw photo.' }),
    expiresAt: z.string().openapi({ format: 'date-time' }),
    maxBytes: z.number().int().positive().openapi({ description: 'Largest accepted photo, bytes (config limits.maxInputBytes).' }),
    maxMB: z.number().positive().openapi({ description: 'The same limit in MB (1 MB = 1,048,576 bytes), as the page and errors state it.' }),
  })
  .openapi('UploadTarget');

export const CreatedScanSchema = z
  .object({
    id: z.string(),
    status: z.literal('awaiting_upload'),
    upload: UploadTargetSchema,
  })
  .openapi('CreatedScan');

export const CardSchema = z
  .object({
    pan: z.string().nullable().openapi({ description: 'Masked: first 6 and last 4 digits at most.', example: '411111••••••1111' }),
    last4: z.string().nullable(),
    brand: z.string().nullable().openapi({ example: 'visa' }),
    expiry: z.string().nullable().openapi({ description: 'MM/YY', example: '09/29' }),
    name: z.string().nullable(),
  })
  .openapi('Card');

/** A point `[x, y]` in pixels of the oriented source photo. */
const PointSchema = z.tuple([z.number(), z.number()]);
/** Four points, clockwise from the top-left corner of the card (or field) as read. */
const QuadSchema = z.array(PointSchema).length(4).openapi('Quad', {
  description: 'Four [x, y] points in photo pixels, clockwise from the top-left as the card reads.',
});

export const GeometrySchema = z
  .object({
    image: z
      .object({ width: z.number().int().positive(), height: z.number().int().positive() })
      .openapi({ description: 'Size of the photo the points refer to, after EXIF orientation (what a browser shows).' }),
    corners: QuadSchema.optional().openapi({ description: "The card's outline; absent when no outline was found." }),
    fields: z
      .object({ pan: QuadSchema.optional(), expiry: QuadSchema.optional(), name: QuadSchema.optional() })
      .optional()
      .openapi({ description: 'Where each reported or found field is on the photo.' }),
  })
  .openapi('CardGeometry', {
    description: 'Where the card and its fields were found: geometry only, no pixels and no digits.',
  });

export const TimingsSchema = z
  .object({
    preprocess: z.record(z.string(), z.number()).optional().openapi({ description: 'Finding the card, ms by step.' }),
    read: z.record(z.string(), z.number()).optional().openapi({ description: 'Reading the card, ms by step.' }),
    total: z
      .number()
      .optional()
      .openapi({ description: "End to end: the stages' totals added up, ms (time spent waiting in queues excluded)." }),
  })
  .openapi('Timings', { description: 'Per-stage timings, ms, by step (each stage has a `total`), and the end-to-end `total`.' });

export const ScanSchema = z
  .object({
    id: z.string(),
    status: ScanStatusSchema,
    key: z.string().nullable().openapi({ description: 'Object key of the photo (uploads/...).' }),
    outcome: z
      .enum(['ok', 'partial', 'no_card', 'failed'])
      .nullable()
      .openapi({ description: "The reader's verdict once read." }),
    card: CardSchema.nullable().openapi({ description: 'Masked card fields; null until read.' }),
    confidence: z.record(z.string(), z.number()).openapi({ description: 'Per-field confidence in [0, 1].' }),
    missing: z.record(z.string(), z.string()).openapi({ description: 'Why a field is missing, e.g. luhn_failed.' }),
    error: z.object({ code: z.enum(ERROR_CODES), message: z.string() }).nullable().openapi({ description: 'Why the scan failed.' }),
    createdAt: z.string().openapi({ format: 'date-time' }),
    updatedAt: z.string().openapi({ format: 'date-time' }),
    geometry: GeometrySchema.nullable().openapi({
      description: 'Where the card and its fields were found on the photo; null until read or when nothing was located.',
    }),
    timingsMs: TimingsSchema,
  })
  .openapi('Scan');

export const ListScansQuerySchema = z.object({
  status: ScanStatusSchema.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20).openapi({ description: '1..100, default 20.' }),
  cursor: z.string().min(1).max(2048).optional().openapi({ description: 'nextCursor of the previous page.' }),
  key: z
    .string()
    .min(1)
    .max(1024)
    .optional()
    .openapi({ description: 'Only the scan of this object key (e.g. a photo dropped straight into uploads/).' }),
});

export const ScanListSchema = z
  .object({
    items: z.array(ScanSchema),
    nextCursor: z.string().nullable().openapi({ description: 'Pass as `cursor` for the next page; null on the last.' }),
  })
  .openapi('ScanList');

export const HealthSchema = z.object({ status: z.literal('ok') }).openapi('Health');

export type ScanView = z.infer<typeof ScanSchema>;
export type CreatedScanView = z.infer<typeof CreatedScanSchema>;
export type ScanListView = z.infer<typeof ScanListSchema>;
export type GeometryView = z.infer<typeof GeometrySchema>;
