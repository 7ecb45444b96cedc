import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { pipeline, type Readable, Transform } from 'stream';
import { assertBlobKey, BlobNotFoundError, BlobStore } from './blob-store';

export interface S3BlobStoreOptions {
  bucket: string;
  endpoint?: string;
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Path-style URLs (http://host/bucket/key): what S3-compatible servers other than AWS expect. */
  forcePathStyle?: boolean;
}

/** Bid files in an S3-compatible store (a cluster's shared store), through the AWS SDK v3. */
export class S3BlobStore extends BlobStore {
  readonly kind = 's3' as const;
  readonly client: S3Client;

  constructor(private readonly opts: S3BlobStoreOptions) {
    super();
    this.client = new S3Client({
      region: opts.region,
      endpoint: opts.endpoint,
      forcePathStyle: opts.forcePathStyle ?? opts.endpoint !== undefined,
      ...(opts.accessKeyId && opts.secretAccessKey ? { credentials: { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey } } : {}),
      // The SDK's default CRC32 request checksums need the whole body or a trailer some S3-compatible servers lack.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  async put(key: string, body: Readable, length: number): Promise<void> {
    assertBlobKey(key);
    let n = 0;
    const count = new Transform({
      transform(chunk: Buffer, _e, cb) {
        n += chunk.length;
        cb(n > length ? new Error(`more than ${length} bytes`) : null, chunk);
      },
      // A short body must fail the request, not leave the HTTP client waiting for the missing bytes.
      flush(cb) {
        cb(n !== length ? new Error(`expected ${length} bytes, got ${n}`) : null);
      },
    });
    let streamError: Error | null = null;
    // The SDK pipes the body into the HTTP request, and a failing source does not end that request: abort it.
    const abort = new AbortController();
    pipeline(body, count, (e) => {
      if (e) {
        streamError = e;
        abort.abort(e);
      }
    });
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.opts.bucket, Key: key, Body: count, ContentLength: length }), {
        abortSignal: abort.signal,
      });
    } catch (e) {
      // Real S3 keeps nothing of an aborted PUT; some compatible servers keep what arrived: remove it.
      await this.delete(key).catch(() => undefined);
      throw streamError ?? e;
    }
    if (streamError || n !== length) {
      // S3 stores an object only when the whole declared length arrived; this is a belt-and-braces clean-up.
      await this.delete(key);
      throw streamError ?? new Error(`expected ${length} bytes, got ${n}`);
    }
  }

  async get(key: string): Promise<Readable> {
    assertBlobKey(key);
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.opts.bucket, Key: key }));
      return r.Body as Readable;
    } catch (e) {
      if ((e as { name?: string }).name === 'NoSuchKey') throw new BlobNotFoundError(key);
      throw e;
    }
  }

  async size(key: string): Promise<number | null> {
    assertBlobKey(key);
    try {
      const r = await this.client.send(new HeadObjectCommand({ Bucket: this.opts.bucket, Key: key }));
      return r.ContentLength ?? null;
    } catch (e) {
      const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 404 || (e as { name?: string }).name === 'NotFound') return null;
      throw e;
    }
  }

  async delete(key: string): Promise<void> {
    assertBlobKey(key);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.opts.bucket, Key: key }));
  }
}
