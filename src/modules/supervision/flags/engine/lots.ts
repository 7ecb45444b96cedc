/**
 * 标段: each lot of a tender is a competition of its own (its bids, its securities, its opening), and collusion among
 * bidders "on the same lot" is what the law names (TBR Art. 34 ¶2 "同一标段"; TBR Arts. 39–40 on "投标人" of one
 * bidding). A tender with lots is screened lot by lot: prices are compared only within a lot (two lots' identical
 * prices are no signal), and each flag names its lot in the evidence. Pure.
 */
import { type FlagDraft, type TenderFlagInput } from './flag.types';
import { computeTenderFlags, type TenderFlagOptions } from './tender-flags';

/** The lots among a tender's opened bids (a bid without lotNo is lot 1). */
export function lotsOf(input: TenderFlagInput): number[] {
  return [...new Set(input.bids.map((b) => b.lotNo ?? 1))].sort((a, b) => a - b);
}

/** The input of one lot: its bids, the bidders and payments of that lot, the scores of its bids. */
export function lotInput(input: TenderFlagInput, lotNo: number): TenderFlagInput {
  const bids = input.bids.filter((b) => (b.lotNo ?? 1) === lotNo);
  const orgs = new Set(bids.map((b) => b.organizationId));
  const bidIds = new Set(bids.map((b) => b.bidId));
  return {
    ...input,
    bids,
    organizations: input.organizations.filter((o) => orgs.has(o.id)),
    payments: input.payments.filter((p) => (p.lotNo ?? 1) === lotNo && orgs.has(p.organizationId)),
    scores: input.scores.filter((s) => bidIds.has(s.bidId)),
  };
}

/** computeTenderFlags, per lot when the tender's bids are on more than one lot (evidence.lotNo names it). */
export function computeFlagsPerLot(input: TenderFlagInput, options: TenderFlagOptions = {}): FlagDraft[] {
  const lots = lotsOf(input);
  if (lots.length <= 1) return computeTenderFlags(input, options);
  return lots.flatMap((lotNo) => computeTenderFlags(lotInput(input, lotNo), options).map((d) => ({ ...d, evidence: { lotNo, ...d.evidence } })));
}
