/** API.md "Tenders" statuses: DRAFT → PUBLISHED → OPENING → EVALUATION → PUBLICITY → AWARDED → CONTRACTED, FAILED, CANCELLED. */
export enum TenderStatus {
  DRAFT = 'DRAFT',
  PUBLISHED = 'PUBLISHED',
  OPENING = 'OPENING',
  EVALUATION = 'EVALUATION',
  PUBLICITY = 'PUBLICITY',
  AWARDED = 'AWARDED',
  CONTRACTED = 'CONTRACTED',
  /** Fewer than 3 bids, or all rejected: re-tender (TBL Art. 28, TBR Art. 44, PB12 Art. 27). */
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
}

export type TenderRegime = 'ENGINEERING' | 'GOV_PROCUREMENT';
export type TenderMethod = 'OPEN' | 'INVITED';
/** The forms of bid security a tender accepts (glossary #19 BidSecurity.form; #56 电子保函 ElectronicGuarantee). */
export const BID_SECURITY_FORMS = ['CASH', 'E_GUARANTEE'] as const;
export type BidSecurityForm = (typeof BID_SECURITY_FORMS)[number];
export type DecryptionMode = 'BIDDER' | 'ESCROW' | 'BIDDER_WITH_ESCROW_FALLBACK';
export type EvaluationMethod = 'LOWEST_EVALUATED_PRICE' | 'COMPREHENSIVE_SCORING';

/** The trading centre's classes of business (公共资源交易分类). */
export enum TenderCategory {
  /** 工程建设 */
  CONSTRUCTION_WORKS = 'CONSTRUCTION_WORKS',
  /** 货物 (政府采购 / 企业采购) */
  GOODS = 'GOODS',
  /** 服务 */
  SERVICES = 'SERVICES',
  /** 产权交易 */
  PROPERTY_RIGHTS = 'PROPERTY_RIGHTS',
  /** 土地使用权和矿业权出让 */
  LAND_AND_MINING_RIGHTS = 'LAND_AND_MINING_RIGHTS',
  /** 药品和医用耗材采购 */
  MEDICAL_SUPPLIES = 'MEDICAL_SUPPLIES',
  /** 其他 */
  OTHER = 'OTHER',
}

export interface EvaluationFactor {
  code: string;
  name: string;
  maxScore: number;
}

export interface PanelSpecialty {
  code: string;
  count: number;
}

/** 资格后审: one published qualification criterion (TBR Arts. 20, 49). */
export interface QualificationCriterion {
  code: string;
  type: 'QUALIFICATION_CERTIFICATE' | 'PAST_PERFORMANCE' | 'PROJECT_MANAGER' | 'FINANCIAL_STANDING' | 'CREDIT_RECORD' | 'OTHER';
  requirement: string;
  evidence: string;
}
