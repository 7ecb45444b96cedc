/** bid-seal's format v2 commands as a bidder runs them: a separate process, offline, both suites, escrow copy checked. */
import { spawnSync } from 'child_process';
import { createHash, randomBytes, randomUUID } from 'crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { generateEscrowKeyPair } from 'src/sdk';
import { generateSm2KeyPair, unwrapEscrowedKeyV2 } from 'src/sdk/v2';
import { nodeSuite } from 'src/sdk/v2/node';

const BIN = resolve(__dirname, '..', '..', '..', 'bin', 'bid-seal.js');

describe('bid-seal seal-v2 / open-v2', () => {
  let dir: string;
  const tenderId = randomUUID();
  const org = randomUUID();
  const x25519 = generateEscrowKeyPair();
  const sm2 = generateSm2KeyPair();
  const data = randomBytes(3 * 1024 * 1024 + 11);
  const run = (...args: string[]) => {
    const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bid-seal-v2-'));
    writeFileSync(join(dir, '投标文件.pdf'), data);
    writeFileSync(join(dir, 'tender.json'), JSON.stringify({
      id: tenderId,
      sealing: { version: 'v1', escrowPublicKey: x25519.publicKey, escrowPublicKeySm2: Buffer.from(sm2.publicKey).toString('hex'), acceptedSuites: ['INTL-1', 'GM-1'] },
    }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['INTL-1', 'GM-1'])('%s: seals a 3 MB file streaming, opens it offline, and the escrowed key unwraps to the key', async (suite) => {
    const s = run('seal-v2', '--suite', suite, '--tender-json', 'tender.json', '--org', org, '--price', '12345678.90', '--duration-days', '180',
      '--attachment', '投标文件.pdf', '--out', `${suite}.sealed`, '--envelope-out', `${suite}.json`, '--key-out', `${suite}.key`, '--segment-size', '65536');
    expect(s.stderr).toBe('');
    expect(s.code).toBe(0);
    const envelope = JSON.parse(readFileSync(join(dir, `${suite}.json`), 'utf8'));
    expect(envelope).toMatchObject({ formatVersion: 2, suite, segmentSize: 65536, ciphertextLength: statSync(join(dir, `${suite}.sealed`)).size });
    expect(envelope.client.toolVersion).toContain(`sealed-bid v2 ${suite}`);
    const keyFile = JSON.parse(readFileSync(join(dir, `${suite}.key`), 'utf8'));
    expect((statSync(join(dir, `${suite}.key`)).mode & 0o777).toString(8)).toBe('600');
    const o = run('open-v2', '--file', `${suite}.sealed`, '--envelope', `${suite}.json`, '--key', `${suite}.key`, '--tender', tenderId, '--org', org);
    expect(o.code).toBe(0);
    expect(JSON.parse(o.stdout)).toEqual({
      price: '12345678.90', currency: 'CNY', durationDays: 180,
      attachments: [{ name: '投标文件.pdf', size: data.length, sha256: createHash('sha256').update(data).digest('hex') }],
    });
    const escrow = suite === 'GM-1' ? sm2 : { privateKey: Buffer.from(x25519.privateKey, 'base64'), publicKey: Buffer.from(x25519.publicKey, 'base64') };
    const key = await unwrapEscrowedKeyV2(nodeSuite(suite as 'GM-1'), Buffer.from(envelope.escrowedKey, 'base64'), escrow.privateKey, escrow.publicKey);
    expect(Buffer.from(key).toString('base64')).toBe(keyFile.key);
    // another organisation's id: the aad differs, the file does not open (exit 1)
    const other = run('open-v2', '--file', `${suite}.sealed`, '--envelope', `${suite}.json`, '--key', `${suite}.key`, '--tender', tenderId, '--org', randomUUID());
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('DECRYPTION_FAILED');
  });

  it('refuses an unknown suite (exit 2) and writes nothing', () => {
    const r = run('seal-v2', '--suite', 'ROT13', '--tender-json', 'tender.json', '--org', org, '--price', '1', '--out', 'x', '--envelope-out', 'y', '--key-out', 'z');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown suite');
  });
});
