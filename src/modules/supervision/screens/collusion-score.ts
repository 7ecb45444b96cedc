/**
 * One collusion score per tender from its price screens (issue 7 "Collusion flags").
 *
 * Rule-based with fixed, documented parameters; nothing is fitted to labels (a live platform has none).
 * Orientation follows Imhof (2017) as summarised in collusion.md §2: bid rigging lowers the dispersion of bids
 * (CV down, kurtosis up) and, without side payments, widens the gap between the two lowest bids while the losing
 * bids bunch (RD up, skewness negative). Incomplete cartels leave tight groups of 3–4 bids inside an otherwise
 * dispersed tender (Wallimann, Imhof & Huber 2023).
 *
 * Components, each a "suspicion" in [0, 1] with 0.5 = neutral:
 *   cv             σ((ln c₀ − ln CV) / CV_LOG_SCALE), c₀ = CV_CENTRE unless a market-specific cvCentre is given:
 *                  low CV ⇒ near 1. CV is scale-free, but its typical level is market-dependent.
 *   subgroupCv     the same transform applied to the median CV over subgroups of 3–4 bids, divided by that ratio's
 *                  median under independent bidding with the same n (so it reads as a whole-tender CV).
 *   rd             percentile of RD among independent-bidding tenders with the same n (high RD ⇒ near 1)
 *   skew           1 − percentile of SKEW under the same null (negative skew ⇒ near 1)
 *   kurt           percentile of KURT under the same null (high kurtosis ⇒ near 1)
 *   tightSubgroup  1 − percentile of (min subgroup CV / tender CV) under the same null (one tight cluster ⇒ near 1)
 * The "null" is simulated independent normal bidding (null-model.ts → null-table.ts); no labels are involved.
 * score = Σ wᵢ·componentᵢ / Σ wᵢ over the defined components with wᵢ > 0; flag = score ≥ threshold.
 *
 * Which components carry weight (SCORE_WEIGHTS) was decided by a leave-one-dataset-out selection among six
 * candidate weightings declared in bench/evaluate-screens.ts: the variance pair (cv + subgroupCv) won on every
 * fold, and adding the cover-bidding or shape components lowered the ranking quality on all three development
 * datasets (docs/COLLUSION_SCREENS.md §5). The other components are still computed and, when strong, reported as
 * context reasons; they do not move the score.
 *
 * Screens never used as components (still computed and returned): SPD duplicates CV; DIFFP is RD without the
 * normalisation by the losers' spread, so its level is market-dependent; RDNOR/RDALT are other normalisations of
 * the same gap as RD; KSTEST has no documented direction under collusion in collusion.md.
 */
import { NULL_TABLE } from './null-table';
import { NULL_LEVELS, nullPercentile, nullRowFor, tightRatio } from './null-model';
import { computePriceScreens, PriceScreens } from './price-screens';

/** Tenders with fewer distinct bid amounts are "insufficient data" (collusion.md §3 output contract). */
export const MIN_DISTINCT_BIDS = 4;

/**
 * Reference CV (6 %) at which the CV components are neutral (0.5). A round value fixed a priori: the literature gives
 * the direction (collusion lowers CV, Imhof 2017), the value itself is a judgement and was NOT fitted to any data.
 * The typical CV of honest bidding is market-dependent (label-free medians over eligible tenders: Brazil 14.4 %,
 * GR/See-Gaster 7.2 %, Japan 0.7 %, where bids sit just under a published ceiling price, as may also happen under a
 * Chinese 最高投标限价), so a deployment should calibrate it per market with ScoreOptions.cvCentre, e.g. from
 * the platform's own unlabelled history. The ranking (AUC) does not depend on it; the flag rate does.
 */
export const CV_CENTRE = 0.06;
/** Log-scale of the CV logistic: halving CV from the centre gives σ(ln 2 / 0.5) = 0.8, doubling it gives 0.2. */
export const CV_LOG_SCALE = 0.5;

