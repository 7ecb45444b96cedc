/**
 * Label-free, per-market calibration of the collusion score's centres and scales.
 *
 * Why: the typical dispersion of honest bids is market-dependent. Median CV over eligible tenders is 14.4 % in
 * Brazil, 7.2 % in GR/See-Gaster and 0.7 % in Japan, where bids bunch just under a published ceiling price, as they
 * may under a Chinese 最高投标限价. A fixed reference CV (6 %) therefore flags 86.6 % of Japanese tenders. A live
 * platform has no labels, but it does have the history of bid prices of the same market/category, and that is all
 * this module uses.
 *
 * Every score component is a logistic of a "raw suspicion" statistic u (higher = more suspicious):
 *   cv             u = −ln CV
 *   subgroupCv     u = −ln(median subgroup CV ÷ its independent-bidding median ratio for the same n)
 *   rd, kurt       u = logit(percentile under the simulated independent-bidding null for the same n)
 *   skew, tightSubgroup  u = logit(1 − that percentile)
 *   component = σ((u − centre) / scale)
 * Fixed defaults (DEFAULT_CALIBRATION) reproduce the uncalibrated score (to floating-point rounding): centre −ln CV_CENTRE and scale
 * CV_LOG_SCALE for the two CV components; centre 0 and scale 1 for the null-percentile components (σ(logit p) = p).
 *
 * Market calibration (calibrateMarket): over the market's eligible history tenders (≥ MIN_DISTINCT_BIDS distinct
 * bids), for each component take the (1 − tailShare) quantile q of u, its median m and its robust standard deviation
 * s = 1.4826 · MAD, and set
 *   centre = q,   scale = max(s, MIN_CALIBRATION_SCALE).
 * So a component is 0.5 for a tender at the edge of the market's most suspicious tailShare (10 %) and
 * σ((m − q)/s) for the market's typical tender (0.17–0.30 for the CV component in the three development datasets); the scale keeps the logistic's
 * slope proportional to the market's own spread. The production threshold 0.5 then flags about tailShare of
 * the history's tenders (the two production components are strongly correlated, so their mean crosses 0.5 close
 * to where each does). This is a flag budget, a supervisor workload: it does not say how many tenders are rigged.
 * A market with no cartel still gets ~10 % flags (its least dispersed tenders), and a market where most tenders are
 * rigged is calibrated on the cartel itself, so only tenders unusual even for that market are flagged (the
 * GR/See-Gaster data, 82 % collusive, shows it: docs/COLLUSION_SCREENS_UNSUPERVISED.md). The score ranks tenders within a market
 * as before; calibration moves where the flag falls and rescales the components relative to each other.
 *
 * Why a quantile rather than median + z·MAD: the first version put the centre at m + 1.2816·s (a normal 10 % tail).
 * Its label-free flag rates were 19.5 % (Brazil), 2.8 % (Japan) and 13.7 % (GR/See-Gaster), because the lower tail
 * of ln CV has a different shape in every market; the empirical quantile keeps the stated budget in each. That
 * switch was decided on those flag rates alone, before any calibrated result was compared with labels.
 *
 * Fallback: with fewer than MIN_CALIBRATION_TENDERS eligible history tenders the calibration is DEFAULT_CALIBRATION
 * (source 'fallback'); a component whose statistic is defined for fewer tenders, or whose median or spread is not
 * finite, keeps its default centre and scale (its `market` entry is then null).
 *
 * Nothing here reads labels; nothing is fitted to collusion outcomes. tailShare, MIN_CALIBRATION_TENDERS and
 * MIN_CALIBRATION_SCALE are fixed a priori (see each constant). The result is a plain JSON-serialisable object, so a
 * platform can compute it per market from its unlabelled history, store it and pass it to scoreTender.
 */
import { NULL_TABLE } from './null-table';
import { NULL_LEVELS, nullPercentile, nullRowFor, tightRatio } from './null-model';
import { computePriceScreens, type PriceScreens } from './price-screens';

/** Tenders with fewer distinct bid amounts are "insufficient data" (collusion.md §3 output contract). */
export const MIN_DISTINCT_BIDS = 4;

/**
 * Default reference CV (6 %) at which the CV components are neutral (0.5) when no market calibration is given.
 * A round value fixed a priori, not fitted: the literature gives the direction (collusion lowers CV, Imhof 2017),
 * the level is market-dependent, which is why calibrateMarket exists.
 */
