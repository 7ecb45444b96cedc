import { join } from 'path';
import { writeFileSync, mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { registerParty, Role } from './fixtures';
import { type ConsoleServer, eventually, loginAs, openPage, screenshot, startConsole } from './harness';

describe('console: a procuring entity drafts a tender and publishes it (/tenders/new, 保存草稿, 发布)', () => {
  let server: ConsoleServer;
  beforeAll(async () => {
    server = await startConsole();
  });
  afterAll(() => server?.close());

  it('fills every field of POST /tenders, saves the draft, uploads the tender document and publishes', async () => {
    const owner = await registerParty(server.t, { role: Role.PROCURING_ENTITY, name: '盐城市住房和城乡建设局' });
    const w = await openPage(server);
    const { page } = w;
    await loginAs(page, owner.username, owner.password);
    await page.goto('/tenders/new');
    await page.getByRole('textbox', { name: '项目名称' }).fill('盐城市城南新区污水管网改造工程');
    await page.getByRole('textbox', { name: '项目概况' }).fill('新建DN600污水主管约3.2公里，改造支管及检查井。');
    await page.getByRole('textbox', { name: '预算（元）' }).fill('30000000.00');
    await page.getByRole('textbox', { name: '最高投标限价（元）' }).fill('29000000.00');
    await page.getByRole('textbox', { name: '投标保证金（元）' }).fill('500000.00');
    await page.getByText('当前为 1.66%').waitFor(); // computed from decimal strings, no floats
    // Comprehensive scoring: the price weight and the factors (the defaults sum to 70 = 100 × (1 − 0.30)).
    await page.getByRole('combobox', { name: '评标办法' }).click();
    await page.getByTitle('综合评估法').click();
    await page.getByRole('textbox', { name: '价格分权重' }).fill('0.30');
    await page.getByRole('textbox', { name: '评审因素1名称' }).fill('施工组织设计');
    await page.getByRole('spinbutton', { name: '评审因素1分值' }).fill('45');
    await page.getByRole('spinbutton', { name: '评审因素2分值' }).fill('25');
    await page.getByRole('textbox', { name: '专业1代码' }).fill('A08');
    await screenshot(page, 'tender-new');
    await page.getByRole('button', { name: '保存草稿' }).click();

    await page.waitForURL(/\/tenders\/[0-9a-f-]{36}$/);
    const id = page.url().split('/').pop()!;
    await page.getByRole('heading', { name: '盐城市城南新区污水管网改造工程', level: 1 }).waitFor();
    await page.getByText('草稿').first().waitFor();
    const draft = await server.t.http().get(`/api/v1/tenders/${id}`).set(owner.auth);
    expect(draft.body).toMatchObject({
      status: 'DRAFT',
      budget: '30000000.00',
      priceCeiling: '29000000.00',
      bidSecurityAmount: '500000.00',
      evaluation: {
        method: 'COMPREHENSIVE_SCORING',
        priceWeight: '0.30',
        factors: [
          { code: 'TECH', name: '施工组织设计', maxScore: 45 },
          { code: 'BIZ', maxScore: 25 },
        ],
      },
      panel: { size: 5, specialties: [{ code: 'A08', count: 5 }] },
    });
    // The deadline was entered as 09:30 北京时间.
    expect(new Date(draft.body.bidDeadline).toISOString()).toMatch(/T01:30:00\.000Z$/);

    const dir = mkdtempSync(join(tmpdir(), 'tender-doc-'));
    const file = join(dir, '招标文件（施工）.pdf');
    writeFileSync(file, '%PDF-1.4 盐城市城南新区污水管网改造工程 招标文件');
    await page.getByLabel('招标文件').setInputFiles(file);
    await page.getByText('已上传 招标文件（施工）.pdf').waitFor();
    await page.getByRole('button', { name: '下载 招标文件（施工）.pdf' }).waitFor();
    await page.getByRole('button', { name: '发布' }).click();
    await page.getByText('招标中').first().waitFor();
    const published = await server.t.http().get(`/api/v1/tenders/${id}`);
    expect(published.body.status).toBe('PUBLISHED');
    await page.getByRole('textbox', { name: '澄清或修改内容' }).waitFor(); // the amendment form with the 15-day rule
    await page.getByText(/应当在投标截止时间至少 15 日前发出/).waitFor();
    await screenshot(page, 'tender-published-owner');

    // An amendment (澄清) more than 15 days before the deadline: published without moving the deadline.
    await page.getByRole('textbox', { name: '澄清或修改内容' }).fill('第3.2条工期由365日历天调整为330日历天。');
    await page.getByRole('button', { name: '发布澄清' }).click();
    // The typed text is on the page already (the form): wait for the published amendment, on the page and in the API.
    await page.getByText('澄清已发布').first().waitFor();
    await eventually(async () => {
      const amendments = await server.t.http().get(`/api/v1/tenders/${id}/amendments`);
      expect(amendments.body.items).toEqual([expect.objectContaining({ text: '第3.2条工期由365日历天调整为330日历天。', deadlineMoved: false })]);
    });
    w.assertClean();
    await w.close();
  });

  it('a bidder cannot open /tenders/new (403 page), a logged-out user is sent to /login', async () => {
    const bidder = await registerParty(server.t);
    const anon = await openPage(server);
    await anon.page.goto('/tenders/new');
    await anon.page.waitForURL(/\/login\?next=%2Ftenders%2Fnew/);
    anon.assertClean();
    await anon.close();
    const w = await openPage(server);
    await loginAs(w.page, bidder.username, bidder.password);
    await w.page.goto('/tenders/new');
    await w.page.getByText('无权访问').waitFor();
    w.assertClean();
    await w.close();
  });
});
