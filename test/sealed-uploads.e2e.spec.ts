/**
 * Sealed identities (issue 17) for format v2 uploads (issue 13): before the deadline neither the upload rows nor the
 * bid they become name the bidder, its user, IP or device (a database dump learns nothing); the bidder still resumes
 * and finalises its own upload (blind index) and nobody else can; at the opening the bid and its upload are named.
 * Who started an upload (user, IP, client) is sealed to the tender's identity key, so the operator — database and
 * process environment with SEALING_MASTER_KEY — cannot name it either; an upload started before that (its submitter
 * sealed for the platform) still finalises.
 */
import { randomBytes } from 'crypto';
import { SYSTEM_ACTOR } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { BidIdentitySealer, uploadSubmitterAad, type UploadSubmitter } from 'src/modules/bids/bid-identity-sealer';
import { IdentityKeyService } from 'src/modules/custody/identity-key.service';
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

/** Every purpose the platform derives a key for from SEALING_MASTER_KEY (IdentityKeyService.platformSeal). */
const PLATFORM_PURPOSES = [
  'bid-security-owner',
  'bid-security-payer',
  'bid-security-refund',
  'bid-security-payee',
  'bid-guarantee-owner',
  'tender-objector',
  'complainant',
  'notification-recipient',
  'notification-reader',
  'document-download-recipient',
];

const clientOf = (b: TestParty, tag = '') => ({
  deviceId: `device${tag}-${b.userId}`,
  macAddresses: ['00:1a:2b:3c:4d:5e'],
  toolVersion: `tool${tag}-${b.userId}`,
  documentAuthor: `author${tag}-${b.userId}`,
});

