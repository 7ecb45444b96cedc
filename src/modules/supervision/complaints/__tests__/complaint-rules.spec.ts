import { LegalCalendar } from 'src/modules/tenders/legal-calendar/legal-calendar';
import { acceptDue, decideDue, filingDeadline, suspensionEnd } from '../complaint-rules';

// 2026 arrangement (国务院办公厅 2025-11-04): 国庆 10-01..10-07 off, 10-10 (Saturday) a working day.
const cal = new LegalCalendar({
  holidays: ['2026-09-25', '2026-09-26', '2026-09-27', '2026-10-01', '2026-10-02', '2026-10-03', '2026-10-04', '2026-10-05', '2026-10-06', '2026-10-07'],
  workdays: ['2026-09-20', '2026-10-10'],
  years: [2026],
});
/** An instant in China Standard Time. */
const cst = (s: string) => new Date(`${s}+08:00`);
const filedOn = (deadline: Date, day: string) => cst(`${day}T12:00:00`).getTime() <= deadline.getTime();

describe('complaint clocks (TBR Arts. 60–61; GPL Arts. 55–56)', () => {
  describe('filing within 10 days of knowing (TBR Art. 60)', () => {
    // Known on Monday 2026-11-02: the start day is not counted (民法典 Art. 201), day 10 is Thursday 11-12.
    const deadline = filingDeadline(cal, 'ENGINEERING', cst('2026-11-02T09:30:00')).at;
    it('ends at 24:00 CST of the 10th day', () => expect(deadline.toISOString()).toBe('2026-11-12T16:00:00.000Z'));
    it.each([
      ['2026-11-11', true], // the day before
      ['2026-11-12', true], // the day of
      ['2026-11-13', false], // the day after
    ])('filed on %s → in time: %s', (day, ok) => expect(filedOn(deadline, day)).toBe(ok));
    it('a 10th day that falls in the National Day holiday moves to the next working day (民法典 Art. 203)', () => {
      // Known 2026-09-24 → day 10 is 10-04 (holiday) → the period ends on 10-08, the first working day after.
      const d = filingDeadline(cal, 'ENGINEERING', cst('2026-09-24T10:00:00')).at;
      expect(d.toISOString()).toBe(LegalCalendar.endOf('2026-10-08').toISOString());
      expect(filedOn(d, '2026-10-08')).toBe(true);
      expect(filedOn(d, '2026-10-09')).toBe(false);
    });
  });

  describe('procurement: 15 working days after the answer period (GPL Art. 55)', () => {
    it('counts only working days across the holiday and the make-up Saturday', () => {
      // Period ends Wednesday 2026-09-30: working days 10-08, 10-09, 10-10 (调休), 10-12 … the 15th is 10-27.
      const d = filingDeadline(cal, 'GOV_PROCUREMENT', cst('2026-09-30T18:00:00')).at;
      expect(d.toISOString()).toBe(LegalCalendar.endOf('2026-10-27').toISOString());
      expect(filedOn(d, '2026-10-26')).toBe(true);
      expect(filedOn(d, '2026-10-27')).toBe(true);
      expect(filedOn(d, '2026-10-28')).toBe(false);
    });
  });

  describe('acceptance within 3 working days, decision within 30 working days (TBR Art. 61)', () => {
    it('a complaint filed on Friday is due for acceptance on Wednesday (the weekend is not counted)', () => {
      const a = acceptDue(cal, 'ENGINEERING', cst('2026-11-06T15:00:00'));
      expect(a.at.toISOString()).toBe(LegalCalendar.endOf('2026-11-11').toISOString());
      expect(a).toMatchObject({ days: 3, unit: 'WORKING_DAYS', article: 'TBR Art. 61' });
    });
    it('the procurement review takes 5 working days (MOF94)', () => {
      expect(acceptDue(cal, 'GOV_PROCUREMENT', cst('2026-11-06T15:00:00')).at.toISOString()).toBe(LegalCalendar.endOf('2026-11-13').toISOString());
    });
    it('engineering counts the 30 working days from acceptance, procurement from receipt (GPL Art. 56)', () => {
      const filed = cst('2026-11-02T10:00:00');
      const accepted = cst('2026-11-04T10:00:00');
      const eng = decideDue(cal, 'ENGINEERING', filed, accepted).at;
      const gov = decideDue(cal, 'GOV_PROCUREMENT', filed, accepted).at;
      expect(eng.toISOString()).toBe(LegalCalendar.endOf('2026-12-16').toISOString());
      expect(gov.toISOString()).toBe(LegalCalendar.endOf('2026-12-14').toISOString());
    });
  });

  describe('a suspension ordered on a procurement complaint lasts at most 30 days (GPL Art. 57)', () => {
    // Ordered Monday 2026-11-02: the start day is not counted, day 30 is Wednesday 12-02.
    const end = suspensionEnd(cal, 'GOV_PROCUREMENT', cst('2026-11-02T10:00:00'))!;
    it('ends at 24:00 CST of the 30th day', () => {
      expect(end).toMatchObject({ days: 30, unit: 'CALENDAR_DAYS', article: 'GPL Art. 57' });
      expect(end.at.toISOString()).toBe(LegalCalendar.endOf('2026-12-02').toISOString());
    });
    it.each([
      ['2026-12-01', true], // the day before: still suspended
      ['2026-12-02', true], // the day of: still suspended
      ['2026-12-03', false], // the day after: lifted
    ])('on %s the suspension holds: %s', (day, holds) => expect(filedOn(end.at, day)).toBe(holds));
    it('engineering sets no limit: until the decision (TBR Art. 62)', () => {
      expect(suspensionEnd(cal, 'ENGINEERING', cst('2026-11-02T10:00:00'))).toBeNull();
    });
  });
});
