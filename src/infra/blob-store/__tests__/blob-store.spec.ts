/**
 * The blob-store port on both adapters: the filesystem, and S3 through the AWS SDK against a real S3-compatible
 * HTTP server this test starts itself (s3rver on a free loopback port).
 */
import { createHash, randomBytes } from 'crypto';
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Readable } from 'stream';
import { BlobNotFoundError, type BlobStore } from '../blob-store';
import { FsBlobStore } from '../fs-blob-store';
import { S3BlobStore } from '../s3-blob-store';
import { startTestS3 } from './test-s3';

async function readAll(r: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

function chunked(data: Buffer, size = 64 * 1024): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
    })(),
  );
}

describe.each([
  ['filesystem', async () => ({ store: new FsBlobStore(mkdtempSync(join(tmpdir(), 'blobs-'))) as BlobStore, stop: async () => undefined })],
  [
    'S3 (s3rver over HTTP)',
    async () => {
      const s3 = await startTestS3();
      return { store: new S3BlobStore(s3.options) as BlobStore, stop: s3.stop };
    },
  ],
])('BlobStore on %s', (_name, make) => {
  let store: BlobStore;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ store, stop } = await make());
  });
  afterAll(async () => stop());

  it('stores a multi-megabyte stream and reads it back as a stream', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    await store.put('uploads/abc/0000000000000000', chunked(data), data.length);
    expect(await store.size('uploads/abc/0000000000000000')).toBe(data.length);
    const back = await readAll(await store.get('uploads/abc/0000000000000000'));
    expect(createHash('sha256').update(back).digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
  });

  it('stores nothing when the body is shorter or longer than stated', async () => {
    await expect(store.put('uploads/short/0', chunked(randomBytes(100)), 101)).rejects.toThrow();
    if (store.kind === 'fs') expect(await store.size('uploads/short/0')).toBeNull(); // see BlobStore.put on S3
    await expect(store.put('uploads/long/0', chunked(randomBytes(102)), 101)).rejects.toThrow();
    if (store.kind === 'fs') expect(await store.size('uploads/long/0')).toBeNull();
  });

  it('stores nothing when the body stream breaks', async () => {
    const broken = new Readable({ read() {} });
    broken.push(randomBytes(1000));
    setTimeout(() => broken.destroy(new Error('connection reset')), 20);
    await expect(store.put('uploads/broken/0', broken, 5000)).rejects.toThrow();
    if (store.kind === 'fs') expect(await store.size('uploads/broken/0')).toBeNull();
    // and a complete put under the same key afterwards holds exactly the new bytes
    await store.put('uploads/broken/0', chunked(Buffer.from('complete')), 8);
    expect((await readAll(await store.get('uploads/broken/0'))).toString()).toBe('complete');
  });

  it('reads several objects in order as one sequence of chunks (each copied before the next is asked for)', async () => {
    const parts = [randomBytes(9 * 1024 * 1024 + 5), randomBytes(1), randomBytes(300 * 1024)];
    const keys = parts.map((_, i) => `uploads/seq/${String(i).padStart(16, '0')}`);
    for (let i = 0; i < parts.length; i++) await store.put(keys[i], chunked(parts[i]), parts[i].length);
    const copies: Buffer[] = [];
    const backing = new Set<ArrayBufferLike>();
    for await (const c of store.chunks(keys)) {
      copies.push(Buffer.from(c)); // the contract: valid until the next chunk is asked for
      backing.add(c.buffer);
    }
    expect(Buffer.concat(copies).equals(Buffer.concat(parts))).toBe(true);
    // The filesystem store reads into two buffers for the whole sequence (no new buffer per read).
    if (store.kind === 'fs') expect(backing.size).toBe(2);
    expect(store.chunksReuseBuffers).toBe(store.kind === 'fs');
    await expect(
      (async () => {
        for await (const c of store.chunks([keys[0], 'uploads/seq/missing'])) void c;
      })(),
    ).rejects.toMatchObject({ code: 'BLOB_NOT_FOUND' });
  });

  it('deletes, answers null/BlobNotFound for an absent key, and refuses keys that could escape', async () => {
    await store.put('x/1', chunked(Buffer.from('hello')), 5);
    await store.delete('x/1');
    await store.delete('x/1');
    expect(await store.size('x/1')).toBeNull();
    await expect(store.get('x/1')).rejects.toMatchObject({ code: 'BLOB_NOT_FOUND' });
    void BlobNotFoundError;
    await expect(store.put('../etc/passwd', chunked(Buffer.from('x')), 1)).rejects.toThrow('invalid blob key');
    await expect(store.size('a//b')).rejects.toThrow('invalid blob key');
  });
});
