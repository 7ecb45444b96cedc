import { auditStream } from '../audit/audit.service';

/**
 * Where a bid security's audit events go: the sub-account's own stream, sealed until its tender is opened (who
 * applied for a sub-account and who paid are secret before the opening, TBL Art. 22; API.md "Bid security"). One
 * stream per account keeps concurrent notifications for different accounts off each other's lock; notifications
 * for one account are serialised by its row lock anyway. Money that matches no account (and its refund) names no
 * tender and no bidder: the platform stream.
 */
export function securityAuditScope(tenderId: string | null, accountId: string | null) {
  return tenderId && accountId ? { stream: auditStream('bid-security', accountId), sealedUntilOpeningOf: tenderId } : { tenderId: null };
}
