import { Role } from 'src/common/auth/role.enum';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { LegalCalendar } from 'src/modules/tenders/legal-calendar/legal-calendar';
import { LegalCalendarService } from 'src/modules/tenders/legal-calendar/legal-calendar.service';
import { adminParty, registerParty, type TestParty } from './factories/identity.factory';
import { createDraftTender, createPublishedTender, type TestTender, uploadTenderDocument } from './factories/tender.factory';
import { createTestApp, type TestApp } from './helpers/test-app';

const DAY = 86_400_000;

/**
 * The statutory periods under LEGAL_PERIODS=enforced, against the real database clock and the `legal_holidays`
 * table. "Time passing" is simulated by moving a published tender's instants back on the database clock.
 */
describe('statutory periods (e2e, LEGAL_PERIODS=enforced)', () => {
  let t: TestApp;
  let owner: TestParty;
  let bidder: TestParty;

  beforeAll(async () => {
    t = await createTestApp(); // enforced is the default
    expect(t.config.legalPeriodsEnforced).toBe(true);
    owner = await registerParty(t, { role: Role.PROCURING_ENTITY });
    bidder = await registerParty(t);
  });
  afterAll(() => t.close());

  const dbNow = () => t.app.get(TransactionRunner).now();
  const calendar = () => t.app.get(LegalCalendarService).calendar();
  const publish = (tender: TestTender) => t.http().post(`/api/v1/tenders/${tender.id}/publish`).set(owner.auth).send({});
  const draftWithDoc = async (deadline: Date, regime: 'ENGINEERING' | 'GOV_PROCUREMENT' = 'ENGINEERING') => {
    const d = await createDraftTender(t, {
      owner,
      bidDeadline: deadline.toISOString(),
      regime,
      ...(regime === 'GOV_PROCUREMENT' ? { category: 'GOODS', budget: '5000000.00', priceCeiling: null, bidSecurityAmount: '100000.00' } : {}),
    });
    await uploadTenderDocument(t, d);
    return d;
  };
  /** Moves a published tender back in time by `days`, as if they had passed (its deadline event too). */
  const age = async (tenderId: string, days: number) => {
    await t.dataSource.query(`UPDATE tenders SET published_at = published_at - make_interval(days => $2) WHERE id = $1`, [tenderId, days]);
  };
  const setDeadline = async (tenderId: string, deadline: Date) => {
    await t.dataSource.query(`UPDATE tenders SET bid_deadline = $2 WHERE id = $1`, [tenderId, deadline]);
    await t.dataSource.query(`UPDATE scheduled_events SET run_at = $2 WHERE subject_id = $1 AND status = 'PENDING'`, [tenderId, deadline]);
  };

  describe('publication: ≥ 20 days to the deadline (TBL Art. 24)', () => {
    it('the day before the 20th day: 422 LEGAL_PERIOD_VIOLATION naming the earliest lawful deadline; nothing published', async () => {
      const cal = await calendar();
      const earliest = cal.earliestDeadline(await dbNow(), 20, 'CALENDAR_DAYS');
      const d = await draftWithDoc(new Date(earliest.getTime() - 1000));
      const res = await publish(d).expect(422);
      expect(res.body).toMatchObject({ code: 'LEGAL_PERIOD_VIOLATION', details: { rule: 'MIN_BID_PREPARATION_DAYS', article: 'TBL Art. 24', earliest: earliest.toISOString() } });
      expect((await t.http().get(`/api/v1/tenders/${d.id}`).set(owner.auth)).body).toMatchObject({ status: 'DRAFT', sealing: { escrowPublicKey: null } });
      expect(await t.dataSource.query(`SELECT 1 FROM scheduled_events WHERE subject_id = $1`, [d.id])).toHaveLength(0);
    });

    it('the 20th day itself (from 00:00 China Standard Time) and the day after: published', async () => {
      const cal = await calendar();
      const earliest = cal.earliestDeadline(await dbNow(), 20, 'CALENDAR_DAYS');
      await publish(await draftWithDoc(earliest)).expect(200);
      await publish(await draftWithDoc(new Date(earliest.getTime() + 9.5 * 3600_000))).expect(200);
      await publish(await draftWithDoc(new Date(earliest.getTime() + DAY + 9.5 * 3600_000))).expect(200);
      await publish(await draftWithDoc(new Date(earliest.getTime() + DAY), 'GOV_PROCUREMENT')).expect(200);
    });

    it('a statutory holiday on the 20th day moves the earliest deadline to the next working day (民法典 Art. 203)', async () => {
      const admin = await adminParty(t);
      const before = await calendar();
      const now = await dbNow();
      const day20 = LegalCalendar.addDays(LegalCalendar.dayOf(now), 20);
      const year = Number(day20.slice(0, 4));
      const current = await t.http().get(`/api/v1/admin/holidays/${year}`).set(admin.auth);
      const loaded = current.status === 200 ? current.body : { source: 'test', holidays: [], workdays: [] };
      const holidays = [...loaded.holidays.filter((h: { day: string }) => h.day !== day20), { day: day20, name: '测试假日' }];
      const workdays = loaded.workdays.filter((w: { day: string }) => w.day !== day20);
      await t.http().put(`/api/v1/admin/holidays/${year}`).set(admin.auth).send({ source: loaded.source, holidays, workdays }).expect(200);
      try {
        const cal = await calendar();
        const earliest = cal.earliestDeadline(now, 20, 'CALENDAR_DAYS');
        expect(LegalCalendar.dayOf(earliest) > day20).toBe(true);
        expect(earliest.getTime()).toBeGreaterThan(before.earliestDeadline(now, 20, 'CALENDAR_DAYS').getTime() - 1);
        const onHoliday = await publish(await draftWithDoc(new Date(LegalCalendar.startOf(day20).getTime() + 9.5 * 3600_000))).expect(422);
        expect(onHoliday.body.details.earliest).toBe(earliest.toISOString());
        await publish(await draftWithDoc(new Date(earliest.getTime() - 1000))).expect(422);
        await publish(await draftWithDoc(earliest)).expect(200);
      } finally {
        await t
          .http()
          .put(`/api/v1/admin/holidays/${year}`)
          .set(admin.auth)
          .send(loaded.holidays.length ? { source: loaded.source, holidays: loaded.holidays, workdays: loaded.workdays } : { source: 'test', holidays: [], workdays: [] })
          .expect(200);
      }
    });

    it('the documents must be uploaded first (TBR Art. 16)', async () => {
      const cal = await calendar();
      const d = await createDraftTender(t, { owner, bidDeadline: new Date(cal.earliestDeadline(await dbNow(), 20, 'CALENDAR_DAYS').getTime() + DAY).toISOString() });
      expect((await publish(d).expect(422)).body.details.rule).toBe('DOCUMENTS_REQUIRED');
    });

    it('a deadline seconds ahead (fine under relaxed) is refused', async () => {
      const d = await draftWithDoc(new Date(Date.now() + 60_000));
      expect((await publish(d).expect(422)).body.code).toBe('LEGAL_PERIOD_VIOLATION');
    });
  });

  describe('amendments: ≥ 15 days before the deadline or the deadline moves (TBR Art. 21)', () => {
    const published = async () => {
      const cal = await calendar();
      const tender = await createPublishedTender(t, {
        owner,
        bidDeadline: new Date(cal.earliestDeadline(await dbNow(), 20, 'CALENDAR_DAYS').getTime() + DAY + 3600_000).toISOString(),
      });
      await age(tender.id, 10);
      return tender;
    };

    it('the deadline day − 15 (the last lawful day): accepted without moving the deadline', async () => {
      const tender = await published();
      const now = await dbNow();
      await setDeadline(tender.id, new Date(LegalCalendar.startOf(LegalCalendar.addDays(LegalCalendar.dayOf(now), 15)).getTime() + 9.5 * 3600_000));
      await t.http().post(`/api/v1/tenders/${tender.id}/amendments`).set(owner.auth).send({ text: '澄清：图纸第5页。' }).expect(201);
    });

    it('one day later: refused with the earliest lawful new deadline, nothing stored; moved to it: accepted and the event moves', async () => {
      const tender = await published();
      const now = await dbNow();
      const deadline = new Date(LegalCalendar.startOf(LegalCalendar.addDays(LegalCalendar.dayOf(now), 14)).getTime() + 9.5 * 3600_000);
      await setDeadline(tender.id, deadline);
      const earliest = LegalCalendar.startOf(LegalCalendar.addDays(LegalCalendar.dayOf(now), 15));
      const refused = await t.http().post(`/api/v1/tenders/${tender.id}/amendments`).set(owner.auth).send({ text: '修改工期。' }).expect(422);
      expect(refused.body).toMatchObject({
        code: 'LEGAL_PERIOD_VIOLATION',
        details: { rule: 'AMENDMENT_MIN_DAYS_BEFORE_DEADLINE', article: 'TBR Art. 21', earliest: earliest.toISOString() },
      });
      await t
        .http()
        .post(`/api/v1/tenders/${tender.id}/amendments`)
        .set(owner.auth)
        .send({ text: '修改工期。', bidDeadline: new Date(earliest.getTime() - 1000).toISOString() })
        .expect(422);
      expect(await t.dataSource.query(`SELECT 1 FROM tender_amendments WHERE tender_id = $1`, [tender.id])).toHaveLength(0);
      expect((await t.http().get(`/api/v1/tenders/${tender.id}`)).body.bidDeadline).toBe(deadline.toISOString());

      const moved = new Date(earliest.getTime() + 9.5 * 3600_000);
      const ok = await t.http().post(`/api/v1/tenders/${tender.id}/amendments`).set(owner.auth).send({ text: '修改工期。', bidDeadline: moved.toISOString() }).expect(201);
      expect(ok.body).toMatchObject({ deadlineMoved: true, previousBidDeadline: deadline.toISOString(), bidDeadline: moved.toISOString() });
      const [ev] = await t.dataSource.query(`SELECT run_at FROM scheduled_events WHERE subject_id = $1 AND status = 'PENDING'`, [tender.id]);
      expect(new Date(ev.run_at).toISOString()).toBe(moved.toISOString());
    });
  });

  describe('objections: ≥ 10 days before the deadline (TBR Art. 22)', () => {
    const withDeadlineInDays = async (days: number) => {
      const cal = await calendar();
      const tender = await createPublishedTender(t, {
        owner,
        bidDeadline: new Date(cal.earliestDeadline(await dbNow(), 20, 'CALENDAR_DAYS').getTime() + DAY + 3600_000).toISOString(),
      });
      await age(tender.id, 12);
      const now = await dbNow();
      await setDeadline(tender.id, new Date(LegalCalendar.startOf(LegalCalendar.addDays(LegalCalendar.dayOf(now), days)).getTime() + 9.5 * 3600_000));
      return tender;
    };
    const object = (tender: TestTender) => t.http().post(`/api/v1/tenders/${tender.id}/objections`).set(bidder.auth).send({ text: '评分办法倾向特定供应商。' });

    it('11 days before (the day before the limit) and 10 days before (its day): accepted, tender suspended', async () => {
      const a = await withDeadlineInDays(11);
      await object(a).expect(201);
      const b = await withDeadlineInDays(10);
      const res = await object(b).expect(201);
      expect((await t.http().get(`/api/v1/tenders/${b.id}`)).body.suspended).toBe(true);
      // the answer is due at 24:00 China Standard Time of the 3rd day, or of the next working day
      const cal = await calendar();
      expect(res.body.answerDueAt).toBe(cal.periodEnd(new Date(res.body.filedAt), 3, 'CALENDAR_DAYS').toISOString());
    });

    it('9 days before (the day after the limit): 422, nothing stored, not suspended', async () => {
      const tender = await withDeadlineInDays(9);
      const res = await object(tender).expect(422);
      expect(res.body).toMatchObject({ code: 'LEGAL_PERIOD_VIOLATION', details: { rule: 'OBJECTION_MIN_DAYS_BEFORE_DEADLINE', article: 'TBR Art. 22' } });
      expect(await t.dataSource.query(`SELECT 1 FROM tender_objections WHERE tender_id = $1`, [tender.id])).toHaveLength(0);
      expect((await t.http().get(`/api/v1/tenders/${tender.id}`)).body.suspended).toBe(false);
    });
  });
});
