import { DEFAULT_HOLIDAY_YEARS } from 'src/modules/tenders/legal-calendar/default-holidays';
import { LegalCalendar } from 'src/modules/tenders/legal-calendar/legal-calendar';
import { AwardPeriods } from '../award-periods';

const y2026 = DEFAULT_HOLIDAY_YEARS.find((y) => y.year === 2026)!;
const cal = new LegalCalendar({ holidays: y2026.holidays.map((d) => d.day), workdays: y2026.workdays.map((d) => d.day), years: [2026] });
/** An instant in China Standard Time. */
const cst = (local: string) => new Date(`${local}+08:00`);
const keeps = (min: Date, end: Date) => end.getTime() >= min.getTime();

describe('periods after the evaluation (legal calendar, 民法典 Arts. 201, 203)', () => {
  describe('candidate publicity ≥ 3 days (TBR Art. 54), published Monday 2026-03-02 10:00', () => {
    const min = AwardPeriods.publicityMinimumEnd(cal, cst('2026-03-02T10:00:00'));
    it('ends at 24:00 of the 3rd day after the start day', () => expect(min).toEqual(cst('2026-03-06T00:00:00')));
    it('the day before (ends 24:00 of day 2): too short', () => expect(keeps(min, cst('2026-03-05T00:00:00'))).toBe(false));
    it('a minute before the end of day 3: too short', () => expect(keeps(min, cst('2026-03-05T23:59:00'))).toBe(false));
    it('the day of (24:00 of day 3): lawful', () => expect(keeps(min, cst('2026-03-06T00:00:00'))).toBe(true));
    it('the day after: lawful', () => expect(keeps(min, cst('2026-03-07T00:00:00'))).toBe(true));
    it('a 3rd day on a holiday (清明 2026-04-04) runs to the next working day', () =>
      expect(AwardPeriods.publicityMinimumEnd(cal, cst('2026-04-01T09:00:00'))).toEqual(cst('2026-04-08T00:00:00')));
  });

  it('an objection is answered within 3 days of receipt (TBR Art. 54 ¶2)', () => {
    const due = AwardPeriods.objectionAnswerDue(cal, cst('2026-03-02T15:00:00'));
    expect(due).toEqual(cst('2026-03-06T00:00:00'));
    expect(cst('2026-03-05T23:00:00') <= due).toBe(true); // day 3: in time
    expect(cst('2026-03-06T09:00:00') <= due).toBe(false); // day 4: late
  });

  describe('contract within 30 days of the notice (TBL Art. 46), notice Monday 2026-03-02 10:00', () => {
    const due = AwardPeriods.contractDue(cal, 'ENGINEERING', cst('2026-03-02T10:00:00'));
    it('is due at 24:00 of day 30 (2026-04-01)', () => expect(due).toEqual(cst('2026-04-02T00:00:00')));
    it('day 29: in time', () => expect(cst('2026-03-31T15:00:00') <= due).toBe(true));
    it('day 30: in time', () => expect(cst('2026-04-01T23:59:00') <= due).toBe(true));
    it('day 31: late', () => expect(cst('2026-04-02T09:00:00') <= due).toBe(false));
    it('a 30th day in the National Day holiday moves to the first working day after it', () =>
      expect(AwardPeriods.contractDue(cal, 'GOV_PROCUREMENT', cst('2026-09-02T10:00:00'))).toEqual(cst('2026-10-09T00:00:00')));
  });

  it('procurement: the award announcement lasts 1 working day (MOF87 Art. 69)', () => {
    expect(AwardPeriods.announcementEnd(cal, cst('2026-03-06T10:00:00'))).toEqual(cst('2026-03-10T00:00:00')); // Friday → Monday
    expect(AwardPeriods.announcementEnd(cal, cst('2026-03-03T10:00:00'))).toEqual(cst('2026-03-05T00:00:00'));
  });

  it('procurement: the decision is due within 5 working days of the report (MOF87 Art. 68)', () => {
    // 2026-09-23 (Wed): 24 Thu (1), 25–27 中秋, 28 (2), 29 (3), 30 (4), 10-01..07 国庆, 10-08 (5)
    expect(AwardPeriods.awardDecisionDue(cal, cst('2026-09-23T10:00:00'))).toEqual(cst('2026-10-09T00:00:00'));
  });

  it('candidates are published within 3 days of the report (TBR Art. 54)', () => {
    expect(AwardPeriods.publicationDue(cal, cst('2026-03-02T10:00:00'))).toEqual(cst('2026-03-06T00:00:00'));
  });
});
