/**
 * The clocks of a complaint (投诉) to the supervisory department, counted with the tenders module's LegalCalendar
 * (民法典 Arts. 201, 203: the start day is not counted; a calendar-day period ending on a rest day ends on the next
 * working day; the last day ends at 24:00 CST). Pure.
 *
 * - Filing (TBR Art. 60 ¶1): within 10 days of the day the complainant knew or should have known; for matters that
 *   need an objection first (documents, opening, result: TBR Art. 60 ¶2 with Arts. 22, 44, 54), the time the objection
 *   took is not counted, so the 10 days run from the answer (or from the end of the answer period when none came).
 *   Procurement (GPL Art. 55): within 15 working days after the challenge-answer period ends.
 * - Acceptance: 3 working days from receipt (TBR Art. 61 ¶1); procurement: the review within 5 working days (MOF94).
 * - Decision: 30 working days from acceptance (TBR Art. 61 ¶2); procurement: from receipt (GPL Art. 56).
 */
import { ENGINEERING_RULES, GOV_PROCUREMENT_RULES, SUPERVISION_RULES } from 'src/common/law/regulations';
import { type LegalCalendar } from 'src/modules/tenders/legal-calendar/legal-calendar';

export type Regime = 'ENGINEERING' | 'GOV_PROCUREMENT';
export const COMPLAINT_STAGES = ['DOCUMENTS', 'OPENING', 'RESULT', 'OTHER'] as const;
export type ComplaintStage = (typeof COMPLAINT_STAGES)[number];

export interface Period {
  at: Date;
  days: number;
  unit: 'CALENDAR_DAYS' | 'WORKING_DAYS';
  article: string;
}

/** The last instant a complaint may be filed, counted from `knownAt`. */
export function filingDeadline(cal: LegalCalendar, regime: Regime, knownAt: Date): Period {
  return regime === 'ENGINEERING'
    ? {
        at: cal.periodEnd(knownAt, ENGINEERING_RULES.complaintWithinDays, 'CALENDAR_DAYS'),
        days: ENGINEERING_RULES.complaintWithinDays,
        unit: 'CALENDAR_DAYS',
        article: 'TBR Art. 60',
      }
    : {
        at: cal.periodEnd(knownAt, GOV_PROCUREMENT_RULES.complaintWithinWorkingDays, 'WORKING_DAYS'),
        days: GOV_PROCUREMENT_RULES.complaintWithinWorkingDays,
        unit: 'WORKING_DAYS',
        article: 'GPL Art. 55',
      };
}

/** When the department must have accepted or refused the complaint. */
export function acceptDue(cal: LegalCalendar, regime: Regime, filedAt: Date): Period {
  return regime === 'ENGINEERING'
    ? {
        at: cal.periodEnd(filedAt, ENGINEERING_RULES.complaintAcceptWorkingDays, 'WORKING_DAYS'),
        days: ENGINEERING_RULES.complaintAcceptWorkingDays,
        unit: 'WORKING_DAYS',
        article: 'TBR Art. 61',
      }
    : {
        at: cal.periodEnd(filedAt, SUPERVISION_RULES.procurementComplaintReviewWorkingDays, 'WORKING_DAYS'),
        days: SUPERVISION_RULES.procurementComplaintReviewWorkingDays,
        unit: 'WORKING_DAYS',
        article: 'MOF94',
      };
}

/** When the department must have decided an accepted complaint. */
export function decideDue(cal: LegalCalendar, regime: Regime, filedAt: Date, acceptedAt: Date): Period {
  return regime === 'ENGINEERING'
    ? {
        at: cal.periodEnd(acceptedAt, ENGINEERING_RULES.complaintDecideWorkingDays, 'WORKING_DAYS'),
        days: ENGINEERING_RULES.complaintDecideWorkingDays,
        unit: 'WORKING_DAYS',
        article: 'TBR Art. 61',
      }
    : {
        at: cal.periodEnd(filedAt, GOV_PROCUREMENT_RULES.complaintDecideWorkingDays, 'WORKING_DAYS'),
        days: GOV_PROCUREMENT_RULES.complaintDecideWorkingDays,
        unit: 'WORKING_DAYS',
        article: 'GPL Art. 56',
      };
}

/**
 * When a suspension ordered on accepting the complaint ends by law: procurement at most 30 days (GPL Art. 57, the
 * last day ending at 24:00 CST); engineering sets no limit (TBR Art. 62: "必要时可以责令暂停"), so until the decision.
 */
export function suspensionEnd(cal: LegalCalendar, regime: Regime, orderedAt: Date): Period | null {
  if (regime !== 'GOV_PROCUREMENT') return null;
  const days = GOV_PROCUREMENT_RULES.complaintSuspensionMaxDays;
  return { at: cal.periodEnd(orderedAt, days, 'CALENDAR_DAYS'), days, unit: 'CALENDAR_DAYS', article: 'GPL Art. 57' };
}

/** The remedies of an upheld complaint the platform carries out (TBR Art. 62; MOF94: re-evaluate or procure again). */
export const COMPLAINT_REMEDIES = ['RE_EVALUATION', 'RE_TENDER'] as const;
export type ComplaintRemedy = (typeof COMPLAINT_REMEDIES)[number];

/**
 * Which stages need an objection (异议) or challenge (质疑) on the platform first — kept simple:
 * - DOCUMENTS: an objection to the tender documents by the complainant (TBR Art. 22 → Art. 60 ¶2; procurement GPL Art. 55);
 * - RESULT: an objection to the evaluation result / a challenge to the award (TBR Art. 54 → Art. 60 ¶2; GPL Art. 55);
 * - OPENING (engineering): the objection raised and answered on the spot at the opening (TBR Art. 44), recorded in
 *   opening_objections; the 10 days run from its answer (or from the end of the opening when none came);
 * - OTHER (engineering): any other violation (TBR Art. 60 ¶1), no objection needed, counted from when the
 *   complainant says it knew.
 * In procurement every complaint follows a challenge (GPL Art. 55): DOCUMENTS the challenge to the documents, OPENING
 * the challenge to the process, RESULT the challenge to the award (procurement_challenges); OTHER is refused.
 */
export function stageNeedsRecordedObjection(stage: ComplaintStage): boolean {
  return stage === 'DOCUMENTS' || stage === 'RESULT' || stage === 'OPENING';
}
