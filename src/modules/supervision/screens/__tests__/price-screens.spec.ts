import {
  alternativeDistance,
  coefficientOfVariation,
  computePriceScreens,
  countDistinct,
  diffp,
  forEachSubgroup,
  ksUniform,
  kurtosis,
  normalizedDistance,
  relativeDistance,
  sampleSd,
  skewness,
  sortBids,
  spread,
  SUBGROUP_CAP,
  subgroupScreens,
} from 'src/modules/supervision/screens/price-screens';

const sorted = (xs: number[]) => sortBids(xs);

// ---- independent reference implementations (plain arrays, textbook formulas, written separately from the engine) ----
function refMean(x: number[]) {
  return x.reduce((a, b) => a + b, 0) / x.length;
}
function refSd(x: number[]) {
  const m = refMean(x);
  return Math.sqrt(x.reduce((a, b) => a + (b - m) ** 2, 0) / (x.length - 1));
}
function refSkew(x: number[]) {
  const n = x.length,
    m = refMean(x),
    s = refSd(x);
  return (n / ((n - 1) * (n - 2))) * x.reduce((a, b) => a + ((b - m) / s) ** 3, 0);
}
function refKurt(x: number[]) {
  const n = x.length,
    m = refMean(x),
    s = refSd(x);
  const sum4 = x.reduce((a, b) => a + ((b - m) / s) ** 4, 0);
  return ((n * (n + 1)) / ((n - 1) * (n - 2) * (n - 3))) * sum4 - (3 * (n - 1) ** 2) / ((n - 2) * (n - 3));
}
function refKs(x: number[]) {
  // sup |F_n − U| evaluated on a fine grid plus the jump points, against uniform on [min, max]
  const s = [...x].sort((a, b) => a - b),
    n = s.length,
    lo = s[0],
    hi = s[n - 1];
  const F = (t: number) => s.filter((v) => v <= t).length / n;
  const Fminus = (t: number) => s.filter((v) => v < t).length / n;
  let d = 0;
  for (const t of s) {
    const u = (t - lo) / (hi - lo);
    d = Math.max(d, Math.abs(F(t) - u), Math.abs(Fminus(t) - u));
  }
  return d;
}
function combinations(n: number, k: number): number[][] {
  const out: number[][] = [];
  const rec = (start: number, acc: number[]) => {
    if (acc.length === k) {
      out.push([...acc]);
      return;
    }
    for (let i = start; i < n; i++) rec(i + 1, [...acc, i]);
  };
  rec(0, []);
  return out;
}

describe('price screens: worked example b = [10, 12, 13, 15, 20] (given unsorted)', () => {
  // Hand computation: n = 5, mean 14, deviations −4 −2 −1 1 6, Σd² = 58, s² = 58/4 = 14.5.
  // Losing bids 12 13 15 20: mean 15, deviations −3 −2 0 5, Σd² = 38, s_los² = 38/3.
  // Σd³ = −64 − 8 − 1 + 1 + 216 = 144; Σd⁴ = 256 + 16 + 1 + 1 + 1296 = 1570.
  const bids = [15, 10, 20, 13, 12];
  const b = sorted(bids);
  const s = computePriceScreens(bids);

  it('sorts and counts', () => {
    expect(Array.from(b)).toEqual([10, 12, 13, 15, 20]);
    expect(s.n).toBe(5);
    expect(s.distinct).toBe(5);
    expect(s.mean).toBe(14);
  });
  it('sd uses n − 1: √14.5', () => expect(sampleSd(b)).toBeCloseTo(Math.sqrt(14.5), 12));
  it('CV = √14.5 / 14', () => expect(coefficientOfVariation(b)).toBeCloseTo(Math.sqrt(14.5) / 14, 12));
  it('SPD = (20 − 10) / 10 = 1', () => expect(spread(b)).toBeCloseTo(1, 12));
  it('DIFFP = (12 − 10) / 10 = 0.2', () => expect(diffp(b)).toBeCloseTo(0.2, 12));
  it('RD = 2 / √(38/3) (recomputed on the losing bids)', () => expect(relativeDistance(b)).toBeCloseTo(2 / Math.sqrt(38 / 3), 12));
  it('RDNOR = (n−1)(b2−b1)/(bn−b1) = 4·2/10 = 0.8', () => expect(normalizedDistance(b)).toBeCloseTo(0.8, 12));
  it('RDNOR equals gap / mean of all n−1 consecutive gaps', () => {
    const gaps = [2, 1, 2, 5];
    expect(normalizedDistance(b)).toBeCloseTo(2 / (gaps.reduce((a, c) => a + c, 0) / 4), 12);
  });
  it('RDALT = (n−2)(b2−b1)/(bn−b2) = 3·2/8 = 0.75, positive (gap over mean of the losing gaps 1, 2, 5)', () => {
    expect(alternativeDistance(b)).toBeCloseTo(0.75, 12);
    expect(alternativeDistance(b)).toBeCloseTo(2 / ((1 + 2 + 5) / 3), 12);
  });
  it('SKEW (adjusted G1) = 5/(4·3) · 144/14.5^1.5', () => expect(skewness(b)).toBeCloseTo((5 / 12) * (144 / 14.5 ** 1.5), 12));
  it('KURT (unbiased G2) = 30/24 · 1570/14.5² − 3·16/6', () => expect(kurtosis(b)).toBeCloseTo((30 / 24) * (1570 / 14.5 ** 2) - 8, 12));
  it('KSTEST: u = 0, .2, .3, .5, 1 against i/n = .2 … 1 gives D = 0.3', () => expect(ksUniform(b)).toBeCloseTo(0.3, 12));
  it('computePriceScreens returns the same values', () => {
    expect(s.cv).toBeCloseTo(Math.sqrt(14.5) / 14, 12);
    expect(s.rd).toBeCloseTo(2 / Math.sqrt(38 / 3), 12);
    expect(s.kstest).toBeCloseTo(0.3, 12);
    expect(s.kurt).toBeCloseTo(1.25 * (1570 / 210.25) - 8, 12);
  });
  it('does not modify the input', () => expect(bids).toEqual([15, 10, 20, 13, 12]));
});

