/** The v2 suites on Node: INTL-1 on node:crypto (OpenSSL, synchronous), GM-1 on sm-crypto-v2. */
import { nodeCrypto } from '../ports/node';
import type { SuiteId } from './constants';
import type { SuitePrimitives } from './suite';
import { gmSuite, intlSuite } from './suites';

const suites: Record<SuiteId, SuitePrimitives> = { 'INTL-1': intlSuite(nodeCrypto, { sync: true }), 'GM-1': gmSuite() };

export function nodeSuite(id: SuiteId): SuitePrimitives {
  return suites[id];
}
