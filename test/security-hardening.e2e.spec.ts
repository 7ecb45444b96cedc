import { JwtService } from '@nestjs/jwt';
import { createHash } from 'crypto';
import { Role } from 'src/common/auth/role.enum';
import { adminParty, createStaff, registerParty } from './factories/identity.factory';
import { createTestApp, TestApp } from './helpers/test-app';

describe('hardening: who a request is, and what it may do', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('a token claiming ADMIN for a bidder’s user id gets 403: role and organisation come from the database', async () => {
    const bidder = await registerParty(t);
    const other = await registerParty(t, { role: Role.PROCURING_ENTITY });
    const forged = await t.app.get(JwtService).signAsync({ sub: bidder.userId, role: Role.ADMIN, org: other.organizationId });
    const auth = { Authorization: `Bearer ${forged}` };
    expect((await t.http().get('/api/v1/audit').set(auth)).status).toBe(403);
    expect((await t.http().post('/api/v1/admin/users').set(auth).send({ username: 'mallory-1', password: 'correct-horse-9', role: Role.ADMIN })).status).toBe(403);
    const me = await t.http().get('/api/v1/me').set(auth).expect(200);
    expect(me.body).toMatchObject({ userId: bidder.userId, role: Role.BIDDER, organizationId: bidder.organizationId });
    // The queue dashboard too.
    expect((await t.http().get('/admin/queues').set(auth)).status).toBe(403);
  });

  it('a token signed with the formerly public development secret is refused', async () => {
    const admin = await adminParty(t);
    const publicSecret = createHash('sha256').update('ebidding-dev-only-jwt').digest().toString('hex');
    const minted = new JwtService({ secret: publicSecret }).sign({ sub: admin.userId, role: Role.ADMIN, org: null });
    expect((await t.http().get('/api/v1/me').set({ Authorization: `Bearer ${minted}` })).status).toBe(401);
  });

  it('a disabled administrator loses the queue dashboard at once; its write actions are audited', async () => {
    const admin = await createStaff(t, Role.ADMIN);
    await t.http().get('/admin/queues/api/queues').set(admin.auth).expect(200);
    await t.http().put('/admin/queues/api/queues/timed-events/pause').set(admin.auth).expect(200);
    await t.http().put('/admin/queues/api/queues/timed-events/resume').set(admin.auth).expect(200);
    const audited = await t.dataSource.query(
      `SELECT data FROM audit_events WHERE action = 'QUEUE_DASHBOARD_ACTION' AND actor_id = $1 ORDER BY occurred_at, stream_seq`,
      [admin.userId],
    );
    expect(audited.map((r: { data: { method: string; path: string } }) => `${r.data.method} ${r.data.path}`)).toEqual([
      'PUT /api/queues/timed-events/pause',
      'PUT /api/queues/timed-events/resume',
    ]);
    await t.dataSource.query(`UPDATE users SET disabled = true WHERE id = $1`, [admin.userId]);
    await new Promise((r) => setTimeout(r, 2_100)); // at most the 2 s cache of another process
    expect((await t.http().put('/admin/queues/api/queues/timed-events/pause').set(admin.auth)).status).toBe(403);
    expect((await t.http().get('/admin/queues/api/queues').set(admin.auth)).status).toBe(403);
  });
});
