import { JwtService } from '@nestjs/jwt';
import { createHash } from 'crypto';
import { DataSource } from 'typeorm';
import { Role } from 'src/common/auth/role.enum';
import { adminParty, createStaff, randomUscc, registerParty } from './factories/identity.factory';
import { createTestApp, type TestApp } from './helpers/test-app';
import { until } from './helpers/poll';

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
    expect(
      (
        await t
          .http()
          .get('/api/v1/me')
          .set({ Authorization: `Bearer ${minted}` })
      ).status,
    ).toBe(401);
  });

  it('a disabled administrator loses the queue dashboard at once; its write actions are audited', async () => {
    const admin = await createStaff(t, Role.ADMIN);
    await t.http().get('/admin/queues/api/queues').set(admin.auth).expect(200);
    await t.http().put('/admin/queues/api/queues/timed-events/pause').set(admin.auth).expect(200);
    await t.http().put('/admin/queues/api/queues/timed-events/resume').set(admin.auth).expect(200);
    const audited = await t.dataSource.query(`SELECT data FROM audit_events WHERE action = 'QUEUE_DASHBOARD_ACTION' AND actor_id = $1 ORDER BY occurred_at, stream_seq`, [
      admin.userId,
    ]);
    expect(audited.map((r: { data: { method: string; path: string } }) => `${r.data.method} ${r.data.path}`)).toEqual([
      'PUT /api/queues/timed-events/pause',
      'PUT /api/queues/timed-events/resume',
    ]);
    await t.dataSource.query(`UPDATE users SET disabled = true WHERE id = $1`, [admin.userId]);
    // At most the 2 s status cache of another process (polled, with a margin for a loaded machine).
    await until(async () => (await t.http().put('/admin/queues/api/queues/timed-events/pause').set(admin.auth)).status === 403, 'the disabled admin to be refused', 4_000);
    expect((await t.http().get('/admin/queues/api/queues').set(admin.auth)).status).toBe(403);
  });

  it('the application connects as a role that may only append to the audit and ledger tables', async () => {
    const appDs = t.app.get(DataSource);
    const [{ who }] = await appDs.query(`SELECT current_user AS who`);
    expect(who).toBe(t.config.appDatabaseRole);
    expect(who).not.toBe(new URL(t.config.databaseUrl).username || 'postgres');
    await expect(appDs.query(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete`)).rejects.toThrow(/owner/);
    for (const table of ['audit_events', 'audit_heads', 'ledger_entries']) {
      await expect(appDs.query(`UPDATE ${table} SET id = id WHERE false`)).rejects.toThrow(/permission denied/);
      await expect(appDs.query(`DELETE FROM ${table} WHERE false`)).rejects.toThrow(/permission denied/);
      await expect(appDs.query(`TRUNCATE ${table}`)).rejects.toThrow(/permission denied/);
    }
    expect((await appDs.query(`SELECT count(*)::int AS n FROM audit_events`))[0].n).toBeGreaterThan(0); // reading is fine
  });

  describe('abuse', () => {
    it('30 wrong logins in a minute get 429, before any password is hashed; the username stays backed off', async () => {
      const victim = await registerParty(t);
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) {
        statuses.push(
          (
            await t
              .http()
              .post('/api/v1/auth/login')
              .send({ username: victim.username, password: `wrong-${i}-password` })
          ).status,
        );
      }
      expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      expect(statuses.slice(-10).every((s) => s === 429)).toBe(true);
      const right = await t.http().post('/api/v1/auth/login').send({ username: victim.username, password: victim.password });
      expect([right.status, right.body.code]).toEqual([429, 'TOO_MANY_REQUESTS']);
      expect(right.body.details.retryAfterSeconds).toBeGreaterThan(0);
    });

    it('wrong logins over many usernames from one address are throttled per IP too', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) {
        statuses.push(
          (
            await t
              .http()
              .post('/api/v1/auth/login')
              .send({ username: `nobody-${i}-${Date.now()}`, password: 'wrong-password-1' })
          ).status,
        );
      }
      expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(20);
      expect(statuses[statuses.length - 1]).toBe(429);
    });

    it('small bodies everywhere but the uploads: a 300 KB login is 413', async () => {
      const res = await t
        .http()
        .post('/api/v1/auth/login')
        .send({ username: 'x'.repeat(300 * 1024), password: 'y' });
      expect([res.status, res.body.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    });

    it('security headers on every response, the SPA-compatible CSP, no X-Powered-By; /health says nothing else', async () => {
      const res = await t.http().get('/health').expect(200);
      expect(res.headers['x-powered-by']).toBeUndefined();
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
      expect(res.headers['content-security-policy']).toContain("style-src 'self' 'unsafe-inline'");
      expect(res.body).toEqual({ status: 'ok', database: { status: 'up' }, redis: { status: 'up' } });
    });
  });
});

describe('hardening: the client address behind a proxy (TRUST_PROXY as a hop count)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { TRUST_PROXY: '1' } });
  });
  afterAll(() => t.close());

  it('the left-most X-Forwarded-For (written by the client) never becomes the recorded IP', async () => {
    const res = await t
      .http()
      .post('/api/v1/auth/register')
      .set('X-Forwarded-For', '198.51.100.66, 203.0.113.5')
      .send({
        username: `xff-${Date.now()}`,
        password: 'correct-horse-9',
        role: Role.BIDDER,
        organization: {
          uscc: randomUscc(),
          name: '盐城代理测试有限公司',
          legalRepresentative: '赵六',
          basicAccount: { bank: '中国工商银行盐城分行', accountNo: `6222${Date.now()}`.slice(0, 19) },
        },
      });
    expect(res.status).toBe(201);
    const [row] = await t.dataSource.query(`SELECT ip FROM audit_events WHERE action = 'ORGANIZATION_REGISTERED' AND object_id = $1`, [res.body.organizationId]);
    expect(row.ip).toBe('203.0.113.5'); // the address our one trusted proxy saw
  });
});
