/**
 * SHA-256 on worker threads beside the encryption (Node only: never imported by the browser build). AES-GCM and
 * SHA-256 cost about the same per byte, so one thread doing both tops out near half of raw AES-GCM; here the main
 * thread encrypts or decrypts while the file hash (v2.4: per-segment SHA-256, then the hash of the digests) and the
 * attachment digests run on up to two workers. The bytes are the same as on the calling thread (see
 * src/sdk/v2/__tests__/stream-fast-path.spec.ts); only where the hashing runs changes.
 *
 * Memory stays bounded and no garbage is made per chunk: the bytes are copied into a fixed ring of shared memory per
 * worker (RING_BYTES), which update() waits on when it is full; callers may reuse their buffers once it resolves.
 * (Moving buffers to the worker instead of copying them was tried: the worker's isolate frees them late, and the
 * RSS of an escrow opening grew by up to 200 MB.) Bytes that already are in shared memory — the plaintext in the
 * segment engine's slots at opening — are hashed in place instead (updateShared: no copy; the slot stays held until
 * the worker is done, see SlotHolds in stream.ts).
 */
import { Worker } from 'worker_threads';
import { fileHashLabel, type SuiteId, V2_TAG_BYTES } from './constants';
import type { Bytes } from '../core/bytes';

/** Worker code (plain JavaScript, evaluated: nothing to resolve at run time, works under ts-node and from dist). */
const WORKER_SOURCE = `
const { parentPort } = require('worker_threads');
const { createHash } = require('crypto');
const streams = new Map();
let ring = null;
function feed(st, d) {
  st.n += d.length;
  if (!st.seg) { st.h.update(d); return; }
  let at = 0;
  while (at < d.length) {
    const k = Math.min(st.seg - st.fill, d.length - at);
    st.h.update(k === d.length ? d : d.subarray(at, at + k));
    st.fill += k; at += k;
    if (st.fill === st.seg) { st.digests.push(st.h.digest()); st.h = createHash(st.alg); st.fill = 0; }
  }
}
const shared = new Map();
parentPort.on('message', (m) => {
  if (m.t === 'ring') { ring = new Uint8Array(m.sab); return; }
  if (m.t === 'sab') { shared.set(m.id, new Uint8Array(m.sab)); return; }
  if (m.t === 'unsab') { shared.delete(m.id); return; }
  const st = streams.get(m.s);
  if (m.t === 'view') {
    try {
      if (st && !st.failed) feed(st, shared.get(m.id).subarray(m.off, m.off + m.n));
    } catch (e) {
      if (st) st.failed = String((e && e.message) || e);
    }
    parentPort.postMessage({ t: 'vack', v: m.v }); // done with the caller's memory, whatever happened
  } else if (m.t === 'data') {
    try {
      if (st && !st.failed) feed(st, ring.subarray(m.off, m.off + m.n));
    } catch (e) {
      if (st) st.failed = String((e && e.message) || e);
    }
    parentPort.postMessage({ t: 'ack', n: m.n }); // the ring bytes are free again, whatever happened
  } else if (m.t === 'open') streams.set(m.s, { seg: m.seg, label: m.label, alg: m.alg, h: createHash(m.alg), fill: 0, digests: [], n: 0, failed: null });
  else if (m.t === 'drop') streams.delete(m.s);
  else if (m.t === 'end') {
    streams.delete(m.s);
    if (!st || st.failed) return parentPort.postMessage({ t: 'error', s: m.s, message: st ? st.failed : 'unknown stream' });
    let digest;
    if (!st.seg) digest = st.h.digest();
    else {
      if (st.fill > 0) st.digests.push(st.h.digest());
      const f = createHash(st.alg).update(st.label);
      for (const x of st.digests) f.update(x);
      digest = f.digest();
    }
    const out = new Uint8Array(digest);
    parentPort.postMessage({ t: 'done', s: m.s, digest: out, n: st.n }, [out.buffer]);
  }
});
`;

