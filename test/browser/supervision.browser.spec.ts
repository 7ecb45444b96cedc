import { sealAndSubmit } from '../factories/bid.factory';
import { waitFor } from '../factories/evaluation.factory';
import { createPublishedTender } from '../factories/tender.factory';
import { createStaff, Role, registerParty, waitForTenderStatus } from './fixtures';
import { assertNoHorizontalOverflow, type ConsoleServer, expectedHttpError, loginAs, openPage, screenshot, startConsole, pickOption } from './harness';

/**
 * UI.md /supervision: a real tender in which two bidders sealed their bids on the same machine (the SDK's client
 * info: the same device id) is driven through its opening (ESCROW: decrypted by the platform at the deadline), so
 * the platform computes a structural flag (SAME_DEVICE). The supervisor filters the flags by severity, opens a case
 * from the flag (立案), works it to a penalty — seeing the server's refusal of a debarment outside the law's range
 * (TBR Art. 67: 1–2 years) — and checks the audit chain.
 */
describe('console: /supervision (监管)', () => {
  let server: ConsoleServer;
  beforeAll(async () => {
    server = await startConsole();
  });
  afterAll(() => server?.close());

  it('filters the flags, opens a case from SAME_DEVICE, works it to a penalty and verifies the audit chain', async () => {
    const { t } = server;
    const supervisor = await createStaff(t, Role.SUPERVISOR);
    const names = ['盐城市恒信建设工程有限公司', '盐城市恒达建筑安装有限公司', '江苏苏北水利工程有限公司'];
    const bidders = [];
    for (const name of names) bidders.push(await registerParty(t, { role: Role.BIDDER, name }));
    const tender = await createPublishedTender(t, {
      title: '盐城市串场河水环境综合整治工程',
      deadlineInMs: 9000,
      decryptionMode: 'ESCROW',
      bidSecurityAmount: '0.00',
    });
    const clients = [
      { deviceId: 'PC-7F3A-0091', macAddresses: ['00:1A:2B:3C:00:01'], documentAuthor: '周工' },
      { deviceId: 'PC-7F3A-0091', macAddresses: ['00:1A:2B:3C:00:02'], documentAuthor: '吴工' },
      { deviceId: 'PC-22C1-7710', macAddresses: ['00:1A:2B:3C:00:03'], documentAuthor: '郑工' },
    ];
    const prices = ['35120000.00', '35860000.00', '36900000.00'];
    for (const [i, b] of bidders.entries()) {
      const r = await sealAndSubmit(t, tender, b, prices[i], { client: clients[i] });
      expect(r.status).toBe(201);
    }
    await waitForTenderStatus(t, tender.id, ['EVALUATION'], 60_000);
    await waitFor(
      async () => {
        const res = await t.http().get('/api/v1/supervision/flags').query({ tenderId: tender.id, code: 'SAME_DEVICE' }).set(supervisor.auth);
        return res.body.total > 0;
      },
      30_000,
      'the SAME_DEVICE flag',
    );

    const w = await openPage(server, { allowConsoleErrors: [expectedHttpError(400)] });
    const { page } = w;
    await loginAs(page, supervisor.username, supervisor.password);
    await page.goto('/supervision');
    const flags = page.getByRole('table', { name: '串通投标预警' });
    const sameDevice = flags.getByRole('row').filter({ hasText: '同一设备编制或上传投标文件' });
    await sameDevice.waitFor();
    await expect(sameDevice.getByText('高', { exact: true }).count()).resolves.toBe(1);
    const rowText = await sameDevice.innerText();
    expect(rowText).toContain(names[0]);
    expect(rowText).toContain(names[1]);
    expect(rowText).not.toContain(names[2]);
    await sameDevice.getByText('盐城市串场河水环境综合整治工程').waitFor();

    // filter by severity: 低 leaves out the HIGH flag, 高 brings it back
    await page.getByRole('combobox', { name: '风险等级' }).click();
    await pickOption(page, '低风险');
    await sameDevice.waitFor({ state: 'detached' });
    await page.getByRole('combobox', { name: '风险等级' }).click();
    await pickOption(page, '高风险');
    await sameDevice.waitFor();
    // the evidence, expanded: the shared device id
    await sameDevice.getByRole('button', { name: /展开/ }).click();
    await page.getByText('PC-7F3A-0091').first().waitFor();
    await screenshot(page, 'supervision-flags');
    await assertNoHorizontalOverflow(page);

    // 立案 from the flag
    await sameDevice.getByRole('button', { name: '立案' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('checkbox', { name: names[0] }).waitFor();
    expect(await dialog.getByRole('checkbox', { name: names[1] }).isChecked()).toBe(true);
    await dialog.getByRole('button', { name: '确认立案' }).click();
    await dialog.waitFor({ state: 'detached' });
    const cases = page.getByRole('table', { name: '监督案件列表' });
    const kase = cases.getByRole('row').filter({ hasText: '已立案' });
    await kase.waitFor();

    // work the case: investigate, decide with penalties, close
    await kase.getByRole('button', { name: '办理' }).click();
    const drawer = page.getByRole('dialog');
    await drawer.getByRole('button', { name: '开始调查' }).click();
    await drawer.getByText('调查中', { exact: true }).first().waitFor();
    await drawer
      .getByLabel('调查结论')
      .fill('经查，两公司投标文件由同一台计算机（机器码 PC-7F3A-0091）编制并上传，属于《招标投标法实施条例》第四十条第（一）项视为串通投标的情形。');
    await drawer.getByRole('button', { name: '添加处罚' }).click();
    await drawer.getByRole('button', { name: '添加处罚' }).click();
    // a debarment longer than the law allows: the server refuses it and says why
    await drawer.getByRole('group', { name: '第1项处罚' }).getByLabel('取消资格期限（月）').fill('36');
    await drawer.getByRole('button', { name: '作出处理决定' }).click();
    const refusal = drawer.getByRole('alert').filter({ hasText: '填写的内容不符合要求' });
    await refusal.waitFor();
    expect(await refusal.innerText()).toContain('12–24 months');
    await screenshot(page, 'supervision-case-refused');
    await drawer.getByRole('group', { name: '第1项处罚' }).getByLabel('取消资格期限（月）').fill('24');
    await drawer.getByRole('button', { name: '作出处理决定' }).click();
    await drawer.getByRole('table', { name: '处罚决定' }).waitFor();
    await screenshot(page, 'supervision-case-decided');
    await drawer.getByRole('button', { name: '结案', exact: true }).click();
    await drawer.getByText('结案时间').waitFor();
    await page.keyboard.press('Escape');
    await cases.getByRole('row').filter({ hasText: '已结案' }).waitFor();

    const penalties: Array<{ organization_id: string; type: string; debarment_months: number }> = await t.dataSource.query(
      `SELECT p.organization_id, p.type, p.debarment_months FROM supervision_penalties p JOIN supervision_cases c ON c.id = p.case_id
        WHERE c.tender_id = $1 ORDER BY p.position`,
      [tender.id],
    );
    // one penalty per company named by the flag (the first one corrected from 36 to 24 months)
    expect(penalties.map((p) => [p.type, p.debarment_months])).toEqual([
      ['DEBARMENT', 24],
      ['DEBARMENT', 12],
    ]);
    expect(penalties.map((p) => p.organization_id).sort()).toEqual([bidders[0].organizationId, bidders[1].organizationId].sort());
    const [{ status }] = await t.dataSource.query(`SELECT status FROM supervision_cases WHERE tender_id = $1`, [tender.id]);
    expect(status).toBe('CLOSED');

    // the audit chain, recomputed
    await page.getByRole('button', { name: '校验审计链' }).click();
    await page.getByText('审计链完整，未发现篡改').waitFor();
    await page.getByRole('link', { name: '统计年报' }).waitFor();
    await screenshot(page, 'supervision-audit-verified');
    w.assertClean();
    await w.close();
  });
});
