/**
 * SupervisionCasesRepository against the real PostgreSQL: opening a case with its subjects, the filtered list within
 * a scope, the decision with its penalties (a debarment's period by the database clock) and the debarment in force.
 */
import { createHash, randomBytes } from 'crypto';
import { SupervisionCasesRepository } from 'src/modules/supervision/cases/supervision-cases.repository';
import { insertBidders, insertOpenedTender } from './factories/supervision.factory';
import { createTestApp, type TestApp } from './helpers/test-app';

describe('SupervisionCasesRepository (real PostgreSQL)', () => {
  let t: TestApp;
  let repo: SupervisionCasesRepository;
  beforeAll(async () => {
    t = await createTestApp({ workers: false, env: { LEGAL_PERIODS: 'relaxed' } });
    repo = t.app.get(SupervisionCasesRepository);
  });
  afterAll(async () => t?.close());

  it('opens a case once per request, lists it by subject within a scope, decides it with a debarment in force', async () => {
    const [owner, a, b] = await insertBidders(t, 3);
    const { tenderId } = await insertOpenedTender(t, owner, [
      { party: a, price: '1000000.00' },
      { party: b, price: '1100000.00' },
    ]);
    const sha = createHash('sha256').update(randomBytes(8)).digest('hex');
    const id = await t.dataSource.transaction(async (m) => {
      await repo.lockRequest(m, sha);
      expect(await repo.findOpenByRequest(m, sha)).toBeNull();
      return repo.insert(m, { tenderId, flagCodes: ['SAME_DEVICE'], summary: '同一设备投标', evidence: [], requestSha256: sha, openedBy: owner.userId }, [
        { organizationId: a.organizationId, expertId: null },
        { organizationId: b.organizationId, expertId: null },
      ]);
    });
    const m = t.dataSource.manager;
    expect(await repo.findOpenByRequest(m, sha)).toBe(id);
    expect(await repo.find(m, id)).toMatchObject({ id, tenderId, status: 'OPEN', flagCodes: ['SAME_DEVICE'], findings: null, version: 1 });
    expect((await repo.subjectsWithNames(m, id)).map((s) => s.organizationId)).toEqual([a.organizationId, b.organizationId]);
    expect((await repo.subjectsWithNames(m, id))[0].organizationName).toMatch(/历史投标人/);

    const inScope = (tid: string) => (alias: string, p: (v: unknown) => string) => `${alias}.id = ${p(tid)}`;
    expect(await repo.list(m, { organizationId: b.organizationId }, inScope(tenderId), { limit: 10, offset: 0 })).toEqual({ total: 1, ids: [id] });
    expect((await repo.list(m, { organizationId: b.organizationId }, inScope(owner.organizationId), { limit: 10, offset: 0 })).total).toBe(0);
    expect((await repo.list(m, { status: 'CLOSED', tenderId }, () => null, { limit: 10, offset: 0 })).total).toBe(0);

    expect(await repo.fineBaseAmounts(m, tenderId)).toEqual({ regime: 'GOV_PROCUREMENT', budget: '50000000.00', contractAmount: null, awardPrice: null });
    await t.dataSource.transaction(async (tx) => {
      const kase = (await repo.lock(tx, id))!;
      await repo.updateStatus(tx, kase, 'DECIDED', '经查属实', 'decided_at', owner.userId);
      await repo.insertPenalties(tx, id, [
        { organizationId: a.organizationId, type: 'DEBARMENT', ground: 'COLLUSION', debarmentMonths: 6, legalBasis: 'TBR Art. 67', fineBase: null, fineBaseSource: null },
        {
          organizationId: b.organizationId,
          type: 'FINE',
          ground: 'COLLUSION',
          fineAmount: '5000.00',
          legalBasis: 'TBR Art. 67',
          fineBase: '50000000.00',
          fineBaseSource: 'BUDGET',
        },
      ]);
    });
    const decided = await repo.find(m, id);
    expect(decided).toMatchObject({ status: 'DECIDED', findings: '经查属实', version: 2 });
    expect(decided!.decidedAt).toBeInstanceOf(Date);
    const penalties = await repo.penalties(m, id);
    expect(penalties.map((p) => [p.type, p.fineAmount, p.fineBase, p.debarmentMonths])).toEqual([
      ['DEBARMENT', null, null, 6],
      ['FINE', '5000.00', '50000000.00', null],
    ]);
    const months = (penalties[0].effectiveUntil!.getTime() - penalties[0].effectiveFrom!.getTime()) / 86_400_000;
    expect(months).toBeGreaterThan(180);
    expect(months).toBeLessThan(185);
    expect(await repo.penaltyFingerprints(m, id)).toEqual([
      { organizationId: a.organizationId, expertId: null, type: 'DEBARMENT', ground: 'COLLUSION', fineAmount: null, debarmentMonths: 6 },
      { organizationId: b.organizationId, expertId: null, type: 'FINE', ground: 'COLLUSION', fineAmount: '5000.00', debarmentMonths: null },
    ]);
    expect(await repo.activeDebarment(m, a.organizationId)).toMatchObject({ caseId: id, legalBasis: 'TBR Art. 67' });
    expect(await repo.activeDebarment(m, b.organizationId)).toBeNull();
    expect(await repo.tenderOf(m, id)).toBe(tenderId);
  });
});
