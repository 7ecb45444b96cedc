/**
 * One collusion score per tender from its price screens (issue 7 "Collusion flags").
 *
 * Rule-based with fixed, documented parameters; nothing is fitted to labels (a live platform has none).
 * Orientation follows Imhof (2017) as summarised in collusion.md §2: bid rigging lowers the dispersion of bids
 * (CV down, kurtosis up) and, without side payments, widens the gap between the two lowest bids while the losing
 * bids bunch (RD up, skewness negative). Incomplete cartels leave tight groups of 3–4 bids inside an otherwise
 * dispersed tender (Wallimann, Imhof & Huber 2023).
 *
 * Components, each a "suspicion" in [0, 1], component = σ((u − centre) / scale) of a raw statistic u
 * (market-calibration.ts has the exact u of each):
 *   cv             from ln CV: low CV ⇒ near 1. CV is scale-free, but its typical level is market-dependent.
 *   subgroupCv     from ln of the median CV over subgroups of 3–4 bids, divided by that ratio's median under
 *                  independent bidding with the same n (so it reads as a whole-tender CV).
 *   rd             from the percentile of RD among independent-bidding tenders with the same n (high RD ⇒ near 1)
 *   skew           from 1 − percentile of SKEW under the same null (negative skew ⇒ near 1)
 *   kurt           from the percentile of KURT under the same null (high kurtosis ⇒ near 1)
 *   tightSubgroup  from 1 − percentile of (min subgroup CV / tender CV) under the same null (one tight cluster ⇒ near 1)
 * The "null" is simulated independent normal bidding (null-model.ts → null-table.ts); no labels are involved.
 * Centres and scales come from a MarketCalibration: the fixed defaults (DEFAULT_CALIBRATION: reference CV 6 %,
 * log-scale 0.5; the null percentiles as they are), or calibrateMarket() on the market's own unlabelled history,
 * which puts each component's neutral point at the edge of the market's most suspicious CALIBRATION_TAIL_SHARE (10 %)
 * and its scale at the market's robust spread.
 * score = Σ wᵢ·componentᵢ / Σ wᵢ over the defined components with wᵢ > 0; flag = score ≥ threshold.
 *
 * Which components carry weight (SCORE_WEIGHTS) was decided by a leave-one-dataset-out selection among six
 * candidate weightings declared in bench/evaluate-screens.ts: the variance pair (cv + subgroupCv) won on every
 * fold, and adding the cover-bidding or shape components lowered the ranking quality on all three development
 * datasets (docs/COLLUSION_SCREENS_UNSUPERVISED.md §6). The other components are still computed and, when strong, reported as
 * context reasons; they do not move the score.
 *
 * Screens never used as components (still computed and returned): SPD duplicates CV; DIFFP is RD without the
 * normalisation by the losers' spread, so its level is market-dependent; RDNOR/RDALT are other normalisations of
 * the same gap as RD; KSTEST has no documented direction under collusion in collusion.md.
 */
import { tightRatio } from './null-model';
import { computePriceScreens, type PriceScreens } from './price-screens';
import {
  assertPositiveBids,
  assertValidCalibration,
  type ComponentName,
  COMPONENT_NAMES,
  CV_CENTRE,
  CV_LOG_SCALE,
  DEFAULT_CALIBRATION,
  defaultCalibration,
  type MarketCalibration,
  marketMedianCv,
  MIN_DISTINCT_BIDS,
  rawSuspicion,
  type RawSuspicion,
  referenceCv,
  subgroupCvEquivalent,
} from './market-calibration';

// Re-exported for the callers that imported them from here before market-calibration.ts existed.
export { COMPONENT_NAMES, CV_CENTRE, CV_LOG_SCALE, MIN_DISTINCT_BIDS };
export type { ComponentName, MarketCalibration };

