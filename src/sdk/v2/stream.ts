/**
 * STREAM segments of format v2 (docs/SEALED_BID_FORMAT.md v2.3–v2.4): nonce_i = noncePrefix(7) ‖ u32be(i) ‖ last,
 * each segment sealed with the bid's aad. Sealing and opening take any async iterable of byte chunks and yield
 * segments, holding at most two segments in memory.
 */
import { type Bytes, concatBytes, toHex, utf8 } from '../core/bytes';
import { SealedBidError } from '../errors';
import { fileHashLabel, NONCE_PREFIX_BYTES, V2_NONCE_BYTES, V2_TAG_BYTES, isValidCiphertextLength, isValidSegmentSize } from './constants';
import type { IncrementalHash, OffThreadHash, SegmentEngine, SuitePrimitives } from './suite';

export type ByteSource = AsyncIterable<Bytes> | Iterable<Bytes>;

export function segmentNonce(noncePrefix: Bytes, index: number, last: boolean): Bytes {
  if (noncePrefix.length !== NONCE_PREFIX_BYTES) throw new SealedBidError('INVALID_INPUT', `noncePrefix must be ${NONCE_PREFIX_BYTES} bytes`);
  if (!Number.isInteger(index) || index < 0 || index > 0xffffffff) throw new SealedBidError('INVALID_INPUT', 'too many segments');
  const nonce = new Uint8Array(V2_NONCE_BYTES);
  nonce.set(noncePrefix, 0);
  new DataView(nonce.buffer).setUint32(NONCE_PREFIX_BYTES, index, false);
  nonce[V2_NONCE_BYTES - 1] = last ? 1 : 0;
  return nonce;
}

/** Cuts a stream of chunks of any size into pieces of exactly `size` bytes (the rest stays buffered). */
export class Splitter {
  private buf: Uint8Array;
  private fill = 0;
  constructor(readonly size: number) {
    this.buf = new Uint8Array(size);
  }
  push(chunk: Bytes): Bytes[] {
    const out: Bytes[] = [];
    let at = 0;
    while (at < chunk.length) {
      if (this.fill === 0 && chunk.length - at >= this.size) {
        out.push(chunk.subarray(at, at + this.size)); // a view: valid while the caller's chunk is (see keepPast)
        at += this.size;
        continue;
      }
      const n = Math.min(this.size - this.fill, chunk.length - at);
      this.buf.set(chunk.subarray(at, at + n), this.fill);
      this.fill += n;
      at += n;
      if (this.fill === this.size) {
        out.push(this.buf);
        this.buf = new Uint8Array(this.size);
        this.fill = 0;
      }
    }
    return out;
  }
  /** The buffered bytes (fewer than `size`). */
  rest(): Bytes {
    return this.buf.subarray(0, this.fill);
  }
  get buffered(): number {
    return this.fill;
  }
  clone(): Splitter {
    const c = new Splitter(this.size);
    c.buf.set(this.buf.subarray(0, this.fill));
    c.fill = this.fill;
    return c;
  }
}

export interface SegmentParams {
  suite: SuitePrimitives;
  key: Bytes;
  noncePrefix: Bytes;
  aad: Bytes;
  segmentSize: number;
  /**
   * Sealing: the plaintext's length; opening: the sealed file's length (already checked). When known and the suite
   * streams segments (createSegmentSealer/Opener), the bytes go through without being cut into segment-sized copies.
   */
  length?: number;
  /**
   * Sealing with a streaming suite: receives each segment's digest (the suite's hash of ciphertext ‖ tag), computed
   * incrementally on the bytes as they are encrypted (see FileHasher.addSegmentDigest).
   */
  onSegmentDigest?: (digest: Bytes) => void;
  /**
   * Sealing with a streaming suite: yield each segment as its pieces come out of the cipher (ciphertext pieces, then
   * the tag) instead of gathering it into one segment-sized buffer (no copy; for a caller that hashes elsewhere).
   */
  pieces?: boolean;
  /**
   * The caller is done with each yielded buffer when it asks for the next one (it copied, hashed or wrote it): a
   * large file may then go through the suite's off-thread segment engine (offThread.segments), whose yielded buffers
   * are slots of shared memory reused for later segments.
   */
  reuse?: boolean;
  /**
   * Opening on the off-thread segment engine: receives the engine's slot holds once, before the first segment. A
   * consumer that hands a yielded segment (a view of a slot) to another thread without copying it holds the slot
   * until that thread is done with it; the slot is not refilled before.
   */
  onSlots?: (slots: SlotHolds) => void;
}

