/**
 * The clocks of a procurement challenge (质疑), counted with the legal calendar (民法典 Arts. 201, 203: the start day
 * is not counted, the last day ends at 24:00 CST). Pure.
 * - Filing: within 7 working days of the day the supplier knew or should have known (GPL Art. 52), which is
 *   (GPR Art. 53) for the process the day the step ended (2) — here the opening, whose record is made when the
 *   decryption window closes — and for the award the day the award-announcement period ends (3).
 * - Answer: within 7 working days of receipt (GPL Art. 53).
 */
import { GOV_PROCUREMENT_RULES } from 'src/common/law/regulations';
import { type LegalCalendar } from '../legal-calendar/legal-calendar';

export const CHALLENGE_SUBJECTS = ['PROCESS', 'AWARD'] as const;
export type ChallengeSubject = (typeof CHALLENGE_SUBJECTS)[number];

export function challengeFilingDeadline(cal: LegalCalendar, subject: ChallengeSubject, knownFrom: Date): { at: Date; article: string } {
  return {
    at: cal.periodEnd(knownFrom, GOV_PROCUREMENT_RULES.challengeWithinWorkingDays, 'WORKING_DAYS'),
    article: subject === 'PROCESS' ? 'GPL Art. 52; GPR Art. 53(2)' : 'GPL Art. 52; GPR Art. 53(3)',
  };
}

export function challengeAnswerDue(cal: LegalCalendar, filedAt: Date): Date {
  return cal.periodEnd(filedAt, GOV_PROCUREMENT_RULES.challengeAnswerWorkingDays, 'WORKING_DAYS');
}
