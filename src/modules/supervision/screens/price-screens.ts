/**
 * Price screens for collusion (串通投标 / 围标) detection, computed from the bid amounts of one tender only.
 *
 * Pure and dependency-free: no Nest, no database, no I/O. All formulas follow
 * shared/domain/collusion.md §2 (which reproduces Gomes et al. 2024, App. B, and Huber & Imhof 2019);
 * each function cites its source. Every screen is scale-free (a ratio of amounts), so the currency does not matter.
 *
 * Conventions:
 * - b(1) ≤ b(2) ≤ … ≤ b(n) are the sorted bids; s is the sample standard deviation (denominator n−1).
 * - A screen that is undefined for the input (too few bids, zero spread, zero denominator) is `null`,
 *   never NaN or ±Infinity.
 * - Identical amounts are kept: two firms can bid the same price. Removing duplicated rows of one consortium is
 *   the caller's job (collusion.md §3 "Input contract"), because only the caller can tell the two cases apart.
 */

/** Summary of one screen over the subgroups of a tender (Wallimann, Imhof & Huber 2023 "summary screens"). */
export interface ScreenSummary {
  mean: number;
  median: number;
  min: number;
  max: number;
}

/** Summary screens over subgroups of 3 and 4 bids. A field is null when the screen is undefined in every subgroup. */
export interface SubgroupScreens {
  /** Number of subgroups evaluated. */
  count: number;
  /** True when every subset of 3 and of 4 bids was evaluated; false when the deterministic cap applied. */
  exhaustive: boolean;
  cv: ScreenSummary | null;
  spd: ScreenSummary | null;
  diffp: ScreenSummary | null;
  rd: ScreenSummary | null;
  skew: ScreenSummary | null;
  /** Kurtosis needs 4 values, so only the 4-bid subgroups contribute. */
  kurt: ScreenSummary | null;
}

export interface PriceScreens {
  /** Number of bids (identical amounts counted separately). */
  n: number;
  /** Number of distinct bid amounts. */
  distinct: number;
  mean: number | null;
  sd: number | null;
  cv: number | null;
  spd: number | null;
  diffp: number | null;
  rd: number | null;
  rdnor: number | null;
  rdalt: number | null;
  kurt: number | null;
  skew: number | null;
  kstest: number | null;
  /** Null when n < 4 (no subgroup structure worth summarising). */
  subgroups: SubgroupScreens | null;
}

/** Subgroups of 3–4 bids are enumerated exhaustively up to this many bids: C(10,3) + C(10,4) = 120 + 210 = 330. */
export const SUBGROUP_EXHAUSTIVE_MAX_N = 10;
/** Above SUBGROUP_EXHAUSTIVE_MAX_N, at most this many subgroups are evaluated (unless the contiguous windows alone exceed it). */
export const SUBGROUP_CAP = 330;

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** Ascending numeric copy of the bids. Throws on non-finite amounts (a programming error upstream). */
export function sortBids(bids: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(bids as ArrayLike<number>);
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i])) throw new RangeError(`bid #${i + 1} is not a finite number`);
  }
  return out.sort();
}

/** Number of distinct values in an ascending array. */
export function countDistinct(sorted: ArrayLike<number>): number {
  let d = sorted.length > 0 ? 1 : 0;
  for (let i = 1; i < sorted.length; i++) if (sorted[i] !== sorted[i - 1]) d++;
  return d;
}

function meanOf(x: ArrayLike<number>, from = 0, to = x.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i];
  return s / (to - from);
}

/** Sample standard deviation (denominator n−1), two-pass for numerical stability. Null for fewer than 2 values. */
export function sampleSd(x: ArrayLike<number>, from = 0, to = x.length): number | null {
  const n = to - from;
  if (n < 2) return null;
  const m = meanOf(x, from, to);
  let ss = 0;
  for (let i = from; i < to; i++) ss += (x[i] - m) * (x[i] - m);
  return Math.sqrt(ss / (n - 1));
}

/** CV = s / b̄ (collusion.md §2; Imhof 2017 variance screen). Needs n ≥ 2 and a positive mean. */
export function coefficientOfVariation(sorted: ArrayLike<number>): number | null {
  const s = sampleSd(sorted);
  if (s === null) return null;
  const m = meanOf(sorted);
  return m > 0 ? finite(s / m) : null;
}

/** SPD = (b(n) − b(1)) / b(1) (collusion.md §2). Needs n ≥ 2 and b(1) > 0. */
export function spread(sorted: ArrayLike<number>): number | null {
  const n = sorted.length;
  if (n < 2 || !(sorted[0] > 0)) return null;
  return finite((sorted[n - 1] - sorted[0]) / sorted[0]);
}

