/**
 * The transparency module's read models against the real PostgreSQL: the yearbook figures (one statement of CTEs and
 * aggregations, by Beijing-time month) and the published penalties of a period.
 */
import { PublishedPenaltiesRepository } from 'src/modules/transparency/penalties/published-penalties.repository';
import { StatisticsRepository } from 'src/modules/transparency/statistics/statistics.repository';
import { insertBidders } from './factories/supervision.factory';
import { insertAwardAt, insertBid, insertCaseWithPenalties, insertTenderAt } from './factories/transparency.factory';
import { createTestApp, type TestApp } from './helpers/test-app';

describe('StatisticsRepository and PublishedPenaltiesRepository (real PostgreSQL)', () => {
  let t: TestApp;
  let statistics: StatisticsRepository;
  let penalties: PublishedPenaltiesRepository;
  beforeAll(async () => {
    t = await createTestApp({ workers: false, env: { LEGAL_PERIODS: 'relaxed' } });
    statistics = t.app.get(StatisticsRepository);
    penalties = t.app.get(PublishedPenaltiesRepository);
  });
  afterAll(async () => t?.close());

  it('sums a period by Beijing-time month: tenders, awards, cycle days, penalties and the supervisors’ bid figures', async () => {
    const [owner, a, b] = await insertBidders(t, 3);
    // 2012-02-29T17:00Z is 1 March in Beijing: a March tender; 2012-03-31T16:30Z is 1 April: outside.
    const march1 = await insertTenderAt(t, owner, { publishedAt: '2012-02-29T17:00:00Z', budget: '1000000.00', status: 'AWARDED', openedAt: '2012-03-20T02:00:00Z' });
    await insertTenderAt(t, owner, { publishedAt: '2012-03-15T02:00:00Z', budget: '500000.00', category: 'GOODS', regime: 'GOV_PROCUREMENT' });
    await insertTenderAt(t, owner, { publishedAt: '2012-03-31T16:30:00Z', budget: '7000000.00' });
    await insertBid(t, march1, a, { opened: true, price: '900000.00' });
    await insertBid(t, march1, b, { opened: true, price: '950000.00' });
    await insertAwardAt(t, march1, a, { price: '900000.00', noticeIssuedAt: '2012-03-30T02:00:00Z' });
    await insertCaseWithPenalties(t, march1, owner.userId, {
      status: 'DECIDED',
      decidedAt: '2012-03-31T02:00:00Z',
      penalties: [{ organizationId: b.organizationId, debarmentMonths: 6 }],
    });

    const period = { from: '2012-03-01', to: '2012-03-31' };
    const figures = await statistics.figures(t.dataSource.manager, period, () => 'true', true);
    expect(figures.published.map((r) => [r.category, r.month, r.tenders, r.budget, r.lots]).sort()).toEqual([
      ['CONSTRUCTION_WORKS', '2012-03', 1, '1000000.00', 1],
      ['GOODS', '2012-03', 1, '500000.00', 1],
    ]);
    expect(figures.awarded).toEqual([{ category: 'CONSTRUCTION_WORKS', month: '2012-03', awarded: 1, turnover: '900000.00', budget: '1000000.00', cycleDays: '29' }]);
    expect(figures.offline).toEqual([]);
    expect(figures.penalties).toEqual({ organizations: 1, experts: 0 });
    expect(figures.supervision).toEqual({ openedTenders: 1, openedBids: 2, failed: 0, cancelled: 0, failedLots: 0 });
    expect((await statistics.figures(t.dataSource.manager, period, (alias, p) => `${alias}.budget > ${p('600000')}`, false)).published).toHaveLength(1);
    expect((await statistics.figures(t.dataSource.manager, period, () => 'true', false)).supervision).toBeNull();
    expect(await statistics.todayInBeijing(t.dataSource.manager)).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    expect(await penalties.count(t.dataSource.manager, period)).toBe(1);
    const [p] = await penalties.page(t.dataSource.manager, period, 10, 0);
    expect(p).toMatchObject({ type: 'DEBARMENT', debarmentMonths: 6, tenderId: march1, organizationId: b.organizationId, expertName: null });
    expect(p.organizationName).toMatch(/历史投标人/);
    expect(await penalties.count(t.dataSource.manager, { from: '2012-04-01', to: null })).toBe(0);
  });
});
