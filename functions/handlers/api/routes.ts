/**
 * Route definitions of the HTTP API (OpenAPI-described; each validates its input with the
 * zod schemas of schemas.ts).
 */
import { createRoute, z } from '@hono/zod-openapi';
import {
  CreateScanBody,
  CreatedScanSchema,
  ErrorBody,
  HealthSchema,
  ListScansQuerySchema,
  ScanIdParam,
  ScanListSchema,
  ScanSchema,
} from './schemas.js';

const json = <S extends z.ZodType>(schema: S, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

const error = (description: string) => json(ErrorBody, description);

/** Error responses every authenticated route can give. */
const commonErrors = {
  401: error('Missing or invalid credentials.'),
  405: error('This path does not take this method; the `Allow` header lists the ones it takes.'),
  429: error('Too many requests from this client; see Retry-After.'),
  500: error('Internal error (no details are exposed).'),
} as const;

/** Error responses of the routes that write: the runtime may shed them under load. */
const writeErrors = {
  503: error(
    'The service cannot take this write now (locally: the queue is at CARDOCR_MAX_QUEUED_SCANS, or another ' +
      'process holds the database lock); code `service_unavailable`. Retry after the `Retry-After` seconds.',
  ),
} as const;

const security = [{ bearerAuth: [] }];

export const createScanRoute = createRoute({
  method: 'post',
  path: '/v1/scans',
  tags: ['scans'],
  summary: 'Create a scan and get a signed upload target for its photo',
  description:
    'Creates a record in status awaiting_upload and returns a signed, expiring, size- and type-limited upload ' +
    'target for a server-chosen key (uploads/<id>.<ext>). Uploading the photo there starts processing. ' +
    'The photo limit is config limits.maxInputBytes, returned as `upload.maxBytes` and `upload.maxMB`; check it ' +
    'before creating the scan (the web page does), so a refused photo leaves no record.',
  security,
  request: {
    body: { required: false, content: { 'application/json': { schema: CreateScanBody } } },
  },
  responses: {
    201: json(CreatedScanSchema, 'Scan created; upload the photo to `upload`.'),
    400: error('Invalid body.'),
    413: error('Body too large (the API takes JSON documents up to 16 KiB).'),
    415: error('Body is not JSON: send Content-Type: application/json.'),
    ...commonErrors,
    ...writeErrors,
  },
});

export const getScanRoute = createRoute({
  method: 'get',
  path: '/v1/scans/{id}',
  tags: ['scans'],
  summary: 'Get a scan: status, masked card fields, where they are on the photo, timings',
  security,
  request: { params: ScanIdParam },
  responses: {
    200: json(ScanSchema, 'The scan.'),
    400: error('Malformed id.'),
    404: error('No scan with this id.'),
    ...commonErrors,
  },
});

export const listScansRoute = createRoute({
  method: 'get',
  path: '/v1/scans',
  tags: ['scans'],
  summary: 'List scans, newest first',
  security,
  request: { query: ListScansQuerySchema },
  responses: {
    200: json(ScanListSchema, 'A page of scans.'),
    400: error('Invalid query or cursor.'),
    ...commonErrors,
  },
});

export const deleteScanRoute = createRoute({
  method: 'delete',
  path: '/v1/scans/{id}',
  tags: ['scans'],
  summary: 'Delete a scan and any of its images',
  security,
  request: { params: ScanIdParam },
  responses: {
    204: { description: 'Deleted.' },
    400: error('Malformed id.'),
    404: error('No scan with this id.'),
    409: error('The pipeline is working on this scan; delete it once it is done or failed.'),
    ...commonErrors,
    ...writeErrors,
  },
});

export const healthRoute = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['ops'],
  summary: 'Liveness (no authentication)',
  responses: { 200: json(HealthSchema, 'The service is up.') },
});
