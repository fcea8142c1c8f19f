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
    maxBytes: z.number().int().positive(),
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
    timingsMs: z
      .object({ preprocess: z.record(z.string(), z.number()).optional(), read: z.record(z.string(), z.number()).optional() })
      .openapi({ description: 'Per-stage timings, ms, by step (each stage has a `total`).' }),
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
