import { DEFAULT_HOLIDAY_YEARS } from '../legal-calendar/default-holidays';
import { LegalCalendar } from '../legal-calendar/legal-calendar';

const y2026 = DEFAULT_HOLIDAY_YEARS.find((y) => y.year === 2026)!;
const cal = new LegalCalendar({ holidays: y2026.holidays.map((d) => d.day), workdays: y2026.workdays.map((d) => d.day), years: [2026] });
const noData = new LegalCalendar();
/** An instant given in China Standard Time. */
const cst = (s: string) => new Date(`${s}+08:00`);

describe('LegalCalendar (民法典 Arts. 201/203; MOF87 Arts. 85/86)', () => {
  it('days are China Standard Time days', () => {
    expect(LegalCalendar.dayOf(new Date('2026-03-01T15:59:59Z'))).toBe('2026-03-01');
    expect(LegalCalendar.dayOf(new Date('2026-03-01T16:00:00Z'))).toBe('2026-03-02');
    expect(LegalCalendar.startOf('2026-03-02').toISOString()).toBe('2026-03-01T16:00:00.000Z');
    expect(LegalCalendar.endOf('2026-03-02').toISOString()).toBe('2026-03-02T16:00:00.000Z');
    expect(LegalCalendar.isValidDay('2026-02-29')).toBe(false);
    expect(LegalCalendar.isValidDay('2028-02-29')).toBe(true);
  });

  it('the 2026 arrangement: holidays, make-up working days (调休上班) and ordinary weekends', () => {
    expect(cal.isRestDay('2026-10-05')).toBe(true); // 国庆节 (a Monday)
    expect(cal.isRestDay('2026-02-23')).toBe(true); // 春节 (a Monday)
    expect(cal.isWorkingDay('2026-02-14')).toBe(true); // a Saturday worked for 春节
    expect(cal.isWorkingDay('2026-09-20')).toBe(true); // a Sunday worked for 国庆节
    expect(cal.isRestDay('2026-03-07')).toBe(true); // an ordinary Saturday
    expect(cal.isWorkingDay('2026-03-09')).toBe(true); // an ordinary Monday
    expect(y2026.holidays).toHaveLength(33);
    expect(y2026.workdays).toHaveLength(6);
  });

  it('a year without a loaded arrangement keeps the fixed statutory holidays (元旦, 劳动节, 国庆节)', () => {
    expect(cal.covers('2027-01-01')).toBe(false);
    expect(cal.isRestDay('2027-01-01')).toBe(true); // a Friday
    expect(cal.isWorkingDay('2027-01-04')).toBe(true);
    expect(cal.isRestDay('2027-10-02')).toBe(true);
  });

  describe('20 calendar days to the deadline (TBL Art. 24): the start day is not counted', () => {
    const published = cst('2026-03-03T10:00:00'); // a Tuesday
    it('the last day is the 20th day after publication', () => {
      expect(cal.lastDay(published, 20, 'CALENDAR_DAYS')).toBe('2026-03-23');
      // wherever in the start day the event happens
      expect(cal.lastDay(cst('2026-03-03T00:00:01'), 20, 'CALENDAR_DAYS')).toBe('2026-03-23');
      expect(cal.lastDay(cst('2026-03-03T23:59:59'), 20, 'CALENDAR_DAYS')).toBe('2026-03-23');
    });
    it('day before: refused; day of: kept (the deadline day counts, MOF87 Art. 86); day after: kept', () => {
      expect(cal.keepsPeriod(published, 20, 'CALENDAR_DAYS', cst('2026-03-22T23:59:59'))).toBe(false);
      expect(cal.keepsPeriod(published, 20, 'CALENDAR_DAYS', cst('2026-03-23T00:00:00'))).toBe(true);
      expect(cal.keepsPeriod(published, 20, 'CALENDAR_DAYS', cst('2026-03-23T09:30:00'))).toBe(true);
      expect(cal.keepsPeriod(published, 20, 'CALENDAR_DAYS', cst('2026-03-24T09:30:00'))).toBe(true);
      expect(cal.earliestDeadline(published, 20, 'CALENDAR_DAYS').toISOString()).toBe('2026-03-22T16:00:00.000Z');
    });
    it('a period ending on a weekend ends on the next working day (民法典 Art. 203)', () => {
      expect(cal.lastDay(cst('2026-03-02T10:00:00'), 20, 'CALENDAR_DAYS')).toBe('2026-03-23'); // the 20th day is a Sunday
    });
    it('a period ending in the National Day holiday ends on the first working day after it', () => {
      const from = cst('2026-09-15T10:00:00'); // 20th day: Mon 2026-10-05, a holiday
      expect(cal.lastDay(from, 20, 'CALENDAR_DAYS')).toBe('2026-10-08');
      expect(cal.keepsPeriod(from, 20, 'CALENDAR_DAYS', cst('2026-10-05T09:30:00'))).toBe(false);
      expect(cal.keepsPeriod(from, 20, 'CALENDAR_DAYS', cst('2026-10-07T23:59:59'))).toBe(false);
      expect(cal.keepsPeriod(from, 20, 'CALENDAR_DAYS', cst('2026-10-08T00:00:00'))).toBe(true);
      // without the arrangement only 10-01..03 would be holidays and the period would end on Monday the 5th
      expect(noData.lastDay(from, 20, 'CALENDAR_DAYS')).toBe('2026-10-05');
    });
    it('a holiday in between does not lengthen a calendar-day period', () => {
      expect(cal.lastDay(cst('2026-09-24T10:00:00'), 20, 'CALENDAR_DAYS')).toBe('2026-10-14');
    });
    it('a period ending on a make-up working day (a Sunday worked) ends that day', () => {
      expect(cal.lastDay(cst('2026-08-31T10:00:00'), 20, 'CALENDAR_DAYS')).toBe('2026-09-20');
      expect(noData.lastDay(cst('2026-08-31T10:00:00'), 20, 'CALENDAR_DAYS')).toBe('2026-09-21');
    });
  });

  describe('working days (GPR Art. 31; MOF87 Arts. 16/38)', () => {
    it('count only working days, skipping the holidays in between', () => {
      // Thu 09-24 → 25-27 中秋 (rest), Mon 28 (1), 29 (2), 30 (3), 10-01..07 国庆 (rest), Thu 8 (4), Fri 9 (5)
      expect(cal.lastDay(cst('2026-09-24T10:00:00'), 5, 'WORKING_DAYS')).toBe('2026-10-09');
      expect(cal.lastDay(cst('2026-09-24T10:00:00'), 6, 'WORKING_DAYS')).toBe('2026-10-10'); // a Saturday worked
      expect(cal.periodEnd(cst('2026-09-24T10:00:00'), 5, 'WORKING_DAYS').toISOString()).toBe('2026-10-09T16:00:00.000Z');
    });
    it('a make-up working day counts', () => {
      expect(cal.lastDay(cst('2026-09-18T10:00:00'), 1, 'WORKING_DAYS')).toBe('2026-09-20');
      expect(noData.lastDay(cst('2026-09-18T10:00:00'), 1, 'WORKING_DAYS')).toBe('2026-09-21');
    });
    it('boundaries of 5 working days without holidays: the day before, of and after', () => {
      const from = cst('2026-03-09T10:00:00'); // Monday → Tue(1) Wed(2) Thu(3) Fri(4) Mon 16 (5)
      expect(cal.keepsPeriod(from, 5, 'WORKING_DAYS', cst('2026-03-15T23:59:59'))).toBe(false);
      expect(cal.keepsPeriod(from, 5, 'WORKING_DAYS', cst('2026-03-16T00:00:00'))).toBe(true);
      expect(cal.keepsPeriod(from, 5, 'WORKING_DAYS', cst('2026-03-17T00:00:00'))).toBe(true);
    });
  });

  describe('3 days to answer an objection (TBR Art. 22), ending at 24:00', () => {
    it('ends at 24:00 of the 3rd day', () => {
      expect(cal.periodEnd(cst('2026-03-10T15:00:00'), 3, 'CALENDAR_DAYS').toISOString()).toBe('2026-03-13T16:00:00.000Z');
    });
    it('across the Spring Festival: ends on the first working day after it', () => {
      expect(cal.lastDay(cst('2026-02-13T10:00:00'), 3, 'CALENDAR_DAYS')).toBe('2026-02-24');
    });
  });

  describe('"at least N days before the deadline" (TBR Arts. 21/22), counted back from the deadline day', () => {
    const deadline = cst('2026-12-20T09:30:00');
    it('15 days: the day before the limit, the day of it, the day after', () => {
      expect(cal.latestDayBefore(deadline, 15)).toBe('2026-12-05');
      expect(cal.isDaysBefore(cst('2026-12-04T12:00:00'), 15, deadline)).toBe(true);
      expect(cal.isDaysBefore(cst('2026-12-05T23:59:59'), 15, deadline)).toBe(true);
      expect(cal.isDaysBefore(cst('2026-12-06T00:00:00'), 15, deadline)).toBe(false);
    });
    it('the earliest deadline that restores 15 days after a late amendment', () => {
      expect(cal.earliestDeadlineDaysAfter(cst('2026-12-06T10:00:00'), 15).toISOString()).toBe(cst('2026-12-21T00:00:00').toISOString());
    });
    it('10 days for objections', () => {
      expect(cal.isDaysBefore(cst('2026-12-10T23:59:59'), 10, deadline)).toBe(true);
      expect(cal.isDaysBefore(cst('2026-12-11T00:00:00'), 10, deadline)).toBe(false);
    });
  });
});
