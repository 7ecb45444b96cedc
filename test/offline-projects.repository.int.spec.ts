/**
 * OfflineProjectsRepository against the real PostgreSQL (schema from the migrations): the register of projects
 * traded outside the platform that the statistics' electronic share (电子化交易率) is computed from.
 */
import { randomUUID } from 'crypto';
import { JurisdictionsService } from 'src/modules/jurisdictions/jurisdictions.service';
import { type NewOfflineProject, OfflineProjectsRepository } from 'src/modules/jurisdictions/offline-projects.repository';
import { createTestApp, type TestApp } from './helpers/test-app';

describe('OfflineProjectsRepository (real PostgreSQL)', () => {
  let t: TestApp;
  let repo: OfflineProjectsRepository;
  let city: string;
  let county: string;
  const admin = randomUUID();

  const project = (no: string, over: Partial<NewOfflineProject> = {}): NewOfflineProject => ({
    projectNo: no,
    title: `线下项目 ${no}`,
    category: 'CONSTRUCTION_WORKS',
    subClass: 'HOUSING_MUNICIPAL',
    sector: 'HOUSING',
    regime: 'ENGINEERING',
    jurisdictionCode: city,
    procuringEntityName: '盐城市某单位',
    budget: '1000000.50',
    contractAmount: null,
    tradedOn: '2026-03-15',
    offlineReason: '涉密',
    registeredBy: admin,
    requestSha256: 'a'.repeat(64),
    ...over,
  });

  beforeAll(async () => {
    t = await createTestApp({ workers: false });
    repo = t.app.get(OfflineProjectsRepository);
    const list = await t.app.get(JurisdictionsService).list(t.dataSource.manager);
    city = list.find((j) => j.level === 'CITY')!.code;
    county = list.find((j) => j.level === 'COUNTY')!.code;
  });
  afterAll(async () => t?.close());

  it('inserts and reads back a typed row: money as decimal strings, the day as YYYY-MM-DD, the instant from the database', async () => {
    const row = await t.dataSource.transaction((m) => repo.insert(m, project('XX-2026-001', { contractAmount: '990000.00' })));
    expect(row).toMatchObject({ projectNo: 'XX-2026-001', budget: '1000000.50', contractAmount: '990000.00', tradedOn: '2026-03-15', jurisdictionCode: city });
    expect(row.registeredAt).toBeInstanceOf(Date);
    expect(await repo.findById(t.dataSource.manager, row.id)).toEqual(row);
    expect(await repo.findByProjectNo(t.dataSource.manager, 'XX-2026-001')).toEqual(row);
    expect(await repo.findByProjectNo(t.dataSource.manager, 'nope')).toBeNull();
  });

  it('a project number is registered once (the unique index refuses the second row)', async () => {
    await expect(t.dataSource.transaction((m) => repo.insert(m, project('XX-2026-001')))).rejects.toThrow(/UQ_OFFLINE_PROJECTS_NO|duplicate key/);
  });

  it('pages newest trade first, filters by day and by the scope condition, and counts under the same filter', async () => {
    await t.dataSource.transaction(async (m) => {
      await repo.insert(m, project('XX-2026-002', { tradedOn: '2026-04-01', jurisdictionCode: county }));
      await repo.insert(m, project('XX-2026-003', { tradedOn: '2026-05-01' }));
      await repo.insert(m, project('XX-2026-004', { tradedOn: '2026-05-01', jurisdictionCode: county }));
    });
    const m = t.dataSource.manager;
    const all = await repo.page(m, {}, { limit: 10, offset: 0 });
    expect(all.total).toBe(4);
    expect(all.rows.map((r) => r.projectNo)).toEqual(['XX-2026-003', 'XX-2026-004', 'XX-2026-002', 'XX-2026-001']);
    const second = await repo.page(m, {}, { limit: 2, offset: 2 });
    expect(second).toMatchObject({ total: 4, rows: [{ projectNo: 'XX-2026-002' }, { projectNo: 'XX-2026-001' }] });
    const april = await repo.page(m, { from: '2026-04-01', to: '2026-04-30' }, { limit: 10, offset: 0 });
    expect(april.rows.map((r) => r.projectNo)).toEqual(['XX-2026-002']);
    const inCounty = await repo.page(m, { scope: (alias, p) => `${alias}.jurisdiction_code = ${p(county)}` }, { limit: 10, offset: 0 });
    expect(inCounty).toMatchObject({ total: 2, rows: [{ projectNo: 'XX-2026-004' }, { projectNo: 'XX-2026-002' }] });
    const both = await repo.page(m, { from: '2026-05-01', scope: (alias, p) => `${alias}.jurisdiction_code = ${p(county)}` }, { limit: 10, offset: 0 });
    expect(both.rows.map((r) => r.projectNo)).toEqual(['XX-2026-004']);
  });
});
