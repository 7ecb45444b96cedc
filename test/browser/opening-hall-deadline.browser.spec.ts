import { createPublishedTender, plaintextOf, registerParty, Role, sealAndSubmit, waitForTenderStatus } from './fixtures';
import { type ConsoleServer, eventually, loginAs, openPage, screenshot, startConsole } from './harness';

/**
 * The procuring entity watches its opening hall through the deadline. Until the platform opens the bids the hall
 * would answer 403 SEALED_UNTIL_OPENING, and a tender that fails with fewer than 3 bids is never opened: the page asks
 * the tender (its openedAt) instead, so the console stays clean either way.
 */
describe('console: the opening hall across the deadline (no request whose 4xx is the ordinary "not yet")', () => {
  let server: ConsoleServer;
  beforeAll(async () => {
    server = await startConsole();
  });
  afterAll(() => server?.close());

  it('countdown → the platform opens the bids → the live table, with a clean console', async () => {
    const t = server.t;
    const owner = await registerParty(t, { role: Role.PROCURING_ENTITY, name: '盐城市亭湖区住房和城乡建设局' });
    const prices = ['21500000.00', '21800000.00', '22300000.00'];
    const tender = await createPublishedTender(t, { owner, title: '盐城市亭湖区老旧小区改造工程', bidSecurityAmount: '0.00', deadlineInMs: 12_000 });
    for (const price of prices) {
      const r = await sealAndSubmit(t, tender, await registerParty(t, { role: Role.BIDDER }), plaintextOf(price, { durationDays: 365 }));
      expect(r.status).toBe(201);
    }
    const w = await openPage(server);
    const { page } = w;
    const hallReads: number[] = [];
    page.on('response', (r) => {
      if (r.url().includes('/opening-hall')) hallReads.push(r.status());
    });
    await loginAs(page, owner.username, owner.password);
    await page.goto(`/tenders/${tender.id}/opening`);
    await page.getByText('距开标（投标截止）').waitFor();
    await waitForTenderStatus(t, tender.id, ['OPENING'], 30_000);
    const table = page.getByRole('table', { name: '开标一览表' });
    await eventually(async () => expect(await table.getByRole('row').count()).toBe(4), 15_000); // header + 3 bids
    await page.getByText('解密剩余时间').waitFor();
    expect(hallReads.length).toBeGreaterThan(0);
    expect(hallReads.every((s) => s === 200)).toBe(true);
    await screenshot(page, 'opening-hall-owner-opened');
    w.assertClean();
    await w.close();
  });

  it('fewer than 3 bids: 流标 from the tender itself, the hall never asked', async () => {
    const t = server.t;
    const owner = await registerParty(t, { role: Role.PROCURING_ENTITY, name: '盐城市盐都区水务局' });
    const tender = await createPublishedTender(t, { owner, title: '盐城市盐都区农村供水管网改造', bidSecurityAmount: '0.00', deadlineInMs: 6_000 });
    const r = await sealAndSubmit(t, tender, await registerParty(t, { role: Role.BIDDER }), plaintextOf('8800000.00', { durationDays: 180 }));
    expect(r.status).toBe(201);
    const w = await openPage(server);
    const { page } = w;
    const hallReads: string[] = [];
    page.on('request', (q) => {
      if (q.url().includes('/opening-hall')) hallReads.push(q.url());
    });
    await loginAs(page, owner.username, owner.password);
    await page.goto(`/tenders/${tender.id}/opening`);
    await page.getByText('距开标（投标截止）').waitFor();
    await waitForTenderStatus(t, tender.id, ['FAILED'], 30_000);
    await page.getByRole('heading', { name: '流标' }).waitFor({ timeout: 15_000 });
    await page.getByText('递交投标文件的投标人少于3个，不予开标').waitFor();
    await page.waitForTimeout(2500); // a few more polling periods: nothing asked, nothing logged
    expect(hallReads).toEqual([]);
    await screenshot(page, 'opening-hall-owner-failed');
    w.assertClean();
    await w.close();
  });
});
