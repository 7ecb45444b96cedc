import { Role } from 'src/common/auth/role.enum';
import { insertExperts } from './factories/evaluation.factory';
import { createStaff, registerParty, type TestParty } from './factories/identity.factory';
import { insertBidders, type SqlParty } from './factories/supervision.factory';
import { insertAwardAt, insertBid, insertCaseWithPenalties, insertTenderAt } from './factories/transparency.factory';
import { createTestApp, type TestApp } from './helpers/test-app';

const api = '/api/v1';

/**
 * GET /statistics and /statistics.pdf over the real tables. Instants are chosen on the Beijing-time day boundaries:
 * 2026-01-31T15:59:59Z is 2026-01-31 23:59:59 北京时间 (January); 2026-01-31T16:00:00Z is 2026-02-01 00:00 (February).
 */
describe('transparency: yearbook statistics (e2e)', () => {
  let t: TestApp;
  let supervisor: TestParty;
  let bidder: TestParty;
  let owner: SqlParty;
  let firms: SqlParty[];
  let sealedTender: string;

  const stats = (query: string, who?: TestParty) => {
    const req = t.http().get(`${api}/statistics${query}`);
    return who ? req.set(who.auth) : req;
  };

  beforeAll(async () => {
    t = await createTestApp({ workers: false });
    supervisor = await createStaff(t, Role.SUPERVISOR);
    bidder = await registerParty(t, { role: Role.BIDDER });
    const pe = await registerParty(t, { role: Role.PROCURING_ENTITY });
    owner = { organizationId: pe.organizationId!, userId: pe.userId };
    firms = await insertBidders(t, 6);
    const [A, B, C, D, E] = firms;

    // T1: January (23:59:59 北京时间 on 31 Jan), awarded 20 Feb → 20 days.
    const t1 = await insertTenderAt(t, owner, { publishedAt: '2026-01-31T15:59:59Z', budget: '1000000.00', status: 'AWARDED' });
    await insertAwardAt(t, t1, A, { price: '900000.00', noticeIssuedAt: '2026-02-20T02:00:00Z' });
    // T2: February (00:00 北京时间 on 1 Feb), goods, awarded at 23:30 北京时间 on 1 March → 28 days, a March award.
    const t2 = await insertTenderAt(t, owner, { publishedAt: '2026-01-31T16:00:00Z', category: 'GOODS', budget: '500000.00', status: 'AWARDED' });
    await insertAwardAt(t, t2, B, { price: '450000.00', noticeIssuedAt: '2026-03-01T15:30:00Z' });
    // T3: March, still sealed: two bids in, not opened.
    sealedTender = await insertTenderAt(t, owner, { publishedAt: '2026-03-10T00:00:00Z', budget: '2000000.00' });
    await insertBid(t, sealedTender, A, { opened: false });
    await insertBid(t, sealedTender, B, { opened: false });
    // T4: published in 2025 (23:59:59 北京时间 on 31 Dec), awarded 5 Jan 2026 → 5 days; a 2026 award of a 2025 tender.
    const t4 = await insertTenderAt(t, owner, { publishedAt: '2025-12-31T15:59:59Z', category: 'SERVICES', budget: '120000.00', status: 'AWARDED' });
    await insertAwardAt(t, t4, C, { price: '100000.00', noticeIssuedAt: '2026-01-05T01:00:00Z' });
    // T5: April, opened with three bids; the first award defaulted (not counted), the second counts → 24 days.
    const t5 = await insertTenderAt(t, owner, { publishedAt: '2026-04-01T00:00:00Z', budget: '800000.00', status: 'AWARDED', openedAt: '2026-04-15T00:00:00Z' });
    for (const f of [A, B, C]) await insertBid(t, t5, f, { opened: true, price: '760000.00' });
    await insertAwardAt(t, t5, A, { price: '700000.00', noticeIssuedAt: '2026-04-20T00:00:00Z', status: 'DEFAULTED' });
    await insertAwardAt(t, t5, B, { price: '750000.00', noticeIssuedAt: '2026-04-25T00:00:00Z' });
    // A draft is not a tender of the yearbook.
    await insertTenderAt(t, owner, { publishedAt: null, status: 'DRAFT', budget: '99999999.00' });

    const [expert] = await insertExperts(t, 1);
    await insertCaseWithPenalties(t, t1, supervisor.userId, {
      status: 'DECIDED',
      decidedAt: '2026-06-01T02:00:00Z',
      penalties: [
        { organizationId: A.organizationId, debarmentMonths: 12 },
        { organizationId: B.organizationId, fineAmount: '5000.00' },
        { expertId: expert, type: 'DISQUALIFICATION', ground: 'EVALUATOR_MISCONDUCT' },
      ],
    });
    await insertCaseWithPenalties(t, t2, supervisor.userId, {
      status: 'CLOSED',
      decidedAt: '2026-07-01T02:00:00Z',
      penalties: [{ organizationId: A.organizationId, type: 'WARNING' }],
    });
    // Not final: an open case's (hypothetical) penalty row is not counted.
    await insertCaseWithPenalties(t, t4, supervisor.userId, { status: 'OPEN', penalties: [{ organizationId: C.organizationId, type: 'WARNING' }] });
    // 00:00 北京时间 on 1 Jan 2026 is in 2026; a minute earlier is 2025.
    await insertCaseWithPenalties(t, t4, supervisor.userId, {
      status: 'DECIDED',
      decidedAt: '2025-12-31T16:00:00Z',
      penalties: [{ organizationId: D.organizationId, type: 'WARNING' }],
    });
    await insertCaseWithPenalties(t, t4, supervisor.userId, {
      status: 'DECIDED',
      decidedAt: '2025-12-31T15:59:00Z',
      penalties: [{ organizationId: E.organizationId, type: 'WARNING' }],
    });
  });
  afterAll(() => t?.close());

  it('computes the yearbook figures of 2026 from the tables, in Beijing time, without a token', async () => {
    const res = await stats('?from=2026-01-01&to=2026-12-31').expect(200);
    expect(res.body).toEqual({
      from: '2026-01-01',
      to: '2026-12-31',
      tenders: 4,
      lots: 4,
      awarded: 4,
      turnover: '2200000.00',
      budgetTotal: '4300000.00',
      savingsRate: '0.0909', // (2,420,000 − 2,200,000) ÷ 2,420,000
      electronicShare: '1.0000',
      averageCycleDays: 19.3, // (20 + 28 + 5 + 24) ÷ 4 = 19.25
      byCategory: [
        { category: 'CONSTRUCTION_WORKS', name: '工程建设', tenders: 3, turnover: '1650000.00' },
        { category: 'GOODS', name: '货物', tenders: 1, turnover: '450000.00' },
        { category: 'SERVICES', name: '服务', tenders: 0, turnover: '100000.00' },
      ],
      byMonth: [
        { month: '2026-01', tenders: 1, turnover: '100000.00' },
        { month: '2026-02', tenders: 1, turnover: '900000.00' },
        { month: '2026-03', tenders: 1, turnover: '450000.00' },
        { month: '2026-04', tenders: 1, turnover: '750000.00' },
        ...['05', '06', '07', '08', '09', '10', '11', '12'].map((m) => ({ month: `2026-${m}`, tenders: 0, turnover: '0.00' })),
      ],
      penalties: { organizations: 3, experts: 1 },
      // Issue 19: the electronic share per class and sub-class (no offline project registered here) and the coverage.
      offlineProjects: 0,
      byClass: [
        { category: 'CONSTRUCTION_WORKS', name: '工程建设', electronic: 3, offline: 0, electronicShare: '1.0000' },
        { category: 'GOODS', name: '货物', electronic: 1, offline: 0, electronicShare: '1.0000' },
      ],
      bySubClass: [
        { category: 'CONSTRUCTION_WORKS', subClass: 'UNSPECIFIED', name: '未细分', electronic: 3, offline: 0, electronicShare: '1.0000' },
        { category: 'GOODS', subClass: 'UNSPECIFIED', name: '未细分', electronic: 1, offline: 0, electronicShare: '1.0000' },
      ],
      coverage: { jurisdiction: { code: '320900', name: '盐城市', level: 'CITY', parentCode: null }, sectors: null },
    });
  });

  it('cuts days at midnight Beijing time (day of / day after)', async () => {
    const jan31 = await stats('?from=2026-01-31&to=2026-01-31').expect(200);
    expect([jan31.body.tenders, jan31.body.budgetTotal]).toEqual([1, '1000000.00']);
    const feb1 = await stats('?from=2026-02-01&to=2026-02-01').expect(200);
    expect([feb1.body.tenders, feb1.body.budgetTotal]).toEqual([1, '500000.00']);
    const jan30 = await stats('?from=2026-01-30&to=2026-01-30').expect(200);
    expect(jan30.body.tenders).toBe(0);
    const mar1 = await stats('?from=2026-03-01&to=2026-03-01').expect(200);
    expect([mar1.body.awarded, mar1.body.turnover, mar1.body.averageCycleDays]).toEqual([1, '450000.00', 28]);
    const y2025 = await stats('?from=2025-01-01&to=2025-12-31').expect(200);
    expect(y2025.body).toMatchObject({ tenders: 1, awarded: 0, turnover: '0.00', savingsRate: null, averageCycleDays: null, penalties: { organizations: 1, experts: 0 } });
  });

  it('an empty period has zeros and no ratios', async () => {
    const res = await stats('?from=2030-02-01&to=2030-02-28').expect(200);
    expect(res.body).toMatchObject({
      tenders: 0,
      awarded: 0,
      turnover: '0.00',
      budgetTotal: '0.00',
      savingsRate: null,
      electronicShare: null,
      averageCycleDays: null,
      byCategory: [],
      byMonth: [{ month: '2030-02', tenders: 0, turnover: '0.00' }],
    });
  });

  it('shows supervisors the bid figures of opened tenders only; nothing of a sealed tender moves them', async () => {
    const anon = await stats('?from=2026-01-01&to=2026-12-31').expect(200);
    expect(anon.body.supervision).toBeUndefined();
    const asBidder = await stats('?from=2026-01-01&to=2026-12-31', bidder).expect(200);
    expect(asBidder.body.supervision).toBeUndefined();
    const sup = await stats('?from=2026-01-01&to=2026-12-31', supervisor).expect(200);
    expect(sup.body.supervision).toEqual({ openedTenders: 1, openedBids: 3, averageBidsPerOpenedTender: '3.00', failedTenders: 0, cancelledTenders: 0, failedLots: 0 });

    // A third sealed bid on the tender still before its opening: no figure for anyone changes.
    await insertBid(t, sealedTender, firms[5], { opened: false });
    expect((await stats('?from=2026-01-01&to=2026-12-31').expect(200)).body).toEqual(anon.body);
    expect((await stats('?from=2026-01-01&to=2026-12-31', supervisor).expect(200)).body).toEqual(sup.body);
  });

  it('refuses bad periods with VALIDATION_FAILED', async () => {
    for (const q of [
      '?from=2026-02-30&to=2026-03-01',
      '?from=2026-1-1&to=2026-12-31',
      '?from=2026-12-31&to=2026-01-01',
      '?from=2000-01-01&to=2026-01-01',
      '?from=2026-01-01&to=2026-12-31&x=1',
    ]) {
      const res = await stats(q);
      expect([q, res.status, res.body.code]).toEqual([q, 400, 'VALIDATION_FAILED']);
    }
  });

  it('defaults to this year (北京时间) up to today', async () => {
    const res = await stats('').expect(200);
    const [today] = await t.dataSource.query(`SELECT to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS d`);
    expect([res.body.from, res.body.to]).toEqual([`${today.d.slice(0, 4)}-01-01`, today.d]);
  });

  it('serves the annual report as a PDF without a token', async () => {
    const res = await t
      .http()
      .get(`${api}/statistics.pdf?from=2026-01-01&to=2026-12-31`)
      .buffer(true)
      .parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('application/pdf');
    const pdf = res.body as Buffer;
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(res.headers['x-content-sha256']).toMatch(/^[0-9a-f]{64}$/);
    expect((await t.http().get(`${api}/statistics.pdf?from=2026-12-31&to=2026-01-01`)).status).toBe(400);
  });
});
