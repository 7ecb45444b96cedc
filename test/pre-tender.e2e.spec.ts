import { Role } from 'src/common/auth/role.enum';
import { plaintextOf, sealAndSubmit, type SubmittedBid } from './factories/bid.factory';
import { bidderWithAccount, notification, pay } from './factories/bid-security.factory';
import { byUser, createExpert, membersOf, waitFor } from './factories/evaluation.factory';
import { adminParty, createStaff, registerParty, type TestParty } from './factories/identity.factory';
import { createDraftTender, createPublishedTender, uploadTenderDocument } from './factories/tender.factory';
import { pdfText } from './helpers/pdf-text';
import { untilDatabaseClockPasses } from './helpers/poll';
import { createTestApp, type TestApp } from './helpers/test-app';

const api = '/api/v1';
const pdf = (text: string) => ({ name: `${text}.pdf`, contentType: 'application/pdf', contentBase64: Buffer.from(`%PDF-1.4 ${text}`).toString('base64') });
const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();

const CRITERIA = [
  { code: 'Q1', type: 'QUALIFICATION_CERTIFICATE', requirement: '市政公用工程施工总承包二级及以上资质', evidence: '资质证书副本扫描件' },
  { code: 'Q2', type: 'PROJECT_MANAGER', requirement: '项目经理具有市政公用工程专业二级及以上注册建造师证书', evidence: '注册建造师证书及社保缴纳证明' },
];

/**
 * Issue 19: 容缺预招标 (a pre-tender with pending approvals) and 资格后审 with published criteria.
 * 1. a pre-tender with two pending approvals runs to award, its panel records criteria-level qualification that the
 *    report lists, and the contract waits until both approvals are supplied and accepted;
 * 2. another pre-tender is ended lawfully when an item's date passes unsupplied (cancellation, refunds with interest,
 *    reason published).
 */