export const COMPONENT_NAMES = ['cv', 'subgroupCv', 'rd', 'skew', 'kurt', 'tightSubgroup'] as const;
export type ComponentName = (typeof COMPONENT_NAMES)[number];
export type ScoreWeights = Readonly<Partial<Record<ComponentName, number>>>;
/**
 * Production weights: the variance screen on the whole tender (Abrantes-Metz et al. 2006; Imhof 2017) and on its
 * subgroups of 3–4 bids (Wallimann, Imhof & Huber 2023), equally. Selected by leave-one-dataset-out among the
 * candidates in bench/evaluate-screens.ts (the same choice on every fold); the a-priori first design
 * { cv .35, rd .2, skew .15, kurt .15, tightSubgroup .15 } ranked worse on all three datasets.
 */
export const SCORE_WEIGHTS: ScoreWeights = { cv: 0.5, subgroupCv: 0.5 };

/**
 * Production threshold: flag when score ≥ 0.5. Chosen a priori, not from data: each component is 0.5 at its
 * neutral point (for the production weights: a whole-tender-equivalent CV equal to the reference CV), and 0.5 is the
 * cut-off at which Huber & Imhof (2019) report correct-classification rates (collusion.md §3.7).
 * Leave-one-dataset-out (docs/COLLUSION_SCREENS.md §5): thresholds chosen on two datasets ranged from 0.31 to 0.99
 * and did worse than 0.5 on two of the three held-out datasets (slightly better on the third), so none replaced it.
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
  /** Market-specific reference CV (default CV_CENTRE); see CV_CENTRE. */
  cvCentre?: number;
  /** Component weights (missing = 0). Defaults to SCORE_WEIGHTS. For evaluation of alternatives only. */
  weights?: ScoreWeights;
}

const logistic = (z: number) => 1 / (1 + Math.exp(-z));

/** CV component: σ((ln centre − ln CV) / CV_LOG_SCALE). CV = 0 (all bids equal) ⇒ 1. */
export function cvSuspicion(cv: number, centre = CV_CENTRE): number {
  if (!(cv > 0)) return 1;
  return logistic((Math.log(centre) - Math.log(cv)) / CV_LOG_SCALE);
}

const MEDIAN_LEVEL = NULL_LEVELS.indexOf(0.5);

