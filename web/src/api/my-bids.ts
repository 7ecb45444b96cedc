import { api } from './client';
import type { MyBid, MyBidSummary } from './types';

/**
 * The caller's own bid for one tender, or null when it has none. Asks GET /bids/mine?tenderId= first (always 200), so
 * a bidder without a bid causes no 404, which the browser would log as a console error.
 */
export async function fetchMyBid(tenderId: string): Promise<MyBid | null> {
  const list = await api.get<{ items: MyBidSummary[]; total: number }>('/bids/mine', { query: { tenderId } });
  if (list.items.length === 0) return null;
  return api.get<MyBid>(`/tenders/${tenderId}/bids/mine`);
}