describe('pre-tender (容缺预招标) and post-qualification criteria (e2e)', () => {
  let t: TestApp;
  let supervisor: TestParty;

  beforeAll(async () => {
    t = await createTestApp({ env: { LEGAL_PERIODS: 'relaxed' } });
    supervisor = await createStaff(t, Role.SUPERVISOR);
  });
  afterAll(() => t?.close());

  const status = async (id: string) => (await t.dataSource.query(`SELECT status FROM tenders WHERE id = $1`, [id]))[0].status as string;

  it('refuses bad pre-tender terms with clear 400s and stores nothing', async () => {
    const owner = await registerParty(t, { role: Role.PROCURING_ENTITY });
    const base = (pre: unknown, extra: Record<string, unknown> = {}) => ({ preTender: pre, ...extra });
    const attempt = (extra: Record<string, unknown>) =>
      createDraftTender(t, { owner, extra }).then(
        () => 201,
        (e: Error) => Number(/failed: (\d+)/.exec(e.message)?.[1]),
      );
    expect(await attempt(base({ pledge: pdf('承诺书'), pendingApprovals: [{ kind: 'PROJECT_APPROVAL', name: '项目核准', dueAt: inMs(3_600_000) }] }))).toBe(400); // TBL Art. 9 (not in regulations.md; from the statute text)
    expect(await attempt(base({ pledge: pdf('承诺书'), pendingApprovals: [{ kind: 'FUNDING', name: '资金落实', dueAt: inMs(3_600_000) }] }))).toBe(400); // TBL Art. 9 (not in regulations.md; from the statute text)
    expect(await attempt(base({ pledge: pdf('承诺书'), pendingApprovals: [{ kind: 'PLANNING_PERMIT', name: '建设工程规划许可证', dueAt: inMs(-1000) }] }))).toBe(400);
    expect(await attempt(base({ pledge: pdf('承诺书'), pendingApprovals: [] }))).toBe(400);
    expect(await attempt(base({ pendingApprovals: [{ kind: 'PLANNING_PERMIT', name: '建设工程规划许可证', dueAt: inMs(3_600_000) }] }))).toBe(400);
    expect(await attempt({ qualificationCriteria: [CRITERIA[0], CRITERIA[0]] })).toBe(400);
    expect(await attempt({ qualificationCriteria: [{ ...CRITERIA[0], evidence: '' }] })).toBe(400);
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM tenders WHERE procuring_entity_id = $1`, [owner.organizationId]);
    expect(n).toBe(0);
  });

  it('refuses to publish a pre-tender whose pledged date has already passed (422)', async () => {
    const approvalDue = inMs(1500);
    const draft = await createDraftTender(t, {
      deadlineInMs: 60_000,
      extra: { preTender: { pledge: pdf('承诺书'), pendingApprovals: [{ kind: 'PLANNING_PERMIT', name: '建设工程规划许可证', dueAt: approvalDue }] } },
    });
    await uploadTenderDocument(t, draft);
    await untilDatabaseClockPasses(t.dataSource, approvalDue);
    const res = await t.http().post(`${api}/tenders/${draft.id}/publish`).set(draft.owner.auth).send({});
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'LEGAL_PERIOD_VIOLATION', details: { rule: 'PRE_TENDER_ITEM_DUE_AHEAD' } });
    expect(await status(draft.id)).toBe('DRAFT');
  });

  it('runs a pre-tender with two pending approvals to award; the panel records criteria; the contract waits for both approvals', async () => {
    const code = `P${Date.now().toString(36).toUpperCase()}`;
    const pool = await Promise.all(Array.from({ length: 6 }, () => createExpert(t, { specialties: [code] })));
    const bidders: TestParty[] = [];
    for (let i = 0; i < 4; i++) bidders.push(await registerParty(t, { role: Role.BIDDER }));
    const tender = await createPublishedTender(t, {
      deadlineInMs: 3000,
      bidSecurityAmount: '0.00',
      panel: { size: 5, specialties: [{ code, count: 5 }] },
      extra: {
        subClass: 'HOUSING_MUNICIPAL',
        qualificationCriteria: CRITERIA,
        preTender: {
          pledge: pdf('容缺预招标承诺书'),
          pendingApprovals: [
            { kind: 'PLANNING_PERMIT', name: '建设工程规划许可证', dueAt: inMs(3_600_000) },
            { kind: 'CONSTRUCTION_DRAWINGS_REVIEW', name: '施工图设计文件审查合格书', dueAt: inMs(7_200_000) },
          ],
        },
      },
    });
    // Bidders see the notice of what is pending, and the criteria with the evidence to attach.
    const pub = await t.http().get(`${api}/tenders/${tender.id}`).expect(200);
    expect(pub.body.preTender.notice).toContain('容缺预招标');
    expect(pub.body.preTender.pledge.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(pub.body.preTender.pendingApprovals.map((a: { name: string; status: string }) => [a.name, a.status])).toEqual([
      ['建设工程规划许可证', 'PENDING'],
      ['施工图设计文件审查合格书', 'PENDING'],
    ]);
    expect(pub.body.qualificationCriteria).toEqual(CRITERIA);
    expect(pub.body.qualificationRule).toContain('第二十条');
    const [item1, item2] = pub.body.preTender.pendingApprovals.map((a: { id: string }) => a.id);
    const [created] = await t.dataSource.query(`SELECT data FROM audit_events WHERE tender_id = $1 AND action = 'TENDER_CREATED'`, [tender.id]);
    expect(created.data.preTender.pendingApprovals).toHaveLength(2);
    expect(created.data.qualificationCriteria).toEqual(['Q1', 'Q2']);
    const [{ due }] = await t.dataSource.query(`SELECT count(*)::int AS due FROM scheduled_events WHERE kind = 'PENDING_APPROVAL_DUE' AND tender_id = $1 AND status = 'PENDING'`, [
      tender.id,
    ]);
    expect(due).toBe(2);

    const prices = ['36800000.00', '37100000.00', '37500000.00', '37700000.00'];
    const bids: SubmittedBid[] = [];
    for (const [i, b] of bidders.entries()) {
      const r = await sealAndSubmit(t, tender, b, plaintextOf(prices[i], { durationDays: 365 }));
      expect(r.status).toBe(201);
      bids.push(r);
    }
    await waitFor(async () => (await status(tender.id)) === 'OPENING', 20_000, 'the opening');
    for (const [i, b] of bidders.entries()) {
      await t.http().post(`${api}/tenders/${tender.id}/bids/${bids[i].body.bidId}/decryption`).set(b.auth).send({ key: bids[i].sealed.key }).expect(200);
    }
    await waitFor(async () => (await status(tender.id)) === 'EVALUATION', 20_000, 'the evaluation');
    const seats = await waitFor(
      async () => {
        const s = await membersOf(t, tender.id);
        return s.length === 5 ? s : null;
      },
      20_000,
      'the panel draw',
    );
    const users = byUser(pool);
    const experts = seats.map((s) => users.get(s.user_id)!);
    for (const [i, s] of seats.entries()) await t.http().post(`${api}/expert/assignments/${s.id}/accept`).set(experts[i].auth).expect(200);
    const opened = await t.http().get(`${api}/tenders/${tender.id}/evaluation/bids`).set(experts[0].auth).expect(200);
    const bidOf = (price: string) => opened.body.find((b: { price: string }) => b.price === price).bidId as string;
    const weak = bidOf('36800000.00'); // its project manager's certificate fails Q2 for 3 of 5 members

    const score = (e: TestParty, body: object) => t.http().post(`${api}/tenders/${tender.id}/evaluation/scores`).set(e.auth).send(body);
    // Criteria-level findings are required, exactly the published ones, and qualified follows them.
    const missing = await score(experts[0], { bidId: weak, qualified: true });
    expect(missing.status).toBe(422);
    expect(missing.body.code).toBe('QUALIFICATION_CRITERIA_MISMATCH');
    const unknown = await score(experts[0], {
      bidId: weak,
      qualified: true,
      criteria: [
        { code: 'Q1', met: true, reason: '符合' },
        { code: 'Q9', met: true, reason: '符合' },
      ],
    });
    expect(unknown.status).toBe(422);
    const contradiction = await score(experts[0], {
      bidId: weak,
      qualified: true,
      criteria: [
        { code: 'Q1', met: true, reason: '符合' },
        { code: 'Q2', met: false, reason: '建造师为建筑工程专业' },
      ],
    });
    expect(contradiction.status).toBe(400);
    expect(contradiction.body.details[0].field).toBe('qualified');
    const noReason = await score(experts[0], {
      bidId: weak,
      qualified: true,
      criteria: [
        { code: 'Q1', met: true, reason: '' },
        { code: 'Q2', met: true, reason: '符合' },
      ],
    });
    expect(noReason.status).toBe(400);
    expect(await t.dataSource.query(`SELECT 1 FROM qualification_findings WHERE tender_id = $1`, [tender.id])).toEqual([]);

    for (const [i, e] of experts.entries()) {
      for (const b of opened.body) {
        const failsQ2 = b.bidId === weak && i < 3;
        const criteria = [
          { code: 'Q1', met: true, reason: '资质证书为市政公用工程施工总承包一级，在有效期内' },
          failsQ2
            ? { code: 'Q2', met: false, reason: '拟派项目经理注册专业为建筑工程，不符合市政公用工程专业要求' }
            : { code: 'Q2', met: true, reason: '项目经理为市政公用工程二级注册建造师' },
        ];
        await score(e, { bidId: b.bidId, qualified: !failsQ2, criteria }).expect(200);
      }
      await t.http().post(`${api}/tenders/${tender.id}/evaluation/sign`).set(e.auth).send({}).expect(200);
    }
    const report = await t.http().get(`${api}/tenders/${tender.id}/evaluation-report`).set(tender.owner.auth).expect(200);
    const review = report.body.criteria?.qualificationReview ?? report.body.report?.criteria?.qualificationReview;
    expect(review).toBeDefined();
    expect(review.legalBasis).toContain('TBR Art. 20');
    expect(review.criteria.map((c: { code: string }) => c.code)).toEqual(['Q1', 'Q2']);
    const weakRow = review.bids.find((b: { bidId: string }) => b.bidId === weak);
    expect(weakRow.conclusion).toBe('NOT_QUALIFIED');
    const q2 = weakRow.criteria.find((c: { code: string }) => c.code === 'Q2');
    expect(q2).toMatchObject({ met: 2, notMet: 3, conclusion: 'NOT_MET' });
    expect(q2.findings).toHaveLength(5);
    expect(weakRow.reasons.join()).toContain('注册专业为建筑工程');
    expect(review.bids.filter((b: { conclusion: string }) => b.conclusion === 'QUALIFIED')).toHaveLength(3);
    expect(report.body.candidates.map((c: { price: string }) => c.price)).toEqual(['37100000.00', '37500000.00', '37700000.00']);
    const reportPdf = await t
      .http()
      .get(`${api}/tenders/${tender.id}/evaluation-report.pdf`)
      .set(supervisor.auth)
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      })
      .expect(200);
    const text = pdfText(reportPdf.body as Buffer);
    expect(text).toContain('资格审查不合格');
    expect(text).toContain('注册专业为建筑工程');

    const publicityEnds = new Date(Date.now() + 500).toISOString();
    await t.http().post(`${api}/tenders/${tender.id}/publicity`).set(tender.owner.auth).send({ endsAt: publicityEnds }).expect(200);
    await untilDatabaseClockPasses(t.dataSource, publicityEnds);
    await t.http().post(`${api}/tenders/${tender.id}/award`).set(tender.owner.auth).send({ bidId: report.body.candidates[0].bidId }).expect(200);
    expect(await status(tender.id)).toBe('AWARDED');

    const contract = () => t.http().post(`${api}/tenders/${tender.id}/contract`).set(tender.owner.auth).send({});
    const supply = (item: string, who: TestParty = tender.owner) =>
      t
        .http()
        .post(`${api}/tenders/${tender.id}/pending-approvals/${item}/supply`)
        .set(who.auth)
        .send({ documentNo: `建字第${item.slice(0, 6)}号`, document: pdf(`批文${item}`) });
    const accept = (item: string, who: TestParty = supervisor) => t.http().post(`${api}/tenders/${tender.id}/pending-approvals/${item}/accept`).set(who.auth).send({});

    let c = await contract();
    expect(c.status).toBe(409);
    expect(c.body.code).toBe('PENDING_APPROVALS_OUTSTANDING');
    expect(c.body.details.items).toHaveLength(2);
    expect((await accept(item1)).status).toBe(409); // nothing supplied yet
    expect((await supply(item1, bidders[0])).status).toBe(403);
    expect((await supply(item1)).status).toBe(200);
    expect((await supply(item1)).status).toBe(200); // the same document again: idempotent
    // A county supervisor does not oversee this city-level tender.
    const county = await createStaff(t, Role.SUPERVISOR);
    const admin = await adminParty(t);
    await t.http().put(`${api}/admin/users/${county.userId}/supervision-scope`).set(admin.auth).send({ jurisdiction: '320922' }).expect(200);
    expect((await accept(item1, county)).status).toBe(404);
    expect((await accept(item1)).status).toBe(200);
    c = await contract();
    expect(c.status).toBe(409);
    expect(c.body.details.items.map((i: { id: string }) => i.id)).toEqual([item2]);
    // A rejection before the date sends the item back; it is supplied again.
    expect((await supply(item2)).status).toBe(200);
    const rej = await t
      .http()
      .post(`${api}/tenders/${tender.id}/pending-approvals/${item2}/reject`)
      .set(supervisor.auth)
      .send({ reason: '审查合格书所载项目名称与招标项目不一致' });
    expect(rej.status).toBe(200);
    expect(rej.body).toMatchObject({ status: 'PENDING', rejectionReason: '审查合格书所载项目名称与招标项目不一致' });
    expect((await contract()).status).toBe(409);
    expect((await supply(item2)).status).toBe(200);
    expect((await contract()).status).toBe(409); // supplied, not yet accepted
    expect((await accept(item2)).status).toBe(200);
    expect((await contract()).status).toBe(200);
    expect(await status(tender.id)).toBe('CONTRACTED');
    const actions: Array<{ action: string }> = await t.dataSource.query(`SELECT action FROM audit_events WHERE tender_id = $1 AND action LIKE 'PRE_TENDER_%' ORDER BY id`, [
      tender.id,
    ]);
    expect(actions.map((a) => a.action)).toEqual([
      'PRE_TENDER_ITEM_SUPPLIED',
      'PRE_TENDER_ITEM_ACCEPTED',
      'PRE_TENDER_ITEM_SUPPLIED',
      'PRE_TENDER_ITEM_REJECTED',
      'PRE_TENDER_ITEM_SUPPLIED',
      'PRE_TENDER_ITEM_ACCEPTED',
    ]);
  }, 120_000);

  it('ends a pre-tender lawfully when an item’s date passes unsupplied: cancelled, reason published, security refunded with interest', async () => {
    const tender = await createPublishedTender(t, {
      deadlineInMs: 60_000,
      bidSecurityAmount: '200000.00',
      extra: {
        preTender: {
          pledge: pdf('承诺书'),
          pendingApprovals: [
            { kind: 'PLANNING_PERMIT', name: '建设工程规划许可证', dueAt: inMs(600_000) },
            { kind: 'CONSTRUCTION_DRAWINGS_REVIEW', name: '施工图设计文件审查合格书', dueAt: inMs(3500) },
          ],
        },
      },
    });
    const { bidder, virtualAccountNo, basicAccountNo } = await bidderWithAccount(t, tender.id);
    await pay(t, notification({ virtualAccountNo, payerAccountNo: basicAccountNo }));
    const got = await t.http().get(`${api}/tenders/${tender.id}`).expect(200);
    const late = got.body.preTender.pendingApprovals[1].id;
    // The day of the pledge: still in time a moment before — here the other item is supplied in time.
    await t
      .http()
      .post(`${api}/tenders/${tender.id}/pending-approvals/${got.body.preTender.pendingApprovals[0].id}/supply`)
      .set(tender.owner.auth)
      .send({ document: pdf('规划许可证') })
      .expect(200);
    await waitFor(async () => (await status(tender.id)) === 'CANCELLED', 20_000, 'the lawful end of the pre-tender');
    // The day after: too late to supply.
    const tooLate = await t
      .http()
      .post(`${api}/tenders/${tender.id}/pending-approvals/${late}/supply`)
      .set(tender.owner.auth)
      .send({ document: pdf('审查合格书') });
    expect(tooLate.status).toBe(409);
    const after = await t.http().get(`${api}/tenders/${tender.id}`).expect(200);
    expect(after.body.statusReason).toContain('容缺预招标');
    expect(after.body.statusReason).toContain('施工图设计文件审查合格书');
    expect(after.body.preTender.pendingApprovals.map((a: { status: string }) => a.status)).toEqual(['SUPPLIED', 'OVERDUE']);
    const [audit] = await t.dataSource.query(`SELECT actor_id, data FROM audit_events WHERE tender_id = $1 AND action = 'PRE_TENDER_PLEDGE_FAILED'`, [tender.id]);
    expect(audit).toBeDefined();
    const refunds = await waitFor(
      async () => {
        const r: Array<{ with_interest: boolean; principal: string }> = await t.dataSource.query(`SELECT with_interest, principal FROM bid_security_refunds WHERE tender_id = $1`, [
          tender.id,
        ]);
        return r.length ? r : null;
      },
      15_000,
      'the refund',
    );
    expect(refunds).toEqual([expect.objectContaining({ with_interest: true, principal: '200000.00' })]);
    const mineRes = await t.http().get(`${api}/tenders/${tender.id}/bid-security/mine`).set(bidder.auth).expect(200);
    expect(['REFUND_DUE', 'REFUNDED']).toContain(mineRes.body.status);
  }, 60_000);

  it('supplies up to the pledged instant on the database clock (a moment before: 200; at it: 422); a rejection after the date ends the tender', async () => {
    const tender = await createPublishedTender(t, {
      deadlineInMs: 60_000,
      extra: {
        preTender: {
          pledge: pdf('承诺书'),
          pendingApprovals: [
            { kind: 'PLANNING_PERMIT', name: '建设工程规划许可证', dueAt: inMs(600_000) },
            { kind: 'LAND_USE', name: '用地批准文件', dueAt: inMs(600_000) },
          ],
        },
      },
    });
    const items = (await t.http().get(`${api}/tenders/${tender.id}/pending-approvals`).expect(200)).body as Array<{ id: string }>;
    const supply = (item: string) =>
      t
        .http()
        .post(`${api}/tenders/${tender.id}/pending-approvals/${item}/supply`)
        .set(tender.owner.auth)
        .send({ document: pdf(`批文${item}`) });
    // The pledged instant is moved (the timed event stays later, so only the request's own check decides).
    await t.dataSource.query(`UPDATE tender_pending_approvals SET due_at = clock_timestamp() + interval '3 seconds' WHERE id = $1`, [items[0].id]);
    expect((await supply(items[0].id)).status).toBe(200);
    await t.dataSource.query(`UPDATE tender_pending_approvals SET due_at = clock_timestamp() WHERE id = $1`, [items[1].id]);
    const late = await supply(items[1].id);
    expect(late.status).toBe(422);
    expect(late.body).toMatchObject({ code: 'LEGAL_PERIOD_VIOLATION', details: { rule: 'PRE_TENDER_SUPPLY_BY_DUE_DATE' } });
    expect((await t.http().get(`${api}/tenders/${tender.id}/pending-approvals`)).body[1].status).toBe('PENDING');
    // The first item's date passes while it is SUPPLIED; the supervisor then rejects it: nothing valid came in time.
    await t.dataSource.query(`UPDATE tender_pending_approvals SET due_at = clock_timestamp() - interval '1 second' WHERE id = $1`, [items[0].id]);
    const rej = await t.http().post(`${api}/tenders/${tender.id}/pending-approvals/${items[0].id}/reject`).set(supervisor.auth).send({ reason: '许可证系伪造' });
    expect(rej.status).toBe(200);
    expect(rej.body.status).toBe('OVERDUE');
    expect(await status(tender.id)).toBe('CANCELLED');
    const bad = await t.http().post(`${api}/tenders/${tender.id}/pending-approvals/${items[0].id}/reject`).set(supervisor.auth).send({ reason: '' });
    expect(bad.status).toBe(400);
  });
});
