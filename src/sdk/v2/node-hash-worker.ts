/**
 * SHA-256 on worker threads beside the encryption (Node only: never imported by the browser build). AES-GCM and
 * SHA-256 cost about the same per byte, so one thread doing both tops out near half of raw AES-GCM; here the main
 * thread encrypts or decrypts while the file hash (v2.4: per-segment SHA-256, then the hash of the digests) and the
 * attachment digests run on up to two workers. The bytes are the same as on the calling thread (see
 * src/sdk/v2/__tests__/stream-fast-path.spec.ts); only where the hashing runs changes.
 *
 * Memory stays bounded: each stream keeps at most IN_FLIGHT_BYTES posted and not yet hashed (update() waits for the
 * worker beyond that). Shared-memory buffers (allocShared) are hashed in place; any other bytes are copied once into
 * a buffer handed over to the worker, so callers may reuse theirs.
 */
import { Worker } from 'worker_threads';
import { fileHashLabel, SuiteId, V2_TAG_BYTES } from './constants';
import type { Bytes } from '../core/bytes';

/** Worker code (plain JavaScript, evaluated: nothing to resolve at run time, works under ts-node and from dist). */
const WORKER_SOURCE = `
const { parentPort } = require('worker_threads');
const { createHash } = require('crypto');
const streams = new Map();
function feed(st, d) {
  st.n += d.length;
  if (!st.seg) { st.h.update(d); return; }
  let at = 0;
  while (at < d.length) {
    const k = Math.min(st.seg - st.fill, d.length - at);
    st.h.update(k === d.length ? d : d.subarray(at, at + k));
    st.fill += k; at += k;
    if (st.fill === st.seg) { st.digests.push(st.h.digest()); st.h = createHash('sha256'); st.fill = 0; }
  }
}
parentPort.on('message', (m) => {
  const st = streams.get(m.s);
  try {
    if (m.t === 'drop') streams.delete(m.s);
    else if (m.t === 'open') streams.set(m.s, { seg: m.seg, label: m.label, h: createHash('sha256'), fill: 0, digests: [], n: 0 });
    else if (m.t === 'data') { feed(st, m.d); parentPort.postMessage({ t: 'ack', s: m.s, n: m.d.length }); }
    else if (m.t === 'end') {
      streams.delete(m.s);
      let digest;
      if (!st.seg) digest = st.h.digest();
      else {
        if (st.fill > 0) st.digests.push(st.h.digest());
        const f = createHash('sha256').update(st.label);
        for (const x of st.digests) f.update(x);
        digest = f.digest();
      }
      const out = new Uint8Array(digest);
      parentPort.postMessage({ t: 'done', s: m.s, digest: out, n: st.n }, [out.buffer]);
    }
  } catch (e) {
    streams.delete(m.s);
    parentPort.postMessage({ t: 'error', s: m.s, message: String(e && e.message || e) });
  }
});
`;

/** Bytes a stream may have posted and not yet hashed before update() waits. */
const IN_FLIGHT_BYTES = 16 << 20;

interface StreamState {
  inFlight: number;
  waiter: (() => void) | null;
  done: ((r: { digest: Bytes; n: number }) => void) | null;
  fail: (e: Error) => void;
  error: Error | null;
}

class HashWorker {
  private worker: Worker | null = null;
  private readonly streams = new Map<number, StreamState>();
  private nextId = 1;

  private get w(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(WORKER_SOURCE, { eval: true });
    w.unref(); // referenced only while a stream waits on it (see track)
    w.on('message', (m: { t: string; s: number; n: number; digest?: Uint8Array; message?: string }) => {
      const st = this.streams.get(m.s);
      if (!st) return;
      if (m.t === 'ack') {
        st.inFlight -= m.n;
        if (st.waiter && st.inFlight <= IN_FLIGHT_BYTES) {
          const go = st.waiter;
          st.waiter = null;
          go();
        }
      } else if (m.t === 'done') {
        this.close(m.s);
        st.done?.({ digest: m.digest!, n: m.n });
      } else if (m.t === 'error') {
        this.close(m.s);
        st.fail(new Error(`hash worker: ${m.message}`));
      }
    });
    const broken = (e: Error) => {
      if (this.worker !== w) return;
      this.worker = null;
      for (const [id, st] of [...this.streams]) {
        this.close(id);
        st.fail(e);
      }
    };
    w.on('error', broken);
    w.on('exit', (code) => broken(new Error(`hash worker exited (${code})`)));
    this.worker = w;
    return w;
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

  /** A hash stream on this worker: plain SHA-256 (segment 0) or the v2.4 file hash of sealed segments of `seg` bytes. */
  open(seg: number, label: string): { update(d: Bytes): Promise<void>; end(): Promise<{ digest: Bytes; n: number }>; abort(): void } {
    const id = this.nextId++;
    const st: StreamState = {
      inFlight: 0,
      waiter: null,
      done: null,
      error: null,
      fail(e) {
        st.error = e;
        const go = st.waiter;
        st.waiter = null;
        go?.();
      },
    };
    const w = this.w;
    this.streams.set(id, st);
    w.postMessage({ t: 'open', s: id, seg, label });
    return {
      update: async (d: Bytes) => {
        if (st.error) throw st.error;
        if (d.length === 0) return;
        if (d.buffer instanceof SharedArrayBuffer) w.postMessage({ t: 'data', s: id, d }); // shared: no copy
        else {
          const copy = Uint8Array.prototype.slice.call(d) as Uint8Array; // one copy, handed over
          w.postMessage({ t: 'data', s: id, d: copy }, [copy.buffer as ArrayBuffer]);
        }
        st.inFlight += d.length;
        if (st.inFlight > IN_FLIGHT_BYTES) await this.awaiting(new Promise<void>((go) => (st.waiter = go)));
        if (st.error) throw st.error;
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

/** ciphertextHash (v2.4) of an INTL-1 sealed file fed in any chunking, computed on a worker thread. */
export function workerFileHasher(suite: SuiteId, segmentSize: number): { update(chunk: Bytes): Promise<void>; digest(): Promise<{ digest: Bytes; n: number }>; abort(): void } {
  if (suite !== 'INTL-1') throw new Error('the worker file hash is SHA-256 (INTL-1)');
  const s = fileWorker.open(segmentSize + V2_TAG_BYTES, fileHashLabel(suite));
  return { update: s.update, digest: s.end, abort: s.abort };
}

/** An incremental SHA-256 on a worker thread (attachment digests at opening). */
export function workerSha256(): { update(data: Bytes): Promise<void>; digest(): Promise<Bytes>; abort(): void } {
  const s = digestWorker.open(0, '');
  return { update: s.update, digest: async () => (await s.end()).digest, abort: s.abort };
}

/** Sealed segments the file-hash worker reads in place (shared memory; zero-filled, then overwritten). */
export const allocShared = (n: number): Uint8Array => new Uint8Array(new SharedArrayBuffer(n));
