/**
 * Sealed-bid format v2 over HTTP (docs/SEALED_BID_FORMAT.md v2.6): a bid file sealed with the SDK in both suites,
 * uploaded in pieces with an interrupted piece and a resume, finalised on the database clock, the receipt verified
 * over the whole envelope; and every bad input refused with its code and nothing stored. Run on the filesystem blob
 * store and on S3 (an s3rver the test starts, reached over HTTP by the AWS SDK).
 */
import { createHash, randomBytes } from 'crypto';
import { request as httpRequest } from 'http';
import { type AddressInfo } from 'net';
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Role } from 'src/common/auth/role.enum';
import { ScheduledEventKind } from 'src/infra/queue/queue.constants';
import { SchedulerService } from 'src/modules/scheduling/scheduler.service';
import { BidUploadExceptionCode } from 'src/modules/bids/uploads/bid-upload.exception';
import { BidUploadsService } from 'src/modules/bids/uploads/bid-uploads.service';
import { ed25519SpkiFromPem } from 'src/sdk/core/format';
import { type BidReceiptV2, sealBidV2, type SealedBidV2, type SuiteId, verifyReceiptV2 } from 'src/sdk/v2';
import { nodeSuite } from 'src/sdk/v2/node';
import { startTestS3 } from 'src/infra/blob-store/__tests__/test-s3';
import { sealAndSubmit } from './factories/bid.factory';
import { registerParty, type TestParty } from './factories/identity.factory';
import { createPublishedTender, type TestTender } from './factories/tender.factory';
import { until } from './helpers/poll';
import { createTestApp, type TestApp } from './helpers/test-app';

const SEG = 64 * 1024;

async function sealFile(tender: TestTender & { sealing?: Record<string, unknown> }, bidder: TestParty, suite: SuiteId, escrowPublicKey: Uint8Array, size = 300_000) {
  const segments: Buffer[] = [];
  const data = randomBytes(size);
  const sealed = await sealBidV2({
    suite: nodeSuite(suite),
    tenderId: tender.id,
    bidderOrganizationId: bidder.organizationId!,
    bid: { price: '12345678.90', currency: 'CNY', durationDays: 180 },
    attachments: [{ name: '投标文件.pdf', size: data.length, content: [data] }],
    escrowPublicKey,
    segmentSize: SEG,
    write: (s) => void segments.push(Buffer.from(s)),
  });
  return { sealed, file: Buffer.concat(segments), data };
}

