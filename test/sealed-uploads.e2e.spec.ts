/**
 * Sealed identities (issue 17) for format v2 uploads (issue 13): before the deadline neither the upload rows nor the
 * bid they become name the bidder, its user, IP or device (a database dump learns nothing); the bidder still resumes
 * and finalises its own upload (blind index) and nobody else can; at the opening the bid and its upload are named.
 */
import { randomBytes } from 'crypto';
import { Role } from 'src/common/auth/role.enum';
import { type BidReceiptV2, sealBidV2, type SealedBidV2, verifyReceiptV2 } from 'src/sdk/v2';
import { nodeSuite } from 'src/sdk/v2/node';
import { ed25519SpkiFromPem } from 'src/sdk/core/format';
import { registerParty, type TestParty } from './factories/identity.factory';
import { createPublishedTender, type TestTender } from './factories/tender.factory';
import { createTestApp, type TestApp } from './helpers/test-app';

const SEG = 64 * 1024;

async function waitFor<T>(probe: () => Promise<T | null | undefined | false>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 150));
  }
}

describe('format v2 uploads keep the bidder sealed until the opening', () => {
  let t: TestApp;
  let tender: TestTender;
  let bidders: TestParty[];
  const bidIds: string[] = [];
  let uploadId: string;

  const url = (p = '') => `/api/v1/tenders/${tender.id}/bid-uploads${p}`;

  async function upload(b: TestParty, size: number): Promise<{ uploadId: string; receipt: BidReceiptV2 & { bidderOrganizationId: string }; envelope: SealedBidV2['envelope'] }> {
    const sealing = (await t.http().get(`/api/v1/tenders/${tender.id}`)).body.sealing;
    const segments: Buffer[] = [];
    const data = randomBytes(size);
    const sealed = await sealBidV2({
      suite: nodeSuite('INTL-1'),
      tenderId: tender.id,
      bidderOrganizationId: b.organizationId!,
      bid: { price: '1234567.00', currency: 'CNY', durationDays: 100 },
      attachments: [{ name: '投标文件.pdf', size: data.length, content: [data] }],
      escrowPublicKey: Buffer.from(sealing.escrowPublicKey, 'base64'),
      segmentSize: SEG,
      write: (s) => void segments.push(Buffer.from(s)),
    });
    const file = Buffer.concat(segments);
    const created = await t
      .http()
      .post(url())
      .set(b.auth)
      .send({ ...sealed.envelope, client: { deviceId: `device-${b.userId}`, documentAuthor: `author-${b.userId}` } })
      .expect(201);
    const id = created.body.uploadId as string;
    await t
      .http()
      .patch(url(`/${id}`))
      .set(b.auth)
      .set('Upload-Offset', '0')
      .set('Content-Type', 'application/offset+octet-stream')
      .send(file)
      .expect(204);
    const fin = await t
      .http()
      .post(url(`/${id}/finalize`))
      .set(b.auth)
      .expect(201);
    return { uploadId: id, receipt: fin.body, envelope: sealed.envelope };
  }

  beforeAll(async () => {
    t = await createTestApp({ env: { LEGAL_PERIODS: 'relaxed' } });
    tender = await createPublishedTender(t, { deadlineInMs: 8000, bidSecurityAmount: '0.00', decryptionMode: 'BIDDER_WITH_ESCROW_FALLBACK' });
    bidders = [];
    for (let i = 0; i < 3; i++) {
      const b = await registerParty(t, { role: Role.BIDDER });
      bidders.push(b);
      const u = await upload(b, 100_000 + i);
      if (i === 0) uploadId = u.uploadId;
      bidIds.push(u.receipt.bidId);
      // The receipt the bidder holds verifies against the platform key (its fields are sealed only at rest).
      const keys = (await t.http().get('/api/v1/platform/keys')).body;
      expect(u.receipt.bidderOrganizationId).toBe(b.organizationId);
      const ok = await verifyReceiptV2({
        suite: nodeSuite('INTL-1'),
        receipt: u.receipt,
        tenderId: tender.id,
        bidderOrganizationId: b.organizationId!,
        envelope: u.envelope,
        receiptPublicKey: ed25519SpkiFromPem(keys.receiptPublicKey),
      });
      expect(ok).toBe(true);
    }
  }, 90_000);
  afterAll(() => t.close());

  it('before the deadline no upload, bid or bid version row names a bidder, user, device or author', async () => {
    expect((await t.http().get(`/api/v1/tenders/${tender.id}`)).body.status).toBe('PUBLISHED');
    for (const table of ['bid_uploads', 'bids', 'bid_versions']) {
      const rows = await t.dataSource.query(`SELECT row_to_json(x)::text AS j FROM ${table} x WHERE tender_id = $1`, [tender.id]);
      expect(rows.length).toBeGreaterThanOrEqual(3);
      const dump = rows.map((r: { j: string }) => r.j).join('\n');
      for (const b of bidders) {
        for (const needle of [b.organizationId!, b.userId, `device-${b.userId}`, `author-${b.userId}`]) expect(dump).not.toContain(needle);
      }
    }
    const audit = await t.dataSource.query(`SELECT row_to_json(a)::text AS j FROM audit_events a WHERE tender_id = $1`, [tender.id]);
    const trail = audit.map((r: { j: string }) => r.j).join('\n');
    for (const b of bidders) for (const needle of [b.organizationId!, b.userId]) expect(trail).not.toContain(needle);
  });

  it('the bidder still reads its own upload and bid (blind index); another bidder gets 404', async () => {
    const own = await t
      .http()
      .head(url(`/${uploadId}`))
      .set(bidders[0].auth);
    expect(own.status).toBe(200);
    await t
      .http()
      .head(url(`/${uploadId}`))
      .set(bidders[1].auth)
      .expect(404);
    const mine = await t.http().get(`/api/v1/tenders/${tender.id}/bids/mine`).set(bidders[0].auth).expect(200);
    expect(mine.body).toMatchObject({ bidId: bidIds[0], formatVersion: 2, bidderOrganizationId: bidders[0].organizationId });
  });

  it('the opening names the bids and the uploads that became bids', async () => {
    await waitFor(async () => (await t.http().get(`/api/v1/tenders/${tender.id}`)).body.status === 'OPENING');
    const bids = await t.dataSource.query(`SELECT id, bidder_organization_id, device_id FROM bids WHERE tender_id = $1 ORDER BY received_at`, [tender.id]);
    expect(bids.map((b: { bidder_organization_id: string }) => b.bidder_organization_id)).toEqual(bidders.map((b) => b.organizationId));
    expect(bids.map((b: { device_id: string }) => b.device_id)).toEqual(bidders.map((b) => `device-${b.userId}`));
    const uploads = await t.dataSource.query(`SELECT bidder_organization_id FROM bid_uploads WHERE tender_id = $1 AND status = 'FINALIZED' ORDER BY created_at`, [tender.id]);
    expect(uploads.map((u: { bidder_organization_id: string }) => u.bidder_organization_id)).toEqual(bidders.map((b) => b.organizationId));
  });
});
