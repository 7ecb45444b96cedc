/**
 * Shapes of the public API used by the expert, supervision, administration and statistics pages (API.md "Expert
 * pool", "Panel, evaluation, award", "Collusion flags and supervision", "Audit", "Additions (v1.1)"; the rest from
 * the OpenAPI document at /docs). Field names as the API has them. Kept apart from types.ts so that the two halves
 * of the console can grow without touching each other's lines.
 */
import type { Role } from './types';

// ── tenders (the parts these pages read) ───────────────────────────────────────────────────────────────────────
export interface EvaluationFactor {
  code: string;
  name: string;
  maxScore: number;
}

export interface TenderHead {
  id: string;
  status: string;
  title: string;
  category: string;
  regime: 'ENGINEERING' | 'GOV_PROCUREMENT';
  budget: string;
  priceCeiling: string | null;
  bidDeadline: string;
  openedAt: string | null;
  evaluation: { method: 'LOWEST_EVALUATED_PRICE' | 'COMPREHENSIVE_SCORING'; priceWeight: string | null; factors: EvaluationFactor[] };
  panel: { size: number; specialties: Array<{ code: string; count: number }> };
}

// ── expert: assignments and evaluation ────────────────────────────────────────────────────────────────────────
export type AssignmentStatus = 'INVITED' | 'ACCEPTED' | 'DECLINED' | 'TIMED_OUT' | 'REPLACED' | 'RELEASED' | 'COMPLETED';

export interface Assignment {
  id: string;
  tenderId: string;
  tenderTitle: string;
  status: AssignmentStatus;
  specialty: string | null;
  respondBy: string | null;
  respondedAt: string | null;
}

export interface EvaluationBid {
  bidId: string;
  bidderName: string;
  price: string | null;
  durationDays?: number;
  attachments: Array<{ name: string; sha256: string }> | null;
  status: string;
  /** DECRYPTED with a price: the committee gives it a verdict. */
  evaluated: boolean;
  /** Above the price ceiling: rejected by the platform whatever the verdicts (TBR Art. 51(5)). */
  aboveCeiling: boolean;
}

export interface Verdict {
  bidId: string;
  qualified: boolean;
  reasons: string[];
  grounds: string[];
  factorScores: Record<string, number> | null;
  locked: boolean;
  updatedAt: string;
}

export interface MyVerdicts {
  signed: boolean;
  signedAt: string | null;
  verdicts: Verdict[];
}

export interface EvaluationProgress {
  tenderId: string;
  status: 'IN_PROGRESS' | 'AWAITING_COMPETITION_DECISION' | 'COMPLETED' | 'FAILED' | string;
  round: number;
  seats: number;
  sitting: number;
  invited: number;
  signed: number;
  reportVersion: number | null;
  finishedAt: string | null;
}

export type ClarificationKind = 'MINOR_DEVIATION' | 'CURABLE_DEFICIENCY' | 'ABNORMALLY_LOW_PRICE' | 'AMBIGUITY';

export interface Clarification {
  id: string;
  tenderId: string;
  bidId: string;
  kind: ClarificationKind;
  item: string;
  question: string;
  legalBasis: string;
  deadline: string;
  status: 'OPEN' | 'ANSWERED';
  expired: boolean;
  response: { text: string; attachments: Array<{ name: string; sha256: string }>; respondedAt: string } | null;
  panelDecision: { decision: string; note: string | null; decidedAt: string } | null;
  createdAt: string;
}

// ── supervision ───────────────────────────────────────────────────────────────────────────────────────────────
export type Severity = 'LOW' | 'MEDIUM' | 'HIGH';

export interface Flag {
  id: string;
  code: string;
  /** The server's Chinese description of the code. */
  name: string;
  severity: Severity;
  scope: 'TENDER' | 'HISTORY';
  tenderId: string | null;
  tenderIds: string[];
  bidderIds: string[];
  bidders: Array<{ organizationId: string; name: string }>;
  expertIds: string[];
  evidence: Record<string, unknown>;
  legalBasis: string;
  computedAt: string;
}

export type CaseStatus = 'OPEN' | 'INVESTIGATING' | 'DECIDED' | 'CLOSED';
export type PenaltyType = 'WARNING' | 'FINE' | 'DEBARMENT' | 'DISQUALIFICATION';
export type PenaltyGround = 'COLLUSION' | 'BIDDING_UNDER_ANOTHER_NAME' | 'EVALUATOR_MISCONDUCT';

export interface CaseSubject {
  organizationId?: string;
  expertId?: string;
  name: string;
}

export interface Penalty {
  id: string;
  organizationId: string | null;
  expertId: string | null;
  type: PenaltyType;
  ground: PenaltyGround;
  fineAmount: string | null;
  fineBase: string | null;
  fineBaseSource: string | null;
  debarmentMonths: number | null;
  effectiveFrom: string | null;
  effectiveUntil: string | null;
  legalBasis: string;
}

export interface SupervisionCase {
  id: string;
  tenderId: string;
  status: CaseStatus;
  flagCodes: string[];
  summary: string;
  evidence: Flag[];
  subjects: CaseSubject[];
  findings: string | null;
  penalties: Penalty[];
  openedBy: string;
  openedAt: string;
  investigatingAt: string | null;
  decidedAt: string | null;
  closedAt: string | null;
  version: number;
}

export interface AuditVerdict {
  valid: boolean;
  events: number;
  headHash: string;
  streams: number;
  brokenAt?: { stream: string; streamSeq: number; reason: string } | { sealed: true; reason: string };
}

// ── administration ────────────────────────────────────────────────────────────────────────────────────────────
export interface UserRow {
  id: string;
  username: string;
  role: Role;
  organizationId: string | null;
  organizationName: string | null;
  disabled: boolean;
  createdAt: string;
}

export interface Expert {
  id: string;
  userId: string;
  name: string;
  specialties: string[];
  region: string;
  employerUscc: string;
  title: string;
  titleEquivalenceNote: string | null;
  yearsOfExperience: number;
  status: 'ACTIVE' | 'DISABLED';
  disabledReason: string | null;
  disabledAt: string | null;
  available: boolean;
  unavailableUntil: string | null;
  conflicts: Array<{ id: string; uscc: string; reason: string }>;
  createdAt: string;
  updatedAt: string;
}

export interface HolidayDay {
  day: string;
  name: string;
}

export interface HolidayYear {
  year: number;
  source: string;
  loadedAt: string;
  holidays: HolidayDay[];
  workdays: HolidayDay[];
}

// ── statistics (API.md "Additions (v1.1)": binding shape) ─────────────────────────────────────────────────────
export interface Statistics {
  from: string;
  to: string;
  tenders: number;
  awarded: number;
  /** Money: decimal strings (CNY). */
  turnover: string;
  budgetTotal: string;
  /** (budget − award price) ÷ budget over awarded tenders, 4 decimals ("0.0734"). */
  savingsRate: string;
  /** Share of the tenders run electronically (a ratio; a number or a decimal string). */
  electronicShare: string | number;
  /** Mean calendar days from publication to award, one decimal. */
  averageCycleDays: string | number;
  byCategory: Array<{ category: string; tenders: number; turnover: string }>;
  byMonth: Array<{ month: string; tenders: number; turnover: string }>;
  penalties: { organizations: number; experts: number };
  /** Issue 19 (extra fields): projects traded offline, and the electronic share per class and sub-class. */
  offlineProjects?: number;
  bySubClass?: Array<{ category: string; subClass: string; name: string; electronic: number; offline: number; electronicShare: string | null }>;
}
