import { Role } from 'src/common/auth/role.enum';
import { tenderInEvaluation } from './factories/evaluation.factory';
import { createStaff, type TestParty } from './factories/identity.factory';
import { createTestApp, type TestApp } from './helpers/test-app';

const api = '/api/v1';

/**
 * Published penalties (不良行为记录公告) over the real supervision flow: a case is opened, investigated and decided over
 * HTTP; the public list shows its penalties from the decision on, and nothing before (TBR Art. 78).
 */
describe('transparency: published penalties (e2e)', () => {
  let t: TestApp;
  let supervisor: TestParty;

  beforeAll(async () => {
    t = await createTestApp({ env: { LEGAL_PERIODS: 'relaxed' }, workers: false });
    supervisor = await createStaff(t, Role.SUPERVISOR);
  });
  afterAll(() => t?.close());

  const published = (query: Record<string, string> = {}) => t.http().get(`${api}/penalties`).query(query);
  const today = async () => (await t.dataSource.query(`SELECT to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS d`))[0].d as string;

  it('publishes a case’s penalties exactly from its decision, to anyone, and never those of an undecided case', async () => {
    const tender = await tenderInEvaluation(t, { title: '盐城市串标案例工程' });
    const [b0, b1, b2] = tender.bidders;
    const kase = await t
      .http()
      .post(`${api}/supervision/cases`)
      .set(supervisor.auth)
      .send({ tenderId: tender.id, flagCodes: [], subjects: [{ organizationId: b0.organizationId }, { organizationId: b1.organizationId }], summary: '甲乙两公司涉嫌串通投标' })
      .expect(201);
    const caseId = kase.body.id;
    expect((await published().expect(200)).body).toEqual({ items: [], total: 0 });

    await t.http().patch(`${api}/supervision/cases/${caseId}`).set(supervisor.auth).send({ status: 'INVESTIGATING' }).expect(200);
    expect((await published().expect(200)).body.total).toBe(0);

    // A case closed without a decision publishes nothing either.
    const other = await t
      .http()
      .post(`${api}/supervision/cases`)
      .set(supervisor.auth)
      .send({ tenderId: tender.id, flagCodes: [], subjects: [{ organizationId: b2.organizationId }], summary: '丙公司线索' })
      .expect(201);
    await t.http().patch(`${api}/supervision/cases/${other.body.id}`).set(supervisor.auth).send({ status: 'CLOSED', findings: '查无实据' }).expect(200);
    expect((await published().expect(200)).body.total).toBe(0);

    await t
      .http()
      .patch(`${api}/supervision/cases/${caseId}`)
      .set(supervisor.auth)
      .send({
        status: 'DECIDED',
        findings: '经调查，甲乙两公司串通投标',
        penalties: [
          { organizationId: b0.organizationId, type: 'FINE', ground: 'COLLUSION', fineAmount: '200000.00' },
          { organizationId: b1.organizationId, type: 'DEBARMENT', ground: 'COLLUSION', debarmentMonths: 12 },
        ],
      })
      .expect(200);
    const res = await published().expect(200);
    expect(res.body.total).toBe(2);
    const [org0] = await t.dataSource.query(`SELECT name, uscc FROM organizations WHERE id = $1`, [b0.organizationId]);
    const fine = res.body.items.find((p: { type: string }) => p.type === 'FINE');
    expect(fine).toMatchObject({
      subject: { kind: 'ORGANIZATION', name: org0.name, uscc: org0.uscc },
      typeName: '罚款',
      ground: 'COLLUSION',
      groundName: '串通投标',
      legalBasis: expect.stringContaining('第五十三条'),
      fineAmount: '200000.00',
      tender: { id: tender.id, title: '盐城市串标案例工程' },
    });
    const debarment = res.body.items.find((p: { type: string }) => p.type === 'DEBARMENT');
    expect(debarment).toMatchObject({ debarmentMonths: 12, legalBasis: expect.stringContaining('第六十七条') });
    const from = new Date(debarment.effectiveFrom);
    const until = new Date(debarment.effectiveUntil);
    expect(until.getUTCFullYear() * 12 + until.getUTCMonth() - (from.getUTCFullYear() * 12 + from.getUTCMonth())).toBe(12);
    expect(JSON.stringify(res.body)).not.toContain(b2.organizationId!);

    // Closing the decided case keeps its penalties published.
    await t.http().patch(`${api}/supervision/cases/${caseId}`).set(supervisor.auth).send({ status: 'CLOSED' }).expect(200);
    expect((await published().expect(200)).body.total).toBe(2);

    // By decision day (北京时间); the yearbook counts the same firms.
    const d = await today();
    expect((await published({ from: d, to: d }).expect(200)).body.total).toBe(2);
    const next = new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    expect((await published({ from: next }).expect(200)).body.total).toBe(0);
    expect((await published({ from: next, to: d })).status).toBe(400);
    expect((await published({ pageSize: '1' }).expect(200)).body.items).toHaveLength(1);
    const stats = await t.http().get(`${api}/statistics`).query({ from: d, to: d }).expect(200);
    expect(stats.body.penalties).toEqual({ organizations: 2, experts: 0 });
  });

  it('documents every transparency route in the OpenAPI document, without a security requirement', async () => {
    const doc = await t.http().get('/docs-json').expect(200);
    for (const path of [
      '/api/v1/statistics',
      '/api/v1/statistics.pdf',
      '/api/v1/ocds/releases',
      '/api/v1/ocds/records/{ocid}',
      '/api/v1/ocds/compiled-releases.jsonl',
      '/api/v1/penalties',
      '/api/v1/tenders/{id}/opening-record',
      '/api/v1/tenders/{id}/opening-record.pdf',
    ]) {
      expect(Object.keys(doc.body.paths)).toContain(path);
      expect({ path, security: doc.body.paths[path].get.security }).toEqual({ path, security: undefined });
    }
    const shape = doc.body.components.schemas.StatisticsResponseDto;
    expect(Object.keys(shape.properties).sort()).toEqual(
      [
        'from',
        'to',
        'tenders',
        'lots',
        'awarded',
        'turnover',
        'budgetTotal',
        'savingsRate',
        'electronicShare',
        'averageCycleDays',
        'byCategory',
        'byMonth',
        'penalties',
        'supervision',
        'offlineProjects',
        'byClass',
        'bySubClass',
        'coverage',
      ].sort(),
    );
  });
});
