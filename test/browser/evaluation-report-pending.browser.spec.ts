import { registerParty, Role, tenderAwaitingReport } from './fixtures';
import { type ConsoleServer, loginAs, openPage, screenshot, startConsole } from './harness';

describe('console: the procuring entity’s tender page while the committee evaluates (no report yet)', () => {
  let server: ConsoleServer;
  beforeAll(async () => {
    server = await startConsole();
  });
  afterAll(() => server?.close());

  it('shows the evaluation’s progress without asking for the report (no 409, a clean console), then the report’s actions once signed; the committee sees it finished', async () => {
    const t = server.t;
    const owner = await registerParty(t, { role: Role.PROCURING_ENTITY, name: '盐城市交通运输局' });
    const tender = await tenderAwaitingReport(t, { owner, title: '盐城市范公路改造工程' });
    // The report is not there yet: the API answers 409 REPORT_NOT_READY (API.md, unchanged) — the page must not ask.
    const early = await t.http().get(`/api/v1/tenders/${tender.id}/evaluation-report`).set(owner.auth);
    expect(early.status).toBe(409);

    const w = await openPage(server);
    const { page } = w;
    const reportReads: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/evaluation-report')) reportReads.push(r.url());
    });
    await loginAs(page, owner.username, owner.password);
    await page.goto(`/tenders/${tender.id}`);
    await page.getByText('评标中').first().waitFor();
    const progress = page.getByLabel('评标进度');
    await progress.getByRole('heading', { name: '评标进行中' }).waitFor();
    await progress.getByText('评标委员会 5 席，已到位 5 人，已签名 0 人。').waitFor();
    await progress.getByText('评标报告经评标委员会全体成员签名后在此显示，届时可下载报告并开始公示。').waitFor();
    expect(await page.getByRole('button', { name: '开始公示' }).count()).toBe(0);
    await screenshot(page, 'tender-evaluation-underway-owner');
    expect(reportReads).toEqual([]);
    w.assertClean();

    // The committee signs: the open page notices by itself (it asks the progress again) and shows the report.
    await tender.signReport();
    await page.getByRole('heading', { name: '评标报告' }).waitFor({ timeout: 30_000 });
    await page.getByText(/第1名：.*报价 ¥36,800,000.00/).waitFor();
    await page.getByRole('button', { name: '下载评标报告（PDF）' }).waitFor();
    await page.getByRole('button', { name: '开始公示' }).waitFor();
    expect(await progress.count()).toBe(0);
    expect(reportReads).toHaveLength(1);

    // A reload reads the report at once (the evaluation is COMPLETED).
    await page.reload();
    await page.getByRole('heading', { name: '评标报告' }).waitFor();
    await page.getByRole('button', { name: '开始公示' }).waitFor();
    await screenshot(page, 'tender-evaluation-report-owner');
    w.assertClean();
    await w.close();

    // A member of the committee sees the evaluation finished (COMPLETED) and downloads the signed report.
    const e = await openPage(server);
    await loginAs(e.page, tender.experts[0].username, tender.experts[0].password);
    await e.page.goto(`/expert?tender=${tender.id}`);
    await e.page.getByText('评标已结束').waitFor();
    const download = e.page.waitForEvent('download');
    await e.page.getByRole('button', { name: '下载评标报告（PDF）' }).click();
    expect((await download).suggestedFilename()).toBe(`评标报告-${tender.id}.pdf`);
    e.assertClean();
    await e.close();
  });
});
