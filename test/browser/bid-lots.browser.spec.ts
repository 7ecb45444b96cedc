import { readFileSync } from 'fs';
import { sealBid } from 'src/sdk';
import { createPublishedTender, createStaff, notification, passDeadlineNow, pay, plaintextOf, registerParty, Role, waitForTenderStatus } from './fixtures';
import { type ConsoleServer, eventually, loginAs, openPage, pickOption, screenshot, startConsole } from './harness';

/**
 * 标段 in the console: on a tender with lots the bidder chooses the lot (a Select labelled 标段), pays that lot's own
 * security into that lot's sub-account, and bids it — format v1 (one request to /lots/{lotNo}/bids) and then format
 * v2 (an upload created with lotNo), which replaces its bid on that lot only; the receipt names the lot; the other lot
 * stays unbid. A tender without lots shows no choice. The bidder then bids lot 1 too (format v1); at the opening it
 * decrypts both of its bids in the hall (标段 chosen there, each with its own key file), and the procuring entity sees
 * each bid's lot in the hall and in the opening record.
 */
describe('console: a bidder bids lot 2 of a tender with lots', () => {
  let server: ConsoleServer;
  beforeAll(async () => {
    server = await startConsole();
  });
  afterAll(() => server?.close());

  it('标段 → lot 2’s security → v1 bid → receipt with the lot → v2 replacement (GM-1) → lot 1 untouched', async () => {
    const t = server.t;
    const lot1 = '第一标段：环城高架 K0+000~K5+200';
    const lot2 = '第二标段：环城高架 K5+200~K9+800';
    const owner = await registerParty(t, { role: Role.PROCURING_ENTITY, name: '盐城市交通运输局' });
    const tender = await createPublishedTender(t, {
      owner,
      title: '盐城市环城高架桥梁维修加固工程（分两个标段）',
      deadlineInMs: 60 * 60_000,
      bidSecurityAmount: '200000.00',
      extra: {
        lots: [
          { title: lot1, budget: '20000000.00' },
          { title: lot2, budget: '20000000.00', bidSecurityAmount: '80000.00' },
        ],
      },
    });
    const plain = await createPublishedTender(t, { title: '盐城市人民路排水管网改造工程', deadlineInMs: 60 * 60_000, bidSecurityAmount: '0.00' });
    const bidder = await registerParty(t, { role: Role.BIDDER, name: '江苏华建路桥集团有限公司', accountNo: '3205123400001111' });

    const a = await openPage(server);
    await loginAs(a.page, bidder.username, bidder.password);

    // A tender without lots: the page as before, no 标段 choice.
    await a.page.goto(`/tenders/${plain.id}/bid`);
    await a.page.getByText('本项目不收取投标保证金。').waitFor();
    expect(await a.page.getByRole('combobox', { name: '标段' }).count()).toBe(0);

    // The tender with lots: the choice, lot 1 by default, its own share of the security (100000.00).
    await a.page.goto(`/tenders/${tender.id}/bid`);
    const choice = a.page.getByRole('combobox', { name: '标段' });
    await choice.waitFor();
    await a.page.getByText(`投标保证金（${lot1}）`).waitFor();
    await a.page.getByText('¥100,000.00').waitFor();
    await choice.click();
    await screenshot(a.page, 'bid-lot-choice');
    await pickOption(a.page, lot2);
    await a.page.waitForURL(/\?lot=2$/);
    await a.page.getByText(`投标保证金（${lot2}）`).waitFor();
    await a.page.getByText('¥80,000.00').waitFor();
    // The lot's budget is its ceiling (the tender's ¥38m is higher): said before anything is sealed (TBR Art. 51(5)).
    await a.page.getByText('本标段最高投标限价 ¥20,000,000.00').waitFor();

    // Lot 2's own sub-account; paying it turns lot 2's status to paid.
    const account = a.page.getByTestId('virtual-account');
    await eventually(async () => expect(await account.innerText()).toMatch(/^\d{10,}$/));
    const lot2Account = (await t.http().get(`/api/v1/tenders/${tender.id}/lots/2/bid-security/account`).set(bidder.auth).expect(200)).body;
    expect(await account.innerText()).toBe(lot2Account.virtualAccountNo);
    await eventually(async () => expect(await a.page.getByTestId('bid-security-status').innerText()).toBe('未缴纳'));
    await pay(t, notification({ virtualAccountNo: lot2Account.virtualAccountNo, amount: '80000.00', payerAccountNo: '3205123400001111', payerName: '江苏华建路桥集团有限公司' }));
    await eventually(async () => expect(await a.page.getByTestId('bid-security-status').innerText()).toBe('已缴纳'), 15_000);

    // Format v1 on lot 2 (INTL-1, no attachment: one request to the lot's path).
    const posts: string[] = [];
    a.page.on('request', (r) => r.method() === 'POST' && posts.push(`${new URL(r.url()).pathname} ${r.postData() ?? ''}`));
    await a.page.getByRole('textbox', { name: '投标报价（元）' }).fill('18800000.00');
    await a.page.getByRole('button', { name: '加密并递交' }).click();
    await a.page.getByText('回执签名验证通过').waitFor();
    expect(posts.some((p) => p.startsWith(`/api/v1/tenders/${tender.id}/lots/2/bids `))).toBe(true);
    const receipt = a.page.locator('.ant-card').filter({ hasText: '投标回执' });
    expect(await receipt.getByText(lot2).count()).toBe(1);
    await screenshot(a.page, 'bid-lot2-receipt-v1');
    let download = a.page.waitForEvent('download');
    await a.page.getByRole('button', { name: '下载密钥' }).click();
    expect((await download).suggestedFilename()).toMatch(/-lot2-v1\.json$/);
    const mine2 = (await t.http().get(`/api/v1/tenders/${tender.id}/lots/2/bids/mine`).set(bidder.auth).expect(200)).body;
    expect(mine2).toMatchObject({ lotNo: 2, version: 1, status: 'SUBMITTED' });

    // Format v2 on lot 2 (GM-1): the upload names lot 2 and replaces the lot-2 bid (version 2).
    await a.page.getByRole('radiogroup', { name: '加密套件' }).getByRole('radio', { name: /GM-1/ }).check();
    await a.page.getByRole('textbox', { name: '投标报价（元）' }).fill('18700000.00');
    await a.page.getByRole('button', { name: '加密并递交' }).click();
    await a.page.getByText('格式 v2 · GM-1', { exact: false }).waitFor({ timeout: 60_000 });
    await a.page.getByText('第 2 版', { exact: true }).waitFor();
    const created = posts.find((p) => p.startsWith(`/api/v1/tenders/${tender.id}/bid-uploads `));
    expect(JSON.parse(created!.slice(created!.indexOf(' ') + 1))).toMatchObject({ formatVersion: 2, suite: 'GM-1', lotNo: 2 });
    expect(await receipt.getByText(lot2).count()).toBe(1);
    await screenshot(a.page, 'bid-lot2-receipt-v2');
    download = a.page.waitForEvent('download');
    await a.page.getByRole('button', { name: '下载密钥' }).click();
    const keyPath = await (await download).path();
    const keyFile = JSON.parse(readFileSync(keyPath, 'utf8'));
    expect(keyFile).toMatchObject({ formatVersion: 'v2', suite: 'GM-1', tenderId: tender.id });
    const v2 = (await t.http().get(`/api/v1/tenders/${tender.id}/lots/2/bids/mine`).set(bidder.auth).expect(200)).body;
    expect(v2).toMatchObject({ bidId: mine2.bidId, lotNo: 2, version: 2, formatVersion: 2, suite: 'GM-1', status: 'SUBMITTED' });
    expect((await t.http().get(`/api/v1/tenders/${tender.id}/lots/1/bids/mine`).set(bidder.auth)).status).toBe(404);

    // Back on lot 1: nothing bid there, lot 2 marked as bid in the choice.
    await choice.click();
    await a.page.locator(`.ant-select-item-option[title="${lot2}（已投标）"]`).waitFor();
    await screenshot(a.page, 'bid-lot-choice-marked');
    await pickOption(a.page, lot1);
    await a.page.waitForURL(/\?lot=1$/);
    await a.page.getByText(`投标保证金（${lot1}）`).waitFor();
    expect(await a.page.getByText('投标回执').count()).toBe(0);
    await a.page.getByText('加密并递交投标文件', { exact: true }).waitFor();

    // A reload of lot 2's address shows its bid again, its v2 receipt verified from the platform's envelope fields.
    await a.page.goto(`/tenders/${tender.id}/bid?lot=2`);
    await a.page.getByText('回执已验证').waitFor();
    expect(await receipt.getByText(lot2).count()).toBe(1);
    await a.page.getByText('本标段已投标').waitFor();
    await screenshot(a.page, 'bid-lot2-reloaded');

    // The bidder bids lot 1 too (format v1, INTL-1), with lot 1's own security and its own key file.
    await a.page.goto(`/tenders/${tender.id}/bid?lot=1`);
    await a.page.getByText(`投标保证金（${lot1}）`).waitFor();
    await eventually(async () => expect(await account.innerText()).toMatch(/^\d{10,}$/));
    await pay(t, notification({ virtualAccountNo: await account.innerText(), amount: '100000.00', payerAccountNo: '3205123400001111', payerName: '江苏华建路桥集团有限公司' }));
    await eventually(async () => expect(await a.page.getByTestId('bid-security-status').innerText()).toBe('已缴纳'), 15_000);
    await a.page
      .getByRole('radiogroup', { name: '加密套件' })
      .getByRole('radio', { name: /INTL-1/ })
      .check();
    await a.page.getByRole('textbox', { name: '投标报价（元）' }).fill('19600000.00');
    await a.page.getByRole('button', { name: '加密并递交' }).click();
    await a.page.getByText('回执签名验证通过').waitFor();
    expect(await receipt.getByText(lot1).count()).toBe(1);
    download = a.page.waitForEvent('download');
    await a.page.getByRole('button', { name: '下载密钥' }).click();
    const lot1Download = await download;
    expect(lot1Download.suggestedFilename()).toMatch(/-lot1-v1\.json$/);
    const lot1KeyPath = await lot1Download.path();
    expect((await t.http().get(`/api/v1/tenders/${tender.id}/lots/1/bids/mine`).set(bidder.auth).expect(200)).body).toMatchObject({ lotNo: 1, version: 1 });

    // Two more bidders bid both lots (format v1, the SDK on their machines); at the deadline both lots (3 bids each) open.
    const others: Array<{ party: Awaited<ReturnType<typeof registerParty>>; bidId: string; key: string }> = [];
    for (const [i, name] of ['盐城市政工程有限公司', '中交二航局第六工程有限公司'].entries()) {
      const other = await registerParty(t, { role: Role.BIDDER, name });
      for (const [lotNo, amount, price] of [
        [2, '80000.00', ['18900000.00', '19100000.00'][i]],
        [1, '100000.00', ['19700000.00', '19800000.00'][i]],
      ] as const) {
        const acct = (await t.http().get(`/api/v1/tenders/${tender.id}/lots/${lotNo}/bid-security/account`).set(other.auth).expect(200)).body;
        await pay(t, notification({ virtualAccountNo: acct.virtualAccountNo, amount }));
        const sealed = sealBid({
          tenderId: tender.id,
          bidderOrganizationId: other.organizationId!,
          plaintext: plaintextOf(price),
          escrowPublicKey: tender.escrowPublicKey!,
          client: { deviceId: `device-${other.username}` },
        });
        const res = await t.http().post(`/api/v1/tenders/${tender.id}/lots/${lotNo}/bids`).set(other.auth).send(sealed.request).expect(201);
        others.push({ party: other, bidId: res.body.bidId, key: sealed.key });
      }
    }
    await passDeadlineNow(t, tender.id);
    await waitForTenderStatus(t, tender.id, ['OPENING']);

    // The procuring entity's hall: a 标段 column, the bids listed lot by lot, all waiting for decryption.
    const e = await openPage(server);
    await loginAs(e.page, owner.username, owner.password);
    await e.page.goto(`/tenders/${tender.id}/opening`);
    await e.page.getByText('解密剩余时间').waitFor();
    const hallTable = e.page.getByRole('table', { name: '开标一览表' });
    await hallTable.getByRole('columnheader', { name: '标段' }).waitFor();
    const hallLots = async (page = e.page) =>
      (await page.getByRole('table', { name: '开标一览表' }).locator('tbody tr.ant-table-row').allInnerTexts()).map((r) => (r.match(/第 (\d) 标段/) ?? [])[1]);
    await eventually(async () => expect(await hallLots()).toEqual(['1', '1', '1', '2', '2', '2']));
    await screenshot(e.page, 'opening-lots-entity');

    // The other bidders reveal their keys (through the API).
    for (const o of others) {
      await t.http().post(`/api/v1/tenders/${tender.id}/bids/${o.bidId}/decryption`).set(o.party.auth).send({ key: o.key }).expect(200);
    }

    // The bidder's hall: a 标段 choice of its own two bids, its first bid to decrypt (lot 1) shown; lot 1 with lot 1's key…
    await a.page.goto(`/tenders/${tender.id}/opening`);
    await a.page.getByText('解密剩余时间').waitFor();
    const hallChoice = a.page.getByRole('combobox', { name: '标段' });
    await hallChoice.waitFor();
    await a.page.getByText(`${lot1}（待解密）`).waitFor();
    await eventually(async () => expect(await hallLots(a.page)).toEqual(['1', '1', '1', '2', '2', '2']));
    await hallChoice.click();
    await a.page.locator(`.ant-select-item-option[title="${lot2}（待解密）"]`).waitFor();
    await screenshot(a.page, 'opening-lots-choice');
    await a.page.keyboard.press('Escape');
    await a.page.getByLabel('密钥文件').setInputFiles(lot1KeyPath);
    await a.page.getByRole('button', { name: '解密' }).click();
    await a.page.getByText('已解密，您的投标报价：¥19,600,000.00').waitFor();
    await a.page.getByText('您在第 2 标段的投标尚未解密，请在上方选择标段后解密。').waitFor();
    await a.page.waitForURL(/\?lot=1$/);
    await screenshot(a.page, 'opening-lots-lot1-decrypted');

    // …then lot 2 with lot 2's (v2, GM-1) key. Every bid is then decrypted: 唱标 at once.
    await hallChoice.click();
    await pickOption(a.page, `${lot2}（待解密）`);
    await a.page.waitForURL(/\?lot=2$/);
    await a.page.getByLabel('密钥文件').setInputFiles(keyPath);
    await a.page.getByRole('button', { name: '解密' }).click();
    await a.page.getByText('已解密，您的投标报价：¥18,700,000.00').waitFor();
    await screenshot(a.page, 'bid-lot2-opening-decrypted');
    await hallChoice.click();
    await a.page.locator(`.ant-select-item-option[title="${lot1}（已解密）"]`).waitFor();
    await a.page.keyboard.press('Escape');
    await waitForTenderStatus(t, tender.id, ['EVALUATION']);

    // The entity's hall turns to 唱标 without reloading: each lot's prices; the opening record names the lots too.
    await e.page.getByText('唱标', { exact: true }).waitFor();
    await hallTable.getByText('¥19,600,000.00').waitFor();
    await hallTable.getByText('¥18,700,000.00').waitFor();
    await screenshot(e.page, 'opening-lots-announced');
    e.assertClean();

    // A supervisor reads the opening record on the tender page: each bid's lot, the bids listed lot by lot.
    const supervisor = await createStaff(t, Role.SUPERVISOR);
    const sv = await openPage(server);
    await loginAs(sv.page, supervisor.username, supervisor.password);
    await sv.page.goto(`/tenders/${tender.id}`);
    const record = sv.page.getByRole('table', { name: '开标记录' });
    await record.getByRole('columnheader', { name: '标段' }).waitFor();
    expect((await record.locator('tbody tr.ant-table-row').allInnerTexts()).map((r) => (r.match(/第 (\d) 标段/) ?? [])[1])).toEqual(['1', '1', '1', '2', '2', '2']);
    await record.scrollIntoViewIfNeeded();
    await screenshot(sv.page, 'opening-lots-record');
    a.assertClean();
    sv.assertClean();
  }, 240_000);
});
