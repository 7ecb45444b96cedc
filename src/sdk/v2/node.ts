import { createHash } from 'crypto';
/** The v2 suites on Node: INTL-1 on node:crypto (OpenSSL, synchronous), GM-1 on sm-crypto-v2. */
import { nodeCrypto } from '../ports/node';
import type { SuiteId } from './constants';
import type { SuitePrimitives } from './suite';
import { gmSuite, intlSuite } from './suites';

/** node:crypto's SHA-256 for the attachment digests (OpenSSL, several times the portable one). */
const createSha256 = () => createHash('sha256');
const suites: Record<SuiteId, SuitePrimitives> = {
  'INTL-1': { ...intlSuite(nodeCrypto, { sync: true }), createSha256 },
  'GM-1': { ...gmSuite(), createSha256 },
};

export function nodeSuite(id: SuiteId): SuitePrimitives {
  return suites[id];
}