export const CV_CENTRE = 0.06;
/** Default log-scale of the CV logistic: halving CV from the centre gives σ(ln 2 / 0.5) = 0.8, doubling it 0.2. */
export const CV_LOG_SCALE = 0.5;

/**
 * Fewest eligible history tenders for a market calibration; below it the fixed defaults are used. Fixed a priori
 * (the usual rule of thumb for a stable location estimate). For a normal u the standard error of the 90 % quantile
 * (the centre) is ≈ 0.31 s with 30 tenders and ≈ 0.17 s with 100 (s = spread of u), so 30 is a floor, not a target:
 * docs/COLLUSION_SCREENS_UNSUPERVISED.md §2 reports how much the flag share and TNR move with histories of 30, 100 and 300.
 */
export const MIN_CALIBRATION_TENDERS = 30;
/**
 * Flag budget: the share of a market's history whose raw suspicion lies beyond a calibrated component's neutral
 * point (component ≥ 0.5). One tender in ten, fixed a priori as a supervisor workload; not chosen on labels.
 */
export const CALIBRATION_TAIL_SHARE = 0.1;
/** Floor of a calibrated scale (in units of u; for the CV components a 5 % relative change of CV). */
export const MIN_CALIBRATION_SCALE = 0.05;
/** Converts a median absolute deviation into a standard deviation for normal data. */
export const MAD_TO_SD = 1.4826;

export const COMPONENT_NAMES = ['cv', 'subgroupCv', 'rd', 'skew', 'kurt', 'tightSubgroup'] as const;
export type ComponentName = (typeof COMPONENT_NAMES)[number];

/** component = σ((u − centre) / scale). */
export interface ComponentScale {
  centre: number;
  scale: number;
}

/** Market statistics of one component's raw suspicion u over the calibration history. */
export interface MarketStatistic {
  /** History tenders where u is defined. */
  count: number;
  median: number;
  /** Robust standard deviation, MAD_TO_SD · median |u − median| (before the MIN_CALIBRATION_SCALE floor). */
  spread: number;
  /** The (1 − tailShare) quantile of u: the calibrated centre. */
  tail: number;
}

export interface MarketCalibration {
  /**
   * 'market': calibrated on at least minTenders eligible history tenders; 'fallback': the history was smaller, so the
   * fixed defaults apply; 'default': the fixed defaults were asked for (DEFAULT_CALIBRATION, defaultCalibration()).
   */
  source: 'market' | 'fallback' | 'default';
  /** Eligible tenders (≥ MIN_DISTINCT_BIDS distinct bids) in the history. */
  tenders: number;
  /** The minimum that applied. */
  minTenders: number;
  /** Share of the history beyond each calibrated component's neutral point (see CALIBRATION_TAIL_SHARE). */
  tailShare: number;
  /** Centre and scale of every component (defaults where the market did not provide them). */
  scales: Readonly<Record<ComponentName, ComponentScale>>;
  /** Market statistics per component; null where the component kept its default. */
  market: Readonly<Record<ComponentName, MarketStatistic | null>>;
}

export interface CalibrationOptions {
  /** Default MIN_CALIBRATION_TENDERS; an integer ≥ 2. */
  minTenders?: number;
  /** Default CALIBRATION_TAIL_SHARE; in (0, 1) (0.5 puts the neutral point at the market median). */
  tailShare?: number;
}

export type RawSuspicion = Record<ComponentName, number | null>;

const MEDIAN_LEVEL = NULL_LEVELS.indexOf(0.5);
const logit = (p: number) => Math.log(p / (1 - p));
const negLog = (x: number) => (x > 0 ? -Math.log(x) : Infinity);

/** Whole-tender-equivalent CV of the typical subgroup of 3–4 bids (null when undefined). */
export function subgroupCvEquivalent(s: PriceScreens): number | null {
  const row = nullRowFor(NULL_TABLE, s.n);
  const median = s.subgroups?.cv?.median;
  const typical = row ? row.subgroupCvRatio[MEDIAN_LEVEL] : 0;
  return median === undefined || median === null || !(typical > 0) ? null : median / typical;
}

