import { endPublicityNow, registerParty, Role, tenderWithSignedReport } from './fixtures';
import { type ConsoleServer, eventually, loginAs, openPage, screenshot, startConsole } from './harness';

describe('console: the procuring entity reads the report, publishes the candidates, awards and records the contract', () => {
  let server: ConsoleServer;
  beforeAll(async () => {
    server = await startConsole();
  });
  afterAll(() => server?.close());

  it('评标报告 → 开始公示 → 确定中标人 → 登记合同, each in the browser', async () => {
    const t = server.t;
    const owner = await registerParty(t, { role: Role.PROCURING_ENTITY, name: '盐城市水利局' });
    const tender = await tenderWithSignedReport(t, { owner, title: '盐城市串场河堤防加固工程' });
    const w = await openPage(server);
    const { page } = w;
    await loginAs(page, owner.username, owner.password);
    await page.goto(`/tenders/${tender.id}`);
    await page.getByText('评标中').first().waitFor();
    await page.getByRole('heading', { name: '评标报告' }).waitFor();
    await page.getByText(/第1名：.*报价 ¥36,800,000.00/).waitFor();

    // 开始公示 until a minute from now (the relaxed periods allow it); the time then passes at once.
    const inAMinute = new Date(Date.now() + 8 * 3_600_000 + 120_000).toISOString().slice(0, 16);
    await page.getByLabel('公示截止（北京时间，可选，默认法定 3 日）').fill(inAMinute);
    await page.getByRole('button', { name: '开始公示' }).click();
    await page.getByText('中标候选人公示', { exact: true }).first().waitFor();
    await page.getByRole('table', { name: '中标候选人' }).waitFor();
    await endPublicityNow(t, tender.id);

    await page.getByRole('button', { name: '确定中标人' }).click();
    await eventually(async () => expect((await t.http().get(`/api/v1/tenders/${tender.id}`)).body.status).toBe('AWARDED'));
    await page.getByRole('button', { name: '登记合同' }).click();
    await eventually(async () => expect((await t.http().get(`/api/v1/tenders/${tender.id}`)).body.status).toBe('CONTRACTED'));
    await page.getByText('已签订合同').first().waitFor();
    const award = await t.http().get(`/api/v1/tenders/${tender.id}/award`).set(owner.auth);
    expect(award.body).toMatchObject({ bidId: tender.bidIds[0] });
    await screenshot(page, 'tender-contracted-owner');
    w.assertClean();
    await w.close();
  });
});