/** The components for a tender's screens (null where the screen is undefined). */
export function scoreComponents(s: PriceScreens, cvCentre = CV_CENTRE): ScoreComponents {
  const row = nullRowFor(NULL_TABLE, s.n);
  const ratio = tightRatio(s.cv, s.subgroups?.cv?.min);
  const medianSubCv = s.subgroups?.cv?.median ?? null;
  const typicalRatio = row ? row.subgroupCvRatio[MEDIAN_LEVEL] : null;
  return {
    cv: s.cv === null ? null : cvSuspicion(s.cv, cvCentre),
    // median subgroup CV rescaled to a whole-tender-equivalent CV by its independent-bidding median ratio
    subgroupCv: medianSubCv === null || !typicalRatio ? null : cvSuspicion(medianSubCv / typicalRatio, cvCentre),
    rd: s.rd === null || !row ? null : nullPercentile(row.rd, s.rd),
    skew: s.skew === null || !row ? null : 1 - nullPercentile(row.skew, s.skew),
    kurt: s.kurt === null || !row ? null : nullPercentile(row.kurt, s.kurt),
    tightSubgroup: ratio === null || !row ? null : 1 - nullPercentile(row.tightRatio, ratio),
  };
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

function cvEquivalent(s: PriceScreens): number {
  const row = nullRowFor(NULL_TABLE, s.n);
  return (s.subgroups?.cv?.median ?? NaN) / (row ? row.subgroupCvRatio[MEDIAN_LEVEL] : NaN);
}

const pct = (x: number) => `${(100 * x).toFixed(x < 0.1 ? 2 : 1)}%`;
const fx = (x: number) => x.toFixed(3);

function reasonsFor(s: PriceScreens, c: ScoreComponents, weights: ScoreWeights, cvCentre: number): string[] {
  const found: { k: ComponentName; text: string }[] = [];
  const strong = (k: ComponentName) => c[k] !== null && (c[k] as number) >= REASON_LEVEL;
  if (strong('cv')) {
    found.push({ k: 'cv', text: `LOW_CV: coefficient of variation ${pct(s.cv as number)} is below the ${pct(cvCentre)} reference; bid rigging compresses the spread of bids (Imhof 2017)` });
  }
  if (strong('subgroupCv')) {
    found.push({ k: 'subgroupCv', text: `LOW_SUBGROUP_CV: the typical group of 3–4 bids is as tight as a whole tender with CV ${pct(cvEquivalent(s))}, below the ${pct(cvCentre)} reference (Wallimann, Imhof & Huber 2023)` });
  }
  if (strong('rd')) {
    found.push({ k: 'rd', text: `HIGH_RD: the two lowest bids are ${fx(s.rd as number)} losing-bid standard deviations apart, more than in ${pct(c.rd as number)} of independent-bidding tenders with ${s.n} bids; cover bids bunch above the winner (Imhof 2017)` });
  }
  if (strong('skew')) {
    found.push({ k: 'skew', text: `NEGATIVE_SKEW: skewness ${fx(s.skew as number)} is lower than in ${pct(c.skew as number)} of independent-bidding tenders with ${s.n} bids (Imhof 2017)` });
  }
  if (strong('kurt')) {
    found.push({ k: 'kurt', text: `HIGH_KURTOSIS: excess kurtosis ${fx(s.kurt as number)} is higher than in ${pct(c.kurt as number)} of independent-bidding tenders with ${s.n} bids (Imhof 2017)` });
  }
  if (strong('tightSubgroup')) {
    const ratio = tightRatio(s.cv, s.subgroups?.cv?.min) as number;
    found.push({ k: 'tightSubgroup', text: `TIGHT_SUBGROUP: a group of 3–4 bids has a CV only ${fx(ratio)} × the tender's, tighter than in ${pct(c.tightSubgroup as number)} of independent-bidding tenders with ${s.n} bids (Wallimann, Imhof & Huber 2023)` });
  }
  const scored = found.filter((f) => (weights[f.k] ?? 0) > 0).map((f) => f.text);
  const context = found.filter((f) => !((weights[f.k] ?? 0) > 0)).map((f) => `${f.text} ${CONTEXT_TAG}`);
  if (s.distinct < s.n) {
    context.push(`IDENTICAL_BIDS: ${s.n - s.distinct} bid(s) repeat an amount already bid (cf. Cardinal R028) ${CONTEXT_TAG}`);
  }
  return [...scored, ...context];
}

/** Score one tender from its bid amounts (any order; identical amounts are separate bids). Throws RangeError on a non-positive or non-finite amount. */
export function scoreTender(bids: ArrayLike<number>, options: ScoreOptions = {}): CollusionScore {
  const threshold = options.threshold ?? PRODUCTION_THRESHOLD;
  const weights = options.weights ?? SCORE_WEIGHTS;
  const cvCentre = options.cvCentre ?? CV_CENTRE;
  if (!(cvCentre > 0) || !Number.isFinite(cvCentre)) throw new RangeError(`cvCentre must be a positive number, got ${cvCentre}`);
  for (let i = 0; i < bids.length; i++) {
    if (!(bids[i] > 0) || !Number.isFinite(bids[i])) throw new RangeError(`bid #${i + 1} (${bids[i]}) is not a positive finite amount`);
  }
  const screens = computePriceScreens(bids);
  if (screens.distinct < MIN_DISTINCT_BIDS) {
    return {
      score: null,
      flag: null,
      reasons: [`INSUFFICIENT_DATA: ${screens.distinct} distinct bid amount(s); at least ${MIN_DISTINCT_BIDS} are needed`],
      screens,
      components: null,
    };
  }
  const components = scoreComponents(screens, cvCentre);
  const score = combineComponents(components, weights);
  if (score === null) {
    // Unreachable with ≥ 4 distinct positive bids (CV is then defined); kept so the contract never yields NaN.
    return { score: null, flag: null, reasons: ['INSUFFICIENT_DATA: no screen is defined for these bids'], screens, components };
  }
  const flag = score >= threshold;
  const reasons = reasonsFor(screens, components, weights, cvCentre);
  if (flag && reasons.every((x) => x.endsWith(CONTEXT_TAG))) {
    reasons.unshift('COMBINED: moderate signals together reach the threshold');
  }
  return { score, flag, reasons, screens, components };
}
