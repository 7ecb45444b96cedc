/** bid-seal's format v2 commands as a bidder runs them: a separate process, offline, both suites, escrow copy checked. */
import { spawnSync } from 'child_process';
import { createHash, generateKeyPairSync, randomBytes, randomUUID, sign } from 'crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { generateEscrowKeyPair } from 'src/sdk';
import { type BidReceiptV2, envelopeV2Bytes, generateSm2KeyPair, unwrapEscrowedKeyV2 } from 'src/sdk/v2';
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
    writeFileSync(
      join(dir, 'tender.json'),
      JSON.stringify({
        id: tenderId,
        sealing: { version: 'v1', escrowPublicKey: x25519.publicKey, escrowPublicKeySm2: Buffer.from(sm2.publicKey).toString('hex'), acceptedSuites: ['INTL-1', 'GM-1'] },
      }),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['INTL-1', 'GM-1'])('%s: seals a 3 MB file streaming, opens it offline, and the escrowed key unwraps to the key', async (suite) => {
    const s = run(
      'seal-v2',
      '--suite',
      suite,
      '--tender-json',
      'tender.json',
      '--org',
      org,
      '--price',
      '12345678.90',
      '--duration-days',
      '180',
      '--attachment',
      '投标文件.pdf',
      '--out',
      `${suite}.sealed`,
      '--envelope-out',
      `${suite}.json`,
      '--key-out',
      `${suite}.key`,
      '--segment-size',
      '65536',
    );
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
      price: '12345678.90',
      currency: 'CNY',
      durationDays: 180,
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

  it('verify-receipt checks an INTL-1 v2 receipt against the envelope, and says why a tampered one fails', () => {
    const s = run(
      'seal-v2',
      '--suite',
      'INTL-1',
      '--tender-json',
      'tender.json',
      '--org',
      org,
      '--price',
      '1.00',
      '--attachment',
      '投标文件.pdf',
      '--out',
      'r.sealed',
      '--envelope-out',
      'r.json',
      '--key-out',
      'r.key',
    );
    expect(s.code).toBe(0);
    const envelope = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
    // the platform's finalisation (v2.5), signed here with a receipt key of this test
    const platform = generateKeyPairSync('ed25519');
    const receipt: Omit<BidReceiptV2, 'envelopeHash' | 'envelopeSignature'> = {
      bidId: randomUUID(),
      version: 2,
      receivedAt: '2026-12-06T10:00:00.123456Z',
      formatVersion: 2,
      suite: 'INTL-1',
      ciphertextHash: envelope.ciphertextHash,
      ciphertextLength: envelope.ciphertextLength,
      escrowedKeyStored: true,
    };
    const bytes = envelopeV2Bytes({
      bidId: receipt.bidId,
      version: receipt.version,
      tenderId,
      bidderOrganizationId: org,
      suite: 'INTL-1',
      segmentSize: envelope.segmentSize,
      ciphertextLength: envelope.ciphertextLength,
      ciphertextHash: envelope.ciphertextHash,
      noncePrefix: Buffer.from(envelope.noncePrefix, 'base64'),
      keyCommitment: envelope.keyCommitment,
      escrowedKey: Buffer.from(envelope.escrowedKey, 'base64'),
      receivedAt: receipt.receivedAt,
    });
    const signed = { ...receipt, envelopeHash: createHash('sha256').update(bytes).digest('hex'), envelopeSignature: sign(null, bytes, platform.privateKey).toString('base64') };
    writeFileSync(join(dir, 'receipt-v2.json'), JSON.stringify({ receipt: signed })); // as GET /bids/mine holds it
    writeFileSync(join(dir, 'platform.pem'), platform.publicKey.export({ type: 'spki', format: 'pem' }));
    const verify = (receiptFile: string, ...more: string[]) =>
      run('verify-receipt', '--receipt', receiptFile, '--public-key', 'platform.pem', '--tender', tenderId, '--org', org, '--envelope', 'r.json', ...more);
    expect(verify('receipt-v2.json')).toMatchObject({ code: 0, stdout: 'valid\n', stderr: '' });
    // another organisation: the envelope differs
    const otherOrg = run('verify-receipt', '--receipt', 'receipt-v2.json', '--public-key', 'platform.pem', '--tender', tenderId, '--org', randomUUID(), '--envelope', 'r.json');
    expect(otherOrg).toMatchObject({ code: 1, stdout: 'invalid\n' });
    expect(otherOrg.stderr).toContain('envelopeHash is not the hash of the envelope');
    // the receipt says no escrowed key was stored: the platform would have signed another envelope
    writeFileSync(join(dir, 'no-escrow.json'), JSON.stringify({ ...signed, escrowedKeyStored: false }));
    expect(verify('no-escrow.json')).toMatchObject({ code: 1, stdout: 'invalid\n' });
    // a signature by another key, with the right envelope hash
    const forged = { ...signed, envelopeSignature: sign(null, bytes, generateKeyPairSync('ed25519').privateKey).toString('base64') };
    writeFileSync(join(dir, 'forged-v2.json'), JSON.stringify(forged));
    const f = verify('forged-v2.json');
    expect(f).toMatchObject({ code: 1, stdout: 'invalid\n' });
    expect(f.stderr).toContain("the envelope signature does not verify with the platform's INTL-1 receipt key");
    // a v1 receipt still goes to the v1 check (which wants --request, not --envelope)
    writeFileSync(
      join(dir, 'v1-receipt.json'),
      JSON.stringify({ bidId: randomUUID(), version: 1, receivedAt: receipt.receivedAt, ciphertextSha256: 'ab'.repeat(32), signature: 'AA==' }),
    );
    expect(verify('v1-receipt.json')).toMatchObject({ code: 2 });
  });

  it('refuses an unknown suite (exit 2) and writes nothing', () => {
    const r = run('seal-v2', '--suite', 'ROT13', '--tender-json', 'tender.json', '--org', org, '--price', '1', '--out', 'x', '--envelope-out', 'y', '--key-out', 'z');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown suite');
  });
});

describe('bid-seal upload --lot', () => {
  it('takes a lot number from 1 to 50 (absent: the platform’s default, lot 1) and refuses anything else', async () => {
    const { parseLotOption } = await import('../cli/v2.commands');
    expect(parseLotOption(undefined)).toBeUndefined();
    expect([parseLotOption('1'), parseLotOption('2'), parseLotOption('50')]).toEqual([1, 2, 50]);
    for (const bad of ['0', '51', '02', '1.5', '-1', 'x', '']) expect(() => parseLotOption(bad)).toThrow(/--lot must be a lot number from 1 to 50/);
  });
});
