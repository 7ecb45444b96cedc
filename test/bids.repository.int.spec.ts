/**
 * The bids module's repositories against the real PostgreSQL: the submission's one-statement locks and writes
 * (tender FOR SHARE + bidder slot, first insert that loses to a concurrent one, replacement with its version row and
 * the audit stream lock), format v2 versions and the blob hygiene's SKIP LOCKED reads, the opening's bulk changes
 * and unsealed identities, and the pending answers to a bid validity extension.
 */
import { createHash, randomBytes, randomUUID } from 'crypto';
import { Role } from 'src/common/auth/role.enum';
import { BidStatus, BidStatusReason } from 'src/modules/bids/bid.enums';
import type { StoredIdentity } from 'src/modules/bids/bid-identity-sealer';
import { BidValidityExtensionsRepository } from 'src/modules/bids/bid-validity/bid-validity-extensions.repository';
import { BidsRepository, type BidVersionV2Row, type NewBidRow } from 'src/modules/bids/bids.repository';
import { BidUploadsRepository } from 'src/modules/bids/uploads/bid-uploads.repository';
import { registerParty, type TestParty } from './factories/identity.factory';
import { createPublishedTender } from './factories/tender.factory';
import { createTestApp, type TestApp } from './helpers/test-app';

const hex = () => createHash('sha256').update(randomBytes(16)).digest('hex');

const inClear = (p: TestParty): StoredIdentity => ({
  organizationId: p.organizationId,
  userId: p.userId,
  ip: '10.0.0.7',
  deviceId: 'device-1',
  macAddresses: ['00:11:22:33:44:55'],
  toolVersion: null,
  documentAuthor: null,
  signature: 'receipt-signature',
  envelopeSha256: null,
  envelopeSignature: null,
  blindIndex: null,
  sealedIdentity: null,
});

const v1 = (tenderId: string, identity: StoredIdentity, bidId: string, version: number): NewBidRow => {
  const ciphertext = randomBytes(64);
  return {
    bidId,
    version,
    tenderId,
    receivedAt: new Date(),
    keyCommitment: hex(),
    escrowedKey: null,
    ciphertextSha256: createHash('sha256').update(ciphertext).digest('hex'),
    ciphertextBytes: ciphertext.length,
    ciphertext,
    iv: randomBytes(12),
    lotNo: 1,
    identity,
  };
};

