import { createCipheriv, createDecipheriv, createHash, getCiphers, getHashes, webcrypto } from 'crypto';
/**
 * The v2 suites on Node: INTL-1 on node:crypto (OpenSSL, synchronous); GM-1's symmetric parts (SM4-GCM segments,
 * SM3) on node:crypto too when this Node's OpenSSL has them (Node 26: OpenSSL 3.5), else on sm-crypto-v2 as in the
 * browser. SM2 (the escrow wrap, the receipt signatures) stays on sm-crypto-v2 everywhere (see suites.ts). Both GM-1
 * paths give the same bytes (src/sdk/v2/__tests__/gm-native.spec.ts).
 */
import { nodeCrypto } from '../ports/node';
import type { Bytes } from '../core/bytes';
import { V2_TAG_BYTES, type SuiteId } from './constants';
import type { SuitePrimitives } from './suite';
import { gmSuite, intlSuite } from './suites';
import { workerFileHasher, workerSha256 } from './node-hash-worker';
import { type SegmentAlgorithms, workerSegments } from './node-segment-worker';
export { fileChunks, fileSink, FILE_CHUNK_BYTES } from './node-file';

/** node:crypto's SHA-256 for the attachment digests (OpenSSL, several times the portable one). */
const createSha256 = () => createHash('sha256');
/**
 * SHA-256 of a sealed segment (1 MiB) on WebCrypto: it runs on libuv's thread pool, beside the encryption on the main
 * thread (the file hash would otherwise cost as much as AES-GCM itself). Small inputs stay synchronous.
 */
const sha256 = (data: Uint8Array): Uint8Array | Promise<Uint8Array> =>
  data.length >= 64 * 1024 ? webcrypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>).then((d) => new Uint8Array(d)) : nodeCrypto.sha256(data);

const EMPTY = Buffer.alloc(0);
/** A GCM cipher's (AES-256-GCM or SM4-GCM) segment sealer, fed in pieces (no copy of the plaintext into segment-sized buffers). */
const segmentSealer = (cipher: string) => (key: Bytes, nonce: Bytes, aad: Bytes) => {
  const c = createCipheriv(cipher as 'aes-256-gcm', key, nonce);
  if (aad.length) c.setAAD(aad);
  return {
    update: (pt: Bytes): Bytes => (pt.length ? c.update(pt) : EMPTY),
    final: (): Bytes => {
      c.final(); // GCM answers no bytes at final
      return c.getAuthTag();
    },
  };
};
const segmentOpener = (cipher: string) => (key: Bytes, nonce: Bytes, aad: Bytes) => {
  const d = createDecipheriv(cipher as 'aes-256-gcm', key, nonce);
  if (aad.length) d.setAAD(aad);
  return {
    update: (ct: Bytes): Bytes => (ct.length ? d.update(ct) : EMPTY),
    final: (tag: Bytes): Bytes => {
      d.setAuthTag(tag);
      return d.final(); // throws when the segment does not authenticate
    },
  };
};

/** A Buffer as a plain Uint8Array view (what sm-crypto-v2's GM-1 has always answered). */
const plain = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

/** SM4-GCM of one segment on node:crypto: ciphertext ‖ tag(16), exactly as sm4GcmSeal (sm-crypto-v2). */
export function nativeSm4GcmSeal(key: Bytes, nonce: Bytes, plaintext: Bytes, aad: Bytes): Bytes {
  const c = createCipheriv('sm4-gcm' as 'aes-128-gcm', key, nonce);
  if (aad.length) c.setAAD(aad);
  return plain(Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]));
}

/** Throws when the segment does not authenticate (or is shorter than its tag), as sm4GcmOpen. */
export function nativeSm4GcmOpen(key: Bytes, nonce: Bytes, sealed: Bytes, aad: Bytes): Bytes {
  if (sealed.length < V2_TAG_BYTES) throw new Error('segment shorter than its tag');
  const d = createDecipheriv('sm4-gcm' as 'aes-128-gcm', key, nonce);
  if (aad.length) d.setAAD(aad);
  d.setAuthTag(sealed.subarray(sealed.length - V2_TAG_BYTES));
  return plain(Buffer.concat([d.update(sealed.subarray(0, sealed.length - V2_TAG_BYTES)), d.final()]));
}

