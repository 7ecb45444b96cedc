import { api } from './client';
import type { MyBid, MyBidSummary } from './types';

/**
 * The caller's own bid for one tender (or one lot of it, `lotNo`), or null when it has none. Asks GET /bids/mine?tenderId= first (always 200), so
 * a bidder without a bid causes no 404, which the browser would log as a console error.
 */
export async function fetchMyBid(tenderId: string, lotNo?: number): Promise<MyBid | null> {
  if (lotNo === undefined) {
    const list = await api.get<{ items: MyBidSummary[]; total: number }>('/bids/mine', { query: { tenderId } });
    if (list.items.length === 0) return null;
    // Lot 1 (the v1 path; a tender without lots has no other); a bidder with bids on other lots only: its first one.
    const lots = list.items.map((b) => b.lotNo ?? 1);
    if (lots.includes(1)) return api.get<MyBid>(`/tenders/${tenderId}/bids/mine`);
    return api.get<MyBid>(`/tenders/${tenderId}/lots/${Math.min(...lots)}/bids/mine`);
  }
  // 标段: the bidder's bid on that lot (GET /tenders/{id}/lots/{lotNo}/bids/mine), asked only when the list has one.
  const list = await api.get<{ items: MyBidSummary[]; total: number }>('/bids/mine', { query: { tenderId, pageSize: 100 } });
  if (!list.items.some((b) => (b.lotNo ?? 1) === lotNo)) return null;
  return api.get<MyBid>(`/tenders/${tenderId}/lots/${lotNo}/bids/mine`);
}
