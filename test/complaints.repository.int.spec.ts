/**
 * ComplaintsRepository against the real PostgreSQL: filing and finding a complaint by its request digest, the lock
 * with the tender's regime, the transitions, the list within a scope, and the read model of a procurement challenge.
 */
import { createHash, randomBytes } from 'crypto';
import { ComplaintsRepository } from 'src/modules/supervision/complaints/complaints.repository';
import { insertBidders, insertOpenedTender } from './factories/supervision.factory';
import { createTestApp, type TestApp } from './helpers/test-app';

describe('ComplaintsRepository (real PostgreSQL)', () => {
  let t: TestApp;
  let repo: ComplaintsRepository;
  beforeAll(async () => {
    t = await createTestApp({ workers: false, env: { LEGAL_PERIODS: 'relaxed' } });
    repo = t.app.get(ComplaintsRepository);
  });
  afterAll(async () => t?.close());

  const sha = () => createHash('sha256').update(randomBytes(8)).digest('hex');

  it('files, finds, locks with the regime, accepts, suspends and decides a complaint; lists it within a scope', async () => {
    const [owner, bidder] = await insertBidders(t, 2);
    const { tenderId } = await insertOpenedTender(t, owner, [{ party: bidder, price: '1000000.00' }]);
    const m = t.dataSource.manager;
    expect(await repo.tenderForFiling(m, tenderId)).toMatchObject({ regime: 'GOV_PROCUREMENT' });
    expect(await repo.tenderExists(m, owner.organizationId)).toBe(false);
    const digest = sha();
    const now = new Date();
    const id = await t.dataSource.transaction(async (tx) => {
      await repo.lockRequest(tx, digest);
      return repo.insert(tx, {
        tenderId,
        complainantOrganizationId: bidder.organizationId,
        filedBy: bidder.userId,
        stage: 'OTHER',
        objectionId: null,
        text: '评标程序违法',
        knownAt: now,
        filingDeadline: new Date(now.getTime() + 86_400_000),
        filedAt: now,
        acceptDueAt: new Date(now.getTime() + 3 * 86_400_000),
        requestSha256: digest,
        complainantBlindIndex: null,
        complainantSealed: null,
      });
    });
    expect(await repo.findByRequest(m, [sha(), digest])).toBe(id);
    expect(await repo.idsOfTender(m, tenderId, { organizationId: bidder.organizationId, blindIndex: 'none' })).toEqual([id]);
    expect(await repo.idsOfTender(m, tenderId, { organizationId: owner.organizationId, blindIndex: 'none' })).toEqual([]);

    await t.dataSource.transaction(async (tx) => {
      const c = await repo.lockWithRegime(tx, id);
      expect(c).toMatchObject({ id, tenderId, status: 'FILED', regime: 'GOV_PROCUREMENT', complainantOrganizationId: bidder.organizationId, suspensionOrderedAt: null });
      await repo.accept(tx, id, now, new Date(now.getTime() + 30 * 86_400_000), owner.userId);
      await repo.orderSuspension(tx, id, now, null);
    });
    await t.dataSource.transaction(async (tx) => {
      await repo.liftSuspension(tx, id, new Date());
      await repo.decide(tx, id, new Date(), { decision: 'UPHELD', text: '投诉成立', remedy: 'RE_TENDER' }, owner.userId);
    });
    const c = await repo.findWithNow(m, id);
    expect(c).toMatchObject({ status: 'DECIDED', decision: 'UPHELD', decisionText: '投诉成立', remedy: 'RE_TENDER' });
    expect(c!.suspensionOrderedAt).toBeInstanceOf(Date);
    expect(c!.suspensionLiftedAt).toBeInstanceOf(Date);
    expect(c!.now).toBeInstanceOf(Date);

    const inScope = (tid: string) => (alias: string, p: (v: unknown) => string) => `${alias}.id = ${p(tid)}`;
    expect(await repo.list(m, { status: 'DECIDED' }, inScope(tenderId), { limit: 10, offset: 0 })).toEqual({ total: 1, ids: [id] });
    expect((await repo.list(m, { tenderId }, inScope(owner.organizationId), { limit: 10, offset: 0 })).total).toBe(0);
  });

  it('read model: the latest challenge answered or past its answer period', async () => {
    const [owner, bidder] = await insertBidders(t, 2);
    const { tenderId } = await insertOpenedTender(t, owner, [{ party: bidder, price: '1000000.00' }]);
    const insert = (answerDueDaysAgo: number, status: 'PENDING' | 'ANSWERED') =>
      t.dataSource.query(
        `INSERT INTO procurement_challenges (tender_id, organization_id, filed_by, subject, text, filed_at, filing_deadline, answer_due_at, status, request_sha256)
         VALUES ($1, $2, $3, 'AWARD', '质疑', clock_timestamp(), clock_timestamp(), clock_timestamp() - make_interval(days => $4), $5, $6) RETURNING id`,
        [tenderId, bidder.organizationId, bidder.userId, answerDueDaysAgo, status, sha()],
      );
    const m = t.dataSource.manager;
    expect(await repo.latestChallenge(m, tenderId, bidder.organizationId, 'AWARD', new Date())).toBeNull();
    await insert(-5, 'PENDING'); // answer still due: not yet
    expect(await repo.latestChallenge(m, tenderId, bidder.organizationId, 'AWARD', new Date())).toBeNull();
    const [{ id }] = await insert(2, 'PENDING'); // its answer period ran out
    expect(await repo.latestChallenge(m, tenderId, bidder.organizationId, 'AWARD', new Date())).toMatchObject({ id });
    expect(await repo.latestChallenge(m, tenderId, bidder.organizationId, 'PROCESS', new Date())).toBeNull();
  });
});
