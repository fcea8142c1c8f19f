/**
 * ObjectStore on Amazon S3 (SDK v3). Tested against s3rver on 127.0.0.1 with the same
 * contract suite as the filesystem store.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createPresignedPost, type PresignedPostOptions } from '@aws-sdk/s3-presigned-post';
import { NotFoundError, ValidationError } from '../../core/errors.js';
import type { CreateUploadOptions, ObjectInfo, ObjectStore, UploadTarget } from '../../core/ports.js';

export interface S3ObjectStoreOptions {
  /** A client created once per process (module scope on Lambda). */
  readonly client: S3Client;
  readonly bucket: string;
}

/** S3 returns ETags quoted; the port carries the bare tag. */
function bareEtag(etag: string | undefined): string {
  return (etag ?? '').replace(/^"|"$/g, '');
}

function isNotFound(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
}

/**
 * The policy condition on Content-Type. S3 POST policies have no "one of" operator: a
 * single accepted type is pinned exactly; several share their longest common prefix
 * (e.g. `image/`). The stages still sniff the real format from the bytes, so the policy
 * only keeps non-images out of the bucket, it is not what makes decoding safe.
 */
function contentTypeCondition(types: readonly string[]): {
  condition: NonNullable<PresignedPostOptions['Conditions']>[number];
  field?: string;
} {
  const [first, ...rest] = types;
  if (first === undefined) throw new ValidationError('createUpload needs at least one content type');
  if (rest.length === 0) return { condition: { 'Content-Type': first }, field: first };
  let prefix = first;
  for (const t of rest) {
    while (!t.startsWith(prefix)) prefix = prefix.slice(0, -1);
  }
  if (prefix.length === 0) throw new ValidationError(`content types ${types.join(', ')} share no common prefix`);
  return { condition: ['starts-with', '$Content-Type', prefix] };
}

/** {@link ObjectStore} backed by one S3 bucket. */
export class S3ObjectStore implements ObjectStore {
  readonly #client: S3Client;
  readonly #bucket: string;

  constructor(options: S3ObjectStoreOptions) {
    this.#client = options.client;
    this.#bucket = options.bucket;
  }

  async put(key: string, body: Uint8Array, options: { contentType?: string } = {}): Promise<ObjectInfo> {
    const out = await this.#client.send(
      new PutObjectCommand({ Bucket: this.#bucket, Key: key, Body: body, ContentType: options.contentType }),
    );
    // PutObject does not return LastModified: read it back so callers get the stored metadata.
    const info = await this.head(key);
    if (info) return info;
    return {
      key,
      size: body.byteLength,
      etag: bareEtag(out.ETag),
      lastModified: new Date(),
      ...(options.contentType ? { contentType: options.contentType } : {}),
    };
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      const out = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }));
      if (!out.Body) throw new NotFoundError(`object ${key} has no body`);
      return await out.Body.transformToByteArray();
    } catch (err) {
      if (isNotFound(err)) throw new NotFoundError(`object ${key} does not exist`, { cause: err });
      throw err;
    }
  }

  async head(key: string): Promise<ObjectInfo | null> {
    try {
      const out = await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: key }));
      return {
        key,
        size: out.ContentLength ?? 0,
        etag: bareEtag(out.ETag),
        lastModified: out.LastModified ?? new Date(0),
        ...(out.ContentType ? { contentType: out.ContentType } : {}),
      };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: key }));
    } catch (err) {
      // S3 itself answers 204 for a missing key; some emulators answer 404. Both mean "gone".
      if (!isNotFound(err)) throw err;
    }
  }

  async list(
    prefix: string,
    options: { limit?: number; cursor?: string } = {},
  ): Promise<{ items: ObjectInfo[]; cursor?: string }> {
    const out = await this.#client.send(
      new ListObjectsV2Command({
        Bucket: this.#bucket,
        Prefix: prefix,
        MaxKeys: options.limit ?? 1000,
        ContinuationToken: options.cursor,
      }),
    );
    const items: ObjectInfo[] = (out.Contents ?? []).flatMap((o) =>
      o.Key === undefined
        ? []
        : [{ key: o.Key, size: o.Size ?? 0, etag: bareEtag(o.ETag), lastModified: o.LastModified ?? new Date(0) }],
    );
    return out.IsTruncated && out.NextContinuationToken ? { items, cursor: out.NextContinuationToken } : { items };
  }

  /**
   * A presigned POST for exactly `key` (the caller generates it server-side), with
   * `content-length-range` 1..maxBytes and a Content-Type condition, expiring after
   * `expiresInSeconds`. A presigned PUT could not cap the size.
   */
  async createUpload(key: string, options: CreateUploadOptions): Promise<UploadTarget> {
    const { condition, field } = contentTypeCondition(options.contentTypes);
    const expiresAt = new Date(Date.now() + options.expiresInSeconds * 1000);
    const { url, fields } = await createPresignedPost(this.#client, {
      Bucket: this.#bucket,
      Key: key,
      Conditions: [['content-length-range', 1, options.maxBytes], condition],
      Fields: field ? { 'Content-Type': field } : {},
      Expires: options.expiresInSeconds,
    });
    return { url, method: 'POST', fields, expiresAt: expiresAt.toISOString(), maxBytes: options.maxBytes };
  }
}
