import { type Readable } from 'stream';

/**
 * The one port to where sealed bid files (format v2) live: the local filesystem by default, an S3-compatible store
 * for a cluster. Objects are written once (whole, with a known length) and read as streams; PostgreSQL keeps what
 * they are (hashes, receipts) and which objects make a bid file.
 */
export abstract class BlobStore {
  abstract readonly kind: 'fs' | 's3';
  /**
   * Stores `body` (exactly `length` bytes) under `key`, or rejects. After a rejection the key may hold garbage on
   * an S3-compatible server that keeps aborted uploads (the filesystem keeps nothing): callers write under fresh
   * keys and reference a key from the database only once `put` resolved.
   */
  abstract put(key: string, body: Readable, length: number): Promise<void>;
  /** The object's bytes as a stream (BLOB_NOT_FOUND error when absent). */
  abstract get(key: string): Promise<Readable>;
  /**
   * Whether chunks() reads into buffers it reuses (no new buffer per read): the escrow opening then runs on the SDK's
   * segment workers for every suite (openBidV2's sourceReusesBuffers); for a stream that allocates per read only GM-1
   * does (its SM4 gains from the second core), INTL-1 costs less CPU on the calling thread (docs/BENCHMARKS.md, fifth,
   * sixth and eleventh passes).
   */
  readonly chunksReuseBuffers: boolean = false;
  /**
   * The objects' bytes, in order, as one sequence of chunks for a consumer that is done with each chunk when it asks
   * for the next (the escrow opening, the file hash): a store may read them into buffers it reuses (the filesystem
   * store does: two buffers for the whole sequence, no new buffer per read), so **a chunk is valid only until the
   * next one is asked for** — a caller that keeps bytes longer copies them. Never hand these chunks to a consumer
   * that queues them (an HTTP response, a Readable): use get(). This default reads get()'s streams (a new buffer per
   * read, nothing reused).
   */
  async *chunks(keys: readonly string[]): AsyncGenerator<Uint8Array> {
    for (const key of keys) for await (const chunk of await this.get(key)) yield chunk as Buffer;
  }
  /** Byte length, or null when absent. */
  abstract size(key: string): Promise<number | null>;
  /** Removes the object; absent is fine. */
  abstract delete(key: string): Promise<void>;
}

/** Keys are slash-separated lowercase ids and digits: nothing a caller could turn into another path. */
export const BLOB_KEY_PATTERN = /^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*$/;

export function assertBlobKey(key: string): void {
  if (!BLOB_KEY_PATTERN.test(key) || key.includes('..')) throw new Error(`invalid blob key: ${key}`);
}

export class BlobNotFoundError extends Error {
  readonly code = 'BLOB_NOT_FOUND';
  constructor(key: string) {
    super(`blob not found: ${key}`);
    this.name = 'BlobNotFoundError';
    Object.setPrototypeOf(this, BlobNotFoundError.prototype);
  }
}
