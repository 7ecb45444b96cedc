import { bidRotation, coBiddingRings, computeHistoryFlags, HISTORY_MIN_TENDERS, poissonBinomialCdf, priceGapOutliers, serialLosers } from '../cross-tender';
import { type AwardedTenderRecord, FlagCode } from '../flag.types';
import { quantileR8, tukeyFences } from '../quantiles';
import { competitiveHistory, orgId, rng } from './fixtures';

const tenderId = (i: number) => `50000000-0000-4000-8000-${i.toString().padStart(12, '0')}`;

/** Adds `n` tenders where firm `loser` bids (high) next to 4 other firms of the pool and never wins. */
function withCoverBidder(history: AwardedTenderRecord[], loser: string, n: number): AwardedTenderRecord[] {
  return history
    .map((t, i) => {
      if (i >= n) return t;
      return { ...t, bids: [...t.bids.filter((b) => b.organizationId !== loser), { organizationId: loser, price: '11500000.00' }] };
    })
    .map((t) => ({ ...t, winnerOrganizationId: t.winnerOrganizationId === loser ? t.bids.find((b) => b.organizationId !== loser)!.organizationId : t.winnerOrganizationId }));
}

/** A ring of firms R0..R3 that bid together in `n` tenders and win in turn (R0, R1, R2, R3, R0, ...). */
function withRotatingRing(history: AwardedTenderRecord[], n: number, rotate = true): AwardedTenderRecord[] {
  const ring = [9001, 9002, 9003, 9004].map(orgId);
  const extra: AwardedTenderRecord[] = [];
  for (let i = 0; i < n; i++) {
    const winner = rotate ? ring[i % ring.length] : ring[0];
    const bids = ring.map((o) => ({ organizationId: o, price: o === winner ? '9500000.00' : `${9_800_000 + ring.indexOf(o) * 10_000}.00` }));
    bids.push({ organizationId: orgId(i % 50), price: '10500000.00' });
    extra.push({ tenderId: tenderId(i), awardedAt: Date.UTC(2026, 5, 1) + i * 7 * 86_400_000, winnerOrganizationId: winner, bids });
  }
  return [...history, ...extra];
}

describe('quantiles as cardinal-rs computes them (statrs R-8)', () => {
  it('matches the R-8 definition on a small sample', () => {
    // h = (4 + 1/3)·0.25 + 1/3 = 1.4167 → x1 + 0.4167·(x2 − x1)
    expect(quantileR8([1, 2, 3, 4], 0.25)).toBeCloseTo(1.4167, 4);
    expect(quantileR8([1, 2, 3, 4], 0.75)).toBeCloseTo(3.5833, 4);
    expect(quantileR8([5], 0.75)).toBe(5);
    expect(tukeyFences([0.5, 0.5, 0.75, 0.75]).lower).toBeCloseTo(0.5 - 1.5 * (quantileR8([0.5, 0.5, 0.75, 0.75], 0.75) - 0.5), 9);
  });
  it('Poisson-binomial CDF agrees with the binomial', () => {
    expect(poissonBinomialCdf(new Array(10).fill(0.1), 0)).toBeCloseTo(0.9 ** 10, 12);
  });
});