export type ScoreWeights = Readonly<Partial<Record<ComponentName, number>>>;
/**
 * Production weights: the variance screen on the whole tender (Abrantes-Metz et al. 2006; Imhof 2017) and on its
 * subgroups of 3–4 bids (Wallimann, Imhof & Huber 2023), equally. Selected by leave-one-dataset-out among the
 * candidates in bench/evaluate-screens.ts (the same choice on every fold, with the fixed defaults and
 * self-calibrated); the a-priori first design { cv .35, rd .2, skew .15, kurt .15, tightSubgroup .15 } ranked worse
 * on all three datasets.
 */
export const SCORE_WEIGHTS: ScoreWeights = { cv: 0.5, subgroupCv: 0.5 };

/**
 * Production threshold: flag when score ≥ 0.5, with or without a market calibration. Chosen a priori, not from data.
 * Fixed defaults: each component is 0.5 at its neutral point (for the production weights, a whole-tender-equivalent
 * CV equal to the 6 % reference), and 0.5 is the cut-off at which Huber & Imhof (2019) report correct-classification
 * rates (collusion.md §3.7). Calibrated: 0.5 is the edge of the market's CALIBRATION_TAIL_SHARE flag budget.
 * Leave-one-dataset-out (docs/COLLUSION_SCREENS_UNSUPERVISED.md §6): with the fixed defaults, thresholds chosen on two datasets
 * ranged from 0.31 to 0.99 and beat 0.5 on one held-out dataset of three; self-calibrated, they ranged from 0.29 to
 * 0.34 and beat 0.5 in balanced accuracy on all three, but only by flagging far beyond the budget (held-out TNR down
 * to 54 % on Japan), so 0.5 stays: the point is a TNR a supervisor can act on in every market.
 */
export const PRODUCTION_THRESHOLD = 0.5;

/** A component at or above this level produces a reason code (context-only when its weight is 0). */
export const REASON_LEVEL = 0.8;
/** Suffix of reasons that explain but do not move the score. */
export const CONTEXT_TAG = '[context, not scored]';

export type ScoreComponents = Record<ComponentName, number | null>;

export interface CollusionScore {
  /** In [0, 1]; higher = more suspicious. Null for insufficient data. */
  score: number | null;
  /** score ≥ threshold; null for insufficient data. */
  flag: boolean | null;
  /** Reason codes, "CODE: explanation". */
  reasons: string[];
  screens: PriceScreens;
  /** Per-component suspicion in [0, 1]; null for insufficient data. */
  components: ScoreComponents | null;
}

export interface ScoreOptions {
  threshold?: number;
  /**
   * Centres and scales of the components: calibrateMarket() on the market's unlabelled history, or
   * DEFAULT_CALIBRATION (the default). Compute it once per market and pass the same object to every call.
   */
  calibration?: MarketCalibration;
  /**
   * Legacy: a market-specific reference CV with the default scales (same as calibration: defaultCalibration(cvCentre)).
   * Cannot be combined with `calibration`.
   */
  cvCentre?: number;
  /** Component weights (missing = 0). Defaults to SCORE_WEIGHTS. For evaluation of alternatives only. */
  weights?: ScoreWeights;
}

const logistic = (z: number) => 1 / (1 + Math.exp(-z));

/** CV component: σ((ln centre − ln CV) / logScale). CV = 0 (all bids equal) ⇒ 1. */
export function cvSuspicion(cv: number, centre = CV_CENTRE, logScale = CV_LOG_SCALE): number {
  if (!(cv > 0)) return 1;
  return logistic((Math.log(centre) - Math.log(cv)) / logScale);
}

/** The components for a tender's screens (null where the screen is undefined), under the given calibration. */
export function scoreComponents(s: PriceScreens, calibration: MarketCalibration = DEFAULT_CALIBRATION): ScoreComponents {
  return componentsFromRaw(rawSuspicion(s), calibration);
}

