/**
 * v2 segments sealed and opened on worker threads (Node only: never imported by the browser build): INTL-1's
 * AES-256-GCM and SHA-256, and GM-1's SM4-GCM and SM3 when node:crypto has them (src/sdk/v2/node.ts).
 *
 * Why: node:crypto's cipher answers every update with a new buffer, and on the main thread those buffers (a 500 MiB
 * bid makes 500 MiB of them) trigger V8's full garbage collections of the whole application heap — in the fourth
 * pass a third of the process CPU. Here the main thread only copies the plaintext (or the sealed bytes) into a slot of
 * shared memory and keeps the order; each worker encrypts or decrypts a whole segment in place and hashes the sealed
 * segment while it is in its cache (the v2.4 file hash: one SHA-256 per segment, so segments are independent and
 * the workers take them in turn). The workers' own buffers are collected in their small heaps, cheaply.
 *
 * Same bytes as the calling thread (src/sdk/v2/__tests__/off-thread-segments.spec.ts compares them): nonces, segment
 * boundaries and the order are decided by stream.ts; a worker only runs the suite's AEAD and hash on one slot (GM-1:
src/sdk/v2/__tests__/gm-native.spec.ts compares them with sm-crypto-v2's). A
 * segment is decrypted in place and handed out only after its tag verified; one that does not authenticate is wiped
 * by the worker before it answers.
 */
import { availableParallelism } from 'os';
import { Worker } from 'worker_threads';
import type { Bytes } from '../core/bytes';
import { V2_TAG_BYTES } from './constants';
import type { SegmentEngine } from './suite';

/**
 * The cipher is fed 256 KiB at a time and asked for latin1 output: node:crypto then frees its output buffer at once
 * and answers a string in the young generation, written into place with buf.write(…, 'latin1') (lossless for bytes 0–255).
 * A Buffer answer would be an ArrayBuffer per call, whose external memory makes V8 run a full collection every few
 * MiB in a worker's small heap (measured: 37 mark-compacts per worker for 300 MiB). Below 1 MiB the string is a
 * plain heap string (Node makes larger ones external).
 */
const PIECE_BYTES = 256 << 10;

/** Worker code (plain JavaScript, evaluated: nothing to resolve at run time, works under ts-node and from dist). */
const WORKER_SOURCE = `
const { parentPort } = require('worker_threads');
const { createCipheriv, createDecipheriv, createHash } = require('crypto');
const TAG = ${V2_TAG_BYTES};
const PIECE = ${PIECE_BYTES};
const ops = new Map();
// The cipher's output as a latin1 string written into place: no ArrayBuffer per call (see PIECE_BYTES).
function run(cipher, from, to) {
  for (let at = 0; at < from.length; at += PIECE) {
    const s = cipher.update(from.subarray(at, Math.min(from.length, at + PIECE)), undefined, 'latin1');
    if (to.write(s, at, 'latin1') !== s.length || s.length !== Math.min(PIECE, from.length - at)) throw new Error('cipher output length');
  }
}
parentPort.on('message', (m) => {
  if (m.t === 'begin') {
    ops.set(m.op, { mem: Buffer.from(m.sab), slotBytes: m.slotBytes, key: Buffer.from(m.key), aad: Buffer.from(m.aad), cipher: m.cipher, hash: m.hash });
    return;
  }
  if (m.t === 'end') {
    const o = ops.get(m.op);
    if (o) o.key.fill(0);
    ops.delete(m.op);
    return;
  }
  const o = ops.get(m.op);
  if (!o) return parentPort.postMessage({ op: m.op, i: m.i, ok: false, error: 'unknown operation' });
  try {
    const at = m.slot * o.slotBytes;
    const nonce = Buffer.from(m.nonce);
    if (m.t === 'seal') {
      const c = createCipheriv(o.cipher, o.key, nonce);
      if (o.aad.length) c.setAAD(o.aad);
      const body = o.mem.subarray(at, at + m.n);
      run(c, body, body); // in place, piece by piece (GCM answers exactly the bytes it is given)
      c.final();
      c.getAuthTag().copy(o.mem, at + m.n);
      const digest = m.digest ? createHash(o.hash).update(o.mem.subarray(at, at + m.n + TAG)).digest() : null;
      parentPort.postMessage({ op: m.op, i: m.i, ok: true, digest });
    } else {
      const sealed = o.mem.subarray(at, at + m.n);
      const digest = m.digest ? createHash(o.hash).update(sealed).digest() : null;
      const d = createDecipheriv(o.cipher, o.key, nonce);
      if (o.aad.length) d.setAAD(o.aad);
      d.setAuthTag(sealed.subarray(m.n - TAG));
      const n = m.n - TAG;
      const body = sealed.subarray(0, n);
      run(d, body, body); // in place; the main thread reads the slot only after the verdict below
      let ok = true;
      try { d.final(); } catch { ok = false; }
      if (!ok) body.fill(0); // a segment that does not authenticate leaves no plaintext behind
      parentPort.postMessage({ op: m.op, i: m.i, ok, digest });
    }
  } catch (e) {
    parentPort.postMessage({ op: m.op, i: m.i, ok: false, error: String((e && e.message) || e) });
  }
});
`;

interface Waiter {
  resolve(r: { ok: boolean; digest: Bytes | null }): void;
  reject(e: Error): void;
}

