import { BASELINE_FEATURES, baselineFeatures, PRICE_FEATURES, priceFeatures, STRUCTURAL_FEATURES, tenderFeatures, toRow } from '../features';

describe('learning screen: feature extraction (features.ts)', () => {
  const bids = [110, 100, 104, 102]; // sorted 100, 102, 104, 110; mean 104; range 10

  it('computes the classic screens and the gap features from the sorted bids', () => {
    const f = priceFeatures(bids);
    const sd = Math.sqrt(((100 - 104) ** 2 + (102 - 104) ** 2 + 0 + (110 - 104) ** 2) / 3);
    expect(f.cv).toBeCloseTo(sd / 104, 12);
    expect(f.logCv).toBeCloseTo(Math.log(sd / 104), 12);
    expect(f.spd).toBeCloseTo(0.1, 12);
    expect(f.diffp).toBeCloseTo(0.02, 12);
    expect(f.n).toBe(4);
    expect(f.logN).toBeCloseTo(Math.log(4), 12);
    expect(f.logMean).toBeCloseTo(Math.log(104), 12);
    expect(f.gap1Share).toBeCloseTo(0.2, 12); // (102 − 100) / 10
    expect(f.topGapShare).toBeCloseTo(0.6, 12); // (110 − 104) / 10
    expect(f.maxGapShare).toBeCloseTo(0.6, 12);
    expect(f.meanPosition).toBeCloseTo(0.4, 12);
    expect(f.medianToMean).toBeCloseTo(103 / 104 - 1, 12);
    expect(f.distinctShare).toBe(1);
    // RD = (b2 − b1) / sd(losing bids 102, 104, 110)
    const sLos = Math.sqrt(((102 - 316 / 3) ** 2 + (104 - 316 / 3) ** 2 + (110 - 316 / 3) ** 2) / 2);
    expect(f.rd).toBeCloseTo(2 / sLos, 12);
    expect(Object.keys(f).sort()).toEqual([...PRICE_FEATURES].sort());
  });

  it('is scale-free: multiplying every bid by 1,000 changes only the log mean (by ln 1,000)', () => {
    const a = priceFeatures(bids);
    const b = priceFeatures(bids.map((x) => x * 1000));
    for (const k of PRICE_FEATURES) {
      if (k === 'logMean') expect(b[k] - a[k]).toBeCloseTo(Math.log(1000), 9);
      else if (Number.isNaN(a[k])) expect(b[k]).toBeNaN();
      else expect(b[k]).toBeCloseTo(a[k], 9);
    }
  });

  it('an undefined screen is NaN (imputed by the model), never ±Infinity', () => {
    const f = priceFeatures([100, 100, 100]); // no spread, n < 4
    for (const k of ['cv', 'spd', 'rd', 'skew', 'kurt', 'gap1Share', 'logSubCvMedianRatio'] as const) {
      expect(Number.isNaN(f[k]) || f[k] === 0).toBe(true);
    }
    expect(f.kurt).toBeNaN();
    expect(Object.values(f).every((v) => Number.isNaN(v) || Number.isFinite(v))).toBe(true);
    expect(f.logDiffp).toBeCloseTo(Math.log(1e-6), 9); // a DIFFP of 0 is floored before the logarithm
  });

  it('the baseline takes the classic screens as they are; the same values appear among the price features', () => {
    const base = baselineFeatures(bids);
    const f = priceFeatures(bids);
    for (const k of BASELINE_FEATURES) expect(base[k]).toBeCloseTo(f[k], 12);
  });

  it('structural flags are 0/1 features only when given; toRow orders by name with NaN for what is missing', () => {
    expect(Object.keys(tenderFeatures(bids))).toHaveLength(PRICE_FEATURES.length);
    const withStructural = tenderFeatures(bids, { sameDevice: true, samePayerAccount: false });
    expect(STRUCTURAL_FEATURES.map((k) => withStructural[k])).toEqual([1, 0, 0, 0, 0, 0, 0]);
    expect(toRow(withStructural, ['sameDevice', 'cv', 'nonexistent'])).toEqual([1, withStructural.cv, NaN]);
  });
});
