import { mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { verifyKeyCommitment } from 'src/sdk';
import { createPublishedTender, issueAccount, notification, pay, passDeadlineNow, plaintextOf, registerParty, Role, sealAndSubmit, waitForTenderStatus } from './fixtures';
import { type ConsoleServer, eventually, loginAs, openPage, screenshot, startConsole } from './harness';

/**
 * The bidder's whole path in the browser: the bid-security account and its live status, the bid sealed in the
 * browser and submitted (only the sealed request leaves the page), the receipt verified, the key downloaded, a
 * replacement; then the opening hall: decryption with the key file, the live table in another bidder's page, 唱标.
 */
describe('console: a bidder seals and submits in the browser and decrypts in the opening hall', () => {
  let server: ConsoleServer;
  beforeAll(async () => {
    server = await startConsole();
  });
  afterAll(() => server?.close());

  it('seal → receipt verified → 下载密钥 → replace → opening → 解密 → live table → 唱标', async () => {
    const t = server.t;
    const owner = await registerParty(t, { role: Role.PROCURING_ENTITY, name: '盐城市城市管理局' });
    const tender = await createPublishedTender(t, {
      owner,
      title: '盐城市环城高架桥梁维修加固工程',
      deadlineInMs: 60 * 60_000,
      bidSecurityAmount: '200000.00',
      decryptionMode: 'BIDDER_WITH_ESCROW_FALLBACK',
      windowMinutes: 30,
    });
    const webBidder = await registerParty(t, { role: Role.BIDDER, name: '江苏华建路桥集团有限公司', accountNo: '3205123400001111' });
    const others = [
      await registerParty(t, { role: Role.BIDDER, name: '盐城市政工程有限公司', accountNo: '3205123400002222' }),
      await registerParty(t, { role: Role.BIDDER, name: '中交二航局第六工程有限公司', accountNo: '3205123400003333' }),
    ];
    // The two other bidders pay their security and bid with the SDK (their own machines).
    const otherBids = [];
    for (const [i, b] of others.entries()) {
      const acct = await issueAccount(t, tender.id, b);
      await pay(t, notification({ virtualAccountNo: acct.virtualAccountNo, payerAccountNo: `320512340000${i + 2}${i + 2}${i + 2}${i + 2}`, payerName: b.username }));
      const r = await sealAndSubmit(t, tender, b, plaintextOf(['37200000.00', '37900000.00'][i], { durationDays: 365 }));
      expect(r.status).toBe(201);
      otherBids.push(r);
    }

    const a = await openPage(server);
    const bodies: string[] = [];
    a.page.on('request', (r) => r.method() !== 'GET' && bodies.push(r.postData() ?? ''));
    await loginAs(a.page, webBidder.username, webBidder.password);
    await a.page.goto(`/tenders/${tender.id}/bid`);

    // The bid-security virtual account, then its status changes live when the bank's notification arrives.
    const account = a.page.getByTestId('virtual-account');
    await eventually(async () => expect(await account.innerText()).toMatch(/^\d{10,}$/));
    await eventually(async () => expect(await a.page.getByTestId('bid-security-status').innerText()).toBe('未缴纳'));
    await pay(t, notification({ virtualAccountNo: await account.innerText(), payerAccountNo: '3205123400001111', payerName: '江苏华建路桥集团有限公司' }));
    await eventually(async () => expect(await a.page.getByTestId('bid-security-status').innerText()).toBe('已缴纳'), 15_000);

    // Seal in the browser and submit.
    const dir = mkdtempSync(join(tmpdir(), 'bid-'));
    const attachment = join(dir, '施工组织设计.txt');
    writeFileSync(attachment, '第一章 施工部署：桥梁维修加固分三个作业段同步推进。');
    // A price above the ceiling (38,000,000.00) is refused before anything is sealed or sent (TBR Art. 51(5)).
    const sentBefore = bodies.length;
    await a.page.getByRole('textbox', { name: '投标报价（元）' }).fill('38000000.01');
    await a.page.getByLabel('投标文件').setInputFiles(attachment);
    await a.page.getByRole('button', { name: '加密并递交' }).click();
    await a.page.getByText('投标报价高于最高投标限价', { exact: false }).waitFor();
    await screenshot(a.page, 'bid-price-above-ceiling');
    expect(bodies.length).toBe(sentBefore);
    await a.page.getByRole('textbox', { name: '投标报价（元）' }).fill('36800000.00');
    await a.page.getByRole('button', { name: '加密并递交' }).click();
    await a.page.getByText('回执签名验证通过').waitFor();
    await screenshot(a.page, 'bid-receipt');
    let download = a.page.waitForEvent('download');
    await a.page.getByRole('button', { name: '下载密钥' }).click();
    const keyV1 = JSON.parse(readFileSync(await (await download).path(), 'utf8'));
    expect(keyV1).toMatchObject({ type: 'bid-seal-key', formatVersion: 'v1', tenderId: tender.id, bidderOrganizationId: webBidder.organizationId });

    // Replace before the deadline: version 2, a new key.
    await a.page.getByRole('textbox', { name: '投标报价（元）' }).fill('36500000.00');
    await a.page.getByRole('button', { name: '加密并递交' }).click();
    await a.page.getByText('第 2 版', { exact: true }).waitFor();
    await a.page.getByText('回执签名验证通过').waitFor();
    download = a.page.waitForEvent('download');
    await a.page.getByRole('button', { name: '下载密钥' }).click();
    const keyV2Path = join(dir, 'bid-key-v2.json');
    await (await download).saveAs(keyV2Path);
    const keyV2 = JSON.parse(readFileSync(keyV2Path, 'utf8'));
    const mine = (await t.http().get(`/api/v1/tenders/${tender.id}/bids/mine`).set(webBidder.auth)).body;
    expect(mine).toMatchObject({ version: 2, status: 'SUBMITTED', hasEscrowedKey: true });
    expect(verifyKeyCommitment(keyV2.key, mine.keyCommitment)).toBe(true);
    expect(verifyKeyCommitment(keyV1.key, mine.keyCommitment)).toBe(false);

    // Nothing but the sealed request left the browser: no key, no price, no attachment text.
    const submissions = bodies.filter((b) => b.includes('"ciphertext"'));
    expect(submissions).toHaveLength(2);
    for (const body of bodies) {
      for (const secret of [keyV1.key, keyV2.key, '36800000', '36500000', Buffer.from('施工部署').toString('base64')]) expect(body).not.toContain(secret);
    }
    expect(Object.keys(JSON.parse(submissions[1])).sort()).toEqual(['ciphertext', 'client', 'escrowedKey', 'iv', 'keyCommitment']);

    // The deadline passes: the platform opens the three bids.
    await passDeadlineNow(t, tender.id);
    await waitForTenderStatus(t, tender.id, ['OPENING']);

    // Another bidder watches the hall in its own browser.
    const b = await openPage(server);
    await loginAs(b.page, others[0].username, others[0].password);
    await b.page.goto(`/tenders/${tender.id}/opening`);
    const bTable = b.page.getByRole('table', { name: '开标一览表' });
    const rowOf = (page: typeof b.page, name: string) => page.getByRole('table', { name: '开标一览表' }).getByRole('row').filter({ hasText: name });
    await eventually(async () => expect(await bTable.getByRole('row').count()).toBe(4)); // header + 3 bids
    await eventually(async () => expect(await rowOf(b.page, '江苏华建路桥集团有限公司').innerText()).toContain('待解密'));

    await a.page.goto(`/tenders/${tender.id}/opening`);
    await a.page.getByText('解密剩余时间').waitFor();
    await a.page.getByLabel('密钥文件').setInputFiles(keyV2Path);
    await a.page.getByRole('button', { name: '解密' }).click();
    await a.page.getByText('已解密，您的投标报价：¥36,500,000.00').waitFor();

    // B's page, never reloaded: A's row turns 已解密, still without a price (唱标 has not come).
    await eventually(async () => expect(await rowOf(b.page, '江苏华建路桥集团有限公司').innerText()).toContain('已解密'));
    expect(await rowOf(b.page, '江苏华建路桥集团有限公司').innerText()).not.toContain('36,500,000');
    expect(await rowOf(b.page, '江苏华建路桥集团有限公司').innerText()).toContain('唱标时公布');
    await screenshot(b.page, 'opening-hall-decrypting');

    // The other two decrypt (with the SDK keys): every bid decrypted → the window closes → 唱标 in both pages.
    for (const [i, bid] of otherBids.entries()) {
      const r = await t.http().post(`/api/v1/tenders/${tender.id}/bids/${bid.body.bidId}/decryption`).set(others[i].auth).send({ key: bid.sealed.key });
      expect(r.status).toBe(200);
    }
    for (const page of [a.page, b.page]) {
      await page.getByText('唱标', { exact: true }).waitFor({ timeout: 20_000 });
      await eventually(async () => expect(await rowOf(page, '盐城市政工程有限公司').innerText()).toContain('37,200,000.00'));
      expect(await rowOf(page, '江苏华建路桥集团有限公司').innerText()).toContain('36,500,000.00');
      expect(await rowOf(page, '中交二航局第六工程有限公司').innerText()).toContain('37,900,000.00');
    }
    await screenshot(a.page, 'opening-hall-announced');

    // The tender page offers the opening record once the window has closed (readable by the participants; by
    // everyone where the public record of API.md Additions v1.1 is served without a token).
    await a.page.goto(`/tenders/${tender.id}`);
    await a.page.getByRole('button', { name: '查看开标记录' }).click();
    const record = a.page.getByRole('table', { name: '开标记录' });
    await eventually(async () => expect(await record.getByRole('row').count()).toBe(4), 15_000);
    expect(await record.innerText()).toContain('¥36,500,000.00');
    a.assertClean();
    b.assertClean();
    await a.close();
    await b.close();
  });

  it('withdraw (撤回) before the deadline, then submit again', async () => {
    const t = server.t;
    const tender = await createPublishedTender(t, { deadlineInMs: 60 * 60_000, bidSecurityAmount: '0.00' });
    const bidder = await registerParty(t, { role: Role.BIDDER, name: '盐城亭湖建设工程有限公司' });
    const w = await openPage(server);
    await loginAs(w.page, bidder.username, bidder.password);
    await w.page.goto(`/tenders/${tender.id}/bid`);
    await w.page.getByText('本项目不收取投标保证金。').waitFor();
    await w.page.getByRole('textbox', { name: '投标报价（元）' }).fill('1234567.89');
    await w.page.getByRole('button', { name: '加密并递交' }).click();
    await w.page.getByText('回执签名验证通过').waitFor();
    await w.page.getByRole('button', { name: '撤回投标' }).click();
    await w.page.getByRole('button', { name: '撤回', exact: true }).click(); // the confirmation
    await w.page.getByText('您的投标已撤回；截止前可重新递交。').waitFor();
    expect((await t.http().get(`/api/v1/tenders/${tender.id}/bids/mine`).set(bidder.auth)).body.status).toBe('WITHDRAWN');
    await w.page.getByRole('button', { name: '加密并递交' }).click();
    await w.page.getByText('回执签名验证通过').waitFor();
    const mine = (await t.http().get(`/api/v1/tenders/${tender.id}/bids/mine`).set(bidder.auth)).body;
    expect(mine.status).toBe('SUBMITTED');
    w.assertClean();
    await w.close();
  });
});
