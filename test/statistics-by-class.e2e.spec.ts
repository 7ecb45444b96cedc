import { Role } from 'src/common/auth/role.enum';
import { adminParty, createStaff, registerParty, type TestParty } from './factories/identity.factory';
import { type SqlParty } from './factories/supervision.factory';
import { insertTenderAt } from './factories/transparency.factory';
import { pdfText } from './helpers/pdf-text';
import { createTestApp, type TestApp } from './helpers/test-app';

const api = '/api/v1';

/**
 * Issue 19: "工程监理项目电子化交易率55%" — the statistics by class and sub-class, counting the projects registered at
 * the centre but traded offline, so that the electronic share can be computed at all. Offline projects are marked
 * as such and never mixed with tenders or bids.
 */
describe('statistics: electronic share by class and sub-class, offline projects (e2e)', () => {
  let t: TestApp;
  let admin: TestParty;
  let owner: SqlParty;

  const offline = (o: Record<string, unknown> = {}) => ({
    projectNo: `JL-${Math.random().toString(36).slice(2, 10)}`,
    title: '东台市城东新区道路工程施工监理',
    category: 'CONSTRUCTION_WORKS',
    subClass: 'WORKS_SUPERVISION',
    regime: 'ENGINEERING',
    jurisdiction: '320981',
    procuringEntityName: '东台市城东新区建设发展有限公司',
    budget: '1200000.00',
    tradedOn: '2026-03-15',
    offlineReason: '项目进场登记时监理标段尚未实行电子化交易',
    ...o,
  });
  const register = (body: object, who: TestParty = admin) => t.http().post(`${api}/offline-projects`).set(who.auth).send(body);

  beforeAll(async () => {
    t = await createTestApp({ workers: false });
    admin = await adminParty(t);
    const pe = await registerParty(t, { role: Role.PROCURING_ENTITY });
    owner = { organizationId: pe.organizationId!, userId: pe.userId };
    // March 2026: 11 監理 tenders on the platform, 2 房建市政, 1 without a sub-class.
    const at = '2026-03-10T02:00:00Z';
    for (let i = 0; i < 11; i++) {
      const id = await insertTenderAt(t, owner, { publishedAt: at });
      await t.dataSource.query(`UPDATE tenders SET sub_class = 'WORKS_SUPERVISION', jurisdiction_code = '320981' WHERE id = $1`, [id]);
    }
    for (let i = 0; i < 2; i++) {
      const id = await insertTenderAt(t, owner, { publishedAt: at });
      await t.dataSource.query(`UPDATE tenders SET sub_class = 'HOUSING_MUNICIPAL' WHERE id = $1`, [id]);
    }
    await insertTenderAt(t, owner, { publishedAt: at, category: 'GOODS' });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('registers offline projects: ADMIN only, validated, idempotent, audited', async () => {
    const body = offline({ projectNo: 'DT-JL-2026-001' });
    const first = await register(body);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      projectNo: 'DT-JL-2026-001',
      subClass: 'WORKS_SUPERVISION',
      sector: 'HOUSING',
      jurisdiction: '320981',
      offline: true,
      tradedOn: '2026-03-15',
    });
    const again = await register(body);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const changed = await register({ ...body, budget: '1300000.00' });
    expect(changed.status).toBe(409);
    expect(changed.body.code).toBe('CONFLICT');

    const bad: Array<[object, string]> = [
      [offline({ subClass: 'GOODS' }), 'subClass'],
      [offline({ subClass: 'NOPE' }), 'subClass'],
      [offline({ jurisdiction: '110101' }), 'jurisdiction'],
      [offline({ tradedOn: '2026-02-30' }), 'tradedOn'],
      [offline({ tradedOn: '2999-01-01' }), 'tradedOn'],
      [offline({ budget: '12.345' }), 'budget'],
      [offline({ offlineReason: '' }), 'offlineReason'],
    ];
    for (const [b, field] of bad) {
      const res = await register(b);
      expect({ field, status: res.status }).toEqual({ field, status: 400 });
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
    }
    const supervisor = await createStaff(t, Role.SUPERVISOR);
    expect((await register(offline(), supervisor)).status).toBe(403);
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM offline_projects`);
    expect(n).toBe(1);
    const [{ a }] = await t.dataSource.query(`SELECT count(*)::int AS a FROM audit_events WHERE action = 'OFFLINE_PROJECT_REGISTERED'`);
    expect(a).toBe(1);
    // Never a tender: no row in tenders, nothing in GET /tenders.
    const [{ tn }] = await t.dataSource.query(`SELECT count(*)::int AS tn FROM tenders WHERE title = $1`, [body.title]);
    expect(tn).toBe(0);
  });

  it('gives the electronic share per class and sub-class (监理 11 on the platform, 9 offline → 55%)', async () => {
    for (let i = 2; i <= 9; i++) expect((await register(offline({ projectNo: `DT-JL-2026-00${i}` }))).status).toBe(201);
    // One offline project outside the period: not counted.
    expect((await register(offline({ projectNo: 'DT-JL-2025-099', tradedOn: '2025-12-31' }))).status).toBe(201);
    const res = await t.http().get(`${api}/statistics?from=2026-01-01&to=2026-12-31`);
    expect(res.status).toBe(200);
    // API.md fields unchanged in meaning: `tenders` counts the platform's tenders only.
    expect(res.body.tenders).toBe(14);
    expect(res.body.offlineProjects).toBe(9);
    expect(res.body.electronicShare).toBe('0.6087'); // 14 / 23
    const sub = (code: string) => res.body.bySubClass.find((s: { subClass: string }) => s.subClass === code);
    expect(sub('WORKS_SUPERVISION')).toEqual({
      category: 'CONSTRUCTION_WORKS',
      subClass: 'WORKS_SUPERVISION',
      name: '工程监理',
      electronic: 11,
      offline: 9,
      electronicShare: '0.5500',
    });
    expect(sub('HOUSING_MUNICIPAL')).toMatchObject({ electronic: 2, offline: 0, electronicShare: '1.0000' });
    expect(sub('UNSPECIFIED')).toMatchObject({ category: 'GOODS', electronic: 1, offline: 0 });
    const works = res.body.byClass.find((c: { category: string }) => c.category === 'CONSTRUCTION_WORKS');
    expect(works).toMatchObject({ electronic: 13, offline: 9, electronicShare: '0.5909' });
    // By jurisdiction: 东台市 has the 11 监理 tenders and the 9 offline projects.
    const dt = await t.http().get(`${api}/statistics?from=2026-01-01&to=2026-12-31&jurisdiction=320981`);
    expect(dt.body.tenders).toBe(11);
    expect(dt.body.electronicShare).toBe('0.5500');
    const pdf = await t
      .http()
      .get(`${api}/statistics.pdf?from=2026-01-01&to=2026-12-31`)
      .buffer(true)
      .parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      })
      .expect(200);
    const text = pdfText(pdf.body as Buffer);
    expect(text).toContain('分类电子化交易率');
    expect(text).toContain('工程监理');
    expect(text).toContain('55');
    // A period without offline projects keeps the platform-only share.
    const feb = await t.http().get(`${api}/statistics?from=2026-02-01&to=2026-02-28`);
    expect(feb.body).toMatchObject({ tenders: 0, offlineProjects: 0, electronicShare: null, byClass: [], bySubClass: [] });
  });

  it('lists offline projects for the admin, and for a supervisor within its scope', async () => {
    const all = await t.http().get(`${api}/offline-projects?from=2026-01-01&to=2026-12-31&pageSize=50`).set(admin.auth);
    expect(all.body.total).toBe(9);
    const bh = await createStaff(t, Role.SUPERVISOR);
    await t.http().put(`${api}/admin/users/${bh.userId}/supervision-scope`).set(admin.auth).send({ jurisdiction: '320922' });
    expect((await t.http().get(`${api}/offline-projects`).set(bh.auth)).body.total).toBe(0);
    const bidder = await registerParty(t, { role: Role.BIDDER });
    expect((await t.http().get(`${api}/offline-projects`).set(bidder.auth)).status).toBe(403);
  });
});
