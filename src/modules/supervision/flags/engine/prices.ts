/**
 * Price flags of one tender, from the decrypted prices only (after opening): identical prices, regular price
 * differences, all bids bunched under the ceiling, and the statistical price screens (screens/, done separately).
 * Money stays in integer fen (bigint) for the exact tests; the screens are scale-free ratios and get fen as numbers.
 */
import { fromFen, toFen } from 'src/common/money/money';
import { DEFAULT_CALIBRATION, type MarketCalibration, marketMedianCv, PRODUCTION_THRESHOLD, referenceCv, scoreTender } from '../../screens';
import { FLAG_CATALOGUE } from './flag-catalogue';
import { FlagCode, type FlagDraft, type PriceScreenMode, type Severity, type TenderFlagInput } from './flag.types';
import { THRESHOLDS } from './thresholds';

interface PricedBid {
  bidId: string;
  organizationId: string;
  fen: bigint;
}

/** DECRYPTED bids with a price, one per bidder (the latest version is the only bid, TBR Art. 51(4)). */
export function pricedBids(input: TenderFlagInput): PricedBid[] {
  return input.bids
    .filter((b) => b.status === 'DECRYPTED' && b.price !== null)
    .map((b) => ({ bidId: b.bidId, organizationId: b.organizationId, fen: toFen(b.price as string) }))
    .sort((a, b) => (a.fen < b.fen ? -1 : a.fen > b.fen ? 1 : a.bidId < b.bidId ? -1 : 1));
}

function draft(input: TenderFlagInput, code: FlagCode, severity: Severity, bidderIds: string[], evidence: Record<string, unknown>): FlagDraft {
  return {
    code,
    severity,
    bidderIds: [...new Set(bidderIds)].sort(),
    expertIds: [],
    tenderIds: [input.tenderId],
    evidence,
    legalBasis: FLAG_CATALOGUE[code].legalBasis(input.regime),
  };
}

/** TBR Art. 40(4); cardinal-rs R028: different bidders submitted the same price (to the fen). */
export function identicalPrices(input: TenderFlagInput, bids = pricedBids(input)): FlagDraft[] {
  const byPrice = new Map<bigint, PricedBid[]>();
  for (const b of bids) byPrice.set(b.fen, [...(byPrice.get(b.fen) ?? []), b]);
  const out: FlagDraft[] = [];
  for (const [fen, group] of byPrice) {
    const orgs = new Set(group.map((g) => g.organizationId));
    if (orgs.size < 2) continue;
    out.push(draft(input, FlagCode.IDENTICAL_PRICES, 'HIGH', [...orgs], { price: fromFen(fen), bidIds: group.map((g) => g.bidId).sort() }));
  }
  return out;
}

export interface Progression {
  kind: 'ARITHMETIC' | 'GEOMETRIC';
  /** Indices into the sorted bids, ascending. */
  members: number[];
  /** Arithmetic: the step as money; geometric: the ratio as a decimal string. */
  step: string;
}

/**
 * The longest arithmetic or geometric progression among the distinct prices (any subset, in ascending order):
 * "投标报价呈规律性差异" (TBR Art. 40(4)). Arithmetic steps are equal to the fen; geometric steps allow the fen
 * rounding of each term (THRESHOLDS.geometricTolerance*). An arithmetic run is preferred to a geometric one of the
 * same length. O(n²·L) with a hash of the prices.
 */
