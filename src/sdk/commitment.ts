import { BID_KEY_BYTES } from './constants';
import { keyCommitmentSteps, verifyKeyCommitmentSteps } from './core/format';
import { runSync } from './core/steps';
import { type BinaryInput, requireBytes, toBytes } from './encoding';
import { nodeCrypto } from './ports/node';

/** keyCommitment = hex(SHA-256(UTF-8 "bid-key-v1" ‖ key)), lowercase. */
export function keyCommitment(key: BinaryInput): string {
  return runSync(keyCommitmentSteps(requireBytes(key, 'key', BID_KEY_BYTES)), nodeCrypto);
}

/**
 * True when `key` (32 bytes, raw or base64) hashes to `commitment` (64 hex digits, any case). The digest comparison
 * is constant-time; malformed inputs give false, never an exception.
 */
export function verifyKeyCommitment(key: BinaryInput, commitment: string): boolean {
  return runSync(verifyKeyCommitmentSteps(toBytes(key), commitment), nodeCrypto);
}
