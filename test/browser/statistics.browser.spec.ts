import { readFileSync } from 'fs';
import { join } from 'path';
import type { Locator, Page, Route } from 'playwright-core';
import { createStaff, Role } from './fixtures';
import { assertNoHorizontalOverflow, type ConsoleServer, DESKTOP, loginAs, openPage, PHONE, screenshot, startConsole } from './harness';

/** The binding shape of GET /statistics (API.md "Additions (v1.1)"), with invented figures: see its `_source`. */
const FIXTURE = JSON.parse(readFileSync(join(__dirname, 'data', 'statistics-2026.json'), 'utf8'));

/**
 * UI.md /statistics: the yearbook figures and the charts by month and by category, at 1280×800 and 390×844 without
 * horizontal overflow, public (supervisors also see the penalties).
 */
describe('console: /statistics (统计年报)', () => {
  let server: ConsoleServer;
  beforeAll(async () => {
    server = await startConsole();
  });
  afterAll(() => server?.close());

  /**
   * Against the real endpoint GET /api/v1/statistics. NOTE: the endpoint is built on another branch; this test
   * passes once that branch is merged (on a branch without it the page gets a 404 and the test fails).
   */
  it('real endpoint: renders the figures the API answers, at 1280×800 and 390×844 without overflow', async () => {
    for (const viewport of [DESKTOP, PHONE]) {
      const w = await openPage(server, { viewport });
      const { page } = w;
      const answered = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/statistics');
      await page.goto('/statistics');
      const res = await answered;
      expect(res.status()).toBe(200);
      const stats = await res.json();
      const figures = page.getByRole('list', { name: '年报主要指标' });
      await figures.waitFor();
      await expectFigure(figures, '交易项目数', stats.tenders.toLocaleString('en-US'));
      await page.getByRole('table', { name: '按月统计' }).waitFor();
      await assertNoHorizontalOverflow(page);
      w.assertClean();
      await w.close();
    }
  });

  it('intercepted /api/v1/statistics (fixture of the Additions shape): figures, period picker, interactive charts, PDF link, both viewports', async () => {
    const supervisor = await createStaff(server.t, Role.SUPERVISOR);
    for (const [viewport, name] of [
      [DESKTOP, 'desktop'],
      [PHONE, 'phone'],
    ] as const) {
      const w = await openPage(server, { viewport });
      const { page } = w;
      const asked = await interceptStatistics(page);
      await page.goto('/statistics');
      const figures = page.getByRole('list', { name: '年报主要指标' });
      await figures.waitFor();
      // this year in Beijing, up to today
      const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
      expect(asked[0]).toEqual({ from: `${today.slice(0, 4)}-01-01`, to: today });
      await expectFigure(figures, '交易项目数', '1,286');
      await expectFigure(figures, '交易金额', '187.65亿元');
      await expectFigure(figures, '电子化招标占比', '98.6%');
      await expectFigure(figures, '平均交易周期', '27.4');
      await expectFigure(figures, '节资率', '7.76%');
      // public: no penalties
      expect(await page.getByText('本期行政处罚').count()).toBe(0);
      // charts: 12 months, 6 categories, each bar focusable with its figures
      await page.getByRole('img', { name: '按月交易统计图' }).waitFor();
      expect(await page.getByRole('img', { name: /^\d{4}年\d{1,2}月：/ }).count()).toBe(12);
      expect(await page.getByRole('img', { name: /^(工程建设|货物|服务|药品和医用耗材采购|土地使用权和矿业权出让|产权交易)：/ }).count()).toBe(6);
      await page.getByRole('img', { name: /^2026年11月：141 个项目/ }).hover();
      await page.getByText('2026年11月　项目 141 个　金额 22.17亿元').waitFor();
      await page.getByText('项目数', { exact: true }).first().click();
      await page.getByText('按月交易项目数').waitFor();
      await page.getByRole('table', { name: '按行业分类统计' }).getByText('土地使用权和矿业权出让').waitFor();
      expect(await page.getByRole('link', { name: '下载年报（PDF）' }).getAttribute('href')).toBe(`/api/v1/statistics.pdf?from=${asked[0].from}&to=${asked[0].to}`);
      await assertNoHorizontalOverflow(page);
      await screenshot(page, `statistics-${name}-intercepted`);

      // the period picker: 上年度 asks for last year
      await page.getByText('上年度', { exact: true }).click();
      const last = String(Number(today.slice(0, 4)) - 1);
      await expectAsked(asked, { from: `${last}-01-01`, to: `${last}-12-31` });
      await page.getByText(`${last}-01-01 至 ${last}-12-31`).waitFor();
      await assertNoHorizontalOverflow(page);
      w.assertClean();
      await w.close();
    }

    // a supervisor also sees the penalties, and the way to /supervision
    const w = await openPage(server);
    await interceptStatistics(w.page);
    await loginAs(w.page, supervisor.username, supervisor.password);
    await w.page.goto('/statistics');
    await w.page.getByText('本期行政处罚：单位 7 家，评标专家 2 名').waitFor();
    await w.page.getByRole('link', { name: /前往监管工作台/ }).waitFor();
    await assertNoHorizontalOverflow(w.page);
    await screenshot(w.page, 'statistics-supervisor-intercepted');
    w.assertClean();
    await w.close();
  });
});

/** Answers GET /api/v1/statistics with the fixture (from/to as asked); returns the periods asked for. */
async function interceptStatistics(page: Page): Promise<Array<{ from: string; to: string }>> {
  const asked: Array<{ from: string; to: string }> = [];
  await page.route(
    (url) => url.pathname === '/api/v1/statistics',
    (route: Route) => {
      const u = new URL(route.request().url());
      const period = { from: u.searchParams.get('from') ?? '', to: u.searchParams.get('to') ?? '' };
      asked.push(period);
      return route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ ...FIXTURE, _source: undefined, ...period }) });
    },
  );
  return asked;
}

async function expectAsked(asked: Array<{ from: string; to: string }>, want: { from: string; to: string }): Promise<void> {
  const end = Date.now() + 10_000;
  while (!asked.some((a) => a.from === want.from && a.to === want.to)) {
    if (Date.now() > end) throw new Error(`never asked for ${JSON.stringify(want)}: ${JSON.stringify(asked)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function expectFigure(figures: Locator, title: string, value: string): Promise<void> {
  const item = figures.getByRole('listitem').filter({ hasText: title });
  await item.waitFor();
  expect(await item.innerText()).toContain(value);
}
