import { TenderStatus } from '../tenders/tender.enums';

export type SubmissionWindow = { open: true } | { open: false; reason: 'NOT_FOUND' | 'DEADLINE_PASSED' | 'NOT_OPEN_FOR_BIDS' };

/**
 * Whether a tender takes (or lets a bidder withdraw) a bid at `now`, the database clock read inside the storing
 * transaction. The deadline itself is already too late: a bid must be complete *before* it (EB20 Art. 27;
 * TBL Art. 28 "在招标文件要求提交投标文件的截止时间后送达的投标文件，招标人应当拒收").
 */
export function submissionWindow(tender: { status: TenderStatus; bidDeadline: Date; suspended?: boolean }, now: Date): SubmissionWindow {
  switch (tender.status) {
    case TenderStatus.DRAFT:
      return { open: false, reason: 'NOT_FOUND' }; // not public: the caller may not know it exists
    case TenderStatus.CANCELLED:
      return { open: false, reason: 'NOT_OPEN_FOR_BIDS' };
    case TenderStatus.PUBLISHED:
      if (now.getTime() >= tender.bidDeadline.getTime()) return { open: false, reason: 'DEADLINE_PASSED' };
      // TBR Art. 22: bidding is suspended while an objection to the documents is unanswered.
      return tender.suspended ? { open: false, reason: 'NOT_OPEN_FOR_BIDS' } : { open: true };
    default:
      return { open: false, reason: 'DEADLINE_PASSED' }; // OPENING and everything after it
  }
}

/** Escrow modes need the bid key wrapped for the tender's escrow key; BIDDER mode must not keep one. */
export function escrowedKeyPolicy(mode: 'BIDDER' | 'ESCROW' | 'BIDDER_WITH_ESCROW_FALLBACK'): 'REQUIRED' | 'OPTIONAL' | 'DISCARDED' {
  if (mode === 'ESCROW') return 'REQUIRED';
  if (mode === 'BIDDER_WITH_ESCROW_FALLBACK') return 'OPTIONAL';
  return 'DISCARDED';
}
