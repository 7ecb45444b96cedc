import { type EntityManager } from 'typeorm';
import { normalizeMoney } from 'src/common/money/money';
import { lotSecurityShare } from './tender-rules';

/** The first (and, for a tender without lots, the only) lot. */
export const DEFAULT_LOT_NO = 1;

/** What a bid or a security needs to know of one lot (标段) of a tender. */
export interface LotTerms {
  lotNo: number;
  /** The lot's own bid security; a lot that sets none: the tender's in proportion to its budget; no lots: the tender's. */
  bidSecurityAmount: string;
  status: 'ACTIVE' | 'FAILED';
  /** How many lots the tender has (0: none, it is one lot). */
  lotCount: number;
}

/**
 * The terms of lot `lotNo` of a tender, or null when the tender has no such lot. A tender without lots is one lot,
 * number 1, with the tender's own amount (API.md v1 stays valid).
 */
export async function lotTerms(m: EntityManager, tenderId: string, lotNo: number): Promise<LotTerms | null> {
  const [r]: Array<{ amount: string; budget: string; n: number; lot_amount: string | null; lot_budget: string | null; lot_status: string | null; lot_exists: boolean }> =
    await m.query(
      `SELECT t.bid_security_amount::text AS amount, t.budget::text AS budget, l.budget::text AS lot_budget,
            (SELECT count(*)::int FROM tender_lots WHERE tender_id = t.id) AS n,
            l.bid_security_amount::text AS lot_amount, l.status AS lot_status, (l.id IS NOT NULL) AS lot_exists
     FROM tenders t LEFT JOIN tender_lots l ON l.tender_id = t.id AND l.lot_no = $2
     WHERE t.id = $1`,
      [tenderId, lotNo],
    );
  if (!r) return null;
  if (r.n === 0) {
    return lotNo === DEFAULT_LOT_NO ? { lotNo, bidSecurityAmount: normalizeMoney(r.amount), status: 'ACTIVE', lotCount: 0 } : null;
  }
  if (!r.lot_exists) return null;
  return {
    lotNo,
    bidSecurityAmount: r.lot_amount !== null ? normalizeMoney(r.lot_amount) : lotSecurityShare(normalizeMoney(r.amount), normalizeMoney(r.lot_budget!), normalizeMoney(r.budget)),
    status: (r.lot_status as 'ACTIVE' | 'FAILED') ?? 'ACTIVE',
    lotCount: r.n,
  };
}
