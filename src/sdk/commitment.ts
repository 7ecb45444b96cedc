import { createHash, timingSafeEqual } from 'crypto';
import { BID_KEY_BYTES, KEY_COMMITMENT_LABEL } from './constants';
import { BinaryInput, HEX_SHA256_PATTERN, requireBytes, toBytes } from './encoding';

/** keyCommitment = hex(SHA-256(UTF-8 "bid-key-v1" ‖ key)), lowercase. */
export function keyCommitment(key: BinaryInput): string {
  const k = requireBytes(key, 'key', BID_KEY_BYTES);
  return commitmentDigest(k).toString('hex');
}

function commitmentDigest(key: Buffer): Buffer {
  return createHash('sha256').update(Buffer.from(KEY_COMMITMENT_LABEL, 'utf8')).update(key).digest();
}

/**
 * True when `key` (32 bytes, raw or base64) hashes to `commitment` (64 hex digits, any case). The digest comparison
 * is constant-time; malformed inputs give false, never an exception.
 */
export function verifyKeyCommitment(key: BinaryInput, commitment: string): boolean {
  const k = toBytes(key);
  const wellFormed =
    k !== null && k.length === BID_KEY_BYTES && typeof commitment === 'string' &&
    HEX_SHA256_PATTERN.test(commitment.toLowerCase());
  const actual = commitmentDigest(k && k.length === BID_KEY_BYTES ? k : Buffer.alloc(BID_KEY_BYTES));
  const expected = wellFormed ? Buffer.from(commitment, 'hex') : Buffer.alloc(32);
  return timingSafeEqual(actual, expected) && wellFormed;
}
