/**
 * CollusionFlagsRepository and ScreenModelsRepository against the real PostgreSQL: the bulk replacement of a tender's
 * and of the history's flags, a tender's flags (its own, and history flags naming its opened bidders), the filtered
 * list within a scope, and the learning screen's labels (an aggregation over closed cases) and model versions.
 */
import { createHash, randomBytes } from 'crypto';
import { CollusionFlagsRepository } from 'src/modules/supervision/flags/collusion-flags.repository';
import { FlagCode, type FlagDraft } from 'src/modules/supervision/flags/engine';
import { ScreenModelsRepository } from 'src/modules/supervision/flags/screen-models.repository';
import { insertBidders, insertOpenedTender } from './factories/supervision.factory';
import { insertCaseWithPenalties } from './factories/transparency.factory';
import { createTestApp, type TestApp } from './helpers/test-app';

describe('CollusionFlagsRepository and ScreenModelsRepository (real PostgreSQL)', () => {
  let t: TestApp;
  let flags: CollusionFlagsRepository;
  let models: ScreenModelsRepository;
  beforeAll(async () => {
    t = await createTestApp({ workers: false, env: { LEGAL_PERIODS: 'relaxed' } });
    flags = t.app.get(CollusionFlagsRepository);
    models = t.app.get(ScreenModelsRepository);
  });
  afterAll(async () => t?.close());

  const draft = (code: FlagCode, o: Partial<FlagDraft>): FlagDraft => ({
    code,
    severity: 'HIGH',
    bidderIds: [],
    expertIds: [],
    tenderIds: [],
    evidence: { note: code },
    legalBasis: 'TBR Art. 40',
    ...o,
  });

  it("replaces a tender's flags and the history's; a tender sees its own and the history flags naming its bidders", async () => {
    const [owner, a, b, stranger] = await insertBidders(t, 4);
    const { tenderId } = await insertOpenedTender(t, owner, [
      { party: a, price: '1000000.00' },
      { party: b, price: '1010000.00' },
    ]);
    const own = draft(FlagCode.SAME_DEVICE, { tenderIds: [tenderId], bidderIds: [a.organizationId, b.organizationId].sort() });
    await t.dataSource.transaction(async (m) => {
      await flags.lockTenderComputation(m, tenderId);
      await flags.replaceTenderFlags(m, [tenderId], [own]);
      await flags.replaceTenderFlags(m, [tenderId], [own]); // recomputing writes the same rows once
    });
    await t.dataSource.transaction(async (m) => {
      await flags.lockHistoryComputation(m);
      await flags.replaceHistoryFlags(m, [
        draft(FlagCode.SERIAL_LOSER, { severity: 'MEDIUM', bidderIds: [b.organizationId] }),
        draft(FlagCode.BID_ROTATION, { severity: 'LOW', bidderIds: [stranger.organizationId] }),
      ]);
    });
    const m = t.dataSource.manager;
    const rows = await flags.rowsOfTender(m, tenderId);
    expect(rows.map((r) => [r.scope, r.code, r.tenderId])).toEqual([
      ['TENDER', 'SAME_DEVICE', tenderId],
      ['HISTORY', 'SERIAL_LOSER', null],
    ]);
    expect(rows[0]).toMatchObject({ tenderIds: [tenderId], evidence: { note: 'SAME_DEVICE' }, legalBasis: 'TBR Art. 40' });
    expect(rows[0].computedAt).toBeInstanceOf(Date);

    const page = { limit: 10, offset: 0 };
    expect((await flags.list(m, { tenderId }, () => null, page)).rows.map((r) => r.code)).toEqual(['SAME_DEVICE']);
    expect((await flags.list(m, { bidderId: b.organizationId }, () => null, page)).total).toBe(2);
    expect((await flags.list(m, { code: 'SAME_DEVICE' }, (alias, p) => `${alias}.id = ${p(owner.organizationId)}`, page)).total).toBe(0);
    expect(await flags.visibleTenders(m, [tenderId, owner.organizationId], () => null)).toEqual(new Set([tenderId]));
    expect(await flags.visibleTenders(m, [tenderId], (alias, p) => `${alias}.status = ${p('CANCELLED')}`)).toEqual(new Set());
    expect(await flags.tenderHead(m, tenderId)).toMatchObject({ id: tenderId, procuringEntityId: owner.organizationId, status: 'EVALUATION' });
    expect(await flags.tenderHead(m, owner.organizationId)).toBeNull();
  });

  it('labels the tenders of a market with closed cases (collusive when a closed case decided a COLLUSION penalty), and versions its models', async () => {
    const [owner, a] = await insertBidders(t, 2);
    const market = { regime: 'ENGINEERING' as const, category: 'GOODS' };
    const opened = (): Promise<string> => insertOpenedTender(t, owner, [{ party: a, price: '1000000.00' }], market).then((x) => x.tenderId);
    const [collusive, cleared, stillOpen] = [await opened(), await opened(), await opened()];
    await insertCaseWithPenalties(t, collusive, owner.userId, { status: 'CLOSED', penalties: [{ organizationId: a.organizationId, fineAmount: '1000.00' }] });
    await insertCaseWithPenalties(t, collusive, owner.userId, { status: 'CLOSED', penalties: [] });
    await insertCaseWithPenalties(t, cleared, owner.userId, { status: 'CLOSED', penalties: [] });
    await insertCaseWithPenalties(t, stillOpen, owner.userId, { status: 'OPEN', penalties: [] });
    const m = t.dataSource.manager;
    const labels = await models.caseLabels(m, market);
    expect(labels).toEqual(
      [
        { tenderId: collusive, collusive: true },
        { tenderId: cleared, collusive: false },
      ].sort((x, y) => (x.tenderId < y.tenderId ? -1 : 1)),
    );
    expect(await models.closedCaseTenderCount(m, market)).toBe(2);
    expect(await models.marketOf(m, collusive)).toEqual(market);
    expect(await models.caseLabels(m, { ...market, regime: 'GOV_PROCUREMENT' })).toEqual([]);

    const sha = createHash('sha256').update(randomBytes(8)).digest('hex');
    expect(await models.latest(m, market)).toBeNull();
    const id = await t.dataSource.transaction(async (tx) => {
      await models.lockMarket(tx, `${market.regime}/${market.category}`);
      return models.insert(tx, market, {
        version: 1,
        trainingSha256: sha,
        trainingSize: 2,
        positives: 1,
        cvAuc: 0.5,
        selected: 'logistic',
        threshold: 0.5,
        featureNames: ['cv'],
        model: { format: 'test' },
        triggerCaseId: null,
      });
    });
    expect(await models.versionTrainedOn(m, market, sha)).toBe(1);
    expect(await models.versionTrainedOn(m, market, 'other')).toBeNull();
    expect(await models.latest(m, market)).toMatchObject({ id, version: 1, model: { format: 'test' } });
  });
});
