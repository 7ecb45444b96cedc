import { closeSync, mkdirSync, mkdtempSync, openSync, utimesSync, writeSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import type { Page, Request, Route } from 'playwright-core';
import { createPublishedTender, registerParty, Role } from './fixtures';
import { assertNoHorizontalOverflow, type ConsoleServer, DESKTOP, eventually, expectedHttpError, loginAs, openPage, PHONE, screenshot, startConsole } from './harness';

const MiB = 1024 * 1024;
const PIECE = 4 * MiB; // the console's upload piece (src/sdk/v2/upload.ts)
const PRICE = '28460000.00';
const FILE_NAME = '技术标（提标改造）.pdf';

/** A bid file of `size` bytes of readable filler. */
function bidFile(dir: string, name: string, size: number, text = '第五章 质量保证措施（续传测试）\n'): string {
  const block = Buffer.alloc(MiB, text);
  const path = join(dir, name);
  const fd = openSync(path, 'w');
  for (let at = 0; at < size; at += block.length) writeSync(fd, block, 0, Math.min(block.length, size - at));
  closeSync(fd);
  return path;
}

/**
 * What this browser keeps in IndexedDB for pending uploads, read in the page as any script of the origin could: the
 * records' count, every string and byte of them as text (what an export of the site's storage would show), and
 * whether the wrapping key is extractable. (A script string: the root tsconfig has no DOM types.)
 */
const STORED_RECORDS = `(async () => {
  const db = await new Promise((res, rej) => {
    const r = indexedDB.open('ebid-pending-bid-uploads');
    r.onsuccess = () => res(r.result);
    r.onerror = () => rej(r.error);
  });
  const get = (store) =>
    new Promise((res, rej) => {
      if (!db.objectStoreNames.contains(store)) return res([]);
      const r = db.transaction(store).objectStore(store).getAll();
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
  const all = await get('pending');
  const keys = await get('keys');
  const text = (v) => (v instanceof ArrayBuffer || ArrayBuffer.isView(v) ? new TextDecoder().decode(v) : JSON.stringify(v));
  const clearText = all.map((r) => Object.values(r).map(text).join('|')).join('\\n');
  db.close();
  return { count: all.length, clearText, keyExtractable: keys.length ? keys[0].extractable : null };
})()`;
const storedRecords = (page: Page): Promise<{ count: number; clearText: string; keyExtractable: boolean | null }> => page.evaluate(STORED_RECORDS);

/**
 * Format v2 uploads interrupted and resumed AFTER A RELOAD (the bidder closed the tab, the browser crashed): the
 * upload, the bid key (encrypted under a non-extractable WebCrypto key) and the fingerprints of the files are kept
 * in the browser's IndexedDB. Back on the page, the resumable state is shown with what the platform has; the bidder
 * chooses the same files again (a different file is named and nothing is sent), and 继续上传 ends in exactly one
 * bid with its receipt verified. Also: 放弃并重新加密 forgets the upload and opens the form again, and a refusal by
 * the platform's finalize (UPLOAD_HASH_MISMATCH) is shown clearly and forgets it too; when only the finalisation was
 * lost (the platform has every byte), 继续上传 finalises without asking for the files.
 * Screenshots: docs/screenshots/bid-v2-resume-restored{,-phone,-mismatch}.png.
 */
describe('console: an interrupted format v2 upload survives a reload', () => {
  let server: ConsoleServer;
  let dir: string;
  beforeAll(async () => {
    server = await startConsole();
    dir = mkdtempSync(join(tmpdir(), 'bid-v2-reload-'));
  });
  afterAll(() => server?.close());

  /**
   * Logs in, fills the bid, and seals and uploads it with every PATCH after the first failing until the retries run
   * out (继续上传 offered). Answers the page, the PATCH offsets seen and a switch to stop the failures.
   */
  async function interrupted(o: { title: string; file: string; allowConsoleErrors?: RegExp[] }) {
    const t = server.t;
    const tender = await createPublishedTender(t, {
      title: o.title,
      deadlineInMs: 60 * 60_000,
      bidSecurityAmount: '0.00',
      decryptionMode: 'BIDDER_WITH_ESCROW_FALLBACK',
      windowMinutes: 30,
    });
    const bidder = await registerParty(t, { role: Role.BIDDER, name: `${o.title}投标人有限公司` });
    const w = await openPage(server, { allowConsoleErrors: [/net::ERR_FAILED/, ...(o.allowConsoleErrors ?? [])] });
    const { page } = w;
    await page.clock.install(); // the retry back-off is fast-forwarded
    await loginAs(page, bidder.username, bidder.password);
    await page.goto(`/tenders/${tender.id}/bid`);
    await page.getByText('本项目不收取投标保证金。').waitFor();
    await page.getByRole('textbox', { name: '投标报价（元）' }).fill(PRICE);
    await page.getByRole('spinbutton', { name: '工期（日历天，可选）' }).fill('540');
    await page.getByLabel('投标文件', { exact: true }).setInputFiles(o.file);
    await page.getByText('将以格式 v2 分段加密、分片上传（可断点续传）').waitFor();

    const patchOffsets: string[] = [];
    page.on('request', (r: Request) => {
      if (r.method() === 'PATCH') patchOffsets.push(r.headers()['upload-offset']);
    });
    const state = { failing: true, seen: 0 };
    await page.route('**/bid-uploads/*', async (route: Route) => {
      if (route.request().method() !== 'PATCH' || !state.failing || ++state.seen < 2) return route.continue();
      await route.abort('failed');
    });
    await page.getByRole('button', { name: '加密并递交' }).click();
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
    await page.getByText('本次加密的密钥已加密保存在本浏览器中', { exact: false }).waitFor();
    return { t, tender, bidder, w, page, patchOffsets, state };
  }

  it('reload → the platform offset shown, the form locked; a different file is named and nothing sent; the same file resumes to one verified bid', async () => {
    const file = bidFile(dir, FILE_NAME, 10 * MiB); // sealed: three upload pieces
    // Same name, same size, same modification time, other content: only the hash of the first MiB tells them apart.
    mkdirSync(join(dir, 'other'));
    const other = bidFile(join(dir, 'other'), FILE_NAME, 10 * MiB, '第五章 质量保证措施（另一份文件）\n');
    // (a whole second for both: a file's lastModified is in ms, the file system's time finer)
    const when = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
    utimesSync(file, when, when);
    utimesSync(other, when, when);

    const { t, tender, bidder, w, page, patchOffsets, state } = await interrupted({ title: '盐城市亭湖区污水处理厂提标改造工程（续传）', file });
    const price = page.getByRole('textbox', { name: '投标报价（元）' });
    const submit = page.getByRole('button', { name: '加密并递交' });
    const resume = page.getByRole('button', { name: '继续上传' });
    // (b) The resumable state locks the form (the resume uses the sealed values); 继续上传 stays enabled.
    expect(await price.isDisabled()).toBe(true);
    expect(await page.getByLabel('投标文件', { exact: true }).isDisabled()).toBe(true);
    expect(await submit.isDisabled()).toBe(true);
    expect(await resume.isDisabled()).toBe(false);

    // Kept in IndexedDB: one record, no price or key in the clear, the wrapping key non-extractable.
    const kept = await storedRecords(page);
    expect(kept.count).toBe(1);
    expect(kept.keyExtractable).toBe(false);
    expect(kept.clearText).not.toContain('28460000');
    expect(kept.clearText).not.toContain('提标改造');

    // The tab is reloaded (a closed tab, a browser restart): the resumable state is restored.
    state.failing = false;
    await page.reload();
    await page.getByText('上传中断，可从断点继续上传').waitFor();
    const [u] = await t.dataSource.query(`SELECT received_bytes::bigint AS received, ciphertext_length::bigint AS length FROM bid_uploads WHERE tender_id = $1`, [tender.id]);
    expect(Number(u.received)).toBe(PIECE);
    const explanation = page.getByTestId('resume-explanation');
    expect(await explanation.textContent()).toContain(`平台已收到 ${(PIECE / MiB).toFixed(1)} / ${(Number(u.length) / MiB).toFixed(1)}\u00a0MB`);
    expect(await explanation.textContent()).toContain(`请重新选择上次加密的投标文件（${FILE_NAME}）`);
    // The form shows the sealed values, read-only; 继续上传 waits for the files.
    expect(await price.inputValue()).toBe(PRICE);
    expect(await price.isDisabled()).toBe(true);
    expect(await page.getByRole('spinbutton', { name: '工期（日历天，可选）' }).inputValue()).toBe('540');
    expect(await submit.isDisabled()).toBe(true);
    expect(await resume.isDisabled()).toBe(true);
    await screenshot(page, 'bid-v2-resume-restored');
    await page.setViewportSize(PHONE);
    await assertNoHorizontalOverflow(page);
    await screenshot(page, 'bid-v2-resume-restored-phone');
    await page.setViewportSize(DESKTOP);

    // Another file with the same name, size and time: named, refused, nothing sent.
    const sentBefore = patchOffsets.length;
    const again = page.getByLabel('重新选择投标文件', { exact: true });
    await again.setInputFiles(other);
    await page.getByText(`所选文件「${FILE_NAME}」与上次加密的文件不一致：内容不同`, { exact: false }).waitFor();
    expect(await resume.isDisabled()).toBe(true);
    await screenshot(page, 'bid-v2-resume-mismatch');
    expect(patchOffsets.length).toBe(sentBefore);

    // The same file: checked, then 继续上传 from the platform's offset to the receipt.
    await again.setInputFiles(file);
    await page.getByTestId('rechosen-ok').waitFor();
    expect(await resume.isDisabled()).toBe(false);
    await resume.click();
    await page.getByText('回执签名验证通过').waitFor({ timeout: 180_000 });
    expect(patchOffsets.slice(sentBefore)[0]).toBe(String(PIECE));
    expect(patchOffsets.slice(sentBefore)).not.toContain('0');
    const mine = (await t.http().get(`/api/v1/tenders/${tender.id}/bids/mine`).set(bidder.auth)).body;
    expect(mine).toMatchObject({ version: 1, formatVersion: 2, suite: 'INTL-1', hasEscrowedKey: true });
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM bids WHERE tender_id = $1`, [tender.id]);
    expect(n).toBe(1);
    // Finalised: forgotten in the browser; a reload shows the receipt, no resumable state.
    expect((await storedRecords(page)).count).toBe(0);
    await page.getByRole('button', { name: '下载密钥' }).click();
    await page.reload();
    await page.getByText('回执已验证', { exact: true }).waitFor({ timeout: 60_000 });
    expect(await page.getByText('上传中断，可从断点继续上传').count()).toBe(0);
    expect(await price.isDisabled()).toBe(false);
    w.assertClean();
    await w.close();
  }, 600_000);

  it('放弃并重新加密 forgets the interrupted upload and opens the form again', async () => {
    const file = bidFile(dir, '商务标.pdf', 6 * MiB);
    const { w, page } = await interrupted({ title: '射阳县农村供水管网改造工程', file });
    await page.reload();
    await page.getByText('上传中断，可从断点继续上传').waitFor();
    const price = page.getByRole('textbox', { name: '投标报价（元）' });
    expect(await price.isDisabled()).toBe(true);
    await page.getByRole('button', { name: '放弃并重新加密' }).click();
    await page.getByRole('button', { name: '放弃', exact: true }).click();
    await page.getByText('已放弃中断的上传，可修改后重新加密递交').waitFor();
    expect(await page.getByText('上传中断，可从断点继续上传').count()).toBe(0);
    expect(await price.isDisabled()).toBe(false);
    expect(await price.inputValue()).toBe(PRICE); // the values stay, to edit
    expect(await page.getByRole('button', { name: '加密并递交' }).isDisabled()).toBe(false);
    expect((await storedRecords(page)).count).toBe(0);
    await page.reload();
    await page.getByText('本项目不收取投标保证金。').waitFor();
    await page.getByRole('textbox', { name: '投标报价（元）' }).waitFor();
    expect(await page.getByText('上传中断，可从断点继续上传').count()).toBe(0);
    w.assertClean();
    await w.close();
  }, 600_000);

  it('a finalize refused for the file hash (UPLOAD_HASH_MISMATCH) is said clearly and the upload forgotten', async () => {
    const file = bidFile(dir, '资信标.pdf', 6 * MiB);
    const { w, page, state } = await interrupted({ title: '建湖县城区雨污分流改造工程', file, allowConsoleErrors: [expectedHttpError(422)] });
    state.failing = false;
    await page.reload();
    await page.getByText('上传中断，可从断点继续上传').waitFor();
    // The platform refuses the finished file (as it does when its hash is not the one stated at creation).
    await page.route('**/bid-uploads/*/finalize', (route: Route) =>
      route.fulfill({
        status: 422,
        contentType: 'application/json',
        body: JSON.stringify({ code: 'UPLOAD_HASH_MISMATCH', message: 'The received file does not have the ciphertextHash stated when the upload was created' }),
      }),
    );
    await page.getByLabel('重新选择投标文件', { exact: true }).setInputFiles(file);
    await page.getByTestId('rechosen-ok').waitFor();
    await page.getByRole('button', { name: '继续上传' }).click();
    await page.getByText('平台核对文件摘要不一致，拒绝了本次上传', { exact: false }).waitFor({ timeout: 180_000 });
    expect(await page.getByText('上传中断，可从断点继续上传').count()).toBe(0);
    expect(await page.getByRole('textbox', { name: '投标报价（元）' }).isDisabled()).toBe(false);
    expect((await storedRecords(page)).count).toBe(0);
    w.assertClean();
    await w.close();
  }, 600_000);
  it('only the finalisation lost: after a reload 继续上传 finalises without choosing the files again', async () => {
    const t = server.t;
    const tender = await createPublishedTender(t, { title: '阜宁县城南水厂扩建工程', deadlineInMs: 60 * 60_000, bidSecurityAmount: '0.00', windowMinutes: 30 });
    const bidder = await registerParty(t, { role: Role.BIDDER, name: '阜宁县城南水厂扩建投标人有限公司' });
    const file = bidFile(dir, '施工组织设计.pdf', 6 * MiB);
    const w = await openPage(server, { allowConsoleErrors: [/net::ERR_FAILED/] });
    const { page } = w;
    await loginAs(page, bidder.username, bidder.password);
    await page.goto(`/tenders/${tender.id}/bid`);
    await page.getByRole('textbox', { name: '投标报价（元）' }).fill(PRICE);
    await page.getByLabel('投标文件', { exact: true }).setInputFiles(file);
    await page.getByText('将以格式 v2 分段加密、分片上传（可断点续传）').waitFor();
    // Every byte arrives; the finalisation does not (the connection drops).
    let failFinalize = true;
    await page.route('**/bid-uploads/*/finalize', (route: Route) => (failFinalize ? route.abort('failed') : route.continue()));
    await page.getByRole('button', { name: '加密并递交' }).click();
    await page.getByRole('button', { name: '继续上传' }).waitFor({ timeout: 120_000 });
    failFinalize = false;
    await page.reload();
    await page.getByText('上传中断，可从断点继续上传').waitFor();
    const [u] = await t.dataSource.query(`SELECT received_bytes::bigint AS received, ciphertext_length::bigint AS length FROM bid_uploads WHERE tender_id = $1`, [tender.id]);
    expect(u.received).toBe(u.length);
    expect(await page.getByTestId('resume-explanation').textContent()).toContain('点击「继续上传」即可');
    expect(await page.getByLabel('重新选择投标文件', { exact: true }).count()).toBe(0);
    const patches: string[] = [];
    page.on('request', (r: Request) => {
      if (r.method() === 'PATCH') patches.push(r.url());
    });
    await page.getByRole('button', { name: '继续上传' }).click();
    await page.getByText('回执签名验证通过').waitFor({ timeout: 60_000 });
    expect(patches).toEqual([]);
    expect((await t.http().get(`/api/v1/tenders/${tender.id}/bids/mine`).set(bidder.auth)).body).toMatchObject({ version: 1, formatVersion: 2 });
    expect((await storedRecords(page)).count).toBe(0);
    w.assertClean();
    await w.close();
  }, 300_000);
});
