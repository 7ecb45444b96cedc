/**
 * The tenders module's repositories against the real PostgreSQL: TendersRepository (lots, suspension causes, escrow
 * keys, the listing filter, locks on pending events), PreTenderRepository (容缺预招标 items) and ChallengesRepository (质疑).
 */
import { createHash, randomUUID } from 'crypto';
import { type EntityManager } from 'typeorm';
import { ScheduledEventKind } from 'src/infra/queue/queue.constants';
import { SchedulerService } from 'src/modules/scheduling/scheduler.service';
import { ChallengesRepository } from 'src/modules/tenders/challenges/challenges.repository';
import { PreTenderRepository } from 'src/modules/tenders/pre-tender/pre-tender.repository';
import { TendersRepository } from 'src/modules/tenders/tenders.repository';
import { insertTender } from './factories/bid-security.factory';
import { createTestApp, type TestApp } from './helpers/test-app';

const SM2_KEY = `04${'a'.repeat(128)}`;
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('tenders repositories (real PostgreSQL)', () => {
  let t: TestApp;
  let tenders: TendersRepository;
  let preTenders: PreTenderRepository;
  let challenges: ChallengesRepository;
  beforeAll(async () => {
    t = await createTestApp({ workers: false, env: { LEGAL_PERIODS: 'relaxed' } });
    tenders = t.app.get(TendersRepository);
    preTenders = t.app.get(PreTenderRepository);
    challenges = t.app.get(ChallengesRepository);
  });
  afterAll(async () => t?.close());

  /** Runs the work in a transaction that is rolled back: what it wrote is gone afterwards. */
  const rolledBack = async (work: (m: EntityManager) => Promise<void>): Promise<void> => {
    const rollback = new Error('rollback');
    await expect(
      t.dataSource.transaction(async (m) => {
        await work(m);
        throw rollback;
      }),
    ).rejects.toBe(rollback);
  };

  describe('TendersRepository', () => {
    it('lot terms: a tender without lots is lot 1; with lots, a lot without its own amount takes its share of the budget', async () => {
      const m = t.dataSource.manager;
      const tender = await insertTender(t, { amount: '200000.00' }); // budget 40 000 000.00
      expect(await tenders.lotTerms(m, tender.id, 1)).toEqual({ lotNo: 1, bidSecurityAmount: '200000.00', status: 'ACTIVE', lotCount: 0 });
      expect(await tenders.lotTerms(m, tender.id, 2)).toBeNull();
      expect(await tenders.lotTerms(m, randomUUID(), 1)).toBeNull();
      await m.query(`INSERT INTO tender_lots (tender_id, lot_no, title, budget) VALUES ($1, 1, '一标段', '10000000.00'), ($1, 2, '二标段', '30000000.00')`, [tender.id]);
      await m.query(`UPDATE tender_lots SET bid_security_amount = '50000.00' WHERE tender_id = $1 AND lot_no = 1`, [tender.id]);
      expect(await tenders.lotTerms(m, tender.id, 1)).toEqual({ lotNo: 1, bidSecurityAmount: '50000.00', status: 'ACTIVE', lotCount: 2 });
      expect(await tenders.lotTerms(m, tender.id, 2)).toMatchObject({ lotNo: 2, bidSecurityAmount: '150000.00', status: 'ACTIVE', lotCount: 2 });
      await tenders.markLotFailed(m, tender.id, 2, 'FEWER_THAN_THREE_BIDS');
      expect(await tenders.lotTerms(m, tender.id, 2)).toMatchObject({ status: 'FAILED' });
      expect(await tenders.lotTerms(m, tender.id, 3)).toBeNull();
    });

    it('suspension causes count pending objections, unanswered AWARD challenges and unlifted complaint suspensions', async () => {
      const m = t.dataSource.manager;
      const tender = await insertTender(t, { regime: 'GOV_PROCUREMENT' });
      expect(await tenders.suspensionCauses(m, tender.id)).toEqual({ objections: 0, complaints: 0, challenges: 0 });
      const now = new Date();
      const file = (subject: 'AWARD' | 'PROCESS') =>
        challenges.insert(m, {
          tenderId: tender.id,
          organizationId: tender.owner.organizationId!,
          filedBy: tender.owner.userId,
          subject,
          text: `质疑 ${subject}`,
          filedAt: now,
          filingDeadline: now,
          answerDueAt: now,
          requestSha256: sha(randomUUID()),
        });
      const award = await file('AWARD');
      await file('PROCESS');
      expect(await tenders.suspensionCauses(m, tender.id)).toEqual({ objections: 0, complaints: 0, challenges: 1 });
      await challenges.markAnswered(m, award, { answer: '维持', upheld: false, answeredBy: tender.owner.userId, answeredAt: now });
      expect(await tenders.suspensionCauses(m, tender.id)).toEqual({ objections: 0, complaints: 0, challenges: 0 });
    });

    it('amendments are numbered from 1; the escrow public keys are set once; the clock decides when a key is due', async () => {
      const m = t.dataSource.manager;
      const tender = await insertTender(t, { deadlineInMs: 3_600_000 });
      expect(await tenders.nextAmendmentSeq(m, tender.id)).toBe(1);
      const deadline = await tenders.setEscrowPublicKey(m, tender.id, 'x25519-public');
      expect(deadline).toBeInstanceOf(Date);
      expect(await tenders.setEscrowPublicKey(m, tender.id, 'another')).toBeNull();
      expect(await tenders.escrowKey(m, tender.id)).toEqual({ sealed: null, publicKey: 'x25519-public', bidDeadline: deadline, due: false });
      expect(await tenders.setSm2EscrowPublicKey(m, tender.id, SM2_KEY)).toEqual(deadline);
      expect(await tenders.setSm2EscrowPublicKey(m, tender.id, `04${'b'.repeat(128)}`)).toBeNull();
      expect(await tenders.sm2EscrowKey(m, tender.id)).toMatchObject({ publicKey: SM2_KEY, due: false });
      expect(await tenders.escrowKey(m, randomUUID())).toBeNull();
      expect(await tenders.isDue(m, new Date(Date.now() - 60_000))).toBe(true);
      expect(await tenders.isDue(m, new Date(Date.now() + 60_000))).toBe(false);
      expect(await tenders.statusAndOwner(m, tender.id)).toEqual({ status: 'PUBLISHED', procuringEntityId: tender.owner.organizationId });
      expect(await tenders.statusOf(m, tender.id)).toBe('PUBLISHED');
    });

    it('locks the pending timed events of a tender: another transaction cannot take them meanwhile', async () => {
      const tender = await insertTender(t);
      await t.dataSource.transaction((m) =>
        t.app.get(SchedulerService).plan(m, { kind: ScheduledEventKind.BidDeadline, subjectId: tender.id, tenderId: tender.id, runAt: new Date(Date.now() + 3_600_000) }),
      );
      expect((await tenders.pendingEvents(t.dataSource.manager, tender.id)).map((e) => [e.kind, e.subjectId])).toEqual([[ScheduledEventKind.BidDeadline, tender.id]]);
      await rolledBack(async (m) => {
        await tenders.lockPendingEvents(m, tender.id);
        await expect(t.dataSource.transaction((other) => other.query(`SELECT id FROM scheduled_events WHERE tender_id = $1 FOR UPDATE NOWAIT`, [tender.id]))).rejects.toThrow(
          /could not obtain lock/,
        );
      });
    });

    it('pages tenders: drafts only among the caller’s own; a title search takes % and _ literally', async () => {
      const m = t.dataSource.manager;
      const marker = randomUUID().slice(0, 8);
      const owner = (await insertTender(t, { title: `${marker} 100%_达标 工程` })).owner;
      await insertTender(t, { owner, title: `${marker} 1000 达标 工程` });
      await insertTender(t, { owner, title: `${marker} 草稿`, status: 'DRAFT' });
      const [published, total] = await tenders.page(m, { mineOf: null, q: marker, page: 1, pageSize: 10 });
      expect(total).toBe(2);
      expect(published.every((x) => x.status !== 'DRAFT')).toBe(true);
      const [literal] = await tenders.page(m, { mineOf: null, q: `${marker} 100%_`, page: 1, pageSize: 10 });
      expect(literal.map((x) => x.title)).toEqual([`${marker} 100%_达标 工程`]);
      const [mine, mineTotal] = await tenders.page(m, { mineOf: owner.organizationId!, q: marker, page: 1, pageSize: 2 });
      expect(mineTotal).toBe(3);
      expect(mine).toHaveLength(2);
      expect(await tenders.agentAuthorized(m, randomUUID(), owner.organizationId!, published[0].id)).toBe(false);
    });
  });

  describe('PreTenderRepository', () => {
    it('stores the pledge and items, locks an item, supplies, rejects and marks it overdue on the database clock', async () => {
      const tender = await insertTender(t);
      const m = t.dataSource.manager;
      const due = new Date(Date.now() + 3_600_000);
      await preTenders.insertPledge(m, tender.id, '承诺书.pdf', Buffer.from('pledge'), sha('pledge'));
      await preTenders.insertItem(m, tender.id, 1, { kind: 'LAND_USE', name: '用地批准书', dueAt: due });
      await preTenders.insertItem(m, tender.id, 2, { kind: 'PLANNING_PERMIT', name: '规划许可证', dueAt: new Date(Date.now() - 1000) });
      expect(await preTenders.pledgesOf(m, [tender.id])).toEqual([{ tenderId: tender.id, documentName: '承诺书.pdf', sha256: sha('pledge') }]);
      const [first, second] = await preTenders.itemsOf(m, tender.id);
      expect(first).toMatchObject({ tenderId: tender.id, position: 1, name: '用地批准书', status: 'PENDING', suppliedDocumentSha256: null });
      expect((await preTenders.itemsOfTenders(m, [tender.id])).map((i) => i.id)).toEqual([first.id, second.id]);
      expect(await preTenders.isLate(m, first.dueAt)).toBe(false);
      expect(await preTenders.isDue(m, second.dueAt)).toBe(true);
      const { late, now } = await preTenders.clockAgainst(m, first.dueAt);
      expect(late).toBe(false);

      await t.dataSource.transaction(async (tx) => {
        const locked = await preTenders.lockItemOf(tx, tender.id, first.id);
        expect(locked?.id).toBe(first.id);
        expect(await preTenders.lockItemOf(tx, randomUUID(), first.id)).toBeNull();
        await preTenders.markSupplied(tx, first.id, {
          documentNo: '盐国土 2026-1',
          documentName: '批准书.pdf',
          content: Buffer.from('doc'),
          sha256: sha('doc'),
          suppliedAt: now,
          suppliedBy: tender.owner.userId,
        });
      });
      expect(await preTenders.item(m, first.id)).toMatchObject({
        status: 'SUPPLIED',
        documentNo: '盐国土 2026-1',
        suppliedDocumentName: '批准书.pdf',
        suppliedDocumentSha256: sha('doc'),
      });
      await preTenders.markRejected(m, first.id, 'PENDING', '文号不符');
      expect(await preTenders.item(m, first.id)).toMatchObject({ status: 'PENDING', rejectionReason: '文号不符', suppliedDocumentSha256: null, documentNo: null });
      await preTenders.markSupplied(m, first.id, {
        documentNo: null,
        documentName: '批准书.pdf',
        content: Buffer.from('doc2'),
        sha256: sha('doc2'),
        suppliedAt: now,
        suppliedBy: tender.owner.userId,
      });
      await preTenders.markAccepted(m, first.id, tender.owner.userId);
      expect((await preTenders.lockItem(m, first.id))?.acceptedAt).toBeInstanceOf(Date);
      await preTenders.markOverdue(m, second.id);
      expect((await preTenders.itemsOf(m, tender.id)).map((i) => i.status)).toEqual(['ACCEPTED', 'OVERDUE']);
    });
  });

  describe('ChallengesRepository', () => {
    it('files once per request, locks and answers, lists a supplier’s own; read models answer null before their facts', async () => {
      const m = t.dataSource.manager;
      const tender = await insertTender(t, { regime: 'GOV_PROCUREMENT' });
      const other = await insertTender(t, { regime: 'GOV_PROCUREMENT' });
      const now = new Date();
      const request = sha(randomUUID());
      const mine = await challenges.insert(m, {
        tenderId: tender.id,
        organizationId: tender.owner.organizationId!,
        filedBy: tender.owner.userId,
        subject: 'PROCESS',
        text: '开标程序违法',
        filedAt: now,
        filingDeadline: now,
        answerDueAt: new Date(now.getTime() + 60_000),
        requestSha256: request,
      });
      const theirs = await challenges.insert(m, {
        tenderId: tender.id,
        organizationId: other.owner.organizationId!,
        filedBy: other.owner.userId,
        subject: 'AWARD',
        text: '成交结果不公',
        filedAt: new Date(now.getTime() + 1),
        filingDeadline: now,
        answerDueAt: now,
        requestSha256: sha(randomUUID()),
      });
      expect(await challenges.idByRequest(m, request)).toBe(mine);
      expect(await challenges.idByRequest(m, sha('none'))).toBeNull();
      expect(await challenges.idsOf(m, tender.id, null)).toEqual([mine, theirs]);
      expect(await challenges.idsOf(m, tender.id, other.owner.organizationId!)).toEqual([theirs]);
      await t.dataSource.transaction(async (tx) => {
        expect(await challenges.lockOf(tx, other.id, mine)).toBeNull();
        expect(await challenges.lockOf(tx, tender.id, mine)).toMatchObject({ id: mine, status: 'PENDING', subject: 'PROCESS' });
        await challenges.markAnswered(tx, mine, { answer: '程序合法', upheld: false, answeredBy: tender.owner.userId, answeredAt: now });
      });
      const found = await challenges.find(m, mine);
      expect(found).toMatchObject({ id: mine, tenderId: tender.id, status: 'ANSWERED', answer: '程序合法', upheld: false });
      expect(found!.now).toBeInstanceOf(Date);
      expect(await challenges.hasOpenedBid(m, tender.id, tender.owner.organizationId!)).toBe(false);
      expect(await challenges.openingClosedAt(m, tender.id)).toBeNull();
      expect(await challenges.awardAnnouncementEndsAt(m, tender.id)).toBeNull();
    });
  });
});