export function longestProgression(sortedFen: bigint[]): Progression | null {
  const distinct = [...new Set(sortedFen)];
  const index = new Map(distinct.map((v, i) => [v, i]));
  const n = distinct.length;
  let best: Progression | null = null;
  const better = (p: Progression) =>
    !best || p.members.length > best.members.length || (p.members.length === best.members.length && p.kind === 'ARITHMETIC' && best.kind === 'GEOMETRIC');
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      // arithmetic: exact steps in fen
      const d = distinct[j] - distinct[i];
      const arith = [i, j];
      for (let next = distinct[j] + d; index.has(next); next += d) arith.push(index.get(next)!);
      if (arith.length >= THRESHOLDS.progressionMinLength) {
        const p: Progression = { kind: 'ARITHMETIC', members: arith, step: fromFen(d) };
        if (better(p)) best = p;
      }
      // geometric: b(k+1) ≈ b(k)·r within the rounding of the fen
      if (distinct[i] <= 0n) continue;
      const r = Number(distinct[j]) / Number(distinct[i]);
      const geo = [i, j];
      let last = j;
      for (;;) {
        const predicted = Number(distinct[last]) * r;
        const tol = THRESHOLDS.geometricToleranceFen + THRESHOLDS.geometricToleranceRelative * predicted;
        const k = nearestIndex(distinct, predicted, last + 1);
        if (k < 0 || Math.abs(Number(distinct[k]) - predicted) > tol) break;
        geo.push(k);
        last = k;
      }
      if (geo.length >= THRESHOLDS.progressionMinLength) {
        const p: Progression = { kind: 'GEOMETRIC', members: geo, step: r.toFixed(6) };
        if (better(p)) best = p;
      }
    }
  }
  if (best) {
    // Report indices into the caller's (non-distinct) sorted array.
    const firstIndex = new Map<bigint, number>();
    sortedFen.forEach((v, i) => (firstIndex.has(v) ? undefined : firstIndex.set(v, i)));
    const b: Progression = best;
    return { ...b, members: b.members.map((m) => firstIndex.get(distinct[m])!) };
  }
  return null;
}

/** The index ≥ from of the value closest to `target` in an ascending array, or -1 when from is past the end. */
function nearestIndex(sorted: bigint[], target: number, from: number): number {
  let lo = from;
  let hi = sorted.length - 1;
  if (lo > hi) return -1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (Number(sorted[mid]) < target) lo = mid + 1;
    else hi = mid;
  }
  if (lo > from && Math.abs(Number(sorted[lo - 1]) - target) < Math.abs(Number(sorted[lo]) - target)) return lo - 1;
  return lo;
}

/** TBR Art. 40(4): the prices of different bidders differ by a regular pattern (equal steps or equal ratios). */
export function regularPricePattern(input: TenderFlagInput, bids = pricedBids(input)): FlagDraft[] {
  const p = longestProgression(bids.map((b) => b.fen));
  if (!p) return [];
  // Identical prices are IDENTICAL_PRICES; a progression names one bid per distinct price.
  const members = p.members.map((i) => bids[i]);
  const severity: Severity = members.length >= THRESHOLDS.progressionHighLength ? 'HIGH' : 'MEDIUM';
  return [
    draft(
      input,
      FlagCode.REGULAR_PRICE_PATTERN,
      severity,
      members.map((m) => m.organizationId),
      {
        kind: p.kind,
        ...(p.kind === 'ARITHMETIC' ? { step: p.step } : { ratio: p.step }),
        length: members.length,
        bids: members.map((m) => ({ bidId: m.bidId, organizationId: m.organizationId, price: fromFen(m.fen) })),
        totalBids: bids.length,
      },
    ),
  ];
}

/**
 * Every decrypted bid within THRESHOLDS.closeToCeilingBand below the price ceiling (最高投标限价, TBR Art. 27):
 * bidders that do not compete all price at the cap (collusion.md §2).
 */
export function closeToCeiling(input: TenderFlagInput, bids = pricedBids(input)): FlagDraft[] {
  if (!input.priceCeiling || bids.length < THRESHOLDS.closeToCeilingMinBids) return [];
  const ceiling = toFen(input.priceCeiling);
  // floor = ceiling × (1 − band), in fen, rounded up so that the band is never widened
  const [, frac = ''] = THRESHOLDS.closeToCeilingBand.split('.');
  const scale = 10n ** BigInt(frac.length);
  const bandUnits = BigInt(frac || '0');
  const floor = (ceiling * (scale - bandUnits) + scale - 1n) / scale;
  const all = bids.every((b) => b.fen <= ceiling && b.fen >= floor);
  if (!all) return [];
  const lowest = bids[0].fen;
  return [
    draft(
      input,
      FlagCode.CLOSE_TO_CEILING,
      'MEDIUM',
      bids.map((b) => b.organizationId),
      {
        priceCeiling: fromFen(ceiling),
        band: THRESHOLDS.closeToCeilingBand,
        floor: fromFen(floor),
        lowest: fromFen(lowest),
        highest: fromFen(bids[bids.length - 1].fen),
        bids: bids.length,
      },
    ),
  ];
}

/** The zero-shot default: no labelled cases, no validated direction. */
export const ZERO_SHOT_UNVALIDATED: PriceScreenMode = { mode: 'ZERO_SHOT', validated: false, labelledTenders: 0, minLabelledTenders: 0 };

