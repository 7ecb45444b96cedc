/**
 * Format v2 in the browser (the console seals large bid files with it): INTL-1 on the console's WebCrypto port
 * (src/sdk/browser.ts, noble fallback), GM-1 on sm-crypto-v2. No Node built-ins here (bundled by Vite).
 */
import { browserCrypto } from '../browser';
import type { SuiteId } from './constants';
import type { SuitePrimitives } from './suite';
import { gmSuite, intlSuite } from './suites';

export * from './index';

export function browserSuite(id: SuiteId): SuitePrimitives {
  return id === 'GM-1' ? gmSuite() : intlSuite(browserCrypto());
}

/** Seals a File/Blob's stream: the Blob's chunks as the attachment content (never the whole file in memory). */
export async function* blobChunks(blob: { stream(): ReadableStream<Uint8Array> }): AsyncGenerator<Uint8Array> {
  const reader = blob.stream().getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    yield value;
  }
}