/** The off-thread engine's slots as a consumer may hold them (SegmentParams.onSlots). */
export interface SlotHolds {
  /** Whether `view` lies in the engine's shared slots. */
  owns(view: Bytes): boolean;
  /** Keeps `view`'s slot from being refilled until `done` settles (a view the engine owns). */
  hold(view: Bytes, done: Promise<unknown>): void;
}

/** Whether sealSegments/openSegments will use the off-thread segment engine for these parameters. */
export function usesSegmentEngine(p: Pick<SegmentParams, 'suite' | 'length' | 'reuse'>): boolean {
  const off = p.suite.offThread;
  return p.reuse === true && !!off?.segments && p.length !== undefined && p.length >= off.minBytes;
}

/** A segment-sized output buffer (uninitialised on Node: every byte is written before it is handed out). */
const allocSegment = (n: number): Uint8Array => (globalThis as { Buffer?: { allocUnsafeSlow(n: number): Uint8Array } }).Buffer?.allocUnsafeSlow(n) ?? new Uint8Array(n);

/**
 * A segment kept while the next chunk is read: copied when it is a view of the caller's chunk, since a source may
 * reuse its buffers once asked for the next chunk (src/sdk/v2/node-file.ts).
 */
const keepPast = (pending: Bytes | null, chunk: Bytes): Bytes | null => (pending && pending.buffer === chunk.buffer ? new Uint8Array(pending) : pending);

function check(p: SegmentParams): void {
  if (!isValidSegmentSize(p.segmentSize)) throw new SealedBidError('INVALID_INPUT', 'segmentSize must be a power of two from 4096 to 16 MiB');
  if (p.key.length !== p.suite.keyBytes) throw new SealedBidError('INVALID_INPUT', `key must be ${p.suite.keyBytes} bytes for ${p.suite.id}`);
}

/** Seals a plaintext stream segment by segment; the final segment carries the last flag. */
export async function* sealSegments(p: SegmentParams, source: ByteSource): AsyncGenerator<Bytes> {
  check(p);
  if (usesSegmentEngine(p)) {
    yield* sealOffThread(p, source, p.length!);
    return;
  }
  if (p.suite.createSegmentSealer && p.length !== undefined) {
    yield* sealStreaming(p, source, p.length);
    return;
  }
  const split = new Splitter(p.segmentSize);
  let pending: Bytes | null = null;
  let index = 0;
  for await (const chunk of source) {
    for (const piece of split.push(chunk)) {
      if (pending) yield await p.suite.seal(p.key, segmentNonce(p.noncePrefix, index++, false), pending, p.aad);
      pending = piece;
    }
    pending = keepPast(pending, chunk);
  }
  const rest = split.rest();
  if (rest.length > 0) {
    if (pending) yield await p.suite.seal(p.key, segmentNonce(p.noncePrefix, index++, false), pending, p.aad);
    pending = rest;
  }
  yield await p.suite.seal(p.key, segmentNonce(p.noncePrefix, index, true), pending ?? new Uint8Array(0), p.aad);
}

/**
 * sealSegments when the plaintext length is known: each segment's last flag is known before its first byte, so the
 * chunks are fed to the segment's cipher as they come and the ciphertext lands in one buffer per segment (the
 * segment the caller writes and hashes).
 */