describe('history flags (pure engine)', () => {
  const clean = competitiveHistory();

  it('a competitive history raises no serial loser, ring or rotation', () => {
    // R024/R058 mark the extremes of any history by construction (Tukey fences); they are tested below.
    const flags = computeHistoryFlags(clean).filter((f) => ![FlagCode.PRICE_CLOSE_TO_WINNING_BID, FlagCode.HEAVILY_DISCOUNTED_BID].includes(f.code));
    expect(flags).toEqual([]);
  });

  describe('SERIAL_LOSER (cardinal-rs R025; O1117 (十一))', () => {
    it('names the firm that bid in 60 tenders and never won', () => {
      const loser = orgId(777);
      const flags = serialLosers(withCoverBidder(clean, loser, 60));
      expect(flags).toEqual([expect.objectContaining({ code: FlagCode.SERIAL_LOSER, bidderIds: [loser], severity: 'LOW' })]);
      expect(flags[0].tenderIds).toHaveLength(60);
      expect(flags[0].evidence).toMatchObject({ validBids: 60, wins: 0, indicator: 'cardinal-rs R025' });
      expect(flags[0].legalBasis).toMatch(/1117/);
    });
    it('does not name a firm with few bids, nor one whose 30 losses are plausible by chance (P > 0.001)', () => {
      expect(serialLosers(withCoverBidder(clean, orgId(777), 9))).toEqual([]);
      expect(serialLosers(withCoverBidder(clean, orgId(777), 30))).toEqual([]);
    });
    it('computes nothing over a history shorter than the minimum for fences', () => {
      expect(serialLosers(withCoverBidder(clean, orgId(777), 19).slice(0, HISTORY_MIN_TENDERS - 1))).toEqual([]);
    });
  });

  describe('CO_BIDDING_RING and BID_ROTATION (O1117 (十一); TBR Art. 39(2))', () => {
    it('finds the ring and its rotation', () => {
      const h = withRotatingRing(clean, 8);
      const rings = coBiddingRings(h);
      expect(rings).toHaveLength(1);
      expect(rings[0].bidderIds).toEqual([9001, 9002, 9003, 9004].map(orgId).sort());
      const [rot] = bidRotation(h);
      expect(rot).toMatchObject({ code: FlagCode.BID_ROTATION, severity: 'MEDIUM', evidence: expect.objectContaining({ distinctWinners: 4, ringWinShare: 1 }) });
      expect((rot.evidence.sequence as Array<{ winner: string }>).map((s) => s.winner).slice(0, 4)).toEqual([9001, 9002, 9003, 9004].map(orgId));
    });
    it('a ring where one firm always wins is a ring, not a rotation', () => {
      const h = withRotatingRing(clean, 8, false);
      expect(coBiddingRings(h)).toHaveLength(1);
      expect(bidRotation(h)).toEqual([]);
    });
    it('four co-bids are not yet a ring (at least 5)', () => {
      expect(coBiddingRings(withRotatingRing(clean, 4))).toEqual([]);
    });
  });

  describe('PRICE_CLOSE_TO_WINNING_BID (R024) and HEAVILY_DISCOUNTED_BID (R058)', () => {
    const gapHistory = (planted: Array<[number, string, string]>) => {
      const r = rng(11);
      const h: AwardedTenderRecord[] = [];
      for (let i = 0; i < 40; i++) {
        const win = 9_000_000 + Math.floor(r() * 100_000);
        const gap = 0.03 + r() * 0.02; // 3–5 % between the winner and the second
        h.push({
          tenderId: tenderId(i),
          awardedAt: i,
          winnerOrganizationId: orgId(1),
          bids: [
            { organizationId: orgId(1), price: `${win}.00` },
            { organizationId: orgId(2), price: `${Math.round(win * (1 + gap))}.00` },
            { organizationId: orgId(3), price: `${Math.round(win * 1.1)}.00` },
          ],
        });
      }
      planted.forEach(([i, w, s]) => (h[i] = { ...h[i], bids: [{ organizationId: orgId(1), price: w }, { organizationId: orgId(2), price: s }, h[i].bids[2]] }));
      return h;
    };
    it('flags a second bid a hair above the winner (R024) and a winner far below the second (R058)', () => {
      const flags = priceGapOutliers(
        gapHistory([
          [5, '9000000.00', '9000100.00'],
          [6, '6000000.00', '9000000.00'],
        ]),
      );
      expect(flags.filter((f) => f.code === FlagCode.PRICE_CLOSE_TO_WINNING_BID).map((f) => f.tenderIds[0])).toEqual([tenderId(5)]);
      expect(flags.filter((f) => f.code === FlagCode.HEAVILY_DISCOUNTED_BID).map((f) => f.tenderIds[0])).toEqual([tenderId(6)]);
    });
    it('flags nothing when every gap is ordinary, nor when the lowest bid did not win (not price-only)', () => {
      expect(priceGapOutliers(gapHistory([]))).toEqual([]);
      const h = gapHistory([[5, '9000000.00', '8000000.00']]);
      expect(priceGapOutliers(h).filter((f) => f.tenderIds[0] === tenderId(5))).toEqual([]);
    });
  });
});
