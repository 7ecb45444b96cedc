import {
  combineComponents,
  CONTEXT_TAG,
  CV_CENTRE,
  cvSuspicion,
  MIN_DISTINCT_BIDS,
  PRODUCTION_THRESHOLD,
  SCORE_WEIGHTS,
  scoreTender,
} from 'src/modules/supervision/screens/collusion-score';
import { mulberry32 } from 'src/modules/supervision/screens/price-screens';

describe('collusion score: contract', () => {
  it('fewer than 4 distinct bids ⇒ insufficient data (score and flag null)', () => {
    for (const bids of [[100, 101, 102], [100, 100, 101, 102], [5, 5, 5, 5, 5, 5, 5, 5], [7]]) {
      const r = scoreTender(bids);
      expect(r.score).toBeNull();
      expect(r.flag).toBeNull();
      expect(r.components).toBeNull();
      expect(r.reasons[0]).toMatch(/^INSUFFICIENT_DATA/);
    }
    expect(MIN_DISTINCT_BIDS).toBe(4);
    const four = scoreTender([100, 101, 102, 104]);
    expect(typeof four.score).toBe('number');
    expect(typeof four.flag).toBe('boolean');
  });

  it('identical bids never produce NaN anywhere in the result', () => {
    const r = scoreTender([250, 250, 250, 250, 250]);
    const text = JSON.stringify(r, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? 'NONFINITE' : v));
    expect(text).not.toContain('NONFINITE');
    expect(r.screens.sd).toBe(0);
    expect(r.score).toBeNull();
  });

  it('rejects non-positive or non-finite amounts', () => {
    expect(() => scoreTender([100, 0, 101, 102, 103])).toThrow(RangeError);
    expect(() => scoreTender([100, -5, 101, 102, 103])).toThrow(RangeError);
    expect(() => scoreTender([100, Number.NaN, 101, 102, 103])).toThrow(RangeError);
  });

  it('score is in [0, 1], flag = score ≥ threshold, and the threshold option is honoured', () => {
    const rnd = mulberry32(7);
    for (let t = 0; t < 300; t++) {
      const n = 4 + Math.floor(rnd() * 20);
      const bids = Array.from({ length: n }, () => 1000 * Math.exp(0.3 * (rnd() - 0.5)));
      const r = scoreTender(bids);
      expect(r.score).not.toBeNull();
      expect(r.score!).toBeGreaterThanOrEqual(0);
      expect(r.score!).toBeLessThanOrEqual(1);
      expect(r.flag).toBe(r.score! >= PRODUCTION_THRESHOLD);
      expect(scoreTender(bids, { threshold: 1.01 }).flag).toBe(false);
      expect(scoreTender(bids, { threshold: 0 }).flag).toBe(true);
    }
  });

  it('a market-specific reference CV shifts the score, not the ranking', () => {
    const a = [100, 101, 102.5, 103, 104.2, 105];
    const b = [100, 104, 109, 113, 118, 121];
    const dflt = [scoreTender(a).score!, scoreTender(b).score!];
    const tight = [scoreTender(a, { cvCentre: 0.007 }).score!, scoreTender(b, { cvCentre: 0.007 }).score!];
    expect(tight[0]).toBeLessThan(dflt[0]);
    expect(tight[1]).toBeLessThan(dflt[1]);
    expect(Math.sign(tight[0] - tight[1])).toBe(Math.sign(dflt[0] - dflt[1]));
    expect(scoreTender(a, { cvCentre: 0.007 }).reasons.join('\n')).not.toMatch(/LOW_CV/);
    expect(() => scoreTender(a, { cvCentre: 0 })).toThrow(RangeError);
  });

  it('is scale-free and order-free (currency and row order do not matter)', () => {
    const bids = [107807690.49, 116619983.74, 129950000.0, 150358226.95, 157831420.93, 98000000.5];
    const a = scoreTender(bids).score!;
    expect(scoreTender(bids.map((b) => b / 7.1)).score!).toBeCloseTo(a, 9);
    expect(scoreTender([...bids].reverse()).score!).toBeCloseTo(a, 12);
  });

  it('weights sum to 1 and the combination is a weighted mean of the defined, weighted components', () => {
    const sum = Object.values(SCORE_WEIGHTS).reduce((a, b) => a + (b ?? 0), 0);
    expect(sum).toBeCloseTo(1, 12);
    const none = { cv: null, subgroupCv: null, rd: null, skew: null, kurt: null, tightSubgroup: null };
    const w = { cv: 0.5, rd: 0.25, skew: 0.25 };
    expect(combineComponents({ ...none, cv: 1, rd: 0, skew: 0, kurt: 1 }, w)).toBeCloseTo(0.5, 12); // kurt has no weight
    expect(combineComponents({ ...none, cv: 0.9 }, w)).toBeCloseTo(0.9, 12); // missing components drop out
    expect(combineComponents(none, w)).toBeNull();
  });

  it('production score = weighted mean of its components; the weights option changes it', () => {
    const r = scoreTender([100, 103, 104, 104.5, 108, 111, 112]);
    const c = r.components!;
    expect(r.score!).toBeCloseTo(((SCORE_WEIGHTS.cv ?? 0) * c.cv! + (SCORE_WEIGHTS.subgroupCv ?? 0) * c.subgroupCv!) / 1, 12);
    expect(scoreTender([100, 103, 104, 104.5, 108, 111, 112], { weights: { rd: 1 } }).score!).toBeCloseTo(c.rd!, 12);
  });
});

