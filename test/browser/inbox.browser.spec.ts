import { Role } from 'src/common/auth/role.enum';
import { createPublishedTender, registerParty } from './fixtures';
import { type ConsoleServer, loginAs, openPage, screenshot, startConsole } from './harness';

describe('console: the inbox (站内信, /inbox)', () => {
  let server: ConsoleServer;
  beforeAll(async () => {
    server = await startConsole();
  });
  afterAll(() => server?.close());

  it('the procuring entity sees the objection message, unread, and marks it read', async () => {
    const owner = await registerParty(server.t, { role: Role.PROCURING_ENTITY });
    const bidder = await registerParty(server.t, { role: Role.BIDDER });
    const tender = await createPublishedTender(server.t, { owner, deadlineInMs: 2 * 3600_000, title: '盐城市串场河景观工程' });
    const filed = await server.t.http().post(`/api/v1/tenders/${tender.id}/objections`).set(bidder.auth).send({ text: '资格条件过高' });
    expect(filed.status).toBe(201);

    const w = await openPage(server);
    const { page } = w;
    await loginAs(page, owner.username, owner.password);
    await page.getByRole('link', { name: '消息', exact: true }).click();
    await page.getByText('（未读 1）').waitFor();
    const table = page.getByRole('table', { name: '消息' });
    await table.getByText('【异议】盐城市串场河景观工程').waitFor();
    await screenshot(page, 'inbox-procuring-entity');
    await table.getByRole('button', { name: '标为已读：【异议】盐城市串场河景观工程' }).click();
    await page.getByText('（未读 0）').waitFor();
    await table.getByText('已读').waitFor();
    w.assertClean();
    await w.close();
  });
});
