import { Test } from '@nestjs/testing';
import { type EntityManager } from 'typeorm';
import { AppConfig } from 'src/infra/config/app-config';
import { DEFAULT_HOLIDAY_YEARS } from '../legal-calendar/default-holidays';
import { LegalCalendar } from '../legal-calendar/legal-calendar';
import { LegalCalendarService } from '../legal-calendar/legal-calendar.service';
import { TenderPeriods } from '../tender-periods';
import { TenderEntity } from '../tender.entity';

const y2026 = DEFAULT_HOLIDAY_YEARS.find((y) => y.year === 2026)!;
const calendar = new LegalCalendar({ holidays: y2026.holidays.map((d) => d.day), workdays: y2026.workdays.map((d) => d.day), years: [2026] });
const cst = (s: string) => new Date(`${s}+08:00`);
const m = {} as EntityManager; // the calendar service is replaced; no query runs

async function periods(mode: 'enforced' | 'relaxed'): Promise<TenderPeriods> {
  const ref = await Test.createTestingModule({
    providers: [
      TenderPeriods,
      { provide: AppConfig, useValue: AppConfig.fromEnvironment({ NODE_ENV: 'test', LEGAL_PERIODS: mode }) },
      { provide: LegalCalendarService, useValue: { calendar: async () => calendar } },
    ],
  }).compile();
  return ref.get(TenderPeriods);
}

const tender = (o: Partial<TenderEntity>) =>
  Object.assign(new TenderEntity(), { regime: 'ENGINEERING', bidDeadline: cst('2026-12-20T09:30:00'), publishedAt: null, ...o }) as TenderEntity;

