/**
 * Scale-free screens of one tender's bids as a feature vector for the learning screen (collusion.md §2; Imhof 2017;
 * Huber & Imhof 2019; Wallimann, Imhof & Huber 2023 for the subgroup "summary screens"). Pure, no I/O.
 *
 * Every feature is a ratio of amounts (or a count), so the currency does not matter, except `logMean`, the size of
 * the tender, which is meaningful only inside one market (the model is trained per market, and the platform and
 * the CSV both give amounts in one unit per market). A feature that is undefined for the tender is NaN: the model
 * imputes the training median (screen-model.ts).
 *
 * The platform may add the tender's structural flags (same device, payer account, document author, IP:
 * collusion.md §4 "structural signals first") as 0/1 features; the CSV interface is price-only.
 */
import { nullPercentiles, subgroupCvEquivalent } from '../market-calibration';
import { computePriceScreens, type PriceScreens, sortBids } from '../price-screens';

/** The classic screens of the logistic baseline (issue 14): CV, spread, DIFFP, RD, skewness, kurtosis, n, log mean. */
export const BASELINE_FEATURES = ['cv', 'spd', 'diffp', 'rd', 'skew', 'kurt', 'n', 'logMean'] as const;

/** Price features of the learning screen, in a fixed order (a stored model names the ones it uses). */
export const PRICE_FEATURES = [
  // classic screens as defined (the baseline's), and on a log scale where they are positive ratios spanning decades
  'cv',
  'spd',
  'diffp',
  'n',
  'logCv',
  'logSpd',
  'logDiffp',
  'rd',
  'rdnor',
  'rdalt',
  'skew',
  'kurt',
  'kstest',
  'logN',
  'logMean',
  // gaps between the sorted bids, relative to the range (cover bids bunch, the winner stands apart)
  'gap1Share',
  'topGapShare',
  'maxGapShare',
  'gapCv',
  'meanPosition',
  'medianToMean',
  'distinctShare',
  // subgroup summary screens (3–4 bids): how tight the tightest / typical subgroup is relative to the tender
  'logSubCvMedianRatio',
  'logSubCvMinRatio',
  'logSubCvMaxRatio',
  'logSubCvEquivalent',
  'subRdMean',
  'subRdMax',
  'subSkewMean',
  'subSkewMin',
  'subKurtMean',
  'logSubDiffpMin',
  // percentiles under simulated independent bidding with the same n (null-model.ts): removes the drift with n
  'nullRd',
  'nullSkew',
  'nullKurt',
  'nullTightRatio',
] as const;
export type PriceFeature = (typeof PRICE_FEATURES)[number];

/** Structural flags of the tender (platform only; 1 when the flag was raised on the tender, else 0). */
export const STRUCTURAL_FEATURES = ['sameDevice', 'sameIp', 'samePayerAccount', 'sameDocumentAuthor', 'sameLegalRepresentative', 'identicalAttachment', 'identicalPrices'] as const;
export type StructuralFeature = (typeof STRUCTURAL_FEATURES)[number];
export type StructuralIndicators = Partial<Record<StructuralFeature, boolean>>;

/** Smallest positive ratio used before a logarithm (a DIFFP of 0: two equal lowest bids). */
const LOG_FLOOR = 1e-6;
const log = (x: number | null | undefined): number => (x === null || x === undefined || !Number.isFinite(x) ? NaN : Math.log(Math.max(x, LOG_FLOOR)));
const val = (x: number | null | undefined): number => (x === null || x === undefined || !Number.isFinite(x) ? NaN : x);

