/**
 * The collusion-flag engine's input and output records (串通投标监测). Plain data, no Nest, no database: the flags
 * service loads them after opening and the benchmark synthesises them.
 */

/** API.md "Collusion flags and supervision" codes, plus the cardinal-rs price indicators and expert scoring. */
export enum FlagCode {
  SAME_DEVICE = 'SAME_DEVICE',
  SAME_IP = 'SAME_IP',
  SAME_PAYER_ACCOUNT = 'SAME_PAYER_ACCOUNT',
  PAYER_NOT_BASIC_ACCOUNT = 'PAYER_NOT_BASIC_ACCOUNT',
  SAME_LEGAL_REPRESENTATIVE = 'SAME_LEGAL_REPRESENTATIVE',
  IDENTICAL_ATTACHMENT = 'IDENTICAL_ATTACHMENT',
  SAME_DOCUMENT_AUTHOR = 'SAME_DOCUMENT_AUTHOR',
  IDENTICAL_PRICES = 'IDENTICAL_PRICES',
  REGULAR_PRICE_PATTERN = 'REGULAR_PRICE_PATTERN',
  PRICE_SCREEN = 'PRICE_SCREEN',
  /**
   * The unsupervised price screen's ranking in a market without enough labelled cases and without a validated
   * direction (zero-shot): for review only, never a PRICE_SCREEN flag (docs/COLLUSION_SCREENS.md).
   */
  PRICE_SCREEN_REVIEW = 'PRICE_SCREEN_REVIEW',
  CLOSE_TO_CEILING = 'CLOSE_TO_CEILING',
  EXPERT_SCORING_ANOMALY = 'EXPERT_SCORING_ANOMALY',
  SERIAL_LOSER = 'SERIAL_LOSER',
  BID_ROTATION = 'BID_ROTATION',
  CO_BIDDING_RING = 'CO_BIDDING_RING',
  /** cardinal-rs R024 "Price close to winning bid". */
  PRICE_CLOSE_TO_WINNING_BID = 'PRICE_CLOSE_TO_WINNING_BID',
  /** cardinal-rs R058 "Heavily discounted bid". */
  HEAVILY_DISCOUNTED_BID = 'HEAVILY_DISCOUNTED_BID',
  /** cardinal-rs R030 "Late bid won". */
  LATE_BID_WON = 'LATE_BID_WON',
  /** cardinal-rs R035 "All except winning bid disqualified". */
  ALL_EXCEPT_WINNER_DISQUALIFIED = 'ALL_EXCEPT_WINNER_DISQUALIFIED',
  /** cardinal-rs R036 "Lowest bid disqualified". */
  LOWEST_BID_DISQUALIFIED = 'LOWEST_BID_DISQUALIFIED',
  /** cardinal-rs R038 "Excessive disqualified bids". */
  EXCESSIVE_DISQUALIFIED_BIDS = 'EXCESSIVE_DISQUALIFIED_BIDS',
}

export const FLAG_CODES = Object.values(FlagCode) as FlagCode[];

export type Severity = 'LOW' | 'MEDIUM' | 'HIGH';
export const SEVERITIES: Severity[] = ['LOW', 'MEDIUM', 'HIGH'];

export type Regime = 'ENGINEERING' | 'GOV_PROCUREMENT';

/** One flag as the engine produces it (the service adds id, tender, computedAt). */
export interface FlagDraft {
  code: FlagCode;
  severity: Severity;
  /** Organisation ids of the bidders the flag names, sorted. */
  bidderIds: string[];
  /** Expert ids (EXPERT_SCORING_ANOMALY), sorted. */
  expertIds: string[];
  /** Tenders the evidence rests on (the tender itself for per-tender flags). */
  tenderIds: string[];
  evidence: Record<string, unknown>;
  legalBasis: string;
}

/** One bid that was opened at the deadline (withdrawn-before-deadline bids are never opened and never seen here). */
export interface BidRecord {
  bidId: string;
  organizationId: string;
  /** OPENED, DECRYPTED, REVOKED or WITHDRAWN (a decryption failure that was not the bidder's fault). */
  status: string;
  /** Epoch milliseconds of receipt. */
  receivedAt: number;
  ip: string;
  deviceId: string;
  macAddresses: string[];
  documentAuthor: string | null;
  attachmentSha256s: string[];
  /** Decimal string, DECRYPTED bids only. */
  price: string | null;
  /** 标段: the lot bid for (absent or 1 on a tender without lots). */
  lotNo?: number;
}

