/** All flags of one tender from its inputs after opening: structural, price and expert-scoring rules. Pure. */
import { DEFAULT_CALIBRATION, MarketCalibration } from '../../screens';
import { expertScoringAnomaly } from './expert-scoring';
import { FlagDraft, TenderFlagInput } from './flag.types';
import { closeToCeiling, identicalPrices, priceScreen, pricedBids, regularPricePattern } from './prices';
import { STRUCTURAL_RULES } from './structural';

export interface TenderFlagOptions {
  /** The price screen's calibration for the tender's market (without the tender itself); the fixed defaults if absent. */
  calibration?: MarketCalibration;
}

export function computeTenderFlags(input: TenderFlagInput, options: TenderFlagOptions = {}): FlagDraft[] {
  const bids = pricedBids(input);
  return sortFlags([
    ...STRUCTURAL_RULES.flatMap((rule) => rule(input)),
    ...identicalPrices(input, bids),
    ...regularPricePattern(input, bids),
    ...closeToCeiling(input, bids),
    ...priceScreen(input, bids, options.calibration ?? DEFAULT_CALIBRATION),
    ...expertScoringAnomaly(input),
  ]);
}

const SEVERITY_RANK = { HIGH: 0, MEDIUM: 1, LOW: 2 } as const;

/** Most severe first, then by code and bidders: a stable order for storage, the API and the PDF. */
export function sortFlags(flags: FlagDraft[]): FlagDraft[] {
  const key = (f: FlagDraft) => `${SEVERITY_RANK[f.severity]}|${f.code}|${f.bidderIds.join(',')}|${f.expertIds.join(',')}|${f.tenderIds.join(',')}`;
  return [...flags].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