class SegmentWorker {
  private worker: Worker | null = null;
  /** Outstanding requests by operation and segment index. */
  private readonly waiting = new Map<string, Waiter>();

  get w(): Worker {
    if (this.worker) return this.worker;
    // No execArgv (no ts-node preloads); a small heap: it holds a key and one segment's buffers at a time.
    const w = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 } });
    w.on('message', (m: { op: number; i: number; ok: boolean; digest: Uint8Array | null; error?: string }) => {
      const id = `${m.op}:${m.i}`;
      const waiter = this.waiting.get(id);
      if (!waiter) return;
      this.waiting.delete(id);
      if (m.error) waiter.reject(new Error(`segment worker: ${m.error}`));
      else waiter.resolve({ ok: m.ok, digest: m.digest ? new Uint8Array(m.digest.buffer, m.digest.byteOffset, m.digest.byteLength) : null });
    });
    const broken = (e: Error) => {
      if (this.worker !== w) return;
      this.worker = null;
      const all = [...this.waiting.values()];
      this.waiting.clear();
      for (const x of all) x.reject(e);
    };
    w.on('error', broken);
    w.on('exit', (code) => broken(new Error(`segment worker exited (${code})`)));
    w.unref(); // referenced only while a request is outstanding (see request)
    this.worker = w;
    return w;
  }

  request(op: number, i: number, msg: Record<string, unknown>): Promise<{ ok: boolean; digest: Bytes | null }> {
    const w = this.w;
    return new Promise((resolve, reject) => {
      if (this.waiting.size === 0) w.ref();
      this.waiting.set(`${op}:${i}`, {
        resolve: (r) => {
          if (this.waiting.size === 0) w.unref();
          resolve(r);
        },
        reject: (e) => {
          if (this.waiting.size === 0) w.unref();
          reject(e);
        },
      });
      w.postMessage({ ...msg, op, i });
    });
  }

  post(msg: Record<string, unknown>): void {
    this.w.postMessage(msg);
  }

  forget(op: number): void {
    for (const id of [...this.waiting.keys()]) if (id.startsWith(`${op}:`)) this.waiting.delete(id);
    if (this.waiting.size === 0) this.worker?.unref();
  }
}

/** One worker per core, two at most (the main thread reads and writes; the attachment digest has its own worker). */
const workers: SegmentWorker[] = Array.from({ length: Math.max(1, Math.min(2, availableParallelism())) }, () => new SegmentWorker());
let nextOp = 1;

/**
 * The slots' shared memory of finished operations, by size, reused by the next (a few kept): a new
 * SharedArrayBuffer per file costs its page faults, and the worker isolates that received it (the segment workers,
 * the hash worker reading plaintext in place) free it only at their next collection, which a hash worker, making
 * no garbage, may never run — measured: RSS +122 MB over 50 openings of 20 MiB before this pool, +8 MB before the
 * in-place hashing.
 */
const sharedPool = new Map<number, SharedArrayBuffer[]>();
const POOL_KEPT = 2;

/** Slots: about 8 MiB of shared memory per operation (8 slots of 1 MiB segments), an even number, at least 4. */
const SLOT_BUDGET_BYTES = 8 << 20;

/** A suite's segment AEAD and hash as node:crypto names them (a GCM cipher with a 16-byte tag). */
export interface SegmentAlgorithms {
  cipher: 'aes-256-gcm' | 'sm4-gcm';
  hash: 'sha256' | 'sm3';
}

/** A segment engine for one file (SuitePrimitives.offThread.segments): INTL-1's algorithms unless told. */
export function workerSegments(key: Bytes, aad: Bytes, segmentSize: number, algorithms: SegmentAlgorithms = { cipher: 'aes-256-gcm', hash: 'sha256' }): SegmentEngine {
  const slotBytes = segmentSize + V2_TAG_BYTES;
  const slots = Math.max(4, Math.min(64, Math.floor(SLOT_BUDGET_BYTES / slotBytes / 2) * 2));
  const sab = sharedPool.get(slots * slotBytes)?.pop() ?? new SharedArrayBuffer(slots * slotBytes);
  const op = nextOp++;
  const { cipher, hash } = algorithms;
  for (const w of workers) w.post({ t: 'begin', op, sab, slotBytes, key: Uint8Array.from(key), aad: Uint8Array.from(aad), cipher, hash });
  let closed = false;
  // Segment i goes to worker i mod n (by the slot, which the caller cycles through in order).
  const pick = (slot: number) => workers[slot % workers.length];
  const memory = Buffer.from(sab);
  return {
    memory,
    slots,
    slotBytes,
    write(slot, offset, bytes) {
      Buffer.prototype.copy.call(bytes, memory, slot * slotBytes + offset);
    },
    async seal(slot, n, nonce, digest) {
      const r = await pick(slot).request(op, slot, { t: 'seal', slot, n, nonce: Uint8Array.from(nonce), digest });
      return r.digest;
    },
    open: (slot, n, nonce, digest) => pick(slot).request(op, slot, { t: 'open', slot, n, nonce: Uint8Array.from(nonce), digest }),
    close() {
      if (closed) return;
      closed = true;
      for (const w of workers) {
        w.forget(op);
        w.post({ t: 'end', op });
      }
      const free = sharedPool.get(sab.byteLength) ?? [];
      if (free.length < POOL_KEPT) free.push(sab);
      sharedPool.set(sab.byteLength, free);
    },
  };
}
