/**
 * The legal calendar: how statutory periods are counted, in China Standard Time (UTC+8, no daylight saving).
 *
 * Counting rules (regulations.md §0):
 * - 民法典 Art. 201: a period in days starts on the day after the event (the start day is not counted);
 * - 民法典 Art. 203 ¶1 / MOF87 Art. 85: a period whose last day is a statutory rest day ends on the first working
 *   day after it (a rest day is a statutory holiday, or a weekend day that is not a make-up working day 调休上班);
 * - 民法典 Art. 203 ¶2: the last day ends at 24:00;
 * - MOF87 Art. 86: "以上/以下/内/以内" include the number itself, so "≥ 20 days" is met by exactly 20 days.
 * Calendar days ("日") are the unit of most periods (TBL Art. 24, TBR Arts. 16/21/22, GPR Art. 31 for 15 days);
 * working days ("工作日") count only working days (GPR Art. 31 ¶1, MOF87 Arts. 16/18/38...).
 *
 * Pure: the holidays and make-up working days are given to the constructor (the `legal_holidays` table).
 */
export type LocalDate = string; // 'YYYY-MM-DD', a day in China Standard Time
export type PeriodUnit = 'CALENDAR_DAYS' | 'WORKING_DAYS';

export interface HolidayData {
  /** Statutory holidays (法定节假日, including the rest days of 放假调休). */
  holidays: Iterable<LocalDate>;
  /** Weekend days that are working days (调休上班). */
  workdays: Iterable<LocalDate>;
  /** The years whose official arrangement is loaded; other years fall back to FIXED_STATUTORY_HOLIDAYS. */
  years?: Iterable<number>;
}