/** DIFFP = (b(2) − b(1)) / b(1) (collusion.md §2). Needs n ≥ 2 and b(1) > 0. */
export function diffp(sorted: ArrayLike<number>): number | null {
  if (sorted.length < 2 || !(sorted[0] > 0)) return null;
  return finite((sorted[1] - sorted[0]) / sorted[0]);
}

/**
 * RD = (b(2) − b(1)) / s_los, s_los = sample sd of the losing bids b(2)…b(n) (collusion.md §2, Imhof 2017).
 * Recomputed here: the shipped RD column is not this formula. Needs n ≥ 3 and s_los > 0.
 */
export function relativeDistance(sorted: ArrayLike<number>): number | null {
  const n = sorted.length;
  if (n < 3) return null;
  const sLos = sampleSd(sorted, 1, n);
  if (sLos === null || !(sLos > 0)) return null;
  return finite((sorted[1] - sorted[0]) / sLos);
}

/**
 * RDNOR = (b(2) − b(1)) / [ (1/(n−1)) Σ_{i=1}^{n−1} (b(i+1) − b(i)) ] = (n−1)(b(2) − b(1)) / (b(n) − b(1))
 * (Huber & Imhof 2019, via collusion.md §2). Needs n ≥ 3 and b(n) > b(1).
 */
export function normalizedDistance(sorted: ArrayLike<number>): number | null {
  const n = sorted.length;
  if (n < 3) return null;
  const range = sorted[n - 1] - sorted[0];
  if (!(range > 0)) return null;
  return finite(((n - 1) * (sorted[1] - sorted[0])) / range);
}

/**
 * RDALT = (b(2) − b(1)) / [ (1/(n−2)) Σ_{i=2}^{n−1} (b(i+1) − b(i)) ] = (n−2)(b(2) − b(1)) / (b(n) − b(2))
 * (Huber & Imhof 2019 eq. 6, via collusion.md §2).
 *
 * Sign: the gaps are taken on the ASCENDING order, b(i+1) − b(i) ≥ 0, so RDALT ≥ 0 and, like RD and RDNOR, it
 * grows when the winner stands apart from bunched losing bids (suspicious = high). Writing the gaps as
 * b(i) − b(i+1) (the form flagged "MIGHT be wrong" in the replication collusion.md cites) makes the
 * denominator negative and flips the orientation; we do not use that form. Needs n ≥ 3 and b(n) > b(2).
 */
export function alternativeDistance(sorted: ArrayLike<number>): number | null {
  const n = sorted.length;
  if (n < 3) return null;
  const losingRange = sorted[n - 1] - sorted[1];
  if (!(losingRange > 0)) return null;
  return finite(((n - 2) * (sorted[1] - sorted[0])) / losingRange);
}

/**
 * Excess kurtosis, unbiased G2 (Excel KURT; collusion.md §2, matches the shipped column):
 * n(n+1)/((n−1)(n−2)(n−3)) Σ((b_i − b̄)/s)^4 − 3(n−1)²/((n−2)(n−3)). Needs n ≥ 4 and s > 0.
 */
export function kurtosis(x: ArrayLike<number>): number | null {
  const n = x.length;
  if (n < 4) return null;
  const s = sampleSd(x);
  if (s === null || !(s > 0)) return null;
  const m = meanOf(x);
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const z = (x[i] - m) / s;
    m4 += z * z * z * z;
  }
  return finite(((n * (n + 1)) / ((n - 1) * (n - 2) * (n - 3))) * m4 - (3 * (n - 1) * (n - 1)) / ((n - 2) * (n - 3)));
}

/**
 * Skewness, adjusted G1 (Excel SKEW; collusion.md §2, matches the shipped column):
 * n/((n−1)(n−2)) Σ((b_i − b̄)/s)^3. Needs n ≥ 3 and s > 0.
 */
export function skewness(x: ArrayLike<number>): number | null {
  const n = x.length;
  if (n < 3) return null;
  const s = sampleSd(x);
  if (s === null || !(s > 0)) return null;
  const m = meanOf(x);
  let m3 = 0;
  for (let i = 0; i < n; i++) {
    const z = (x[i] - m) / s;
    m3 += z * z * z;
  }
  return finite((n / ((n - 1) * (n - 2))) * m3);
}

/**
 * KSTEST: Kolmogorov–Smirnov D of the bids against the uniform distribution on [b(1), b(n)] (collusion.md §2):
 * D = max_i max(i/n − u_i, u_i − (i−1)/n), u_i = (b(i) − b(1)) / (b(n) − b(1)). Needs n ≥ 2 and b(n) > b(1).
 * Ties are handled by the formula itself (the ECDF jump happens at the last of the tied indices).
 */
