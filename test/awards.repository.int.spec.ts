/**
 * AwardsRepository on the real PostgreSQL: notices of award per lot (standing, defaulted, numbering), the contract
 * count over lots (read model over tender_lots), publicities and objections, and the outstanding pre-tender
 * approvals (read model over tender_pending_approvals).
 */
import { AwardsRepository, type NewAward } from 'src/modules/evaluation/awards.repository';
import { insertBidders, insertOpenedTender } from './factories/supervision.factory';
import { createTestApp, type TestApp } from './helpers/test-app';

describe('AwardsRepository (real PostgreSQL)', () => {
  let t: TestApp;
  let repo: AwardsRepository;
  beforeAll(async () => {
    t = await createTestApp({ workers: false, env: { LEGAL_PERIODS: 'relaxed' } });
    repo = t.app.get(AwardsRepository);
  });
  afterAll(async () => t?.close());

  async function tenderWithBids(n = 2) {
    const [owner, ...bidders] = await insertBidders(t, n + 1);
    const { tenderId, bidIds } = await insertOpenedTender(
      t,
      owner,
      bidders.map((party, i) => ({ party, price: `${900000 + i * 10000}.00` })),
    );
    return { tenderId, bidIds, owner, bidders };
  }

  const notice = (tenderId: string, bidId: string, organizationId: string, o: Partial<NewAward> = {}): NewAward => ({
    tenderId,
    lotNo: 1,
    bidId,
    awardeeOrganizationId: organizationId,
    awardeeName: '中标人',
    price: '900000.00',
    rank: 1,
    score: null,
    noticeNo: `ZB-${bidId.slice(0, 8)}`,
    noticeIssuedAt: new Date(),
    contractDueAt: new Date(Date.now() + 30 * 86_400_000),
    announcementEndsAt: null,
    ...o,
  });

  it('a lot has one standing award; a default frees it, is remembered, and still counts in the notice numbering', async () => {
    const { tenderId, bidIds, bidders } = await tenderWithBids();
    const m = t.dataSource.manager;
    expect(await repo.nextNoticeSeq(m, tenderId)).toBe(1);
    expect(await repo.standingOf(m, tenderId, 1)).toEqual([]);
    const first = await repo.insert(m, notice(tenderId, bidIds[0], bidders[0].organizationId));
    expect(await repo.standingOf(m, tenderId, 1)).toEqual([{ id: first, bidId: bidIds[0] }]);
    expect(await repo.awardedLotNos(m, tenderId)).toEqual([1]);
    await repo.markDefaulted(m, first, '拒绝签订合同');
    expect(await repo.standingOf(m, tenderId, 1)).toEqual([]);
    expect(await repo.awardedLotNos(m, tenderId)).toEqual([]);
    expect(await repo.defaultedBidIds(m, tenderId, 1)).toEqual([bidIds[0]]);
    expect(await repo.defaultedBidIds(m, tenderId, 2)).toEqual([]);
    expect(await repo.nextNoticeSeq(m, tenderId)).toBe(2);
    const second = await repo.insert(m, notice(tenderId, bidIds[1], bidders[1].organizationId, { rank: 2, score: '88.50', noticeNo: 'ZB-2' }));
    expect(await repo.standingOf(m, tenderId, 1)).toEqual([{ id: second, bidId: bidIds[1] }]);
    expect((await t.dataSource.query(`SELECT status, rank, score, price FROM awards WHERE id = $1`, [second]))[0]).toEqual({
      status: 'NOTIFIED',
      rank: 2,
      score: '88.50',
      price: '900000.00',
    });
  });

  it('lots awaiting their contract: a tender without lots is lot 1; with lots, the active ones without a contract', async () => {
    const { tenderId, bidIds, bidders } = await tenderWithBids();
    const m = t.dataSource.manager;
    const a = await repo.insert(m, notice(tenderId, bidIds[0], bidders[0].organizationId));
    expect(await repo.lotsAwaitingContract(m, tenderId)).toBe(1);
    await repo.recordContract(m, a, { signedAt: new Date(), contractNo: 'HT-1', amount: '900000.00' });
    expect(await repo.lotsAwaitingContract(m, tenderId)).toBe(0);
    expect((await t.dataSource.query(`SELECT status, contract_no, contract_amount, contract_recorded_at IS NOT NULL AS recorded FROM awards WHERE id = $1`, [a]))[0]).toEqual({
      status: 'CONTRACTED',
      contract_no: 'HT-1',
      contract_amount: '900000.00',
      recorded: true,
    });

    const lotted = await tenderWithBids();
    await t.dataSource.query(
      `INSERT INTO tender_lots (tender_id, lot_no, title, budget) VALUES ($1, 1, '一标段', 1000000), ($1, 2, '二标段', 1000000), ($1, 3, '三标段', 1000000)`,
      [lotted.tenderId],
    );
    await t.dataSource.query(`UPDATE tender_lots SET status = 'FAILED' WHERE tender_id = $1 AND lot_no = 3`, [lotted.tenderId]);
    expect(await repo.lotsAwaitingContract(m, lotted.tenderId)).toBe(2);
    const lot2 = await repo.insert(m, notice(lotted.tenderId, lotted.bidIds[1], lotted.bidders[1].organizationId, { lotNo: 2 }));
    expect(await repo.awardedLotNos(m, lotted.tenderId)).toEqual([2]);
    await repo.recordContract(m, lot2, { signedAt: new Date(), contractNo: null, amount: '900000.00' });
    expect(await repo.lotsAwaitingContract(m, lotted.tenderId)).toBe(1);
  });

  it('publicities start RUNNING with their content, end or are withdrawn; objections are filed, pending, answered', async () => {
    const { tenderId, bidders } = await tenderWithBids();
    const m = t.dataSource.manager;
    const startsAt = new Date();
    const endsAt = new Date(Date.now() + 3 * 86_400_000);
    const content = {
      title: '盐城市道路工程',
      candidates: [{ rank: 1, bidderName: '甲公司', price: '900000.00', score: null }],
      rejectedBids: [],
      objections: { how: 'POST …', answerWithinDays: 3, basis: '第五十四条' },
    };
    const pub = await repo.insertCandidatePublicity(m, { tenderId, lotNo: 1, reportVersion: 1, startsAt, endsAt, content });
    const objection = await repo.insertObjection(m, {
      tenderId,
      publicityId: pub,
      objectorUserId: bidders[1].userId,
      objectorOrganizationId: bidders[1].organizationId,
      text: '评分有误',
      filedAt: startsAt,
      answerDueAt: endsAt,
    });
    expect(await repo.pendingObjectionIds(m, tenderId)).toEqual([objection]);
    await repo.answerObjection(m, objection, { answer: '经复核评分无误', upheld: false, answeredBy: bidders[0].userId });
    expect(await repo.pendingObjectionIds(m, tenderId)).toEqual([]);
    await repo.withdrawPublicity(m, pub);
    const announcement = await repo.insertAwardAnnouncement(m, {
      tenderId,
      lotNo: 1,
      reportVersion: 1,
      startsAt,
      endsAt,
      content: { title: '盐城市道路工程', awardee: { name: '甲公司', price: '900000.00', score: null, rank: 1 }, evaluators: ['专家1'], noticeNo: 'ZB-1', deemed: false },
    });
    await repo.endPublicity(m, announcement);
    expect(await t.dataSource.query(`SELECT kind, status, content->>'title' AS title FROM candidate_publicities WHERE tender_id = $1 ORDER BY created_at`, [tenderId])).toEqual([
      { kind: 'CANDIDATE_PUBLICITY', status: 'WITHDRAWN', title: '盐城市道路工程' },
      { kind: 'AWARD_ANNOUNCEMENT', status: 'ENDED', title: '盐城市道路工程' },
    ]);
  });

  it('read model: the pledged approvals not yet accepted, in their order', async () => {
    const { tenderId } = await tenderWithBids(1);
    const m = t.dataSource.manager;
    expect(await repo.outstandingApprovals(m, tenderId)).toEqual([]);
    const due = new Date('2027-01-15T00:00:00Z');
    await t.dataSource.query(
      `INSERT INTO tender_pending_approvals (tender_id, position, kind, name, due_at, status)
       VALUES ($1, 2, 'LAND', '用地批准', $2, 'SUPPLIED'), ($1, 1, 'PLANNING', '规划许可', $2, 'PENDING'), ($1, 3, 'EIA', '环评批复', $2, 'ACCEPTED')`,
      [tenderId, due],
    );
    const rows = await repo.outstandingApprovals(m, tenderId);
    expect(rows.map((r) => [r.name, r.status])).toEqual([
      ['规划许可', 'PENDING'],
      ['用地批准', 'SUPPLIED'],
    ]);
    expect(new Date(rows[0].dueAt).toISOString()).toBe(due.toISOString());
  });
});
