import { type EntityManager } from 'typeorm';

/**
 * Is this bidder barred from bidding? A supervision decision may debar a company for 1–3 years for collusion,
 * bribery or bidding under another's name (TBL Arts. 53–54; TBR Arts. 67–68; GPL Art. 77). Provided by the
 * supervision module; asked by the sealed-bids module in the storing transaction.
 */
export abstract class BidderEligibilityGate {
  abstract activeDebarment(manager: EntityManager, organizationId: string): Promise<{ caseId: string; until: string; legalBasis: string } | null>;
}
