import { FlagCode } from '../flag.types';
import { computeFlagsPerLot, lotInput, lotsOf } from '../lots';
import { computeTenderFlags } from '../tender-flags';
import { cleanTender, withBid } from './fixtures';

/** Bids 0–2 on lot 1, 3–5 on lot 2; each bidder's security paid for its own lot. */
function twoLots() {
  const t = cleanTender(6);
  return {
    ...t,
    bids: t.bids.map((b, i) => ({ ...b, lotNo: i < 3 ? 1 : 2 })),
    payments: t.payments.map((p, i) => ({ ...p, lotNo: i < 3 ? 1 : 2 })),
  };
}
const codes = (flags: Array<{ code: string }>) => flags.map((f) => f.code);

describe('collusion flags per lot (标段)', () => {
  it('a tender without lots is screened exactly as before', () => {
    const t = cleanTender(5);
    expect(computeFlagsPerLot(t)).toEqual(computeTenderFlags(t));
    expect(lotsOf(t)).toEqual([1]);
  });

  it('prices are compared within a lot only: the same price on two lots is no signal', () => {
    // Bids 0 and 5 carry the same price (the fixture repeats its five prices); as one competition they are flagged.
    const t = twoLots();
    expect(codes(computeTenderFlags(t))).toContain(FlagCode.IDENTICAL_PRICES);
    expect(codes(computeFlagsPerLot(t))).not.toContain(FlagCode.IDENTICAL_PRICES);
  });

  it('within a lot a flag is raised and names its lot', () => {
    const t = withBid(twoLots(), 4, { deviceId: 'MACHINE-3-D' }); // bids 3 and 4, both on lot 2, from one machine
    const flags = computeFlagsPerLot(t).filter((f) => f.code === FlagCode.SAME_DEVICE);
    expect(flags).toHaveLength(1);
    expect(flags[0].evidence.lotNo).toBe(2);
    expect(flags[0].bidderIds).toEqual([t.bids[3].organizationId, t.bids[4].organizationId].sort());
    // The same machine across lots is not "the same lot".
    const across = withBid(twoLots(), 4, { deviceId: t.bids[0].deviceId });
    expect(codes(computeFlagsPerLot(across))).not.toContain(FlagCode.SAME_DEVICE);
  });

  it('a lot’s input holds its bids, bidders and payments only', () => {
    const lot2 = lotInput(twoLots(), 2);
    expect(lot2.bids.map((b) => b.lotNo)).toEqual([2, 2, 2]);
    expect(lot2.organizations.map((o) => o.id).sort()).toEqual(lot2.bids.map((b) => b.organizationId).sort());
    expect(lot2.payments).toHaveLength(3);
  });
});
