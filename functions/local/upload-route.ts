/**
 * The local stand-in for an S3 presigned POST: receives the multipart form a client builds
 * from an {@link UploadTarget} (the signed fields, then the file), checks the HMAC-signed
 * policy issued by FsObjectStore.createUpload and writes the photo under its key. The write
 * goes through the store, so it is atomic and raises the same "object created" event as a
 * file copied into the bucket folder.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { verifyUploadPolicy } from '../adapters/local/fs-object-store.js';
import type { Log } from '../core/log.js';
import { redactPans } from '../core/mask.js';
import type { ObjectStore } from '../core/ports.js';
import { transientFault } from './faults.js';
import { describeLimit } from '../handlers/api/error-mapping.js';

/** Path the local upload targets point at. */
export const LOCAL_UPLOAD_PATH = '/local-upload';

export interface UploadRouteDeps {
  readonly objects: ObjectStore;
  /** The secret the store signs policies with. */
  readonly secret: string | Uint8Array;
  /** Hard cap on a request body, bytes (the largest policy plus form overhead). */
  readonly maxBodyBytes: number;
  /**
   * The photo limit the API states (config limits.maxInputBytes), named when a body is over
   * the cap: the client is told the figure it was given, not the cap with the form overhead.
   */
  readonly maxFileBytes?: number;
  readonly log: Log;
  readonly now?: () => number;
}

type ErrorCode = 'forbidden' | 'payload_too_large' | 'unsupported_media_type' | 'validation' | 'method_not_allowed' | 'not_found' | 'internal';

function fail(status: 400 | 403 | 404 | 405 | 413 | 415 | 503, code: ErrorCode, message: string, headers?: HeadersInit): Response {
  // Redacted like every API error message (errorResponse): a message may quote the caller's path.
  return Response.json({ error: { code, message: redactPans(message) } }, { status, ...(headers ? { headers } : {}) });
}

/** Hono app with `POST /local-upload`; mount it next to the API app. */
export function createUploadRoute(deps: UploadRouteDeps): Hono {
  const now = deps.now ?? Date.now;
  const app = new Hono();
  app.post(
    LOCAL_UPLOAD_PATH,
    bodyLimit({
      maxSize: deps.maxBodyBytes,
      onError: () => fail(413, 'payload_too_large', `photo larger than the ${describeLimit(deps.maxFileBytes ?? deps.maxBodyBytes)} limit`),
    }),
    async (c) => {
      const type = c.req.header('content-type') ?? '';
      if (!type.startsWith('multipart/form-data')) {
        return fail(400, 'validation', 'expected a multipart/form-data upload');
      }
      let form: Record<string, string | File | (string | File)[]>;
      try {
        form = await c.req.parseBody();
      } catch (err) {
        deps.log.info('upload refused: malformed multipart body', { error: err as Error });
        return fail(400, 'validation', 'malformed multipart body');
      }
      const text = (name: string): string | undefined => {
        const v = form[name];
        return typeof v === 'string' ? v : undefined;
      };
      const verdict = verifyUploadPolicy(
        deps.secret,
        { key: text('key'), policy: text('policy'), signature: text('signature') },
        now(),
      );
      if (!verdict.ok) {
        return fail(403, 'forbidden', verdict.reason === 'expired' ? 'upload target expired' : 'invalid upload signature');
      }
      const { policy } = verdict;
      const file = form['file'];
      if (!(file instanceof File)) return fail(400, 'validation', 'missing file field');
      // Like S3, the Content-Type form field names the object's type; fall back to the part's own.
      const contentType = (text('Content-Type') ?? file.type).split(';')[0]!.trim().toLowerCase();
      if (!policy.contentTypes.includes(contentType)) {
        return fail(415, 'unsupported_media_type', `content type must be one of ${policy.contentTypes.join(', ')}`);
      }
      if (file.size > policy.maxBytes) return fail(413, 'payload_too_large', `photo larger than the ${describeLimit(policy.maxBytes)} limit`);
      if (file.size === 0) return fail(400, 'validation', 'empty file');
      let info;
      try {
        info = await deps.objects.put(policy.key, new Uint8Array(await file.arrayBuffer()), { contentType });
      } catch (err) {
        const fault = transientFault(err);
        if (!fault) throw err;
        // The disk is full or read-only for now: the client may retry (the target is still valid).
        deps.log.warn('upload could not be stored: storage fault', { key: policy.key, fault: fault.code });
        return fail(503, 'internal', `the photo could not be stored right now (${fault.code}); try again shortly`, { 'retry-after': '5' });
      }
      deps.log.info('upload received', { key: info.key, size: info.size });
      const status = text('success_action_status');
      return c.body(null, status === '201' ? 201 : status === '200' ? 200 : 204);
    },
  );
  // JSON like the API for every other method and path: 405 with Allow here, 404 elsewhere.
  app.all(LOCAL_UPLOAD_PATH, (c) =>
    fail(405, 'method_not_allowed', `${c.req.method} is not allowed on ${LOCAL_UPLOAD_PATH}; use POST`, { Allow: 'POST' }),
  );
  // The path is the caller's text (fail() masks a card number in it).
  app.notFound((c) => fail(404, 'not_found', `no route for ${c.req.method} ${new URL(c.req.url).pathname}`));
  return app;
}
