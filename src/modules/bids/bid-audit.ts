import { auditStream } from '../audit/audit.service';

/** A bid's own audit stream: its submissions, replacements and withdrawal, and no other bid's. */
export const bidAuditStream = (bidId: string): string => auditStream('bid', bidId);

/**
 * Where a bid's audit events go before the deadline: the bid's own stream (no lock shared with any other
 * submission), sealed until its tender is opened — before then no listing or count shows that the bid exists,
 * supervisors' included (TBL Art. 22; API.md "Sealed bids").
 */
export const bidAuditScope = (tenderId: string, bidId: string) => ({
  stream: bidAuditStream(bidId),
  sealedUntilOpeningOf: tenderId,
});