describe('price screens against independent reference code', () => {
  const cases: number[][] = [
    [107807690.49, 116619983.74, 129950000.0, 150358226.95, 157831420.93, 98000000.5],
    [8240000, 8270000, 8290000, 8300000, 8310000, 8310000, 8320000, 8330000, 8360000, 8360000],
    [235254.7, 210899.15, 224101.25, 220034.35],
    [1, 2, 4, 8, 16, 32, 64],
  ];
  it.each(cases.map((c, i) => [i, c] as const))('case %i', (_i, c) => {
    const s = computePriceScreens(c);
    const x = [...c].sort((a, b) => a - b);
    expect(s.cv).toBeCloseTo(refSd(x) / refMean(x), 10);
    expect(s.spd).toBeCloseTo((x[x.length - 1] - x[0]) / x[0], 10);
    expect(s.diffp).toBeCloseTo((x[1] - x[0]) / x[0], 10);
    expect(s.rd).toBeCloseTo((x[1] - x[0]) / refSd(x.slice(1)), 9);
    expect(s.skew).toBeCloseTo(refSkew(x), 9);
    expect(s.kurt).toBeCloseTo(refKurt(x), 9);
    expect(s.kstest).toBeCloseTo(refKs(x), 12);
  });

  it('KSTEST with ties follows the ECDF (tie at the top)', () => {
    const x = [0, 1, 3, 3];
    // u = 0, 1/3, 1, 1; F jumps to 1 at 3, left limit 0.5 ⇒ D = max(1/4, 1/2 − 1/3, 1 − 1/2) = 0.5
    expect(ksUniform(sorted(x))).toBeCloseTo(0.5, 12);
    expect(refKs(x)).toBeCloseTo(0.5, 12);
  });
});

describe('n thresholds and degenerate inputs', () => {
  it('SKEW needs n ≥ 3, KURT needs n ≥ 4', () => {
    expect(skewness(sorted([1, 2]))).toBeNull();
    expect(skewness(sorted([1, 2, 4]))).not.toBeNull();
    expect(kurtosis(sorted([1, 2, 4]))).toBeNull();
    expect(kurtosis(sorted([1, 2, 4, 7]))).not.toBeNull();
  });
  it('skewness of 3 values by hand: [1, 2, 4] → 3/(2·1) · Σz³', () => {
    // mean 7/3, deviations −4/3, −1/3, 5/3, s² = (16 + 1 + 25)/9/2 = 7/3
    const s = Math.sqrt(7 / 3);
    const sumZ3 = ((-4 / 3) ** 3 + (-1 / 3) ** 3 + (5 / 3) ** 3) / s ** 3;
    expect(skewness(sorted([1, 2, 4]))).toBeCloseTo(1.5 * sumZ3, 12);
  });
  it('RD, RDNOR, RDALT need n ≥ 3; CV/SPD/DIFFP need n ≥ 2', () => {
    const two = sorted([1, 2]);
    expect(relativeDistance(two)).toBeNull();
    expect(normalizedDistance(two)).toBeNull();
    expect(alternativeDistance(two)).toBeNull();
    expect(coefficientOfVariation(two)).not.toBeNull();
    expect(coefficientOfVariation(sorted([5]))).toBeNull();
    expect(spread(sorted([5]))).toBeNull();
  });
  it('identical bids (sd = 0) give zeros or nulls, never NaN/Infinity', () => {
    const s = computePriceScreens([5, 5, 5, 5, 5, 5]);
    expect(s.sd).toBe(0);
    expect(s.cv).toBe(0);
    expect(s.spd).toBe(0);
    expect(s.diffp).toBe(0);
    expect(s.rd).toBeNull();
    expect(s.rdnor).toBeNull();
    expect(s.rdalt).toBeNull();
    expect(s.kurt).toBeNull();
    expect(s.skew).toBeNull();
    expect(s.kstest).toBeNull();
    expect(s.distinct).toBe(1);
    const all = JSON.stringify(s, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? 'NONFINITE' : v));
    expect(all).not.toContain('NONFINITE');
  });
  it('identical losing bids: RD null, RDALT null, RDNOR defined', () => {
    const b = sorted([90, 100, 100, 100]);
    expect(relativeDistance(b)).toBeNull();
    expect(alternativeDistance(b)).toBeNull();
    expect(normalizedDistance(b)).toBeCloseTo(3, 12);
  });
  it('rejects non-finite amounts', () => {
    expect(() => computePriceScreens([1, 2, Number.NaN])).toThrow(RangeError);
    expect(() => computePriceScreens([1, Infinity])).toThrow(RangeError);
  });
  it('counts distinct values', () => {
    expect(countDistinct(sorted([3, 1, 3, 2, 1]))).toBe(3);
    expect(countDistinct(sorted([]))).toBe(0);
  });
});