async function* sealStreaming(p: SegmentParams, source: ByteSource, total: number): AsyncGenerator<Bytes> {
  if (!Number.isSafeInteger(total) || total < 0) throw new SealedBidError('INVALID_INPUT', 'the plaintext length must be an integer ≥ 0');
  const S = p.segmentSize;
  const count = Math.max(1, Math.ceil(total / S));
  let index = 0;
  let body = 0;
  let seg: Uint8Array = new Uint8Array(0);
  let fill = 0;
  let sealer!: { update(pt: Bytes): Bytes; final(): Bytes };
  // Each segment's digest (the suite's hash: SHA-256, or SM3 on node:crypto) computed on the bytes as they come out.
  const digest = p.onSegmentDigest && p.suite.createSegmentHash ? p.suite.createSegmentHash : null;
  let h = null as { update(data: Bytes): unknown; digest(): Bytes } | null;
  const pieces = p.pieces === true && !digest;
  const start = () => {
    if (digest) h = digest();
    body = index < count - 1 ? S : total - (count - 1) * S;
    if (!pieces) seg = allocSegment(body + V2_TAG_BYTES);
    fill = 0;
    sealer = p.suite.createSegmentSealer!(p.key, segmentNonce(p.noncePrefix, index, index === count - 1), p.aad);
  };
  const finish = (): Bytes => {
    const tag = sealer.final();
    if (fill !== body || tag.length !== V2_TAG_BYTES) throw new SealedBidError('INVALID_INPUT', 'internal: segment length mismatch');
    if (pieces) {
      index++;
      return tag;
    }
    seg.set(tag, fill);
    if (h) {
      h.update(tag);
      p.onSegmentDigest!(h.digest());
    }
    index++;
    return seg;
  };
  start();
  let seen = 0;
  for await (const chunk of source) {
    seen += chunk.length;
    if (seen > total) throw new SealedBidError('INVALID_INPUT', `the plaintext is longer than its stated ${total} bytes`);
    let at = 0;
    while (at < chunk.length) {
      const n = Math.min(body - fill, chunk.length - at);
      const ct = sealer.update(n === chunk.length ? chunk : chunk.subarray(at, at + n));
      if (pieces) {
        if (ct.length) yield ct;
      } else seg.set(ct, fill);
      h?.update(ct);
      fill += ct.length;
      at += n;
      if (fill === body && index < count - 1) {
        yield finish();
        start();
      }
    }
  }
  if (seen !== total) throw new SealedBidError('INVALID_INPUT', `the plaintext has ${seen} bytes, not ${total}`);
  yield finish();
}

const failed = (message: string) => new SealedBidError('DECRYPTION_FAILED', message);

/**
 * The segments of a file of known length through the suite's off-thread engine: this thread cuts the stream into
 * the engine's slots (segment i in slot i mod slots), hands each complete segment over with its nonce, and yields the
 * results in order — each a view of its slot, valid until the caller asks for the next (SegmentParams.reuse).
 * Any source: each chunk is copied into the slots before the next is asked for (a source that reuses its buffers,
 * or one with a new buffer per read), and while every slot is in flight no further chunk is asked for — the source
 * is never read more than one chunk ahead of the slots.
 * `inputLength(i)`: segment i's length in the input stream; `output` checks a result and answers its length.
 */
async function* throughEngine(
  engine: SegmentEngine,
  source: ByteSource,
  total: number,
  count: number,
  inputLength: (i: number) => number,
  run: (slot: number, i: number) => Promise<Bytes | null>,
  output: (digest: Bytes | null, i: number) => number,
  tooLong: () => Error,
  tooShort: (seen: number) => Error,
  onSlots?: (slots: SlotHolds) => void,
): AsyncGenerator<Bytes> {
  const { slots, slotBytes, memory } = engine;
  const inflight: Array<Promise<Bytes | null>> = new Array(slots);
  // What the consumer still holds in each slot (SlotHolds): awaited before the slot is filled again.
  const held: Array<Promise<unknown> | null> = new Array(slots).fill(null);
  const owns = (v: Bytes) => v.buffer === memory.buffer && v.byteOffset >= memory.byteOffset && v.byteOffset + v.length <= memory.byteOffset + memory.length;
  onSlots?.({
    owns,
    hold(v, done) {
      if (!owns(v)) throw new Error('internal: a hold on memory that is not a slot');
      done.catch(() => undefined); // awaited before the slot is refilled
      const slot = Math.floor((v.byteOffset - memory.byteOffset) / slotBytes);
      const before = held[slot];
      held[slot] = before ? Promise.all([before, done]) : done;
    },
  });
  const release = async (slot: number) => {
    const h = held[slot];
    if (!h) return;
    held[slot] = null;
    await h;
  };
  let filling = 0; // the segment being copied in
  let fill = 0;
  let emitted = 0; // the next segment to hand out
  const dispatch = () => {
    const slot = filling % slots;
    const r = run(slot, filling);
    r.catch(() => undefined); // awaited in order by next()
    inflight[slot] = r;
    filling++;
    fill = 0;
  };
  const next = async (): Promise<Bytes | null> => {
    const slot = emitted % slots;
    const n = output(await inflight[slot], emitted);
    emitted++;
    return n > 0 ? memory.subarray(slot * slotBytes, slot * slotBytes + n) : null;
  };
  try {
    let seen = 0;
    for await (const chunk of source) {
      seen += chunk.length;
      if (seen > total) throw tooLong();
      let at = 0;
      while (at < chunk.length) {
        if (filling - emitted >= slots) {
          const out = await next(); // the oldest slot, before it is filled again
          if (out) yield out;
          continue;
        }
        if (fill === 0 && held[filling % slots]) await release(filling % slots);
        const n = Math.min(inputLength(filling) - fill, chunk.length - at);
        engine.write(filling % slots, fill, n === chunk.length ? chunk : chunk.subarray(at, at + n));
        fill += n;
        at += n;
        if (fill === inputLength(filling) && filling < count - 1) dispatch();
      }
    }
    if (seen !== total) {
      while (emitted < filling) {
        const out = await next();
        if (out) yield out;
      }
      throw tooShort(seen);
    }
    while (filling - emitted >= slots) {
      const out = await next();
      if (out) yield out;
    }
    if (fill === 0) await release(filling % slots); // a last segment with nothing written (an empty plaintext)
    dispatch(); // the last segment, once the stream ended where it should
    while (emitted < count) {
      const out = await next();
      if (out) yield out;
    }
  } finally {
    // Nothing may still use the slots when the engine closes (its memory then serves the next file): the segments
    // still on the workers (a failed or abandoned opening) and what the consumer holds.
    await Promise.allSettled([...inflight, ...held].filter(Boolean));
    engine.close();
  }
}

