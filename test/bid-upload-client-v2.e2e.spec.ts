/**
 * The bidder's upload client of format v2 (src/sdk/v2/upload.ts: sealAndUploadV2, ResumableBidUpload — what the
 * console and `bid-seal upload` send with) against the running platform over HTTP: a piece lost to the network is
 * resent from the offset HEAD reports, a piece cut after part of it was stored is completed from there (only its
 * rest is sent again), the receipt verifies, the stored file opens with the key; a refusal is not retried; an upload
 * abandoned after its retries is resumed later (resumeUploadV2) from the platform's offset, and the bidder's own
 * GET /tenders/{id}/bids/mine carries the envelope fields that re-verify its receipt.
 */
import { mkdtempSync } from 'fs';
import { type AddressInfo } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import { Role } from 'src/common/auth/role.enum';
import { ed25519SpkiFromPem } from 'src/sdk/core/format';
import {
  BidUploadError,
  BidUploadInterruptedError,
  type BidReceiptV2,
  resumeUploadV2,
  type RetryInfo,
  sealAndUploadV2,
  type SealAndUploadV2Input,
  type SuiteId,
  verifyReceiptV2,
} from 'src/sdk/v2';
import { nodeSuite } from 'src/sdk/v2/node';
import { registerParty, type TestParty } from './factories/identity.factory';
import { createPublishedTender, type TestTender } from './factories/tender.factory';
import { createTestApp, type TestApp } from './helpers/test-app';