/** The components from already computed raw suspicion statistics (rawSuspicion), under the given calibration. */
export function componentsFromRaw(u: RawSuspicion, calibration: MarketCalibration = DEFAULT_CALIBRATION): ScoreComponents {
  const out = {} as ScoreComponents;
  for (const k of COMPONENT_NAMES) {
    const x = u[k];
    const { centre, scale } = calibration.scales[k];
    out[k] = x === null ? null : x === Infinity ? 1 : logistic((x - centre) / scale);
  }
  return out;
}

/** Weighted mean of the defined components with a positive weight (null if none). */
export function combineComponents(c: ScoreComponents, weights: ScoreWeights = SCORE_WEIGHTS): number | null {
  let num = 0;
  let den = 0;
  for (const k of COMPONENT_NAMES) {
    const v = c[k];
    const w = weights[k] ?? 0;
    if (v === null || !(w > 0)) continue;
    num += w * v;
    den += w;
  }
  return den > 0 ? num / den : null;
}

const pct = (x: number) => `${(100 * x).toFixed(x < 0.1 ? 2 : 1)}%`;
const fx = (x: number) => x.toFixed(3);

/** "the 6.00% reference" or "this market's 0.35% reference (market median 0.70% over 1075 tenders)". */
function referenceText(cal: MarketCalibration, k: 'cv' | 'subgroupCv'): string {
  const ref = pct(referenceCv(cal, k));
  const med = marketMedianCv(cal, k);
  return med === null ? `the ${ref} reference` : `this market's ${ref} reference (market median ${pct(med)} over ${cal.tenders} tenders)`;
}

function reasonsFor(s: PriceScreens, c: ScoreComponents, weights: ScoreWeights, cal: MarketCalibration): string[] {
  const found: { k: ComponentName; text: string }[] = [];
  const strong = (k: ComponentName) => c[k] !== null && (c[k] as number) >= REASON_LEVEL;
  // Under a market calibration the shape components measure "unusual for this market"; the text still quotes the
  // percentile under the independent-bidding null, which is the same in every market.
  const market = (k: ComponentName) => (cal.market[k] ? ', and unusual for this market' : '');
  const nullP = (k: 'rd' | 'skew' | 'kurt' | 'tightSubgroup') => {
    const u = rawSuspicion(s)[k] as number;
    return 1 / (1 + Math.exp(-u)); // = percentile (rd, kurt) or 1 − percentile (skew, tightSubgroup)
  };
  if (strong('cv')) {
    found.push({
      k: 'cv',
      text: `LOW_CV: coefficient of variation ${pct(s.cv as number)} is below ${referenceText(cal, 'cv')}; bid rigging compresses the spread of bids (Imhof 2017)`,
    });
  }
  if (strong('subgroupCv')) {
    found.push({
      k: 'subgroupCv',
      text: `LOW_SUBGROUP_CV: the typical group of 3–4 bids is as tight as a whole tender with CV ${pct(subgroupCvEquivalent(s) as number)}, below ${referenceText(cal, 'subgroupCv')} (Wallimann, Imhof & Huber 2023)`,
    });
  }
  if (strong('rd')) {
    found.push({
      k: 'rd',
      text: `HIGH_RD: the two lowest bids are ${fx(s.rd as number)} losing-bid standard deviations apart, more than in ${pct(nullP('rd'))} of independent-bidding tenders with ${s.n} bids${market('rd')}; cover bids bunch above the winner (Imhof 2017)`,
    });
  }
  if (strong('skew')) {
    found.push({
      k: 'skew',
      text: `NEGATIVE_SKEW: skewness ${fx(s.skew as number)} is lower than in ${pct(nullP('skew'))} of independent-bidding tenders with ${s.n} bids${market('skew')} (Imhof 2017)`,
    });
  }
  if (strong('kurt')) {
    found.push({
      k: 'kurt',
      text: `HIGH_KURTOSIS: excess kurtosis ${fx(s.kurt as number)} is higher than in ${pct(nullP('kurt'))} of independent-bidding tenders with ${s.n} bids${market('kurt')} (Imhof 2017)`,
    });
  }
  if (strong('tightSubgroup')) {
    const ratio = tightRatio(s.cv, s.subgroups?.cv?.min) as number;
    found.push({
      k: 'tightSubgroup',
      text: `TIGHT_SUBGROUP: a group of 3–4 bids has a CV only ${fx(ratio)} × the tender's, tighter than in ${pct(nullP('tightSubgroup'))} of independent-bidding tenders with ${s.n} bids${market('tightSubgroup')} (Wallimann, Imhof & Huber 2023)`,
    });
  }
  const scored = found.filter((f) => (weights[f.k] ?? 0) > 0).map((f) => f.text);
  const context = found.filter((f) => !((weights[f.k] ?? 0) > 0)).map((f) => `${f.text} ${CONTEXT_TAG}`);
  if (s.distinct < s.n) {
    context.push(`IDENTICAL_BIDS: ${s.n - s.distinct} bid(s) repeat an amount already bid (cf. Cardinal R028) ${CONTEXT_TAG}`);
  }
  return [...scored, ...context];
}