const CST_OFFSET_MS = 8 * 3600_000;
const DAY_MS = 86_400_000;
const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Holidays fixed on the Gregorian calendar by 全国年节及纪念日放假办法 (2024 revision) Art. 2: 元旦 Jan 1,
 * 劳动节 May 1–2, 国庆节 Oct 1–3. Used only for years without a loaded arrangement (the lunar holidays — 春节,
 * 清明, 端午, 中秋 — and the make-up days need the State Council's yearly notice). Status M (from memory).
 */
export const FIXED_STATUTORY_HOLIDAYS = ['01-01', '05-01', '05-02', '10-01', '10-02', '10-03'];

export class LegalCalendar {
  private readonly holidays: Set<LocalDate>;
  private readonly workdays: Set<LocalDate>;
  private readonly years: Set<number>;

  constructor(data: HolidayData = { holidays: [], workdays: [] }) {
    this.holidays = new Set(data.holidays);
    this.workdays = new Set(data.workdays);
    this.years = new Set(data.years ?? [...this.holidays, ...this.workdays].map((d) => Number(d.slice(0, 4))));
  }

  /** The China Standard Time day of an instant. */
  static dayOf(instant: Date): LocalDate {
    return new Date(instant.getTime() + CST_OFFSET_MS).toISOString().slice(0, 10);
  }

  /** 00:00 CST of a day, as an instant. */
  static startOf(day: LocalDate): Date {
    return new Date(LegalCalendar.utcMidnight(day) - CST_OFFSET_MS);
  }

  /** 24:00 CST of a day (= 00:00 of the next day), as an instant. */
  static endOf(day: LocalDate): Date {
    return new Date(LegalCalendar.utcMidnight(day) + DAY_MS - CST_OFFSET_MS);
  }

  static addDays(day: LocalDate, n: number): LocalDate {
    return new Date(LegalCalendar.utcMidnight(day) + n * DAY_MS).toISOString().slice(0, 10);
  }

  static isValidDay(day: string): boolean {
    const m = LOCAL_DATE.exec(day);
    if (!m) return false;
    return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])).toISOString().slice(0, 10) === day;
  }

  private static utcMidnight(day: LocalDate): number {
    const m = LOCAL_DATE.exec(day);
    if (!m) throw new Error(`not a day: ${day}`);
    return Date.UTC(+m[1], +m[2] - 1, +m[3]);
  }

  /** Whether the official arrangement of the day's year is loaded (otherwise only the fixed holidays are known). */
  covers(day: LocalDate): boolean {
    return this.years.has(Number(day.slice(0, 4)));
  }

  isRestDay(day: LocalDate): boolean {
    if (this.holidays.has(day)) return true;
    if (this.workdays.has(day)) return false;
    if (!this.covers(day) && FIXED_STATUTORY_HOLIDAYS.includes(day.slice(5))) return true;
    const weekday = new Date(LegalCalendar.utcMidnight(day)).getUTCDay();
    return weekday === 0 || weekday === 6;
  }

  isWorkingDay(day: LocalDate): boolean {
    return !this.isRestDay(day);
  }

  /** The day itself when it is a working day, otherwise the first working day after it. */
  onOrAfterWorkingDay(day: LocalDate): LocalDate {
    let d = day;
    for (let i = 0; i < 366 && this.isRestDay(d); i++) d = LegalCalendar.addDays(d, 1);
    return d;
  }

  /**
   * The last day of a period of `n` days (or working days) that starts with the event at `from`: the start day is
   * not counted (民法典 Art. 201); a calendar-day period ending on a rest day ends on the next working day (Art. 203).
   */
  lastDay(from: Date, n: number, unit: PeriodUnit): LocalDate {
    if (!Number.isInteger(n) || n < 0) throw new Error(`a period is a whole number of days, not ${n}`);
    const start = LegalCalendar.dayOf(from);
    if (unit === 'CALENDAR_DAYS') return this.onOrAfterWorkingDay(LegalCalendar.addDays(start, n));
    let d = start;
    for (let counted = 0; counted < n;) {
      d = LegalCalendar.addDays(d, 1);
      if (this.isWorkingDay(d)) counted++;
    }
    return d;
  }

  /** The instant a period ends: 24:00 CST of its last day (民法典 Art. 203 ¶2). */
  periodEnd(from: Date, n: number, unit: PeriodUnit): Date {
    return LegalCalendar.endOf(this.lastDay(from, n, unit));
  }

  /**
   * For a minimum period that runs from an event to a deadline ("自…之日起至…截止之日止，最短不得少于 N 日"): the
   * earliest lawful deadline, 00:00 CST of the period's last day — a deadline on the last day keeps the period,
   * as that day is counted (MOF87 Art. 86: "不少于" includes the number itself).
   */
  earliestDeadline(from: Date, n: number, unit: PeriodUnit): Date {
    return LegalCalendar.startOf(this.lastDay(from, n, unit));
  }

  /** Whether `deadline` leaves at least `n` days (or working days) after the event at `from`. */
  keepsPeriod(from: Date, n: number, unit: PeriodUnit, deadline: Date): boolean {
    return deadline.getTime() >= this.earliestDeadline(from, n, unit).getTime();
  }

  /**
   * For a rule "at least N days before the deadline" ("在投标截止时间至少15日前" TBR Art. 21, "10日前" TBR Art. 22),
   * counted back from the deadline's day: the last day on which the act may happen is the deadline's day − N. The
   * rest-day rule of Art. 203 extends the end of a period and is not used to shorten one counted backwards.
   */
  latestDayBefore(deadline: Date, n: number): LocalDate {
    return LegalCalendar.addDays(LegalCalendar.dayOf(deadline), -n);
  }

  /** Whether an act at `at` is at least `n` calendar days before `deadline` (see latestDayBefore). */
  isDaysBefore(at: Date, n: number, deadline: Date): boolean {
    return LegalCalendar.dayOf(at) <= this.latestDayBefore(deadline, n);
  }

  /** The earliest deadline that is at least `n` calendar days after an act at `at`: 00:00 CST of its day + n. */
  earliestDeadlineDaysAfter(at: Date, n: number): Date {
    return LegalCalendar.startOf(LegalCalendar.addDays(LegalCalendar.dayOf(at), n));
  }
}
