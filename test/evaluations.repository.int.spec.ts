/**
 * EvaluationsRepository (with the clarifications' pending check and the deadlines against the database clock) on
 * the real PostgreSQL: the verdict, finding and rules upserts, the signature count, a member leaving the committee,
 * the reopening, and the declared read models over tender_lots and bids.
 */
import { randomBytes } from 'crypto';
import { ClarificationsRepository } from 'src/modules/evaluation/clarifications.repository';
import { DeadlinesRepository } from 'src/modules/evaluation/deadlines.repository';
import { EvaluationsRepository } from 'src/modules/evaluation/evaluations.repository';
import { insertBidders, insertOpenedTender, type SqlParty } from './factories/supervision.factory';
import { createTestApp, type TestApp } from './helpers/test-app';
import { TendersRepository } from 'src/modules/tenders/tenders.repository';

describe('EvaluationsRepository (real PostgreSQL)', () => {
  let t: TestApp;
  let repo: EvaluationsRepository;
  beforeAll(async () => {
    t = await createTestApp({ workers: false, env: { LEGAL_PERIODS: 'relaxed' } });
    repo = t.app.get(EvaluationsRepository);
  });
  afterAll(async () => t?.close());

  /** A tender in EVALUATION with two opened bids and a committee of `n` sitting members (written with SQL). */
  async function evaluationWith(n: number): Promise<{ tenderId: string; bidIds: string[]; memberIds: string[]; owner: SqlParty }> {
    const [owner, a, b, ...seats] = await insertBidders(t, 3 + n); // each seat its own user account
    const { tenderId, bidIds } = await insertOpenedTender(t, owner, [
      { party: a, price: '900000.00' },
      { party: b, price: '950000.00' },
    ]);
    const [draw] = await t.dataSource.query(
      `INSERT INTO expert_draws (tender_id, procuring_entity_id, algorithm, seed_hex, seed_commitment, status) VALUES ($1, $2, 'test', $3, $3, 'DRAWN') RETURNING id`,
      [tenderId, owner.organizationId, randomBytes(32).toString('hex')],
    );
    const memberIds: string[] = [];
    for (let i = 0; i < n; i++) {
      const [pm] = await t.dataSource.query(
        `INSERT INTO panel_members (draw_id, tender_id, procuring_entity_id, kind, user_id, name, status) VALUES ($1, $2, $3, 'ENTITY_REP', $4, $5, 'ACCEPTED') RETURNING id`,
        [draw.id, tenderId, owner.organizationId, seats[i].userId, `代表${i}`],
      );
      memberIds.push(pm.id);
    }
    await t.dataSource.transaction((m) => repo.start(m, tenderId));
    return { tenderId, bidIds, memberIds, owner };
  }

  const evaluationRow = async (tenderId: string) =>
    (await t.dataSource.query(`SELECT status, round, report_version, failed_reason, finished_at FROM evaluations WHERE tender_id = $1`, [tenderId]))[0];

  it('start is idempotent; a verdict is upserted (corrected, made valid again), locked on signing and unlocked on reopening', async () => {
    const { tenderId, bidIds, memberIds } = await evaluationWith(1);
    const m = t.dataSource.manager;
    await t.dataSource.transaction((tx) => repo.start(tx, tenderId));
    expect(await evaluationRow(tenderId)).toMatchObject({ status: 'IN_PROGRESS', round: 1 });
    const verdict = { tenderId, memberId: memberIds[0], bidId: bidIds[0], qualified: true, reasons: [], grounds: [], factorScores: { TECH: '50' } };
    await repo.upsertVerdict(m, verdict);
    await t.dataSource.query(`UPDATE evaluation_verdicts SET void = true WHERE member_id = $1`, [memberIds[0]]);
    await repo.upsertVerdict(m, { ...verdict, qualified: false, reasons: ['资格不符'], grounds: ['TBR51_3_QUALIFICATION_NOT_MET'], factorScores: null });
    const rows = await t.dataSource.query(`SELECT qualified, reasons, grounds, factor_scores, void, locked_at FROM evaluation_verdicts WHERE member_id = $1`, [memberIds[0]]);
    expect(rows).toEqual([{ qualified: false, reasons: ['资格不符'], grounds: ['TBR51_3_QUALIFICATION_NOT_MET'], factor_scores: null, void: false, locked_at: null }]);
    await repo.lockVerdictsOf(m, memberIds[0]);
    const [{ locked_at }] = await t.dataSource.query(`SELECT locked_at FROM evaluation_verdicts WHERE member_id = $1`, [memberIds[0]]);
    expect(locked_at).not.toBeNull();
    await repo.lockVerdictsOf(m, memberIds[0]);
    expect((await t.dataSource.query(`SELECT locked_at FROM evaluation_verdicts WHERE member_id = $1`, [memberIds[0]]))[0].locked_at).toEqual(locked_at);
    await repo.reopen(m, tenderId);
    await repo.unlockVerdicts(m, tenderId);
    expect(await evaluationRow(tenderId)).toMatchObject({ status: 'IN_PROGRESS', round: 2, finished_at: null });
    expect((await t.dataSource.query(`SELECT locked_at FROM evaluation_verdicts WHERE member_id = $1`, [memberIds[0]]))[0].locked_at).toBeNull();
  });

  it('findings are upserted per criterion and read back per bid and, in recorded order, per tender', async () => {
    const { tenderId, bidIds, memberIds } = await evaluationWith(1);
    const m = t.dataSource.manager;
    const f = { memberId: memberIds[0], bidId: bidIds[0], criterionCode: 'Q1', met: true, reason: '' };
    await repo.upsertFinding(m, tenderId, f);
    await repo.upsertFinding(m, tenderId, { ...f, criterionCode: 'Q2', met: false, reason: '无资质证书' });
    await repo.upsertFinding(m, tenderId, { ...f, met: false, reason: '证书过期' });
    expect(await repo.findingsOn(m, tenderId, memberIds[0], bidIds[1])).toEqual([]);
    expect((await repo.findingsOn(m, tenderId, memberIds[0], bidIds[0])).sort((x, y) => x.criterionCode.localeCompare(y.criterionCode))).toEqual([
      { ...f, met: false, reason: '证书过期' },
      { ...f, criterionCode: 'Q2', met: false, reason: '无资质证书' },
    ]);
    expect((await repo.findingsOfTender(m, tenderId)).map((x) => x.criterionCode)).toEqual(['Q2', 'Q1']);
  });

  it('counts the valid signatures of a round among the given members; a member who leaves voids its conclusions', async () => {
    const { tenderId, bidIds, memberIds } = await evaluationWith(3);
    const m = t.dataSource.manager;
    for (const memberId of memberIds.slice(0, 2)) {
      await repo.upsertVerdict(m, { tenderId, memberId, bidId: bidIds[0], qualified: true, reasons: [], grounds: [], factorScores: null });
      await repo.insertSignature(m, { tenderId, memberId, round: 1, dissent: memberId === memberIds[1] ? '持不同意见' : null });
    }
    expect(await repo.countSignatures(m, tenderId, 1, memberIds)).toBe(2);
    expect(await repo.countSignatures(m, tenderId, 1, [memberIds[0], memberIds[2]])).toBe(1);
    expect(await repo.countSignatures(m, tenderId, 2, memberIds)).toBe(0);
    expect(await repo.countSignatures(m, tenderId, 1, [])).toBe(0);

    const [sig] = await t.dataSource.query(`SELECT id FROM evaluation_signatures WHERE member_id = $1`, [memberIds[0]]);
    await repo.recordCompetitionDecision(m, sig.id, 'REJECT_ALL', '有效投标不足三家，缺乏竞争');
    expect((await t.dataSource.query(`SELECT competition_decision, competition_reason FROM evaluation_signatures WHERE id = $1`, [sig.id]))[0]).toEqual({
      competition_decision: 'REJECT_ALL',
      competition_reason: '有效投标不足三家，缺乏竞争',
    });
    await repo.awaitCompetitionDecision(m, tenderId);
    expect((await evaluationRow(tenderId)).status).toBe('AWAITING_COMPETITION_DECISION');
    await repo.voidConclusionsOf(m, tenderId, memberIds[1]);
    expect(await repo.countSignatures(m, tenderId, 1, memberIds)).toBe(1);
    expect((await t.dataSource.query(`SELECT void FROM evaluation_verdicts WHERE member_id = $1`, [memberIds[1]]))[0].void).toBe(true);
    expect((await evaluationRow(tenderId)).status).toBe('IN_PROGRESS');
  });

  it('rules are upserted; a report is stored and the evaluation finished with its version', async () => {
    const { tenderId } = await evaluationWith(1);
    const m = t.dataSource.manager;
    await repo.upsertRules(m, tenderId, { curableDeficiencies: true, stateFunded: false });
    await repo.upsertRules(m, tenderId, { curableDeficiencies: false, stateFunded: false });
    expect(await t.dataSource.query(`SELECT curable_deficiencies, state_funded FROM evaluation_rules WHERE tender_id = $1`, [tenderId])).toEqual([
      { curable_deficiencies: false, state_funded: false },
    ]);
    const content = { candidates: [], lot: { lotNo: 2, title: '二标段', budget: '1.00' } } as never;
    await repo.insertReport(m, { tenderId, lotNo: 2, version: 1, outcome: 'FAILED', content, sha256: 'a'.repeat(64) });
    expect(await t.dataSource.query(`SELECT lot_no, version, outcome, content, sha256 FROM evaluation_reports WHERE tender_id = $1`, [tenderId])).toEqual([
      { lot_no: 2, version: 1, outcome: 'FAILED', content, sha256: 'a'.repeat(64) },
    ]);
    await repo.finish(m, tenderId, { status: 'FAILED', reportVersion: 1, failedReason: '全部投标被否决' });
    expect(await evaluationRow(tenderId)).toMatchObject({ status: 'FAILED', report_version: 1, failed_reason: '全部投标被否决' });
    expect((await evaluationRow(tenderId)).finished_at).not.toBeNull();
  });

  it('read models: the lots of a tender in order (none without lots), the lot of each bid; a lot fails at evaluation', async () => {
    const { tenderId, bidIds } = await evaluationWith(0);
    const m = t.dataSource.manager;
    expect(await repo.lotsOf(m, tenderId)).toEqual([]);
    expect(await repo.lotOfEachBid(m, tenderId)).toEqual(new Map(bidIds.map((id) => [id, 1])));
    await t.dataSource.query(`INSERT INTO tender_lots (tender_id, lot_no, title, budget) VALUES ($1, 2, '二标段', 2000000), ($1, 1, '一标段', 1000000.5)`, [tenderId]);
    await t.dataSource.query(`UPDATE bids SET lot_no = 2 WHERE id = $1`, [bidIds[1]]);
    expect(await repo.lotOfEachBid(m, tenderId)).toEqual(
      new Map([
        [bidIds[0], 1],
        [bidIds[1], 2],
      ]),
    );
    await t.app.get(TendersRepository).markLotFailed(m, tenderId, 2, '有效投标不足三家'); // the tenders module's write
    expect(await repo.lotsOf(m, tenderId)).toEqual([
      { lotNo: 1, title: '一标段', budget: '1000000.50', status: 'ACTIVE' },
      { lotNo: 2, title: '二标段', budget: '2000000.00', status: 'FAILED' },
    ]);
  });

  it('clarifications pending before their deadline (database clock); deadlines compared with the database clock', async () => {
    const { tenderId, bidIds, memberIds, owner } = await evaluationWith(1);
    const m = t.dataSource.manager;
    const clarifications = t.app.get(ClarificationsRepository);
    const deadlines = t.app.get(DeadlinesRepository);
    const ask = (deadline: Date) =>
      clarifications.insert(m, {
        tenderId,
        bidId: bidIds[0],
        bidderOrganizationId: owner.organizationId,
        requestedBy: memberIds[0],
        kind: 'AMBIGUITY',
        item: '工期',
        question: '请澄清工期',
        legalBasis: '招标投标法实施条例第五十二条',
        deadline,
      });
    const open = await ask(new Date(Date.now() + 3_600_000));
    const answered = await ask(new Date(Date.now() + 3_600_000));
    await ask(new Date(Date.now() - 1000)); // expired: no longer awaited
    await clarifications.recordAnswer(m, answered, { text: '工期为180日历天', attachments: [], respondedBy: owner.userId });
    expect(await clarifications.pendingIds(m, tenderId)).toEqual([open]);
    await clarifications.recordDecision(m, answered, { decision: 'ACCEPTED', note: null, decidedBy: memberIds[0] });
    expect((await t.dataSource.query(`SELECT status, panel_decision FROM bidder_clarification_requests WHERE id = $1`, [answered]))[0]).toEqual({
      status: 'ANSWERED',
      panel_decision: 'ACCEPTED',
    });

    const [{ now }] = await t.dataSource.query(`SELECT clock_timestamp() AS now`);
    const later = new Date(Date.now() + 60_000);
    expect([await deadlines.isFuture(m, later), await deadlines.hasPassed(m, later), await deadlines.isPast(m, later)]).toEqual([true, false, false]);
    expect([await deadlines.isFuture(m, now), await deadlines.hasPassed(m, now), await deadlines.isPast(m, now)]).toEqual([false, true, true]);
  });
});
