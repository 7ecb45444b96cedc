import { ENGINEERING_RULES, GOV_PROCUREMENT_RULES, type Regime } from 'src/common/law/regulations';
import { type LegalCalendar } from '../tenders/legal-calendar/legal-calendar';

/**
 * The periods after the evaluation, counted with the legal calendar (民法典 Arts. 201, 203: the start day is not
 * counted; a period ends at 24:00 of its last day, moved to the next working day when that day is a rest day).
 */
export const AwardPeriods = {
  /** 中标候选人公示 lasts at least 3 days (TBR Art. 54): the earliest lawful end, 24:00 of the 3rd day. */
  publicityMinimumEnd(cal: LegalCalendar, start: Date): Date {
    return cal.periodEnd(start, ENGINEERING_RULES.publicityMinDays, 'CALENDAR_DAYS');
  },
  /** The candidates are published within 3 days of receiving the report (TBR Art. 54). */
  publicationDue(cal: LegalCalendar, reportAt: Date): Date {
    return cal.periodEnd(reportAt, ENGINEERING_RULES.publicityWithinDays, 'CALENDAR_DAYS');
  },
  /** An objection to the result is answered within 3 days of receipt (TBR Art. 54 ¶2). */
  objectionAnswerDue(cal: LegalCalendar, filedAt: Date): Date {
    return cal.periodEnd(filedAt, ENGINEERING_RULES.resultObjectionAnswerDays, 'CALENDAR_DAYS');
  },
  /** The contract is signed within 30 days of the notice of award (TBL Art. 46; GPL Art. 46). */
  contractDue(cal: LegalCalendar, regime: Regime, noticeAt: Date): Date {
    const days = regime === 'ENGINEERING' ? ENGINEERING_RULES.contractWithinDays : GOV_PROCUREMENT_RULES.contractWithinDays;
    return cal.periodEnd(noticeAt, days, 'CALENDAR_DAYS');
  },
  /** Procurement: the award announcement runs 1 working day (MOF87 Art. 69). */
  announcementEnd(cal: LegalCalendar, at: Date): Date {
    return cal.periodEnd(at, GOV_PROCUREMENT_RULES.awardNoticePeriodWorkingDays, 'WORKING_DAYS');
  },
  /**
   * Procurement: the purchaser decides within 5 working days of receiving the report; otherwise the rank-1
   * candidate is deemed chosen (MOF87 Art. 68).
   */
  awardDecisionDue(cal: LegalCalendar, reportAt: Date): Date {
    return cal.periodEnd(reportAt, GOV_PROCUREMENT_RULES.decideWinnerWorkingDays, 'WORKING_DAYS');
  },
};