/** Percentile of each shape screen under the independent-bidding null for the tender's n (null when undefined). */
export function nullPercentiles(s: PriceScreens): Record<'rd' | 'skew' | 'kurt' | 'tightRatio', number | null> {
  const row = nullRowFor(NULL_TABLE, s.n);
  const ratio = tightRatio(s.cv, s.subgroups?.cv?.min);
  return {
    rd: s.rd === null || !row ? null : nullPercentile(row.rd, s.rd),
    skew: s.skew === null || !row ? null : nullPercentile(row.skew, s.skew),
    kurt: s.kurt === null || !row ? null : nullPercentile(row.kurt, s.kurt),
    tightRatio: ratio === null || !row ? null : nullPercentile(row.tightRatio, ratio),
  };
}

/** The raw suspicion statistic u of every component (higher = more suspicious; +∞ for zero dispersion). */
export function rawSuspicion(s: PriceScreens): RawSuspicion {
  const p = nullPercentiles(s);
  const eq = subgroupCvEquivalent(s);
  return {
    cv: s.cv === null ? null : negLog(s.cv),
    subgroupCv: eq === null ? null : negLog(eq),
    rd: p.rd === null ? null : logit(p.rd),
    skew: p.skew === null ? null : logit(1 - p.skew),
    kurt: p.kurt === null ? null : logit(p.kurt),
    tightSubgroup: p.tightRatio === null ? null : logit(1 - p.tightRatio),
  };
}

function defaultScales(cvCentre: number): Record<ComponentName, ComponentScale> {
  const cv = { centre: -Math.log(cvCentre), scale: CV_LOG_SCALE };
  return { cv, subgroupCv: { ...cv }, rd: { centre: 0, scale: 1 }, skew: { centre: 0, scale: 1 }, kurt: { centre: 0, scale: 1 }, tightSubgroup: { centre: 0, scale: 1 } };
}

const NO_MARKET: Record<ComponentName, MarketStatistic | null> = { cv: null, subgroupCv: null, rd: null, skew: null, kurt: null, tightSubgroup: null };

/** Fixed defaults, optionally with another reference CV for the two CV components (the legacy ScoreOptions.cvCentre). */
export function defaultCalibration(cvCentre = CV_CENTRE, tenders = 0): MarketCalibration {
  if (!(cvCentre > 0) || !Number.isFinite(cvCentre)) throw new RangeError(`cvCentre must be a positive number, got ${cvCentre}`);
  return { source: 'default', tenders, minTenders: MIN_CALIBRATION_TENDERS, tailShare: CALIBRATION_TAIL_SHARE, scales: defaultScales(cvCentre), market: { ...NO_MARKET } };
}

/** The fixed defaults: reference CV CV_CENTRE, log-scale CV_LOG_SCALE, null percentiles as they are. */
export const DEFAULT_CALIBRATION: MarketCalibration = deepFreeze(defaultCalibration());

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o as object)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/** Quantile (type 7, linear between order statistics) of an ascending array; handles ±Infinity entries. */
function quantileSorted(a: Float64Array, p: number): number {
  const h = (a.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, a.length - 1);
  if (hi === lo || a[hi] === a[lo]) return a[lo];
  return a[lo] + (h - lo) * (a[hi] - a[lo]);
}

/**
 * Calibrate on a market's history of price screens (one entry per past tender of the same market/category; no
 * labels). Tenders with fewer than MIN_DISTINCT_BIDS distinct bids are skipped. Cost O(N log N) for N tenders.
 */
