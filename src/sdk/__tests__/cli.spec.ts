/** The bid-seal CLI end to end, as a bidder runs it: a separate process, from another directory, offline. */
import { spawnSync } from 'child_process';
import { randomUUID } from 'crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { attachmentDigests, generateEscrowKeyPair, generateReceiptKeyPair, keyCommitment, openBid, signReceipt, unwrapEscrowedKey } from 'src/sdk';

const BIN = resolve(__dirname, '..', '..', '..', 'bin', 'bid-seal.js');

describe('bid-seal CLI', () => {
  let dir: string;
  const tenderId = randomUUID();
  const org = randomUUID();
  const escrow = generateEscrowKeyPair();
  const platform = generateReceiptKeyPair();

  const run = (...args: string[]) => {
    const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const json = (file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8'));

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bid-seal-'));
    writeFileSync(join(dir, '投标函.txt'), '我方愿以人民币壹仟贰佰叁拾肆万伍仟陆佰柒拾捌元玖角承包本工程。');
    writeFileSync(join(dir, 'tender.json'), JSON.stringify({ id: tenderId, title: '某某道路改造工程', sealing: { version: 'v1', escrowPublicKey: escrow.publicKey } }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('seals, opens locally, reveals, and verifies the receipt', () => {
    const sealed = run(
      'seal',
      '--tender',
      tenderId.toUpperCase(),
      '--org',
      org,
      '--price',
      '12345678.90',
      '--duration-days',
      '180',
      '--attachment',
      '投标函.txt',
      '--escrow-public-key',
      escrow.publicKey,
      '--device-id',
      'pc-01',
      '--author',
      '李四',
      '--out',
      'bid-request.json',
      '--key-out',
      'bid.key',
    );
    expect(sealed.stderr).toBe('');
    expect(sealed.code).toBe(0);
    const request = json('bid-request.json');
    expect(Object.keys(request).sort()).toEqual(['ciphertext', 'client', 'escrowedKey', 'iv', 'keyCommitment']);
    expect(request.client).toMatchObject({ deviceId: 'pc-01', documentAuthor: '李四', toolVersion: expect.stringMatching(/^bid-seal\//) });
    expect(sealed.stdout).toContain(request.keyCommitment);
    expect(statSync(join(dir, 'bid.key')).mode & 0o777).toBe(0o600);

    // The bidder checks its own bid.
    const opened = run('open', '--request', 'bid-request.json', '--key', 'bid.key', '--tender', tenderId, '--org', org);
    expect(opened.code).toBe(0);
    const plaintext = JSON.parse(opened.stdout);
    expect(plaintext).toMatchObject({ price: '12345678.90', currency: 'CNY', durationDays: 180 });
    expect(Buffer.from(plaintext.attachments[0].contentBase64, 'base64').toString()).toContain('壹仟贰佰');
    const summary = JSON.parse(run('open', '--request', 'bid-request.json', '--key', 'bid.key', '--summary').stdout);
    expect(summary.attachments).toEqual(attachmentDigests(plaintext));

    // Opening: the revealed key is the committed one, and the server side opens the bid with it or with escrow.
    const revealed = run('reveal', '--key', 'bid.key', '--request', 'bid-request.json');
    expect(revealed.code).toBe(0);
    const body = JSON.parse(revealed.stdout);
    expect(Object.keys(body)).toEqual(['key']);
    expect(keyCommitment(body.key)).toBe(request.keyCommitment);
    expect(openBid({ tenderId, bidderOrganizationId: org, ...request, key: body.key }).price).toBe('12345678.90');
    const escrowed = unwrapEscrowedKey({ escrowedKey: request.escrowedKey, escrowPrivateKey: escrow.privateKey });
    expect(escrowed.toString('base64')).toBe(body.key);

    // The platform's receipt.
    const fields = {
      bidId: randomUUID(),
      version: 1,
      tenderId,
      bidderOrganizationId: org,
      ciphertextSha256: json('bid.key').ciphertextSha256,
      keyCommitment: request.keyCommitment,
      receivedAt: '2026-06-01T08:00:00.000Z',
    };
    const receipt = {
      bidId: fields.bidId,
      version: 1,
      receivedAt: fields.receivedAt,
      ciphertextSha256: fields.ciphertextSha256,
      signature: signReceipt(fields, platform.privateKeyPem),
    };
    writeFileSync(join(dir, 'receipt.json'), JSON.stringify(receipt));
    writeFileSync(join(dir, 'mine.json'), JSON.stringify({ status: 'SUBMITTED', receipt }));
    writeFileSync(join(dir, 'platform-key.pem'), platform.publicKeyPem);
    writeFileSync(join(dir, 'keys.json'), JSON.stringify({ receiptPublicKey: platform.publicKeyPem }));
    const common = ['--tender', tenderId, '--org', org, '--request', 'bid-request.json'];
    expect(run('verify-receipt', '--receipt', 'receipt.json', '--public-key', 'platform-key.pem', ...common)).toMatchObject({ code: 0, stdout: 'valid\n' });
    expect(run('verify-receipt', '--receipt', 'mine.json', '--keys-json', 'keys.json', ...common)).toMatchObject({ code: 0, stdout: 'valid\n' });

    writeFileSync(join(dir, 'forged.json'), JSON.stringify({ ...receipt, version: 2 }));
    expect(run('verify-receipt', '--receipt', 'forged.json', '--keys-json', 'keys.json', ...common)).toMatchObject({ code: 1, stdout: 'invalid\n' });
    const otherOrg = ['--tender', tenderId, '--org', randomUUID(), '--request', 'bid-request.json'];
    expect(run('verify-receipt', '--receipt', 'receipt.json', '--keys-json', 'keys.json', ...otherOrg).code).toBe(1);
    writeFileSync(join(dir, 'other-key.pem'), generateReceiptKeyPair().publicKeyPem);
    expect(run('verify-receipt', '--receipt', 'receipt.json', '--public-key', 'other-key.pem', ...common).code).toBe(1);
  });

  it('reports a wrong tender, organisation or key with exit code 1', () => {
    const wrongOrg = run('open', '--request', 'bid-request.json', '--key', 'bid.key', '--tender', tenderId, '--org', randomUUID());
    expect(wrongOrg.code).toBe(1);
    expect(wrongOrg.stderr).toContain('DECRYPTION_FAILED');
    writeFileSync(join(dir, 'other.key'), `${Buffer.alloc(32, 9).toString('base64')}\n`);
    const wrongKey = run('open', '--request', 'bid-request.json', '--key', 'other.key', '--tender', tenderId, '--org', org);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toContain('KEY_COMMITMENT_MISMATCH');
    expect(run('reveal', '--key', 'other.key', '--request', 'bid-request.json').code).toBe(1);
  });

  it('takes the tender id and escrow key from a saved tender, and never overwrites a key without --force', () => {
    const args = ['seal', '--tender-json', 'tender.json', '--org', org, '--price', '100', '--out', 'r2.json', '--key-out', 'k2.key'];
    expect(run(...args).code).toBe(0);
    const r2 = json('r2.json');
    const key = unwrapEscrowedKey({ escrowedKey: r2.escrowedKey, escrowPrivateKey: escrow.privateKey });
    expect(openBid({ tenderId, bidderOrganizationId: org, ...r2, key }).price).toBe('100');
    const before = readFileSync(join(dir, 'k2.key'), 'utf8');
    const again = run(...args);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('--force');
    expect(readFileSync(join(dir, 'k2.key'), 'utf8')).toBe(before);
    expect(run(...args, '--force').code).toBe(0);
    expect(readFileSync(join(dir, 'k2.key'), 'utf8')).not.toBe(before);
  });

  it.each([
    ['a bad price', ['--price', '1.234']],
    ['a USCC as organisation', ['--org', '91350100M000100Y43']],
    ['an unknown option', ['--colour', 'red']],
    ['a missing attachment', ['--attachment', 'nope.pdf']],
    ['a malformed escrow key', ['--escrow-public-key', 'abc']],
  ])('refuses %s with exit code 2 and writes nothing', (_, extra) => {
    const base: Record<string, string> = { '--tender': tenderId, '--org': org, '--price': '1.00', '--out': 'x.json', '--key-out': 'x.key' };
    for (let i = 0; i < extra.length; i += 2) base[extra[i]] = extra[i + 1];
    const r = run('seal', ...Object.entries(base).flat());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^bid-seal: /);
    expect(() => statSync(join(dir, 'x.key'))).toThrow();
  });

  it('has help for the tool and for each command', () => {
    expect(run('--help')).toMatchObject({ code: 0, stdout: expect.stringContaining('verify-receipt') });
    for (const command of ['seal', 'open', 'reveal', 'verify-receipt']) {
      const r = run(command, '--help');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: bid-seal ${command}`);
    }
    expect(run('frobnicate').code).toBe(2);
  });
});