/** Gap features of an ascending array (NaN when the range is 0 or n < 3). */
function gapFeatures(sorted: Float64Array): Pick<Record<PriceFeature, number>, 'gap1Share' | 'topGapShare' | 'maxGapShare' | 'gapCv' | 'meanPosition' | 'medianToMean'> {
  const n = sorted.length;
  const range = n > 1 ? sorted[n - 1] - sorted[0] : 0;
  if (n < 3 || !(range > 0)) {
    return { gap1Share: NaN, topGapShare: NaN, maxGapShare: NaN, gapCv: NaN, meanPosition: NaN, medianToMean: NaN };
  }
  const gaps: number[] = [];
  for (let i = 1; i < n; i++) gaps.push(sorted[i] - sorted[i - 1]);
  const gm = gaps.reduce((a, b) => a + b, 0) / gaps.length;
  const gsd = Math.sqrt(gaps.reduce((a, g) => a + (g - gm) * (g - gm), 0) / (gaps.length - 1));
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i];
  const mean = sum / n;
  const median = n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  return {
    gap1Share: gaps[0] / range,
    topGapShare: gaps[gaps.length - 1] / range,
    maxGapShare: Math.max(...gaps) / range,
    gapCv: gm > 0 ? gsd / gm : NaN,
    meanPosition: (mean - sorted[0]) / range,
    medianToMean: mean > 0 ? median / mean - 1 : NaN,
  };
}

/** The price features of a tender from its screens and bids (NaN where undefined). */
export function priceFeatures(bids: ArrayLike<number>, screens: PriceScreens = computePriceScreens(bids)): Record<PriceFeature, number> {
  const sorted = sortBids(bids);
  const s = screens;
  const sub = s.subgroups;
  const p = nullPercentiles(s);
  const ratio = (x: number | null | undefined) => (x === null || x === undefined || s.cv === null || !(s.cv > 0) ? NaN : log(x / s.cv));
  return {
    cv: val(s.cv),
    spd: val(s.spd),
    diffp: val(s.diffp),
    n: s.n,
    logCv: log(s.cv),
    logSpd: log(s.spd),
    logDiffp: log(s.diffp),
    rd: val(s.rd),
    rdnor: val(s.rdnor),
    rdalt: val(s.rdalt),
    skew: val(s.skew),
    kurt: val(s.kurt),
    kstest: val(s.kstest),
    logN: Math.log(Math.max(s.n, 1)),
    logMean: s.mean !== null && s.mean > 0 ? Math.log(s.mean) : NaN,
    ...gapFeatures(sorted),
    distinctShare: s.n > 0 ? s.distinct / s.n : NaN,
    logSubCvMedianRatio: ratio(sub?.cv?.median),
    logSubCvMinRatio: ratio(sub?.cv?.min),
    logSubCvMaxRatio: ratio(sub?.cv?.max),
    logSubCvEquivalent: log(subgroupCvEquivalent(s)),
    subRdMean: val(sub?.rd?.mean),
    subRdMax: val(sub?.rd?.max),
    subSkewMean: val(sub?.skew?.mean),
    subSkewMin: val(sub?.skew?.min),
    subKurtMean: val(sub?.kurt?.mean),
    logSubDiffpMin: log(sub?.diffp?.min),
    nullRd: val(p.rd),
    nullSkew: val(p.skew),
    nullKurt: val(p.kurt),
    nullTightRatio: val(p.tightRatio),
  };
}

/** The baseline's raw classic screens (no logs, no subgroups): the logistic baseline. */
export function baselineFeatures(bids: ArrayLike<number>, screens: PriceScreens = computePriceScreens(bids)): Record<(typeof BASELINE_FEATURES)[number], number> {
  return {
    cv: val(screens.cv),
    spd: val(screens.spd),
    diffp: val(screens.diffp),
    rd: val(screens.rd),
    skew: val(screens.skew),
    kurt: val(screens.kurt),
    n: screens.n,
    logMean: screens.mean !== null && screens.mean > 0 ? Math.log(screens.mean) : NaN,
  };
}

/** One tender's features by name: price features, plus structural ones when given (absent = not observed). */
export type FeatureRecord = Partial<Record<PriceFeature | StructuralFeature, number>>;

export function tenderFeatures(bids: ArrayLike<number>, structural?: StructuralIndicators, screens?: PriceScreens): FeatureRecord {
  const out: FeatureRecord = priceFeatures(bids, screens);
  if (structural) for (const k of STRUCTURAL_FEATURES) out[k] = structural[k] ? 1 : 0;
  return out;
}

/** Row vector in the order of `names` (NaN for a feature the record lacks). */
export function toRow(record: FeatureRecord, names: readonly string[]): number[] {
  return names.map((n) => {
    const v = (record as Record<string, number | undefined>)[n];
    return v === undefined ? NaN : v;
  });
}
