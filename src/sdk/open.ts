import { openBidSteps } from './core/format';
import { runSync } from './core/steps';
import { type BinaryInput, toBytes } from './encoding';
import { type BidPlaintext } from './plaintext';
import { nodeCrypto } from './ports/node';

export interface OpenBidInput {
  tenderId: string;
  bidderOrganizationId: string;
  /** The stored ciphertext (tag appended), base64 or bytes. */
  ciphertext: BinaryInput;
  iv: BinaryInput;
  /** The revealed or unwrapped key, base64 or bytes. */
  key: BinaryInput;
  /** The keyCommitment submitted with the bid. Checked first: GCM alone does not bind a ciphertext to one key. */
  keyCommitment: string;
}

/**
 * Opens a sealed bid: KEY_COMMITMENT_MISMATCH when the key is not the committed one; DECRYPTION_FAILED when the
 * ciphertext, iv or aad (tender, organisation) do not authenticate, or the plaintext is not format v1.
 */
export function openBid(input: OpenBidInput): BidPlaintext {
  return runSync(
    openBidSteps({
      tenderId: input.tenderId,
      bidderOrganizationId: input.bidderOrganizationId,
      ciphertext: toBytes(input.ciphertext),
      iv: toBytes(input.iv),
      key: toBytes(input.key),
      keyCommitment: input.keyCommitment,
    }),
    nodeCrypto,
  );
}