/**
 * The bytes on their way to a worker: a ring of shared memory per worker. update() copies into it (no allocation
 * per chunk, so no garbage for the collector) and waits when it is full; the worker frees what it hashed.
 */
const RING_BYTES = 4 << 20;

interface StreamState {
  done: ((r: { digest: Bytes; n: number }) => void) | null;
  fail: (e: Error) => void;
  error: Error | null;
}

class HashWorker {
  private worker: Worker | null = null;
  private ring: Buffer = Buffer.alloc(0);
  /** Bytes ever written to / freed from the ring (positions modulo its size). */
  private head = 0;
  private tail = 0;
  private spaceWaiters: Array<() => void> = [];
  private readonly streams = new Map<number, StreamState>();
  private nextId = 1;
  /** Shared memory the worker reads in place (updateShared), by id; the most recent few only. */
  private readonly sabs = new Map<SharedArrayBuffer, number>();
  private nextSab = 1;
  /** updateShared calls the worker has not finished, by sequence number. */
  private readonly views = new Map<number, { resolve(): void; reject(e: Error): void }>();
  private nextView = 1;
  private static readonly SHARED_KEPT = 2;

  /** The id of `sab` on the worker, sending it the first time (the oldest forgotten beyond SHARED_KEPT). */
  private sabId(w: Worker, sab: SharedArrayBuffer): number {
    const known = this.sabs.get(sab);
    if (known !== undefined) return known;
    const id = this.nextSab++;
    this.sabs.set(sab, id);
    w.postMessage({ t: 'sab', id, sab });
    if (this.sabs.size > HashWorker.SHARED_KEPT) {
      const [oldest, oldId] = this.sabs.entries().next().value as [SharedArrayBuffer, number];
      this.sabs.delete(oldest);
      w.postMessage({ t: 'unsab', id: oldId }); // after every message that reads it (one port, in order)
    }
    return id;
  }

