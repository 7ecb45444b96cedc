import { useSearchParams } from 'react-router';
import type { Tender } from '@/api/types';

/**
 * 标段 on the bid page: a tender with lots is bid lot by lot (one sealed bid, one receipt, one bid security per lot,
 * DOMAIN_RULES "lots"). The lot being bid is in the page's address (`/tenders/<id>/bid?lot=2`), so that a link or a
 * reload lands on the same lot and changing it loads that lot's own bid afresh (LotBidPage keys the page by it).
 * A tender without lots is one lot: the page uses the v1 paths and sends no lot, exactly as before lots.
 */
export interface BidLot {
  /** The tender has lots (the page offers the 标段 choice). */
  hasLots: boolean;
  lotNo: number;
  /** The lot's title (tenders with lots). */
  title: string | null;
  /** The lot's own bid security (tenders without lots: the tender's). */
  bidSecurityAmount: string;
  /** The price ceiling a bid on the lot must not exceed: the lot's budget unless the tender's ceiling is lower (TBR Art. 51(5)). */
  priceCeiling: string | null;
  /** The base of the bid paths: `/tenders/{id}` (no lots) or `/tenders/{id}/lots/{lotNo}`. */
  base: string;
  /** What a v2 upload adds to its creation body: `{ lotNo }` on a tender with lots, nothing otherwise. */
  upload: { lotNo?: number };
}

/** The `lot` of the address (null when absent or not a lot number). */
export function useLotParam(): number | null {
  const [params] = useSearchParams();
  return lotParamOf(params);
}

export function lotParamOf(params: URLSearchParams): number | null {
  const v = params.get('lot');
  return v && /^[1-9]\d?$/.test(v) ? Number(v) : null;
}

/** The lot the page bids: the wanted one if the tender has it, else its first lot (a tender without lots: lot 1). */
export function bidLot(tender: Pick<Tender, 'id' | 'lots' | 'bidSecurityAmount' | 'priceCeiling'>, wanted: number | null): BidLot {
  const lots = tender.lots ?? [];
  if (lots.length === 0) {
    return {
      hasLots: false,
      lotNo: 1,
      title: null,
      bidSecurityAmount: tender.bidSecurityAmount,
      priceCeiling: tender.priceCeiling,
      base: `/tenders/${tender.id}`,
      upload: {},
    };
  }
  const lot = lots.find((l) => l.lotNo === wanted) ?? lots[0];
  return {
    hasLots: true,
    lotNo: lot.lotNo,
    title: lot.title,
    bidSecurityAmount: lot.bidSecurityAmount ?? tender.bidSecurityAmount,
    priceCeiling: tender.priceCeiling && fen(tender.priceCeiling) < fen(lot.budget) ? tender.priceCeiling : lot.budget,
    base: `/tenders/${tender.id}/lots/${lot.lotNo}`,
    upload: { lotNo: lot.lotNo },
  };
}

/** A decimal amount in yuan as integer fen (exact). */
const fen = (amount: string) => {
  const [whole, frac = ''] = amount.split('.');
  return BigInt(whole) * 100n + BigInt((frac + '00').slice(0, 2));
};

/** A lot's name: its title when it names the lot already ("第二标段：…", "第2包 …"), else "第 2 标段：<title>". */
export const lotLabel = (l: { lotNo: number; title: string }) =>
  /^第\s*[0-9一二三四五六七八九十百]+\s*(标段|标包|包|标)/.test(l.title.trim()) ? l.title.trim() : `第 ${l.lotNo} 标段：${l.title}`;
