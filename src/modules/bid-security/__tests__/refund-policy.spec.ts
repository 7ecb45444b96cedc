import { LegalCalendar } from 'src/modules/tenders/legal-calendar/legal-calendar';
import { DEFAULT_HOLIDAY_YEARS } from 'src/modules/tenders/legal-calendar/default-holidays';
import { refundTerms, RefundReason } from '../refund-policy';

/** The official 2026 arrangement (国务院办公厅 2025-11-04), as the legal_holidays table holds it. */
const y2026 = DEFAULT_HOLIDAY_YEARS.find((y) => y.year === 2026)!;
const calendar = new LegalCalendar({ holidays: y2026.holidays.map((d) => d.day), workdays: y2026.workdays.map((d) => d.day), years: [2026] });

/** An instant given in China Standard Time. */
const cst = (local: string) => new Date(`${local}+08:00`);
const dueAt = (regime: 'ENGINEERING' | 'GOV_PROCUREMENT', reason: RefundReason, from: Date) => {
  const t = refundTerms(regime, reason);
  return calendar.periodEnd(from, t.days, t.unit);
};
// The period ends at 24:00 of its last day: an act at that instant (00:00 the next day) is late.
const onTime = (executedAt: Date, due: Date) => executedAt < due;

describe('refund terms (regulations.md §1.4)', () => {
  it.each([
    ['ENGINEERING', RefundReason.WITHDRAWAL, 5, 'CALENDAR_DAYS', false, '第三十五条'],
    ['GOV_PROCUREMENT', RefundReason.WITHDRAWAL, 5, 'WORKING_DAYS', false, '第三十八条'],
    ['ENGINEERING', RefundReason.CONTRACT_SIGNED, 5, 'CALENDAR_DAYS', true, '第五十七条'],
    ['GOV_PROCUREMENT', RefundReason.CONTRACT_SIGNED, 5, 'WORKING_DAYS', false, '第三十八条'],
    ['GOV_PROCUREMENT', RefundReason.NOT_AWARDED, 5, 'WORKING_DAYS', false, '第三十八条'],
    ['ENGINEERING', RefundReason.TERMINATION, 5, 'CALENDAR_DAYS', true, '第三十一条'],
    ['GOV_PROCUREMENT', RefundReason.TERMINATION, 5, 'WORKING_DAYS', true, '第二十九条'],
  ] as const)('%s %s: %i %s, interest %s, %s', (regime, reason, days, unit, withInterest, article) => {
    const t = refundTerms(regime, reason);
    expect(t).toMatchObject({ days, unit, withInterest });
    expect(t.legalBasis).toContain(article);
  });
});

describe('refund due dates: the start day is not counted, the last day ends at 24:00 CST (民法典 Arts. 201, 203)', () => {
  describe('engineering, 5 calendar days (TBR Art. 35): withdrawal on Wed 2026-03-04', () => {
    const due = dueAt('ENGINEERING', RefundReason.WITHDRAWAL, cst('2026-03-04T10:00:00'));
    it('is due at the end of Mon 2026-03-09', () => {
      expect(due.toISOString()).toBe(cst('2026-03-10T00:00:00').toISOString());
    });
    it('a refund the day before (03-08) is on time', () => expect(onTime(cst('2026-03-08T12:00:00'), due)).toBe(true));
    it('a refund on the last day (03-09, 23:59:59) is on time', () => expect(onTime(cst('2026-03-09T23:59:59'), due)).toBe(true));
    it('a refund the day after (03-10, 00:00) is late', () => expect(onTime(cst('2026-03-10T00:00:00'), due)).toBe(false));
  });

  it('engineering: a period ending on a Saturday ends on the Monday (Art. 203)', () => {
    // Mon 03-09 + 5 = Sat 03-14 → Mon 03-16
    expect(dueAt('ENGINEERING', RefundReason.WITHDRAWAL, cst('2026-03-09T10:00:00')).toISOString()).toBe(cst('2026-03-17T00:00:00').toISOString());
  });

  it('engineering: a period ending in the Mid-Autumn holiday ends on the first working day after it', () => {
    // Tue 09-22 + 5 = Sun 09-27 (中秋 09-25..27) → Mon 09-28
    expect(dueAt('ENGINEERING', RefundReason.CONTRACT_SIGNED, cst('2026-09-22T15:00:00')).toISOString()).toBe(cst('2026-09-29T00:00:00').toISOString());
  });

  describe('procurement, 5 working days (MOF87 Art. 38) across a weekend: withdrawal on Fri 2026-03-13', () => {
    const due = dueAt('GOV_PROCUREMENT', RefundReason.WITHDRAWAL, cst('2026-03-13T16:00:00'));
    it('Sat and Sun are skipped: due at the end of Fri 2026-03-20', () => {
      expect(due.toISOString()).toBe(cst('2026-03-21T00:00:00').toISOString());
    });
    it('day before (03-19) on time; last day (03-20) on time; day after (03-21) late', () => {
      expect(onTime(cst('2026-03-19T09:00:00'), due)).toBe(true);
      expect(onTime(cst('2026-03-20T23:59:59'), due)).toBe(true);
      expect(onTime(cst('2026-03-21T00:00:01'), due)).toBe(false);
    });
  });

  it('procurement across the Labour Day holiday and its make-up Saturday: Thu 04-30 → Mon 05-11', () => {
    // 05-01..05 holiday; 05-06 (1), 05-07 (2), 05-08 (3), Sat 05-09 make-up working day (4), Sun 05-10 rest, 05-11 (5)
    expect(dueAt('GOV_PROCUREMENT', RefundReason.NOT_AWARDED, cst('2026-04-30T11:00:00')).toISOString()).toBe(cst('2026-05-12T00:00:00').toISOString());
  });

  it('procurement across the National Day holiday: Wed 09-30 → Tue 10-13', () => {
    // 10-01..07 holiday; 10-08 (1), 10-09 (2), Sat 10-10 make-up (3), Sun 10-11 rest, 10-12 (4), 10-13 (5)
    expect(dueAt('GOV_PROCUREMENT', RefundReason.CONTRACT_SIGNED, cst('2026-09-30T10:00:00')).toISOString()).toBe(cst('2026-10-14T00:00:00').toISOString());
  });

  it('an event late in the evening CST counts from that CST day, not the UTC one', () => {
    // 2026-03-04 23:30 CST is 15:30Z the same day; 2026-03-05 00:30 CST is 16:30Z on 03-04.
    expect(dueAt('ENGINEERING', RefundReason.WITHDRAWAL, new Date('2026-03-04T15:30:00Z')).toISOString()).toBe(cst('2026-03-10T00:00:00').toISOString());
    expect(dueAt('ENGINEERING', RefundReason.WITHDRAWAL, new Date('2026-03-04T16:30:00Z')).toISOString()).toBe(cst('2026-03-11T00:00:00').toISOString());
  });
});
