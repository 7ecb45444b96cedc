import { Role } from 'src/common/auth/role.enum';
import { type DomainEventMap, DomainEvents } from 'src/common/events/domain-events';
import { beijingTimeLabel } from 'src/common/time/beijing-time';
import { verifyAnyDrawRecord as verifyDrawRecord } from 'src/modules/experts/draw/expert-draw.algorithm';
import { createStaff, registerParty, type TestParty } from './factories/identity.factory';
import {
  byUser,
  createExpert,
  drawn,
  type EvaluationTender,
  type EvaluationTenderOptions,
  fireNow,
  membersOf,
  type TestExpert,
  tenderInEvaluation,
  waitFor,
} from './factories/evaluation.factory';
import { ISO_INSTANT, pdfText } from './helpers/pdf-text';
import { untilDatabaseClockPasses } from './helpers/poll';
import { createTestApp, type TestApp } from './helpers/test-app';

describe('evaluation, report, publicity, award and contract (integration)', () => {
  let t: TestApp;
  let supervisor: TestParty;
  const heard: { [K in keyof DomainEventMap]?: Array<DomainEventMap[K]> } = {};

  beforeAll(async () => {
    t = await createTestApp({ env: { LEGAL_PERIODS: 'relaxed' } });
    supervisor = await createStaff(t, Role.SUPERVISOR);
    const events = t.app.get(DomainEvents);
    for (const name of ['TenderFailed', 'AwardNoticeIssued', 'ContractSigned', 'AwardeeDefaulted'] as const) {
      events.observe(name, async (_m, payload) => {
        ((heard[name] ??= []) as unknown[]).push(payload);
      });
    }
  });
  afterAll(() => t.close());

  const api = (path: string) => `/api/v1/tenders${path}`;

  /** A tender in EVALUATION whose five drawn experts have all accepted. */
  async function seatedPanel(o: EvaluationTenderOptions = {}): Promise<{ tender: EvaluationTender; experts: TestExpert[] }> {
    const code = `E${Date.now().toString(36).toUpperCase()}${Math.floor(Math.random() * 1e4)}`;
    const pool = await Promise.all(Array.from({ length: 5 }, () => createExpert(t, { specialties: [code] })));
    const tender = await tenderInEvaluation(t, { ...o, specialties: [{ code, count: 5 }] });
    expect((await drawn(t, tender.id)).status).toBe('DRAWN');
    const users = byUser(pool);
    const experts: TestExpert[] = [];
    for (const s of await membersOf(t, tender.id)) {
      const e = users.get(s.user_id)!;
      await t.http().post(`/api/v1/expert/assignments/${s.id}/accept`).set(e.auth).expect(200);
      experts.push(e);
    }
    return { tender, experts };
  }

  const score = (e: TestExpert, tenderId: string, body: Record<string, unknown>) =>
    t
      .http()
      .post(api(`/${tenderId}/evaluation/scores`))
      .set(e.auth)
      .send(body);
  const sign = (e: TestExpert, tenderId: string, body: Record<string, unknown> = {}) =>
    t
      .http()
      .post(api(`/${tenderId}/evaluation/sign`))
      .set(e.auth)
      .send(body);

  describe('经评审的最低投标价法, engineering: from the verdicts to the contract', () => {
    let tender: EvaluationTender;
    let experts: TestExpert[];
    // A, B, C (above the ceiling 38,000,000), D (unqualified by majority), E, F (revoked at opening)
    const prices = ['36500000.00', '37200000.00', '38500000.00', '35000000.00', '37900000.00', null];
    const [A, B, C, D, E, F] = [0, 1, 2, 3, 4, 5];
    let noticeIssuedAt: string;

    beforeAll(async () => {
      ({ tender, experts } = await seatedPanel({ prices }));
    });

    it('the committee reads the opened bids; nobody else does', async () => {
      const res = await t
        .http()
        .get(api(`/${tender.id}/evaluation/bids`))
        .set(experts[0].auth)
        .expect(200);
      expect(res.body).toHaveLength(6);
      const c = res.body.find((b: { bidId: string }) => b.bidId === tender.bidIds[C]);
      expect(c).toMatchObject({ price: '38500000.00', aboveCeiling: true, evaluated: true, attachments: [{ name: '技术标.pdf' }] });
      expect(res.body.find((b: { bidId: string }) => b.bidId === tender.bidIds[F])).toMatchObject({ status: 'REVOKED', evaluated: false });
      const outsider = await createExpert(t);
      for (const who of [outsider, tender.owner, tender.bidders[0]]) {
        expect([403]).toContain(
          (
            await t
              .http()
              .get(api(`/${tender.id}/evaluation/bids`))
              .set(who.auth)
          ).status,
        );
      }
    });

    it('bad verdicts are 400 VALIDATION_FAILED and change nothing', async () => {
      const before = await t.dataSource.query(`SELECT count(*)::int AS n FROM evaluation_verdicts WHERE tender_id = $1`, [tender.id]);
      for (const body of [
        { bidId: tender.bidIds[A], qualified: false }, // no reasons
        { bidId: tender.bidIds[A], qualified: true, factorScores: { TECH: 10 } }, // no factors in this method
        { bidId: tender.bidIds[A], qualified: 'yes' },
        { bidId: tender.bidIds[A], qualified: true, grounds: ['TBR51_3_QUALIFICATION_NOT_MET'] },
        { bidId: 'not-a-uuid', qualified: true },
        { bidId: tender.bidIds[A], qualified: true, price: '1.00' },
      ]) {
        const res = await score(experts[0], tender.id, body).expect(400);
        expect(res.body.code).toBe('VALIDATION_FAILED');
      }
      expect(await t.dataSource.query(`SELECT count(*)::int AS n FROM evaluation_verdicts WHERE tender_id = $1`, [tender.id])).toEqual(before);
      await score(experts[0], tender.id, { bidId: tender.bidIds[F], qualified: true }).expect(409); // a revoked bid is not evaluated
    });

    it('a member signs only with a verdict on every evaluated bid', async () => {
      await score(experts[0], tender.id, { bidId: tender.bidIds[A], qualified: true }).expect(200);
      const res = await sign(experts[0], tender.id).expect(409);
      expect(res.body).toMatchObject({ code: 'SCORES_INCOMPLETE', details: { missingBidIds: expect.arrayContaining([tender.bidIds[B], tender.bidIds[E]]) } });
    });

    it('the report is not there before every member has signed', async () => {
      expect(
        (
          await t
            .http()
            .get(api(`/${tender.id}/evaluation-report`))
            .set(tender.owner.auth)
            .expect(409)
        ).body.code,
      ).toBe('REPORT_NOT_READY');
    });

    it('every member scores independently and signs; the last signature ranks the candidates and writes the report', async () => {
      const unqualified = { qualified: false, reasons: ['项目经理无一级建造师注册证书'], grounds: ['TBR51_3_QUALIFICATION_NOT_MET'] };
      for (const [i, e] of experts.entries()) {
        for (const b of [A, B, C, E]) await score(e, tender.id, { bidId: tender.bidIds[b], qualified: true }).expect(200);
        await score(e, tender.id, { bidId: tender.bidIds[D], ...(i < 3 ? unqualified : { qualified: true }) }).expect(200);
      }
      // a repeated verdict changes nothing (idempotent)
      const again = await score(experts[1], tender.id, { bidId: tender.bidIds[A], qualified: true }).expect(200);
      expect(again.body).toMatchObject({ qualified: true, locked: false });
      for (const [i, e] of experts.entries()) {
        const res = await sign(e, tender.id, i === 4 ? { dissent: '对否决投标人D的意见保留：其资格证明可在线核验' } : {}).expect(200);
        expect(res.body.result).toBe(i < 4 ? 'AWAITING_SIGNATURES' : 'COMPLETED');
      }
      expect((await sign(experts[0], tender.id).expect(409)).body.code).toBe('EVALUATION_NOT_OPEN'); // over
      expect((await score(experts[0], tender.id, { bidId: tender.bidIds[A], qualified: false, reasons: ['x'] }).expect(409)).body.code).toBe('EVALUATION_NOT_OPEN');
      const mine = await t
        .http()
        .get(api(`/${tender.id}/evaluation/scores/mine`))
        .set(experts[0].auth)
        .expect(200);
      expect(mine.body).toMatchObject({ signed: true });
      expect(mine.body.verdicts.every((v: { locked: boolean }) => v.locked)).toBe(true);
    });

    it('the report holds what PB12 Art. 42 requires (regulations.md row 84)', async () => {
      const r = (
        await t
          .http()
          .get(api(`/${tender.id}/evaluation-report`))
          .set(tender.owner.auth)
          .expect(200)
      ).body;
      // 1 basic data, 2 members
      expect(r.basicData).toMatchObject({
        tenderId: tender.id,
        title: '盐城市开发大道改造工程施工',
        priceCeiling: '38000000.00',
        procuringEntity: { id: tender.owner.organizationId },
      });
      expect(r.committee.members).toHaveLength(5);
      expect(r.committee.members[0]).toMatchObject({ name: expect.any(String), title: '高级工程师' });
      expect(r.committee.draw).toMatchObject({ algorithm: 'expert-draw-v2', seedCommitment: expect.stringMatching(/^[0-9a-f]{64}$/) });
      // 3 opening record
      expect(r.openingRecord).toHaveLength(6);
      // 4 compliant bids, 5 rejected bids with reasons
      expect(r.compliantBids.map((b: { bidId: string }) => b.bidId).sort()).toEqual([tender.bidIds[A], tender.bidIds[B], tender.bidIds[E]].sort());
      const rejected = Object.fromEntries(r.rejectedBids.map((b: { bidId: string }) => [b.bidId, b]));
      expect(rejected[tender.bidIds[C]]).toMatchObject({ automatic: true, grounds: ['TBR51_5_PRICE_ABOVE_CEILING'], groundsText: [expect.stringContaining('最高投标限价')] });
      expect(rejected[tender.bidIds[D]]).toMatchObject({ automatic: false, reasons: ['项目经理无一级建造师注册证书'], votes: { qualified: 2, notQualified: 3 } });
      expect(r.notEvaluated).toEqual([expect.objectContaining({ bidId: tender.bidIds[F], status: 'REVOKED' })]);
      // 6 criteria, 7 price table, 8 ranking, 9 candidates (≤ 3)
      expect(r.criteria).toMatchObject({ method: 'LOWEST_EVALUATED_PRICE', priceCeiling: '38000000.00', rules: expect.any(Array) });
      expect(r.scoreTable.map((x: { evaluatedPrice: string; rank: number }) => [x.evaluatedPrice, x.rank])).toEqual([
        ['36500000.00', 1],
        ['37200000.00', 2],
        ['37900000.00', 3],
      ]);
      expect(r.ranking).toHaveLength(3);
      expect(r.candidates.map((c: { rank: number; bidId: string }) => [c.rank, c.bidId])).toEqual([
        [1, tender.bidIds[A]],
        [2, tender.bidIds[B]],
        [3, tender.bidIds[E]],
      ]);
      // 10 clarification minutes; signatures with the dissent; each member's own sheet
      expect(r.clarifications).toEqual([]);
      expect(r.signatures).toHaveLength(5);
      expect(r.dissents).toEqual([expect.objectContaining({ dissent: '对否决投标人D的意见保留：其资格证明可在线核验' })]);
      expect(r.scoreSheets).toHaveLength(5);
      expect(r.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(r.outcome).toBe('CANDIDATES');
    });

    it('the report as a Chinese PDF, for the owner, supervisors and the committee only', async () => {
      const pdf = await t
        .http()
        .get(api(`/${tender.id}/evaluation-report.pdf`))
        .set(supervisor.auth)
        .buffer(true)
        .parse((res, cb) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => cb(null, Buffer.concat(chunks)));
        })
        .expect(200);
      expect(pdf.headers['content-type']).toMatch(/application\/pdf/);
      expect((pdf.body as Buffer).subarray(0, 5).toString()).toBe('%PDF-');
      expect(pdf.headers['x-report-sha256']).toMatch(/^[0-9a-f]{64}$/);
      // Instants in Beijing time in the filed PDF; ISO-8601 UTC in the JSON.
      const json = (
        await t
          .http()
          .get(api(`/${tender.id}/evaluation-report`))
          .set(supervisor.auth)
          .expect(200)
      ).body;
      const text = pdfText(pdf.body as Buffer);
      expect(text).toContain('评标报告');
      expect(text).toContain(beijingTimeLabel(json.basicData.bidDeadline));
      expect(text).toContain(beijingTimeLabel(json.generatedAt));
      expect(text).not.toMatch(ISO_INSTANT);
      expect(json.generatedAt).toMatch(/Z$/);
      await t
        .http()
        .get(api(`/${tender.id}/evaluation-report`))
        .set(experts[2].auth)
        .expect(200);
      await t
        .http()
        .get(api(`/${tender.id}/evaluation-report`))
        .set(tender.bidders[0].auth)
        .expect(403);
      const other = await registerParty(t, { role: Role.PROCURING_ENTITY });
      await t
        .http()
        .get(api(`/${tender.id}/evaluation-report.pdf`))
        .set(other.auth)
        .expect(403);
    });

    it('candidate publicity, an objection that suspends the award, the rank-1 rule, the award and the seed revealed', async () => {
      const endsAt = new Date(Date.now() + 2500).toISOString();
      await t
        .http()
        .post(api(`/${tender.id}/award`))
        .set(tender.owner.auth)
        .send({ bidId: tender.bidIds[A] })
        .expect(409); // no publicity yet
      const pub = await t
        .http()
        .post(api(`/${tender.id}/publicity`))
        .set(tender.owner.auth)
        .send({ endsAt })
        .expect(200);
      expect(pub.body).toMatchObject({ kind: 'CANDIDATE_PUBLICITY', status: 'RUNNING', endsAt });
      expect(
        (
          await t
            .http()
            .post(api(`/${tender.id}/publicity`))
            .set(tender.owner.auth)
            .send({ endsAt })
            .expect(200)
        ).body.id,
      ).toBe(pub.body.id);
      const notice = await t
        .http()
        .get(api(`/${tender.id}/candidates`))
        .expect(200);
      expect(notice.body.content.candidates.map((c: { rank: number }) => c.rank)).toEqual([1, 2, 3]);
      expect(notice.body.content.rejectedBids).toHaveLength(2);

      expect(
        (
          await t
            .http()
            .post(api(`/${tender.id}/award`))
            .set(tender.owner.auth)
            .send({ bidId: tender.bidIds[A] })
            .expect(409)
        ).body.code,
      ).toBe('PUBLICITY_NOT_ENDED');
      const outsider = await registerParty(t);
      await t
        .http()
        .post(api(`/${tender.id}/result-objections`))
        .set(outsider.auth)
        .send({ text: '异议' })
        .expect(403);
      const objection = await t
        .http()
        .post(api(`/${tender.id}/result-objections`))
        .set(tender.bidders[B].auth)
        .send({ text: '第一中标候选人的项目经理有在建工程' })
        .expect(201);
      expect(objection.body).toMatchObject({ status: 'PENDING', answerDueAt: expect.any(String) });

      await untilDatabaseClockPasses(t.dataSource, endsAt);
      expect(
        (
          await t
            .http()
            .post(api(`/${tender.id}/result-objections`))
            .set(tender.bidders[E].auth)
            .send({ text: '太迟' })
            .expect(422)
        ).body.code,
      ).toBe('LEGAL_PERIOD_VIOLATION');
      const suspended = await t
        .http()
        .post(api(`/${tender.id}/award`))
        .set(tender.owner.auth)
        .send({ bidId: tender.bidIds[A] })
        .expect(409);
      expect(suspended.body).toMatchObject({ code: 'AWARD_SUSPENDED', details: { objectionIds: [objection.body.id] } });
      await t
        .http()
        .post(api(`/${tender.id}/result-objections/${objection.body.id}/answer`))
        .set(tender.owner.auth)
        .send({ answer: '经核查，该项目经理无在建工程，异议不成立', upheld: false })
        .expect(200);

      expect(
        (
          await t
            .http()
            .post(api(`/${tender.id}/award`))
            .set(tender.owner.auth)
            .send({ bidId: tender.bidIds[B] })
            .expect(422)
        ).body.code,
      ).toBe('AWARD_RANK_RULE');
      expect(
        (
          await t
            .http()
            .post(api(`/${tender.id}/award`))
            .set(tender.owner.auth)
            .send({ bidId: tender.bidIds[D] })
            .expect(422)
        ).body.code,
      ).toBe('NOT_A_CANDIDATE');
      await t
        .http()
        .post(api(`/${tender.id}/award`))
        .set(tender.bidders[A].auth)
        .send({ bidId: tender.bidIds[A] })
        .expect(403);
      const award = await t
        .http()
        .post(api(`/${tender.id}/award`))
        .set(tender.owner.auth)
        .send({ bidId: tender.bidIds[A] })
        .expect(200);
      expect(award.body).toMatchObject({ status: 'NOTIFIED', rank: 1, price: '36500000.00', noticeNo: expect.stringMatching(/^ZB-/) });
      noticeIssuedAt = award.body.noticeIssuedAt;
      const repeated = await t
        .http()
        .post(api(`/${tender.id}/award`))
        .set(tender.owner.auth)
        .send({ bidId: tender.bidIds[A] })
        .expect(200);
      expect(repeated.body.noticeNo).toBe(award.body.noticeNo);
      expect(heard.AwardNoticeIssued).toContainEqual({ tenderId: tender.id, awardeeOrganizationId: tender.bidders[A].organizationId, bidId: tender.bidIds[A] });
      const [{ status }] = await t.dataSource.query(`SELECT status FROM tenders WHERE id = $1`, [tender.id]);
      expect(status).toBe('AWARDED');

      // After the award the committee is public, with the seed: anyone recomputes the draw from the API output.
      const panel = await t
        .http()
        .get(api(`/${tender.id}/panel`))
        .expect(200);
      expect(panel.body.seed).toMatch(/^[0-9a-f]{64}$/);
      const record = await t
        .http()
        .get(api(`/${tender.id}/panel/draw-record`))
        .expect(200);
      expect(record.body.candidatesDisclosed).toBe(true);
      expect(verifyDrawRecord(record.body)).toEqual({ valid: true, problems: [] });

      const mineA = await t
        .http()
        .get(api(`/${tender.id}/result-notice`))
        .set(tender.bidders[A].auth)
        .expect(200);
      expect(mineA.body).toMatchObject({ kind: 'NOTICE_OF_AWARD', awarded: true, ownRank: 1 });
      const mineD = await t
        .http()
        .get(api(`/${tender.id}/result-notice`))
        .set(tender.bidders[D].auth)
        .expect(200);
      expect(mineD.body).toMatchObject({ kind: 'RESULT_NOTICE', awarded: false, rejection: { reasons: ['项目经理无一级建造师注册证书'] } });
    });

    it('the contract: at the winning price, not in the future, recorded once; ContractSigned follows', async () => {
      const now = new Date().toISOString();
      expect(
        (
          await t
            .http()
            .post(api(`/${tender.id}/contract`))
            .set(tender.owner.auth)
            .send({ signedAt: now, amount: '36500000.01' })
            .expect(422)
        ).body.code,
      ).toBe('CONTRACT_MISMATCH');
      expect(
        (
          await t
            .http()
            .post(api(`/${tender.id}/contract`))
            .set(tender.owner.auth)
            .send({ signedAt: new Date(Date.now() + 3_600_000).toISOString() })
            .expect(400)
        ).body.code,
      ).toBe('VALIDATION_FAILED');
      const signedAt = new Date(new Date(noticeIssuedAt).getTime() + 1).toISOString();
      const early = new Date(new Date(noticeIssuedAt).getTime() - 60_000).toISOString();
      expect(
        (
          await t
            .http()
            .post(api(`/${tender.id}/contract`))
            .set(tender.owner.auth)
            .send({ signedAt: early })
            .expect(400)
        ).body.details[0].field,
      ).toBe('signedAt');
      const res = await t
        .http()
        .post(api(`/${tender.id}/contract`))
        .set(tender.owner.auth)
        .send({ signedAt, contractNo: 'YC-2026-0087', amount: '36500000.00' })
        .expect(200);
      expect(res.body).toMatchObject({ status: 'CONTRACTED', contract: { signedAt, contractNo: 'YC-2026-0087', amount: '36500000.00' } });
      await t
        .http()
        .post(api(`/${tender.id}/contract`))
        .set(tender.owner.auth)
        .send({ signedAt })
        .expect(200);
      expect(heard.ContractSigned?.filter((e) => e.tenderId === tender.id)).toEqual([{ tenderId: tender.id, awardeeOrganizationId: tender.bidders[A].organizationId, signedAt }]);
      const [{ status }] = await t.dataSource.query(`SELECT status FROM tenders WHERE id = $1`, [tender.id]);
      expect(status).toBe('CONTRACTED');
      const members = await membersOf(t, tender.id);
      expect(members.every((m) => m.status === 'COMPLETED')).toBe(true);
    });
  });

  describe('综合评分法, government procurement of goods (MOF87 Arts. 55, 56, 68, 69)', () => {
    let tender: EvaluationTender;
    let experts: TestExpert[];
    const factors = [
      { code: 'TECH', name: '技术方案', maxScore: 50 },
      { code: 'SERVICE', name: '售后服务', maxScore: 20 },
    ];

    beforeAll(async () => {
      ({ tender, experts } = await seatedPanel({
        regime: 'GOV_PROCUREMENT',
        category: 'GOODS',
        method: 'COMPREHENSIVE_SCORING',
        priceWeight: '0.30',
        factors,
        budget: '1100000.00',
        priceCeiling: '1000000.00',
        prices: ['900000.00', '950000.00', '1000000.00', '1050000.00'],
        title: '盐城市第一人民医院医疗设备采购',
      }));
    });

    it('factor scores: every published factor, within its maximum, at most 2 decimals', async () => {
      const bidId = tender.bidIds[0];
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ TECH: 50.5, SERVICE: 10 }, 'factorScores.TECH'],
        [{ TECH: 40 }, 'factorScores'],
        [{ TECH: 40, SERVICE: 10, BRAND: 5 }, 'factorScores.BRAND'],
        [{ TECH: 40.123, SERVICE: 10 }, 'factorScores'],
        [{ TECH: -1, SERVICE: 10 }, 'factorScores'],
      ];
      for (const [factorScores, field] of cases) {
        const res = await score(experts[0], tender.id, { bidId, qualified: true, factorScores }).expect(400);
        expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
      }
    });

    it('ranks by total = lowest valid price / price × 30 + factors; procurement has no publicity; the award announcement names the evaluators', async () => {
      const f = [
        { TECH: 40, SERVICE: 20 },
        { TECH: 45, SERVICE: 17 },
        { TECH: 50, SERVICE: 15 },
        { TECH: 50, SERVICE: 20 },
      ];
      for (const e of experts) {
        for (let i = 0; i < 4; i++) await score(e, tender.id, { bidId: tender.bidIds[i], qualified: true, factorScores: f[i] }).expect(200);
        await sign(e, tender.id).expect(200);
      }
      const r = (
        await t
          .http()
          .get(api(`/${tender.id}/evaluation-report`))
          .set(supervisor.auth)
          .expect(200)
      ).body;
      expect(r.scoreTable.map((x: { price: string; priceScore: string; totalScore: string; rank: number }) => [x.price, x.priceScore, x.totalScore, x.rank])).toEqual([
        ['1000000.00', '27.00', '92.00', 1],
        ['950000.00', '28.42', '90.42', 2],
        ['900000.00', '30.00', '90.00', 3],
      ]);
      expect(r.rejectedBids).toEqual([expect.objectContaining({ price: '1050000.00', automatic: true, grounds: ['TBR51_5_PRICE_ABOVE_CEILING'] })]);
      expect(
        (
          await t
            .http()
            .post(api(`/${tender.id}/publicity`))
            .set(tender.owner.auth)
            .send({})
            .expect(409)
        ).body.code,
      ).toBe('PUBLICITY_NOT_APPLICABLE');
      // MOF87 Art. 68: a decision is due within 5 working days, else rank 1 is deemed chosen
      const [due] = await t.dataSource.query(`SELECT run_at FROM scheduled_events WHERE kind = 'AWARD_DECISION_DUE' AND subject_id = $1 AND status = 'PENDING'`, [tender.id]);
      expect(due).toBeDefined();

      const award = await t
        .http()
        .post(api(`/${tender.id}/award`))
        .set(tender.owner.auth)
        .send({ bidId: tender.bidIds[2] })
        .expect(200);
      expect(award.body).toMatchObject({ rank: 1, score: '92.00', announcementEndsAt: expect.any(String) });
      const announcement = (
        await t
          .http()
          .get(api(`/${tender.id}/candidates`))
          .expect(200)
      ).body;
      expect(announcement).toMatchObject({ kind: 'AWARD_ANNOUNCEMENT', status: 'RUNNING', content: { awardee: { price: '1000000.00' } } });
      expect(announcement.content.evaluators).toHaveLength(5);
      const [pending] = await t.dataSource.query(`SELECT status FROM scheduled_events WHERE kind = 'AWARD_DECISION_DUE' AND subject_id = $1`, [tender.id]);
      expect(pending.status).toBe('CANCELLED');
      // MOF87 Art. 69: a loser learns its own score and rank
      const mine = await t
        .http()
        .get(api(`/${tender.id}/result-notice`))
        .set(tender.bidders[0].auth)
        .expect(200);
      expect(mine.body).toMatchObject({ awarded: false, ownRank: 3, ownScore: '90.00' });
    });
  });

  describe('fewer than 3 valid bids (PB12 Art. 27; regulations.md row 80)', () => {
    it('engineering: the committee decides; a majority to reject all fails the tender, with its reasons in the report', async () => {
      const { tender, experts } = await seatedPanel({ prices: ['36000000.00', '36500000.00', '37000000.00'] });
      for (const e of experts) {
        await score(e, tender.id, { bidId: tender.bidIds[0], qualified: true }).expect(200);
        await score(e, tender.id, { bidId: tender.bidIds[1], qualified: true }).expect(200);
        await score(e, tender.id, { bidId: tender.bidIds[2], qualified: false, reasons: ['未提交安全生产许可证'], grounds: ['TBR51_3_QUALIFICATION_NOT_MET'] }).expect(200);
      }
      for (const e of experts) await sign(e, tender.id).expect(200);
      const status = await t
        .http()
        .get(api(`/${tender.id}/evaluation`))
        .set(tender.owner.auth)
        .expect(200);
      expect(status.body).toMatchObject({ status: 'AWAITING_COMPETITION_DECISION', signed: 5 });
      const decide = (e: TestExpert, decision: string, reason: string) =>
        t
          .http()
          .post(api(`/${tender.id}/evaluation/competition-decision`))
          .set(e.auth)
          .send({ decision, reason });
      await decide(experts[0], 'MAYBE', 'x').expect(400);
      await decide(experts[0], 'REJECT_ALL', '仅两家有效，报价均接近最高限价，明显缺乏竞争').expect(200);
      await decide(experts[1], 'REJECT_ALL', '有效投标不足三家且报价集中').expect(200);
      await decide(experts[2], 'CONTINUE', '两家报价差异合理，竞争充分').expect(200);
      await decide(experts[3], 'REJECT_ALL', '缺乏竞争').expect(200);
      const last = await decide(experts[4], 'CONTINUE', '可以继续').expect(200);
      expect(last.body.result).toBe('FAILED');
      const [row] = await t.dataSource.query(`SELECT status, status_reason FROM tenders WHERE id = $1`, [tender.id]);
      expect(row.status).toBe('FAILED');
      expect(heard.TenderFailed?.find((e) => e.tenderId === tender.id)?.reason).toMatch(/PB12 Art\. 27/);
      const r = (
        await t
          .http()
          .get(api(`/${tender.id}/evaluation-report`))
          .set(tender.owner.auth)
          .expect(200)
      ).body;
      expect(r).toMatchObject({
        outcome: 'FAILED',
        candidates: [],
        competition: { validBids: 2, panelDecision: { decision: 'REJECT_ALL', votes: { rejectAll: 3, continue: 2 } } },
      });
      expect(r.competition.panelDecision.reasons).toHaveLength(5);
    });

    it('none valid: the tender fails at the last signature', async () => {
      const { tender, experts } = await seatedPanel({ prices: ['36000000.00', '36500000.00', '39000000.00'] });
      for (const e of experts) {
        for (const b of tender.bidIds.slice(0, 2))
          await score(e, tender.id, { bidId: b, qualified: false, reasons: ['未实质性响应招标文件'], grounds: ['TBR51_6_NOT_RESPONSIVE'] }).expect(200);
        await score(e, tender.id, { bidId: tender.bidIds[2], qualified: true }).expect(200); // above the ceiling anyway
      }
      const results = [];
      for (const e of experts) results.push((await sign(e, tender.id).expect(200)).body.result);
      expect(results[4]).toBe('FAILED');
      expect(heard.TenderFailed?.some((e) => e.tenderId === tender.id)).toBe(true);
    });
  });

  describe('clarifications (TBR Art. 52; EB20 Art. 33; PB12 Art. 26)', () => {
    it('in writing, through the platform, answered before a deadline inside the evaluation; the minutes go into the report', async () => {
      const { tender, experts } = await seatedPanel();
      const ask = (body: Record<string, unknown>) =>
        t
          .http()
          .post(api(`/${tender.id}/evaluation/clarifications`))
          .set(experts[0].auth)
          .send(body);
      const base = {
        bidId: tender.bidIds[1],
        item: '投标函 工期',
        question: '请书面说明投标函工期与施工组织设计不一致的原因',
        deadline: new Date(Date.now() + 60_000).toISOString(),
      };
      expect((await ask({ ...base, kind: 'CURABLE_DEFICIENCY' }).expect(422)).body.code).toBe('CURABLE_DEFICIENCY_NOT_ALLOWED'); // off by default
      await ask({ ...base, kind: 'MINOR_DEVIATION', deadline: new Date(Date.now() - 1000).toISOString() }).expect(400);
      const req = (await ask({ ...base, kind: 'MINOR_DEVIATION' }).expect(201)).body;
      expect(req.legalBasis).toMatch(/第二十六条/);

      for (const e of experts) for (const b of tender.bidIds) await score(e, tender.id, { bidId: b, qualified: true }).expect(200);
      expect((await sign(experts[0], tender.id).expect(409)).body.code).toBe('CLARIFICATION_PENDING');

      const respond = (who: TestParty, body: Record<string, unknown>) =>
        t
          .http()
          .post(api(`/${tender.id}/evaluation/clarifications/${req.id}/response`))
          .set(who.auth)
          .send(body);
      await respond(tender.bidders[0], { text: '不是我的' }).expect(404); // another bidder
      expect((await respond(tender.bidders[1], { text: '补充', attachments: [{ name: '业绩.pdf', sha256: 'a'.repeat(64) }] }).expect(422)).body.code).toBe(
        'CURABLE_DEFICIENCY_NOT_ALLOWED',
      );
      const mineBefore = await t
        .http()
        .get(api(`/${tender.id}/evaluation/clarifications`))
        .set(tender.bidders[0].auth)
        .expect(200);
      expect(mineBefore.body).toEqual([]); // a bidder sees only its own requests
      await respond(tender.bidders[1], { text: '投标函工期365日历天为准，施工组织设计笔误' }).expect(200);
      await respond(tender.bidders[1], { text: '再答' }).expect(409);
      await t
        .http()
        .post(api(`/${tender.id}/evaluation/clarifications/${req.id}/decision`))
        .set(experts[1].auth)
        .send({ accepted: true, note: '属细微偏差，予以补正' })
        .expect(200);

      // a request nobody answers in time: the late answer is refused
      const lateBy = new Date(Date.now() + 1500).toISOString();
      const late = (await ask({ ...base, bidId: tender.bidIds[2], kind: 'AMBIGUITY', deadline: lateBy }).expect(201)).body;
      await untilDatabaseClockPasses(t.dataSource, lateBy);
      expect(
        (
          await t
            .http()
            .post(api(`/${tender.id}/evaluation/clarifications/${late.id}/response`))
            .set(tender.bidders[2].auth)
            .send({ text: '迟到的答复' })
            .expect(409)
        ).body.code,
      ).toBe('CLARIFICATION_DEADLINE_PASSED');

      for (const e of experts) await sign(e, tender.id).expect(200);
      const r = (
        await t
          .http()
          .get(api(`/${tender.id}/evaluation-report`))
          .set(tender.owner.auth)
          .expect(200)
      ).body;
      expect(r.clarifications).toEqual([
        expect.objectContaining({ kind: 'MINOR_DEVIATION', response: '投标函工期365日历天为准，施工组织设计笔误', panelDecision: 'ACCEPTED' }),
        expect.objectContaining({ kind: 'AMBIGUITY', response: null }),
      ]);
    });
  });

  describe('a member replaced during the evaluation (TBR Art. 48)', () => {
    it('its verdicts are void; the replacement evaluates and signs before the report', async () => {
      const code = `R${Date.now().toString(36).toUpperCase()}`;
      const pool = await Promise.all(Array.from({ length: 6 }, () => createExpert(t, { specialties: [code] })));
      const tender = await tenderInEvaluation(t, { specialties: [{ code, count: 5 }] });
      await drawn(t, tender.id);
      const users = byUser(pool);
      const seats = await membersOf(t, tender.id);
      for (const s of seats) await t.http().post(`/api/v1/expert/assignments/${s.id}/accept`).set(users.get(s.user_id)!.auth).expect(200);
      const sitting = seats.map((s) => users.get(s.user_id)!);
      for (const e of sitting) for (const b of tender.bidIds) await score(e, tender.id, { bidId: b, qualified: true }).expect(200);
      for (const e of sitting.slice(0, 4)) await sign(e, tender.id).expect(200);
      const gone = sitting[0];
      const admin = await t.http().post('/api/v1/auth/login').send({ username: t.config.adminUsername, password: t.config.adminPassword });
      await t
        .http()
        .post(`/api/v1/experts/${gone.expertId}/disable`)
        .set('Authorization', `Bearer ${admin.body.accessToken}`)
        .send({ reason: '评标期间私下接触投标人' })
        .expect(200);
      const voided = await t.dataSource.query(`SELECT count(*)::int AS n FROM evaluation_verdicts WHERE member_id = $1 AND void`, [seats[0].id]);
      expect(voided[0].n).toBe(3);
      const fresh = (await membersOf(t, tender.id)).find((s) => !seats.some((x) => x.id === s.id))!;
      const newcomer = users.get(fresh.user_id)!;
      await t.http().post(`/api/v1/expert/assignments/${fresh.id}/accept`).set(newcomer.auth).expect(200);
      expect((await sign(sitting[4], tender.id).expect(200)).body.result).toBe('AWAITING_SIGNATURES');
      for (const b of tender.bidIds) await score(newcomer, tender.id, { bidId: b, qualified: true }).expect(200);
      expect((await sign(newcomer, tender.id).expect(200)).body.result).toBe('COMPLETED');
      const r = (
        await t
          .http()
          .get(api(`/${tender.id}/evaluation-report`))
          .set(supervisor.auth)
          .expect(200)
      ).body;
      expect(r.committee.members.map((m: { memberId: string }) => m.memberId)).not.toContain(seats[0].id);
      expect(r.committee.changes).toEqual([expect.objectContaining({ memberId: seats[0].id, status: 'REPLACED', replacedBy: fresh.id })]);
      expect(r.scoreSheets.map((s: { memberId: string }) => s.memberId)).toContain(fresh.id);
    });
  });

  describe('the awardee defaults (TBR Arts. 55, 74)', () => {
    it('AwardeeDefaulted; the next candidate in rank may then be awarded', async () => {
      const { tender, experts } = await seatedPanel();
      for (const e of experts) {
        for (const b of tender.bidIds) await score(e, tender.id, { bidId: b, qualified: true }).expect(200);
        await sign(e, tender.id).expect(200);
      }
      const publicityEnds = new Date(Date.now() + 300).toISOString();
      await t
        .http()
        .post(api(`/${tender.id}/publicity`))
        .set(tender.owner.auth)
        .send({ endsAt: publicityEnds })
        .expect(200);
      await untilDatabaseClockPasses(t.dataSource, publicityEnds);
      await t
        .http()
        .post(api(`/${tender.id}/award`))
        .set(tender.owner.auth)
        .send({ bidId: tender.bidIds[0] })
        .expect(200);
      await t
        .http()
        .post(api(`/${tender.id}/award/default`))
        .set(tender.owner.auth)
        .send({ reason: '中标人放弃中标', next: 'NEXT_CANDIDATE' })
        .expect(200);
      expect(heard.AwardeeDefaulted).toContainEqual({ tenderId: tender.id, awardeeOrganizationId: tender.bidders[0].organizationId, reason: '中标人放弃中标' });
      await t
        .http()
        .post(api(`/${tender.id}/award`))
        .set(tender.owner.auth)
        .send({ bidId: tender.bidIds[2] })
        .expect(422); // rank 3: not next
      const next = await t
        .http()
        .post(api(`/${tender.id}/award`))
        .set(tender.owner.auth)
        .send({ bidId: tender.bidIds[1] })
        .expect(200);
      expect(next.body).toMatchObject({ rank: 2, status: 'NOTIFIED' });
    });
  });

  /** Five experts score every bid qualified and sign: the report is there. */
  async function evaluated(o: EvaluationTenderOptions = {}) {
    const { tender, experts } = await seatedPanel(o);
    for (const e of experts) {
      for (const b of tender.bidIds) await score(e, tender.id, { bidId: b, qualified: true }).expect(200);
      await sign(e, tender.id).expect(200);
    }
    return Object.assign(tender, { experts });
  }

  describe('statutory periods', () => {
    const DAY = 86_400_000;

    it('candidate publicity lasts at least 3 days under LEGAL_PERIODS=enforced (TBR Art. 54): the day before is refused, the day of is lawful', async () => {
      const tender = await evaluated();
      const enforced = await createTestApp({ keepData: true, workers: false });
      try {
        expect(enforced.config.legalPeriodsEnforced).toBe(true);
        const post = (endsAt?: string) =>
          enforced
            .http()
            .post(api(`/${tender.id}/publicity`))
            .set(tender.owner.auth)
            .send(endsAt ? { endsAt } : {});
        const short = await post(new Date(Date.now() + DAY).toISOString()).expect(422);
        expect(short.body).toMatchObject({ code: 'LEGAL_PERIOD_VIOLATION', details: { rule: 'MIN_CANDIDATE_PUBLICITY_DAYS', article: 'TBR Art. 54' } });
        const earliest = new Date(short.body.details.earliest);
        // 24:00 (China Standard Time) of the 3rd day after the publication day
        expect(earliest.getTime() - Date.now()).toBeGreaterThan(3 * DAY - 24 * 3600_000);
        expect((earliest.getTime() + 8 * 3600_000) % DAY).toBe(0);
        await post(new Date(earliest.getTime() - DAY).toISOString()).expect(422); // the day before
        await post(new Date(earliest.getTime() - 60_000).toISOString()).expect(422); // a minute short
        const ok = await post(earliest.toISOString()).expect(200); // the day of
        expect(ok.body.endsAt).toBe(earliest.toISOString());
        const [{ status }] = await t.dataSource.query(`SELECT status FROM tenders WHERE id = $1`, [tender.id]);
        expect(status).toBe('PUBLICITY');
      } finally {
        await enforced.close();
      }
    });

    it('the default publicity under enforced is the legal minimum', async () => {
      const tender = await evaluated();
      const enforced = await createTestApp({ keepData: true, workers: false });
      try {
        const res = await enforced
          .http()
          .post(api(`/${tender.id}/publicity`))
          .set(tender.owner.auth)
          .send({})
          .expect(200);
        const end = new Date(res.body.endsAt).getTime();
        expect(end - new Date(res.body.startsAt).getTime()).toBeGreaterThanOrEqual(3 * DAY);
        expect((end + 8 * 3600_000) % DAY).toBe(0);
      } finally {
        await enforced.close();
      }
    });

    it('the contract within 30 days of the notice (TBL Art. 46), a cap held even under relaxed: day 31 refused, day 30 recorded', async () => {
      const tender = await evaluated();
      const publicityEnds = new Date(Date.now() + 200).toISOString();
      await t
        .http()
        .post(api(`/${tender.id}/publicity`))
        .set(tender.owner.auth)
        .send({ endsAt: publicityEnds })
        .expect(200);
      await untilDatabaseClockPasses(t.dataSource, publicityEnds);
      await t
        .http()
        .post(api(`/${tender.id}/award`))
        .set(tender.owner.auth)
        .send({ bidId: tender.bidIds[0] })
        .expect(200);
      // the notice was issued on Monday 2026-03-02 10:00 CST (time travel for this row only)
      await t.dataSource.query(`UPDATE awards SET notice_issued_at = '2026-03-02T10:00:00+08:00' WHERE tender_id = $1`, [tender.id]);
      const contract = (signedAt: string) =>
        t
          .http()
          .post(api(`/${tender.id}/contract`))
          .set(tender.owner.auth)
          .send({ signedAt });
      const late = await contract('2026-04-02T09:00:00+08:00').expect(422); // day 31
      expect(late.body).toMatchObject({ code: 'LEGAL_PERIOD_VIOLATION', details: { rule: 'CONTRACT_WITHIN_DAYS', article: 'TBL Art. 46', latest: '2026-04-01T16:00:00.000Z' } });
      await contract('2026-04-01T23:59:00+08:00').expect(200); // day 30
    });

    it('an objection answered after 3 days is recorded as late (TBR Art. 54 ¶2)', async () => {
      const tender = await evaluated();
      await t
        .http()
        .post(api(`/${tender.id}/publicity`))
        .set(tender.owner.auth)
        .send({ endsAt: new Date(Date.now() + 60_000).toISOString() })
        .expect(200);
      const o = await t
        .http()
        .post(api(`/${tender.id}/result-objections`))
        .set(tender.bidders[1].auth)
        .send({ text: '评分有误' })
        .expect(201);
      const due = new Date(o.body.answerDueAt).getTime();
      expect((due + 8 * 3600_000) % DAY).toBe(0); // 24:00 CST of the 3rd day
      expect(due - new Date(o.body.filedAt).getTime()).toBeGreaterThan(2 * DAY);
      await t.dataSource.query(`UPDATE result_objections SET answer_due_at = clock_timestamp() - interval '1 hour' WHERE id = $1`, [o.body.id]);
      const answered = await t
        .http()
        .post(api(`/${tender.id}/result-objections/${o.body.id}/answer`))
        .set(tender.owner.auth)
        .send({ answer: '经复核，评分无误', upheld: false })
        .expect(200);
      expect(answered.body).toMatchObject({ status: 'ANSWERED', answeredLate: true });
      const [audit] = await t.dataSource.query(`SELECT data FROM audit_events WHERE tender_id = $1 AND action = 'RESULT_OBJECTION_ANSWERED'`, [tender.id]);
      expect(audit.data.answeredLate).toBe(true);
    });

    it('an upheld objection sends the result back to the committee, which corrects and signs a new report version', async () => {
      const tender = await evaluated({ prices: ['36000000.00', '36500000.00', '37000000.00', '37500000.00'] });
      await t
        .http()
        .post(api(`/${tender.id}/publicity`))
        .set(tender.owner.auth)
        .send({ endsAt: new Date(Date.now() + 60_000).toISOString() })
        .expect(200);
      const o = await t
        .http()
        .post(api(`/${tender.id}/result-objections`))
        .set(tender.bidders[2].auth)
        .send({ text: '第一名业绩造假' })
        .expect(201);
      await t
        .http()
        .post(api(`/${tender.id}/result-objections/${o.body.id}/answer`))
        .set(tender.owner.auth)
        .send({ answer: '异议成立，提请评标委员会复核', upheld: true })
        .expect(200);
      const [{ status }] = await t.dataSource.query(`SELECT status FROM tenders WHERE id = $1`, [tender.id]);
      expect(status).toBe('EVALUATION');
      expect((await t.http().get(api(`/${tender.id}/candidates`))).status).toBe(404);
      expect((await membersOf(t, tender.id)).every((m) => m.status === 'ACCEPTED')).toBe(true);
      // the same committee corrects its verdicts (unlocked) and signs again
      for (const e of tender.experts) {
        await score(e, tender.id, { bidId: tender.bidIds[0], qualified: false, reasons: ['业绩证明材料虚假'], grounds: ['TBR51_7_COLLUSION_OR_FRAUD'] }).expect(200);
        await sign(e, tender.id).expect(200);
      }
      const r = (
        await t
          .http()
          .get(api(`/${tender.id}/evaluation-report`))
          .set(tender.owner.auth)
          .expect(200)
      ).body;
      expect(r.version).toBe(2);
      expect(r.candidates.map((c: { bidId: string }) => c.bidId)).toEqual([tender.bidIds[1], tender.bidIds[2], tender.bidIds[3]]);
      expect(r.rejectedBids).toEqual([expect.objectContaining({ bidId: tender.bidIds[0], reasons: ['业绩证明材料虚假'] })]);
    });
  });

  it('procurement: without a decision within 5 working days the rank-1 candidate is deemed chosen (MOF87 Art. 68)', async () => {
    // a budget under ¥10m: a committee of 5 is lawful (MOF87 Art. 47)
    const tender = await evaluated({
      regime: 'GOV_PROCUREMENT',
      category: 'SERVICES',
      title: '盐城市政务云运维服务采购',
      budget: '5000000.00',
      priceCeiling: null,
      prices: ['4000000.00', '4200000.00', '4500000.00'],
    });
    const [due] = await t.dataSource.query(`SELECT run_at FROM scheduled_events WHERE kind = 'AWARD_DECISION_DUE' AND subject_id = $1 AND status = 'PENDING'`, [tender.id]);
    const [{ created_at }] = await t.dataSource.query(`SELECT created_at FROM evaluation_reports WHERE tender_id = $1`, [tender.id]);
    expect(new Date(due.run_at).getTime() - new Date(created_at).getTime()).toBeGreaterThan(5 * 86_400_000); // 5 working days and more
    await fireNow(t, 'AWARD_DECISION_DUE', tender.id);
    const award = await t
      .http()
      .get(api(`/${tender.id}/award`))
      .expect(200);
    expect(award.body).toMatchObject({ rank: 1, bidId: tender.bidIds[0], status: 'NOTIFIED' });
    const [{ data }] = await t.dataSource.query(`SELECT data FROM audit_events WHERE tender_id = $1 AND action = 'NOTICE_OF_AWARD_ISSUED'`, [tender.id]);
    expect(data).toMatchObject({ deemed: true, rank: 1 });
    await fireNow(t, 'AWARD_DECISION_DUE', tender.id).catch(() => undefined); // nothing pending: no second award
    expect((await t.dataSource.query(`SELECT count(*)::int AS n FROM awards WHERE tender_id = $1`, [tender.id]))[0].n).toBe(1);
  });

  it('fewer than 3 valid bids and a majority to continue: the valid bids are ranked, the reasoning is in the report', async () => {
    const { tender, experts } = await seatedPanel({ prices: ['36000000.00', '36500000.00', '37000000.00'] });
    for (const e of experts) {
      await score(e, tender.id, { bidId: tender.bidIds[0], qualified: true }).expect(200);
      await score(e, tender.id, { bidId: tender.bidIds[1], qualified: true }).expect(200);
      await score(e, tender.id, { bidId: tender.bidIds[2], qualified: false, reasons: ['工期不满足'], grounds: ['TBR51_6_NOT_RESPONSIVE'] }).expect(200);
      await sign(e, tender.id).expect(200);
    }
    for (const [i, e] of experts.entries()) {
      await t
        .http()
        .post(api(`/${tender.id}/evaluation/competition-decision`))
        .set(e.auth)
        .send({ decision: i < 2 ? 'REJECT_ALL' : 'CONTINUE', reason: `意见${i}` })
        .expect(200);
    }
    const r = (
      await t
        .http()
        .get(api(`/${tender.id}/evaluation-report`))
        .set(tender.owner.auth)
        .expect(200)
    ).body;
    expect(r).toMatchObject({ outcome: 'CANDIDATES', competition: { validBids: 2, panelDecision: { decision: 'CONTINUE', votes: { rejectAll: 2, continue: 3 } } } });
    expect(r.candidates.map((c: { bidId: string }) => c.bidId)).toEqual([tender.bidIds[0], tender.bidIds[1]]);
  });

  it('the PUBLICITY_END event closes the publicity once', async () => {
    const { tender, experts } = await seatedPanel();
    for (const e of experts) {
      for (const b of tender.bidIds) await score(e, tender.id, { bidId: b, qualified: true }).expect(200);
      await sign(e, tender.id).expect(200);
    }
    const pub = await t
      .http()
      .post(api(`/${tender.id}/publicity`))
      .set(tender.owner.auth)
      .send({ endsAt: new Date(Date.now() + 300).toISOString() })
      .expect(200);
    await waitFor(async () => (await t.dataSource.query(`SELECT status FROM candidate_publicities WHERE id = $1`, [pub.body.id]))[0].status === 'ENDED', 10_000, 'publicity end');
    const ended = await t.dataSource.query(`SELECT count(*)::int AS n FROM audit_events WHERE tender_id = $1 AND action = 'CANDIDATE_PUBLICITY_ENDED'`, [tender.id]);
    expect(ended[0].n).toBe(1);
  });
});