/** sealSegments through offThread.segments (a large file, length known, SegmentParams.reuse). */
function sealOffThread(p: SegmentParams, source: ByteSource, total: number): AsyncGenerator<Bytes> {
  if (!Number.isSafeInteger(total) || total < 0) throw new SealedBidError('INVALID_INPUT', 'the plaintext length must be an integer ≥ 0');
  const S = p.segmentSize;
  const count = Math.max(1, Math.ceil(total / S));
  const body = (i: number) => (i < count - 1 ? S : total - (count - 1) * S);
  const engine = p.suite.offThread!.segments!(p.key, p.aad, S);
  const digest = !!p.onSegmentDigest;
  return throughEngine(
    engine,
    source,
    total,
    count,
    body,
    (slot, i) => engine.seal(slot, body(i), segmentNonce(p.noncePrefix, i, i === count - 1), digest),
    (d, i) => {
      if (digest) p.onSegmentDigest!(d!);
      return body(i) + V2_TAG_BYTES;
    },
    () => new SealedBidError('INVALID_INPUT', `the plaintext is longer than its stated ${total} bytes`),
    (seen) => new SealedBidError('INVALID_INPUT', `the plaintext has ${seen} bytes, not ${total}`),
  );
}

/** openSegments through offThread.segments (a large file, length known and valid, SegmentParams.reuse). */
function openOffThread(p: SegmentParams, source: ByteSource, total: number): AsyncGenerator<Bytes> {
  const sealedSize = p.segmentSize + V2_TAG_BYTES;
  const count = Math.ceil(total / sealedSize);
  const sealed = (i: number) => (i < count - 1 ? sealedSize : total - (count - 1) * sealedSize);
  const engine = p.suite.offThread!.segments!(p.key, p.aad, p.segmentSize);
  const digest = !!p.onSegmentDigest;
  const verdicts: Array<boolean> = new Array(engine.slots);
  return throughEngine(
    engine,
    source,
    total,
    count,
    sealed,
    async (slot, i) => {
      const r = await engine.open(slot, sealed(i), segmentNonce(p.noncePrefix, i, i === count - 1), digest);
      verdicts[slot] = r.ok;
      return r.digest;
    },
    (d, i) => {
      if (!verdicts[i % engine.slots]) throw failed(`segment ${i} does not authenticate (tampered, reordered, truncated, or another key or bid)`);
      if (digest) p.onSegmentDigest!(d!);
      return sealed(i) - V2_TAG_BYTES;
    },
    () => failed('bytes after the final segment'),
    () => failed('the sealed file is shorter than its stated length'),
    p.onSlots,
  );
}

