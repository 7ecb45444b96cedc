import { createHash } from 'crypto';
import { SealedBidError } from './errors';

/** Binary input: a Buffer/Uint8Array, or a string holding standard base64 (as on the wire). */
export type BinaryInput = string | Uint8Array;

/**
 * Strict standard base64 (RFC 4648 §4, padded, no whitespace). Node's decoder silently skips bad characters, so a
 * value is accepted only if it re-encodes to exactly itself. Returns null when the text is not canonical base64.
 */
export function decodeBase64Strict(text: string): Buffer | null {
  if (typeof text !== 'string' || text.length % 4 !== 0) return null;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : null;
}

export function isBase64(text: unknown): text is string {
  return typeof text === 'string' && decodeBase64Strict(text) !== null;
}

/** Bytes of a BinaryInput, or null when a string is not strict base64. */
export function toBytes(input: BinaryInput): Buffer | null {
  if (typeof input === 'string') return decodeBase64Strict(input);
  if (input instanceof Uint8Array) return Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  return null;
}

/** Like toBytes, but throws INVALID_INPUT naming the field. */
export function requireBytes(input: BinaryInput, field: string, length?: number): Buffer {
  const bytes = toBytes(input);
  if (!bytes) throw new SealedBidError('INVALID_INPUT', `${field} must be standard base64 or bytes`);
  if (length !== undefined && bytes.length !== length) {
    throw new SealedBidError('INVALID_INPUT', `${field} must be ${length} bytes, got ${bytes.length}`);
  }
  return bytes;
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** SHA-256 (hex) of a ciphertext given as raw bytes or base64: the receipt's `ciphertextSha256`. */
export function ciphertextSha256(ciphertext: BinaryInput): string {
  return sha256Hex(requireBytes(ciphertext, 'ciphertext'));
}

export const HEX_SHA256_PATTERN = /^[0-9a-f]{64}$/;
