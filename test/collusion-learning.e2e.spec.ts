import { randomBytes } from 'crypto';
import { Role } from 'src/common/auth/role.enum';
import { FlagsService } from 'src/modules/supervision/flags/flags.service';
import { ScreenModelsService } from 'src/modules/supervision/flags/screen-models.service';
import { mulberry32 } from 'src/modules/supervision/screens';
import { MIN_TRAINING_TENDERS } from 'src/modules/supervision/screens/learning/screen-model';
import { SchedulerService } from 'src/modules/scheduling/scheduler.service';
import { createStaff, registerParty, type TestParty } from './factories/identity.factory';
import { insertBidders, insertOpenedTender, type SqlParty, waitUntil } from './factories/supervision.factory';
import { createTestApp, type TestApp } from './helpers/test-app';

const api = '/api/v1';
const MARKET = { category: 'SERVICES', regime: 'ENGINEERING' as const };

/**
 * The learning price screen on the platform (issue 14): closed supervision cases label their tenders; closing a case
 * plans the retraining of its market's model (a timed event, run by the workers); the flags of a tender opened
 * afterwards carry the new model's version. The labelled history is written with SQL (test/factories), the cases
 * that trigger the retraining go through the API.
 */
describe('learning price screen: close cases → the job retrains → flags carry the new model version (e2e)', () => {
  let t: TestApp;
  let supervisor: TestParty;
  let pe: SqlParty;
  let firms: SqlParty[];
  const rand = mulberry32(14);
  /** n bids around 36 M with coefficient of variation ≈ cv (collusive tenders here bid tight, competitive ones loose). */
  const prices = (cv: number, n = 5) =>
    Array.from({ length: n }, () => {
      const z = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
      return (Math.round(36_000_000_00 * (1 + cv * z)) / 100).toFixed(2);
    });
  const tender = (cv: number, n = 5) =>
    insertOpenedTender(
      t,
      pe,
      prices(cv, n).map((price, i) => ({ party: firms[i], price })),
      MARKET,
    );

  /** A case closed long ago, written as the cases module leaves it: collusive ones with a COLLUSION penalty. */
  const closedCase = async (tenderId: string, collusive: boolean) => {
    const [c] = await t.dataSource.query(
      `INSERT INTO supervision_cases (tender_id, status, flag_codes, summary, findings, request_sha256, opened_by, decided_at, closed_at)
       VALUES ($1, 'CLOSED', '{}', '历史案件', $2, $3, $4, CASE WHEN $5 THEN clock_timestamp() END, clock_timestamp()) RETURNING id`,
      [tenderId, collusive ? '串通投标属实' : '经调查未发现串通', randomBytes(32).toString('hex'), supervisor.userId, collusive],
    );
    if (collusive) {
      await t.dataSource.query(
        `INSERT INTO supervision_penalties (case_id, position, organization_id, type, ground, legal_basis, effective_from)
         VALUES ($1, 0, $2, 'WARNING', 'COLLUSION', 'TBL Art. 53', clock_timestamp())`,
        [c.id, firms[0].organizationId],
      );
    }
  };
  const priceFlags = async (tenderId: string) => {
    expect(await t.app.get(FlagsService).computeTender(tenderId)).toMatchObject({ computed: true });
    const res = await t.http().get(`${api}/tenders/${tenderId}/flags`).set(supervisor.auth).expect(200);
    return (res.body as Array<{ code: string; evidence: Record<string, any> }>).filter((f) => f.code.startsWith('PRICE_SCREEN'));
  };
  const models = () => t.dataSource.query(`SELECT version, training_size, positives, cv_auc, trigger_case_id FROM collusion_screen_models ORDER BY version`);
  const retrainEvents = () => t.dataSource.query(`SELECT id, status, subject_id FROM scheduled_events WHERE kind = 'RETRAIN_SCREEN_MODEL' ORDER BY created_at`);

  /** Open a case on the tender's flag over the API and close it: collusion found (DECIDED with a penalty) or cleared. */
  const closeOverApi = async (tenderId: string, flagCode: string, collusive: boolean) => {
    const opened = await t
      .http()
      .post(`${api}/supervision/cases`)
      .set(supervisor.auth)
      .send({ tenderId, flagCodes: [flagCode], subjects: [{ organizationId: firms[0].organizationId }], summary: `价格筛查复核 ${tenderId}` })
      .expect(201);
    const id = opened.body.id as string;
    if (collusive) {
      await t.http().patch(`${api}/supervision/cases/${id}`).set(supervisor.auth).send({ status: 'INVESTIGATING' }).expect(200);
      await t
        .http()
        .patch(`${api}/supervision/cases/${id}`)
        .set(supervisor.auth)
        .send({ status: 'DECIDED', findings: '经调查，串通投标属实', penalties: [{ organizationId: firms[0].organizationId, type: 'WARNING', ground: 'COLLUSION' }] })
        .expect(200);
      await t.http().patch(`${api}/supervision/cases/${id}`).set(supervisor.auth).send({ status: 'CLOSED' }).expect(200);
    } else {
      await t.http().patch(`${api}/supervision/cases/${id}`).set(supervisor.auth).send({ status: 'CLOSED', findings: '经调查未发现串通' }).expect(200);
    }
    return id;
  };

  beforeAll(async () => {
    t = await createTestApp();
    supervisor = await createStaff(t, Role.SUPERVISOR);
    const owner = await registerParty(t, { role: Role.PROCURING_ENTITY });
    pe = { organizationId: owner.organizationId!, userId: owner.userId };
    firms = await insertBidders(t, 6);
    // 34 labelled tenders: 12 found collusive (bids within ≈ 0.5 %), 22 cleared (≈ 8 %).
    for (let i = 0; i < 12; i++) await closedCase((await tender(0.005)).tenderId, true);
    for (let i = 0; i < 22; i++) await closedCase((await tender(0.08)).tenderId, false);
  }, 120_000);
  afterAll(() => t.close());

  it('without a model the market is zero-shot: no PRICE_SCREEN flag, a ranking for review that says so', async () => {
    expect(await models()).toEqual([]);
    const { tenderId } = await tender(0.002);
    const flags = await priceFlags(tenderId);
    expect(flags.map((f) => f.code)).toEqual(['PRICE_SCREEN_REVIEW']);
    expect(flags[0].evidence).toMatchObject({ mode: 'ZERO_SHOT_REVIEW_ONLY', labelledTenders: 34, minLabelledTenders: MIN_TRAINING_TENDERS });
    const [audit] = await t.dataSource.query(`SELECT data FROM audit_events WHERE action = 'COLLUSION_FLAGS_COMPUTED' AND tender_id = $1`, [tenderId]);
    expect(audit.data.priceScreen).toEqual({ mode: 'ZERO_SHOT_REVIEW_ONLY', labelledTenders: 34 });
  });

  let caseId: string;
  it('closing a case plans the retraining; the workers train version 1 on the closed cases', async () => {
    const { tenderId } = await tender(0.002);
    await priceFlags(tenderId);
    caseId = await closeOverApi(tenderId, 'PRICE_SCREEN_REVIEW', true);
    const [v1] = await waitUntil(
      async () => {
        const rows = await models();
        return rows.length ? rows : null;
      },
      90_000,
      'model version 1',
    );
    expect(v1).toMatchObject({ version: 1, training_size: 35, positives: 13, trigger_case_id: caseId });
    expect(v1.cv_auc).toBeGreaterThan(0.8);
    await waitUntil(async () => (await retrainEvents()).every((e: { status: string }) => e.status === 'DONE'), 20_000, 'the retraining event');
    const [trained] = await t.dataSource.query(`SELECT data FROM audit_events WHERE action = 'COLLUSION_SCREEN_MODEL_TRAINED'`);
    expect(trained.data).toMatchObject({ version: 1, trainingSize: 35, regime: MARKET.regime, category: MARKET.category });
  });

  it('a new tight tender is flagged by the learned model; the evidence names version, training size, CV AUC and top screens', async () => {
    const { tenderId } = await tender(0.002);
    const flags = await priceFlags(tenderId);
    expect(flags.map((f) => f.code)).toEqual(['PRICE_SCREEN']);
    const e = flags[0].evidence;
    expect(e).toMatchObject({ mode: 'SUPERVISED', model: { version: 1, trainingSize: 35, positives: 13, structuralFeatures: true } });
    expect(e.model.cvAuc).toBeGreaterThan(0.8);
    expect(e.score).toBeGreaterThanOrEqual(e.threshold);
    expect(e.topScreens).toHaveLength(3);
    expect(typeof e.topScreens[0].screen).toBe('string');
    // a loose tender of the same market is not flagged by it; the audit records the mode and the model
    const loose = (await tender(0.09)).tenderId;
    expect(await priceFlags(loose)).toEqual([]);
    const [audit] = await t.dataSource.query(`SELECT data FROM audit_events WHERE action = 'COLLUSION_FLAGS_COMPUTED' AND tender_id = $1`, [loose]);
    expect(audit.data.priceScreen).toMatchObject({ mode: 'SUPERVISED', modelVersion: 1, flag: false });
  });

  it('closing another case trains version 2; flags of a new tender carry it; the same labels never train twice', async () => {
    // a loose tender with two identical prices (IDENTICAL_PRICES), cleared
    const p = prices(0.08, 5);
    p[1] = p[0];
    const { tenderId } = await insertOpenedTender(
      t,
      pe,
      p.map((price, i) => ({ party: firms[i], price })),
      MARKET,
    );
    await priceFlags(tenderId);
    const second = await closeOverApi(tenderId, 'IDENTICAL_PRICES', false);
    await waitUntil(async () => ((await models()).length === 2 ? true : null), 90_000, 'model version 2');
    expect((await models())[1]).toMatchObject({ version: 2, training_size: 36, positives: 13, trigger_case_id: second });
    const flags = await priceFlags((await tender(0.002)).tenderId);
    expect(flags[0]).toMatchObject({ code: 'PRICE_SCREEN', evidence: { mode: 'SUPERVISED', model: { version: 2, trainingSize: 36 } } });
    // idempotent: running the retraining again (a repeated job, a second event) adds no version
    const again = await t.dataSource.transaction((m) => t.app.get(ScreenModelsService).retrainForTender(m, tenderId, second));
    expect(again).toMatchObject({ trained: false, reason: 'UNCHANGED', version: 2 });
    const [event] = (await retrainEvents()).filter((e: { subject_id: string }) => e.subject_id === second);
    await t.app.get(SchedulerService).run(event.id);
    expect(await models()).toHaveLength(2);
  });
});
