import { Role } from 'src/common/auth/role.enum';
import { createPublishedTender, registerParty } from './fixtures';
import { assertNoHorizontalOverflow, type ConsoleServer, DESKTOP, eventually, openPage, PHONE, screenshot, startConsole } from './harness';

describe('console: public pages (/tenders, /tenders/<id>, /register)', () => {
  let server: ConsoleServer;
  let tenderId: string;
  beforeAll(async () => {
    server = await startConsole();
    const owner = await registerParty(server.t, { role: Role.PROCURING_ENTITY, name: '盐城市交通运输局' });
    // Deadline 21 days ahead at 09:30 北京时间 (01:30 UTC).
    const deadline = new Date(Date.now() + 21 * 86_400_000);
    deadline.setUTCHours(1, 30, 0, 0);
    const t1 = await createPublishedTender(server.t, { owner, title: '盐城市开发大道改造工程施工', bidDeadline: deadline.toISOString() });
    tenderId = t1.id;
    await createPublishedTender(server.t, {
      owner,
      title: '盐城市第一人民医院医疗设备采购',
      regime: 'GOV_PROCUREMENT',
      category: 'GOODS',
      budget: '8000000.00',
      priceCeiling: '7800000.00',
      bidSecurityAmount: '100000.00',
      panel: { size: 5, specialties: [{ code: 'C01', count: 5 }] },
    });
    await createPublishedTender(server.t, {
      owner,
      title: '亭湖区城市绿化养护服务',
      category: 'SERVICES',
      budget: '2600000.00',
      priceCeiling: '2500000.00',
      bidSecurityAmount: '50000.00',
    });
  });
  afterAll(() => server?.close());

  it.each([
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ])('/tenders on %s: a table of tenders with title links, the search box 搜索项目 filters; no overflow', async (name, viewport) => {
    const w = await openPage(server, { viewport });
    const { page } = w;
    await page.goto('/tenders');
    const table = page.getByRole('table');
    await table.getByRole('link', { name: '盐城市开发大道改造工程施工' }).waitFor();
    expect(await table.getByRole('link').count()).toBe(3);
    await assertNoHorizontalOverflow(page);
    await screenshot(page, `tenders-${name}`);

    const search = page.getByRole('searchbox', { name: '搜索项目' });
    await search.fill('医疗设备');
    await search.press('Enter');
    await page.waitForURL(/q=/);
    await eventually(async () => expect(await table.getByRole('link').count()).toBe(1));
    expect(await table.getByRole('link').first().innerText()).toBe('盐城市第一人民医院医疗设备采购');
    await assertNoHorizontalOverflow(page);
    w.assertClean();
    await w.close();
  });

  it('a category filter narrows the list', async () => {
    const w = await openPage(server);
    await w.page.goto('/tenders?category=SERVICES');
    const table = w.page.getByRole('table');
    await table.getByRole('link', { name: '亭湖区城市绿化养护服务' }).waitFor();
    expect(await table.getByRole('link').count()).toBe(1);
    w.assertClean();
    await w.close();
  });

  it.each([
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ])('/tenders/<id> on %s: title heading, status, deadline in 北京时间 with a live countdown, documents to download', async (name, viewport) => {
    const w = await openPage(server, { viewport, timezoneId: 'America/New_York' }); // the page shows Beijing time anyway
    const { page } = w;
    await page.goto(`/tenders/${tenderId}`);
    await page.getByRole('heading', { name: '盐城市开发大道改造工程施工', level: 1 }).waitFor();
    await page.getByText('招标中').first().waitFor();
    expect(await page.getByTestId('bid-deadline').innerText()).toMatch(/^\d{4}-\d{2}-\d{2} 09:30:00（北京时间）$/);
    const timer = page.getByRole('timer', { name: '距投标截止' });
    const first = await timer.innerText();
    expect(first).toMatch(/^距投标截止 (20|21)天 \d{2}:\d{2}:\d{2}$/);
    await eventually(async () => expect(await timer.innerText()).not.toBe(first), 5000); // it ticks
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: '下载 招标文件.pdf' }).click();
    expect((await download).suggestedFilename()).toBe('招标文件.pdf');
    await assertNoHorizontalOverflow(page);
    await screenshot(page, `tender-detail-${name}`);
    w.assertClean();
    await w.close();
  });

  it('/register: the USCC check character is verified in the browser; a valid form registers a bidder who can log in', async () => {
    const w = await openPage(server, { viewport: PHONE });
    const { page } = w;
    const registrations: string[] = [];
    page.on('request', (r) => r.method() === 'POST' && r.url().endsWith('/api/v1/auth/register') && registrations.push(r.url()));
    await page.goto('/register');
    const username = `web-bidder-${Date.now().toString(36)}`;
    await page.getByRole('radio', { name: '投标人' }).check();
    await page.getByRole('textbox', { name: '用户名' }).fill(username);
    await page.getByLabel('密码').fill('correct-horse-9');
    await page.getByRole('textbox', { name: '单位名称' }).fill('江苏盐城华东路桥有限公司');
    const uscc = page.getByRole('textbox', { name: '统一社会信用代码' });
    await uscc.fill('91320900MA1MXXXXX0'); // wrong check character
    await page.getByRole('textbox', { name: '法定代表人' }).click();
    await page.getByText(/统一社会信用代码校验位错误（第18位应为 .）/).waitFor();
    await page.getByRole('textbox', { name: '法定代表人' }).fill('陈建国');
    await page.getByRole('textbox', { name: '基本账户开户行' }).fill('中国农业银行盐城分行');
    await page.getByRole('textbox', { name: '基本账户账号' }).fill('10338801040012345');
    await page.getByRole('button', { name: '注册' }).click();
    await page.getByText(/统一社会信用代码校验位错误/).waitFor(); // refused in the browser
    await screenshot(page, 'register-uscc-error-phone');
    await assertNoHorizontalOverflow(page);

    const { randomUscc } = await import('../factories/identity.factory');
    await uscc.fill(randomUscc());
    await page.getByRole('button', { name: '注册' }).click();
    await page.getByText('注册成功').waitFor();
    expect(registrations).toHaveLength(1); // the refused attempt sent nothing
    const login = await server.t.http().post('/api/v1/auth/login').send({ username, password: 'correct-horse-9' });
    expect(login.status).toBe(200);
    w.assertClean();
    await w.close();
  });
});
