/**
 * A market's history of tenders held once, for calibrating many tenders of that market, each without itself.
 *
 * calibrateMarket() sorts the raw suspicion statistics of the whole history, O(N log N). Scoring every tender of a
 * market against the market's other tenders (the flag engine: a tender never calibrates its own score) would repeat
 * that for each tender, O(N² log N). MarketHistory computes every tender's statistics and sorts each component's
 * column once; calibrationExcluding(id) then gives exactly calibrateMarket(history without that tender) —
 * the same quantiles, median and MAD, to the bit — in O(log N) per component: the quantiles are read from the
 * sorted column with the tender's value skipped, and the median absolute deviation is the k-th smallest element of
 * two sorted runs (the deviations below and above the median), found by binary search.
 *
 * Pure, like the rest of screens/: no labels, no I/O.
 */
import {
  CALIBRATION_TAIL_SHARE,
  type CalibrationOptions,
  type ComponentName,
  type ComponentScale,
  COMPONENT_NAMES,
  CV_CENTRE,
  defaultCalibration,
  MAD_TO_SD,
  type MarketCalibration,
  type MarketStatistic,
  MIN_CALIBRATION_SCALE,
  MIN_CALIBRATION_TENDERS,
  MIN_DISTINCT_BIDS,
  rawSuspicion,
  type RawSuspicion,
  assertPositiveBids,
} from './market-calibration';
import { computePriceScreens, type PriceScreens } from './price-screens';

/** A sorted column read with at most one position skipped (the excluded tender's value). */
class SkipView {
  readonly length: number;
  constructor(
    private readonly v: Float64Array,
    private readonly skip: number,
  ) {
    this.length = skip < 0 ? v.length : v.length - 1;
  }

  at(i: number): number {
    return this.v[this.skip >= 0 && i >= this.skip ? i + 1 : i];
  }