export interface OrganizationRecord {
  id: string;
  name: string;
  legalRepresentative: string;
  basicAccountNo: string;
}

/** A bid-security payment matched to a bidder of the tender (bid-security module). */
export interface PaymentRecord {
  organizationId: string;
  payerAccountNo: string;
  payerName: string;
  /** Null when the bank notification could not be compared (unknown). */
  payerIsBasicAccount: boolean | null;
  txnId: string;
  /** 标段: the lot the security was paid for (absent or 1 on a tender without lots). */
  lotNo?: number;
}

/** One evaluator's total subjective score for one bid (sum of its factor scores). */
export interface ScoreRecord {
  memberId: string;
  /** Null for the procuring entity's representative (ENTITY_REP). */
  expertId: string | null;
  memberKind: 'EXPERT' | 'ENTITY_REP';
  bidId: string;
  organizationId: string;
  total: number;
}

/** Everything the engine needs about one tender, after its opening. */
export interface TenderFlagInput {
  tenderId: string;
  regime: Regime;
  /**
   * The trading centre's class of business (TenderCategory). With the regime it names the tender's market, whose
   * history calibrates the price screen (absent in synthetic inputs that are not calibrated).
   */
  category?: string;
  /** 最高投标限价, decimal string. */
  priceCeiling: string | null;
  bids: BidRecord[];
  organizations: OrganizationRecord[];
  payments: PaymentRecord[];
  /** SHA-256 of the tender's own documents: an attachment equal to one of them is the template, not collusion. */
  tenderDocumentSha256s: string[];
  /** Evaluators' scores (COMPREHENSIVE_SCORING), empty before evaluation. */
  scores: ScoreRecord[];
  /** Σ maxScore of the tender's scoring factors (0 when none). */
  maxTotalScore: number;
}

/** One awarded tender of the history (cross-tender flags). */
export interface AwardedTenderRecord {
  tenderId: string;
  /** Epoch milliseconds of the notice of award. */
  awardedAt: number;
  winnerOrganizationId: string;
  /** DECRYPTED bids only ("valid bids" in cardinal-rs terms, unless `disqualified`). */
  bids: Array<{
    organizationId: string;
    price: string;
    /** Epoch milliseconds of receipt (R030); absent in synthetic inputs. */
    receivedAt?: number;
    /** Rejected by the evaluation report (否决投标 / 投标无效): cardinal-rs "disqualified" (R035, R036, R038). */
    disqualified?: boolean;
  }>;
  /** The procuring entity (R038 at the procuring-entity level). */
  procuringEntityId?: string;
  /** Epoch milliseconds of the bid deadline as it finally stood (R030). */
  bidDeadline?: number;
  /** Awarded on price alone (经评审的最低投标价法): the premise of R036. */
  priceOnly?: boolean;
  /** The evaluation report is known (R035, R036, R038 read `disqualified` only then). */
  evaluated?: boolean;
}

/** The learning screen's result for one tender (screens/learning), computed by the flags service. */
export interface LearnedPriceScreen {
  score: number;
  flag: boolean;
  threshold: number;
  /** The features that moved this tender's score most (occlusion against the market's training medians). */
  contributions: Array<{ feature: string; contribution: number; value: number | null }>;
  model: {
    version: number;
    selected: string;
    trainingSize: number;
    positives: number;
    cvAuc: number;
    trainedAt: string;
    structuralFeatures: boolean;
  };
}

/**
 * How the tender's price screen runs: SUPERVISED with the market's learned model, or ZERO_SHOT (too few labelled
 * cases): the unsupervised score, a PRICE_SCREEN flag only when its direction is validated for the market's kind,
 * otherwise a PRICE_SCREEN_REVIEW ranking entry for review only.
 */
export type PriceScreenMode =
  /** `learned` null: the market has a model but the tender has fewer than 4 distinct prices (no score, no flag). */
  { mode: 'SUPERVISED'; learned: LearnedPriceScreen | null; modelVersion: number } | { mode: 'ZERO_SHOT'; validated: boolean; labelledTenders: number; minLabelledTenders: number };
