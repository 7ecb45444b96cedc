/** All flags of one tender from its inputs after opening: structural, price and expert-scoring rules. Pure. */
import { DEFAULT_CALIBRATION, type MarketCalibration } from '../../screens';
import type { StructuralIndicators } from '../../screens/learning/features';
import { expertScoringAnomaly } from './expert-scoring';
import { FlagCode, type FlagDraft, type PriceScreenMode, type TenderFlagInput } from './flag.types';
import { closeToCeiling, identicalPrices, priceScreen, pricedBids, regularPricePattern } from './prices';
import { STRUCTURAL_RULES } from './structural';

export interface TenderFlagOptions {
  /** The price screen's calibration for the tender's market (without the tender itself); the fixed defaults if absent. */
  calibration?: MarketCalibration;
  /** Supervised (the market's learned model) or zero-shot; zero-shot without a validated direction if absent. */
  priceScreen?: PriceScreenMode;
}

export function computeTenderFlags(input: TenderFlagInput, options: TenderFlagOptions = {}): FlagDraft[] {
  const bids = pricedBids(input);
  return sortFlags([
    ...STRUCTURAL_RULES.flatMap((rule) => rule(input)),
    ...identicalPrices(input, bids),
    ...regularPricePattern(input, bids),
    ...closeToCeiling(input, bids),
    ...priceScreen(input, bids, options.calibration ?? DEFAULT_CALIBRATION, options.priceScreen),
    ...expertScoringAnomaly(input),
  ]);
}

/** The structural flags of a tender that the learning screen takes as features (structural signals first). */
export function structuralIndicators(input: TenderFlagInput): StructuralIndicators {
  const codes = new Set([...STRUCTURAL_RULES.flatMap((rule) => rule(input)), ...identicalPrices(input)].map((f) => f.code));
  return {
    sameDevice: codes.has(FlagCode.SAME_DEVICE),
    sameIp: codes.has(FlagCode.SAME_IP),
    samePayerAccount: codes.has(FlagCode.SAME_PAYER_ACCOUNT),
    sameDocumentAuthor: codes.has(FlagCode.SAME_DOCUMENT_AUTHOR),
    sameLegalRepresentative: codes.has(FlagCode.SAME_LEGAL_REPRESENTATIVE),
    identicalAttachment: codes.has(FlagCode.IDENTICAL_ATTACHMENT),
    identicalPrices: codes.has(FlagCode.IDENTICAL_PRICES),
  };
}

const SEVERITY_RANK = { HIGH: 0, MEDIUM: 1, LOW: 2 } as const;

/** Most severe first, then by code and bidders: a stable order for storage, the API and the PDF. */
export function sortFlags(flags: FlagDraft[]): FlagDraft[] {
  const key = (f: FlagDraft) => `${SEVERITY_RANK[f.severity]}|${f.code}|${f.bidderIds.join(',')}|${f.expertIds.join(',')}|${f.tenderIds.join(',')}`;
  return [...flags].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
