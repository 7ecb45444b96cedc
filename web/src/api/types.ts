/** Shapes of the public API (API.md; the OpenAPI document at /docs has the rest). */
export type Role = 'ADMIN' | 'PROCURING_ENTITY' | 'BIDDER' | 'EXPERT' | 'SUPERVISOR';

export const ROLE_TEXT: Record<Role, string> = {
  ADMIN: '系统管理员',
  PROCURING_ENTITY: '招标人',
  BIDDER: '投标人',
  EXPERT: '评标专家',
  SUPERVISOR: '监管人员',
};

export interface OrganizationView {
  id: string;
  name: string;
  uscc: string;
  legalRepresentative?: string;
}

export interface Me {
  userId: string;
  username: string;
  role: Role;
  organizationId: string | null;
  organization: OrganizationView | null;
}

export interface Paged<T> {
  items: T[];
  total: number;
}

export type TenderStatus = 'DRAFT' | 'PUBLISHED' | 'OPENING' | 'EVALUATION' | 'PUBLICITY' | 'AWARDED' | 'CONTRACTED' | 'FAILED' | 'CANCELLED';

export interface EvaluationFactor {
  code: string;
  name: string;
  maxScore: number;
}

/** GET /tenders/{id} (TenderView). */
export interface Tender {
  id: string;
  status: TenderStatus;
  title: string;
  description: string | null;
  category: string;
  regime: 'ENGINEERING' | 'GOV_PROCUREMENT';
  method: 'OPEN' | 'INVITED';
  budget: string;
  priceCeiling: string | null;
  bidDeadline: string;
  bidSecurityAmount: string;
  decryption: { mode: 'BIDDER' | 'ESCROW' | 'BIDDER_WITH_ESCROW_FALLBACK'; windowMinutes: number };
  evaluation: { method: 'LOWEST_EVALUATED_PRICE' | 'COMPREHENSIVE_SCORING'; priceWeight: string | null; factors: EvaluationFactor[] };
  panel: { size: number; specialties: Array<{ code: string; count: number }> };
  /** 标段 (empty: a tender without lots, one lot). `bidSecurityAmount`: the lot's own security. */
  lots: Array<{ lotNo: number; title: string; budget: string; bidSecurityAmount?: string; status?: 'ACTIVE' | 'FAILED' }>;
  procuringEntityId: string;
  publishedAt: string | null;
  suspended: boolean;
  statusReason: string | null;
  openedAt: string | null;
  decryptionWindowEndsAt: string | null;
  /** The v2 fields (docs/SEALED_BID_FORMAT.md v2.1, v2.10): the suites accepted for v2 uploads, their escrow keys. */
  sealing: { version: 'v1'; escrowPublicKey: string | null; acceptedSuites?: string[]; escrowPublicKeySm2?: string | null; maxBidFileBytes?: number };
  createdAt: string;
  updatedAt: string;
}

export interface TenderDocument {
  id: string;
  name: string;
  version: number;
  current: boolean;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  amendmentId: string | null;
  uploadedAt: string;
}

export interface Amendment {
  id: string;
  seq: number;
  kind: string;
  text: string;
  previousBidDeadline: string;
  bidDeadline: string;
  deadlineMoved: boolean;
  publishedAt: string;
  documents: TenderDocument[];
}

export interface BidReceiptView {
  bidId: string;
  version: number;
  receivedAt: string;
  ciphertextSha256: string;
  signature: string;
}

/** One line of GET /bids/mine (我的投标). */
export interface MyBidSummary {
  bidId: string;
  tenderId: string;
  /** 标段 (1 on a tender without lots). */
  lotNo?: number;
  tenderTitle: string;
  tenderStatus: string;
  bidDeadline: string;
  version: number;
  status: MyBid['status'];
  receivedAt: string;
}

/** GET /tenders/{id}/bids/mine. */
export interface MyBid extends BidReceiptView {
  tenderId: string;
  bidderOrganizationId: string;
  keyCommitment: string;
  status: 'SUBMITTED' | 'WITHDRAWN' | 'OPENED' | 'DECRYPTED' | 'REVOKED';
  withdrawnAt: string | null;
  hasEscrowedKey: boolean;
  price: string | null;
  statusReason: string | null;
  /** Present when the current version is format v2 (docs/SEALED_BID_FORMAT.md v2.10). */
  formatVersion?: 2;
  suite?: string | null;
  /** Format v2: the rest of the envelope its receipt signs (SEALED_BID_FORMAT.md v2.5), to re-verify the receipt. */
  envelope?: { segmentSize: number; ciphertextLength: number; noncePrefix: string; escrowedKey: string | null };
  envelopeSha256?: string;
  envelopeSignature?: string;
}

export interface BidSecurityAccount {
  virtualAccountNo: string;
  amount: string;
}

export interface MyBidSecurity {
  status: 'UNPAID' | 'PAID' | 'REFUND_DUE' | 'REFUNDED' | 'FORFEITED';
  paidAmount: string;
  requiredAmount: string;
  virtualAccountNo: string | null;
}

/** GET /tenders/{id}/opening-hall. */
export interface OpeningHall {
  tenderId: string;
  title: string;
  status: TenderStatus;
  phase: 'DECRYPTING' | 'ANNOUNCED';
  bidDeadline: string;
  openedAt: string;
  decryptionMode: string;
  decryptionWindowEndsAt: string | null;
  windowClosedAt: string | null;
  serverTime: string;
  /** `lotNo`: the bid's 标段, on a tender with lots only. */
  bids: Array<{ seq: number; bidId: string; bidderName: string; lotNo?: number; status: string; decryptedAt: string | null; price: string | null; mine: boolean }>;
  summary: { received: number; pending: number; decrypted: number; withdrawn: number; revoked: number };
}
