import { type BidStatus } from './bid.enums';

/** The receipt of POST /tenders/{id}/bids (API.md), signed with the platform's Ed25519 key. */
export interface BidReceiptView {
  bidId: string;
  version: number;
  receivedAt: string;
  ciphertextSha256: string;
  signature: string;
  /** v1 receipt extension (SEALED_BID_FORMAT.md §5.1); absent for bids received before it. */
  envelopeSha256?: string;
  envelopeSignature?: string;
  escrowedKeyStored?: boolean;
  tenderId: string;
  bidderOrganizationId: string;
  keyCommitment: string;
  status: BidStatus;
}

/** GET /tenders/{id}/bids/mine: the latest receipt, the status and the caller's own history. */
export interface MyBidView extends BidReceiptView {
  /** 标段: the lot bid for (1 for a tender without lots). */
  lotNo?: number;
  withdrawnAt: string | null;
  hasEscrowedKey: boolean;
  /** Only once the bid has been decrypted at the opening. */
  price: string | null;
  statusReason: string | null;
  /** Present for a bid whose current version is format v2 (docs/SEALED_BID_FORMAT.md v2.10). */
  formatVersion?: 2;
  suite?: string | null;
  /**
   * Format v2, the caller's own bid only: the rest of the envelope its receipt signs (SEALED_BID_FORMAT.md v2.5), so
   * the bidder can recompute envelopeSha256 and check envelopeSignature when it comes back. Nothing here reveals the
   * price or contents: the nonce prefix is public by design and the escrowed key opens only with the escrow key.
   */
  envelope?: { segmentSize: number; ciphertextLength: number; noncePrefix: string; escrowedKey: string | null };
  versions: Array<{ version: number; receivedAt: string; ciphertextSha256: string; keyCommitment: string; signature: string }>;
}

export interface BidWithdrawalView {
  bidId: string;
  status: BidStatus;
  withdrawnAt: string;
}

/** One line of GET /bids/mine (我的投标): the caller's own bid and the tender it is for. */
export interface MyBidSummary {
  bidId: string;
  tenderId: string;
  lotNo?: number;
  tenderTitle: string;
  tenderStatus: string;
  bidDeadline: string;
  version: number;
  status: BidStatus;
  receivedAt: string;
}
