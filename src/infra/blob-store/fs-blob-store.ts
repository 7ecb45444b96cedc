import { randomBytes } from 'crypto';
import { createReadStream, createWriteStream } from 'fs';
import { mkdir, rename, rm, stat, unlink } from 'fs/promises';
import { dirname, join, resolve } from 'path';
import { type Readable, Transform } from 'stream';
import { pipeline } from 'stream/promises';
import { assertBlobKey, BlobNotFoundError, BlobStore } from './blob-store';

/** Bid files as plain files under one folder (default ./.data/blobs). Written to a temporary name, then renamed. */
export class FsBlobStore extends BlobStore {
  readonly kind = 'fs' as const;
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
