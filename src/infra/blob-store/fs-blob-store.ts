import { randomBytes } from 'crypto';
import { createReadStream, createWriteStream } from 'fs';
import { type FileHandle, mkdir, open, rename, rm, stat, unlink } from 'fs/promises';
import { dirname, join, resolve } from 'path';
import { type Readable, Transform } from 'stream';
import { pipeline } from 'stream/promises';
import { assertBlobKey, BlobNotFoundError, BlobStore } from './blob-store';

/** The largest read of chunks(): as get()'s stream reads, fewer and larger chunks through the opening. */
export const FS_READ_CHUNK_BYTES = 4 << 20;

/** Bid files as plain files under one folder (default ./.data/blobs). Written to a temporary name, then renamed. */
export class FsBlobStore extends BlobStore {
  readonly kind = 'fs' as const;
  override readonly chunksReuseBuffers: boolean = true;
  private readonly root: string;

  constructor(root: string) {
    super();
    this.root = resolve(root);
  }

  private path(key: string): string {
    assertBlobKey(key);
    return join(this.root, ...key.split('/'));
  }

  async put(key: string, body: Readable, length: number): Promise<void> {
    const target = this.path(key);
    await mkdir(dirname(target), { recursive: true });
    const tmp = `${target}.partial-${randomBytes(6).toString('hex')}`;
    let n = 0;
    const count = new Transform({
      highWaterMark: 1 << 20,
      transform(chunk: Buffer, _e, cb) {
        n += chunk.length;
        cb(n > length ? new Error(`more than ${length} bytes`) : null, chunk);
      },
    });
    try {
      await pipeline(body, count, createWriteStream(tmp, { flags: 'wx', highWaterMark: 1 << 20 }));
      if (n !== length) throw new Error(`expected ${length} bytes, got ${n}`);
      await rename(tmp, target);
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
  }

  async get(key: string): Promise<Readable> {
    const p = this.path(key);
    if ((await this.size(key)) === null) throw new BlobNotFoundError(key);
    return createReadStream(p, { highWaterMark: 4 << 20 }); // fewer, larger chunks through the opening
  }

  /**
   * The objects' bytes read into two buffers used in turn for the whole sequence (BlobStore.chunks: a chunk is valid
   * until the next is asked for): the next read runs while the caller works on the current chunk. Why: a new 4 MiB
   * buffer per read (createReadStream) is external memory whose page faults and full garbage collections cost more
   * CPU than the reads (docs/BENCHMARKS.md, fifth and sixth passes); with reused buffers the escrow opening can also
   * run on the segment workers (openBidV2's sourceReusesBuffers).
   */
  override async *chunks(keys: readonly string[]): AsyncGenerator<Uint8Array> {
    const buffers: Buffer[] = [];
    let current = 0;
    for (const key of keys) {
      const fh = await this.openForRead(key);
      let reading: Promise<{ bytesRead: number }> | null = null;
      try {
        // Buffers no larger than the largest object so far (a 100 KB bid does not take 8 MiB), then kept for the next.
        const size = Math.min(FS_READ_CHUNK_BYTES, Math.max(1, (await fh.stat()).size));
        for (let i = 0; i < 2; i++) if (!buffers[i] || buffers[i].length < size) buffers[i] = Buffer.allocUnsafeSlow(size);
        reading = fh.read(buffers[current], 0, buffers[current].length, null);
        for (;;) {
          const { bytesRead } = await reading;
          if (bytesRead === 0) break;
          const chunk = buffers[current].subarray(0, bytesRead);
          current ^= 1;
          reading = fh.read(buffers[current], 0, buffers[current].length, null); // into the other buffer, while the caller uses this one
          yield chunk;
        }
      } finally {
        await reading?.catch(() => undefined);
        await fh.close();
      }
    }
  }

  private async openForRead(key: string): Promise<FileHandle> {
    try {
      return await open(this.path(key), 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new BlobNotFoundError(key);
      throw e;
    }
  }

  async size(key: string): Promise<number | null> {
    const p = this.path(key);
    try {
      return (await stat(p)).size;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }
}
