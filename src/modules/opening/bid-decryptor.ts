// Relative imports only: this file also runs in the escrow-decryption worker threads (no path aliases there).
import { normalizeMoney } from '../../common/money/money';
import { attachmentDigests, type EscrowUnwrapper, isSealedBidError, openBid, sha256Hex } from '../../sdk';
import { BidStatus, BidStatusReason } from '../bids/bid.enums';
import type { DecryptedBidRecord, SealedParts, UndecryptedBid } from '../bids/bid-lifecycle.service';

export type DecryptionFailureCode = 'KEY_COMMITMENT_MISMATCH' | 'DECRYPTION_FAILED' | 'CIPHERTEXT_DAMAGED' | 'NO_ESCROWED_KEY' | 'ESCROWED_KEY_INVALID';

export type DecryptionOutcome = { ok: true; record: Omit<DecryptedBidRecord, 'by'> } | { ok: false; code: DecryptionFailureCode };

/**
 * Opens one sealed bid with a key, through the SDK (the one implementation of format v1). The stored ciphertext is
 * first checked against the SHA-256 on its receipt: if the platform damaged it, the failure is the platform's.
 */
export function decryptWithKey(bid: UndecryptedBid, parts: SealedParts, key: Buffer): DecryptionOutcome {
  if (sha256Hex(parts.ciphertext) !== bid.ciphertextSha256) return { ok: false, code: 'CIPHERTEXT_DAMAGED' };
  try {
    const plaintext = openBid({
      tenderId: bid.tenderId,
      bidderOrganizationId: bid.bidderOrganizationId,
      ciphertext: parts.ciphertext,
      iv: parts.iv,
      key,
      keyCommitment: bid.keyCommitment,
    });
    const digests = attachmentDigests(plaintext);
    return {
      ok: true,
      record: {
        bidId: bid.bidId,
        key: Buffer.from(key),
        price: normalizeMoney(plaintext.price),
        durationDays: plaintext.durationDays ?? null,
        attachments: digests.map((d) => ({ name: d.name, sha256: d.sha256, size: d.size })),
      },
    };
  } catch (e) {
    if (isSealedBidError(e, 'KEY_COMMITMENT_MISMATCH')) return { ok: false, code: 'KEY_COMMITMENT_MISMATCH' };
    if (isSealedBidError(e)) return { ok: false, code: 'DECRYPTION_FAILED' };
    throw e;
  }
}

/**
 * The escrow path: unwrap the bidder's escrowed key with the tender's escrow key, then open the bid. `unwrap` is
 * the SDK's createEscrowUnwrapper for the tender's key pair, built once per opening (or per worker batch).
 */
export function decryptWithEscrow(bid: UndecryptedBid, parts: SealedParts, unwrap: EscrowUnwrapper): DecryptionOutcome {
  if (!parts.escrowedKey) return { ok: false, code: 'NO_ESCROWED_KEY' };
  let key: Buffer;
  try {
    key = unwrap(parts.escrowedKey);
  } catch (e) {
    if (isSealedBidError(e)) return { ok: false, code: 'ESCROWED_KEY_INVALID' };
    throw e;
  }
  try {
    return decryptWithKey(bid, parts, key);
  } finally {
    key.fill(0);
  }
}

/**
 * EB20 Art. 31: a bid that cannot be decrypted through the bidder's fault is revoked (撤销, its security may be
 * forfeited); through anyone else's fault (the platform's here) it is withdrawn (撤回). Other bids are opened on.
 */
export function failureStatus(code: DecryptionFailureCode | 'NOT_DECRYPTED_BY_BIDDER' | 'ESCROW_KEY_UNAVAILABLE'): {
  status: BidStatus.REVOKED | BidStatus.WITHDRAWN;
  reason: BidStatusReason;
} {
  switch (code) {
    case 'CIPHERTEXT_DAMAGED':
      return { status: BidStatus.WITHDRAWN, reason: BidStatusReason.CIPHERTEXT_DAMAGED };
    case 'ESCROW_KEY_UNAVAILABLE':
      return { status: BidStatus.WITHDRAWN, reason: BidStatusReason.ESCROW_KEY_UNAVAILABLE };
    case 'NOT_DECRYPTED_BY_BIDDER':
      return { status: BidStatus.REVOKED, reason: BidStatusReason.NOT_DECRYPTED_BY_BIDDER };
    case 'NO_ESCROWED_KEY':
      return { status: BidStatus.REVOKED, reason: BidStatusReason.NO_ESCROWED_KEY };
    case 'ESCROWED_KEY_INVALID':
      return { status: BidStatus.REVOKED, reason: BidStatusReason.ESCROWED_KEY_INVALID };
    case 'KEY_COMMITMENT_MISMATCH':
      return { status: BidStatus.REVOKED, reason: BidStatusReason.KEY_COMMITMENT_MISMATCH };
    case 'DECRYPTION_FAILED':
      return { status: BidStatus.REVOKED, reason: BidStatusReason.DECRYPTION_FAILED };
  }
}
