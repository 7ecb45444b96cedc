import { Role } from 'src/common/auth/role.enum';
import { byUser, createExpert, drawn, membersOf, type TestExpert, tenderInEvaluation } from './factories/evaluation.factory';
import { createStaff, type TestParty } from './factories/identity.factory';
import { untilDatabaseClockPasses } from './helpers/poll';
import { createTestApp, type TestApp } from './helpers/test-app';

/**
 * An upheld complaint about the result ordering a re-evaluation (TBR Art. 62): the publicity is withdrawn, the same
 * committee evaluates again and signs a new report version; the award then goes out as platform messages to the
 * awardee and the other bidders (TBL Art. 45), and the experts were invited by message (TBR Art. 48).
 */
describe('complaint remedy RE_EVALUATION, and the result messages (integration)', () => {
  let t: TestApp;
  let supervisor: TestParty;
  beforeAll(async () => {
    t = await createTestApp({ env: { LEGAL_PERIODS: 'relaxed' } });
    supervisor = await createStaff(t, Role.SUPERVISOR);
  });
  afterAll(() => t.close());

  const api = (path: string) => `/api/v1${path}`;
  const topicsOf = async (who: { auth: { Authorization: string } }) =>
    (await t.http().get(api('/inbox')).query({ pageSize: 200 }).set(who.auth).expect(200)).body.items.map((i: { topic: string }) => i.topic);

  it('re-evaluates on an upheld complaint, then awards with notices to every bidder', async () => {
    const code = `R${Date.now().toString(36).toUpperCase()}`;
    const pool = await Promise.all(Array.from({ length: 5 }, () => createExpert(t, { specialties: [code] })));
    const tender = await tenderInEvaluation(t, { prices: ['36000000.00', '36500000.00', '37000000.00', '37500000.00'], specialties: [{ code, count: 5 }] });
    expect((await drawn(t, tender.id)).status).toBe('DRAWN');
    const users = byUser(pool);
    const experts: TestExpert[] = [];
    for (const s of await membersOf(t, tender.id)) {
      const e = users.get(s.user_id)!;
      expect(await topicsOf(e)).toContain('PANEL_INVITATION');
      await t
        .http()
        .post(api(`/expert/assignments/${s.id}/accept`))
        .set(e.auth)
        .expect(200);
      experts.push(e);
    }
    const scoreAll = async (qualified: (bidId: string) => boolean) => {
      for (const e of experts) {
        for (const b of tender.bidIds) {
          const ok = qualified(b);
          await t
            .http()
            .post(api(`/tenders/${tender.id}/evaluation/scores`))
            .set(e.auth)
            .send(ok ? { bidId: b, qualified: true } : { bidId: b, qualified: false, reasons: ['业绩证明材料虚假'], grounds: ['TBR51_7_COLLUSION_OR_FRAUD'] })
            .expect(200);
        }
        await t
          .http()
          .post(api(`/tenders/${tender.id}/evaluation/sign`))
          .set(e.auth)
          .send({})
          .expect(200);
      }
    };
    await scoreAll(() => true);
    await t
      .http()
      .post(api(`/tenders/${tender.id}/publicity`))
      .set(tender.owner.auth)
      .send({ endsAt: new Date(Date.now() + 60_000).toISOString() })
      .expect(200);

    const complainant = tender.bidders[1];
    const filed = await t
      .http()
      .post(api(`/tenders/${tender.id}/complaints`))
      .set(complainant.auth)
      .send({ stage: 'OTHER', text: '第一中标候选人业绩造假', knownAt: new Date(Date.now() - 3600_000).toISOString() })
      .expect(201);
    const handle = (body: Record<string, unknown>) =>
      t
        .http()
        .patch(api(`/supervision/complaints/${filed.body.id}`))
        .set(supervisor.auth)
        .send(body);
    await handle({ status: 'ACCEPTED', suspend: true }).expect(200);
    // Suspended: no award meanwhile, even once the publicity would allow it.
    expect(
      (
        await t
          .http()
          .post(api(`/tenders/${tender.id}/award`))
          .set(tender.owner.auth)
          .send({ bidId: tender.bidIds[0] })
          .expect(409)
      ).body.code,
    ).toBe('AWARD_SUSPENDED');
    const decided = await handle({ status: 'DECIDED', decision: 'UPHELD', decisionText: '投诉成立，责令评标委员会重新评审', remedy: 'RE_EVALUATION' }).expect(200);
    expect(decided.body).toMatchObject({ remedy: 'RE_EVALUATION', suspension: { liftedAt: expect.any(String) } });
    const [{ status, suspended_at }] = await t.dataSource.query(`SELECT status, suspended_at FROM tenders WHERE id = $1`, [tender.id]);
    expect(status).toBe('EVALUATION');
    expect(suspended_at).toBeNull();
    expect((await t.http().get(api(`/tenders/${tender.id}/candidates`))).status).toBe(404);
    const [reopened] = await t.dataSource.query(`SELECT data FROM audit_events WHERE tender_id = $1 AND action = 'EVALUATION_REOPENED'`, [tender.id]);
    expect(reopened.data).toEqual({ complaintId: filed.body.id });

    // The same committee evaluates again: the first candidate is rejected; a new report version.
    await scoreAll((b) => b !== tender.bidIds[0]);
    const report = (
      await t
        .http()
        .get(api(`/tenders/${tender.id}/evaluation-report`))
        .set(tender.owner.auth)
        .expect(200)
    ).body;
    expect(report.version).toBe(2);
    expect(report.candidates[0].bidId).toBe(tender.bidIds[1]);
    const publicityEnds = new Date(Date.now() + 300).toISOString();
    await t
      .http()
      .post(api(`/tenders/${tender.id}/publicity`))
      .set(tender.owner.auth)
      .send({ endsAt: publicityEnds })
      .expect(200);
    await untilDatabaseClockPasses(t.dataSource, publicityEnds);
    await t
      .http()
      .post(api(`/tenders/${tender.id}/award`))
      .set(tender.owner.auth)
      .send({ bidId: tender.bidIds[1] })
      .expect(200);
    expect(await topicsOf(tender.bidders[1])).toContain('AWARD_NOTICE');
    for (const i of [0, 2, 3]) expect(await topicsOf(tender.bidders[i])).toContain('AWARD_RESULT');
    expect(await topicsOf(tender.owner)).toContain('COMPLAINT_UPHELD');
  });
});
