import { randomBytes } from 'crypto';
import { Role } from 'src/common/auth/role.enum';
import { USCC_ALPHABET, withUsccCheckChar } from 'src/common/uscc';
import { type TestApp } from '../helpers/test-app';

let seq = 0;
const uniq = () => `${Date.now().toString(36)}${(seq++).toString(36)}${randomBytes(2).toString('hex')}`;

/** A valid unified social credit code: 91 + a 6-digit region + 9 random characters + the check character. */
export function randomUscc(): string {
  const body = Array.from(randomBytes(9), (b) => USCC_ALPHABET[b % USCC_ALPHABET.length]).join('');
  return withUsccCheckChar(`91320900${body}`);
}

export interface TestParty {
  userId: string;
  organizationId: string | null;
  username: string;
  password: string;
  token: string;
  auth: { Authorization: string };
  uscc?: string;
}

export interface RegisterOptions {
  role?: Role.BIDDER | Role.PROCURING_ENTITY;
  name?: string;
  legalRepresentative?: string;
  accountNo?: string;
}

export async function registerParty(t: TestApp, o: RegisterOptions = {}): Promise<TestParty> {
  const username = `u-${uniq()}`;
  const password = 'correct-horse-9';
  const uscc = randomUscc();
  const role = o.role ?? Role.BIDDER;
  const res = await t
    .http()
    .post('/api/v1/auth/register')
    .send({
      username,
      password,
      role,
      organization: {
        name: o.name ?? (role === Role.BIDDER ? `盐城测试建设有限公司${uniq()}` : `盐城市交通运输局${uniq()}`),
        uscc,
        legalRepresentative: o.legalRepresentative ?? `张${uniq()}`,
        basicAccount: { bank: '中国工商银行盐城分行', accountNo: o.accountNo ?? `6222${Date.now()}${seq}`.slice(0, 19) },
      },
    });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  const token = await login(t, username, password);
  return { userId: res.body.userId, organizationId: res.body.organizationId, username, password, token, auth: { Authorization: `Bearer ${token}` }, uscc };
}

export async function login(t: TestApp, username: string, password: string): Promise<string> {
  const res = await t.http().post('/api/v1/auth/login').send({ username, password });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.accessToken;
}

export async function adminParty(t: TestApp): Promise<TestParty> {
  const token = await login(t, t.config.adminUsername, t.config.adminPassword);
  const me = await t.http().get('/api/v1/me').set('Authorization', `Bearer ${token}`);
  return { userId: me.body.userId, organizationId: null, username: t.config.adminUsername, password: t.config.adminPassword, token, auth: { Authorization: `Bearer ${token}` } };
}

/** An EXPERT, SUPERVISOR or ADMIN account created by the administrator. */
export async function createStaff(t: TestApp, role: Role.EXPERT | Role.SUPERVISOR | Role.ADMIN): Promise<TestParty> {
  const admin = await adminParty(t);
  const username = `${role.toLowerCase()}-${uniq()}`;
  const password = 'correct-horse-9';
  const res = await t.http().post('/api/v1/admin/users').set(admin.auth).send({ username, password, role });
  if (res.status !== 201) throw new Error(`create ${role} failed: ${res.status} ${JSON.stringify(res.body)}`);
  const token = await login(t, username, password);
  return { userId: res.body.userId, organizationId: null, username, password, token, auth: { Authorization: `Bearer ${token}` } };
}
