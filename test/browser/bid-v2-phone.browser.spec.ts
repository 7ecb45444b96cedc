import { closeSync, mkdtempSync, openSync, writeSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import type { Route } from 'playwright-core';
import { createPublishedTender, registerParty, Role } from './fixtures';
import { assertNoHorizontalOverflow, type ConsoleServer, loginAs, openPage, PHONE, screenshot, startConsole } from './harness';

const MiB = 1024 * 1024;

/** A bid file of `size` bytes of readable filler (several segments and several 4 MiB upload pieces once sealed). */
function bidFile(dir: string, name: string, size: number): string {
  const block = Buffer.alloc(MiB, '第四章 施工组织设计（手机端测试）\n');
  const path = join(dir, name);
  const fd = openSync(path, 'w');
  for (let at = 0; at < size; at += block.length) writeSync(fd, block, 0, Math.min(block.length, size - at));
  closeSync(fd);
  return path;
}

/**
 * Format v2 on a phone (issue 13; UI.md "/tenders/<id>/bid"): at 390×844 the bid page of a tender accepting both
 * suites shows the binding accessible names and the 加密套件 choice without horizontal overflow; a multi-piece file is
 * sealed and uploaded with both progress bars on screen (the upload slowed down so they are captured mid-way), and the
 * receipt fits the phone too. Screenshots: docs/screenshots/bid-v2-phone-*.png.
 */
describe('console on a phone: the format v2 bid page (suite choice, progress bars, receipt)', () => {
  let server: ConsoleServer;
  beforeAll(async () => {
    server = await startConsole();
  });
  afterAll(() => server?.close());

  it('390×844: accessible names, no overflow, both progress bars mid-upload, the verified receipt', async () => {
    const t = server.t;
    const tender = await createPublishedTender(t, {
      title: '盐城市城南新区智慧路灯及配套管网改造工程',
      deadlineInMs: 60 * 60_000,
      bidSecurityAmount: '0.00',
      decryptionMode: 'BIDDER_WITH_ESCROW_FALLBACK',
      windowMinutes: 30,
    });
    expect((await t.http().get(`/api/v1/tenders/${tender.id}`)).body.sealing.acceptedSuites).toEqual(['INTL-1', 'GM-1']);
    const bidder = await registerParty(t, { role: Role.BIDDER, name: '江苏盐城华东路桥建设集团有限公司' });
    const dir = mkdtempSync(join(tmpdir(), 'bid-v2-phone-'));
    const file = bidFile(dir, '技术标（智慧路灯）.pdf', 9 * MiB); // sealed: three 4 MiB upload pieces

    const w = await openPage(server, { viewport: PHONE });
    const { page } = w;
    await loginAs(page, bidder.username, bidder.password);
    await page.goto(`/tenders/${tender.id}/bid`);
    await page.getByText('本项目不收取投标保证金。').waitFor();

    // The binding names (UI.md), and the suite choice of a tender accepting both suites.
    const price = page.getByRole('textbox', { name: '投标报价（元）' });
    await price.waitFor();
    const suites = page.getByRole('radiogroup', { name: '加密套件' });
    expect(await suites.getByRole('radio', { name: /INTL-1/ }).isChecked()).toBe(true);
    expect(await suites.getByRole('radio', { name: /GM-1/ }).isChecked()).toBe(false);
    expect(await page.getByLabel('投标文件', { exact: true }).count()).toBe(1);
    const submit = page.getByRole('button', { name: '加密并递交' });
    expect(await submit.isVisible()).toBe(true);
    await assertNoHorizontalOverflow(page);

    await price.fill('12860000.00');
    await page.getByLabel('投标文件', { exact: true }).setInputFiles(file);
    await page.getByText('将以格式 v2 分段加密、分片上传（可断点续传）').waitFor();
    await price.blur(); // the primary colour's focus ring (red) would read as an error in the screenshot
    await assertNoHorizontalOverflow(page);
    await screenshot(page, 'bid-v2-phone-before-submission');

    // Every upload piece held back a little so the bars are on screen; at the second piece (sealing done, the first
    // piece stored) the page is captured with both bars in view.
    let pieces = 0;
    let midUpload: { sealed: string | null; uploaded: string | null; overflow: unknown } | null = null;
    const slow = async (route: Route) => {
      if (route.request().method() !== 'PATCH') return route.continue();
      pieces += 1;
      if (pieces === 2) {
        const sealBar = page.getByRole('progressbar', { name: '加密进度' });
        const uploadBar = page.getByRole('progressbar', { name: '上传进度' });
        await uploadBar.scrollIntoViewIfNeeded();
        midUpload = {
          sealed: await sealBar.getAttribute('aria-valuenow'),
          uploaded: await uploadBar.getAttribute('aria-valuenow'),
          overflow: await assertNoHorizontalOverflow(page).catch((e: Error) => e.message),
        };
        expect(await sealBar.isVisible()).toBe(true);
        expect(await uploadBar.isVisible()).toBe(true);
        await screenshot(page, 'bid-v2-phone-uploading');
        await page.screenshot({ path: join(tmpdir(), 'bid-v2-phone-viewport-uploading.png') }); // what the phone's screen shows
      } else {
        await new Promise((r) => setTimeout(r, 500));
      }
      return route.continue();
    };
    await page.route('**/bid-uploads/*', slow);
    await submit.click();
    await page.getByText('回执签名验证通过').waitFor({ timeout: 120_000 });
    await page.unroute('**/bid-uploads/*', slow);

    expect(pieces).toBe(3);
    expect(midUpload).toMatchObject({ sealed: '100', overflow: undefined });
    const uploadedMid = Number(midUpload!.uploaded);
    expect(uploadedMid).toBeGreaterThan(0);
    expect(uploadedMid).toBeLessThan(100);
    expect(await page.getByRole('progressbar', { name: '加密进度' }).getAttribute('aria-valuenow')).toBe('100');
    expect(await page.getByRole('progressbar', { name: '上传进度' }).getAttribute('aria-valuenow')).toBe('100');
    await page.getByText('格式 v2 · INTL-1').waitFor();
    await page.getByRole('button', { name: '下载密钥' }).waitFor();
    await assertNoHorizontalOverflow(page);
    await page.getByText('投标文件已加密递交').waitFor({ state: 'hidden', timeout: 10_000 }); // the toast, not on the receipt's picture
    await screenshot(page, 'bid-v2-phone-receipt');
    expect((await t.http().get(`/api/v1/tenders/${tender.id}/bids/mine`).set(bidder.auth)).body).toMatchObject({ formatVersion: 2, suite: 'INTL-1', status: 'SUBMITTED' });
    w.assertClean();
    await w.close();
  }, 240_000);
});