  /** First index whose value is ≥ x (values are ascending; ±Infinity allowed, no NaN). */
  lowerBound(x: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.at(mid) < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** Type-7 quantile exactly as calibrateMarket computes it (quantileSorted), on any ascending sequence. */
function quantile(at: (i: number) => number, length: number, p: number): number {
  const h = (length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, length - 1);
  const a = at(lo);
  const b = at(hi);
  if (hi === lo || b === a) return a;
  return a + (h - lo) * (b - a);
}

/**
 * The k-th smallest (0-based) of the union of two ascending sequences a (length na) and b (length nb), by binary
 * search on how many of the k + 1 smallest come from a.
 */
export function kthOfTwoSorted(a: (i: number) => number, na: number, b: (i: number) => number, nb: number, k: number): number {
  if (k < 0 || k >= na + nb) throw new RangeError(`k = ${k} is outside 0..${na + nb - 1}`);
  let lo = Math.max(0, k + 1 - nb);
  let hi = Math.min(k + 1, na);
  while (lo < hi) {
    const i = (lo + hi) >> 1; // take i from a, k + 1 − i from b
    if (a(i) < b(k - i)) lo = i + 1;
    else hi = i;
  }
  const j = k + 1 - lo;
  return Math.max(lo > 0 ? a(lo - 1) : -Infinity, j > 0 ? b(j - 1) : -Infinity);
}

/** The calibration statistic of one component over a column, or null when it keeps its default (calibrateMarket). */
function columnStatistic(col: SkipView, minTenders: number, tailShare: number): MarketStatistic | null {
  const n = col.length;
  if (n < minTenders) return null;
  const at = (i: number) => col.at(i);
  const median = quantile(at, n, 0.5);
  const tail = quantile(at, n, 1 - tailShare);
  if (!Number.isFinite(median) || !Number.isFinite(tail)) return null;
  // Deviations |x − median|, ascending: below the median read downwards, from the median upwards.
  const p = col.lowerBound(median);
  const below = (j: number) => median - col.at(p - 1 - j);
  const above = (j: number) => col.at(p + j) - median;
  const dev = (k: number) => kthOfTwoSorted(below, p, above, n - p, k);
  const spread = MAD_TO_SD * quantile(dev, n, 0.5);
  if (!Number.isFinite(spread)) return null;
  return { count: n, median, spread, tail };
}

export interface MarketHistoryEntry {
  /** The tender's id (any string): calibrationExcluding takes it. */
  id: string;
  screens: PriceScreens;
}

/**
 * The history of one market (same category and regime), immutable. Build it with fromScreens or fromBids, then ask
 * for calibration() (every tender) or calibrationExcluding(id) (every tender but one).
 */
export class MarketHistory {
  /** Eligible tenders (≥ MIN_DISTINCT_BIDS distinct bids), as calibrateMarket counts them. */
  readonly tenders: number;
  private readonly minTenders: number;
  private readonly tailShare: number;
  /** Per component, the defined values of u over the eligible tenders, ascending. */
  private readonly columns: Record<ComponentName, Float64Array>;
  /** u of each eligible tender, by id (for the value to skip). */
  private readonly byId = new Map<string, RawSuspicion>();
  private full: MarketCalibration | null = null;

  private constructor(entries: Iterable<MarketHistoryEntry>, options: CalibrationOptions) {
    this.minTenders = options.minTenders ?? MIN_CALIBRATION_TENDERS;
    this.tailShare = options.tailShare ?? CALIBRATION_TAIL_SHARE;
    if (!Number.isInteger(this.minTenders) || this.minTenders < 2) throw new RangeError(`minTenders must be an integer ≥ 2, got ${this.minTenders}`);
    if (!(this.tailShare > 0 && this.tailShare < 1)) throw new RangeError(`tailShare must be in (0, 1), got ${this.tailShare}`);
    const cols: Record<ComponentName, number[]> = { cv: [], subgroupCv: [], rd: [], skew: [], kurt: [], tightSubgroup: [] };
    let tenders = 0;
    for (const { id, screens } of entries) {
      if (screens.distinct < MIN_DISTINCT_BIDS) continue;
      if (this.byId.has(id)) throw new RangeError(`tender ${id} is twice in the history`);
      tenders++;
      const u = rawSuspicion(screens);
      this.byId.set(id, u);
      for (const k of COMPONENT_NAMES) {
        const x = u[k];
        if (x !== null && !Number.isNaN(x)) cols[k].push(x);
      }
    }
    this.tenders = tenders;
    this.columns = {} as Record<ComponentName, Float64Array>;
    for (const k of COMPONENT_NAMES) this.columns[k] = Float64Array.from(cols[k]).sort();
  }

  static fromScreens(entries: Iterable<MarketHistoryEntry>, options: CalibrationOptions = {}): MarketHistory {
    return new MarketHistory(entries, options);
  }

  /** Computes each tender's screens. Throws RangeError on a non-positive or non-finite amount, like scoreTender. */
  static fromBids(entries: Iterable<{ id: string; bids: ArrayLike<number> }>, options: CalibrationOptions = {}): MarketHistory {
    const screens: MarketHistoryEntry[] = [];
    for (const e of entries) {
      assertPositiveBids(e.bids);
      screens.push({ id: e.id, screens: computePriceScreens(e.bids) });
    }
    return new MarketHistory(screens, options);
  }

  /** Whether this tender counts in the history (known and eligible). */
  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** calibrateMarket over every tender of the history. */
  calibration(): MarketCalibration {
    return (this.full ??= this.calibrate(null));
  }

  /** calibrateMarket over every tender of the history but `id` (the whole history when it is not in it). */
  calibrationExcluding(id: string): MarketCalibration {
    const u = this.byId.get(id);
    return u ? this.calibrate(u) : this.calibration();
  }

  private calibrate(excluded: RawSuspicion | null): MarketCalibration {
    const tenders = this.tenders - (excluded ? 1 : 0);
    const base = defaultCalibration(CV_CENTRE, tenders);
    if (tenders < this.minTenders) return { ...base, source: 'fallback', minTenders: this.minTenders, tailShare: this.tailShare };
    const scales: Record<ComponentName, ComponentScale> = { ...base.scales };
    const market: Record<ComponentName, MarketStatistic | null> = { ...base.market };
    for (const k of COMPONENT_NAMES) {
      const column = this.columns[k];
      const x = excluded?.[k];
      const skip = x === null || x === undefined || Number.isNaN(x) ? -1 : new SkipView(column, -1).lowerBound(x);
      const stat = columnStatistic(new SkipView(column, skip), this.minTenders, this.tailShare);
      if (!stat) continue;
      scales[k] = { centre: stat.tail, scale: Math.max(stat.spread, MIN_CALIBRATION_SCALE) };
      market[k] = stat;
    }
    return { source: 'market', tenders, minTenders: this.minTenders, tailShare: this.tailShare, scales, market };
  }
}
