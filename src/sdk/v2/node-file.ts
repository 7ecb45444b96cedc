/**
 * A file read for sealing or opening on Node (the CLI, the benches) without a new buffer per read: two buffers,
 * reused in turn, the next read running while the caller encrypts or decrypts the current chunk. Node only (never
 * imported by the browser build).
 *
 * Why: fs.createReadStream allocates a fresh buffer for every read; for a 500 MiB bid that is 500 MiB of external
 * memory whose page faults and garbage collection cost more CPU than the reads themselves (docs/BENCHMARKS.md, fifth
 * pass). Contract: a yielded chunk is valid until the caller asks for the next one — the v2 SDK consumes each chunk
 * before asking for the next (sealSegments/openSegments copy what they keep; the off-thread hash copies into its ring).
 */
import { open } from 'fs/promises';

export const FILE_CHUNK_BYTES = 4 << 20;

export async function* fileChunks(path: string, chunkBytes: number = FILE_CHUNK_BYTES): AsyncGenerator<Buffer> {
  const fh = await open(path, 'r');
  const buffers = [Buffer.allocUnsafeSlow(chunkBytes), Buffer.allocUnsafeSlow(chunkBytes)];
  let current = 0;
  let reading = fh.read(buffers[0], 0, chunkBytes, null);
  try {
    for (;;) {
      const { bytesRead } = await reading;
      if (bytesRead === 0) return;
      const chunk = buffers[current].subarray(0, bytesRead);
      current ^= 1;
      reading = fh.read(buffers[current], 0, chunkBytes, null); // into the other buffer, while the caller uses this one
      yield chunk;
    }
  } finally {
    await reading.catch(() => undefined);
    await fh.close();
  }
}

/**
 * A sealed file written without keeping the caller's segments: each write copies into one of two reused buffers of
 * `bufferBytes`, and a full buffer is written to disk while the other fills (so the disk write of one buffer overlaps
 * the sealing of the next). For sealBidV2's `write` with `writeConsumes: true`. `flags` as fs.open ('wx' refuses to
 * overwrite).
 */
export async function fileSink(path: string, opts: { flags?: string; mode?: number; bufferBytes?: number } = {}) {
  const size = opts.bufferBytes ?? FILE_CHUNK_BYTES;
  const fh = await open(path, opts.flags ?? 'w', opts.mode);
  const buffers = [Buffer.allocUnsafeSlow(size), Buffer.allocUnsafeSlow(size)];
  const pending: Array<Promise<unknown> | null> = [null, null];
  let current = 0;
  let fill = 0;
  let position = 0; // explicit positions: two writes may be in flight
  let failed: unknown = null;
  const flush = async () => {
    const i = current;
    const n = fill;
    const start = position;
    position += n;
    pending[i] = (async () => {
      for (let at = 0; at < n;) at += (await fh.write(buffers[i], at, n - at, start + at)).bytesWritten;
    })().catch((e) => (failed ??= e));
    current ^= 1;
    fill = 0;
    await pending[current]; // the other buffer, before it is filled again
    pending[current] = null;
    if (failed) throw failed;
  };
  return {
    async write(bytes: Uint8Array): Promise<void> {
      for (let at = 0; at < bytes.length;) {
        const n = Math.min(size - fill, bytes.length - at);
        Buffer.prototype.copy.call(bytes, buffers[current], fill, at, at + n);
        fill += n;
        at += n;
        if (fill === size) await flush();
      }
    },
    /** Writes what is buffered and closes the file. */
    async close(): Promise<void> {
      try {
        if (fill > 0) await flush();
        await Promise.all(pending);
        if (failed) throw failed;
      } finally {
        await fh.close();
      }
    },
    /** Closes the file without writing the rest (the sealing failed). */
    async abort(): Promise<void> {
      await Promise.allSettled(pending.filter(Boolean));
      await fh.close();
    },
  };
}
