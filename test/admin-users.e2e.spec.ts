import { Role } from 'src/common/auth/role.enum';
import { adminParty, createStaff, registerParty } from './factories/identity.factory';
import { createTestApp, type TestApp } from './helpers/test-app';

/** The administrator's accounts: GET /admin/users, POST /admin/users/{id}/disable | enable (the console's /admin). */
describe('administrator: list, disable and enable accounts (e2e over HTTP)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const audits = async (objectId: string, action: string) =>
    Number((await t.dataSource.query(`SELECT count(*) AS n FROM audit_events WHERE object_id = $1 AND action = $2`, [objectId, action]))[0].n);

  it('lists accounts newest first, filtered by role and by part of the username or organisation name', async () => {
    const admin = await adminParty(t);
    const bidder = await registerParty(t, { role: Role.BIDDER, name: '盐城市东方建材有限公司' });
    const expert = await createStaff(t, Role.EXPERT);
    const all = await t.http().get('/api/v1/admin/users').set(admin.auth).expect(200);
    expect(all.body.total).toBeGreaterThanOrEqual(3);
    expect(all.body.items[0]).toMatchObject({ id: expert.userId, username: expert.username, role: 'EXPERT', disabled: false, organizationName: null });
    const experts = await t.http().get('/api/v1/admin/users').query({ role: 'EXPERT' }).set(admin.auth).expect(200);
    expect(experts.body.items.every((u: { role: string }) => u.role === 'EXPERT')).toBe(true);
    const byOrg = await t.http().get('/api/v1/admin/users').query({ q: '东方建材' }).set(admin.auth).expect(200);
    expect(byOrg.body).toMatchObject({ total: 1, items: [{ id: bidder.userId, organizationName: '盐城市东方建材有限公司', role: 'BIDDER' }] });
    // LIKE wildcards are literal
    const wild = await t.http().get('/api/v1/admin/users').query({ q: '%' }).set(admin.auth).expect(200);
    expect(wild.body.total).toBe(0);
    await t.http().get('/api/v1/admin/users').query({ role: 'KING' }).set(admin.auth).expect(400);
    await t.http().get('/api/v1/admin/users').query({ pageSize: 500 }).set(admin.auth).expect(400);
  });

  it('only an administrator lists or disables accounts', async () => {
    const sup = await createStaff(t, Role.SUPERVISOR);
    const bidder = await registerParty(t);
    await t.http().get('/api/v1/admin/users').expect(401);
    await t.http().get('/api/v1/admin/users').set(sup.auth).expect(403);
    const res = await t.http().post(`/api/v1/admin/users/${bidder.userId}/disable`).set(sup.auth).send({ reason: 'x' }).expect(403);
    expect(res.body.code).toBe('FORBIDDEN');
  });

  it('disables an account (it loses access at once), idempotently, and enables it again', async () => {
    const admin = await adminParty(t);
    const expert = await createStaff(t, Role.EXPERT);
    await t.http().post(`/api/v1/admin/users/${expert.userId}/disable`).set(admin.auth).send({}).expect(400);
    const off = await t.http().post(`/api/v1/admin/users/${expert.userId}/disable`).set(admin.auth).send({ reason: '人员离职，停用账号' }).expect(200);
    expect(off.body).toEqual({ id: expert.userId, disabled: true });
    await t.http().post(`/api/v1/admin/users/${expert.userId}/disable`).set(admin.auth).send({ reason: '再次停用' }).expect(200);
    expect(await audits(expert.userId, 'USER_DISABLED')).toBe(1);
    const login = await t.http().post('/api/v1/auth/login').send({ username: expert.username, password: expert.password }).expect(401);
    expect(login.body.code).toBe('UNAUTHENTICATED');
    // the status cache of the access guard lives 2 s: poll with a deadline
    const end = Date.now() + 10_000;
    let status = 0;
    while (Date.now() < end && (status = (await t.http().get('/api/v1/me').set(expert.auth)).status) !== 401) await new Promise((r) => setTimeout(r, 200));
    expect(status).toBe(401);

    const on = await t.http().post(`/api/v1/admin/users/${expert.userId}/enable`).set(admin.auth).send({}).expect(200);
    expect(on.body).toEqual({ id: expert.userId, disabled: false });
    await t.http().post('/api/v1/auth/login').send({ username: expert.username, password: expert.password }).expect(200);
    expect(await audits(expert.userId, 'USER_ENABLED')).toBe(1);
  });

  it('refuses to disable one’s own account or an unknown one, changing nothing', async () => {
    const admin = await adminParty(t);
    const self = await t.http().post(`/api/v1/admin/users/${admin.userId}/disable`).set(admin.auth).send({ reason: '测试' }).expect(409);
    expect(self.body.code).toBe('CONFLICT');
    await t.http().get('/api/v1/me').set(admin.auth).expect(200);
    const unknown = await t.http().post('/api/v1/admin/users/00000000-0000-4000-8000-000000000000/disable').set(admin.auth).send({ reason: '测试' }).expect(404);
    expect(unknown.body.code).toBe('NOT_FOUND');
    await t.http().post('/api/v1/admin/users/not-a-uuid/disable').set(admin.auth).send({ reason: '测试' }).expect(400);
  });
});
