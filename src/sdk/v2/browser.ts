/**
 * Format v2 in the browser (the console seals large bid files with it): INTL-1 on the console's WebCrypto port
 * (src/sdk/browser.ts, noble fallback), GM-1 on sm-crypto-v2. No Node built-ins here (bundled by Vite; the console
 * loads this module lazily, on the first v2 seal or opening).
 */
import { browserCrypto } from '../browser';
import { type Bytes, fromHex } from '../core/bytes';
import { ed25519SpkiFromPem } from '../core/format';
import type { SuiteId } from './constants';
import type { SuitePrimitives } from './suite';
import { gmSuite, intlSuite } from './suites';

export * from './index';
export { base64DecodeStrict, fromHex } from '../core/bytes';

export function browserSuite(id: SuiteId): SuitePrimitives {
  return id === 'GM-1' ? gmSuite() : intlSuite(browserCrypto());
}

/** Seals a File/Blob's stream: the Blob's chunks as the attachment content (never the whole file in memory). */
export async function* blobChunks(blob: { stream(): ReadableStream<Uint8Array> }): AsyncGenerator<Uint8Array> {
  const reader = blob.stream().getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/** The platform's receipt key for a suite, from GET /platform/keys (Ed25519 PEM for INTL-1, SM2 point hex for GM-1). */
export function receiptPublicKeyFor(suite: SuiteId, keys: { receiptPublicKey: string; receiptPublicKeySm2?: string | null }): Bytes {
  if (suite === 'GM-1') {
    const k = keys.receiptPublicKeySm2 ? fromHex(keys.receiptPublicKeySm2) : null;
    if (!k) throw new Error('the platform publishes no SM2 receipt key');
    return k;
  }
  return ed25519SpkiFromPem(keys.receiptPublicKey);
}
