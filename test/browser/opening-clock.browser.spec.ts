import { createPublishedTender, registerParty, Role } from './fixtures';
import { type ConsoleServer, eventually, loginAs, openPage, screenshot, startConsole } from './harness';

const HOUR = 3_600_000;
/** "00:09:58" / "1天 02:00:00" → ms. */
const parseDuration = (text: string) => {
  const m = /(?:(\d+)天 )?(\d{2}):(\d{2}):(\d{2})/.exec(text);
  if (!m) throw new Error(`no duration in "${text}"`);
  return (((Number(m[1] ?? 0) * 24 + Number(m[2])) * 60 + Number(m[3])) * 60 + Number(m[4])) * 1000;
};

describe('console: the opening hall counts down on the server clock (UI.md /tenders/<id>/opening)', () => {
  let server: ConsoleServer;
  beforeAll(async () => {
    server = await startConsole();
  });
  afterAll(() => server?.close());

  it('right with a local clock 2 hours slow, and again right after the local clock jumps 5 hours ahead', async () => {
    const owner = await registerParty(server.t, { role: Role.PROCURING_ENTITY });
    const tender = await createPublishedTender(server.t, { owner, deadlineInMs: 10 * 60_000 });
    const deadline = Date.parse((await server.t.http().get(`/api/v1/tenders/${tender.id}`)).body.bidDeadline);
    const w = await openPage(server);
    await w.page.clock.install({ time: new Date(Date.now() - 2 * HOUR) }); // this laptop's clock is 2 hours slow
    await loginAs(w.page, owner.username, owner.password);
    await w.page.goto(`/tenders/${tender.id}/opening`);
    const countdown = w.page.locator('.ant-statistic').filter({ hasText: '距开标（投标截止）' }).locator('.ant-statistic-content');
    const expectRight = async () => {
      const shown = parseDuration(await countdown.innerText());
      const actual = deadline - Date.now();
      expect(Math.abs(shown - actual)).toBeLessThanOrEqual(2500);
    };
    await eventually(expectRight, 5000);
    await screenshot(w.page, 'opening-hall-countdown');

    // The clock jumps (set by hand, or the machine wakes with a wrong time): still the server's countdown.
    await w.page.clock.setSystemTime(new Date(Date.now() + 5 * HOUR));
    await eventually(expectRight, 5000);
    w.assertClean();
    await w.close();
  });
});
