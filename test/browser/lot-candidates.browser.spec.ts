import { lottedTenderWithSignedReports, registerParty, Role } from './fixtures';
import { type ConsoleServer, openPage, screenshot, startConsole } from './harness';

/**
 * A tender with lots is in PUBLICITY from the first lot's publicity on. The tender page shows lot 1's notice (the v1
 * path); when lot 2 is published first, lot 1 has none (GET …/candidates: 404) — the page learns it from
 * GET /tenders/{id}/lots/results and does not ask, so the console stays clean.
 */
describe('console: the public tender page of a tender with lots whose lot 2 is published first', () => {
  let server: ConsoleServer;
  beforeAll(async () => {
    server = await startConsole();
  });
  afterAll(() => server?.close());

  it('no request for lot 1’s absent notice; lot 1’s candidates once it is published', async () => {
    const t = server.t;
    const owner = await registerParty(t, { role: Role.PROCURING_ENTITY, name: '盐城市城市管理局' });
    const tender = await lottedTenderWithSignedReports(t, { owner, title: '盐城市市区道路照明改造工程' });
    const later = { endsAt: new Date(Date.now() + 3_600_000).toISOString() };
    await t.http().post(`/api/v1/tenders/${tender.id}/lots/2/publicity`).set(owner.auth).send(later).expect(200);
    expect((await t.http().get(`/api/v1/tenders/${tender.id}`)).body.status).toBe('PUBLICITY');
    expect((await t.http().get(`/api/v1/tenders/${tender.id}/candidates`)).status).toBe(404);

    const w = await openPage(server);
    const { page } = w;
    const noticeReads: string[] = [];
    page.on('request', (r) => {
      if (/\/candidates$/.test(new URL(r.url()).pathname)) noticeReads.push(r.url());
    });
    const results = page.waitForResponse((r) => r.url().endsWith('/lots/results'));
    await page.goto(`/tenders/${tender.id}`);
    await page.getByRole('heading', { name: '盐城市市区道路照明改造工程', level: 1 }).waitFor();
    await page.getByLabel('项目状态').getByText('中标候选人公示').waitFor();
    expect((await results).status()).toBe(200);
    await page.waitForTimeout(500);
    expect(noticeReads).toEqual([]);
    expect(await page.getByRole('table', { name: '中标候选人' }).count()).toBe(0);
    w.assertClean();

    // lot 1 published too: its candidates are shown
    await t.http().post(`/api/v1/tenders/${tender.id}/publicity`).set(owner.auth).send(later).expect(200);
    await page.reload();
    const table = page.getByRole('table', { name: '中标候选人' });
    await table.waitFor();
    await table.getByText('¥19,000,000.00').waitFor();
    expect(noticeReads).toHaveLength(1);
    await screenshot(page, 'tender-lots-candidates-public');
    w.assertClean();
    await w.close();
  });
});
