import { createHash } from 'crypto';
import { mkdtempSync, statSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { AppConfig } from 'src/infra/config/app-config';
import { loadEnvironment } from 'src/infra/config/environment';

const noFile = join(__dirname, 'no-such.env');
const configIn = (dataDir: string, env: Record<string, string> = {}) => new AppConfig(loadEnvironment({ DATA_DIR: dataDir, ...env }, noFile));
/** What the secrets used to be: derived from a string anyone can read in the source. */
const publicDerivation = (name: string) => createHash('sha256').update(`ebidding-dev-only-${name}`).digest();

describe('secrets not configured outside production', () => {
  it('are random per installation, kept 0600 under the data directory, and stable for every process of it', () => {
    const a = mkdtempSync(join(tmpdir(), 'secrets-a-'));
    const b = mkdtempSync(join(tmpdir(), 'secrets-b-'));
    const ca = configIn(a);
    expect(ca.sealingMasterKey).toHaveLength(32);
    expect(ca.jwtSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(ca.bankWebhookSecret).toMatch(/^[0-9a-f]{64}$/);
    // Never the public derivation of the past.
    expect(ca.sealingMasterKey.equals(publicDerivation('sealing'))).toBe(false);
    expect(ca.jwtSecret).not.toBe(publicDerivation('jwt').toString('hex'));
    expect(ca.bankWebhookSecret).not.toBe(publicDerivation('bank').toString('hex'));
    // Three different secrets; the same again for a second process of this installation; others for another one.
    expect(new Set([ca.sealingMasterKey.toString('hex'), ca.jwtSecret, ca.bankWebhookSecret]).size).toBe(3);
    expect(configIn(a).jwtSecret).toBe(ca.jwtSecret);
    const cb = configIn(b);
    expect(cb.jwtSecret).not.toBe(ca.jwtSecret);
    expect(cb.sealingMasterKey.equals(ca.sealingMasterKey)).toBe(false);
    expect(statSync(join(a, 'secrets', 'jwt.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(a, 'secrets', 'sealing-master.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(a, 'secrets')).mode & 0o777).toBe(0o700);
  });

  it('the first administrator has no default password: one is generated per installation, unless configured', () => {
    const a = configIn(mkdtempSync(join(tmpdir(), 'secrets-admin-a-')));
    const b = configIn(mkdtempSync(join(tmpdir(), 'secrets-admin-b-')));
    expect(a.adminPassword).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes, base64url
    expect(a.adminPassword).not.toBe('admin-change-me'); // the public default of the past
    expect(a.adminPasswordGenerated).toBe(true);
    expect(b.adminPassword).not.toBe(a.adminPassword);
    const configured = configIn(mkdtempSync(join(tmpdir(), 'secrets-admin-c-')), { ADMIN_PASSWORD: 'Chosen-Admin-Pass-1' });
    expect(configured.adminPassword).toBe('Chosen-Admin-Pass-1');
    expect(configured.adminPasswordGenerated).toBe(false);
  });

  it('configured values win', () => {
    const c = configIn(mkdtempSync(join(tmpdir(), 'secrets-c-')), { JWT_SECRET: 'x'.repeat(32), BANK_WEBHOOK_SECRET: 'y'.repeat(16) });
    expect(c.jwtSecret).toBe('x'.repeat(32));
    expect(c.bankWebhookSecret).toBe('y'.repeat(16));
  });
});

describe('TRUST_PROXY', () => {
  const at = (v: string) => new AppConfig(loadEnvironment({ TRUST_PROXY: v }, noFile)).trustProxy;
  it('is a hop count or a list of proxy addresses/CIDRs, never true', () => {
    expect(at('false')).toBe(false);
    expect(at('0')).toBe(false);
    expect(at('1')).toBe(1);
    expect(at('10.0.0.0/8, 192.168.1.7,::1')).toEqual(['10.0.0.0/8', '192.168.1.7', '::1']);
    for (const bad of ['true', 'yes', '10.0.0.0/33', 'example.com', '1.2.3']) {
      expect(() => at(bad)).toThrow(/TRUST_PROXY/);
    }
  });
});