describe('format v2 uploads keep the bidder sealed until the opening', () => {
  let t: TestApp;
  let tender: TestTender;
  let bidders: TestParty[];
  /** Its upload's submitter was sealed for the platform (a row from before the identity tier). */
  let legacy: TestParty;
  let legacyUploadId: string;
  const bidIds: string[] = [];
  let uploadId: string;
  /** Every upload that became a bid version: who, with which client. */
  const versions: Array<{ bidder: TestParty; uploadId: string; bidId: string; version: number; client: ReturnType<typeof clientOf> }> = [];

  const url = (p = '') => `/api/v1/tenders/${tender.id}/bid-uploads${p}`;

  async function upload(
    b: TestParty,
    size: number,
    opts: { tag?: string; beforePieces?: (uploadId: string) => Promise<void> } = {},
  ): Promise<{ uploadId: string; receipt: BidReceiptV2 & { bidderOrganizationId: string }; envelope: SealedBidV2['envelope'] }> {
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
      .send({ ...sealed.envelope, client: clientOf(b, opts.tag) })
      .expect(201);
    const id = created.body.uploadId as string;
    if (opts.beforePieces) await opts.beforePieces(id);
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
    versions.push({ bidder: b, uploadId: id, bidId: fin.body.bidId, version: fin.body.version, client: clientOf(b, opts.tag) });
    return { uploadId: id, receipt: fin.body, envelope: sealed.envelope };
  }

  /** A legacy row: the submitter sealed under the platform key derived from SEALING_MASTER_KEY, as before. */
  async function makeLegacy(id: string, b: TestParty): Promise<void> {
    const submitter: UploadSubmitter = { userId: b.userId, ip: '::ffff:127.0.0.1', client: clientOf(b) };
    const sealed = t.app.get(BidIdentitySealer).sealForPlatform(submitter, uploadSubmitterAad(tender.id, id));
    await t.dataSource.query(`UPDATE bid_uploads SET sealed_client = $2 WHERE id = $1`, [id, sealed]);
  }

  beforeAll(async () => {
    t = await createTestApp({ env: { LEGAL_PERIODS: 'relaxed' } });
    tender = await createPublishedTender(t, { deadlineInMs: 20_000, bidSecurityAmount: '0.00', decryptionMode: 'BIDDER_WITH_ESCROW_FALLBACK' });
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
    // A second version of the first bid (TBL Art. 29), from another device.
    const again = await upload(bidders[0], 90_000, { tag: '-v2' });
    expect(again.receipt).toMatchObject({ bidId: bidIds[0], version: 2 });
    // An upload whose submitter was sealed for the platform (before the identity tier) still finalises.
    legacy = await registerParty(t, { role: Role.BIDDER });
    const old = await upload(legacy, 80_000, { beforePieces: (id) => makeLegacy(id, legacy) });
    legacyUploadId = old.uploadId;
    bidIds.push(old.receipt.bidId);
  }, 120_000);
  afterAll(() => t.close());

  it('before the deadline no upload, bid or bid version row names a bidder, user, device or author', async () => {
    expect((await t.http().get(`/api/v1/tenders/${tender.id}`)).body.status).toBe('PUBLISHED');
    for (const table of ['bid_uploads', 'bids', 'bid_versions']) {
      const rows = await t.dataSource.query(`SELECT row_to_json(x)::text AS j FROM ${table} x WHERE tender_id = $1`, [tender.id]);
      expect(rows.length).toBeGreaterThanOrEqual(4);
      const dump = rows.map((r: { j: string }) => r.j).join('\n');
      for (const b of [...bidders, legacy]) {
        for (const needle of [b.organizationId!, b.userId, `device-${b.userId}`, `author-${b.userId}`, `tool-${b.userId}`, 'device-v2-']) expect(dump).not.toContain(needle);
      }
    }
    const audit = await t.dataSource.query(`SELECT row_to_json(a)::text AS j FROM audit_events a WHERE tender_id = $1`, [tender.id]);
    const trail = audit.map((r: { j: string }) => r.j).join('\n');
    for (const b of bidders) for (const needle of [b.organizationId!, b.userId]) expect(trail).not.toContain(needle);
  });

  it('the operator (database + SEALING_MASTER_KEY) trying every platform-held key on every sealed column of bid_uploads, bids and bid_versions cannot name a v2 bidder, its user, IP, device, tool or author', async () => {
    expect((await t.http().get(`/api/v1/tenders/${tender.id}`)).body.status).toBe('PUBLISHED');
    const sealer = t.app.get(BidIdentitySealer);
    const keys = t.app.get(IdentityKeyService);
    const uploads: Array<{ id: string; sealed_client: string }> = await t.dataSource.query(`SELECT id, sealed_client FROM bid_uploads WHERE tender_id = $1 AND id <> $2`, [
      tender.id,
      legacyUploadId,
    ]);
    expect(uploads.length).toBe(4);
    for (const u of uploads) expect(u.sealed_client).toMatch(/^identity:\{/); // sealed to the tender's identity key
    const sealedCols = `sealed_identity, signature, envelope_sha256, envelope_signature`;
    const bidRows: Array<Record<string, string | number>> = [
      ...(await t.dataSource.query(`SELECT id AS bid_id, version, ${sealedCols} FROM bids WHERE tender_id = $1`, [tender.id])),
      ...(await t.dataSource.query(`SELECT bid_id, version, ${sealedCols} FROM bid_versions WHERE tender_id = $1`, [tender.id])),
    ];
    expect(bidRows.length).toBe(4 + 5);
    // Every sealed value, as stored and (for those sealed to a public key) its AES-GCM part alone.
    const values: string[] = [];
    const add = (v: string | null) => {
      if (!v) return;
      values.push(v);
      const bare = v.startsWith('identity:') ? v.slice('identity:'.length) : v;
      if (bare !== v) values.push(bare);
      if (bare.startsWith('{')) values.push((JSON.parse(bare) as { c: string }).c);
    };
    for (const u of uploads) add(u.sealed_client);
    for (const r of bidRows) for (const c of ['sealed_identity', 'signature', 'envelope_sha256', 'envelope_signature']) add(r[c] as string | null);
    const aads = [
      '',
      ...uploads.map((u) => uploadSubmitterAad(tender.id, u.id)),
      ...bidRows.map((r) => `bid-identity|${tender.id}|${r.bid_id}|${r.version}`),
      ...bidRows.map((r) => `bid-receipt|${r.bid_id}`),
    ];
    const bidRowIds = [...new Set(bidRows.map((r) => r.bid_id as string))];
    const needles = [...bidders, legacy]
      .flatMap((b) => [b.organizationId!, b.userId, `device-${b.userId}`, `tool-${b.userId}`, `author-${b.userId}`])
      .concat(['127.0.0.1', 'device-v2-']);
    const opened: string[] = [];
    const attempt = (f: () => unknown) => {
      try {
        opened.push(JSON.stringify(f()));
      } catch {
        // not this key
      }
    };
    for (const v of values) {
      for (const aad of aads) {
        attempt(() => sealer.openForPlatform(v, aad));
        for (const purpose of PLATFORM_PURPOSES) attempt(() => keys.platformOpen(purpose, v, aad));
      }
      for (const bidId of bidRowIds) attempt(() => sealer.receiptField(v, bidId));
    }
    // The receipt fields open (signatures and hashes: nothing names the submitter); nothing else does.
    for (const o of opened) for (const n of needles) expect(o).not.toContain(n);
    // The identity key: the custodians refuse before the deadline.
    await expect(t.dataSource.transaction((m) => keys.withOpener(m, tender.id, SYSTEM_ACTOR, async () => 0))).rejects.toMatchObject({ code: 'SEALED_UNTIL_OPENING' });
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

  it('the opening names the bids and the uploads that became bids: every version shows organisation, user, IP, device, tool and author (the legacy upload too)', async () => {
    await waitFor(async () => (await t.http().get(`/api/v1/tenders/${tender.id}`)).body.status === 'OPENING', 40_000);
    const all = [...bidders, legacy];
    const bids = await t.dataSource.query(`SELECT id, bidder_organization_id, submitted_by, device_id, document_author FROM bids WHERE tender_id = $1`, [tender.id]);
    expect(bids).toHaveLength(4);
    for (const [i, b] of all.entries()) {
      const tag = i === 0 ? '-v2' : ''; // the first bid's current version came from another device
      expect(bids.find((x: { id: string }) => x.id === bidIds[i])).toMatchObject({
        bidder_organization_id: b.organizationId,
        submitted_by: b.userId,
        device_id: `device${tag}-${b.userId}`,
        document_author: `author${tag}-${b.userId}`,
      });
    }
    const rows = await t.dataSource.query(
      `SELECT bid_id, version, bidder_organization_id, submitted_by, ip, device_id, mac_addresses, tool_version, document_author, sealed_identity IS NOT NULL AS sealed
       FROM bid_versions WHERE tender_id = $1`,
      [tender.id],
    );
    expect(rows).toHaveLength(versions.length);
    for (const v of versions) {
      const row = rows.find((r: { bid_id: string; version: number }) => r.bid_id === v.bidId && r.version === v.version);
      expect(row).toMatchObject({
        bidder_organization_id: v.bidder.organizationId,
        submitted_by: v.bidder.userId,
        ip: expect.stringMatching(/127\.0\.0\.1/),
        device_id: v.client.deviceId,
        mac_addresses: v.client.macAddresses,
        tool_version: v.client.toolVersion,
        document_author: v.client.documentAuthor,
      });
    }
    // The collusion screens read the same columns (supervision's flag inputs): device and author are there.
    const uploads = await t.dataSource.query(`SELECT id, bidder_organization_id, submitted_by, client FROM bid_uploads WHERE tender_id = $1 AND status = 'FINALIZED'`, [tender.id]);
    expect(uploads).toHaveLength(versions.length);
    for (const v of versions) {
      const u = uploads.find((x: { id: string }) => x.id === v.uploadId);
      expect(u.bidder_organization_id).toBe(v.bidder.organizationId);
      // Named with the identity key at the opening (the legacy row keeps its platform-tier seal, unnamed as before).
      if (v.uploadId !== legacyUploadId) expect(u).toMatchObject({ submitted_by: v.bidder.userId, client: v.client });
    }
  });
});
