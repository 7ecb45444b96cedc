import type { Locator } from 'playwright-core';
import { createExpert, drawn, insertExperts, membersOf } from '../factories/evaluation.factory';
import { Role, registerParty, tenderInState } from './fixtures';
import { assertNoHorizontalOverflow, type ConsoleServer, expectedHttpError, loginAs, openPage, pickOption, screenshot, startConsole } from './harness';

/**
 * UI.md /expert: an expert accepts an assignment (接受), scores every bid (合格 / 不合格, factor scores within the
 * published maxima — checked in the browser before anything is sent) and signs (签名提交). The panel is drawn by the
 * platform itself: the tender's only specialty is one that just this expert and four pool fillers have, so the
 * draw (5 seats) must seat our expert.
 */
describe('console: /expert (评标专家)', () => {
  let server: ConsoleServer;
  beforeAll(async () => {
    server = await startConsole();
  });
  afterAll(() => server?.close());

  it('accepts the assignment, scores every bid within the published factors and signs', async () => {
    const { t } = server;
    const specialty = `XE${Date.now().toString(36).slice(-6).toUpperCase()}`;
    const expert = await createExpert(t, { specialties: [specialty], name: '李振华' });
    await insertExperts(t, 4, specialty);
    const bidders = [];
    for (const name of ['盐城市华建工程有限公司', '江苏东鼎路桥建设有限公司', '盐城市通达市政工程有限公司']) {
      bidders.push(await registerParty(t, { role: Role.BIDDER, name }));
    }
    const factors = [
      { code: 'TECH', name: '技术方案', maxScore: 40 },
      { code: 'SERVICE', name: '工期与质量保证', maxScore: 20 },
    ];
    const tender = await tenderInState(t, 'EVALUATION', {
      inEvaluation: {
        title: '盐城市开发大道改造工程施工',
        method: 'COMPREHENSIVE_SCORING',
        priceWeight: '0.40',
        factors,
        panelSize: 5,
        specialties: [{ code: specialty, count: 5 }],
        bidders,
      },
    });
    const draw = await drawn(t, tender.id);
    expect(draw.status).toBe('DRAWN');
    const seat = (await membersOf(t, tender.id)).find((m) => m.user_id === expert.userId);
    expect(seat?.status).toBe('INVITED');

    const w = await openPage(server, { allowConsoleErrors: [expectedHttpError(409)] });
    const { page } = w;
    await loginAs(page, expert.username, expert.password);
    await page.goto('/expert');
    const list = page.getByRole('table', { name: '评标任务列表' });
    const row = list.getByRole('row').filter({ hasText: '盐城市开发大道改造工程施工' });
    await row.getByRole('button', { name: '拒绝' }).waitFor();
    await screenshot(page, 'expert-assignments');
    await row.getByRole('button', { name: '接受', exact: true }).click();
    await row.getByText('已接受').waitFor();
    expect((await membersOf(t, tender.id)).find((m) => m.user_id === expert.userId)?.status).toBe('ACCEPTED');

    // the scoring sheet: the bids side by side, then one verdict per bid
    await page.getByRole('heading', { name: '评审表：盐城市开发大道改造工程施工' }).waitFor();
    const comparison = page.getByRole('table', { name: '投标文件对比' });
    for (const name of ['盐城市华建工程有限公司', '江苏东鼎路桥建设有限公司', '盐城市通达市政工程有限公司']) {
      await comparison.getByText(name).first().waitFor();
    }
    await comparison.getByText('36,500,000.00').waitFor();

    const card = (name: string) => page.getByRole('group', { name: `评审：${name}` });
    // a score above the published maximum is refused in the browser: nothing is sent
    const first = card('盐城市华建工程有限公司');
    await first.getByRole('radio', { name: '合格', exact: true }).check();
    await first.getByLabel('技术方案（满分40分）').fill('45');
    await first.getByLabel('工期与质量保证（满分20分）').fill('18');
    const posted: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().includes('/evaluation/scores')) posted.push(r.url());
    });
    await first.getByRole('button', { name: '保存' }).click();
    await first.getByText('「技术方案」不得超过满分40分').waitFor();
    expect(posted).toEqual([]);
    await first.getByLabel('技术方案（满分40分）').fill('38.5');
    await first.getByRole('button', { name: '保存' }).click();
    await first.getByText('已保存').waitFor();

    await scoreQualified(card('江苏东鼎路桥建设有限公司'), '35', '17.5');
    const third = card('盐城市通达市政工程有限公司');
    await third.getByRole('radio', { name: '不合格', exact: true }).check();
    await third.getByLabel('不合格理由').fill('项目经理无一级建造师注册证书');
    await screenshot(page, 'expert-scoring-sheet');
    await assertNoHorizontalOverflow(page);

    // a clarification request (TBR Art. 52) to the third bidder: while it is open, the server refuses the signature
    // (409 CLARIFICATION_PENDING) and the page says so
    await page.getByRole('button', { name: '发起澄清' }).click();
    const clarify = page.getByRole('region', { name: '澄清' });
    await clarify.getByRole('combobox', { name: '澄清对象' }).click();
    await pickOption(page, '盐城市通达市政工程有限公司');
    await clarify.getByLabel('涉及内容').fill('投标函附录 项目经理栏');
    await clarify.getByLabel('澄清问题').fill('请书面说明项目经理的一级建造师注册情况，并提供注册证书编号。');
    await clarify.getByRole('button', { name: '发出澄清要求' }).click();
    const request = clarify.getByRole('table', { name: '澄清要求' }).getByRole('row').filter({ hasText: '盐城市通达市政工程有限公司' });
    await request.getByText('待答复').waitFor();
    await page.getByRole('button', { name: '签名提交' }).click();
    await page.getByRole('dialog').getByRole('button', { name: '确认签名' }).click();
    const refused = page.getByRole('dialog').getByRole('alert');
    await refused.waitFor();
    expect(await refused.innerText()).toContain('尚有未答复且未到期的澄清要求');
    expect(await refused.innerText()).toContain('CLARIFICATION_PENDING');
    await screenshot(page, 'expert-sign-refused-clarification-pending');
    await page.getByRole('dialog').getByRole('button', { name: '取消' }).click();
    // the bidder answers (through the API, as its own console would), the panel accepts the answer
    const [{ id: clarificationId }] = await t.dataSource.query(`SELECT id FROM bidder_clarification_requests WHERE tender_id = $1`, [tender.id]);
    const answer = await t
      .http()
      .post(`/api/v1/tenders/${tender.id}/evaluation/clarifications/${clarificationId}/response`)
      .set(bidders[2].auth)
      .send({ text: '项目经理张立为一级建造师（市政公用工程），注册编号苏1322010201234567，证书已随投标文件提交。' });
    expect(answer.status).toBe(200);
    await clarify.getByRole('button', { name: '刷新答复' }).click();
    await request.getByText('已答复').waitFor();
    await request.getByRole('button', { name: '采纳', exact: true }).click();
    await request.getByRole('button', { name: '采纳', exact: true }).waitFor({ state: 'detached' });
    await request.getByText('采纳', { exact: true }).waitFor();
    const [decided] = await t.dataSource.query(`SELECT panel_decision FROM bidder_clarification_requests WHERE id = $1`, [clarificationId]);
    expect(decided.panel_decision).toBe('ACCEPTED');

    // 签名提交 saves what is unsaved, then signs: the verdicts lock
    await page.getByRole('button', { name: '签名提交' }).click();
    await page.getByRole('dialog').getByRole('button', { name: '确认签名' }).click();
    await page.getByText(/^您已于 .+签名提交，评审意见已锁定$/).waitFor();
    await page.getByRole('button', { name: '签名提交' }).waitFor({ state: 'detached' });
    expect(await first.getByRole('radio', { name: '合格', exact: true }).isDisabled()).toBe(true);
    await screenshot(page, 'expert-signed');

    const verdicts: Array<{ qualified: boolean; factor_scores: Record<string, string> | null; reasons: string[]; locked_at: Date | null }> = await t.dataSource.query(
      `SELECT v.qualified, v.factor_scores, v.reasons, v.locked_at FROM evaluation_verdicts v JOIN panel_members pm ON pm.id = v.member_id
        WHERE v.tender_id = $1 AND pm.user_id = $2 ORDER BY v.qualified DESC, (v.factor_scores->>'TECH')::numeric DESC`,
      [tender.id, expert.userId],
    );
    expect(verdicts).toHaveLength(3);
    expect(verdicts.map((v) => [v.qualified, v.factor_scores])).toEqual([
      [true, { TECH: '38.5', SERVICE: '18' }],
      [true, { TECH: '35', SERVICE: '17.5' }],
      [false, null],
    ]);
    expect(verdicts[2].reasons).toEqual(['项目经理无一级建造师注册证书']);
    expect(verdicts.every((v) => v.locked_at !== null)).toBe(true);
    const [{ n }] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM evaluation_signatures s JOIN panel_members pm ON pm.id = s.member_id WHERE s.tender_id = $1 AND pm.user_id = $2`,
      [tender.id, expert.userId],
    );
    expect(n).toBe(1);
    w.assertClean();
    await w.close();
  });

  it('declines an assignment with a recusal (回避): the conflict is recorded and the seat is vacated', async () => {
    const { t } = server;
    const specialty = `XD${Date.now().toString(36).slice(-6).toUpperCase()}`;
    const expert = await createExpert(t, { specialties: [specialty], name: '周立新' });
    await insertExperts(t, 4, specialty);
    const tender = await tenderInState(t, 'EVALUATION', {
      inEvaluation: { title: '盐城市第一人民医院医疗设备采购', panelSize: 5, specialties: [{ code: specialty, count: 5 }] },
    });
    await drawn(t, tender.id);
    const bidderUscc: string = (await t.http().get('/api/v1/me').set(tender.bidders[0].auth)).body.organization.uscc;

    const w = await openPage(server);
    const { page } = w;
    await loginAs(page, expert.username, expert.password);
    await page.goto('/expert');
    const row = page.getByRole('table', { name: '评标任务列表' }).getByRole('row').filter({ hasText: '盐城市第一人民医院医疗设备采购' });
    await row.getByRole('button', { name: '拒绝' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('checkbox', { name: /申请回避/ }).check();
    await dialog.getByLabel('利害关系单位的统一社会信用代码').fill('12345');
    await dialog.getByRole('button', { name: '确认拒绝' }).click();
    await dialog.getByText('请输入有效的18位统一社会信用代码').waitFor();
    await dialog.getByLabel('利害关系单位的统一社会信用代码').fill(bidderUscc);
    await dialog.getByLabel('回避事由').fill('本人配偶在该投标单位任技术负责人');
    await dialog.getByText('请输入有效的18位统一社会信用代码').waitFor({ state: 'detached' });
    await dialog.getByText('请说明回避事由').waitFor({ state: 'detached' });
    await screenshot(page, 'expert-decline-recusal');
    await dialog.getByRole('button', { name: '确认拒绝' }).click();
    await row.getByText('已拒绝').waitFor();
    expect((await membersOf(t, tender.id)).find((m) => m.user_id === expert.userId)?.status).toBe('DECLINED');
    const conflicts = await t.dataSource.query(`SELECT uscc, reason FROM expert_conflicts WHERE expert_id = $1`, [expert.expertId]);
    expect(conflicts).toEqual([{ uscc: bidderUscc, reason: '本人配偶在该投标单位任技术负责人' }]);
    w.assertClean();
    await w.close();
  });
});

async function scoreQualified(card: Locator, tech: string, service: string): Promise<void> {
  await card.getByRole('radio', { name: '合格', exact: true }).check();
  await card.getByLabel('技术方案（满分40分）').fill(tech);
  await card.getByLabel('工期与质量保证（满分20分）').fill(service);
}