/**
 * The price screen (docs/COLLUSION_SCREENS.md). A statistical risk signal only.
 * - SUPERVISED (the market has a model trained on its closed cases): PRICE_SCREEN when the learned score reaches
 *   the model's threshold; the evidence names the model version, its training size, its cross-validated AUC and the
 *   screens that contributed most for this tender.
 * - ZERO_SHOT (too few labelled cases): the unsupervised score calibrated on the market (`calibration`). Collusion
 *   moves the screens in different directions in different markets, so it raises PRICE_SCREEN only when its
 *   direction is validated for this kind of market; otherwise a tender that reaches the threshold gets a
 *   PRICE_SCREEN_REVIEW entry: a ranking for review, no warning.
 */
export function priceScreen(
  input: TenderFlagInput,
  bids = pricedBids(input),
  calibration: MarketCalibration = DEFAULT_CALIBRATION,
  mode: PriceScreenMode = ZERO_SHOT_UNVALIDATED,
): FlagDraft[] {
  if (bids.length === 0) return [];
  const round = (x: number | null) => (x === null ? null : Math.round(x * 1e6) / 1e6);
  if (mode.mode === 'SUPERVISED') {
    const l = mode.learned;
    if (!l || !l.flag) return [];
    return [
      draft(
        input,
        FlagCode.PRICE_SCREEN,
        l.score >= Math.max(THRESHOLDS.priceScreenMediumScore, l.threshold) ? 'MEDIUM' : 'LOW',
        bids.map((b) => b.organizationId),
        {
          mode: 'SUPERVISED',
          score: round(l.score),
          threshold: round(l.threshold),
          model: { ...l.model, cvAuc: round(l.model.cvAuc) },
          topScreens: l.contributions.map((c) => ({ screen: c.feature, contribution: round(c.contribution), value: round(c.value) })),
          method: 'docs/COLLUSION_SCREENS.md',
        },
      ),
    ];
  }
  const result = scoreTender(
    bids.map((b) => Number(b.fen)),
    { calibration },
  );
  if (!result.flag || result.score === null) return [];
  const s = result.screens;
  const code = mode.validated ? FlagCode.PRICE_SCREEN : FlagCode.PRICE_SCREEN_REVIEW;
  const severity: Severity = mode.validated && result.score >= THRESHOLDS.priceScreenMediumScore ? 'MEDIUM' : 'LOW';
  return [
    draft(
      input,
      code,
      severity,
      bids.map((b) => b.organizationId),
      {
        mode: mode.validated ? 'ZERO_SHOT_VALIDATED' : 'ZERO_SHOT_REVIEW_ONLY',
        ...(mode.validated
          ? {}
          : {
              note: '本市场已结案件不足，筛查方向未经验证：仅供复核排序，不构成串通预警 (too few closed cases in this market and no validated direction: a ranking for review only, not a warning)',
            }),
        labelledTenders: mode.labelledTenders,
        minLabelledTenders: mode.minLabelledTenders,
        score: round(result.score),
        threshold: PRODUCTION_THRESHOLD,
        reasons: result.reasons,
        screens: {
          n: s.n,
          distinct: s.distinct,
          cv: round(s.cv),
          spd: round(s.spd),
          diffp: round(s.diffp),
          rd: round(s.rd),
          kurt: round(s.kurt),
          skew: round(s.skew),
          kstest: round(s.kstest),
        },
        calibration: calibrationEvidence(calibration),
        method: 'docs/COLLUSION_SCREENS.md',
      },
    ),
  ];
}

/**
 * Which calibration the score used: 'market' (calibrated on `tenders` eligible tenders of the market's history),
 * 'fallback' (fewer than minTenders: the fixed defaults) or 'default' (no history was given).
 */
export function calibrationEvidence(c: MarketCalibration): Record<string, unknown> {
  const round = (x: number | null) => (x === null ? null : Math.round(x * 1e6) / 1e6);
  return {
    source: c.source,
    tenders: c.tenders,
    minTenders: c.minTenders,
    tailShare: c.tailShare,
    referenceCv: round(referenceCv(c)),
    marketMedianCv: round(marketMedianCv(c)),
  };
}

export const PRICE_RULES = [identicalPrices, regularPricePattern, closeToCeiling, priceScreen];
