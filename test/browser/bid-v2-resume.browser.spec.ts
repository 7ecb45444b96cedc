import { closeSync, mkdtempSync, openSync, writeSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import type { Request, Route } from 'playwright-core';
import { createPublishedTender, registerParty, Role } from './fixtures';
import { assertNoHorizontalOverflow, type ConsoleServer, DESKTOP, eventually, loginAs, openPage, PHONE, screenshot, startConsole } from './harness';

const MiB = 1024 * 1024;
const PIECE = 4 * MiB; // the console's upload piece (src/sdk/v2/upload.ts)

/** A bid file of `size` bytes of readable filler (sealed: several 4 MiB upload pieces). */
function bidFile(dir: string, name: string, size: number): string {
  const block = Buffer.alloc(MiB, '第五章 质量保证措施（续传测试）\n');
  const path = join(dir, name);
  const fd = openSync(path, 'w');
  for (let at = 0; at < size; at += block.length) writeSync(fd, block, 0, Math.min(block.length, size - at));
  closeSync(fd);
  return path;
}

/**
 * Format v2 uploads from the console (issue 13): while a bid is sealed and uploaded its price, suite and file
 * controls and the submit button are disabled (and stay so while the upload waits to be resumed); an upload
 * abandoned after its retries is kept in the page (and in the browser's IndexedDB) and resumed with 继续上传 from the offset the platform reports (HEAD), ending in exactly one bid; and when the bidder
 * comes back, the v2 receipt is verified again from GET /tenders/{id}/bids/mine (envelope fields) — and a tampered
 * answer is reported as a failure. Screenshots: docs/screenshots/bid-v2-{sealing-disabled,resume,receipt-reverified}.png.
 */
describe('console: a format v2 upload abandoned after its retries is resumed; the receipt is re-verified later', () => {
  let server: ConsoleServer;
  beforeAll(async () => {
    server = await startConsole();
  });
  afterAll(() => server?.close());

  it('controls disabled while sealing, 继续上传 from the platform offset, one bid, 回执已验证 on return', async () => {
    const t = server.t;
    const tender = await createPublishedTender(t, {
      title: '盐城市亭湖区污水处理厂提标改造工程',
      deadlineInMs: 60 * 60_000,
      bidSecurityAmount: '0.00',
      decryptionMode: 'BIDDER_WITH_ESCROW_FALLBACK', // the escrowed key is stored: the re-verification covers it
      windowMinutes: 30,
    });
    const bidder = await registerParty(t, { role: Role.BIDDER, name: '江苏盐城水务建设工程有限公司' });
    const dir = mkdtempSync(join(tmpdir(), 'bid-v2-resume-'));
    const file = bidFile(dir, '技术标（提标改造）.pdf', 10 * MiB); // sealed: three upload pieces

    // route.abort logs net::ERR_FAILED in the browser: the failures are provoked on purpose.
    const w = await openPage(server, { allowConsoleErrors: [/net::ERR_FAILED/] });
    const { page } = w;
    // Fake timers (time still flows): the SDK's retry back-off (1 s, 2 s … 32 s) is fast-forwarded below.
    await page.clock.install();
    await loginAs(page, bidder.username, bidder.password);
    await page.goto(`/tenders/${tender.id}/bid`);
    await page.getByText('本项目不收取投标保证金。').waitFor();

    const price = page.getByRole('textbox', { name: '投标报价（元）' });
    const submit = page.getByRole('button', { name: '加密并递交' });
    const fileInput = page.getByLabel('投标文件', { exact: true });
    const suites = page.getByRole('radiogroup', { name: '加密套件' });
    await price.fill('28460000.00');
    await fileInput.setInputFiles(file);
    await page.getByText('将以格式 v2 分段加密、分片上传（可断点续传）').waitFor();

    // Every PATCH after the first fails until `failing` is turned off; the state of the controls is captured at the
    // first failing piece (sealing done, one piece stored, the upload in progress).
    const patchOffsets: string[] = [];
    let failing = true;
    let seen = 0;
    let disabledSeen: Record<string, boolean> | null = null;
    page.on('request', (r: Request) => {
      if (r.method() === 'PATCH') patchOffsets.push(r.headers()['upload-offset']);
    });
    const breakPieces = async (route: Route) => {
      if (route.request().method() !== 'PATCH' || !failing || ++seen < 2) return route.continue();
      if (seen === 2) {
        disabledSeen = {
          price: await price.isDisabled(),
          file: await fileInput.isDisabled(),
          submit: await submit.isDisabled(),
          suiteIntl: await suites.getByRole('radio', { name: /INTL-1/ }).isDisabled(),
          suiteGm: await suites.getByRole('radio', { name: /GM-1/ }).isDisabled(),
        };
        await page.getByRole('progressbar', { name: '上传进度' }).waitFor();
        await screenshot(page, 'bid-v2-sealing-disabled');
      }
      await route.abort('failed');
    };
    await page.route('**/bid-uploads/*', breakPieces);
    await submit.click();

    // The retries run out (6 tries with back-off): fast-forward the page's clock until 继续上传 is offered.
    const resume = page.getByRole('button', { name: '继续上传' });
    await eventually(
      async () => {
        if (!(await resume.isVisible())) {
          await page.clock.fastForward(20_000);
          throw new Error('not yet abandoned');
        }
      },
      240_000,
      1000,
    );
    expect(disabledSeen).toEqual({ price: true, file: true, submit: true, suiteIntl: true, suiteGm: true });
    expect(seen).toBeGreaterThanOrEqual(7); // the first piece, then the second one tried 1 + 5 times
    await page.getByText('上传中断，可从断点继续上传').waitFor();
    // Kept in this browser too (bid-v2-resume-reload.browser.spec.ts resumes after a reload).
    await page.getByText('刷新或关闭页面后回到本页，重新选择相同的文件即可续传', { exact: false }).waitFor();
    // The form stays locked (the resume uses the values sealed), 继续上传 is enabled, and nothing is submitted yet.
    expect(await price.isDisabled()).toBe(true);
    expect(await fileInput.isDisabled()).toBe(true);
    expect(await submit.isDisabled()).toBe(true);
    expect(await resume.isDisabled()).toBe(false);
    expect((await t.http().get('/api/v1/bids/mine').query({ tenderId: tender.id }).set(bidder.auth)).body.total).toBe(0);
    await screenshot(page, 'bid-v2-resume');
    await page.setViewportSize(PHONE); // the warning and its button on a phone too
    await assertNoHorizontalOverflow(page);
    await screenshot(page, 'bid-v2-resume-phone');
    await page.setViewportSize(DESKTOP);

    // 继续上传: HEAD says where the platform stopped (the first piece), the rest is sent from there.
    failing = false;
    const before = patchOffsets.length;
    await resume.click();
    await page.getByText('回执签名验证通过').waitFor({ timeout: 180_000 });
    expect(patchOffsets.slice(before)[0]).toBe(String(PIECE));
    expect(patchOffsets.slice(before)).not.toContain('0');
    expect(await resume.count()).toBe(0);

    // Exactly one bid, version 1, in format v2 with the escrowed key.
    const list = (await t.http().get('/api/v1/bids/mine').query({ tenderId: tender.id }).set(bidder.auth)).body;
    expect(list.total).toBe(1);
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM bids WHERE tender_id = $1`, [tender.id]);
    expect(n).toBe(1);
    const mine = (await t.http().get(`/api/v1/tenders/${tender.id}/bids/mine`).set(bidder.auth)).body;
    expect(mine).toMatchObject({ version: 1, formatVersion: 2, suite: 'INTL-1', hasEscrowedKey: true });
    expect(mine.envelope).toEqual({ segmentSize: expect.any(Number), ciphertextLength: expect.any(Number), noncePrefix: expect.any(String), escrowedKey: expect.any(String) });
    expect(mine.price).toBeNull();
    await page.getByRole('button', { name: '下载密钥' }).waitFor();
    w.assertClean();
    await w.close();

    // Coming back later (a new visit, no key in the page): the receipt is verified again from GET …/bids/mine.
    const back = await openPage(server);
    await loginAs(back.page, bidder.username, bidder.password);
    await back.page.goto(`/tenders/${tender.id}/bid`);
    await back.page.getByText('回执已验证', { exact: true }).waitFor({ timeout: 60_000 });
    await back.page.getByText('格式 v2 · INTL-1', { exact: false }).waitFor();
    await back.page.getByText(mine.envelopeSha256).waitFor();
    await screenshot(back.page, 'bid-v2-receipt-reverified');
    back.assertClean();
    await back.close();

    // A tampered answer (another nonce prefix) does not verify: a clear failure, never 回执已验证.
    const tampered = await openPage(server);
    await loginAs(tampered.page, bidder.username, bidder.password);
    await tampered.page.route(`**/api/v1/tenders/${tender.id}/bids/mine`, async (route: Route) => {
      const res = await route.fetch();
      const body = await res.json();
      body.envelope.noncePrefix = Buffer.from('tamper!').toString('base64');
      await route.fulfill({ response: res, json: body });
    });
    await tampered.page.goto(`/tenders/${tender.id}/bid`);
    await tampered.page.getByText('回执签名验证失败！请勿依赖此回执，并联系交易中心。').waitFor({ timeout: 60_000 });
    expect(await tampered.page.getByText('回执已验证', { exact: true }).count()).toBe(0);
    tampered.assertClean();
    await tampered.close();
  }, 600_000);
});
