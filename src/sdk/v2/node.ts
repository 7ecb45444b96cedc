import { createCipheriv, createDecipheriv, createHash, webcrypto } from 'crypto';
/** The v2 suites on Node: INTL-1 on node:crypto (OpenSSL, synchronous), GM-1 on sm-crypto-v2. */
import { nodeCrypto } from '../ports/node';
import type { Bytes } from '../core/bytes';
import type { SuiteId } from './constants';
import type { SuitePrimitives } from './suite';
import { gmSuite, intlSuite } from './suites';
import { workerFileHasher, workerSha256 } from './node-hash-worker';
import { workerSegments } from './node-segment-worker';
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
/** AES-256-GCM of one segment fed in pieces (no copy of the plaintext into segment-sized buffers). */
function createSegmentSealer(key: Bytes, nonce: Bytes, aad: Bytes) {
  const c = createCipheriv('aes-256-gcm', key, nonce);
  if (aad.length) c.setAAD(aad);
  return {
    update: (pt: Bytes): Bytes => (pt.length ? c.update(pt) : EMPTY),
    final: (): Bytes => {
      c.final(); // GCM answers no bytes at final
      return c.getAuthTag();
    },
  };
}
function createSegmentOpener(key: Bytes, nonce: Bytes, aad: Bytes) {
  const d = createDecipheriv('aes-256-gcm', key, nonce);
  if (aad.length) d.setAAD(aad);
  return {
    update: (ct: Bytes): Bytes => (ct.length ? d.update(ct) : EMPTY),
    final: (tag: Bytes): Bytes => {
      d.setAuthTag(tag);
      return d.final(); // throws when the segment does not authenticate
    },
  };
}

/**
 * Files and attachments from 8 MiB up are hashed on worker threads while the main thread encrypts (below that a
 * worker's start-up and messages cost more than they save).
 */
const OFF_THREAD_MIN_BYTES = 8 << 20;

const suites: Record<SuiteId, SuitePrimitives> = {
  'INTL-1': {
    ...intlSuite(nodeCrypto, { sync: true }),
    hash: sha256,
    createSha256,
    createSegmentSealer,
    createSegmentOpener,
    createSegmentHash: createSha256,
    offThread: { minBytes: OFF_THREAD_MIN_BYTES, fileHasher: (seg) => workerFileHasher('INTL-1', seg), sha256: workerSha256, segments: workerSegments },
  },
  // GM-1's file hash is SM3 (sm-crypto-v2); only its attachment digests (SHA-256) go to a worker.
  'GM-1': { ...gmSuite(), createSha256, offThread: { minBytes: OFF_THREAD_MIN_BYTES, sha256: workerSha256 } },
};

export function nodeSuite(id: SuiteId): SuitePrimitives {
  return suites[id];
}