/** openSegments when the sealed length is known: the last segment is known up front, each segment decrypted as read. */
async function* openStreaming(p: SegmentParams, source: ByteSource, total: number): AsyncGenerator<Bytes> {
  const sealedSize = p.segmentSize + V2_TAG_BYTES;
  const count = Math.ceil(total / sealedSize);
  let index = 0;
  let body = 0;
  let tag: Uint8Array = new Uint8Array(V2_TAG_BYTES);
  let tagFill = 0;
  let outs: Bytes[] = [];
  let opener!: { update(ct: Bytes): Bytes; final(tag: Bytes): Bytes };
  const start = () => {
    body = (index < count - 1 ? sealedSize : total - (count - 1) * sealedSize) - V2_TAG_BYTES;
    tag = new Uint8Array(V2_TAG_BYTES);
    tagFill = 0;
    outs = [];
    opener = p.suite.createSegmentOpener!(p.key, segmentNonce(p.noncePrefix, index, index === count - 1), p.aad);
  };
  start();
  let seen = 0;
  for await (const chunk of source) {
    seen += chunk.length;
    if (seen > total) throw failed('bytes after the final segment');
    let at = 0;
    while (at < chunk.length) {
      if (body > 0) {
        const n = Math.min(body, chunk.length - at);
        outs.push(opener.update(n === chunk.length ? chunk : chunk.subarray(at, at + n)));
        body -= n;
        at += n;
        continue;
      }
      const n = Math.min(V2_TAG_BYTES - tagFill, chunk.length - at);
      tag.set(chunk.subarray(at, at + n), tagFill);
      tagFill += n;
      at += n;
      if (tagFill < V2_TAG_BYTES) continue;
      try {
        outs.push(opener.final(tag));
      } catch {
        throw failed(`segment ${index} does not authenticate (tampered, reordered, truncated, or another key or bid)`);
      }
      for (const o of outs) if (o.length) yield o; // only once the segment authenticated
      index++;
      if (index < count) start();
    }
  }
  if (seen < total) throw failed('the sealed file is shorter than its stated length');
}

/**
 * Opens a sealed file stream: yields each segment's plaintext once it authenticates. DECRYPTION_FAILED for a segment
 * that does not (tampered, reordered, spliced, another key or aad), a file cut short, or bytes after the final one.
 */
export async function* openSegments(p: SegmentParams, source: ByteSource): AsyncGenerator<Bytes> {
  check(p);
  if (p.length !== undefined && isValidCiphertextLength(p.length, p.segmentSize) && usesSegmentEngine(p)) {
    yield* openOffThread(p, source, p.length);
    return;
  }
  if (p.suite.createSegmentOpener && p.length !== undefined && isValidCiphertextLength(p.length, p.segmentSize)) {
    yield* openStreaming(p, source, p.length);
    return;
  }
  const sealedSize = p.segmentSize + V2_TAG_BYTES;
  const split = new Splitter(sealedSize);
  let pending: Bytes | null = null;
  let index = 0;
  const open = async (sealed: Bytes, last: boolean) => {
    try {
      return await p.suite.open(p.key, segmentNonce(p.noncePrefix, index++, last), sealed, p.aad);
    } catch {
      throw failed(`segment ${index - 1} does not authenticate (tampered, reordered, truncated, or another key or bid)`);
    }
  };
  for await (const chunk of source) {
    for (const piece of split.push(chunk)) {
      if (pending) yield await open(pending, false);
      pending = piece;
    }
    pending = keepPast(pending, chunk);
  }
  const rest = split.rest();
  if (rest.length > 0) {
    if (rest.length < V2_TAG_BYTES) throw failed('the sealed file ends inside a segment tag');
    if (pending) yield await open(pending, false);
    pending = rest;
  }
  if (!pending) throw failed('the sealed file is empty');
  yield await open(pending, true);
}

