import { LegalCalendar } from '../../legal-calendar/legal-calendar';
import { challengeAnswerDue, challengeFilingDeadline } from '../challenge-rules';

// 2026 arrangement: 国庆 10-01..10-07 off, 10-10 (Saturday) a working day.
const cal = new LegalCalendar({
  holidays: ['2026-10-01', '2026-10-02', '2026-10-03', '2026-10-04', '2026-10-05', '2026-10-06', '2026-10-07'],
  workdays: ['2026-10-10'],
  years: [2026],
});
const cst = (s: string) => new Date(`${s}+08:00`);
const onTime = (deadline: Date, day: string) => cst(`${day}T12:00:00`).getTime() <= deadline.getTime();

describe('procurement challenge clocks (GPL Arts. 52–53; GPR Art. 53)', () => {
  describe('a challenge to the process: 7 working days from the end of the step (GPR Art. 53(2))', () => {
    // The opening ended on Monday 2026-11-02: working days 11-03 … 11-11 (the weekend not counted) — the 7th is Wednesday 11-11.
    const d = challengeFilingDeadline(cal, 'PROCESS', cst('2026-11-02T10:05:00'));
    it('ends at 24:00 CST of the 7th working day', () => {
      expect(d.at.toISOString()).toBe(LegalCalendar.endOf('2026-11-11').toISOString());
      expect(d.article).toBe('GPL Art. 52; GPR Art. 53(2)');
    });
    it.each([
      ['2026-11-10', true], // the day before
      ['2026-11-11', true], // the day of
      ['2026-11-12', false], // the day after
    ])('filed on %s → in time: %s', (day, ok) => expect(onTime(d.at, day)).toBe(ok));
  });

  describe('a challenge to the award: 7 working days from the end of the announcement (GPR Art. 53(3))', () => {
    // The announcement ended on Wednesday 2026-09-30: 10-08, 10-09, 10-10 (调休), 10-12, 10-13, 10-14, 10-15.
    const d = challengeFilingDeadline(cal, 'AWARD', cst('2026-09-30T23:59:59'));
    it('counts only working days across the National Day holiday and the make-up Saturday', () => {
      expect(d.at.toISOString()).toBe(LegalCalendar.endOf('2026-10-15').toISOString());
    });
    it.each([
      ['2026-10-14', true],
      ['2026-10-15', true],
      ['2026-10-16', false],
    ])('filed on %s → in time: %s', (day, ok) => expect(onTime(d.at, day)).toBe(ok));
  });

  describe('the answer within 7 working days of receipt (GPL Art. 53)', () => {
    // Received Friday 2026-11-06: 11-09 … 11-17 — the 7th working day is Tuesday 11-17.
    const due = challengeAnswerDue(cal, cst('2026-11-06T16:00:00'));
    it('is due at 24:00 CST of the 7th working day', () => expect(due.toISOString()).toBe(LegalCalendar.endOf('2026-11-17').toISOString()));
    it.each([
      ['2026-11-16', true],
      ['2026-11-17', true],
      ['2026-11-18', false],
    ])('answered on %s → on time: %s', (day, ok) => expect(onTime(due, day)).toBe(ok));
  });
});
