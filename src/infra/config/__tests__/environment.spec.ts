import { join } from 'path';
import { AppConfig } from 'src/infra/config/app-config';
import { ConfigurationError, loadEnvironment } from 'src/infra/config/environment';
import { MAX_BID_REQUEST_BODY_BYTES, MAX_CIPHERTEXT_BASE64_LENGTH } from 'src/sdk';

const noFile = join(__dirname, 'no-such.env');
const load = (env: Record<string, string>) => loadEnvironment(env, noFile);

describe('configuration', () => {
  it('has working defaults for development', () => {
    const env = load({});
    expect(env.PORT).toBe(3000);
    expect(env.LEGAL_PERIODS).toBe('enforced');
    const c = new AppConfig(env);
    expect(c.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/ebidding');
    expect(c.redisOptions).toMatchObject({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
    expect(c.sealingMasterKey).toHaveLength(32);
  });

  it('parses numbers and URLs', () => {
    const c = new AppConfig(load({ PORT: '8080', REDIS_URL: 'redis://:s3cret@redis.local:6380/2', LEGAL_PERIODS: 'relaxed' }));
    expect(c.port).toBe(8080);
    expect(c.redisOptions).toMatchObject({ host: 'redis.local', port: 6380, password: 's3cret', db: 2 });
    expect(c.legalPeriodsEnforced).toBe(false);
  });

  it('accepts by default the largest sealed bid the SDK can make, in bytes or with a unit', () => {
    expect(new AppConfig(load({})).bodyLimit).toBe(String(MAX_BID_REQUEST_BODY_BYTES));
    expect(MAX_BID_REQUEST_BODY_BYTES).toBeGreaterThan(MAX_CIPHERTEXT_BASE64_LENGTH + 1024);
    expect(new AppConfig(load({ BODY_LIMIT: '30mb' })).bodyLimit).toBe('30mb');
  });

  it('uses a separate database under test', () => {
    const c = new AppConfig(load({ NODE_ENV: 'test', DATABASE_URL: 'postgres://u@h:5432/app' }));
    expect(c.databaseUrl).toBe('postgres://u@h:5432/app_test');
    const d = new AppConfig(load({ NODE_ENV: 'test', TEST_DATABASE_URL: 'postgres://u@h:5432/other' }));
    expect(d.databaseUrl).toBe('postgres://u@h:5432/other');
  });

  it.each([
    ['a port that is not a number', { PORT: 'eighty' }, 'PORT'],
    ['an unknown legal-period mode', { LEGAL_PERIODS: 'lenient' }, 'LEGAL_PERIODS'],
    ['a non-postgres database URL', { DATABASE_URL: 'mysql://x/y' }, 'DATABASE_URL'],
    ['a sealing key that is not 32 bytes', { SEALING_MASTER_KEY: Buffer.alloc(16).toString('base64') }, 'SEALING_MASTER_KEY'],
    ['a short webhook secret', { BANK_WEBHOOK_SECRET: 'short' }, 'BANK_WEBHOOK_SECRET'],
    ['a body limit that is no size', { BODY_LIMIT: 'lots' }, 'BODY_LIMIT'],
  ])('refuses %s, naming the variable', (_, env, name) => {
    expect(() => load(env as Record<string, string>)).toThrow(ConfigurationError);
    expect(() => load(env as Record<string, string>)).toThrow(name);
  });

  it('refuses relaxed legal periods in production (API.md)', () => {
    const prod = {
      NODE_ENV: 'production',
      BANK_WEBHOOK_SECRET: 'x'.repeat(32),
      SEALING_MASTER_KEY: Buffer.alloc(32, 1).toString('base64'),
      JWT_SECRET: 'y'.repeat(40),
      ADMIN_PASSWORD: 'a-long-password',
    };
    expect(() => load(prod)).not.toThrow();
    expect(() => load({ ...prod, LEGAL_PERIODS: 'relaxed' })).toThrow(/relaxed is refused/);
  });

  it('requires real secrets in production', () => {
    expect(() => load({ NODE_ENV: 'production' })).toThrow(/SEALING_MASTER_KEY: required/);
  });

  it('reaches the outside escrow custodians in-process by default, over HTTP when ESCROW_CUSTODIAN_URLS names them (issue 17)', () => {
    expect(new AppConfig(load({})).escrowRemoteCustodians.size).toBe(0);
    const key = Buffer.alloc(32, 7).toString('base64'); // ends with '=': the value is after the first '='
    const c = new AppConfig(
      load({
        ESCROW_CUSTODIAN_URLS: 'notary-office=http://127.0.0.1:4102',
        ESCROW_CUSTODIAN_AUTH_KEYS: `notary-office=${key}`,
        ESCROW_CUSTODIAN_PUBLIC_KEYS: 'notary-office=MCowBQYDK2VwAyEA',
      }),
    );
    expect([...c.escrowRemoteCustodians]).toEqual([['notary-office', { url: 'http://127.0.0.1:4102', authKey: Buffer.alloc(32, 7), publicKey: 'MCowBQYDK2VwAyEA' }]]);
  });

  it.each([
    [
      'an unknown custodian',
      { ESCROW_CUSTODIAN_URLS: 'platform=http://x', ESCROW_CUSTODIAN_AUTH_KEYS: `platform=${Buffer.alloc(32).toString('base64')}` },
      /platform is not one of/,
    ],
    ['a remote custodian without its key', { ESCROW_CUSTODIAN_URLS: 'notary-office=http://x' }, /ESCROW_CUSTODIAN_AUTH_KEYS: notary-office: a 32-byte/],
    ['a key of no custodian URL', { ESCROW_CUSTODIAN_AUTH_KEYS: `notary-office=${Buffer.alloc(32).toString('base64')}` }, /notary-office has a key but no URL/],
    ['a pair that is not name=value', { ESCROW_CUSTODIAN_URLS: 'http://x' }, /ESCROW_CUSTODIAN_URLS: "http:\/\/x" is not name=value/],
  ])('refuses %s', (_, env, message) => {
    expect(() => load(env as Record<string, string>)).toThrow(message);
  });

  it('requires https:// custodian URLs in production', () => {
    const prod = {
      NODE_ENV: 'production',
      BANK_WEBHOOK_SECRET: 'x'.repeat(32),
      SEALING_MASTER_KEY: Buffer.alloc(32, 1).toString('base64'),
      JWT_SECRET: 'y'.repeat(40),
      ADMIN_PASSWORD: 'a-long-password',
      ESCROW_CUSTODIAN_AUTH_KEYS: `notary-office=${Buffer.alloc(32, 2).toString('base64')}`,
    };
    expect(() => load({ ...prod, ESCROW_CUSTODIAN_URLS: 'notary-office=http://no.example' })).toThrow(/https:\/\/ required/);
    expect(() => load({ ...prod, ESCROW_CUSTODIAN_URLS: 'notary-office=https://no.example' })).not.toThrow();
  });
});
