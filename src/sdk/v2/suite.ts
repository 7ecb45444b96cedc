/**
 * The primitives of a v2 suite (docs/SEALED_BID_FORMAT.md v2.1). The streaming format code (stream.ts, envelope.ts)
 * is written once on this interface; each operation may answer synchronously (node:crypto, sm-crypto-v2) or with a
 * promise (WebCrypto in the browser).
 */
import type { Bytes } from '../core/bytes';
import type { SuiteId } from './constants';

type MaybeAsync<T> = T | Promise<T>;

export interface IncrementalHash {
  update(data: Bytes): unknown;
  digest(): Bytes;
  copy(): IncrementalHash;
}

export interface SuitePrimitives {
  readonly id: SuiteId;
  readonly keyBytes: number;
  randomBytes(length: number): MaybeAsync<Bytes>;
  /** One-shot hash (SHA-256 or SM3), 32 bytes. */
  hash(data: Bytes): MaybeAsync<Bytes>;
  /** AEAD of one segment: ciphertext ‖ tag(16). */
  seal(key: Bytes, nonce: Bytes, plaintext: Bytes, aad: Bytes): MaybeAsync<Bytes>;
  /** Throws when the segment does not authenticate. */
  open(key: Bytes, nonce: Bytes, sealed: Bytes, aad: Bytes): MaybeAsync<Bytes>;
  /** The escrowed key for the tender's escrow public key of this suite. */
  wrapKey(key: Bytes, escrowPublicKey: Bytes): MaybeAsync<Bytes>;
  /** Throws when the escrowed key cannot be unwrapped with this key pair. */
  unwrapKey(escrowedKey: Bytes, escrowPrivateKey: Bytes, escrowPublicKey: Bytes): MaybeAsync<Bytes>;
  /**
   * Streaming AEAD of one segment (node:crypto): plaintext in any chunking, each call answering its ciphertext, the
   * tag at the end. When present (and the length is known up front), segments are sealed without cutting the
   * plaintext into segment-sized copies. Must give exactly what `seal` gives.
   */
  createSegmentSealer?(key: Bytes, nonce: Bytes, aad: Bytes): { update(plaintext: Bytes): Bytes; final(): Bytes };
  /** The opening counterpart: `final(tag)` throws when the segment does not authenticate (nothing is released before). */
  createSegmentOpener?(key: Bytes, nonce: Bytes, aad: Bytes): { update(ciphertext: Bytes): Bytes; final(tag: Bytes): Bytes };
  /**
   * An incremental form of `hash` that can be copied (node:crypto's Hash): the file hash then takes any chunking
   * without gathering segments into buffers (the upload path hashes each network chunk as it arrives).
   */
  createSegmentHash?: () => IncrementalHash;
  /** An incremental SHA-256 (attachment digests at opening); the portable one is used when absent. */
  createSha256?: () => { update(data: Bytes): unknown; digest(): Bytes };
  /**
   * Hashing on another thread beside the encryption (Node: worker threads, src/sdk/v2/node-hash-worker.ts), used for
   * inputs of at least `minBytes`. Same bytes as the calling thread's hashing; only where it runs differs.
   */
  offThread?: OffThreadHashing;
  /** The platform's receipt signature over `message` (public key: Ed25519 SPKI DER or SM2 65-byte point). */
  verifySignature(publicKey: Bytes, message: Bytes, signature: Bytes): MaybeAsync<boolean>;
}

export interface OffThreadHashing {
  /** Inputs (a file, an attachment) smaller than this are hashed on the calling thread. */
  minBytes: number;
  /** ciphertextHash (v2.4) of a sealed file fed in any chunking (absent: the file hash stays on the calling thread). */
  fileHasher?(segmentSize: number): OffThreadHash<{ digest: Bytes; n: number }>;
  /** An incremental SHA-256 (attachment digests at opening). */
  sha256(): OffThreadHash<Bytes>;
  /**
   * AEAD of whole segments on other threads (Node: src/sdk/v2/node-segment-worker.ts), for a file of at least
   * `minBytes` whose consumer is done with each segment before asking for the next (stream.ts cuts the segments,
   * computes the nonces and keeps the order; the engine only seals or opens a segment in place in shared memory).
   */
  segments?(key: Bytes, aad: Bytes, segmentSize: number): SegmentEngine;
  /**
   * Whether a source that hands a new buffer per read (a stream, the S3 store) is opened on `segments` too (each chunk
   * copied into the slots). Measured (docs/BENCHMARKS.md, eleventh pass): GM-1 on node:crypto (SM4 without hardware
   * help) gains, main-thread CPU −75% and up to the two cores' throughput; INTL-1 (AES-NI) gains nothing and costs
   * 4–28% more CPU, so it stays on the calling thread for such a source.
   */
  freshBuffersToSegments?: boolean;
}

/**
 * Segment slots in shared memory (`slots` × `slotBytes`, a slot = one sealed segment). seal/open work in place: seal
 * turns the slot's plaintext into ciphertext ‖ tag, open turns an authenticated segment's ciphertext into its
 * plaintext (a segment that does not authenticate answers ok: false and leaves no plaintext). `digest`: the suite's
 * hash of the sealed segment (ciphertext ‖ tag) as well, for the file hash (v2.4).
 */
export interface SegmentEngine {
  readonly memory: Bytes;
  readonly slots: number;
  readonly slotBytes: number;
  /** Copies bytes into a slot (memmove on Node; a typed-array set into shared memory is slower). */
  write(slot: number, offset: number, bytes: Bytes): void;
  seal(slot: number, plaintextLength: number, nonce: Bytes, digest: boolean): Promise<Bytes | null>;
  open(slot: number, sealedLength: number, nonce: Bytes, digest: boolean): Promise<{ ok: boolean; digest: Bytes | null }>;
  /**
   * Forget the key on the workers (after the last segment, or when the caller gives up). The caller has awaited every
   * request and is done with the slots: the memory may serve the next engine.
   */
  close(): void;
}

/** A hash running elsewhere: update() resolves once the bytes may be reused and the backlog is bounded. */
export interface OffThreadHash<R> {
  update(data: Bytes): Promise<void>;
  /**
   * Hashes a view of shared memory in place (no copy): null when `data` is not one (then use update). The caller
   * must leave the bytes unchanged until the promise settles; calls to update and updateShared hash in call order.
   */
  updateShared?(data: Bytes): Promise<void> | null;
  digest(): Promise<R>;
  /** Forget an unfinished hash (the input failed). */
  abort(): void;
}
