/**
 * The numbers of the law, in one place, each with the article it comes from (domain/regulations.md §6).
 * Durations in the ENGINEERING regime are calendar days ("日"); GOV_PROCUREMENT often counts working days (工作日).
 * Articles: TBL = 招标投标法, TBR = 招标投标法实施条例, GPL = 政府采购法, GPR = 政府采购法实施条例,
 * MOF87 = 财政部令第87号, PB12 = 评标委员会和评标方法暂行规定, EB20 = 电子招标投标办法.
 */
export type Regime = 'ENGINEERING' | 'GOV_PROCUREMENT';

export const ENGINEERING_RULES = {
  minBidPrepDays: 20, // TBL Art. 24
  docSaleMinDays: 5, // TBR Art. 16
  prequalAfterSaleMinDays: 5, // TBR Art. 17
  amendMinDaysBeforeDeadline: 15, // TBR Art. 21
  amendPrequalMinDays: 3, // TBR Art. 21
  objectionDocsMinDaysBefore: 10, // TBR Art. 22
  objectionPrequalMinDaysBefore: 2, // TBR Art. 22
  objectionAnswerDays: 3, // TBR Art. 22
  minBidders: 3, // TBL Art. 28, TBR Art. 44
  bidSecurityMaxRatio: '0.02', // TBR Art. 26
  bidSecurityMaxCnyWorks: '800000.00', // BID30 Art. 37 (status M/S in regulations.md)
  withdrawRefundDays: 5, // TBR Art. 35
  refundAfterContractDays: 5, // TBR Art. 57 (+ bank interest)
  performanceSecurityMaxRatio: '0.10', // TBR Art. 58
  committeeMin: 5, // TBL Art. 37
  expertMinShareNumerator: 2, // TBL Art. 37: experts ≥ 2/3
  expertMinShareDenominator: 3,
  expertMinYears: 8, // TBL Art. 37; PB12 Art. 11: ≥ 8 years in the field and a senior title
  maxCandidates: 3, // TBR Art. 53
  publicityWithinDays: 3, // TBR Art. 54
  publicityMinDays: 3, // TBR Art. 54
  resultObjectionAnswerDays: 3, // TBR Art. 54
  contractWithinDays: 30, // TBL Art. 46
  reportToAuthorityDays: 15, // TBL Art. 47
  complaintWithinDays: 10, // TBR Art. 60
  complaintAcceptWorkingDays: 3, // TBR Art. 61
  complaintDecideWorkingDays: 30, // TBR Art. 61
} as const;

export const GOV_PROCUREMENT_RULES = {
  minBidPrepDays: 20, // GPL Art. 35
  docProvideMinWorkingDays: 5, // GPR Art. 31, MOF87 Art. 16
  noticeWorkingDays: 5, // MOF87 Art. 18
  amendMinDaysBeforeDeadline: 15, // GPR Art. 31
  minBidders: 3, // MOF87 Arts. 41, 43
  bidSecurityMaxRatioOfBudget: '0.02', // GPR Art. 33 (non-cash only)
  refundLosersWorkingDays: 5, // MOF87 Art. 38
  refundWinnerWorkingDays: 5, // MOF87 Art. 38
  withdrawRefundWorkingDays: 5, // MOF87 Art. 38
  terminationRefundWorkingDays: 5, // MOF87 Art. 29 (with the interest earned)
  lateRefundRateMarkup: '0.20', // MOF87 Art. 38
  committeeMin: 5, // MOF87 Art. 47
  committeeMinLarge: 7, // MOF87 Art. 47
  largeBudgetCny: '10000000.00', // MOF87 Art. 47
  priceWeightMinGoods: '0.30', // MOF87 Art. 55
  priceWeightMinServices: '0.10', // MOF87 Art. 55
  maxCandidates: 3, // MOF87 Art. 68
  reportToPurchaserWorkingDays: 2, // GPR Art. 43
  decideWinnerWorkingDays: 5, // MOF87 Art. 68
  awardNoticeWithinWorkingDays: 2, // MOF87 Art. 69
  awardNoticePeriodWorkingDays: 1, // MOF87 Art. 69
  contractWithinDays: 30, // GPL Art. 46
  inquiryAnswerWorkingDays: 3, // GPR Art. 52
  challengeWithinWorkingDays: 7, // GPL Art. 52
  challengeAnswerWorkingDays: 7, // GPL Art. 53
  complaintWithinWorkingDays: 15, // GPL Art. 55
  complaintDecideWorkingDays: 30, // GPL Art. 56
  complaintSuspensionMaxDays: 30, // GPL Art. 57: a suspension ordered while handling a complaint lasts at most 30 days
  retentionYears: 15, // GPL Art. 42
} as const;

/**
 * The PLATFORM's rules, not the law's: sane upper bounds the statutes do not set, so that a typo or a hostile
 * request (a deadline on 9999-12-31) cannot park a tender, a timed event or a period for ever. They apply in every
 * mode (LEGAL_PERIODS=relaxed relaxes only the statutory minimum periods).
 */
export const PLATFORM_RULES = {
  /** No bid deadline (at drafting, publication or amendment) more than this many days ahead. */
  maxDeadlineAheadDays: 366,
} as const;

/** The minimum number of bids for an opening to go ahead (TBL Art. 28; TBR Art. 44; MOF87 Art. 41). */
export const MIN_BIDS_TO_OPEN = 3;

/**
 * What a supervisory department may impose and how fast it must handle a complaint (regulations.md §1.10, §1.12).
 * Fines are a share of the project's contract amount (TBR Art. 67 ¶1: a losing bidder's fine is computed on the
 * tender's contract amount); debarments are counted in whole months.
 */
export const SUPERVISION_RULES = {
  fineMinRatio: '0.005', // TBL Arts. 53, 54; GPL Art. 77: 0.5 %–1 % of the project amount
  fineMaxRatio: '0.01', // TBL Arts. 53, 54; GPL Art. 77
  collusionDebarmentMinMonths: 12, // TBR Art. 67: 1–2 years
  collusionDebarmentMaxMonths: 24, // TBR Art. 67
  underAnotherNameDebarmentMinMonths: 12, // TBR Art. 68: 1–3 years
  underAnotherNameDebarmentMaxMonths: 36, // TBR Art. 68
  procurementDebarmentMinMonths: 12, // GPL Art. 77: 1–3 years
  procurementDebarmentMaxMonths: 36, // GPL Art. 77
  procurementComplaintReviewWorkingDays: 5, // MOF94 (status S in regulations.md): the finance department reviews within 5 working days
} as const;
