import { Role } from 'src/common/auth/role.enum';
import { adminParty, createStaff } from '../factories/identity.factory';
import { type ConsoleServer, assertNoHorizontalOverflow, loginAs, openPage, pickOption, screenshot, startConsole } from './harness';

/**
 * /admin, tab 监管范围 (issue 19): the administrator makes a supervisor 东台市's water regulator, then the city's
 * supervisor of every trade again; the server stores what the screen shows.
 */
describe('console: /admin 监管范围 (supervision scopes)', () => {
  let server: ConsoleServer;
  beforeAll(async () => {
    server = await startConsole();
  });
  afterAll(() => server?.close());

  it('sets a supervisor’s jurisdiction and trades', async () => {
    const { t } = server;
    const admin = await adminParty(t);
    const sup = await createStaff(t, Role.SUPERVISOR);
    const w = await openPage(server);
    const { page } = w;
    await loginAs(page, admin.username, admin.password);
    await page.goto('/admin?tab=scopes');

    await page.getByRole('combobox', { name: '监管人员' }).click();
    await pickOption(page, sup.username);
    const shown = page.getByRole('status', { name: '当前监管范围' });
    await shown.getByText('盐城市（全市） · 全部行业').waitFor();

    await page.getByRole('combobox', { name: '管辖区域' }).click();
    await pickOption(page, '东台市');
    await page.getByRole('combobox', { name: '监管行业' }).click();
    await pickOption(page, '水利部门');
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: '保存监管范围' }).click();
    await shown.getByText('东台市 · 水利部门').waitFor();
    const [row] = await t.dataSource.query(`SELECT jurisdiction_code, sectors FROM supervisor_scopes WHERE user_id = $1`, [sup.userId]);
    expect(row).toEqual({ jurisdiction_code: '320981', sectors: ['WATER'] });
    await screenshot(page, 'admin-supervision-scope');
    await assertNoHorizontalOverflow(page);

    // Back to the city, every trade.
    await page.getByRole('combobox', { name: '管辖区域' }).click();
    await pickOption(page, '盐城市（全市）');
    await page.getByRole('combobox', { name: '监管行业' }).hover();
    await page.locator('.ant-select-clear').click();
    await page.getByRole('button', { name: '保存监管范围' }).click();
    await shown.getByText('盐城市（全市） · 全部行业').waitFor();
    const [city] = await t.dataSource.query(`SELECT jurisdiction_code, sectors FROM supervisor_scopes WHERE user_id = $1`, [sup.userId]);
    expect(city).toEqual({ jurisdiction_code: '320900', sectors: null });
    w.assertClean();
    await w.close();
  });
});
