/**
 * Sealed-bid format v2 (docs/SEALED_BID_FORMAT.md "format v2"): streaming STREAM segments, suites INTL-1 and GM-1.
 * Platform-free: Node (src/sdk/v2/node.ts), the CLI and the server use it with node:crypto for INTL-1 and for GM-1's
 * SM4-GCM and SM3 (when this Node's OpenSSL has them), the browser (src/sdk/v2/browser.ts) with WebCrypto for INTL-1
 * and sm-crypto-v2 for GM-1; GM-1's SM2 runs on sm-crypto-v2 everywhere.
 */
export * from './constants';
export type { IncrementalHash, SuitePrimitives } from './suite';
export {
  gmSuite,
  intlSuite,
  generateSm2KeyPair,
  sm2KeyPairFromSeed,
  sm2PublicFromPrivate,
  sm2Sign,
  sm2Verify,
  sm3Hash,
  sm4GcmSeal,
  sm4GcmOpen,
  sm2Wrap,
  sm2Unwrap,
} from './suites';
export * from './stream';
export * from './bid-file';
export * from './envelope';
export * from './key-file';
export * from './upload';
