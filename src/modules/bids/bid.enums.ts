/**
 * The life of a bid (regulations.md §5 note 1, from EB20 Art. 31 and TBR Art. 35):
 * SUBMITTED (receipt sent) → [WITHDRAWN before the deadline] → OPENED (extracted at the deadline) →
 * DECRYPTED | REVOKED (decryption failed through the bidder's fault) | WITHDRAWN (failed through anyone else's fault).
 * Qualification, scores and ranks belong to the evaluation.
 */
export enum BidStatus {
  SUBMITTED = 'SUBMITTED',
  /** 撤回: before the deadline by the bidder, or a decryption failure the bidder did not cause (EB20 Art. 31). */
  WITHDRAWN = 'WITHDRAWN',
  /** Extracted at the deadline, waiting to be decrypted. */
  OPENED = 'OPENED',
  DECRYPTED = 'DECRYPTED',
  /** 撤销: not decrypted through the bidder's own fault (EB20 Art. 31): its bid security may be forfeited. */
  REVOKED = 'REVOKED',
  /** 投标失效: the bidder refused to extend the bid validity period; its security is returned (TBR Art. 25). */
  LAPSED = 'LAPSED',
}

/** Who decrypted an opened bid. */
export type DecryptedBy = 'BIDDER' | 'ESCROW';

/** Why a bid ended as it did; kept on the bid and printed in the opening record. */
export enum BidStatusReason {
  WITHDRAWN_BY_BIDDER = 'WITHDRAWN_BY_BIDDER',
  /** BIDDER mode: the bidder did not reveal a valid key within the window. */
  NOT_DECRYPTED_BY_BIDDER = 'NOT_DECRYPTED_BY_BIDDER',
  /** An escrow mode, and the bidder sent no escrowed key. */
  NO_ESCROWED_KEY = 'NO_ESCROWED_KEY',
  /** The bidder's escrowed key does not unwrap with the tender's escrow key. */
  ESCROWED_KEY_INVALID = 'ESCROWED_KEY_INVALID',
  /** The escrowed key is not the key the bidder committed to. */
  KEY_COMMITMENT_MISMATCH = 'KEY_COMMITMENT_MISMATCH',
  /** The committed key does not authenticate the ciphertext, or the plaintext is not format v1. */
  DECRYPTION_FAILED = 'DECRYPTION_FAILED',
  /** The platform's fault: the stored ciphertext no longer matches its receipt hash. */
  CIPHERTEXT_DAMAGED = 'CIPHERTEXT_DAMAGED',
  /** The platform's fault: the tender's escrow key could not be unsealed. */
  ESCROW_KEY_UNAVAILABLE = 'ESCROW_KEY_UNAVAILABLE',
  /** The bidder refused the tenderer's request to extend the bid validity period (TBR Art. 25). */
  VALIDITY_EXTENSION_REFUSED = 'VALIDITY_EXTENSION_REFUSED',
}
