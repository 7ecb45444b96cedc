/** Where the money of one bidder's security for one tender stands. UNPAID/PAID are derived from the payments. */
export type BidSecurityAccountStatus = 'HELD' | 'REFUND_DUE' | 'REFUNDED' | 'FORFEITED';

/**
 * ACCEPTED: received (by the database clock) before the deadline of a tender open for bids: counts as security.
 * LATE: received at or after the deadline; TENDER_CLOSED: the tender no longer takes bids. Both are returned.
 * UNMATCHED: to a sub-account the platform never issued; held in suspense and returned to the payer.
 */
export type PaymentClassification = 'ACCEPTED' | 'LATE' | 'TENDER_CLOSED' | 'UNMATCHED';

/** A journal of the bid-security ledger (ledger_entries, double entry). */
export type JournalKind = 'RECEIPT' | 'REFUND' | 'FORFEITURE';
