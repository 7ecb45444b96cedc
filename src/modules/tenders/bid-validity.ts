import { LegalCalendar, type LocalDate } from './legal-calendar/legal-calendar';

/** Days of 投标有效期 when the tender states none (a platform default; the law sets no number). */
export const DEFAULT_BID_VALIDITY_DAYS = 90;

/**
 * The last day (China Standard Time) of the bid validity period. TBR Art. 25: "投标有效期从提交投标文件的截止之日起算"
 * — counted from the deadline's day, the day itself not counted (民法典 Art. 201), so the period of N days ends at
 * 24:00 of the deadline's day + N. Once an extension is requested (TBR Art. 25 ¶2), its day replaces it.
 */
export function bidValidityEndsOn(t: { bidDeadline: Date; bidValidityDays: number; bidValidityEndsOn: string | null }): LocalDate {
  return t.bidValidityEndsOn ?? LegalCalendar.addDays(LegalCalendar.dayOf(new Date(t.bidDeadline)), t.bidValidityDays);
}
