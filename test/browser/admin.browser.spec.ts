import type { Page } from 'playwright-core';
import { adminParty, randomUscc } from '../factories/identity.factory';
import { type ConsoleServer, assertNoHorizontalOverflow, loginAs, openPage, screenshot, startConsole, pickOption } from './harness';

/**
 * UI.md /admin: the administrator creates an expert account and disables another account (用户管理), registers the
 * expert in the pool (评标专家库), and adds a statutory holiday (法定节假日); the queue dashboard is linked.
 */
describe('console: /admin (系统管理)', () => {
  let server: ConsoleServer;
  beforeAll(async () => {
    server = await startConsole();
  });
  afterAll(() => server?.close());

  it('creates a user and an expert, disables an account and adds a holiday', async () => {
    const { t } = server;
    const admin = await adminParty(t);
    const w = await openPage(server);
    const { page } = w;
    await loginAs(page, admin.username, admin.password);
    await page.goto('/admin');
    const queues = page.getByRole('link', { name: '队列监控面板' });
    expect(await queues.getAttribute('href')).toBe('/admin/queues');

    // 用户管理: an expert account, then a supervisor account that is disabled
    const expertName = `wang.jianguo.${Date.now().toString(36)}`;
    await createUser(page, expertName, '评标专家');
    const supName = `sup.zhao.${Date.now().toString(36)}`;
    await createUser(page, supName, '监管人员');
    const users = page.getByRole('table', { name: '用户列表' });
    const supRow = users.getByRole('row').filter({ hasText: supName });
    await supRow.getByRole('button', { name: '停用' }).click();
    await page.getByRole('dialog').getByLabel('停用原因').fill('人员调离，停用账号');
    await page.getByRole('dialog').getByRole('button', { name: '确认停用' }).click();
    await supRow.getByText('已停用').waitFor();
    const [sup] = await t.dataSource.query(`SELECT disabled FROM users WHERE username = $1`, [supName]);
    expect(sup.disabled).toBe(true);
    await screenshot(page, 'admin-users');
    await assertNoHorizontalOverflow(page);

    // 评标专家库: the expert profile of the new account
    await page.getByRole('tab', { name: '评标专家库' }).click();
    await page.getByRole('combobox', { name: '专家账户' }).click();
    await pickOption(page, expertName);
    await page.getByLabel('姓名').fill('王建国');
    const specialties = page.getByRole('combobox', { name: '评标专业' });
    await specialties.fill('A08');
    await specialties.press('Enter');
    await specialties.fill('A0801');
    await specialties.press('Enter');
    await page.getByLabel('所在地区').fill('江苏省盐城市');
    await page.getByLabel('工作单位统一社会信用代码').fill(randomUscc());
    await page.getByLabel('职称').fill('高级工程师');
    await page.getByRole('button', { name: '添加专家' }).click();
    const pool = page.getByRole('table', { name: '评标专家库' });
    await pool.getByRole('row').filter({ hasText: '王建国' }).getByText('可抽取').waitFor();
    const [expert] = await t.dataSource.query(`SELECT e.name, e.specialties FROM experts e JOIN users u ON u.id = e.user_id WHERE u.username = $1`, [expertName]);
    expect(expert).toEqual({ name: '王建国', specialties: ['A08', 'A0801'] });
    await screenshot(page, 'admin-expert-pool');
    await assertNoHorizontalOverflow(page);

    // 法定节假日: add a day to 2026 (the year is sent whole: the days already loaded stay)
    await page.getByRole('tab', { name: '法定节假日' }).click();
    await page.getByLabel('年份').fill('2026');
    await page.getByRole('table', { name: '放假日期' }).getByText('元旦').first().waitFor();
    const before = await holidays(2026);
    await page.getByLabel('日期', { exact: true }).fill('2026-12-31');
    await page.getByLabel('名称', { exact: true }).fill('元旦（地方补充安排）');
    await page.getByRole('button', { name: '添加', exact: true }).click();
    await page.getByRole('table', { name: '放假日期' }).getByText('元旦（地方补充安排）').waitFor();
    const after = await holidays(2026);
    expect(after).toHaveLength(before.length + 1);
    expect(after).toContainEqual({ day: '2026-12-31', kind: 'HOLIDAY', name: '元旦（地方补充安排）' });
    await screenshot(page, 'admin-holidays');
    await assertNoHorizontalOverflow(page);
    w.assertClean();
    await w.close();
  });

  async function createUser(page: Page, username: string, roleText: string): Promise<void> {
    await page.getByRole('textbox', { name: '用户名' }).fill(username);
    await page.getByLabel('密码').fill('correct-horse-9');
    await page.getByLabel('角色', { exact: true }).click();
    await pickOption(page, roleText);
    await page.getByRole('button', { name: '创建用户' }).click();
    await page.getByRole('table', { name: '用户列表' }).getByRole('row').filter({ hasText: username }).waitFor();
  }

  async function holidays(year: number): Promise<Array<{ day: string; kind: string; name: string }>> {
    return server.t.dataSource.query(`SELECT day::text AS day, kind, name FROM legal_holidays WHERE year = $1 ORDER BY day`, [year]);
  }
});
