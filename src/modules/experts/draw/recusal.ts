/**
 * Why an expert of the right specialty is not a candidate of a round (回避, Recusal). The first six are recusal
 * grounds; the last two keep the record honest about everyone else left out. (A disabled expert is not in the
 * pool at all and is not listed.)
 */
export enum RecusalReason {
  /** Employed by the procuring entity (TBL Art. 37; PB12 Art. 12(2): staff of the project's tenderer). */
  EMPLOYER_IS_PROCURING_ENTITY = 'EMPLOYER_IS_PROCURING_ENTITY',
  /** Employed by a bidder (PB12 Art. 12(3): an economic interest; GPR Art. 9: employed by the supplier). */
  EMPLOYER_IS_BIDDER = 'EMPLOYER_IS_BIDDER',
  /** A declared conflict (close relative, interest...) with the procuring entity (PB12 Art. 12; GPR Art. 9). */
  DECLARED_CONFLICT_PROCURING_ENTITY = 'DECLARED_CONFLICT_PROCURING_ENTITY',
  /** A declared conflict with a bidder (PB12 Art. 12(1)(3); GPR Art. 9). */
  DECLARED_CONFLICT_BIDDER = 'DECLARED_CONFLICT_BIDDER',
  /** Served on a panel of the same procuring entity within the configured recent period (EXPERT_RECENT_SERVICE_DAYS). */
  RECENT_SERVICE_SAME_PROCURING_ENTITY = 'RECENT_SERVICE_SAME_PROCURING_ENTITY',
  /** Holds a seat (invited or accepted) on another panel that has not finished. */
  OVERLAPPING_PANEL = 'OVERLAPPING_PANEL',
  /** Already selected in this draw (declined, timed out, replaced, sitting, or earlier in this round). */
  ALREADY_SELECTED = 'ALREADY_SELECTED',
  /** Declared unavailable. */
  UNAVAILABLE = 'UNAVAILABLE',
}

export interface EligibilityInput {
  tenderId: string;
  procuringEntityId: string;
  procuringEntityUscc: string;
  bidderUsccs: string[];
  recentServiceDays: number;
  /** Experts selected earlier in this draw (any status), and earlier in this round. */
  alreadySelected: ReadonlySet<string>;
}

export interface RecordedCandidates {
  roundId: string;
  specialty: string;
  seats: number;
  count: number;
  candidatesSha256: string;
  excluded: number;
}

export interface RoundSpec {
  drawId: string;
  round: number;
  reason: 'INITIAL' | 'REPLACEMENT';
  replacesMemberId: string | null;
  /** In the tender's order. */
  specialties: Array<{ specialty: string; seats: number }>;
}

/**
 * expert-draw-v2: of the given candidates, those who may not take a seat now, with the reason — the only ways the
 * live pool can act on a v2 round (it can remove a candidate next in line, never add one).
 */
export interface Ineligibility {
  reason: 'DISABLED' | 'UNAVAILABLE' | 'RECUSED' | 'OVERLAPPING_PANEL';
  by: string;
  note: string | null;
}
