/**
 * `bid-seal seal-v2` then `bid-seal upload` against a running platform (a separate CLI process over HTTP): the first
 * upload is stopped after one piece (the process killed mid-upload by a tiny timeout is not reliable, so the test
 * creates the upload and sends one piece itself), then `upload --upload-id` resumes from HEAD's Upload-Offset,
 * finalises, and prints the v2 receipt.
 */
import { spawn, spawnSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { randomBytes } from 'crypto';
import { type AddressInfo } from 'net';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { Role } from 'src/common/auth/role.enum';
import { registerParty } from './factories/identity.factory';
import { createPublishedTender } from './factories/tender.factory';
import { createTestApp, type TestApp } from './helpers/test-app';

const BIN = resolve(__dirname, '..', 'bin', 'bid-seal.js');

describe('bid-seal upload (format v2), resumed', () => {
  let t: TestApp;
  let dir: string;
  beforeAll(async () => {
    t = await createTestApp({ env: { LEGAL_PERIODS: 'relaxed', BLOB_STORE_DIR: mkdtempSync(join(tmpdir(), 'cli-blobs-')) } });
    await new Promise<void>((r) => t.app.getHttpServer().listen(0, '127.0.0.1', () => r()));
    dir = mkdtempSync(join(tmpdir(), 'bid-seal-upload-'));
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('seals with the CLI, resumes an upload that stopped after its first piece, and finalises', async () => {
    const url = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    const bidder = await registerParty(t, { role: Role.BIDDER });
    const tender = await createPublishedTender(t, { deadlineInMs: 60 * 60_000, bidSecurityAmount: '0.00' });
    writeFileSync(join(dir, 'tender.json'), JSON.stringify((await t.http().get(`/api/v1/tenders/${tender.id}`)).body));
    writeFileSync(join(dir, 'bid.pdf'), randomBytes(2 * 1024 * 1024 + 3));
    const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    const sealed = run(
      'seal-v2',
      '--suite',
      'GM-1',
      '--tender-json',
      'tender.json',
      '--org',
      bidder.organizationId!,
      '--price',
      '1000.00',
      '--attachment',
      'bid.pdf',
      '--out',
      'bid.sealed',
      '--envelope-out',
      'env.json',
      '--key-out',
      'bid.key',
    );
    expect(sealed.status).toBe(0);
    const env = JSON.parse(readFileSync(join(dir, 'env.json'), 'utf8'));
    const file = readFileSync(join(dir, 'bid.sealed'));
    // the first attempt: created and one piece sent, then the connection was lost
    const id = (await t.http().post(`/api/v1/tenders/${tender.id}/bid-uploads`).set(bidder.auth).send(env)).body.uploadId;
    await t
      .http()
      .patch(`/api/v1/tenders/${tender.id}/bid-uploads/${id}`)
      .set(bidder.auth)
      .set('Upload-Offset', '0')
      .set('Content-Type', 'application/offset+octet-stream')
      .send(file.subarray(0, 1_000_000))
      .expect(204);
    // asynchronously: the platform answers from this very process
    const runAsync = (...args: string[]) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
        const p = spawn(process.execPath, [BIN, ...args], { cwd: dir });
        let stdout = '';
        let stderr = '';
        p.stdout.on('data', (d) => (stdout += d));
        p.stderr.on('data', (d) => (stderr += d));
        p.on('close', (status) => done({ status, stdout, stderr }));
      });
    const resumed = await runAsync(
      'upload',
      '--url',
      url,
      '--token',
      bidder.token,
      '--tender',
      tender.id,
      '--file',
      'bid.sealed',
      '--upload-id',
      id,
      '--piece-size',
      '500000',
      '--receipt-out',
      'receipt.json',
    );
    expect(resumed.stderr).toBe('');
    expect(resumed.status).toBe(0);
    const receipt = JSON.parse(readFileSync(join(dir, 'receipt.json'), 'utf8'));
    expect(receipt).toMatchObject({ formatVersion: 2, suite: 'GM-1', ciphertextHash: env.ciphertextHash, ciphertextLength: file.length });
    // the bidder checks the platform's signature on the v2 receipt with the CLI (the SM2 key of GET /platform/keys)
    writeFileSync(join(dir, 'keys.json'), JSON.stringify((await t.http().get('/api/v1/platform/keys').expect(200)).body));
    const verify = (receiptFile: string, ...more: string[]) =>
      runAsync('verify-receipt', '--receipt', receiptFile, '--keys-json', 'keys.json', '--tender', tender.id, '--org', bidder.organizationId!, ...more);
    expect(await verify('receipt.json', '--envelope', 'env.json')).toMatchObject({ status: 0, stdout: 'valid\n', stderr: '' });
    // tampered: another receivedAt (the envelope hash no longer matches), or a flipped signature byte
    writeFileSync(join(dir, 'late.json'), JSON.stringify({ ...receipt, receivedAt: new Date(Date.parse(receipt.receivedAt) - 60_000).toISOString() }));
    const late = await verify('late.json', '--envelope', 'env.json');
    expect(late).toMatchObject({ status: 1, stdout: 'invalid\n' });
    expect(late.stderr).toContain('envelopeHash is not the hash of the envelope');
    const sig = Buffer.from(receipt.envelopeSignature, 'base64');
    sig[sig.length - 3] ^= 1;
    writeFileSync(join(dir, 'forged.json'), JSON.stringify({ ...receipt, envelopeSignature: sig.toString('base64') }));
    const forged = await verify('forged.json', '--envelope', 'env.json');
    expect(forged).toMatchObject({ status: 1, stdout: 'invalid\n' });
    expect(forged.stderr).toContain("the envelope signature does not verify with the platform's GM-1 receipt key");
    // another file hash in the envelope than the receipt names
    writeFileSync(join(dir, 'env-other.json'), JSON.stringify({ ...env, ciphertextHash: 'ab'.repeat(32) }));
    expect((await verify('receipt.json', '--envelope', 'env-other.json')).stderr).toContain(`the receipt names file hash ${env.ciphertextHash}`);
    // a v2 receipt is not checked against a v1 request
    const wrong = await verify('receipt.json', '--request', 'env.json');
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toContain('a format v2 receipt is checked against --envelope');
    const pieces = await t.dataSource.query(`SELECT "offset", length FROM bid_upload_pieces WHERE upload_id = $1 ORDER BY "offset"`, [id]);
    expect(pieces[0]).toEqual({ offset: '0', length: 1_000_000 });
    expect(pieces[1].offset).toBe('1000000'); // resumed where it stopped
  });
});