export const nativeSm3Hash = (data: Bytes): Bytes => plain(createHash('sm3').update(data).digest());
const createSm3 = () => createHash('sm3');

/**
 * Files and attachments from 8 MiB up are hashed on worker threads while the main thread encrypts (below that a
 * worker's start-up and messages cost more than they save).
 */
const OFF_THREAD_MIN_BYTES = 8 << 20;

const AES_GCM: SegmentAlgorithms = { cipher: 'aes-256-gcm', hash: 'sha256' };
const SM4_GCM: SegmentAlgorithms = { cipher: 'sm4-gcm', hash: 'sm3' };

/**
 * Which of GM-1's symmetric algorithms this Node's OpenSSL provides (feature-detected: an OpenSSL built without the
 * SM algorithms, or an older Node, falls back to sm-crypto-v2). `SEALED_BID_GM_NATIVE=0` in the environment forces the
 * fallback (read when this module loads).
 */
export function gmNativeSupport(): { sm4Gcm: boolean; sm3: boolean } {
  if (process.env.SEALED_BID_GM_NATIVE === '0') return { sm4Gcm: false, sm3: false };
  return { sm4Gcm: getCiphers().includes('sm4-gcm'), sm3: getHashes().includes('sm3') };
}

/**
 * GM-1 on Node. `native` (default: what gmNativeSupport finds) runs SM4-GCM and SM3 on node:crypto, and a large file's
 * segments (≥ 8 MiB, both algorithms present) on the segment workers as INTL-1 does; `native: false` is the
 * sm-crypto-v2 path (the browser's), with only the attachment digests (SHA-256) on a worker. SM2 is sm-crypto-v2's in
 * both.
 */
export function nodeGmSuite(opts: { native?: boolean | { sm4Gcm: boolean; sm3: boolean } } = {}): SuitePrimitives {
  const n = opts.native === undefined ? gmNativeSupport() : typeof opts.native === 'boolean' ? { sm4Gcm: opts.native, sm3: opts.native } : opts.native;
  const base: SuitePrimitives = { ...gmSuite(), createSha256, offThread: { minBytes: OFF_THREAD_MIN_BYTES, sha256: workerSha256 } };
  if (n.sm4Gcm) {
    Object.assign(base, {
      seal: nativeSm4GcmSeal,
      open: nativeSm4GcmOpen,
      createSegmentSealer: segmentSealer(SM4_GCM.cipher),
      createSegmentOpener: segmentOpener(SM4_GCM.cipher),
    });
  }
  if (n.sm3) {
    base.hash = nativeSm3Hash;
    base.createSegmentHash = createSm3;
    base.offThread = {
      ...base.offThread!,
      fileHasher: (seg) => workerFileHasher('GM-1', seg),
      // The workers run SM4-GCM and hash each sealed segment with SM3 (v2.4), as they do AES-256-GCM and SHA-256.
      ...(n.sm4Gcm ? { segments: (key: Bytes, aad: Bytes, segmentSize: number) => workerSegments(key, aad, segmentSize, SM4_GCM), freshBuffersToSegments: true } : {}),
    };
  }
  return base;
}

const suites: Record<SuiteId, SuitePrimitives> = {
  'INTL-1': {
    ...intlSuite(nodeCrypto, { sync: true }),
    hash: sha256,
    createSha256,
    createSegmentSealer: segmentSealer(AES_GCM.cipher),
    createSegmentOpener: segmentOpener(AES_GCM.cipher),
    createSegmentHash: createSha256,
    offThread: {
      minBytes: OFF_THREAD_MIN_BYTES,
      fileHasher: (seg) => workerFileHasher('INTL-1', seg),
      sha256: workerSha256,
      segments: (key, aad, segmentSize) => workerSegments(key, aad, segmentSize, AES_GCM),
    },
  },
  'GM-1': nodeGmSuite(),
};

export function nodeSuite(id: SuiteId): SuitePrimitives {
  return suites[id];
}
