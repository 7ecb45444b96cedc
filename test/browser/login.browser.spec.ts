import { Role } from 'src/common/auth/role.enum';
import type { Locator } from 'playwright-core';
import { registerParty } from '../factories/identity.factory';
import { type ConsoleServer, expectedHttpError, openPage, screenshot, startConsole } from './harness';

describe('console: login (UI.md /login, "after login")', () => {
  let server: ConsoleServer;
  beforeAll(async () => {
    server = await startConsole();
  });
  afterAll(() => server?.close());

  it('a wrong password shows an alert; the right one shows the user and 退出; 退出 logs out', async () => {
    const bidder = await registerParty(server.t, { role: Role.BIDDER, name: '盐城市华建工程有限公司' });
    const w = await openPage(server, { allowConsoleErrors: [expectedHttpError(401)] });
    const { page } = w;
    await page.goto('/login');
    await page.getByRole('textbox', { name: '用户名' }).fill(bidder.username);
    await page.getByLabel('密码').fill('wrong-password-1');
    await page.getByRole('button', { name: '登录' }).click();
    await expectVisible(page.getByRole('alert'));
    expect(await page.getByRole('alert').innerText()).toContain('用户名或密码错误');
    await screenshot(page, 'login-wrong-password');

    await page.getByLabel('密码').fill(bidder.password);
    await page.getByRole('button', { name: '登录' }).click();
    await expectVisible(page.getByRole('button', { name: '退出' }));
    await expectVisible(page.getByText('盐城市华建工程有限公司').first());
    await screenshot(page, 'home-bidder');

    await page.getByRole('button', { name: '退出' }).click();
    await expectVisible(page.getByRole('button', { name: '登录' }));
    expect(await page.getByRole('button', { name: '退出' }).count()).toBe(0);
    w.assertClean();
    await w.close();
  });

  it('deep links load the console; an unknown route shows the console 404 page, /api stays JSON', async () => {
    const w = await openPage(server);
    const res = await w.page.goto('/no/such/page');
    expect(res?.status()).toBe(200);
    await expectVisible(w.page.getByText('页面不存在', { exact: true }));
    const api = await w.page.request.get('/api/v1/no-such-endpoint');
    expect(api.status()).toBe(404);
    expect(await api.json()).toMatchObject({ code: 'NOT_FOUND' });
    w.assertClean();
    await w.close();
  });
});

async function expectVisible(locator: Locator): Promise<void> {
  await locator.waitFor({ state: 'visible' });
}
