/** Sealed-bid format v2 (docs/SEALED_BID_FORMAT.md "format v2"): change nothing here without a new format version. */
export const SEALED_BID_FORMAT_V2 = 2 as const;
export const SUITES = ['INTL-1', 'GM-1'] as const;
export type SuiteId = (typeof SUITES)[number];
export const isSuiteId = (s: unknown): s is SuiteId => typeof s === 'string' && (SUITES as readonly string[]).includes(s);

export const V2_TAG_BYTES = 16;
export const NONCE_PREFIX_BYTES = 7;
export const V2_NONCE_BYTES = 12;
export const DEFAULT_SEGMENT_SIZE = 1 << 20;
export const MIN_SEGMENT_SIZE = 1 << 12;
export const MAX_SEGMENT_SIZE = 1 << 24;
/** The largest header of a v2 bid file (u32be length prefix not included). */
export const MAX_BID_FILE_HEADER_BYTES = 1 << 20;
/** Platform-wide ceiling of a v2 sealed file; a tender may set a lower one. */
export const MAX_BID_FILE_BYTES = 600 * 1024 * 1024;

export const KEY_BYTES: Record<SuiteId, number> = { 'INTL-1': 32, 'GM-1': 16 };
/** The escrowed key's size per suite: v1 X25519 wrap (92) and SM2 C1(65)‖C3(32)‖C2(16) = 113. */
export const ESCROWED_KEY_BYTES_V2: Record<SuiteId, number> = { 'INTL-1': 92, 'GM-1': 113 };
export const SM2_SIGNER_ID = '1234567812345678';

export const keyCommitmentLabel = (suite: SuiteId) => `bid-key-v2|${suite}`;
export const fileHashLabel = (suite: SuiteId) => `bid-file-v2|${suite}`;
export const ENVELOPE_V2_DOMAIN = 'sealed-bid-envelope-v2';

export function isValidSegmentSize(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= MIN_SEGMENT_SIZE && n <= MAX_SEGMENT_SIZE && (n & (n - 1)) === 0;
}

/** v2.3: L ≥ 16 and L mod (segmentSize + 16) not in 1..15. */
export function isValidCiphertextLength(length: number, segmentSize: number): boolean {
  if (!Number.isSafeInteger(length) || length < V2_TAG_BYTES || !isValidSegmentSize(segmentSize)) return false;
  const r = length % (segmentSize + V2_TAG_BYTES);
  return r === 0 || r >= V2_TAG_BYTES;
}

/** The sealed length of a plaintext of `plaintextLength` bytes. */
export function ciphertextLengthFor(plaintextLength: number, segmentSize: number): number {
  const segments = Math.max(1, Math.ceil(plaintextLength / segmentSize));
  return plaintextLength + segments * V2_TAG_BYTES;
}
