/**
 * What the v2 SDK specs share (not a spec: jest's testMatch takes `*.spec.ts` only): the ids a bid is sealed for,
 * sizes, the kinds of sources a sealed file or an attachment is read from, and a digest helper.
 */
import { createHash } from 'crypto';
import { Readable } from 'stream';
import type { SuitePrimitives } from 'src/sdk/v2';
import type { SegmentEngine } from 'src/sdk/v2/suite';

export const TENDER = '6f1c2a4e-3b5d-4c7e-9f01-23456789abcd';
export const ORG = '0a1b2c3d-4e5f-4061-8273-8495a6b7c8d9';
export const MiB = 1 << 20;

export const sha = (d: Uint8Array): string => createHash('sha256').update(d).digest('hex');

/** A source that hands out one reused buffer (as fileChunks and FsBlobStore.chunks do): anything kept past the next chunk breaks. */
export async function* reusing(data: Uint8Array, n: number): AsyncGenerator<Uint8Array> {
  const buf = new Uint8Array(n);
  for (let at = 0; at < data.length; at += n) {
    const c = data.subarray(at, at + n);
    buf.set(c);
    yield buf.subarray(0, c.length);
    buf.fill(0xee);
  }
}

/** The bytes cut into pieces of `n` (views, no copy), as an array. */
export const views = (data: Uint8Array, n: number): Uint8Array[] => Array.from({ length: Math.ceil(data.length / n) }, (_, i) => data.subarray(i * n, (i + 1) * n));

/** A source with a fresh buffer per chunk, as an array. */
export const chunked = (data: Uint8Array, n: number): Uint8Array[] =>
  Array.from({ length: Math.ceil(data.length / n) }, (_, i) => Uint8Array.from(data.subarray(i * n, (i + 1) * n)));

/**
 * A Node Readable handing out a new Buffer per read (as the S3 store's HTTP body), each chunk exactly the size
 * `sizeAt(offset)` answers (object mode: chunks are not merged), so odd and segment-straddling sizes reach the SDK
 * as given.
 */
export function readableOf(data: Uint8Array, sizeAt: (offset: number) => number): Readable {
  function* gen(): Generator<Buffer> {
    for (let at = 0; at < data.length;) {
      const n = Math.max(1, Math.min(sizeAt(at), data.length - at));
      yield Buffer.from(data.subarray(at, at + n)); // a copy: a new buffer per read
      at += n;
    }
  }
  return Readable.from(gen());
}

/** The suite with its segment engine counted (which path an opening took), and the engines' slots as made. */
export function countingEngines(suite: SuitePrimitives): { suite: SuitePrimitives; engines: Array<Pick<SegmentEngine, 'slots' | 'slotBytes'>> } {
  const engines: Array<Pick<SegmentEngine, 'slots' | 'slotBytes'>> = [];
  const segments = suite.offThread?.segments;
  if (!segments) return { suite, engines };
  return {
    engines,
    suite: {
      ...suite,
      offThread: {
        ...suite.offThread!,
        segments: (key, aad, segmentSize) => {
          const e = segments(key, aad, segmentSize);
          engines.push({ slots: e.slots, slotBytes: e.slotBytes });
          return e;
        },
      },
    },
  };
}