describe('subgroup summary screens (Wallimann, Imhof & Huber 2023)', () => {
  function naiveSummaries(x: number[]) {
    const cvs: number[] = [],
      rds: number[] = [],
      kurts: number[] = [];
    for (const k of [3, 4]) {
      for (const c of combinations(x.length, k)) {
        const v = c.map((i) => x[i]);
        cvs.push(refSd(v) / refMean(v));
        const los = refSd(v.slice(1));
        if (los > 0) rds.push((v[1] - v[0]) / los);
        if (k === 4) kurts.push(refKurt(v));
      }
    }
    const med = (a: number[]) => {
      const s = [...a].sort((p, q) => p - q),
        m = s.length >> 1;
      return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
    };
    const sum = (a: number[]) => ({ mean: refMean(a), median: med(a), min: Math.min(...a), max: Math.max(...a) });
    return { count: cvs.length, cv: sum(cvs), rd: sum(rds), kurt: sum(kurts) };
  }

  it('n = 4: 4 triples + 1 quadruple; hand-checked minimum CV', () => {
    const g = subgroupScreens(sorted([10, 12, 13, 15]))!;
    expect(g.count).toBe(5);
    expect(g.exhaustive).toBe(true);
    // tightest triple: 12, 13, 15 → mean 40/3, s² = 7/3
    expect(g.cv!.min).toBeCloseTo(Math.sqrt(7 / 3) / (40 / 3), 12);
    expect(g.kurt!.min).toBe(g.kurt!.max); // a single 4-subgroup
  });

  it('exhaustive enumeration matches a naive one (n = 7)', () => {
    const x = [100, 101.5, 103, 107, 112, 113, 130];
    const g = subgroupScreens(sorted(x))!;
    const ref = naiveSummaries(x);
    expect(g.count).toBe(ref.count); // C(7,3) + C(7,4) = 35 + 35
    for (const key of ['mean', 'median', 'min', 'max'] as const) {
      expect(g.cv![key]).toBeCloseTo(ref.cv[key], 10);
      expect(g.rd![key]).toBeCloseTo(ref.rd[key], 9);
      expect(g.kurt![key]).toBeCloseTo(ref.kurt[key], 9);
    }
  });

  it('n > 10: capped, deterministic, windows included, minimum CV equal to the exhaustive one', () => {
    const x = Array.from({ length: 25 }, (_v, i) => 1000 + 37 * ((i * 7919) % 101) + i * i);
    const a = subgroupScreens(sorted(x))!;
    const b = subgroupScreens(sorted([...x].reverse()))!;
    expect(a.exhaustive).toBe(false);
    expect(a.count).toBe(SUBGROUP_CAP);
    expect(a).toEqual(b);
    const ref = naiveSummaries(x);
    expect(a.cv!.min).toBeCloseTo(ref.cv.min, 12);
    expect(a.cv!.max).toBeLessThanOrEqual(ref.cv.max + 1e-12);
  });

  it('visits ascending index tuples within range, and windows only beyond the cap', () => {
    let bad = 0;
    forEachSubgroup(40, (idx, k) => {
      for (let i = 0; i < k; i++) if (idx[i] < 0 || idx[i] >= 40 || (i > 0 && idx[i] <= idx[i - 1])) bad++;
    });
    expect(bad).toBe(0);
    expect(forEachSubgroup(400, () => undefined).count).toBe(2 * 400 - 5);
  });
});