export function ksUniform(sorted: ArrayLike<number>): number | null {
  const n = sorted.length;
  if (n < 2) return null;
  const lo = sorted[0];
  const range = sorted[n - 1] - lo;
  if (!(range > 0)) return null;
  let d = 0;
  for (let i = 1; i <= n; i++) {
    const u = (sorted[i - 1] - lo) / range;
    const dPlus = i / n - u;
    const dMinus = u - (i - 1) / n;
    if (dPlus > d) d = dPlus;
    if (dMinus > d) d = dMinus;
  }
  return d;
}

// ---------------------------------------------------------------------------------------------------------------
// Summary screens over subgroups of 3 and 4 bids (Wallimann, Imhof & Huber 2023, "A machine learning approach for
// flagging incomplete bid-rigging cartels"): screens are computed for every subgroup and summarised by mean,
// median, minimum and maximum, so that the bunched bids of an incomplete cartel show even when outsiders bid too.
// ---------------------------------------------------------------------------------------------------------------

/** mulberry32: tiny deterministic PRNG (public domain). Returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Seed of the subgroup sampler: depends on n only, so one multiset of bids always yields the same summaries. */
const SUBGROUP_SEED = 0x5eed_c011;

/**
 * Visit the subgroups (as ascending index tuples into the sorted bids) that the summary screens use:
 * - n ≤ SUBGROUP_EXHAUSTIVE_MAX_N: every subset of 3 and of 4 bids (Wallimann et al. 2023);
 * - larger n: every contiguous window of 3 and 4 sorted bids (these contain the tightest subgroups, because the
 *   minimum-variance k-subset of real numbers is always contiguous in sorted order), topped up to SUBGROUP_CAP with
 *   a deterministic pseudo-random sample of 3- and 4-subsets in the proportion C(n,3) : C(n,4), so that the mean
 *   and median summaries stay close to their exhaustive values. Cost is O(SUBGROUP_CAP) per tender whatever n.
 */
export function forEachSubgroup(n: number, visit: (idx: Int32Array, k: 3 | 4) => void): { count: number; exhaustive: boolean } {
  const idx = new Int32Array(4);
  let count = 0;
  if (n < 3) return { count: 0, exhaustive: true };
  if (n <= SUBGROUP_EXHAUSTIVE_MAX_N) {
    for (let a = 0; a < n; a++)
      for (let b = a + 1; b < n; b++)
        for (let c = b + 1; c < n; c++) {
          idx[0] = a;
          idx[1] = b;
          idx[2] = c;
          visit(idx, 3);
          count++;
          for (let d = c + 1; d < n; d++) {
            idx[3] = d;
            visit(idx, 4);
            count++;
          }
        }
    return { count, exhaustive: true };
  }
  for (let a = 0; a + 2 < n; a++) {
    idx[0] = a;
    idx[1] = a + 1;
    idx[2] = a + 2;
    visit(idx, 3);
    count++;
  }
  for (let a = 0; a + 3 < n; a++) {
    idx[0] = a;
    idx[1] = a + 1;
    idx[2] = a + 2;
    idx[3] = a + 3;
    visit(idx, 4);
    count++;
  }
  const remaining = SUBGROUP_CAP - count;
  if (remaining <= 0) return { count, exhaustive: false };
  // C(n,3) / (C(n,3) + C(n,4)) = 4 / (n + 1)
  const r3 = Math.round((remaining * 4) / (n + 1));
  const rnd = mulberry32(SUBGROUP_SEED ^ n);
  const pick = (k: 3 | 4) => {
    // Floyd's algorithm for a uniform random k-subset of {0..n-1}, then insertion sort of the ≤ 4 indices.
    let m = 0;
    for (let j = n - k; j < n; j++) {
      const t = Math.floor(rnd() * (j + 1));
      let seen = false;
      for (let q = 0; q < m; q++)
        if (idx[q] === t) {
          seen = true;
          break;
        }
      idx[m++] = seen ? j : t;
    }
    for (let p = 1; p < k; p++) {
      const v = idx[p];
      let q = p - 1;
      while (q >= 0 && idx[q] > v) {
        idx[q + 1] = idx[q];
        q--;
      }
      idx[q + 1] = v;
    }
    visit(idx, k);
    count++;
  };
  for (let i = 0; i < r3; i++) pick(3);
  for (let i = r3; i < remaining; i++) pick(4);
  return { count, exhaustive: false };
}