/** The calibration that ScoreOptions select (validated). */
export function resolveCalibration(options: ScoreOptions = {}): MarketCalibration {
  if (options.calibration && options.cvCentre !== undefined) throw new RangeError('give either calibration or cvCentre, not both');
  if (options.cvCentre !== undefined) return defaultCalibration(options.cvCentre);
  const cal = options.calibration ?? DEFAULT_CALIBRATION;
  if (cal !== DEFAULT_CALIBRATION) assertValidCalibration(cal);
  return cal;
}

/**
 * Score one tender from its already computed screens (see computePriceScreens). Use this with calibrateMarket() to
 * compute each tender's screens once when the same tenders are both the calibration history and the scored set.
 */
export function scoreScreens(screens: PriceScreens, options: ScoreOptions = {}): CollusionScore {
  return scoreResolved(screens, options.threshold ?? PRODUCTION_THRESHOLD, options.weights ?? SCORE_WEIGHTS, resolveCalibration(options));
}

function scoreResolved(screens: PriceScreens, threshold: number, weights: ScoreWeights, cal: MarketCalibration): CollusionScore {
  if (screens.distinct < MIN_DISTINCT_BIDS) {
    return {
      score: null,
      flag: null,
      reasons: [`INSUFFICIENT_DATA: ${screens.distinct} distinct bid amount(s); at least ${MIN_DISTINCT_BIDS} are needed`],
      screens,
      components: null,
    };
  }
  const components = scoreComponents(screens, cal);
  const score = combineComponents(components, weights);
  if (score === null) {
    // Unreachable with ≥ 4 distinct positive bids (CV is then defined); kept so the contract never yields NaN.
    return { score: null, flag: null, reasons: ['INSUFFICIENT_DATA: no screen is defined for these bids'], screens, components };
  }
  const flag = score >= threshold;
  const reasons = reasonsFor(screens, components, weights, cal);
  if (flag && reasons.every((x) => x.endsWith(CONTEXT_TAG))) {
    reasons.unshift('COMBINED: moderate signals together reach the threshold');
  }
  return { score, flag, reasons, screens, components };
}

/**
 * Score one tender from its bid amounts (any order; identical amounts are separate bids). Throws RangeError on a
 * non-positive or non-finite amount, or on an invalid calibration. Without `options.calibration` the fixed defaults
 * apply (DEFAULT_CALIBRATION); pass calibrateMarket(history) of the tender's market to calibrate the score.
 */
export function scoreTender(bids: ArrayLike<number>, options: ScoreOptions = {}): CollusionScore {
  const cal = resolveCalibration(options);
  assertPositiveBids(bids);
  return scoreResolved(computePriceScreens(bids), options.threshold ?? PRODUCTION_THRESHOLD, options.weights ?? SCORE_WEIGHTS, cal);
}
