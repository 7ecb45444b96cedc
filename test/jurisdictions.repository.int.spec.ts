/**
 * JurisdictionsRepository against the real PostgreSQL: the jurisdiction list, supervisors' scopes, and its two
 * declared read models (supervisors of a tender, a tender within a scope).
 */
import { randomUUID } from 'crypto';
import { Role } from 'src/common/auth/role.enum';
import { JurisdictionsRepository } from 'src/modules/jurisdictions/jurisdictions.repository';
import { Sector } from 'src/modules/tenders/business-classification';
import { createStaff } from './factories/identity.factory';
import { createPublishedTender } from './factories/tender.factory';
import { createTestApp, type TestApp } from './helpers/test-app';

describe('JurisdictionsRepository (real PostgreSQL)', () => {
  let t: TestApp;
  let repo: JurisdictionsRepository;
  beforeAll(async () => {
    t = await createTestApp({ workers: false, env: { LEGAL_PERIODS: 'relaxed' } });
    repo = t.app.get(JurisdictionsRepository);
  });
  afterAll(async () => t?.close());

  it('lists the city first, then its counties, each county under the city; seeding again adds nothing', async () => {
    const m = t.dataSource.manager;
    const list = await repo.list(m);
    expect(list[0]).toMatchObject({ level: 'CITY', parentCode: null });
    expect(list.slice(1).every((j) => j.level === 'COUNTY' && j.parentCode === list[0].code)).toBe(true);
    await t.dataSource.transaction(async (tx) => {
      await repo.lockForSeeding(tx);
      await repo.insertMissing(tx, { ...list[1], name: '改名不生效' }, 99);
    });
    expect(await repo.list(m)).toEqual(list);
  });

  it('sets, reads and replaces a scope; no row for a supervisor without one', async () => {
    const m = t.dataSource.manager;
    const supervisor = await createStaff(t, Role.SUPERVISOR);
    const admin = randomUUID();
    const county = (await repo.list(m))[1].code;
    expect(await repo.scopeOf(m, supervisor.userId)).toBeNull();
    await t.dataSource.transaction((tx) => repo.upsertScope(tx, { userId: supervisor.userId, jurisdictionCode: county, sectors: [Sector.WATER] }, admin));
    expect(await repo.scopeOf(m, supervisor.userId)).toEqual({ userId: supervisor.userId, jurisdictionCode: county, sectors: [Sector.WATER] });
    await t.dataSource.transaction((tx) => repo.upsertScope(tx, { userId: supervisor.userId, jurisdictionCode: county, sectors: null }, admin));
    expect(await repo.scopeOf(m, supervisor.userId)).toEqual({ userId: supervisor.userId, jurisdictionCode: county, sectors: null });
  });

  it('read models: the supervisors of a tender follow their scopes; a tender matches a condition or not', async () => {
    const m = t.dataSource.manager;
    const [city, county] = await repo.list(m);
    const tender = await createPublishedTender(t); // in the city, sector HOUSING by default
    const [{ jurisdiction_code, sector }] = await t.dataSource.query(`SELECT jurisdiction_code, sector FROM tenders WHERE id = $1`, [tender.id]);
    const everywhere = await createStaff(t, Role.SUPERVISOR);
    const elsewhere = await createStaff(t, Role.SUPERVISOR);
    await t.dataSource.transaction((tx) =>
      repo.upsertScope(tx, { userId: elsewhere.userId, jurisdictionCode: county.code === jurisdiction_code ? city.code : county.code, sectors: [Sector.WATER] }, randomUUID()),
    );
    const ids = (await repo.supervisorsOf(m, tender.id)).map((u) => u.id);
    expect(ids).toContain(everywhere.userId);
    expect(ids).not.toContain(elsewhere.userId);
    expect(await repo.tenderMatches(m, tender.id, (a, p) => `${a}.sector = ${p(sector)}`)).toBe(true);
    expect(await repo.tenderMatches(m, tender.id, (a, p) => `${a}.sector = ${p('NOT_A_SECTOR')}`)).toBe(false);
  });
});