describe('bids repositories (real PostgreSQL)', () => {
  let t: TestApp;
  let bids: BidsRepository;
  let uploads: BidUploadsRepository;
  let extensions: BidValidityExtensionsRepository;
  beforeAll(async () => {
    t = await createTestApp({ workers: false, env: { LEGAL_PERIODS: 'relaxed' } });
    bids = t.app.get(BidsRepository);
    uploads = t.app.get(BidUploadsRepository);
    extensions = t.app.get(BidValidityExtensionsRepository);
  });
  afterAll(async () => t?.close());

  /** Whether another connection can take the advisory lock `key` (namespace `ns`) right now. */
  const lockFree = async (key: string, ns: number) => (await t.dataSource.query(`SELECT pg_try_advisory_xact_lock(hashtextextended($1, $2)) AS ok`, [key, ns]))[0].ok as boolean;

  it('locks the tender FOR SHARE and the bidder slot in one statement, reading the clock after; null for no tender', async () => {
    const tender = await createPublishedTender(t);
    const bidder = await registerParty(t, { role: Role.BIDDER });
    expect(await t.dataSource.transaction((m) => bids.lockTenderForBids(m, randomUUID()))).toBeNull();
    await t.dataSource.transaction(async (m) => {
      const before = new Date();
      const locked = await bids.lockTenderForBids(m, tender.id, { bidderSlot: { organizationId: bidder.organizationId!, lotNo: 1 } });
      expect(locked?.tender).toMatchObject({ id: tender.id, suspended: false });
      expect(locked!.now.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1000);
      expect(await lockFree(`bid-slot:${tender.id}:${bidder.organizationId}`, 11)).toBe(false);
      await expect(t.dataSource.query(`SELECT 1 FROM tenders WHERE id = $1 FOR UPDATE NOWAIT`, [tender.id])).rejects.toThrow(/lock/);
      // A lot other than 1 is its own slot.
      await bids.lockBidderSlot(m, tender.id, bidder.organizationId!, 2);
      expect(await lockFree(`bid-slot:${tender.id}:2:${bidder.organizationId}`, 11)).toBe(false);
    });
    expect(await lockFree(`bid-slot:${tender.id}:${bidder.organizationId}`, 11)).toBe(true);
  });

  it('writes a first v1 bid and its version once (a concurrent first insert writes nothing), then replaces it, locking the audit stream', async () => {
    const tender = await createPublishedTender(t);
    const bidder = await registerParty(t, { role: Role.BIDDER });
    const id = inClear(bidder);
    const first = v1(tender.id, id, randomUUID(), 1);
    await t.dataSource.transaction(async (m) => {
      expect(await bids.insertFirstV1(m, first, `bid:${first.bidId}`)).toBe(true);
      expect(await lockFree(`bid:${first.bidId}`, 7)).toBe(false);
    });
    // Another first submission of the same bidder: UQ_BIDS_TENDER_LOT_BIDDER, no row, no version, no lock.
    const loser = v1(tender.id, id, randomUUID(), 1);
    await t.dataSource.transaction(async (m) => {
      expect(await bids.insertFirstV1(m, loser, `bid:${loser.bidId}`)).toBe(false);
      expect(await lockFree(`bid:${loser.bidId}`, 7)).toBe(true);
    });
    const current = await t.dataSource.transaction((m) => bids.findCurrentForUpdate(m, tender.id, bidder.organizationId!, 1, null));
    expect(current).toMatchObject({ id: first.bidId, version: 1, status: BidStatus.SUBMITTED, ciphertextSha256: first.ciphertextSha256, escrowedKey: null });
    expect(current!.iv.equals(first.iv)).toBe(true);

    const next = v1(tender.id, id, first.bidId, 2);
    await t.dataSource.transaction((m) => bids.replaceV1(m, next, `bid:${first.bidId}`));
    const versions = await bids.versionsOf(t.dataSource.manager, first.bidId);
    expect(versions.map((v) => [v.version, v.ciphertextSha256])).toEqual([
      [1, first.ciphertextSha256],
      [2, next.ciphertextSha256],
    ]);
    const mine = await bids.findMine(t.dataSource.manager, tender.id, bidder.organizationId!, 'f'.repeat(64), 1);
    expect(mine).toMatchObject({ id: first.bidId, version: 2, formatVersion: 1, hasEscrowedKey: false, withdrawnAt: null });
  });

  it('v2 versions: a file replaced by a later version is listed for deletion (SKIP LOCKED while the bid is held), once', async () => {
    const tender = await createPublishedTender(t);
    const bidder = await registerParty(t, { role: Role.BIDDER });
    const bidId = randomUUID();
    const row: BidVersionV2Row = {
      bidId,
      version: 1,
      tenderId: tender.id,
      receivedAt: new Date(),
      keyCommitment: hex(),
      escrowedKey: null,
      ciphertextSha256: hex(),
      ciphertextBytes: 4096,
      noncePrefix: randomBytes(7),
      suite: 'INTL-1',
      segmentSize: 65536,
      blobKey: `uploads/${randomUUID()}`,
      identity: inClear(bidder),
    };
    await t.dataSource.transaction(async (m) => {
      await bids.insertV2(m, row);
      await bids.insertVersionV2(m, row);
    });
    expect(await bids.findUploadVersion(t.dataSource.manager, bidId, row.blobKey)).toMatchObject({ bidId, version: 1, hasEscrowedKey: false });
    const listed = async () => (await t.dataSource.transaction((m) => bids.supersededFilesForUpdate(m, 1000))).filter((v) => v.bidId === bidId);
    expect(await listed()).toEqual([]); // the current file
    await t.dataSource.transaction((m) => bids.replaceV1(m, v1(tender.id, inClear(bidder), bidId, 2), `bid:${bidId}`));
    expect(await listed()).toEqual([{ bidId, version: 1, tenderId: tender.id, blobKey: row.blobKey, ciphertextSha256: row.ciphertextSha256, currentVersion: 2 }]);

    const holder = t.dataSource.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    try {
      await bids.findCurrentForUpdate(holder.manager, tender.id, bidder.organizationId!, 1, null);
      expect(await listed()).toEqual([]); // skipped, not waited for
    } finally {
      await holder.rollbackTransaction();
      await holder.release();
    }
    await t.dataSource.transaction((m) => bids.markVersionFileDeleted(m, bidId, 1));
    expect(await listed()).toEqual([]);
  });

  it('uploads: an old OPEN upload is abandonable unless a finalisation holds it (SKIP LOCKED)', async () => {
    const tender = await createPublishedTender(t);
    const bidder = await registerParty(t, { role: Role.BIDDER });
    const id = randomUUID();
    await t.dataSource.transaction((m) =>
      uploads.insert(m, {
        id,
        tenderId: tender.id,
        bidderOrganizationId: bidder.organizationId,
        submittedBy: bidder.userId,
        suite: 'INTL-1',
        segmentSize: 65536,
        ciphertextLength: 4096,
        ciphertextHash: hex(),
        noncePrefix: randomBytes(7),
        keyCommitment: hex(),
        escrowedKey: null,
        client: { deviceId: 'device-1' },
        ip: '10.0.0.7',
        blindIndex: null,
        sealedClient: null,
      }),
    );
    const own = { uploadId: id, tenderId: tender.id, organizationId: bidder.organizationId, blindIndex: null };
    expect(await uploads.findOwn(t.dataSource.manager, own)).toMatchObject({ id, status: 'OPEN', client: { deviceId: 'device-1' }, bidId: null });
    await t.dataSource.transaction((m) => uploads.addPiece(m, id, 0, 1024, `uploads/${id}/0`));
    expect(await uploads.pieces(t.dataSource.manager, id)).toEqual([{ offset: 0, length: 1024, blobKey: `uploads/${id}/0` }]);

    // Untouched for 0 hours: too old, the deadline not passed.
    const abandonable = async () => (await t.dataSource.transaction((m) => uploads.abandonableForUpdate(m, 0, 1000))).filter((u) => u.id === id);
    expect(await abandonable()).toEqual([{ id, tenderId: tender.id, receivedBytes: 1024, ciphertextHash: expect.any(String), deadlinePassed: false }]);
    const holder = t.dataSource.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    try {
      await uploads.findOwn(holder.manager, own, true);
      expect(await abandonable()).toEqual([]);
    } finally {
      await holder.rollbackTransaction();
      await holder.release();
    }
    await t.dataSource.transaction(async (m) => {
      await uploads.deletePieces(m, id);
      await uploads.markAbandoned(m, id, 'EXPIRED');
    });
    expect(await abandonable()).toEqual([]);
    expect(await uploads.pieceKeys(t.dataSource.manager, id)).toEqual([]);
  });

  it('the opening: marks submitted bids opened (returning them), fails them in bulk; an extension lists the bids that have not answered', async () => {
    const tender = await createPublishedTender(t);
    const parties = [await registerParty(t, { role: Role.BIDDER }), await registerParty(t, { role: Role.BIDDER }), await registerParty(t, { role: Role.BIDDER })];
    const rows = parties.map((p) => v1(tender.id, inClear(p), randomUUID(), 1));
    await t.dataSource.transaction(async (m) => {
      for (const r of rows) await bids.insertFirstV1(m, r, `bid:${r.bidId}`);
    });
    const m0 = t.dataSource.manager;
    expect(await bids.countSubmitted(m0, tender.id)).toBe(3);
    const opened = await t.dataSource.transaction((m) => bids.markOpened(m, tender.id, new Date(), null));
    expect(opened.map((o) => o.id).sort()).toEqual(rows.map((r) => r.bidId).sort());
    expect(await bids.countSubmitted(m0, tender.id)).toBe(0);
    expect(await bids.countUndecrypted(m0, tender.id)).toBe(3);
    expect((await bids.loadSealedParts(m0, [rows[0].bidId]))[0].ciphertext.equals(rows[0].ciphertext)).toBe(true);

    const extensionId = await t.dataSource.transaction((m) =>
      extensions.insert(m, {
        tenderId: tender.id,
        previousEndsOn: '2030-01-01',
        extendTo: '2030-02-01',
        reason: 'test',
        respondBy: new Date(Date.now() + 3_600_000),
        requestedBy: parties[0].userId,
      }),
    );
    await t.dataSource.transaction((m) =>
      extensions.insertResponse(m, {
        extensionId,
        bidId: rows[0].bidId,
        bidderOrganizationId: parties[0].organizationId!,
        decision: 'ACCEPT',
        respondedBy: parties[0].userId,
        respondedAt: new Date(),
      }),
    );
    const live = [BidStatus.OPENED, BidStatus.DECRYPTED];
    expect(await extensions.pendingBidIds(m0, tender.id, live, extensionId)).toEqual([rows[1].bidId, rows[2].bidId].sort());
    expect(await extensions.priorResponses(m0, extensionId, [rows[0].bidId, rows[1].bidId])).toEqual([{ decision: 'ACCEPT', respondedAt: expect.any(Date) }]);

    await t.dataSource.transaction((m) => bids.saveFailed(m, [{ bidId: rows[1].bidId, status: BidStatus.REVOKED, reason: BidStatusReason.NOT_DECRYPTED_BY_BIDDER }]));
    expect((await bids.listUndecrypted(m0, tender.id)).map((b) => b.bidId).sort()).toEqual([rows[0].bidId, rows[2].bidId].sort());
    expect(await extensions.pendingBidIds(m0, tender.id, live, extensionId)).toEqual([rows[2].bidId]);
  });

  it('unseals identities in one statement per table (jsonb_to_recordset), and finds the tenders with sealed bids', async () => {
    const tender = await createPublishedTender(t);
    const bidder = await registerParty(t, { role: Role.BIDDER });
    const sealed: StoredIdentity = {
      ...inClear(bidder),
      organizationId: null,
      userId: null,
      ip: null,
      deviceId: null,
      macAddresses: [],
      blindIndex: hex(),
      sealedIdentity: 'sealed-identity',
    };
    const row = v1(tender.id, sealed, randomUUID(), 1);
    await t.dataSource.transaction((m) => bids.insertFirstV1(m, row, `bid:${row.bidId}`));
    expect(await bids.tendersWithSealedBids(t.dataSource.manager)).toContain(tender.id);
    const [b] = await t.dataSource.transaction((m) => bids.sealedBidsForUpdate(m, tender.id));
    const [v] = await bids.sealedVersions(t.dataSource.manager, tender.id);
    expect(b).toEqual({ bidId: row.bidId, version: 1, sealedIdentity: 'sealed-identity', signature: 'receipt-signature', envelopeSha256: null, envelopeSignature: null });
    expect(v).toEqual(b);
    const clear = {
      bid_id: row.bidId,
      version: 1,
      org: bidder.organizationId!,
      usr: bidder.userId,
      ip: '10.0.0.8',
      dev: 'device-2',
      macs: ['aa:bb:cc:dd:ee:ff', '00:00:00:00:00:01'],
      tool: null,
      author: '张三',
      sig: 'clear-signature',
      esha: null,
      esig: null,
    };
    await t.dataSource.transaction(async (m) => {
      await bids.unsealVersions(m, tender.id, [clear]);
      await bids.unsealBids(m, tender.id, [clear]);
    });
    expect(await bids.tendersWithSealedBids(t.dataSource.manager)).not.toContain(tender.id);
    const [fp] = await t.dataSource.query(`SELECT bidder_organization_id, mac_addresses, document_author, signature FROM bids WHERE id = $1`, [row.bidId]);
    expect(fp).toEqual({ bidder_organization_id: bidder.organizationId, mac_addresses: clear.macs, document_author: '张三', signature: 'clear-signature' });
    const [fv] = await t.dataSource.query(`SELECT bidder_organization_id, ip FROM bid_versions WHERE bid_id = $1`, [row.bidId]);
    expect(fv).toEqual({ bidder_organization_id: bidder.organizationId, ip: '10.0.0.8' });
  });
});
