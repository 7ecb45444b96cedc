import { ENGINEERING_RULES, GOV_PROCUREMENT_RULES, type Regime } from 'src/common/law/regulations';

export type PeriodUnit = 'CALENDAR_DAYS' | 'WORKING_DAYS';

/** Why money held on a bid-security sub-account goes back. */
export enum RefundReason {
  /** 撤回: the bid was withdrawn before the deadline. */
  WITHDRAWAL = 'WITHDRAWAL',
  /** 终止招标 / 流标: the tender was cancelled or failed. */
  TERMINATION = 'TERMINATION',
  /** Procurement: a bidder not awarded, once the notice of award is issued. */
  NOT_AWARDED = 'NOT_AWARDED',
  /** The contract was signed: everyone still held. */
  CONTRACT_SIGNED = 'CONTRACT_SIGNED',
  /** What was paid beyond the forfeited security. */
  SURPLUS_AFTER_FORFEITURE = 'SURPLUS_AFTER_FORFEITURE',
  /** 投标失效: the bidder refused to extend the bid validity period; it has the right to its security back (TBR Art. 25). */
  VALIDITY_REFUSED = 'VALIDITY_REFUSED',
  /** Paid after the deadline (or to a tender no longer open): never counted as security. */
  LATE_PAYMENT = 'LATE_PAYMENT',
  /** Paid to a sub-account the platform never issued. */
  UNMATCHED_PAYMENT = 'UNMATCHED_PAYMENT',
}

export interface RefundTerms {
  /** The period within which the money must be back, from the event that starts it. */
  days: number;
  unit: PeriodUnit;
  /** Whether the bank's deposit interest for the days held is paid with it. */
  withInterest: boolean;
  /** The article the period (and the interest) come from, printed on the refund notice. */
  legalBasis: string;
}

/**
 * TBR Art. 31 says "及时" (promptly) for a terminated tender without a number of days; the platform applies the
 * 5 days of TBR Arts. 35 and 57. Money that never was a security (late or misdirected payments) goes back on the
 * same terms. Platform policy, not law: kept here rather than in regulations.ts.
 */
export const PROMPT_REFUND_DAYS = 5;

/** The legal period, unit and interest of each refund, per regime (regulations.md §1.4 rows 25, 35–38). */
export function refundTerms(regime: Regime, reason: RefundReason): RefundTerms {
  const eng = regime === 'ENGINEERING';
  switch (reason) {
    case RefundReason.WITHDRAWAL:
      return eng
        ? { days: ENGINEERING_RULES.withdrawRefundDays, unit: 'CALENDAR_DAYS', withInterest: false, legalBasis: '招标投标法实施条例第三十五条' }
        : { days: GOV_PROCUREMENT_RULES.withdrawRefundWorkingDays, unit: 'WORKING_DAYS', withInterest: false, legalBasis: '政府采购货物和服务招标投标管理办法第三十八条' };
    case RefundReason.TERMINATION:
      return eng
        ? { days: PROMPT_REFUND_DAYS, unit: 'CALENDAR_DAYS', withInterest: true, legalBasis: '招标投标法实施条例第三十一条' }
        : { days: GOV_PROCUREMENT_RULES.terminationRefundWorkingDays, unit: 'WORKING_DAYS', withInterest: true, legalBasis: '政府采购货物和服务招标投标管理办法第二十九条' };
    case RefundReason.NOT_AWARDED:
      // Procurement only: losers within 5 working days of the notice of award (MOF87 Art. 38). In engineering the
      // losers are refunded with everyone after the contract (TBR Art. 57); callers do not use this reason there.
      return { days: GOV_PROCUREMENT_RULES.refundLosersWorkingDays, unit: 'WORKING_DAYS', withInterest: false, legalBasis: '政府采购货物和服务招标投标管理办法第三十八条' };
    case RefundReason.CONTRACT_SIGNED:
      return eng
        ? // TBR Art. 57: at the latest 5 days after signing, with the bank's deposit interest (PB12 Art. 52 says 5
          // working days without interest; the higher-ranking TBR prevails, regulations.md §5.2).
          { days: ENGINEERING_RULES.refundAfterContractDays, unit: 'CALENDAR_DAYS', withInterest: true, legalBasis: '招标投标法实施条例第五十七条' }
        : { days: GOV_PROCUREMENT_RULES.refundWinnerWorkingDays, unit: 'WORKING_DAYS', withInterest: false, legalBasis: '政府采购货物和服务招标投标管理办法第三十八条' };
    case RefundReason.VALIDITY_REFUSED:
      // TBR Art. 25 ¶2: "投标人拒绝延长的，其投标失效，但投标人有权收回其投标保证金" — no number of days; the platform
      // applies the 5 days of TBR Art. 35 (a bid that ends before award), procurement 5 working days (MOF87 Art. 38).
      return eng
        ? { days: PROMPT_REFUND_DAYS, unit: 'CALENDAR_DAYS', withInterest: false, legalBasis: '招标投标法实施条例第二十五条' }
        : { days: PROMPT_REFUND_DAYS, unit: 'WORKING_DAYS', withInterest: false, legalBasis: '招标投标法实施条例第二十五条；政府采购货物和服务招标投标管理办法第三十八条' };
    case RefundReason.SURPLUS_AFTER_FORFEITURE:
    case RefundReason.LATE_PAYMENT:
      return eng
        ? { days: PROMPT_REFUND_DAYS, unit: 'CALENDAR_DAYS', withInterest: false, legalBasis: '平台规则：非投标保证金款项原路退回' }
        : { days: PROMPT_REFUND_DAYS, unit: 'WORKING_DAYS', withInterest: false, legalBasis: '平台规则：非投标保证金款项原路退回' };
    case RefundReason.UNMATCHED_PAYMENT:
      return { days: PROMPT_REFUND_DAYS, unit: 'CALENDAR_DAYS', withInterest: false, legalBasis: '平台规则：无法识别的来款原路退回' };
  }
}