describe('TenderPeriods under LEGAL_PERIODS=enforced', () => {
  let p: TenderPeriods;
  beforeAll(async () => {
    p = await periods('enforced');
  });

  describe('publication: ≥ 20 days to the deadline (TBL Art. 24; GPL Art. 35)', () => {
    const now = cst('2026-03-03T10:00:00');
    const at = (deadline: string, regime: 'ENGINEERING' | 'GOV_PROCUREMENT' = 'ENGINEERING') => p.assertPublication(m, tender({ regime, bidDeadline: cst(deadline) }), now, true);
    it('the day before: 422 LEGAL_PERIOD_VIOLATION with the earliest lawful deadline', async () => {
      await expect(at('2026-03-22T23:59:59')).rejects.toMatchObject({
        code: 'LEGAL_PERIOD_VIOLATION',
        status: 422,
        details: { rule: 'MIN_BID_PREPARATION_DAYS', article: 'TBL Art. 24', earliest: cst('2026-03-23T00:00:00').toISOString() },
      });
      await expect(at('2026-03-22T23:59:59', 'GOV_PROCUREMENT')).rejects.toMatchObject({ details: { article: 'GPL Art. 35' } });
    });
    it('the day of and the day after: accepted', async () => {
      await expect(at('2026-03-23T00:00:00')).resolves.toBeUndefined();
      await expect(at('2026-03-23T09:30:00')).resolves.toBeUndefined();
      await expect(at('2026-03-24T09:30:00', 'GOV_PROCUREMENT')).resolves.toBeUndefined();
    });
    it('a period ending in a holiday runs to the next working day', async () => {
      const t = (d: string) => p.assertPublication(m, tender({ bidDeadline: cst(d) }), cst('2026-09-15T10:00:00'), true);
      await expect(t('2026-10-07T10:00:00')).rejects.toMatchObject({ details: { earliest: cst('2026-10-08T00:00:00').toISOString() } });
      await expect(t('2026-10-08T09:30:00')).resolves.toBeUndefined();
    });
    it('documents available ≥ 5 working days for procurement (GPR Art. 31): reported with the period it breaks', async () => {
      // Mon 03-09: 5 working days end Mon 03-16.
      const gp = (d: string) => p.assertPublication(m, tender({ regime: 'GOV_PROCUREMENT', bidDeadline: cst(d) }), cst('2026-03-09T10:00:00'), true);
      const rules = async (d: string) =>
        gp(d).then(
          () => [],
          (e) => ((e.details.violations as Array<{ rule: string }>) ?? [{ rule: e.details.rule }]).map((v) => v.rule),
        );
      expect(await rules('2026-03-15T23:59:59')).toContain('MIN_DOCUMENT_AVAILABILITY');
      expect(await rules('2026-03-16T00:00:00')).not.toContain('MIN_DOCUMENT_AVAILABILITY');
      expect(await rules('2026-03-17T00:00:00')).not.toContain('MIN_DOCUMENT_AVAILABILITY');
    });
    it('the documents must exist', async () => {
      await expect(p.assertPublication(m, tender({ bidDeadline: cst('2026-04-30T09:30:00') }), now, false)).rejects.toMatchObject({
        details: { rule: 'DOCUMENTS_REQUIRED' },
      });
    });
    it('a deadline in the past is bad input (400) in every mode', async () => {
      await expect(at('2026-03-03T09:59:59')).rejects.toMatchObject({ code: 'VALIDATION_FAILED', status: 400 });
    });
  });

  describe('amendments: ≥ 15 days before the deadline, or the deadline moves (TBR Art. 21; GPR Art. 31)', () => {
    const t = tender({ bidDeadline: cst('2026-12-20T09:30:00'), publishedAt: cst('2026-11-20T10:00:00') });
    it('the day before the limit and the day of it: accepted without moving the deadline', async () => {
      await expect(p.assertAmendment(m, t, cst('2026-12-04T18:00:00'), null)).resolves.toBeUndefined();
      await expect(p.assertAmendment(m, t, cst('2026-12-05T23:59:59'), null)).resolves.toBeUndefined();
    });
    it('the day after: refused unless the deadline moves to 15 days after the amendment', async () => {
      const now = cst('2026-12-06T00:00:00');
      await expect(p.assertAmendment(m, t, now, null)).rejects.toMatchObject({
        code: 'LEGAL_PERIOD_VIOLATION',
        details: { rule: 'AMENDMENT_MIN_DAYS_BEFORE_DEADLINE', article: 'TBR Art. 21', earliest: cst('2026-12-21T00:00:00').toISOString() },
      });
      await expect(p.assertAmendment(m, t, now, cst('2026-12-20T23:59:59'))).rejects.toMatchObject({ code: 'LEGAL_PERIOD_VIOLATION' });
      await expect(p.assertAmendment(m, t, now, cst('2026-12-21T00:00:00'))).resolves.toBeUndefined();
      await expect(p.assertAmendment(m, t, now, cst('2026-12-22T09:30:00'))).resolves.toBeUndefined();
    });
    it('a deadline moved earlier still keeps the 20 days from publication', async () => {
      const early = tender({ bidDeadline: cst('2027-01-30T09:30:00'), publishedAt: cst('2026-12-01T10:00:00') });
      await expect(p.assertAmendment(m, early, cst('2026-12-02T10:00:00'), cst('2026-12-20T09:30:00'))).rejects.toMatchObject({
        details: { rule: 'MIN_BID_PREPARATION_DAYS', earliest: cst('2026-12-21T00:00:00').toISOString() },
      });
      await expect(p.assertAmendment(m, early, cst('2026-12-02T10:00:00'), cst('2026-12-21T09:30:00'))).resolves.toBeUndefined();
    });
  });

  describe('objections to the documents', () => {
    it('engineering: ≥ 10 days before the deadline (TBR Art. 22): day before the limit, day of, day after', async () => {
      const t = tender({ bidDeadline: cst('2026-12-20T09:30:00') });
      await expect(p.assertObjection(m, t, cst('2026-12-09T12:00:00'))).resolves.toBeUndefined();
      await expect(p.assertObjection(m, t, cst('2026-12-10T23:59:59'))).resolves.toBeUndefined();
      await expect(p.assertObjection(m, t, cst('2026-12-11T00:00:00'))).rejects.toMatchObject({
        code: 'LEGAL_PERIOD_VIOLATION',
        details: { rule: 'OBJECTION_MIN_DAYS_BEFORE_DEADLINE', article: 'TBR Art. 22', latest: cst('2026-12-11T00:00:00').toISOString() },
      });
    });
    it('procurement: within 7 working days of the end of the 5-working-day notice (GPL Art. 52; GPR Art. 53)', async () => {
      // published Mon 03-09; notice ends Mon 03-16; 7 working days: 17..20, 23, 24, 25 → 03-25 24:00
      const t = tender({ regime: 'GOV_PROCUREMENT', publishedAt: cst('2026-03-09T10:00:00'), bidDeadline: cst('2026-04-20T09:30:00') });
      await expect(p.assertObjection(m, t, cst('2026-03-24T12:00:00'))).resolves.toBeUndefined();
      await expect(p.assertObjection(m, t, cst('2026-03-25T23:59:59'))).resolves.toBeUndefined();
      await expect(p.assertObjection(m, t, cst('2026-03-26T00:00:00'))).rejects.toMatchObject({ details: { rule: 'CHALLENGE_WITHIN_WORKING_DAYS' } });
    });
    it('the answer is due at 24:00 of the 3rd day (TBR Art. 22); 7 working days for procurement (GPL Art. 53)', async () => {
      expect((await p.answerDueAt(m, tender({}), cst('2026-03-10T15:00:00'))).toISOString()).toBe(cst('2026-03-14T00:00:00').toISOString());
      expect((await p.answerDueAt(m, tender({ regime: 'GOV_PROCUREMENT' }), cst('2026-09-24T10:00:00'))).toISOString()).toBe(
        // 28, 29, 30, (国庆) 10-08, 09, Sat 10 (worked), Mon 12: the 7th working day
        cst('2026-10-13T00:00:00').toISOString(),
      );
    });
  });
});

describe('TenderPeriods under LEGAL_PERIODS=relaxed: periods lifted, the future still required', () => {
  let p: TenderPeriods;
  beforeAll(async () => {
    p = await periods('relaxed');
  });
  it('publishes a deadline seconds ahead, amends and objects late, but never with a deadline in the past', async () => {
    const now = cst('2026-12-19T09:30:00');
    await expect(p.assertPublication(m, tender({ bidDeadline: cst('2026-12-19T09:30:05') }), now, false)).resolves.toBeUndefined();
    await expect(p.assertAmendment(m, tender({}), now, null)).resolves.toBeUndefined();
    await expect(p.assertObjection(m, tender({}), now)).resolves.toBeUndefined();
    await expect(p.assertPublication(m, tender({ bidDeadline: now }), now, true)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(p.assertAmendment(m, tender({}), now, cst('2026-12-19T09:29:59'))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});