export function calibrateMarket(history: Iterable<PriceScreens>, options: CalibrationOptions = {}): MarketCalibration {
  const minTenders = options.minTenders ?? MIN_CALIBRATION_TENDERS;
  const tailShare = options.tailShare ?? CALIBRATION_TAIL_SHARE;
  if (!Number.isInteger(minTenders) || minTenders < 2) throw new RangeError(`minTenders must be an integer ≥ 2, got ${minTenders}`);
  if (!(tailShare > 0 && tailShare < 1)) throw new RangeError(`tailShare must be in (0, 1), got ${tailShare}`);
  const cols: Record<ComponentName, number[]> = { cv: [], subgroupCv: [], rd: [], skew: [], kurt: [], tightSubgroup: [] };
  let tenders = 0;
  for (const s of history) {
    if (s.distinct < MIN_DISTINCT_BIDS) continue;
    tenders++;
    const u = rawSuspicion(s);
    for (const k of COMPONENT_NAMES) {
      const x = u[k];
      if (x !== null && !Number.isNaN(x)) cols[k].push(x);
    }
  }
  const base = defaultCalibration(CV_CENTRE, tenders);
  if (tenders < minTenders) return { ...base, source: 'fallback', minTenders, tailShare };
  const scales = { ...base.scales };
  const market = { ...NO_MARKET };
  for (const k of COMPONENT_NAMES) {
    const values = cols[k];
    if (values.length < minTenders) continue;
    const v = Float64Array.from(values).sort();
    const median = quantileSorted(v, 0.5);
    const tail = quantileSorted(v, 1 - tailShare);
    if (!Number.isFinite(median) || !Number.isFinite(tail)) continue;
    for (let i = 0; i < v.length; i++) v[i] = Math.abs(v[i] - median);
    const spread = MAD_TO_SD * quantileSorted(v.sort(), 0.5);
    if (!Number.isFinite(spread)) continue;
    scales[k] = { centre: tail, scale: Math.max(spread, MIN_CALIBRATION_SCALE) };
    market[k] = { count: values.length, median, spread, tail };
  }
  return { source: 'market', tenders, minTenders, tailShare, scales, market };
}

/**
 * calibrateMarket on raw bid lists (computes the screens). Throws RangeError on a non-positive or non-finite amount,
 * like scoreTender. When the same tenders are also scored, compute the screens once and use calibrateMarket +
 * scoreScreens instead.
 */
export function calibrateMarketFromBids(history: Iterable<ArrayLike<number>>, options: CalibrationOptions = {}): MarketCalibration {
  const screens: PriceScreens[] = [];
  for (const bids of history) {
    assertPositiveBids(bids);
    screens.push(computePriceScreens(bids));
  }
  return calibrateMarket(screens, options);
}

/** Throws RangeError on a non-positive or non-finite amount. */
export function assertPositiveBids(bids: ArrayLike<number>): void {
  for (let i = 0; i < bids.length; i++) {
    if (!(bids[i] > 0) || !Number.isFinite(bids[i])) throw new RangeError(`bid #${i + 1} (${bids[i]}) is not a positive finite amount`);
  }
}

/** Throws RangeError unless every component has a finite centre and a positive finite scale (e.g. after JSON storage). */
export function assertValidCalibration(c: MarketCalibration): void {
  for (const k of COMPONENT_NAMES) {
    const sc = c.scales?.[k];
    if (!sc || !Number.isFinite(sc.centre) || !(sc.scale > 0) || !Number.isFinite(sc.scale)) {
      throw new RangeError(`calibration for component ${k} needs a finite centre and a positive scale, got ${JSON.stringify(sc)}`);
    }
  }
}

/** The CV (whole-tender or whole-tender-equivalent) at which a CV component is neutral under this calibration. */
export function referenceCv(c: MarketCalibration, k: 'cv' | 'subgroupCv' = 'cv'): number {
  return Math.exp(-c.scales[k].centre);
}

/** The market's median CV (or subgroup equivalent), or null when that component was not calibrated. */
export function marketMedianCv(c: MarketCalibration, k: 'cv' | 'subgroupCv' = 'cv'): number | null {
  const m = c.market[k];
  return m ? Math.exp(-m.median) : null;
}

const pct = (x: number) => `${(100 * x).toFixed(x < 0.1 ? 2 : 1)}%`;

/** One line for logs and the CLI: what the calibration is and where it came from. */
export function describeCalibration(c: MarketCalibration): string {
  if (c.source !== 'market') {
    return (
      `fixed defaults (reference CV ${pct(referenceCv(c))}, log-scale ${c.scales.cv.scale})` +
      (c.source === 'fallback' ? `: ${c.tenders} eligible tender(s) in the history, fewer than the ${c.minTenders} needed to calibrate` : '')
    );
  }
  const med = marketMedianCv(c);
  const parts = [`calibrated on ${c.tenders} eligible tenders`];
  if (med !== null) parts.push(`median CV ${pct(med)}, robust sd of ln CV ${c.market.cv!.spread.toFixed(3)}, reference CV ${pct(referenceCv(c))}`);
  const sub = marketMedianCv(c, 'subgroupCv');
  if (sub !== null) parts.push(`subgroup-equivalent median CV ${pct(sub)}, reference ${pct(referenceCv(c, 'subgroupCv'))}`);
  parts.push(`flag budget ${pct(c.tailShare)} of the history`);
  return parts.join('; ');
}
