import {
  allExceptWinnerDisqualified,
  type AwardedTenderRecord,
  computeHistoryFlags,
  excessiveDisqualifiedBids,
  FlagCode,
  lateBidWon,
  lowestBidDisqualified,
  R038_MIN_POPULATION,
} from '..';

const org = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const DEADLINE = Date.parse('2026-05-01T02:00:00Z');

function tender(
  id: number,
  bids: Array<{ o: number; price: string; disqualified?: boolean; receivedAt?: number }>,
  winner: number,
  extra: Partial<AwardedTenderRecord> = {},
): AwardedTenderRecord {
  return {
    tenderId: `10000000-0000-4000-8000-${String(id).padStart(12, '0')}`,
    awardedAt: DEADLINE + 86_400_000,
    winnerOrganizationId: org(winner),
    bids: bids.map((b) => ({ organizationId: org(b.o), price: b.price, disqualified: b.disqualified ?? false, receivedAt: b.receivedAt ?? DEADLINE - 60_000 })),
    bidDeadline: DEADLINE,
    priceOnly: true,
    evaluated: true,
    ...extra,
  };
}

describe('cardinal-rs indicators as supervision flags', () => {
  describe('R030 late bid won (integrity alarm: the platform refuses late bids)', () => {
    it('fires when the winner’s bid arrived after the deadline, not at it, and not for a late loser', () => {
      const after = tender(
        1,
        [
          { o: 1, price: '100.00', receivedAt: DEADLINE + 1 },
          { o: 2, price: '110.00' },
          { o: 3, price: '120.00' },
        ],
        1,
      );
      const at = tender(
        2,
        [
          { o: 1, price: '100.00', receivedAt: DEADLINE },
          { o: 2, price: '110.00' },
          { o: 3, price: '120.00' },
        ],
        1,
      );
      const loserLate = tender(
        3,
        [
          { o: 1, price: '100.00' },
          { o: 2, price: '110.00', receivedAt: DEADLINE + 5 },
          { o: 3, price: '120.00' },
        ],
        1,
      );
      const flags = lateBidWon([after, at, loserLate]);
      expect(flags).toHaveLength(1);
      expect(flags[0]).toMatchObject({
        code: FlagCode.LATE_BID_WON,
        severity: 'HIGH',
        tenderIds: [after.tenderId],
        bidderIds: [org(1)],
        evidence: { indicator: 'cardinal-rs R030', lateByMs: 1 },
      });
      expect(flags[0].legalBasis).toContain('R030');
    });
  });

  describe('R035 all except winning bid disqualified', () => {
    it('fires when the winner is the only valid tenderer and others were disqualified', () => {
      const t = tender(
        1,
        [
          { o: 1, price: '100.00' },
          { o: 2, price: '90.00', disqualified: true },
          { o: 3, price: '95.00', disqualified: true },
        ],
        1,
      );
      const flags = allExceptWinnerDisqualified([t]);
      expect(flags).toEqual([
        expect.objectContaining({
          code: FlagCode.ALL_EXCEPT_WINNER_DISQUALIFIED,
          severity: 'MEDIUM',
          bidderIds: [org(1), org(2), org(3)].sort(),
          evidence: expect.objectContaining({ value: 2 }),
        }),
      ]);
    });
    it('is silent with a second valid tenderer, with nobody disqualified, or without the report', () => {
      const two = tender(
        1,
        [
          { o: 1, price: '100.00' },
          { o: 2, price: '110.00' },
          { o: 3, price: '95.00', disqualified: true },
        ],
        1,
      );
      const none = tender(2, [{ o: 1, price: '100.00' }], 1);
      const unknown = tender(
        3,
        [
          { o: 1, price: '100.00' },
          { o: 2, price: '90.00', disqualified: true },
        ],
        1,
        { evaluated: false },
      );
      expect(allExceptWinnerDisqualified([two, none, unknown])).toEqual([]);
    });
  });

  describe('R036 lowest bid disqualified', () => {
    it('fires under a price-only award when the lowest bid was disqualified', () => {
      const t = tender(
        1,
        [
          { o: 1, price: '100.00' },
          { o: 2, price: '80.00', disqualified: true },
          { o: 3, price: '120.00' },
        ],
        1,
      );
      expect(lowestBidDisqualified([t])).toEqual([
        expect.objectContaining({
          code: FlagCode.LOWEST_BID_DISQUALIFIED,
          bidderIds: [org(1), org(2)].sort(),
          evidence: expect.objectContaining({ lowestPrice: '80.00', winningPrice: '100.00' }),
        }),
      ]);
    });
    it('is silent under comprehensive scoring, when the lowest is valid, or when one of two equal lowest bids is valid', () => {
      const scoring = tender(
        1,
        [
          { o: 1, price: '100.00' },
          { o: 2, price: '80.00', disqualified: true },
        ],
        1,
        { priceOnly: false },
      );
      const valid = tender(
        2,
        [
          { o: 1, price: '80.00' },
          { o: 2, price: '90.00', disqualified: true },
        ],
        1,
      );
      const tie = tender(
        3,
        [
          { o: 1, price: '80.00' },
          { o: 2, price: '80.00', disqualified: true },
        ],
        1,
      );
      expect(lowestBidDisqualified([scoring, valid, tie])).toEqual([]);
    });
  });

  describe('R038 excessive disqualified bids', () => {
    // Each tenderer k bids 4 times; 1 of 4 disqualified for everyone, 4 of 4 for the outlier.
    const history = (n: number, outlierAll: boolean) =>
      Array.from({ length: n }, (_, k) =>
        tender(
          100 + k,
          [0, 1, 2, 3].map((i) => ({ o: k, price: `${100 + i}.00`, disqualified: i === 0 || (outlierAll && k === 0) })),
          k,
        ),
      );
    it('names the tenderer whose share of disqualified bids is above the upper fence, not the majority at the quartile', () => {
      const flags = excessiveDisqualifiedBids(history(R038_MIN_POPULATION + 5, true));
      expect(flags).toHaveLength(1);
      expect(flags[0]).toMatchObject({ code: FlagCode.EXCESSIVE_DISQUALIFIED_BIDS, bidderIds: [org(0)], evidence: { level: 'TENDERER', submitted: 4, disqualified: 4, ratio: 1 } });
    });
    it('is silent below the population a fence needs, and when nobody stands out', () => {
      expect(excessiveDisqualifiedBids(history(R038_MIN_POPULATION - 1, true))).toEqual([]);
      expect(excessiveDisqualifiedBids(history(R038_MIN_POPULATION + 5, false))).toEqual([]);
    });
    it('reaches procuring entities too', () => {
      const pe = (k: number) => `20000000-0000-4000-8000-${String(k).padStart(12, '0')}`;
      const tenders = Array.from({ length: 2 * (R038_MIN_POPULATION + 2) }, (_, i) => {
        const k = i % (R038_MIN_POPULATION + 2);
        return tender(
          500 + i,
          [
            { o: 1, price: '100.00' },
            { o: 2, price: '101.00', disqualified: k === 0 },
            { o: 3, price: '102.00', disqualified: true },
          ],
          1,
          { procuringEntityId: pe(k) },
        );
      });
      const flags = excessiveDisqualifiedBids(tenders).filter((f) => f.evidence.level === 'PROCURING_ENTITY');
      expect(flags).toEqual([expect.objectContaining({ bidderIds: [], evidence: expect.objectContaining({ procuringEntityId: pe(0), ratio: 0.6667 }) })]);
    });
  });

  it('is part of the history flags', () => {
    const t = tender(
      1,
      [
        { o: 1, price: '100.00' },
        { o: 2, price: '80.00', disqualified: true },
        { o: 3, price: '95.00', disqualified: true },
      ],
      1,
    );
    const codes = computeHistoryFlags([t])
      .map((f) => f.code)
      .sort();
    expect(codes).toEqual([FlagCode.ALL_EXCEPT_WINNER_DISQUALIFIED, FlagCode.LOWEST_BID_DISQUALIFIED].sort());
  });
});
