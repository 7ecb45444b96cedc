/**
 * The identity module's read surface for the other modules (OrganizationsRepository, UsersRepository), against the
 * real PostgreSQL: what bid security, tenders, supervision, opening and notifications read of organisations and users.
 */
import { Role } from 'src/common/auth/role.enum';
import { OrganizationsRepository, UsersRepository } from 'src/modules/identity/organizations.repository';
import { registerParty, type TestParty } from './factories/identity.factory';
import { createTestApp, type TestApp } from './helpers/test-app';

describe('OrganizationsRepository and UsersRepository (real PostgreSQL)', () => {
  let t: TestApp;
  let orgs: OrganizationsRepository;
  let users: UsersRepository;
  let bidder: TestParty;
  let owner: TestParty;

  beforeAll(async () => {
    t = await createTestApp({ workers: false });
    orgs = t.app.get(OrganizationsRepository);
    users = t.app.get(UsersRepository);
    bidder = await registerParty(t, { name: '盐城市建工集团有限公司' });
    owner = await registerParty(t, { role: Role.PROCURING_ENTITY, name: '盐城市交通运输局' });
  });
  afterAll(async () => t?.close());

  it('finds an organisation by id, with its name, code, basic account and kind; an unknown id is null', async () => {
    const m = t.dataSource.manager;
    const o = await orgs.findById(m, bidder.organizationId!);
    expect(o).toMatchObject({ id: bidder.organizationId, name: '盐城市建工集团有限公司', uscc: bidder.uscc, kind: 'BIDDER' });
    expect(o!.basicAccountNo).toMatch(/\d/);
    expect(await orgs.findById(m, '00000000-0000-4000-8000-000000000000')).toBeNull();
  });

  it('finds many by id (duplicates once, unknown ids left out) and none for an empty list', async () => {
    const m = t.dataSource.manager;
    const found = await orgs.findByIds(m, [bidder.organizationId!, owner.organizationId!, bidder.organizationId!, '00000000-0000-4000-8000-000000000000']);
    expect([...found.keys()].sort()).toEqual([bidder.organizationId, owner.organizationId].sort());
    expect(found.get(owner.organizationId!)?.kind).toBe('PROCURING_ENTITY');
    expect((await orgs.findByIds(m, [])).size).toBe(0);
  });

  it('finds by 统一社会信用代码, narrowed by kind', async () => {
    const m = t.dataSource.manager;
    expect((await orgs.findByUscc(m, bidder.uscc!))?.id).toBe(bidder.organizationId);
    expect((await orgs.findByUscc(m, bidder.uscc!, 'BIDDER'))?.id).toBe(bidder.organizationId);
    expect(await orgs.findByUscc(m, bidder.uscc!, 'PROCURING_ENTITY')).toBeNull();
    const many = await orgs.findManyByUscc(m, [bidder.uscc!, owner.uscc!, '91320900MA1XXXXXXX'], 'BIDDER');
    expect(many.map((o) => o.id)).toEqual([bidder.organizationId]);
    expect(await orgs.findManyByUscc(m, [], 'BIDDER')).toEqual([]);
  });

  it('reads users with their role and organisation; the lock holds the row until the transaction ends', async () => {
    const m = t.dataSource.manager;
    expect(await users.findById(m, bidder.userId)).toEqual({ id: bidder.userId, role: Role.BIDDER, organizationId: bidder.organizationId, disabled: false });
    const both = await users.findByIds(m, [bidder.userId, owner.userId, bidder.userId]);
    expect(both.map((u) => u.role).sort()).toEqual([Role.BIDDER, Role.PROCURING_ENTITY].sort());
    const q = t.dataSource.createQueryRunner();
    await q.connect();
    await q.startTransaction();
    try {
      await users.findById(q.manager, owner.userId, { lock: true });
      // Another transaction cannot take the same row while it is held (NOWAIT fails at once instead of waiting).
      await expect(t.dataSource.transaction((m2) => m2.query(`SELECT 1 FROM users WHERE id = $1 FOR UPDATE NOWAIT`, [owner.userId]))).rejects.toThrow(/could not obtain lock/);
    } finally {
      await q.rollbackTransaction();
      await q.release();
    }
  });

  it('lists accounts for the administrators: by role, by part of the username or organisation name (LIKE wildcards literal), newest first', async () => {
    const m = t.dataSource.manager;
    const byName = await users.listForAdmin(m, { q: '盐城市交通运输', page: 1, pageSize: 50 });
    expect(byName.items.map((u) => u.id)).toContain(owner.userId);
    expect(byName.items.find((u) => u.id === owner.userId)).toMatchObject({ role: Role.PROCURING_ENTITY, organizationName: '盐城市交通运输局', disabled: false });
    expect(byName.total).toBeGreaterThanOrEqual(1);
    const byRole = await users.listForAdmin(m, { role: Role.BIDDER, q: bidder.username, page: 1, pageSize: 50 });
    expect(byRole).toEqual({ total: 1, items: [expect.objectContaining({ id: bidder.userId, username: bidder.username, createdAt: expect.any(Date) })] });
    expect((await users.listForAdmin(m, { q: '%', page: 1, pageSize: 5 })).items.every((u) => u.username.includes('%') || u.organizationName?.includes('%'))).toBe(true);
    const page = await users.listForAdmin(m, { page: 1, pageSize: 2 });
    expect(page.items.length).toBeLessThanOrEqual(2);
    expect(page.items.map((u) => u.createdAt.getTime())).toEqual([...page.items.map((u) => u.createdAt.getTime())].sort((a, b) => b - a));
    expect(await users.usernameTaken(m, bidder.username)).toBe(true);
    expect(await users.anyWithRole(m, Role.ADMIN)).toBe(true);
    expect((await orgs.findEntitiesByIds(m, [owner.organizationId!])).map((o) => o.legalRepresentative)).toHaveLength(1);
    expect(await orgs.findEntitiesByIds(m, [])).toEqual([]);
  });
});