/** Rearrange v[0..len) so that v[k] is the k-th smallest, smaller-or-equal values before it (Hoare quickselect). */
function selectKth(v: Float64Array, len: number, k: number): number {
  let lo = 0;
  let hi = len - 1;
  while (hi > lo) {
    const pivot = v[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (v[i] < pivot) i++;
      while (v[j] > pivot) j--;
      if (i <= j) {
        const t = v[i];
        v[i] = v[j];
        v[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return v[k];
}

/** mean, median, min, max in O(len) (the subgroup summaries are computed for every tender, so no full sort). */
function summarise(values: Float64Array, len: number): ScreenSummary | null {
  if (len === 0) return null;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < len; i++) {
    const x = values[i];
    sum += x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const mid = len >> 1;
  const upper = selectKth(values, len, mid);
  let median = upper;
  if (len % 2 === 0) {
    let lower = -Infinity;
    for (let i = 0; i < mid; i++) if (values[i] > lower) lower = values[i];
    median = (lower + upper) / 2;
  }
  return { mean: sum / len, median, min, max };
}

/** Summary screens over subgroups of 3–4 bids of an ascending array (see forEachSubgroup for which subgroups). */
export function subgroupScreens(sorted: Float64Array): SubgroupScreens | null {
  const n = sorted.length;
  if (n < 4) return null;
  const cap = n <= SUBGROUP_EXHAUSTIVE_MAX_N ? binom(n, 3) + binom(n, 4) : Math.max(SUBGROUP_CAP, 2 * n - 5);
  const cvs = new Float64Array(cap);
  const spds = new Float64Array(cap);
  const diffps = new Float64Array(cap);
  const rds = new Float64Array(cap);
  const skews = new Float64Array(cap);
  const kurts = new Float64Array(cap);
  let nCv = 0,
    nSpd = 0,
    nDiffp = 0,
    nRd = 0,
    nSkew = 0,
    nKurt = 0;
  const x = new Float64Array(4);

  const { count, exhaustive } = forEachSubgroup(n, (idx, k) => {
    let sum = 0;
    for (let i = 0; i < k; i++) {
      x[i] = sorted[idx[i]];
      sum += x[i];
    }
    const m = sum / k;
    let m2 = 0,
      m3 = 0,
      m4 = 0;
    for (let i = 0; i < k; i++) {
      const d = x[i] - m;
      const d2 = d * d;
      m2 += d2;
      m3 += d2 * d;
      m4 += d2 * d2;
    }
    const s = Math.sqrt(m2 / (k - 1));
    const lo = x[0];
    if (m > 0) cvs[nCv++] = s / m; // CV
    if (lo > 0) {
      spds[nSpd++] = (x[k - 1] - lo) / lo; // SPD
      diffps[nDiffp++] = (x[1] - lo) / lo; // DIFFP
    }
    // RD: sd of the k−1 losing bids of the subgroup
    let lm = 0;
    for (let i = 1; i < k; i++) lm += x[i];
    lm /= k - 1;
    let lss = 0;
    for (let i = 1; i < k; i++) lss += (x[i] - lm) * (x[i] - lm);
    const sLos = Math.sqrt(lss / (k - 2));
    if (sLos > 0) rds[nRd++] = (x[1] - lo) / sLos;
    if (s > 0) {
      const s3 = s * s * s;
      skews[nSkew++] = (k / ((k - 1) * (k - 2))) * (m3 / s3); // adjusted G1
      if (k === 4) kurts[nKurt++] = ((k * (k + 1)) / ((k - 1) * (k - 2) * (k - 3))) * (m4 / (s3 * s)) - (3 * (k - 1) * (k - 1)) / ((k - 2) * (k - 3)); // G2
    }
  });

  return {
    count,
    exhaustive,
    cv: summarise(cvs, nCv),
    spd: summarise(spds, nSpd),
    diffp: summarise(diffps, nDiffp),
    rd: summarise(rds, nRd),
    skew: summarise(skews, nSkew),
    kurt: summarise(kurts, nKurt),
  };
}

function binom(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return Math.round(r);
}

/**
 * All screens of one tender. `bids` are the bid amounts in any order; they are not modified.
 * Non-finite amounts throw a RangeError. Ratio screens whose denominator is not positive are null.
 */
export function computePriceScreens(bids: ArrayLike<number>): PriceScreens {
  const sorted = sortBids(bids);
  const n = sorted.length;
  const sd = sampleSd(sorted);
  return {
    n,
    distinct: countDistinct(sorted),
    mean: n > 0 ? meanOf(sorted) : null,
    sd,
    cv: coefficientOfVariation(sorted),
    spd: spread(sorted),
    diffp: diffp(sorted),
    rd: relativeDistance(sorted),
    rdnor: normalizedDistance(sorted),
    rdalt: alternativeDistance(sorted),
    kurt: kurtosis(sorted),
    skew: skewness(sorted),
    kstest: ksUniform(sorted),
    subgroups: subgroupScreens(sorted),
  };
}
