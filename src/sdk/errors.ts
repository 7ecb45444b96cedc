/** Error codes of the sealed-bid SDK. The first two are also API.md error codes (422). */
export const SealedBidErrorCode = {
  /** The key does not match the bid's keyCommitment (or is not 32 bytes). */
  KEY_COMMITMENT_MISMATCH: 'KEY_COMMITMENT_MISMATCH',
  /** GCM authentication failed (wrong iv, tampered ciphertext, other tender/org), or the plaintext is not format v1. */
  DECRYPTION_FAILED: 'DECRYPTION_FAILED',
  /** The escrowedKey cannot be unwrapped with this escrow private key (malformed, tampered, other tender's key). */
  ESCROW_UNWRAP_FAILED: 'ESCROW_UNWRAP_FAILED',
  /** The caller's own input is unusable (bad price when sealing, bad base64 key, ids with '|', bad PEM...). */
  INVALID_INPUT: 'INVALID_INPUT',
} as const;
export type SealedBidErrorCode = (typeof SealedBidErrorCode)[keyof typeof SealedBidErrorCode];

export class SealedBidError extends Error {
  constructor(
    readonly code: SealedBidErrorCode,
    message: string,
    /** Human-readable reasons (e.g. each problem found in a plaintext); never key material. */
    readonly details: string[] = [],
  ) {
    super(message);
    this.name = 'SealedBidError';
  }
}

export function isSealedBidError(e: unknown, code?: SealedBidErrorCode): e is SealedBidError {
  return e instanceof SealedBidError && (code === undefined || e.code === code);
}