describe.each([
  ['filesystem blob store', async () => ({ env: { BLOB_STORE: 'fs', BLOB_STORE_DIR: mkdtempSync(join(tmpdir(), 'bid-blobs-')) }, stop: async (): Promise<void> => undefined })],
  [
    'S3 blob store (s3rver)',
    async () => {
      const s3 = await startTestS3();
      const o = s3.options;
      return {
        env: { BLOB_STORE: 's3', S3_BUCKET: o.bucket, S3_ENDPOINT: o.endpoint!, S3_ACCESS_KEY_ID: o.accessKeyId!, S3_SECRET_ACCESS_KEY: o.secretAccessKey! },
        stop: s3.stop,
      };
    },
  ],
])('format v2 uploads on the %s', (_name, store) => {
  let t: TestApp;
  let stop: () => Promise<void>;
  let bidder: TestParty;
  let tender: TestTender;
  let sealing: { escrowPublicKey: string; escrowPublicKeySm2: string; acceptedSuites: string[] };
  let keys: { receiptPublicKey: string; receiptPublicKeySm2: string };
  let port: number;

  const url = (p = '') => `/api/v1/tenders/${tender.id}/bid-uploads${p}`;
  const escrowKey = (suite: SuiteId) => Buffer.from(suite === 'GM-1' ? sealing.escrowPublicKeySm2 : sealing.escrowPublicKey, suite === 'GM-1' ? 'hex' : 'base64');
  const create = (s: SealedBidV2, mutate: (b: Record<string, unknown>) => void = () => undefined) => {
    const body: Record<string, unknown> = { ...s.envelope, client: { deviceId: `dev-${bidder.username}` } };
    mutate(body);
    return t.http().post(url()).set(bidder.auth).send(body);
  };
  const patch = (id: string, offset: number, piece: Buffer) =>
    t
      .http()
      .patch(url(`/${id}`))
      .set(bidder.auth)
      .set('Upload-Offset', String(offset))
      .set('Content-Type', 'application/offset+octet-stream')
      .send(piece);
  const bidRows = async () => (await t.dataSource.query(`SELECT count(*)::int AS n FROM bids WHERE tender_id = $1`, [tender.id]))[0].n as number;

  /** A PATCH whose connection breaks after `sent` of `declared` bytes. */
  const brokenPatch = (id: string, offset: number, piece: Buffer, sent: number) =>
    new Promise<void>((resolve) => {
      const req = httpRequest({
        host: '127.0.0.1',
        port,
        method: 'PATCH',
        path: url(`/${id}`),
        headers: { ...bidder.auth, 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream', 'Content-Length': String(piece.length) },
      });
      req.on('error', () => resolve());
      req.on('response', () => resolve());
      req.write(piece.subarray(0, sent), () =>
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 100),
      );
    });

  beforeAll(async () => {
    const s = await store();
    stop = s.stop;
    t = await createTestApp({ env: { LEGAL_PERIODS: 'relaxed', ...s.env } });
    await new Promise<void>((r) => t.app.getHttpServer().listen(0, '127.0.0.1', () => r()));
    port = (t.app.getHttpServer().address() as AddressInfo).port;
    bidder = await registerParty(t, { role: Role.BIDDER });
    tender = await createPublishedTender(t, { deadlineInMs: 60 * 60_000, bidSecurityAmount: '0.00', decryptionMode: 'BIDDER_WITH_ESCROW_FALLBACK' });
    sealing = (await t.http().get(`/api/v1/tenders/${tender.id}`)).body.sealing;
    keys = (await t.http().get('/api/v1/platform/keys')).body;
  });
  afterAll(async () => {
    await t.close();
    await stop();
  });

  it('the tender publishes both escrow keys and accepts both suites; the platform publishes both receipt keys', () => {
    expect(sealing.acceptedSuites).toEqual(['INTL-1', 'GM-1']);
    expect(sealing.escrowPublicKeySm2).toMatch(/^04[0-9a-f]{128}$/);
    expect(Buffer.from(sealing.escrowPublicKey, 'base64')).toHaveLength(32);
    expect(keys.receiptPublicKeySm2).toMatch(/^04[0-9a-f]{128}$/);
  });

  it.each(['INTL-1', 'GM-1'] as SuiteId[])('%s: upload in pieces, an interrupted piece, resume, finalise; the receipt signs the whole envelope', async (suite) => {
    const { sealed, file } = await sealFile(tender, bidder, suite, escrowKey(suite));
    const before = await bidRows();
    const created = await create(sealed);
    expect(created.status).toBe(201);
    const id = created.body.uploadId as string;
    expect(created.body).toMatchObject({ offset: 0, length: file.length, status: 'OPEN' });

    expect((await patch(id, 0, file.subarray(0, 100_000))).status).toBe(204);
    // a piece out of order is refused and not stored
    const wrong = await patch(id, 150_000, file.subarray(150_000, 200_000));
    expect(wrong.status).toBe(409);
    expect(wrong.body).toMatchObject({ code: 'UPLOAD_OFFSET_MISMATCH' });
    // the connection breaks in the middle of a piece: nothing of it counts
    const appends = jest.spyOn(t.app.get(BidUploadsService), 'append');
    await brokenPatch(id, 100_000, file.subarray(100_000, 250_000), 60_000);
    // The server is done with the broken piece once the service's append of it has settled: refused, nothing stored.
    const call = await until(() => appends.mock.calls.findIndex((c) => c[1] === id && c[3] === 100_000) + 1, 'the broken piece to reach the service');
    await expect(appends.mock.results[call - 1].value).rejects.toMatchObject({ code: BidUploadExceptionCode.UPLOAD_PIECE_INCOMPLETE });
    appends.mockRestore();
    const head = await t
      .http()
      .head(url(`/${id}`))
      .set(bidder.auth);
    expect(head.status).toBe(200);
    expect(head.headers['upload-offset']).toBe('100000');
    expect(head.headers['upload-length']).toBe(String(file.length));
    // finalising now: an incomplete upload is not a bid
    const early = await t
      .http()
      .post(url(`/${id}/finalize`))
      .set(bidder.auth);
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('UPLOAD_INCOMPLETE');
    expect(await bidRows()).toBe(before);
    // resume where it stopped
    const rest = await patch(id, 100_000, file.subarray(100_000));
    expect(rest.status).toBe(204);
    expect(rest.headers['upload-offset']).toBe(String(file.length));
    const fin = await t
      .http()
      .post(url(`/${id}/finalize`))
      .set(bidder.auth);
    expect(fin.status).toBe(201);
    const receipt = fin.body as BidReceiptV2;
    expect(receipt).toMatchObject({ formatVersion: 2, suite, ciphertextHash: sealed.envelope.ciphertextHash, ciphertextLength: file.length, escrowedKeyStored: true });
    const publicKey = suite === 'GM-1' ? Buffer.from(keys.receiptPublicKeySm2, 'hex') : ed25519SpkiFromPem(keys.receiptPublicKey);
    const verify = (envelope = sealed.envelope) =>
      verifyReceiptV2({ suite: nodeSuite(suite), receipt, tenderId: tender.id, bidderOrganizationId: bidder.organizationId!, envelope, receiptPublicKey: publicKey });
    expect(await verify()).toBe(true);
    // the signature covers the nonce prefix and the escrowed key too
    expect(await verify({ ...sealed.envelope, noncePrefix: Buffer.alloc(7).toString('base64') })).toBe(false);
    const otherEscrow = Buffer.from(sealed.envelope.escrowedKey!, 'base64');
    otherEscrow[otherEscrow.length - 1] ^= 1;
    expect(await verify({ ...sealed.envelope, escrowedKey: otherEscrow.toString('base64') })).toBe(false);
    // finalising again returns the same receipt
    const again = await t
      .http()
      .post(url(`/${id}/finalize`))
      .set(bidder.auth);
    expect(again.body).toMatchObject({ bidId: receipt.bidId, version: receipt.version, envelopeSignature: receipt.envelopeSignature });
    const [row] = await t.dataSource.query(`SELECT format_version, suite, octet_length(ciphertext) AS inline, ciphertext_bytes FROM bids WHERE id = $1`, [receipt.bidId]);
    expect(row).toMatchObject({ format_version: 2, suite, inline: 0, ciphertext_bytes: file.length });
  });

  it('GET /bids/mine shows the v2 version; a v1 submission replaces it as one more version (and back)', async () => {
    const mine = await t.http().get(`/api/v1/tenders/${tender.id}/bids/mine`).set(bidder.auth);
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({ formatVersion: 2, suite: 'GM-1', status: 'SUBMITTED' });
    const v = mine.body.version as number;
    const v1 = await sealAndSubmit(t, { id: tender.id, escrowPublicKey: sealing.escrowPublicKey }, bidder, '100.00');
    expect(v1.status).toBe(201);
    expect(v1.body).toMatchObject({ bidId: mine.body.bidId, version: v + 1 });
    const [row] = await t.dataSource.query(`SELECT format_version, suite, blob_key, octet_length(iv) AS iv FROM bids WHERE id = $1`, [mine.body.bidId]);
    expect(row).toEqual({ format_version: 1, suite: null, blob_key: null, iv: 12 });
    expect((await t.http().get(`/api/v1/tenders/${tender.id}/bids/mine`).set(bidder.auth)).body.formatVersion).toBeUndefined();
  });

  it('refuses bad input with a clear 4xx and stores nothing', async () => {
    const before = await bidRows();
    const { sealed, file } = await sealFile(tender, bidder, 'INTL-1', escrowKey('INTL-1'), 200_000);
    const unknown = await create(sealed, (b) => (b.suite = 'ROT13-1'));
    expect([unknown.status, unknown.body.code]).toEqual([400, 'UNSUPPORTED_SUITE']);
    const badLength = await create(sealed, (b) => (b.ciphertextLength = SEG + 16 + 5));
    expect([badLength.status, badLength.body.code]).toEqual([400, 'INVALID_BID_FILE_LENGTH']);
    await t.dataSource.query(`UPDATE tenders SET max_bid_file_bytes = 150000 WHERE id = $1`, [tender.id]);
    const big = await create(sealed);
    expect([big.status, big.body.code]).toEqual([413, 'BID_FILE_TOO_LARGE']);
    await t.dataSource.query(`UPDATE tenders SET max_bid_file_bytes = NULL WHERE id = $1`, [tender.id]);
    const gmWrap = await create(sealed, (b) => (b.suite = 'GM-1'));
    expect([gmWrap.status, gmWrap.body.code]).toEqual([400, 'VALIDATION_FAILED']); // a 92-byte escrowed key is no SM2 wrap

    const id = (await create(sealed)).body.uploadId as string;
    const past = await patch(id, 0, Buffer.concat([file, Buffer.from('x')]));
    expect([past.status, past.body.code]).toEqual([400, 'INVALID_BID_FILE_LENGTH']);
    const noType = await t
      .http()
      .patch(url(`/${id}`))
      .set(bidder.auth)
      .set('Upload-Offset', '0')
      .set('Content-Type', 'application/json')
      .send('{}');
    expect(noType.status).toBe(400);
    // the right length but two segments swapped: the file hash differs → 422, nothing stored
    const swapped = Buffer.concat([file.subarray(SEG + 16, 2 * (SEG + 16)), file.subarray(0, SEG + 16), file.subarray(2 * (SEG + 16))]);
    expect(file.length).toBeGreaterThan(2 * (SEG + 16));
    expect((await patch(id, 0, swapped)).status).toBe(204);
    const fin = await t
      .http()
      .post(url(`/${id}/finalize`))
      .set(bidder.auth);
    expect([fin.status, fin.body.code]).toEqual([422, 'UPLOAD_HASH_MISMATCH']);
    expect(await bidRows()).toBe(before);
    expect((await t.dataSource.query(`SELECT count(*)::int AS n FROM bid_upload_pieces WHERE upload_id = $1`, [id]))[0].n).toBe(0);
    // audited in the upload's own stream, sealed until the opening
    const events = await t.dataSource.query(`SELECT action, stream, sealed_tender_id FROM audit_events WHERE object_id = $1 ORDER BY id`, [id]);
    expect(events).toEqual([
      { action: 'BID_UPLOAD_STARTED', stream: `bid:${id}`, sealed_tender_id: tender.id },
      { action: 'BID_UPLOAD_REFUSED', stream: `bid:${id}`, sealed_tender_id: tender.id },
    ]);

    // another bidder cannot see or touch the upload
    const other = await registerParty(t, { role: Role.BIDDER });
    expect(
      (
        await t
          .http()
          .head(url(`/${id}`))
          .set(other.auth)
      ).status,
    ).toBe(404);
  });

  it('after the deadline (database clock) a complete upload is not finalised: 409 BID_DEADLINE_PASSED, nothing stored', async () => {
    const late = await createPublishedTender(t, { deadlineInMs: 60 * 60_000, bidSecurityAmount: '0.00' });
    const lateSealing = (await t.http().get(`/api/v1/tenders/${late.id}`)).body.sealing;
    const { sealed, file } = await sealFile(late, bidder, 'GM-1', Buffer.from(lateSealing.escrowPublicKeySm2, 'hex'), 10_000);
    const u = (p = '') => `/api/v1/tenders/${late.id}/bid-uploads${p}`;
    const id = (
      await t
        .http()
        .post(u())
        .set(bidder.auth)
        .send({ ...sealed.envelope, client: { deviceId: 'd' } })
    ).body.uploadId;
    expect(
      (
        await t
          .http()
          .patch(u(`/${id}`))
          .set(bidder.auth)
          .set('Upload-Offset', '0')
          .set('Content-Type', 'application/offset+octet-stream')
          .send(file)
      ).status,
    ).toBe(204);
    await t.dataSource.query(`UPDATE tenders SET bid_deadline = clock_timestamp() - interval '1 second' WHERE id = $1`, [late.id]);
    const fin = await t
      .http()
      .post(u(`/${id}/finalize`))
      .set(bidder.auth);
    expect([fin.status, fin.body.code]).toEqual([409, 'BID_DEADLINE_PASSED']);
    expect((await t.dataSource.query(`SELECT count(*)::int AS n FROM bids WHERE tender_id = $1`, [late.id]))[0].n).toBe(0);
  });

  it('opening: the bidder decrypts its v2 bid (GM-1 key, 16 bytes) and escrow opens the others (INTL-1 and GM-1), streaming from the store', async () => {
    const opened = await createPublishedTender(t, { deadlineInMs: 8000, bidSecurityAmount: '0.00', decryptionMode: 'BIDDER_WITH_ESCROW_FALLBACK', windowMinutes: 30 });
    const s = (await t.http().get(`/api/v1/tenders/${opened.id}`)).body.sealing;
    const u = (p = '') => `/api/v1/tenders/${opened.id}/bid-uploads${p}`;
    const parties = [bidder, await registerParty(t, { role: Role.BIDDER }), await registerParty(t, { role: Role.BIDDER })];
    const suites: SuiteId[] = ['GM-1', 'INTL-1', 'GM-1'];
    const bids: Array<{ bidId: string; key: Uint8Array; data: Buffer }> = [];
    for (let i = 0; i < 3; i++) {
      const suite = suites[i];
      // the INTL-1 file is over 8 MiB: its escrow opening hashes on worker threads (src/sdk/v2/node-hash-worker.ts)
      const size = suite === 'INTL-1' ? 9 * 1024 * 1024 + 7 : 150_000 + i;
      const { sealed, file, data } = await sealFile(
        opened,
        parties[i],
        suite,
        Buffer.from(suite === 'GM-1' ? s.escrowPublicKeySm2 : s.escrowPublicKey, suite === 'GM-1' ? 'hex' : 'base64'),
        size,
      );
      const id = (
        await t
          .http()
          .post(u())
          .set(parties[i].auth)
          .send({ ...sealed.envelope, client: { deviceId: `dev-${i}` } })
      ).body.uploadId;
      expect(
        (
          await t
            .http()
            .patch(u(`/${id}`))
            .set(parties[i].auth)
            .set('Upload-Offset', '0')
            .set('Content-Type', 'application/offset+octet-stream')
            .send(file)
        ).status,
      ).toBe(204);
      const fin = await t
        .http()
        .post(u(`/${id}/finalize`))
        .set(parties[i].auth);
      expect(fin.status).toBe(201);
      bids.push({ bidId: fin.body.bidId, key: sealed.key, data });
    }
    // the deadline passes; the platform opens the bids and the decryption window
    const waitFor = async (cond: () => Promise<boolean>) => {
      for (let i = 0; i < 150 && !(await cond()); i++) await new Promise((r) => setTimeout(r, 200));
    };
    await waitFor(async () => (await t.dataSource.query(`SELECT status FROM tenders WHERE id = $1`, [opened.id]))[0].status === 'OPENING');
    expect((await t.dataSource.query(`SELECT status FROM tenders WHERE id = $1`, [opened.id]))[0].status).toBe('OPENING');
    // the bidder reveals its 16-byte SM4 key
    const wrong = await t
      .http()
      .post(`/api/v1/tenders/${opened.id}/bids/${bids[0].bidId}/decryption`)
      .set(bidder.auth)
      .send({ key: Buffer.alloc(16, 1).toString('base64') });
    expect([wrong.status, wrong.body.code]).toEqual([422, 'KEY_COMMITMENT_MISMATCH']);
    const dec = await t
      .http()
      .post(`/api/v1/tenders/${opened.id}/bids/${bids[0].bidId}/decryption`)
      .set(bidder.auth)
      .send({ key: Buffer.from(bids[0].key).toString('base64') });
    expect(dec.status).toBe(200);
    expect(dec.body).toMatchObject({ price: '12345678.90', durationDays: 180, status: 'DECRYPTED' });
    // the window closes: escrow opens the other two (one INTL-1, one GM-1)
    await t.dataSource.transaction(async (m) => {
      await m.query(`UPDATE tenders SET decryption_window_ends_at = clock_timestamp() WHERE id = $1`, [opened.id]);
      await t.app.get(SchedulerService).plan(m, { kind: ScheduledEventKind.DecryptionWindowClose, subjectId: opened.id, tenderId: opened.id, runAt: new Date() });
    });
    await waitFor(async () => (await t.dataSource.query(`SELECT status FROM tenders WHERE id = $1`, [opened.id]))[0].status !== 'OPENING');
    const rows: Array<{ id: string; status: string; decrypted_by: string; price: string; attachments: Array<{ size: number; sha256: string }> }> = await t.dataSource.query(
      `SELECT id, status, decrypted_by, price, attachments FROM bids WHERE tender_id = $1`,
      [opened.id],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(bids.map((b) => byId.get(b.bidId)!.decrypted_by)).toEqual(['BIDDER', 'ESCROW', 'ESCROW']);
    for (const b of bids) {
      const r = byId.get(b.bidId)!;
      expect(r.status).toBe('DECRYPTED');
      expect(r.attachments[0]).toMatchObject({ size: b.data.length, sha256: createHash('sha256').update(b.data).digest('hex') });
    }
  });
});
