import { type AwardedTenderRecord, type BidRecord, type OrganizationRecord, type PaymentRecord, type TenderFlagInput } from '../flag.types';

/**
 * A clean tender: five independent bidders with their own devices, addresses, authors, files, basic accounts and
 * legal representatives, and prices spread the way honest bids are (CV ≈ 8 %, no pattern, well under the ceiling).
 */
export const CLEAN_PRICES = ['31250000.00', '33871500.00', '35012345.67', '36680000.00', '38190000.00'];

export function org(i: number, over: Partial<OrganizationRecord> = {}): OrganizationRecord {
  return {
    id: `00000000-0000-4000-8000-00000000000${i}`,
    name: `盐城第${i}建设有限公司`,
    legalRepresentative: ['张伟', '李娜', '王芳', '刘洋', '陈静', '杨帆', '赵磊'][i % 7],
    basicAccountNo: `62220000${i}1112222`,
    ...over,
  };
}

export function bid(i: number, over: Partial<BidRecord> = {}): BidRecord {
  return {
    bidId: `10000000-0000-4000-8000-00000000000${i}`,
    organizationId: org(i).id,
    status: 'DECRYPTED',
    receivedAt: Date.UTC(2026, 10, 20, 2, 0, 0) + i * 3 * 3600_000,
    ip: `203.0.113.${10 + i}`,
    deviceId: `MACHINE-${i}-${'ABCDEFG'[i]}`,
    macAddresses: [`00:1A:2B:3C:4D:${(16 + i).toString(16).toUpperCase()}`],
    documentAuthor: ['王工', '李工', '赵工', '钱工', '孙工', '周工', '吴工'][i % 7],
    attachmentSha256s: [`${i}`.repeat(64)],
    price: CLEAN_PRICES[i % CLEAN_PRICES.length],
    ...over,
  };
}

export function payment(i: number, over: Partial<PaymentRecord> = {}): PaymentRecord {
  return { organizationId: org(i).id, payerAccountNo: org(i).basicAccountNo, payerName: org(i).name, payerIsBasicAccount: true, txnId: `TXN${i}`, ...over };
}

export function cleanTender(n = 5, over: Partial<TenderFlagInput> = {}): TenderFlagInput {
  const idx = Array.from({ length: n }, (_, i) => i);
  return {
    tenderId: '20000000-0000-4000-8000-000000000001',
    regime: 'ENGINEERING',
    priceCeiling: '40000000.00',
    bids: idx.map((i) => bid(i)),
    organizations: idx.map((i) => org(i)),
    payments: idx.map((i) => payment(i)),
    tenderDocumentSha256s: ['f'.repeat(64)],
    scores: [],
    maxTotalScore: 0,
    ...over,
  };
}

/** Replaces bid i of a tender. */
export function withBid(t: TenderFlagInput, i: number, over: Partial<BidRecord>): TenderFlagInput {
  return { ...t, bids: t.bids.map((b, k) => (k === i ? { ...b, ...over } : b)) };
}

/** A deterministic pseudo-random generator (mulberry32) for histories. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const orgId = (i: number) => `30000000-0000-4000-8000-${i.toString().padStart(12, '0')}`;

/**
 * A competitive history: `tenders` tenders, each with 5–8 bidders drawn from a pool of `pool` firms, prices spread
 * ±10 % around 10 m, the lowest price wins. Nothing collusive.
 */
export function competitiveHistory(tenders = 200, pool = 60, seed = 7): AwardedTenderRecord[] {
  const r = rng(seed);
  const out: AwardedTenderRecord[] = [];
  for (let t = 0; t < tenders; t++) {
    const k = 5 + Math.floor(r() * 4);
    const chosen = new Set<number>();
    while (chosen.size < k) chosen.add(Math.floor(r() * pool));
    const bids = [...chosen].map((o) => ({ organizationId: orgId(o), price: (9_000_000 + Math.floor(r() * 2_000_000)).toFixed(2) }));
    const winner = bids.reduce((a, b) => (Number(a.price) <= Number(b.price) ? a : b));
    out.push({
      tenderId: `40000000-0000-4000-8000-${t.toString().padStart(12, '0')}`,
      awardedAt: Date.UTC(2026, 0, 1) + t * 86_400_000,
      winnerOrganizationId: winner.organizationId,
      bids,
    });
  }
  return out;
}