describe('collusion score: orientation (collusion.md §2, Imhof 2017)', () => {
  it('CV component: low CV ⇒ suspicious; neutral at the reference; halving ⇒ 0.8', () => {
    expect(cvSuspicion(CV_CENTRE)).toBeCloseTo(0.5, 12);
    expect(cvSuspicion(CV_CENTRE / 2)).toBeCloseTo(0.8, 12);
    expect(cvSuspicion(CV_CENTRE * 2)).toBeCloseTo(0.2, 12);
    expect(cvSuspicion(0.01)).toBeGreaterThan(cvSuspicion(0.2));
    expect(cvSuspicion(0)).toBe(1);
  });

  it('a tight cartel-like tender (winner apart, covers bunched) scores higher than a dispersed competitive one', () => {
    const cartel = [100.0, 103.0, 103.4, 103.6, 103.9, 104.1];
    const competitive = [100, 108, 117, 121, 135, 151];
    const c = scoreTender(cartel);
    const k = scoreTender(competitive);
    expect(c.score!).toBeGreaterThan(k.score!);
    expect(c.flag).toBe(true);
    expect(k.flag).toBe(false);
    expect(c.reasons[0]).toMatch(/^LOW_CV: /);
    expect(c.reasons.join('\n')).toMatch(/LOW_SUBGROUP_CV: /);
    // cover-bidding shape is explained as context (it does not move the production score)
    expect(c.reasons.find((r) => r.startsWith('HIGH_RD'))).toMatch(/\[context, not scored\]$/);
    expect(k.reasons.filter((r) => !r.endsWith(CONTEXT_TAG))).toEqual([]);
  });

  it('each shape component points the documented way', () => {
    // Same CV-ish level, but one tender has the cover-bidding shape (gap, then bunched losers, negative skew)
    const coverShape = scoreTender([100, 110, 111, 111.5, 112, 112.3]).components!;
    const mirror = scoreTender([100, 100.3, 100.8, 101.2, 102, 112]).components!;
    expect(coverShape.rd!).toBeGreaterThan(mirror.rd!); // high RD ⇒ suspicious
    expect(coverShape.skew!).toBeGreaterThan(mirror.skew!); // negative skew ⇒ suspicious
    // Peaked (high kurtosis) versus flat bids with the same n
    const peaked = scoreTender([90, 99.5, 99.8, 100, 100.2, 100.5, 110]).components!;
    const flat = scoreTender([90, 93, 96, 99, 102, 105, 108]).components!;
    expect(peaked.kurt!).toBeGreaterThan(flat.kurt!);
  });

  it('subgroup CV component: tight groups of 3–4 bids ⇒ suspicious; neutral at the reference CV', () => {
    const tight = scoreTender([100, 100.5, 100.9, 101.2, 101.6, 102]).components!;
    const dispersed = scoreTender([100, 108, 117, 125, 131, 140]).components!;
    expect(tight.subgroupCv!).toBeGreaterThan(0.9);
    expect(dispersed.subgroupCv!).toBeLessThan(0.25);
    // n = 4: the median of the 5 subgroups is, for these bids, the whole tender, and the null median ratio is 1,
    // so the component equals the CV component
    const four = scoreTender([100, 104, 109, 115]).components!;
    expect(four.subgroupCv!).toBeCloseTo(four.cv!, 12);
  });

  it('an incomplete cartel (tight cluster among dispersed outsiders) raises the tight-subgroup component', () => {
    const incomplete = scoreTender([100, 131, 131.2, 131.5, 160, 190]).components!;
    const spreadOut = scoreTender([100, 118, 131, 145, 160, 190]).components!;
    expect(incomplete.tightSubgroup!).toBeGreaterThan(0.9);
    expect(incomplete.tightSubgroup!).toBeGreaterThan(spreadOut.tightSubgroup!);
  });
});

describe('collusion score: performance', () => {
  it('scores 10,000 tenders / 100,000 bids well under a few seconds', () => {
    const rnd = mulberry32(42);
    const tenders = Array.from({ length: 10_000 }, () => Array.from({ length: 10 }, () => 1e6 * (1 + 0.08 * (rnd() - 0.5))));
    const t0 = process.hrtime.bigint();
    let flagged = 0;
    for (const bids of tenders) if (scoreTender(bids).flag) flagged++;
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    expect(flagged).toBeGreaterThanOrEqual(0);
    expect(ms).toBeLessThan(5000); // ~0.5–1.2 s measured; generous for slow CI or coverage instrumentation
  });
});