describe('format v2 upload client (sealAndUploadV2) against the platform', () => {
  let t: TestApp;
  let base: string;
  let bidder: TestParty;
  let tender: TestTender;
  let sealing: { escrowPublicKey: string; escrowPublicKeySm2: string };
  let keys: { receiptPublicKey: string; receiptPublicKeySm2: string };

  beforeAll(async () => {
    t = await createTestApp({ env: { LEGAL_PERIODS: 'relaxed', BLOB_STORE_DIR: mkdtempSync(join(tmpdir(), 'client-blobs-')) } });
    await new Promise<void>((r) => t.app.getHttpServer().listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    bidder = await registerParty(t, { role: Role.BIDDER });
    tender = await createPublishedTender(t, { deadlineInMs: 60 * 60_000, bidSecurityAmount: '0.00' });
    sealing = (await t.http().get(`/api/v1/tenders/${tender.id}`)).body.sealing;
    keys = (await t.http().get('/api/v1/platform/keys')).body;
  });
  afterAll(() => t.close());

  const data = Buffer.alloc(700_000, 0x5a);
  const input = (suite: SuiteId, fetchImpl: typeof fetch, retries: RetryInfo[], tenderId = tender.id): SealAndUploadV2Input => ({
    suite: nodeSuite(suite),
    tenderId,
    bidderOrganizationId: bidder.organizationId!,
    bid: { price: '4321000.00', currency: 'CNY' },
    attachments: () => [{ name: '投标文件.pdf', size: data.length, content: [data.subarray(0, 300_000), data.subarray(300_000)] }],
    escrowPublicKey: Buffer.from(suite === 'GM-1' ? sealing.escrowPublicKeySm2 : sealing.escrowPublicKey, suite === 'GM-1' ? 'hex' : 'base64'),
    client: { deviceId: `dev-${bidder.username}` },
    transport: { url: `${base}/api/v1/tenders/${tenderId}/bid-uploads`, headers: () => ({ Authorization: `Bearer ${bidder.token}` }), fetch: fetchImpl },
    segmentSize: 64 * 1024,
    pieceSize: 256 * 1024,
    baseDelayMs: 10,
    onRetry: (r: RetryInfo) => void retries.push(r),
    retries: 2,
  });
  const run = (suite: SuiteId, fetchImpl: typeof fetch, retries: RetryInfo[], tenderId = tender.id) => sealAndUploadV2(input(suite, fetchImpl, retries, tenderId));

  it.each(['INTL-1', 'GM-1'] as SuiteId[])('%s: a lost piece and a piece cut half-way are resumed from the platform offset; the receipt verifies', async (suite) => {
    const patches: Array<{ offset: number; bytes: number }> = [];
    let n = 0;
    const flaky: typeof fetch = async (url, init) => {
      if (init?.method === 'PATCH') {
        const offset = Number((init.headers as Record<string, string>)['Upload-Offset']);
        const body = init.body as Uint8Array;
        n++;
        if (n === 2) throw new TypeError('fetch failed'); // the network is down: nothing of this piece arrives
        if (n === 4) {
          // The connection breaks after the first 100 000 bytes reached the platform (stored as a shorter PATCH).
          const part = await fetch(url, { ...init, body: body.subarray(0, 100_000) });
          expect(part.status).toBe(204);
          patches.push({ offset, bytes: 100_000 });
          throw new TypeError('fetch failed');
        }
        patches.push({ offset, bytes: body.length });
      }
      return fetch(url, init);
    };
    const retries: RetryInfo[] = [];
    const done = await run(suite, flaky, retries);
    const P = 256 * 1024;
    expect(patches).toEqual([
      { offset: 0, bytes: P },
      { offset: P, bytes: P }, // the lost piece, sent again whole
      { offset: 2 * P, bytes: 100_000 }, // the cut piece: what arrived …
      { offset: 2 * P + 100_000, bytes: done.envelope.ciphertextLength - 2 * P - 100_000 }, // … and only its rest
    ]);
    expect(retries.filter((r) => r.resumeAt !== undefined).map((r) => r.resumeAt)).toEqual([P, 2 * P + 100_000]);
    expect(done.receipt).toMatchObject({ formatVersion: 2, suite, ciphertextHash: done.envelope.ciphertextHash, ciphertextLength: done.envelope.ciphertextLength });
    const publicKey = suite === 'GM-1' ? Buffer.from(keys.receiptPublicKeySm2, 'hex') : ed25519SpkiFromPem(keys.receiptPublicKey);
    expect(
      await verifyReceiptV2({
        suite: nodeSuite(suite),
        receipt: done.receipt,
        tenderId: tender.id,
        bidderOrganizationId: bidder.organizationId!,
        envelope: done.envelope,
        receiptPublicKey: publicKey,
      }),
    ).toBe(true);
  });

  it('a refusal (a suite the tender does not accept) is answered at once, not retried, and nothing is stored', async () => {
    const gmOnly = await createPublishedTender(t, { deadlineInMs: 60 * 60_000, bidSecurityAmount: '0.00' });
    await t.dataSource.query(`UPDATE tenders SET accepted_suites = '{GM-1}' WHERE id = $1`, [gmOnly.id]);
    const retries: RetryInfo[] = [];
    const err = await run('INTL-1', fetch, retries, gmOnly.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BidUploadError);
    expect(err).toMatchObject({ status: 400, code: 'UNSUPPORTED_SUITE' });
    expect(retries).toEqual([]);
    expect((await t.dataSource.query(`SELECT count(*)::int AS n FROM bids WHERE tender_id = $1`, [gmOnly.id]))[0].n).toBe(0);
  });

  it.each(['INTL-1', 'GM-1'] as SuiteId[])(
    '%s: abandoned after its retries, resumed later from the platform offset; one bid; GET …/bids/mine re-verifies the receipt',
    async (suite) => {
      const own = await createPublishedTender(t, { deadlineInMs: 60 * 60_000, bidSecurityAmount: '0.00', decryptionMode: 'BIDDER_WITH_ESCROW_FALLBACK' });
      const P = 256 * 1024;
      const patches: Array<{ offset: number; bytes: number }> = [];
      let n = 0;
      // The second piece: 100 000 bytes arrive, then the network is down for good (every later PATCH fails).
      const down: typeof fetch = async (url, init) => {
        if (init?.method === 'PATCH' && ++n >= 2) {
          if (n === 2) {
            const body = init.body as Uint8Array;
            expect((await fetch(url, { ...init, body: body.subarray(0, 100_000) })).status).toBe(204);
          }
          throw new TypeError('fetch failed');
        }
        return fetch(url, init);
      };
      const err = await run(suite, down, [], own.id).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BidUploadInterruptedError);
      const pending = (err as BidUploadInterruptedError).pending;
      expect(pending.total).toBeGreaterThan(2 * P); // three pieces
      expect((await t.dataSource.query(`SELECT count(*)::int AS n FROM bids WHERE tender_id = $1`, [own.id]))[0].n).toBe(0);

      const logged: typeof fetch = async (url, init) => {
        if (init?.method === 'PATCH') patches.push({ offset: Number((init.headers as Record<string, string>)['Upload-Offset']), bytes: (init.body as Uint8Array).length });
        return fetch(url, init);
      };
      const done = await resumeUploadV2(input(suite, logged, [], own.id), pending);
      expect(patches[0]).toEqual({ offset: P + 100_000, bytes: P }); // from the platform's offset, not from 0
      expect(patches.reduce((a, p) => a + p.bytes, 0)).toBe(pending.total - P - 100_000);
      expect((await t.dataSource.query(`SELECT count(*)::int AS n FROM bids WHERE tender_id = $1`, [own.id]))[0].n).toBe(1);
      const publicKey = suite === 'GM-1' ? Buffer.from(keys.receiptPublicKeySm2, 'hex') : ed25519SpkiFromPem(keys.receiptPublicKey);
      const common = { suite: nodeSuite(suite), tenderId: own.id, bidderOrganizationId: bidder.organizationId!, receiptPublicKey: publicKey };
      expect(await verifyReceiptV2({ ...common, receipt: done.receipt, envelope: done.envelope })).toBe(true);

      // Coming back: the bidder's own bid carries the rest of the envelope, enough to verify the receipt again.
      const mine = (await t.http().get(`/api/v1/tenders/${own.id}/bids/mine`).set(bidder.auth)).body;
      expect(mine.envelope).toEqual({
        segmentSize: done.envelope.segmentSize,
        ciphertextLength: done.envelope.ciphertextLength,
        noncePrefix: done.envelope.noncePrefix,
        escrowedKey: done.envelope.escrowedKey,
      });
      const receipt: BidReceiptV2 = {
        bidId: mine.bidId,
        version: mine.version,
        receivedAt: mine.receivedAt,
        formatVersion: 2,
        suite,
        ciphertextHash: mine.ciphertextSha256,
        ciphertextLength: mine.envelope.ciphertextLength,
        envelopeHash: mine.envelopeSha256,
        envelopeSignature: mine.envelopeSignature,
        escrowedKeyStored: mine.hasEscrowedKey,
      };
      const envelope = { formatVersion: 2 as const, suite, ciphertextHash: mine.ciphertextSha256, keyCommitment: mine.keyCommitment, ...mine.envelope };
      expect(await verifyReceiptV2({ ...common, receipt, envelope })).toBe(true);
      // Nobody else gets these fields: another bidder has no bid here (404), the owner may not ask (403).
      const other = await registerParty(t, { role: Role.BIDDER });
      for (const [who, status] of [
        [other, 404],
        [own.owner, 403],
      ] as const) {
        const r = await t.http().get(`/api/v1/tenders/${own.id}/bids/mine`).set(who.auth);
        expect(r.status).toBe(status);
        expect(JSON.stringify(r.body)).not.toContain(mine.envelope.noncePrefix);
      }
      expect(
        await verifyReceiptV2({
          ...common,
          receipt,
          envelope: { ...envelope, escrowedKey: Buffer.alloc(Buffer.from(mine.envelope.escrowedKey, 'base64').length, 1).toString('base64') },
        }),
      ).toBe(false);
    },
    120_000,
  );
});
