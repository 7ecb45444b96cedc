import { calibrateMarket, MIN_CALIBRATION_TENDERS } from 'src/modules/supervision/screens/market-calibration';
import { kthOfTwoSorted, MarketHistory } from 'src/modules/supervision/screens/market-history';
import { computePriceScreens, mulberry32 } from 'src/modules/supervision/screens/price-screens';

/** n bids around 1e6 with coefficient of variation ≈ cv (normal, Box–Muller). */
function tender(rnd: () => number, n: number, cv: number): number[] {
  return Array.from({ length: n }, () => {
    const z = Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
    return Math.round(1e8 * Math.max(0.05, 1 + cv * z)) / 100;
  });
}

/** A market: tenders of 3–14 bids (some ineligible), CV log-spread around `cv`, a few exact duplicates (ties). */
function market(seed: number, count: number, cv: number): Array<{ id: string; bids: number[] }> {
  const rnd = mulberry32(seed);
  const out: Array<{ id: string; bids: number[] }> = [];
  for (let i = 0; i < count; i++) {
    const bids = i % 9 === 8 ? [...out[i - 1].bids] : tender(rnd, 3 + Math.floor(rnd() * 12), cv * Math.exp(0.6 * (rnd() - 0.5) * 2));
    out.push({ id: `t${i}`, bids });
  }
  return out;
}

describe('MarketHistory: a market calibrated once, each tender without itself', () => {
  it('kthOfTwoSorted is the k-th smallest of the merged sequences', () => {
    const rnd = mulberry32(3);
    for (let trial = 0; trial < 300; trial++) {
      const a = Array.from({ length: Math.floor(rnd() * 8) }, () => Math.floor(rnd() * 10)).sort((x, y) => x - y);
      const b = Array.from({ length: Math.floor(rnd() * 8) }, () => Math.floor(rnd() * 10)).sort((x, y) => x - y);
      if (trial % 7 === 0) b.push(Infinity);
      const merged = [...a, ...b].sort((x, y) => x - y);
      for (let k = 0; k < merged.length; k++)
        expect(
          kthOfTwoSorted(
            (i) => a[i],
            a.length,
            (i) => b[i],
            b.length,
            k,
          ),
        ).toBe(merged[k]);
      expect(() =>
        kthOfTwoSorted(
          (i) => a[i],
          a.length,
          (i) => b[i],
          b.length,
          merged.length,
        ),
      ).toThrow(RangeError);
    }
  });

  it('calibrationExcluding(id) is calibrateMarket of the history without that tender, to the bit', () => {
    const m = market(11, 160, 0.07);
    const screens = m.map((t) => ({ id: t.id, screens: computePriceScreens(t.bids) }));
    const history = MarketHistory.fromScreens(screens);
    expect(history.calibration()).toEqual(calibrateMarket(screens.map((s) => s.screens)));
    for (const skip of screens) {
      const expected = calibrateMarket(screens.filter((s) => s !== skip).map((s) => s.screens));
      expect(history.calibrationExcluding(skip.id)).toEqual(expected);
    }
    // a tender outside the history (not eligible, or unknown) excludes nothing
    const ineligible = screens.find((s) => s.screens.distinct < 4)!;
    expect(history.has(ineligible.id)).toBe(false);
    expect(history.calibrationExcluding(ineligible.id)).toEqual(history.calibration());
    expect(history.calibrationExcluding('unknown')).toEqual(history.calibration());
  });

  it('agrees with calibrateMarket for other options too (tail share, minimum)', () => {
    const m = market(5, 60, 0.02);
    const screens = m.map((t) => ({ id: t.id, screens: computePriceScreens(t.bids) }));
    const options = { tailShare: 0.25, minTenders: 10 };
    const history = MarketHistory.fromBids(m, options);
    for (const skip of screens.slice(0, 20)) {
      expect(history.calibrationExcluding(skip.id)).toEqual(
        calibrateMarket(
          screens.filter((s) => s !== skip).map((s) => s.screens),
          options,
        ),
      );
    }
  });

  describe(`the minimum history (MIN_CALIBRATION_TENDERS = ${MIN_CALIBRATION_TENDERS} other eligible tenders)`, () => {
    // Eligible tenders only: 6 distinct bids each, so every one counts.
    const eligible = (count: number) => {
      const rnd = mulberry32(17);
      return Array.from({ length: count }, (_, i) => ({ id: `e${i}`, bids: tender(rnd, 6, 0.05) }));
    };
    it('one short (29 others): the fixed defaults, source fallback', () => {
      const c = MarketHistory.fromBids(eligible(MIN_CALIBRATION_TENDERS)).calibrationExcluding('e0');
      expect(c).toMatchObject({ source: 'fallback', tenders: MIN_CALIBRATION_TENDERS - 1 });
    });
    it('exactly 30 others: calibrated on the market', () => {
      const c = MarketHistory.fromBids(eligible(MIN_CALIBRATION_TENDERS + 1)).calibrationExcluding('e0');
      expect(c).toMatchObject({ source: 'market', tenders: MIN_CALIBRATION_TENDERS });
      expect(c.market.cv).not.toBeNull();
    });
    it('31 others: calibrated on the market', () => {
      const c = MarketHistory.fromBids(eligible(MIN_CALIBRATION_TENDERS + 2)).calibrationExcluding('e0');
      expect(c).toMatchObject({ source: 'market', tenders: MIN_CALIBRATION_TENDERS + 1 });
    });
  });

  it('refuses a tender twice, bad amounts and bad options', () => {
    expect(() =>
      MarketHistory.fromBids([
        { id: 'a', bids: [1, 2, 3, 4] },
        { id: 'a', bids: [1, 2, 3, 5] },
      ]),
    ).toThrow(RangeError);
    expect(() => MarketHistory.fromBids([{ id: 'a', bids: [1, 2, 0, 4] }])).toThrow(RangeError);
    expect(() => MarketHistory.fromBids([], { minTenders: 1 })).toThrow(RangeError);
    expect(() => MarketHistory.fromBids([], { tailShare: 1 })).toThrow(RangeError);
  });
});
