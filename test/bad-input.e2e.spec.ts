import { PLATFORM_RULES } from 'src/common/law/regulations';
import { Role } from 'src/common/auth/role.enum';
import { randomUscc, registerParty } from './factories/identity.factory';
import { createPublishedTender, tenderBody } from './factories/tender.factory';
import { createTestApp, type TestApp } from './helpers/test-app';

const DAY = 86_400_000;

describe('bad input is a 4xx with a code, and changes nothing', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { LEGAL_PERIODS: 'relaxed' } });
  });
  afterAll(() => t.close());

  const users = async () => (await t.dataSource.query(`SELECT count(*)::int AS n FROM users`))[0].n;
  const registration = (username: string) => ({
    username,
    password: 'correct-horse-9',
    role: Role.BIDDER,
    organization: {
      uscc: randomUscc(),
      name: '盐城华通路桥有限公司',
      legalRepresentative: '王五',
      basicAccount: { bank: '中国工商银行盐城分行', accountNo: `6222${Date.now()}`.slice(0, 19) },
    },
  });

  it('a JSON body in another charset → 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const n = await users();
    const res = await t
      .http()
      .post('/api/v1/auth/register')
      .set('Content-Type', 'application/json; charset=latin1')
      .send(JSON.stringify(registration('latin-1-user')));
    expect([res.status, res.body.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    expect(await users()).toBe(n);
  });

  it('~5,000 levels of nested arrays → 400 VALIDATION_FAILED (bounded before class-transformer)', async () => {
    const deep = '['.repeat(5_000) + ']'.repeat(5_000);
    const body = JSON.stringify(registration('deep-user')).replace('"王五"', deep);
    const res = await t.http().post('/api/v1/auth/register').set('Content-Type', 'application/json').send(body);
    expect([res.status, res.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    const top = await t.http().post('/api/v1/auth/register').set('Content-Type', 'application/json').send(deep);
    expect([top.status, top.body.code]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it('a NUL character in any string (or key, or query) → 400 VALIDATION_FAILED, nothing stored', async () => {
    const n = await users();
    const r = registration('nul-user');
    r.organization.name = '盐城\u0000华通';
    const res = await t.http().post('/api/v1/auth/register').send(r);
    expect([res.status, res.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    const q = await t.http().get('/api/v1/tenders').query({ q: 'a\u0000b' });
    expect(q.status).toBe(400);
    expect(await users()).toBe(n);
  });

  describe(`a bid deadline at most ${PLATFORM_RULES.maxDeadlineAheadDays} days ahead (the platform's rule, not the law's)`, () => {
    const max = PLATFORM_RULES.maxDeadlineAheadDays;
    it('drafting: the day before and the day of the bound pass, the day after and 9999-12-31 are refused', async () => {
      const owner = await registerParty(t, { role: Role.PROCURING_ENTITY });
      const post = (bidDeadline: string) => t.http().post('/api/v1/tenders').set(owner.auth).send(tenderBody({ bidDeadline }));
      expect((await post(new Date(Date.now() + (max - 1) * DAY).toISOString())).status).toBe(201);
      expect((await post(new Date(Date.now() + max * DAY - 60_000).toISOString())).status).toBe(201);
      for (const late of [new Date(Date.now() + (max + 1) * DAY).toISOString(), '9999-12-31T00:00:00.000Z']) {
        const res = await post(late);
        expect([res.status, res.body.code]).toEqual([400, 'VALIDATION_FAILED']);
      }
    });

    it('an amendment cannot move the deadline to 9999-12-31', async () => {
      const tender = await createPublishedTender(t, { deadlineInMs: 3_600_000 });
      const res = await t.http().post(`/api/v1/tenders/${tender.id}/amendments`).set(tender.owner.auth).send({ text: '修改工期。', bidDeadline: '9999-12-31T00:00:00.000Z' });
      expect(res.status).toBe(400);
      expect(await t.dataSource.query(`SELECT 1 FROM tender_amendments WHERE tender_id = $1`, [tender.id])).toHaveLength(0);
    });
  });
});