  private get w(): Worker {
    if (this.worker) return this.worker;
    // No execArgv: a worker would otherwise load the parent's preloads (ts-node and the TypeScript compiler, ~50 MB);
    // a small heap (it holds a hash state and 32 bytes per segment).
    const w = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 2 } });
    const sab = new SharedArrayBuffer(RING_BYTES);
    this.ring = Buffer.from(sab);
    this.head = this.tail = 0;
    w.postMessage({ t: 'ring', sab });
    w.on('message', (m: { t: string; s: number; n: number; v: number; digest?: Uint8Array; message?: string }) => {
      if (m.t === 'ack') {
        this.tail += m.n;
        this.wake();
        return;
      }
      if (m.t === 'vack') {
        const done = this.views.get(m.v);
        this.views.delete(m.v);
        done?.resolve();
        return;
      }
      const st = this.streams.get(m.s);
      if (!st) return;
      this.close(m.s);
      if (m.t === 'done') st.done?.({ digest: m.digest!, n: m.n });
      else st.fail(new Error(`hash worker: ${m.message}`));
    });
    const broken = (e: Error) => {
      if (this.worker !== w) return;
      this.worker = null;
      this.sabs.clear();
      for (const [v, done] of [...this.views]) {
        this.views.delete(v);
        done.reject(e);
      }
      for (const [id, st] of [...this.streams]) {
        this.close(id);
        st.fail(e);
      }
      this.wake();
    };
    w.on('error', broken);
    w.on('exit', (code) => broken(new Error(`hash worker exited (${code})`)));
    // Referenced only while someone awaits it (see awaiting); after the listeners, which reference it again.
    w.unref();
    this.worker = w;
    return w;
  }

  private wake(): void {
    const waiting = this.spaceWaiters;
    this.spaceWaiters = [];
    for (const go of waiting) go();
  }

  private close(id: number): void {
    this.streams.delete(id);
  }

  /** The worker keeps the process alive only while someone awaits it (an abandoned stream does not). */
  private pending = 0;
  private async awaiting<T>(p: Promise<T>): Promise<T> {
    if (this.pending++ === 0) this.worker?.ref();
    try {
      return await p;
    } finally {
      if (--this.pending === 0) this.worker?.unref();
    }
  }

  /**
   * A hash stream on this worker: a plain hash (segment 0) or the v2.4 file hash of sealed segments of `seg` bytes;
   * `alg`: SHA-256, or SM3 (GM-1's file hash, when node:crypto has it).
   */
  open(
    seg: number,
    label: string,
    alg: 'sha256' | 'sm3' = 'sha256',
  ): { update(d: Bytes): Promise<void>; updateShared(d: Bytes): Promise<void> | null; end(): Promise<{ digest: Bytes; n: number }>; abort(): void } {
    const id = this.nextId++;
    const st: StreamState = {
      done: null,
      error: null,
      fail(e) {
        st.error = e;
      },
    };
    const w = this.w;
    this.streams.set(id, st);
    w.postMessage({ t: 'open', s: id, seg, label, alg });
    return {
      update: async (d: Bytes) => {
        let at = 0;
        while (at < d.length) {
          if (st.error || this.worker !== w) throw st.error ?? new Error('hash worker gone');
          const free = RING_BYTES - (this.head - this.tail);
          if (free === 0) {
            await this.awaiting(new Promise<void>((go) => this.spaceWaiters.push(go)));
            continue;
          }
          const pos = this.head % RING_BYTES;
          const k = Math.min(free, d.length - at, RING_BYTES - pos);
          Buffer.prototype.copy.call(d, this.ring, pos, at, at + k); // libc memmove (TypedArray.set into shared memory is slower)
          w.postMessage({ t: 'data', s: id, off: pos, n: k });
          this.head += k;
          at += k;
        }
      },
      // A view of shared memory is hashed in place: no copy into the ring; the caller keeps the bytes unchanged until
      // the promise settles (the segment slots of node-segment-worker.ts, held by stream.ts until then).
      updateShared: (d: Bytes) => {
        if (!(d.buffer instanceof SharedArrayBuffer) || d.length === 0) return null;
        if (st.error || this.worker !== w) return Promise.reject(st.error ?? new Error('hash worker gone'));
        const v = this.nextView++;
        const done = this.awaiting(new Promise<void>((resolve, reject) => this.views.set(v, { resolve, reject })));
        w.postMessage({ t: 'view', s: id, id: this.sabId(w, d.buffer), off: d.byteOffset, n: d.length, v });
        return done;
      },
      end: () =>
        this.awaiting(
          new Promise((resolve, reject) => {
            if (st.error) return reject(st.error);
            st.done = resolve;
            st.fail = (e) => reject(e);
            w.postMessage({ t: 'end', s: id });
          }),
        ),
      abort: () => {
        if (!this.streams.has(id)) return;
        this.close(id);
        w.postMessage({ t: 'drop', s: id });
      },
    };
  }
}

/** One worker for the file hash, one for the attachment digests (the machine's second core, and a third if any). */
const fileWorker = new HashWorker();
const digestWorker = new HashWorker();

/**
 * ciphertextHash (v2.4) of a sealed file fed in any chunking, computed on a worker thread: SHA-256 for INTL-1, SM3 for
 * GM-1 (node:crypto's: offered by src/sdk/v2/node.ts only when this Node has it).
 */
export function workerFileHasher(suite: SuiteId, segmentSize: number): { update(chunk: Bytes): Promise<void>; digest(): Promise<{ digest: Bytes; n: number }>; abort(): void } {
  const s = fileWorker.open(segmentSize + V2_TAG_BYTES, fileHashLabel(suite), suite === 'GM-1' ? 'sm3' : 'sha256');
  return { update: s.update, digest: s.end, abort: s.abort };
}

/** An incremental SHA-256 on a worker thread (attachment digests at opening). */
export function workerSha256(): { update(data: Bytes): Promise<void>; updateShared(data: Bytes): Promise<void> | null; digest(): Promise<Bytes>; abort(): void } {
  const s = digestWorker.open(0, '');
  return { update: s.update, updateShared: s.updateShared, digest: async () => (await s.end()).digest, abort: s.abort };
}
