import { Role } from 'src/common/auth/role.enum';
import { plaintextOf, sealAndSubmit, type SubmittedBid } from './factories/bid.factory';
import { fireNow } from './factories/evaluation.factory';
import { insertOpenedTender } from './factories/supervision.factory';
import { bidderWithAccount, mine, notification, pay, waitForRefunds } from './factories/bid-security.factory';
import { createStaff, registerParty, type TestParty } from './factories/identity.factory';
import { createDraftTender, createPublishedTender, type TestTender, uploadTenderDocument } from './factories/tender.factory';
import { moveTenderTo } from './factories/tender-status.factory';
import { pdfText } from './helpers/pdf-text';
import { createTestApp, type TestApp } from './helpers/test-app';
import { untilDatabaseClockPasses } from './helpers/poll';

const api = '/api/v1';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor<T>(probe: () => Promise<T | null | undefined | false>, what: string, ms = 25_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(150);
  }
}

/**
 * Issue 16 (h16b), through the API against the real services: objections at the opening (TBR Art. 44), complaints
 * that suspend and remedy (TBR Art. 62; GPL Art. 57), re-tender, the in-app inbox, tendering agents.
 */
describe('the procedures a trading centre runs every day', () => {
  let t: TestApp;
  let supervisor: TestParty;
  beforeAll(async () => {
    t = await createTestApp({ env: { LEGAL_PERIODS: 'relaxed' } });
    supervisor = await createStaff(t, Role.SUPERVISOR);
  });
  afterAll(() => t.close());

  const count = async (table: string) => Number((await t.dataSource.query(`SELECT count(*) AS n FROM ${table}`))[0].n);
  const inbox = (who: TestParty, q: Record<string, string> = {}) => t.http().get(`${api}/inbox`).query(q).set(who.auth);
  const topics = async (who: TestParty) => (await inbox(who, { pageSize: '200' }).expect(200)).body.items.map((i: { topic: string }) => i.topic);

  describe('开标异议: raised at the opening, answered on the spot, recorded (TBR Art. 44)', () => {
    let tender: TestTender;
    let bidders: TestParty[];
    let bids: SubmittedBid[];
    let outsider: TestParty;
    const raise = (who: TestParty, text: unknown) => t.http().post(`${api}/tenders/${tender.id}/opening-objections`).set(who.auth).send({ text });
    const answer = (who: TestParty, id: string, text: unknown) => t.http().post(`${api}/tenders/${tender.id}/opening-objections/${id}/answer`).set(who.auth).send({ answer: text });
    let firstId: string;

    beforeAll(async () => {
      bidders = [await registerParty(t), await registerParty(t), await registerParty(t)];
      outsider = await registerParty(t);
      tender = await createPublishedTender(t, { deadlineInMs: 7000, bidSecurityAmount: '0.00', decryptionMode: 'BIDDER', windowMinutes: 30 });
      bids = [];
      for (const [i, b] of bidders.entries()) bids.push(await sealAndSubmit(t, tender, b, plaintextOf(`${200 + i}.00`)));
      expect(bids.map((b) => b.status)).toEqual([201, 201, 201]);
    });

    it('before the opening: 409 OPENING_NOT_IN_PROGRESS, nothing stored', async () => {
      const before = await count('opening_objections');
      const res = await raise(bidders[0], '开标前的异议').expect(409);
      expect(res.body).toMatchObject({ code: 'OPENING_NOT_IN_PROGRESS', details: { article: 'TBR Art. 44' } });
      expect(await count('opening_objections')).toBe(before);
    });

    it('during the opening: a bidder of the opening raises it (201, again 200); others 403; bad input 400', async () => {
      await waitFor(async () => (await t.http().get(`${api}/tenders/${tender.id}`)).body.status === 'OPENING', 'the opening');
      const res = await raise(bidders[0], '第2号投标文件递交时间与回执不一致').expect(201);
      expect(res.body).toMatchObject({ status: 'PENDING', bidderName: expect.any(String), organizationId: bidders[0].organizationId, answer: null });
      firstId = res.body.id;
      expect((await raise(bidders[0], '第2号投标文件递交时间与回执不一致').expect(200)).body.id).toBe(firstId);
      expect((await raise(outsider, '我也有异议').expect(403)).body.code).toBe('FORBIDDEN');
      expect((await raise(tender.owner, '招标人无异议可提').expect(403)).body.code).toBe('FORBIDDEN');
      for (const bad of ['', '   ', 42, 'x'.repeat(5001)]) expect((await raise(bidders[1], bad).expect(400)).body.code).toBe('VALIDATION_FAILED');
      await raise(bidders[1], '解密时限设置过短').expect(201);
      expect(await count('opening_objections')).toBe(2);
    });

    it('the procuring entity answers on the spot; the same answer again is 200, another 409; a bidder cannot answer', async () => {
      await answer(bidders[1], firstId, '无权答复').expect(403);
      const res = await answer(tender.owner, firstId, '经核对，以平台服务器时间为准，异议不成立').expect(200);
      expect(res.body).toMatchObject({ status: 'ANSWERED', answer: '经核对，以平台服务器时间为准，异议不成立', answeredAt: expect.any(String) });
      await answer(tender.owner, firstId, '经核对，以平台服务器时间为准，异议不成立').expect(200);
      expect((await answer(tender.owner, firstId, '改口').expect(409)).body.code).toBe('CONFLICT');
      await answer(tender.owner, '00000000-0000-4000-8000-000000000000', 'x').expect(404);
      const list = await t.http().get(`${api}/tenders/${tender.id}/opening-objections`).set(supervisor.auth).expect(200);
      expect(list.body.items.map((o: { status: string }) => o.status)).toEqual(['ANSWERED', 'PENDING']);
      await t.http().get(`${api}/tenders/${tender.id}/opening-objections`).set(outsider.auth).expect(403);
      // The messages arrived: the entity learnt of the objections, the objector of the answer, every bidder of the window.
      expect(await topics(tender.owner)).toEqual(expect.arrayContaining(['OPENING_OBJECTION_RAISED', 'TENDER_OPENED']));
      const mine = await waitFor(async () => {
        const got = await topics(bidders[0]);
        return got.includes('OPENING_OBJECTION_ANSWERED') ? got : null;
      }, 'the answer in the inbox');
      expect(mine).toContain('DECRYPTION_WINDOW_OPEN');
      expect(await topics(outsider)).toEqual([]);
    });

    it('recorded in the opening record (JSON and PDF); after the opening neither raised nor answered (409)', async () => {
      for (const [i, b] of bids.entries()) {
        await t.http().post(`${api}/tenders/${tender.id}/bids/${b.body.bidId}/decryption`).set(bidders[i].auth).send({ key: b.sealed.key }).expect(200);
      }
      const record = await waitFor(async () => {
        const r = await t.http().get(`${api}/tenders/${tender.id}/opening-record`);
        return r.status === 200 ? r.body : null;
      }, 'the opening record');
      expect(record.objections).toHaveLength(2);
      expect(record.objections[0]).toMatchObject({ id: firstId, status: 'ANSWERED', answer: '经核对，以平台服务器时间为准，异议不成立' });
      expect(record.objections[1]).toMatchObject({ status: 'PENDING', answer: null, text: '解密时限设置过短' });
      const pdf = await t
        .http()
        .get(`${api}/tenders/${tender.id}/opening-record.pdf`)
        .buffer(true)
        .parse((res, cb) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => cb(null, Buffer.concat(chunks)));
        });
      const text = pdfText(pdf.body as Buffer).replace(/\s+/g, '');
      expect(text).toContain('开标异议及答复');
      expect(text).toContain('未当场答复');
      expect((await raise(bidders[2], '迟到的异议').expect(409)).body.code).toBe('OPENING_NOT_IN_PROGRESS');
      const pendingId = record.objections[1].id;
      expect((await answer(tender.owner, pendingId, '迟到的答复').expect(409)).body.code).toBe('OPENING_NOT_IN_PROGRESS');
    });

    it('a complaint about the opening follows the objection: the unanswered one counts from the end of the opening (TBR Art. 60 ¶2)', async () => {
      const noObjection = await t.http().post(`${api}/tenders/${tender.id}/complaints`).set(bidders[2].auth).send({ stage: 'OPENING', text: '开标程序违法' }).expect(409);
      expect(noObjection.body.code).toBe('OBJECTION_REQUIRED');
      const res = await t.http().post(`${api}/tenders/${tender.id}/complaints`).set(bidders[1].auth).send({ stage: 'OPENING', text: '开标异议未获答复' }).expect(201);
      const [rec] = await t.dataSource.query(`SELECT window_closed_at FROM opening_records WHERE tender_id = $1`, [tender.id]);
      expect(new Date(res.body.knownAt).toISOString()).toBe(new Date(rec.window_closed_at).toISOString());
      expect(res.body.objectionId).toEqual(expect.any(String));
    });
  });

  describe('complaints that change things: suspension (TBR Art. 62; GPL Art. 57) and remedies', () => {
    const fileOther = (who: TestParty, tenderId: string, text: string) =>
      t
        .http()
        .post(`${api}/tenders/${tenderId}/complaints`)
        .set(who.auth)
        .send({ stage: 'OTHER', text, knownAt: new Date(Date.now() - 3600_000).toISOString() });
    const handle = (id: string, body: Record<string, unknown>) => t.http().patch(`${api}/supervision/complaints/${id}`).set(supervisor.auth).send(body);
    const tenderOf = async (id: string) => (await t.http().get(`${api}/tenders/${id}`)).body;
    const deadlineEvent = async (id: string) =>
      (await t.dataSource.query(`SELECT run_at FROM scheduled_events WHERE kind = 'BID_DEADLINE' AND subject_id = $1 AND status = 'PENDING'`, [id]))[0] ?? null;

    it('bad combinations are 400 and change nothing; accepting with suspend stops the deadline', async () => {
      const bidder = await registerParty(t);
      const tender = await createPublishedTender(t, { deadlineInMs: 2 * 3600_000 });
      const filed = await fileOther(bidder, tender.id, '资格条件排斥潜在投标人').expect(201);
      expect(filed.body).toMatchObject({ suspension: null, remedy: null });
      for (const bad of [
        { status: 'REFUSED', reason: '不属于受理范围', suspend: true },
        { status: 'ACCEPTED', suspend: 'yes' },
        { status: 'ACCEPTED', remedy: 'RE_TENDER' },
        { status: 'ACCEPTED', remedy: 'FIX_IT' },
      ]) {
        expect((await handle(filed.body.id, bad).expect(400)).body.code).toBe('VALIDATION_FAILED');
      }
      expect((await tenderOf(tender.id)).suspended).toBe(false);
      const accepted = await handle(filed.body.id, { status: 'ACCEPTED', suspend: true }).expect(200);
      expect(accepted.body.suspension).toMatchObject({ orderedAt: expect.any(String), endsAt: null, liftedAt: null });
      expect((await tenderOf(tender.id)).suspended).toBe(true);
      expect(await deadlineEvent(tender.id)).toBeNull();
      await handle(filed.body.id, { status: 'ACCEPTED', suspend: true }).expect(200); // the same again
      // An upheld decision without a remedy that fits: RE_EVALUATION of a PUBLISHED tender is 409, nothing changes.
      const wrong = await handle(filed.body.id, { status: 'DECIDED', decision: 'UPHELD', decisionText: '投诉成立', remedy: 'RE_EVALUATION' }).expect(409);
      expect(wrong.body.details).toMatchObject({ rule: 'REMEDY_NOT_APPLICABLE' });
      expect((await handle(filed.body.id, { status: 'DECIDED', decision: 'DISMISSED', decisionText: '驳回', remedy: 'RE_TENDER' }).expect(400)).body.code).toBe(
        'VALIDATION_FAILED',
      );
      expect((await t.http().get(`${api}/supervision/complaints/${filed.body.id}`).set(supervisor.auth)).body.status).toBe('ACCEPTED');

      // Dismissed: the suspension is lifted and the deadline moves later by the time suspended (TBR Art. 22 practice).
      const before = new Date((await tenderOf(tender.id)).bidDeadline).getTime();
      // A suspension of at least a second, on the database clock (the one the extension is computed by).
      await untilDatabaseClockPasses(t.dataSource, new Date(new Date(accepted.body.suspension.orderedAt).getTime() + 1_000));
      const decided = await handle(filed.body.id, { status: 'DECIDED', decision: 'DISMISSED', decisionText: '投诉缺乏事实依据，驳回' }).expect(200);
      expect(decided.body.suspension.liftedAt).toEqual(expect.any(String));
      const after = await tenderOf(tender.id);
      expect(after.suspended).toBe(false);
      expect(new Date(after.bidDeadline).getTime()).toBeGreaterThan(before);
      expect(new Date((await deadlineEvent(tender.id)).run_at).toISOString()).toBe(after.bidDeadline);
      expect(await topics(tender.owner)).toContain('TENDER_SUSPENDED');
    });

    it('upheld with RE_TENDER: the tender fails; the entity re-tenders it as a new draft linked to it', async () => {
      const bidder = await registerParty(t);
      const tender = await createPublishedTender(t, { deadlineInMs: 2 * 3600_000, title: '盐城市串场河桥梁维修工程' });
      const filed = await fileOther(bidder, tender.id, '招标人与特定投标人串通').expect(201);
      await handle(filed.body.id, { status: 'ACCEPTED', suspend: true }).expect(200);
      const decided = await handle(filed.body.id, { status: 'DECIDED', decision: 'UPHELD', decisionText: '投诉成立，责令重新招标', remedy: 'RE_TENDER' }).expect(200);
      expect(decided.body).toMatchObject({ decision: 'UPHELD', remedy: 'RE_TENDER' });
      const failed = await tenderOf(tender.id);
      expect(failed).toMatchObject({ status: 'FAILED', suspended: false });
      expect(failed.statusReason).toContain('TBR Art. 62');
      expect(await deadlineEvent(tender.id)).toBeNull();

      const rt = (who: TestParty, body: object, id = tender.id) => t.http().post(`${api}/tenders/${id}/re-tender`).set(who.auth).send(body);
      const deadline = new Date(Date.now() + 3 * 3600_000).toISOString();
      const stranger = await registerParty(t, { role: Role.PROCURING_ENTITY });
      expect((await rt(stranger, { bidDeadline: deadline }).expect(403)).body.code).toBe('FORBIDDEN');
      expect((await rt(tender.owner, { bidDeadline: new Date(Date.now() - 60_000).toISOString() }).expect(400)).body.code).toBe('VALIDATION_FAILED');
      expect((await rt(tender.owner, { bidDeadline: 'tomorrow' }).expect(400)).body.code).toBe('VALIDATION_FAILED');
      const live = await createPublishedTender(t, { owner: tender.owner, deadlineInMs: 3600_000 });
      expect((await rt(tender.owner, { bidDeadline: deadline }, live.id).expect(409)).body.code).toBe('CONFLICT');
      const tendersBefore = await count('tenders');
      const draft = await rt(tender.owner, { bidDeadline: deadline }).expect(201);
      expect(draft.body).toMatchObject({
        status: 'DRAFT',
        retenderOfId: tender.id,
        title: '盐城市串场河桥梁维修工程（重新招标）',
        budget: failed.budget,
        priceCeiling: failed.priceCeiling,
        bidSecurityAmount: failed.bidSecurityAmount,
        bidDeadline: deadline,
      });
      expect((await rt(tender.owner, { bidDeadline: deadline }).expect(200)).body.id).toBe(draft.body.id);
      expect(await count('tenders')).toBe(tendersBefore + 1);
      // The draft is an ordinary draft: documents again, then published under every rule.
      await uploadTenderDocument(t, { id: draft.body.id, owner: tender.owner, body: {}, escrowPublicKey: null });
      await t.http().post(`${api}/tenders/${draft.body.id}/publish`).set(tender.owner.auth).send({}).expect(200);
      const audit = await t.http().get(`${api}/audit`).query({ tenderId: tender.id, pageSize: 200 }).set(supervisor.auth).expect(200);
      const actions = audit.body.items.map((e: { action: string }) => e.action);
      expect(actions).toEqual(expect.arrayContaining(['COMPLAINT_SUSPENSION_ORDERED', 'TENDER_SUSPENDED', 'COMPLAINT_DECIDED', 'TENDER_FAILED', 'TENDER_RETENDERED']));
    });

    it('procurement: the suspension lasts at most 30 days (GPL Art. 57): its end event lifts it before the decision', async () => {
      const bidder = await registerParty(t);
      const tender = await createPublishedTender(t, {
        deadlineInMs: 2 * 3600_000,
        regime: 'GOV_PROCUREMENT',
        category: 'GOODS',
        budget: '5000000.00',
        priceCeiling: '4800000.00',
        bidSecurityAmount: '50000.00',
      });
      // The challenge (质疑) answered, as GPL Art. 55 requires before a complaint.
      await t.dataSource.query(
        `INSERT INTO tender_objections (tender_id, organization_id, filed_by, text, status, filed_at, answer_due_at, answer, answered_by, answered_at)
         VALUES ($1, $2, $3, '技术参数指向特定品牌', 'ANSWERED', clock_timestamp() - interval '2 days', clock_timestamp() - interval '1 hour', '不予修改', $4, clock_timestamp() - interval '1 day')`,
        [tender.id, bidder.organizationId, bidder.userId, tender.owner.userId],
      );
      const filed = await t.http().post(`${api}/tenders/${tender.id}/complaints`).set(bidder.auth).send({ stage: 'DOCUMENTS', text: '质疑答复不成立' }).expect(201);
      const accepted = await handle(filed.body.id, { status: 'ACCEPTED', suspend: true }).expect(200);
      const days = (new Date(accepted.body.suspension.endsAt).getTime() - new Date(accepted.body.suspension.orderedAt).getTime()) / 86_400_000;
      expect(days).toBeGreaterThan(30);
      expect(days).toBeLessThanOrEqual(31);
      expect((await tenderOf(tender.id)).suspended).toBe(true);
      await fireNow(t, 'COMPLAINT_SUSPENSION_END', filed.body.id);
      const after = await t.http().get(`${api}/supervision/complaints/${filed.body.id}`).set(supervisor.auth).expect(200);
      expect(after.body).toMatchObject({ status: 'ACCEPTED', suspension: { liftedAt: expect.any(String) } });
      expect((await tenderOf(tender.id)).suspended).toBe(false);
      expect(await deadlineEvent(tender.id)).not.toBeNull();
    });

    it('a suspended tender cannot be awarded or contracted: 409 AWARD_SUSPENDED', async () => {
      const bidder = await registerParty(t);
      const tender = await createPublishedTender(t, { deadlineInMs: 2 * 3600_000 });
      // The tender as if awarded (the award chain itself is tested in evaluation.e2e): only the status matters here.
      await moveTenderTo(t, tender.id, 'AWARDED');
      await t.dataSource.query(`DELETE FROM scheduled_events WHERE subject_id = $1`, [tender.id]);
      const filed = await fileOther(bidder, tender.id, '中标人资格造假').expect(201);
      await handle(filed.body.id, { status: 'ACCEPTED', suspend: true }).expect(200);
      const res = await t.http().post(`${api}/tenders/${tender.id}/contract`).set(tender.owner.auth).send({});
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('AWARD_SUSPENDED');
      const award = await t.http().post(`${api}/tenders/${tender.id}/award`).set(tender.owner.auth).send({ bidId: '00000000-0000-4000-8000-000000000000' });
      expect(award.status).toBe(409);
      expect(award.body.code).toBe('AWARD_SUSPENDED');
    });
  });

  describe('质疑 in procurement: to the process and to the award, 7 working days each way (GPL Arts. 52–53; GPR Art. 53)', () => {
    const challenge = (who: TestParty, tenderId: string, body: object) => t.http().post(`${api}/tenders/${tenderId}/challenges`).set(who.auth).send(body);
    const closeOpening = (tenderId: string, ago: string) =>
      t.dataSource.query(
        `INSERT INTO opening_records (tender_id, record, record_sha256, window_closed_at, created_at)
         VALUES ($1, '{}', repeat('0', 64), clock_timestamp() - $2::interval, clock_timestamp() - $2::interval)`,
        [tenderId, ago],
      );
    const sql = (p: TestParty) => ({ organizationId: p.organizationId!, userId: p.userId });

    it('process: after the opening, by a supplier of it; too late 422; the answer lifts nothing and opens the complaint', async () => {
      const owner = await registerParty(t, { role: Role.PROCURING_ENTITY });
      const sup = [await registerParty(t), await registerParty(t), await registerParty(t)];
      const outsider = await registerParty(t);
      const { tenderId } = await insertOpenedTender(
        t,
        sql(owner),
        sup.map((p, i) => ({ party: sql(p), price: `${4000000 + i * 1000}.00` })),
        { regime: 'GOV_PROCUREMENT' },
      );
      expect((await challenge(sup[0], tenderId, { subject: 'PROCESS', text: '评审程序违法' }).expect(409)).body.code).toBe('CONFLICT'); // the opening is not over
      await closeOpening(tenderId, '1 hour');
      for (const bad of [{ subject: 'DOCUMENTS', text: 'x' }, { subject: 'PROCESS', text: '' }, { subject: 'PROCESS' }]) {
        expect((await challenge(sup[0], tenderId, bad).expect(400)).body.code).toBe('VALIDATION_FAILED');
      }
      await challenge(outsider, tenderId, { subject: 'PROCESS', text: '评审程序违法' }).expect(403);
      const filed = await challenge(sup[0], tenderId, { subject: 'PROCESS', text: '评审程序违法' }).expect(201);
      expect(filed.body).toMatchObject({ subject: 'PROCESS', status: 'PENDING', overdue: false });
      expect(new Date(filed.body.answerDueAt).getTime()).toBeGreaterThan(new Date(filed.body.filedAt).getTime() + 7 * 86_400_000);
      expect((await challenge(sup[0], tenderId, { subject: 'PROCESS', text: '评审程序违法' }).expect(200)).body.id).toBe(filed.body.id);
      expect((await t.http().get(`${api}/tenders/${tenderId}`)).body.suspended).toBe(false); // a process challenge does not hold the tender
      const own = await t.http().get(`${api}/tenders/${tenderId}/challenges`).set(sup[1].auth).expect(200);
      expect(own.body.items).toEqual([]);
      expect((await t.http().get(`${api}/tenders/${tenderId}/challenges`).set(owner.auth).expect(200)).body.items).toHaveLength(1);
      const answered = await t
        .http()
        .post(`${api}/tenders/${tenderId}/challenges/${filed.body.id}/answer`)
        .set(owner.auth)
        .send({ answer: '评审程序合法，质疑不成立', upheld: false })
        .expect(200);
      expect(answered.body).toMatchObject({ status: 'ANSWERED', upheld: false });
      await t.http().post(`${api}/tenders/${tenderId}/challenges/${filed.body.id}/answer`).set(owner.auth).send({ answer: '改口', upheld: true }).expect(409);
      // The complaint about the process follows it (GPL Art. 55), counted from the end of the answer period.
      const complaint = await t.http().post(`${api}/tenders/${tenderId}/complaints`).set(sup[0].auth).send({ stage: 'OPENING', text: '对质疑答复不满意' }).expect(201);
      expect(complaint.body).toMatchObject({ objectionId: filed.body.id, knownAt: filed.body.answerDueAt });
      expect((await t.http().post(`${api}/tenders/${tenderId}/complaints`).set(sup[2].auth).send({ stage: 'OPENING', text: '未质疑先投诉' }).expect(409)).body.code).toBe(
        'OBJECTION_REQUIRED',
      );

      // Too late: the opening ended 30 days ago — more than 7 working days (GPR Art. 53(2)); nothing stored.
      const old = await insertOpenedTender(
        t,
        sql(owner),
        sup.map((p, i) => ({ party: sql(p), price: `${4000000 + i * 1000}.00` })),
        { regime: 'GOV_PROCUREMENT', daysAgo: 31 },
      );
      await closeOpening(old.tenderId, '30 days');
      const before = await count('procurement_challenges');
      const late = await challenge(sup[0], old.tenderId, { subject: 'PROCESS', text: '迟到的质疑' }).expect(422);
      expect(late.body).toMatchObject({ code: 'LEGAL_PERIOD_VIOLATION', details: { rule: 'CHALLENGE_WITHIN_WORKING_DAYS', article: 'GPL Art. 52; GPR Art. 53(2)' } });
      expect(await count('procurement_challenges')).toBe(before);
      // An engineering tender takes objections, not challenges.
      const eng = await insertOpenedTender(
        t,
        sql(owner),
        sup.map((p, i) => ({ party: sql(p), price: `${4000000 + i * 1000}.00` })),
        { regime: 'ENGINEERING', category: 'CONSTRUCTION_WORKS' },
      );
      expect((await challenge(sup[0], eng.tenderId, { subject: 'PROCESS', text: '质疑' }).expect(409)).body.code).toBe('CONFLICT');
    });

    it('award: once announced; while unanswered no contract is signed (409 AWARD_SUSPENDED); the answer lifts it', async () => {
      const owner = await registerParty(t, { role: Role.PROCURING_ENTITY });
      const sup = [await registerParty(t), await registerParty(t), await registerParty(t)];
      const { tenderId } = await insertOpenedTender(
        t,
        sql(owner),
        sup.map((p, i) => ({ party: sql(p), price: `${4000000 + i * 1000}.00` })),
        { regime: 'GOV_PROCUREMENT', status: 'AWARDED' },
      );
      expect((await challenge(sup[1], tenderId, { subject: 'AWARD', text: '成交供应商资格不符' }).expect(409)).body.code).toBe('CONFLICT'); // not announced
      await t.dataSource.query(
        `INSERT INTO candidate_publicities (tender_id, report_version, kind, starts_at, ends_at, status, content)
         VALUES ($1, 1, 'AWARD_ANNOUNCEMENT', clock_timestamp() - interval '2 days', clock_timestamp() - interval '1 day', 'ENDED', '{}')`,
        [tenderId],
      );
      const filed = await challenge(sup[1], tenderId, { subject: 'AWARD', text: '成交供应商资格不符' }).expect(201);
      expect((await t.http().get(`${api}/tenders/${tenderId}`)).body.suspended).toBe(true);
      expect((await t.http().post(`${api}/tenders/${tenderId}/contract`).set(owner.auth).send({}).expect(409)).body.code).toBe('AWARD_SUSPENDED');
      expect(await topics(owner)).toContain('CHALLENGE_FILED');
      await t.http().post(`${api}/tenders/${tenderId}/challenges/${filed.body.id}/answer`).set(sup[0].auth).send({ answer: 'x', upheld: false }).expect(403);
      await t.http().post(`${api}/tenders/${tenderId}/challenges/${filed.body.id}/answer`).set(owner.auth).send({ answer: '经核查资格符合', upheld: 'no' }).expect(400);
      await t.http().post(`${api}/tenders/${tenderId}/challenges/${filed.body.id}/answer`).set(owner.auth).send({ answer: '经核查资格符合', upheld: false }).expect(200);
      expect((await t.http().get(`${api}/tenders/${tenderId}`)).body.suspended).toBe(false);
      const complaint = await t.http().post(`${api}/tenders/${tenderId}/complaints`).set(sup[1].auth).send({ stage: 'RESULT', text: '对质疑答复不满意' }).expect(201);
      expect(complaint.body.objectionId).toBe(filed.body.id);
    });
  });

  describe('the in-app inbox (站内信)', () => {
    it('lists the user’s and its organisation’s messages, counts unread, marks read idempotently; others’ are 404', async () => {
      const owner = await registerParty(t, { role: Role.PROCURING_ENTITY });
      const colleague = await registerParty(t, { role: Role.PROCURING_ENTITY });
      // a second user of the same organisation
      await t.dataSource.query(`UPDATE users SET organization_id = $1 WHERE id = $2`, [owner.organizationId, colleague.userId]);
      const other = await registerParty(t);
      const tender = await createPublishedTender(t, { owner, deadlineInMs: 2 * 3600_000 });
      await t.http().post(`${api}/tenders/${tender.id}/objections`).set(other.auth).send({ text: '资格条件过高' }).expect(201);
      const got = await inbox(owner).expect(200);
      expect(got.body).toMatchObject({ total: 1, unread: 1 });
      expect(got.body.items[0]).toMatchObject({ topic: 'OBJECTION_FILED', tenderId: tender.id, readAt: null, subject: expect.stringContaining('异议') });
      const id = got.body.items[0].id;
      expect((await t.http().get(`${api}/inbox/unread-count`).set(owner.auth).expect(200)).body).toEqual({ unread: 1 });
      await t.http().post(`${api}/inbox/${id}/read`).set(other.auth).expect(404);
      await t.http().post(`${api}/inbox/not-a-uuid/read`).set(owner.auth).expect(400);
      await inbox(owner, { unread: 'maybe' }).expect(400);
      await inbox(owner, { pageSize: '1000' }).expect(400);
      const read = await t.http().post(`${api}/inbox/${id}/read`).set(owner.auth).expect(200);
      const again = await t.http().post(`${api}/inbox/${id}/read`).set(owner.auth).expect(200);
      expect(again.body.readAt).toBe(read.body.readAt);
      expect((await inbox(owner, { unread: 'true' }).expect(200)).body).toMatchObject({ total: 0, unread: 0 });
      // Read per user: the colleague still has it unread, then reads everything at once.
      expect((await t.http().get(`${api}/inbox/unread-count`).set(colleague.auth).expect(200)).body).toEqual({ unread: 1 });
      expect((await t.http().post(`${api}/inbox/read-all`).set(colleague.auth).expect(200)).body).toEqual({ marked: 1 });
      expect((await t.http().post(`${api}/inbox/read-all`).set(colleague.auth).expect(200)).body).toEqual({ marked: 0 });
      await t.http().get(`${api}/inbox`).expect(401);
    });
  });

  describe('messages keep the bidders secret before the deadline (TBL Art. 22)', () => {
    it('a refund before the deadline writes no message naming the bidder (its inbox only, sealed to the identity key); after the deadline the failure and the refunds arrive', async () => {
      const tender = await createPublishedTender(t, { deadlineInMs: 15_000, bidSecurityAmount: '200000.00' });
      const a = await bidderWithAccount(t, tender.id);
      const b = await bidderWithAccount(t, tender.id);
      await pay(t, notification({ virtualAccountNo: a.virtualAccountNo, payerAccountNo: a.basicAccountNo }));
      await pay(t, notification({ virtualAccountNo: b.virtualAccountNo, payerAccountNo: b.basicAccountNo }));
      expect((await sealAndSubmit(t, tender, a.bidder, '1000000.00')).status).toBe(201);
      expect((await sealAndSubmit(t, tender, b.bidder, '1100000.00')).status).toBe(201);
      const withdrawn = await t.http().delete(`${api}/tenders/${tender.id}/bids/mine`).set(b.bidder.auth);
      expect([200, 204]).toContain(withdrawn.status);
      await waitForRefunds(t);
      expect(await mine(t, tender.id, b.bidder)).toMatchObject({ status: 'REFUNDED' });
      // Refunded before the deadline: no row anywhere names b with this tender; b reads of its refund in its inbox only
      // (the recipient sealed to the tender's identity key by its withdrawal, issue 17).
      const rows = await t.dataSource.query(`SELECT topic FROM notifications WHERE recipient_organization_id = ANY($1::uuid[])`, [
        [a.bidder.organizationId, b.bidder.organizationId],
      ]);
      expect(rows).toEqual([]);
      await waitFor(async () => ((await topics(b.bidder)).includes('BID_SECURITY_REFUNDED') ? true : null), 'b’s refund notice in its inbox');
      // The deadline with one bid: FAILED (TBL Art. 28); a hears of it and of its refund; b, withdrawn, of its refund only.
      await waitFor(async () => (await mine(t, tender.id, a.bidder)).status === 'REFUNDED', 'a’s refund', 40_000);
      const got = await waitFor(async () => {
        const x = await topics(a.bidder);
        return x.includes('BID_SECURITY_REFUNDED') && x.includes('TENDER_FAILED') ? x : null;
      }, 'a’s messages');
      expect(got).toEqual(expect.arrayContaining(['TENDER_FAILED', 'BID_SECURITY_REFUNDED']));
      expect(await topics(b.bidder)).toEqual(['BID_SECURITY_REFUNDED']);
      expect(await topics(tender.owner)).toContain('TENDER_FAILED');
    });
  });

  describe('tendering agents (招标代理机构)', () => {
    it('an entity authorises an agent for a tender; the agent acts, audited as "agent X for entity Y"; revoked, it cannot', async () => {
      const entity = await registerParty(t, { role: Role.PROCURING_ENTITY });
      const agent = await registerParty(t, { role: Role.PROCURING_ENTITY, name: '江苏盐城招标代理有限公司' });
      const bidder = await registerParty(t);
      const draft = await createDraftTender(t, { owner: entity, deadlineInMs: 2 * 3600_000 });
      const asAgent = { id: draft.id, owner: agent, body: {}, escrowPublicKey: null };
      await t.http().get(`${api}/tenders/${draft.id}`).set(agent.auth).expect(404);

      const grant = (who: TestParty, body: object) => t.http().post(`${api}/agency-authorizations`).set(who.auth).send(body);
      expect((await grant(entity, { agentOrganizationId: bidder.organizationId }).expect(400)).body.code).toBe('VALIDATION_FAILED');
      expect((await grant(entity, { agentOrganizationId: entity.organizationId }).expect(400)).body.code).toBe('VALIDATION_FAILED');
      await grant(entity, { agentOrganizationId: 'nope' }).expect(400);
      await grant(entity, { agentOrganizationId: '00000000-0000-4000-8000-000000000000' }).expect(404);
      const foreign = await createDraftTender(t, { deadlineInMs: 2 * 3600_000 });
      await grant(entity, { agentOrganizationId: agent.organizationId, tenderId: foreign.id }).expect(404);
      await grant(bidder, { agentOrganizationId: agent.organizationId }).expect(403);
      expect(await count('agency_authorizations')).toBe(0);

      const granted = await grant(entity, { agentOrganizationId: agent.organizationId, tenderId: draft.id }).expect(201);
      expect(granted.body).toMatchObject({ procuringEntityId: entity.organizationId, agentOrganizationId: agent.organizationId, tenderId: draft.id, revokedAt: null });
      expect((await grant(entity, { agentOrganizationId: agent.organizationId, tenderId: draft.id }).expect(200)).body.id).toBe(granted.body.id);
      expect((await t.http().get(`${api}/agency-authorizations`).set(agent.auth).expect(200)).body.received.map((a: { id: string }) => a.id)).toEqual([granted.body.id]);

      // The agent runs the tender: sees the draft, lists it as its own, uploads the documents, publishes.
      await t.http().get(`${api}/tenders/${draft.id}`).set(agent.auth).expect(200);
      const mine = await t.http().get(`${api}/tenders`).query({ mine: 'true' }).set(agent.auth).expect(200);
      expect(mine.body.items.map((x: { id: string }) => x.id)).toContain(draft.id);
      await uploadTenderDocument(t, asAgent);
      await t.http().post(`${api}/tenders/${draft.id}/publish`).set(agent.auth).send({}).expect(200);
      const audit = await t.http().get(`${api}/audit`).query({ tenderId: draft.id, pageSize: 200 }).set(supervisor.auth).expect(200);
      const published = audit.body.items.find((e: { action: string }) => e.action === 'TENDER_PUBLISHED');
      expect(published).toMatchObject({
        actorId: agent.userId,
        data: { actingAsAgent: { agentOrganizationId: agent.organizationId, onBehalfOfOrganizationId: entity.organizationId } },
      });
      const created = audit.body.items.find((e: { action: string }) => e.action === 'TENDER_CREATED');
      expect(created.data.actingAsAgent).toBeUndefined();
      expect((await t.http().get(`${api}/audit/verify`).query({ tenderId: draft.id }).set(supervisor.auth).expect(200)).body.valid).toBe(true);

      // Another agent, not authorised: 403. Revoked: the agent may no longer act.
      const otherAgent = await registerParty(t, { role: Role.PROCURING_ENTITY });
      await t.http().post(`${api}/tenders/${draft.id}/cancel`).set(otherAgent.auth).send({ reason: '无权终止' }).expect(403);
      await t.http().delete(`${api}/agency-authorizations/${granted.body.id}`).set(agent.auth).expect(404);
      const revoked = await t.http().delete(`${api}/agency-authorizations/${granted.body.id}`).set(entity.auth).expect(200);
      expect(revoked.body.revokedAt).toEqual(expect.any(String));
      await t.http().delete(`${api}/agency-authorizations/${granted.body.id}`).set(entity.auth).expect(200);
      await t.http().post(`${api}/tenders/${draft.id}/cancel`).set(agent.auth).send({ reason: '代理终止' }).expect(403);
    });
  });

  it('the new routes are in the OpenAPI document', async () => {
    const doc = await t.http().get('/docs-json').expect(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/tenders/{id}/opening-objections',
        '/api/v1/tenders/{id}/opening-objections/{objectionId}/answer',
        '/api/v1/tenders/{id}/challenges',
        '/api/v1/tenders/{id}/challenges/{challengeId}/answer',
        '/api/v1/tenders/{id}/re-tender',
        '/api/v1/inbox',
        '/api/v1/inbox/unread-count',
        '/api/v1/inbox/read-all',
        '/api/v1/inbox/{id}/read',
        '/api/v1/agency-authorizations',
        '/api/v1/agency-authorizations/{id}',
      ]),
    );
    const handle = doc.body.paths['/api/v1/supervision/complaints/{id}'].patch;
    expect(JSON.stringify(doc.body.components.schemas.HandleComplaintDto)).toContain('remedy');
    expect(handle).toBeDefined();
  });
});
