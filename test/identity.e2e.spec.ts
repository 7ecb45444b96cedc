import { JwtService } from '@nestjs/jwt';
import { KeyObject } from 'crypto';
import { Role } from 'src/common/auth/role.enum';
import { adminParty, createStaff, randomUscc, registerParty } from './factories/identity.factory';
import { createTestApp, type TestApp } from './helpers/test-app';
import { until } from './helpers/poll';

describe('accounts, roles and bad input (e2e over HTTP)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const count = async (table: string) => Number((await t.dataSource.query(`SELECT count(*) AS n FROM ${table}`))[0].n);
  const validBody = () => ({
    username: `bidder-${Date.now()}`,
    password: 'correct-horse-9',
    role: 'BIDDER',
    organization: {
      name: '盐城市华通路桥工程有限公司',
      uscc: randomUscc(),
      legalRepresentative: '李明',
      basicAccount: { bank: '中国建设银行盐城分行', accountNo: '32050177360000001234' },
    },
  });

  it('registers a bidder with its organisation, logs in, and answers /me', async () => {
    const body = validBody();
    const res = await t.http().post('/api/v1/auth/register').send(body).expect(201);
    expect(res.body).toEqual({ userId: expect.any(String), organizationId: expect.any(String) });
    const login = await t.http().post('/api/v1/auth/login').send({ username: body.username, password: body.password }).expect(200);
    const me = await t.http().get('/api/v1/me').set('Authorization', `Bearer ${login.body.accessToken}`).expect(200);
    expect(me.body).toMatchObject({ userId: res.body.userId, role: 'BIDDER', organizationId: res.body.organizationId });
    expect(me.body.organization).toMatchObject({ name: '盐城市华通路桥工程有限公司', legalRepresentative: '李明', basicAccount: { accountNo: '32050177360000001234' } });
    // the password is stored with a KDF, never in clear
    const [{ password_hash }] = await t.dataSource.query(`SELECT password_hash FROM users WHERE id = $1`, [res.body.userId]);
    expect(password_hash).toMatch(/^scrypt\$/);
    expect(password_hash).not.toContain(body.password);
  });

  it('creates the first administrator from configuration', async () => {
    const admin = await adminParty(t);
    const me = await t.http().get('/api/v1/me').set(admin.auth).expect(200);
    expect(me.body.role).toBe('ADMIN');
  });

  it('signs HS256 tokens over the UTF-8 of JWT_SECRET, checked with a key object built once', async () => {
    const p = await registerParty(t);
    const login = await t.http().post('/api/v1/auth/login').send({ username: p.username, password: p.password }).expect(200);
    // Any holder of the secret string checks the platform's tokens, and the platform accepts theirs.
    const byString = new JwtService({ secret: t.config.jwtSecret, verifyOptions: { algorithms: ['HS256'] } });
    expect(byString.verify(login.body.accessToken)).toMatchObject({ sub: p.userId, role: 'BIDDER', org: p.organizationId });
    const theirs = byString.sign({ sub: p.userId, role: 'BIDDER', org: p.organizationId }, { algorithm: 'HS256', expiresIn: 60 });
    await t.http().get('/api/v1/me').set('Authorization', `Bearer ${theirs}`).expect(200);
    const forged = new JwtService({ secret: 'x'.repeat(64) }).sign({ sub: p.userId, role: 'ADMIN', org: null }, { algorithm: 'HS256' });
    await t.http().get('/api/v1/me').set('Authorization', `Bearer ${forged}`).expect(401);
    // Given a string, jsonwebtoken rebuilds a key on every verification (≈ 0.9 ms a request).
    expect((t.app.get(JwtService) as unknown as { options: { secret: unknown } }).options.secret).toBeInstanceOf(KeyObject);
  });

  it('refuses a wrong password and an unknown user alike', async () => {
    const p = await registerParty(t);
    const wrong = await t.http().post('/api/v1/auth/login').send({ username: p.username, password: 'not-the-password' }).expect(401);
    const unknown = await t.http().post('/api/v1/auth/login').send({ username: 'nobody-here', password: 'not-the-password' }).expect(401);
    expect(wrong.body).toMatchObject({ code: 'UNAUTHENTICATED', requestId: expect.any(String) });
    expect(unknown.body.message).toBe(wrong.body.message);
  });

  describe('bad input: 400 VALIDATION_FAILED with details, nothing stored', () => {
    const cases: Array<[string, (b: ReturnType<typeof validBody>) => unknown]> = [
      [
        'a USCC with a wrong check character',
        (b) => ({ ...b, organization: { ...b.organization, uscc: b.organization.uscc.slice(0, 17) + (b.organization.uscc[17] === '0' ? '1' : '0') } }),
      ],
      ['an unknown field', (b) => ({ ...b, isAdmin: true })],
      ['an unknown nested field', (b) => ({ ...b, organization: { ...b.organization, extra: 1 } })],
      ['a number where a string is expected', (b) => ({ ...b, password: 12345678 })],
      ['a role one may not register as', (b) => ({ ...b, role: 'ADMIN' })],
      ['a missing basic account', (b) => ({ ...b, organization: { ...b.organization, basicAccount: undefined } })],
      ['a short password', (b) => ({ ...b, password: 'short' })],
      ['an array body', () => [1, 2]],
    ];
    it.each(cases)('%s', async (_, mutate) => {
      const before = [await count('users'), await count('organizations'), await count('audit_events')];
      const res = await t
        .http()
        .post('/api/v1/auth/register')
        .send(mutate(validBody()) as object)
        .expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(Array.isArray(res.body.details)).toBe(true);
      expect(res.body.details.length).toBeGreaterThan(0);
      expect([await count('users'), await count('organizations'), await count('audit_events')]).toEqual(before);
    });

    it('malformed JSON', async () => {
      const res = await t.http().post('/api/v1/auth/register').set('Content-Type', 'application/json').send('{"username": ').expect(400);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', requestId: expect.any(String) });
      expect(JSON.stringify(res.body)).not.toMatch(/at .*\.js|SyntaxError/);
    });
  });

  it('refuses a second registration of the same USCC with 409 CONFLICT', async () => {
    const body = validBody();
    await t.http().post('/api/v1/auth/register').send(body).expect(201);
    const again = await t
      .http()
      .post('/api/v1/auth/register')
      .send({ ...body, username: `${body.username}-2` })
      .expect(409);
    expect(again.body.code).toBe('CONFLICT');
  });

  describe('deny by default: each role against a route it may not call', () => {
    it('no token → 401', async () => {
      await t.http().get('/api/v1/me').expect(401);
      await t.http().post('/api/v1/admin/users').send({}).expect(401);
      await t.http().get('/api/v1/audit/verify').expect(401);
    });

    it('a forged or malformed token → 401', async () => {
      await t.http().get('/api/v1/me').set('Authorization', 'Bearer abc.def.ghi').expect(401);
      await t.http().get('/api/v1/me').set('Authorization', 'Basic Zm9vOmJhcg==').expect(401);
    });

    it.each([Role.BIDDER, Role.PROCURING_ENTITY, Role.EXPERT, Role.SUPERVISOR])('%s may not create users', async (role) => {
      const p = role === Role.BIDDER || role === Role.PROCURING_ENTITY ? await registerParty(t, { role }) : await createStaff(t, role);
      const res = await t.http().post('/api/v1/admin/users').set(p.auth).send({ username: 'x-user', password: 'correct-horse-9', role: 'ADMIN' }).expect(403);
      expect(res.body.code).toBe('FORBIDDEN');
    });

    it.each([Role.BIDDER, Role.PROCURING_ENTITY, Role.EXPERT, Role.ADMIN])('%s may not read the audit log', async (role) => {
      const p = role === Role.BIDDER || role === Role.PROCURING_ENTITY ? await registerParty(t, { role }) : role === Role.ADMIN ? await adminParty(t) : await createStaff(t, role);
      await t.http().get('/api/v1/audit').set(p.auth).expect(403);
      await t.http().get('/api/v1/audit/verify').set(p.auth).expect(403);
    });

    it('a disabled account loses access at once', async () => {
      const p = await registerParty(t);
      await t.dataSource.query(`UPDATE users SET disabled = true WHERE id = $1`, [p.userId]);
      // The status cache lives 2 s: the next requests are refused within that (polled, with a margin for a loaded machine).
      await until(async () => (await t.http().get('/api/v1/me').set(p.auth)).status === 401, 'the disabled account to be refused', 4_000);
    });
  });

  it('audits every state change in a chain a supervisor can verify', async () => {
    const p = await registerParty(t);
    const sup = await createStaff(t, Role.SUPERVISOR);
    const list = await t.http().get('/api/v1/audit').query({ action: 'ORGANIZATION_REGISTERED', pageSize: 200 }).set(sup.auth).expect(200);
    const mine = list.body.items.find((e: { objectId: string }) => e.objectId === p.organizationId);
    expect(mine).toMatchObject({ actorId: p.userId, actorRole: 'BIDDER', ip: expect.any(String), action: 'ORGANIZATION_REGISTERED' });
    const v = await t.http().get('/api/v1/audit/verify').set(sup.auth).expect(200);
    expect(v.body).toMatchObject({ valid: true, events: expect.any(Number), headHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('serves the OpenAPI document and health', async () => {
    const docs = await t.http().get('/docs-json').expect(200);
    expect(docs.body.paths['/api/v1/auth/register']).toBeDefined();
    const h = await t.http().get('/health').expect(200);
    expect(h.body).toMatchObject({ status: 'ok', database: { status: 'up' }, redis: { status: 'up' } });
  });

  it('answers unknown routes with the error body', async () => {
    const res = await t.http().get('/api/v1/no-such-route').expect(404);
    expect(res.body).toMatchObject({ code: 'NOT_FOUND', requestId: expect.any(String) });
  });
});