/** ciphertextHash (v2.4): H("bid-file-v2|<suite>" ‖ H(sealed_0) ‖ …), fed with sealed segments or arbitrary chunks. */
export class FileHasher {
  private split: Splitter | null = null;
  /** The current segment's incremental hash (suites with createSegmentHash): no segment buffers at all. */
  private cur: IncrementalHash | null = null;
  private curFill = 0;
  private digests: Array<Bytes | Promise<Bytes>> = [];
  private length = 0;
  private readonly sealedSize: number;
  /** How many segment digests may be in flight (an asynchronous hash runs beside the encryption). */
  private static readonly WINDOW = 8;
  /** The whole file hash on another thread (suite.offThread), for a file of a known size ≥ its minBytes. */
  private remote: OffThreadHash<{ digest: Bytes; n: number }> | null = null;
  private remoteResult: Promise<string> | null = null;
  /**
   * `expectedLength`: the sealed file's length when known (sealing, opening): a large file is then hashed on another
   * thread (suite.offThread) while the caller encrypts or decrypts. Such a hasher cannot be cloned.
   */
  constructor(
    private readonly suite: SuitePrimitives,
    private readonly segmentSize: number,
    expectedLength?: number,
  ) {
    this.sealedSize = segmentSize + V2_TAG_BYTES;
    const off = suite.offThread;
    if (off?.fileHasher && expectedLength !== undefined && expectedLength >= off.minBytes) this.remote = off.fileHasher(segmentSize);
    else if (suite.createSegmentHash) this.cur = suite.createSegmentHash();
    else this.split = new Splitter(this.sealedSize);
  }
  /** Whether the hashing runs on another thread. */
  get offThread(): boolean {
    return this.remote !== null;
  }
  /** Drops an unfinished off-thread hash (the caller gave up on the file). */
  dispose(): void {
    if (this.remote && !this.remoteResult) this.remote.abort();
  }
  /** An independent copy (hash a piece on the copy; keep it only when the piece was stored). */
  clone(): FileHasher {
    if (this.remote) throw new Error('an off-thread file hash cannot be cloned');
    const c = new FileHasher(this.suite, this.segmentSize);
    if (this.split) c.split = this.split.clone();
    if (this.cur) c.cur = this.cur.copy();
    c.curFill = this.curFill;
    c.digests = [...this.digests];
    c.length = this.length;
    return c;
  }
  /** The digest of the next whole sealed segment, computed by the caller (sealSegments' onSegmentDigest). */
  addSegmentDigest(digest: Bytes): void {
    if (this.remote || (this.split?.buffered ?? this.curFill) !== 0) throw new Error('addSegmentDigest after a partial update');
    this.digests.push(digest);
  }
  /** Counts bytes whose segment digests came through addSegmentDigest. */
  addLength(n: number): void {
    this.length += n;
  }
  /** Any chunking of the sealed file (synchronous with an incremental segment hash). */
  updateSync(chunk: Bytes): boolean {
    if (!this.cur || this.remote) return false;
    this.length += chunk.length;
    let at = 0;
    while (at < chunk.length) {
      const n = Math.min(this.sealedSize - this.curFill, chunk.length - at);
      this.cur.update(n === chunk.length ? chunk : chunk.subarray(at, at + n));
      this.curFill += n;
      at += n;
      if (this.curFill === this.sealedSize) {
        this.digests.push(this.cur.digest());
        this.cur = this.suite.createSegmentHash!();
        this.curFill = 0;
      }
    }
    return true;
  }
  /** Any chunking of the sealed file. */
  async update(chunk: Bytes): Promise<void> {
    if (this.remote) {
      if (this.remoteResult) throw new Error('FileHasher.update after digestHex');
      this.length += chunk.length;
      return this.remote.update(chunk);
    }
    if (this.updateSync(chunk)) return;
    this.length += chunk.length;
    for (const piece of this.split!.push(chunk)) {
      const d = this.suite.hash(piece);
      this.digests.push(d);
      if (d instanceof Promise) {
        d.catch(() => undefined); // awaited in order below
        const at = this.digests.length - 1 - FileHasher.WINDOW;
        if (at >= 0 && this.digests[at] instanceof Promise) this.digests[at] = await this.digests[at];
      }
    }
  }
  get bytes(): number {
    return this.length;
  }
  async digestHex(): Promise<string> {
    if (this.remote) {
      const remote = this.remote;
      const length = this.length;
      this.remoteResult ??= remote.digest().then((r) => {
        if (r.n !== length) throw new Error(`internal: the hash worker saw ${r.n} bytes, not ${length}`);
        return toHex(r.digest);
      });
      return this.remoteResult;
    }
    let all = this.digests;
    if (this.cur) {
      if (this.curFill > 0) all = [...this.digests, this.cur.copy().digest()];
    } else {
      const rest = this.split!.rest();
      if (rest.length) all = [...this.digests, this.suite.hash(rest)];
    }
    const digests = await Promise.all(all);
    return toHex(await this.suite.hash(concatBytes(utf8(fileHashLabel(this.suite.id)), ...digests)));
  }
}
