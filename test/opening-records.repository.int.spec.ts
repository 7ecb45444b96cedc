/**
 * The opening module's repositories against the real PostgreSQL: the opening record written once (ON CONFLICT), its
 * PDF, the escrow attempts in one statement (unnest), the objections, and the read models of the bids it declares.
 */
import { createHash, randomUUID } from 'crypto';
import { OpeningBidsRepository } from 'src/modules/opening/opening-bids.repository';
import { OpeningObjectionsRepository } from 'src/modules/opening/opening-objections.repository';
import type { OpeningRecord } from 'src/modules/opening/opening-record';
import { OpeningRecordsRepository } from 'src/modules/opening/opening-records.repository';
import { plaintextOf, sealAndSubmit } from './factories/bid.factory';
import { registerParty } from './factories/identity.factory';
import { createPublishedTender, type TestTender } from './factories/tender.factory';
import { createTestApp, type TestApp } from './helpers/test-app';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('opening repositories (real PostgreSQL)', () => {
  let t: TestApp;
  let records: OpeningRecordsRepository;
  let objections: OpeningObjectionsRepository;
  let bids: OpeningBidsRepository;
  let tender: TestTender;
  let bidIds: string[];
  let bidders: Array<{ organizationId: string; userId: string }>;
  beforeAll(async () => {
    t = await createTestApp({ workers: false, env: { LEGAL_PERIODS: 'relaxed' } });
    records = t.app.get(OpeningRecordsRepository);
    objections = t.app.get(OpeningObjectionsRepository);
    bids = t.app.get(OpeningBidsRepository);
    // Two bids submitted, then opened as the deadline would (the workers are off: nothing fires by itself).
    tender = await createPublishedTender(t, { deadlineInMs: 3_600_000, bidSecurityAmount: '0.00' });
    const parties = [await registerParty(t), await registerParty(t)];
    bidIds = [];
    for (const [i, p] of parties.entries()) {
      const r = await sealAndSubmit(t, tender, p, plaintextOf(`${100 + i}.00`));
      if (r.status !== 201) throw new Error(`bid failed: ${r.status} ${JSON.stringify(r.body)}`);
      bidIds.push(r.body.bidId);
    }
    bidders = parties.map((p) => ({ organizationId: p.organizationId!, userId: p.userId }));
    // At the deadline the sealed identities are filled in clear (issue 17) and the bids opened.
    for (const [i, id] of bidIds.entries()) {
      await t.dataSource.query(`UPDATE bids SET bidder_organization_id = $2, opened_at = clock_timestamp(), status = 'OPENED' WHERE id = $1`, [id, bidders[i].organizationId]);
    }
  });
  afterAll(async () => t?.close());

  it('read models of the bids: opened bids in order of receipt with their bidders, own bid, results, counts', async () => {
    const m = t.dataSource.manager;
    const hall = await bids.hallBids(m, tender.id);
    expect(hall.map((b) => [b.id, b.bidderOrganizationId, b.status])).toEqual([
      [bidIds[0], bidders[0].organizationId, 'OPENED'],
      [bidIds[1], bidders[1].organizationId, 'OPENED'],
    ]);
    const rec = await records.recordBids(m, tender.id);
    expect(rec.map((b) => [b.id, b.hasLots, b.lotNo])).toEqual([
      [bidIds[0], false, 1],
      [bidIds[1], false, 1],
    ]);
    expect(rec[0].ciphertextSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await bids.hasOpenedBid(m, tender.id, bidders[0].organizationId)).toBe(true);
    expect(await bids.hasOpenedBid(m, tender.id, randomUUID())).toBe(false);
    expect(await bids.ownBidStatus(m, tender.id, bidIds[0], bidders[0].organizationId, 'no-index')).toBe('OPENED');
    expect(await bids.ownBidStatus(m, tender.id, bidIds[0], bidders[1].organizationId, 'no-index')).toBeNull();
    expect(await bids.decryptionResult(m, bidIds[1])).toMatchObject({ id: bidIds[1], status: 'OPENED' });
    expect(await bids.countDecrypted(m, tender.id)).toBe(0);
    expect(await bids.sealedFiles(m, bidIds)).toEqual([]); // format v1 bids: no files
  });

  it('decryption attempts: the bidder’s one row, the escrow’s one row per bid in a single statement', async () => {
    const m = t.dataSource.manager;
    await records.insertBidderAttempt(m, { bidId: bidIds[0], tenderId: tender.id, outcome: 'KEY_COMMITMENT_MISMATCH', actorId: bidders[0].userId, ip: '10.0.0.1' });
    await records.insertEscrowAttempts(m, tender.id, [
      { bidId: bidIds[0], outcome: 'DECRYPTED' },
      { bidId: bidIds[1], outcome: 'CIPHERTEXT_DAMAGED' },
    ]);
    const rows = await m.query(`SELECT bid_id, method, outcome, actor_id, ip FROM decryption_attempts WHERE tender_id = $1 ORDER BY id`, [tender.id]);
    expect(rows).toEqual([
      { bid_id: bidIds[0], method: 'BIDDER', outcome: 'KEY_COMMITMENT_MISMATCH', actor_id: bidders[0].userId, ip: '10.0.0.1' },
      { bid_id: bidIds[0], method: 'ESCROW', outcome: 'DECRYPTED', actor_id: 'system', ip: '' },
      { bid_id: bidIds[1], method: 'ESCROW', outcome: 'CIPHERTEXT_DAMAGED', actor_id: 'system', ip: '' },
    ]);
  });

  it('objections: raised once per request, locked and answered, listed in order with the bidder’s name', async () => {
    const m = t.dataSource.manager;
    const request = sha(randomUUID());
    const first = await objections.insert(m, {
      tenderId: tender.id,
      organizationId: bidders[0].organizationId,
      raisedBy: bidders[0].userId,
      text: '唱标价格有误',
      raisedAt: new Date(),
      requestSha256: request,
    });
    const second = await objections.insert(m, {
      tenderId: tender.id,
      organizationId: bidders[1].organizationId,
      raisedBy: bidders[1].userId,
      text: '解密时间不足',
      raisedAt: new Date(Date.now() + 1),
      requestSha256: sha(randomUUID()),
    });
    expect(await objections.idByRequest(m, request)).toBe(first);
    expect(await objections.idsOf(m, tender.id)).toEqual([first, second]);
    await t.dataSource.transaction(async (tx) => {
      expect(await objections.lockOf(tx, randomUUID(), first)).toBeNull();
      expect(await objections.lockOf(tx, tender.id, first)).toMatchObject({ id: first, status: 'PENDING', organizationId: bidders[0].organizationId });
      await objections.markAnswered(tx, first, { answer: '已核实，价格无误', answeredBy: tender.owner.userId, answeredAt: new Date() });
    });
    const found = await objections.find(m, first);
    expect(found).toMatchObject({ status: 'ANSWERED', answer: '已核实，价格无误', tenderId: tender.id });
    expect(found!.bidderName.length).toBeGreaterThan(0);
    expect((await records.recordObjections(m, tender.id)).map((o) => [o.id, o.status])).toEqual([
      [first, 'ANSWERED'],
      [second, 'PENDING'],
    ]);
  });

  it('the record is written once (a second write keeps the first); the PDF is kept beside it; the hall sees it closed', async () => {
    const m = t.dataSource.manager;
    expect(await records.exists(m, tender.id)).toBe(false);
    expect(await records.find(m, tender.id, true)).toBeNull();
    expect(await records.hallTender(m, tender.id)).toMatchObject({ status: 'PUBLISHED', windowClosedAt: null, procuringEntityId: tender.owner.organizationId });
    const record = { format: 'opening-record-v1', tenderId: tender.id } as unknown as OpeningRecord;
    const closedAt = new Date();
    expect(await records.insertOnce(m, tender.id, record, sha('first'), closedAt)).toBe(sha('first'));
    expect(await records.insertOnce(m, tender.id, { ...record, title: 'changed' } as OpeningRecord, sha('second'), new Date())).toBe(sha('first'));
    expect(await records.exists(m, tender.id)).toBe(true);
    const stored = await records.find(m, tender.id, true);
    expect(stored).toMatchObject({ record, recordSha256: sha('first'), pdf: null, pdfSha256: null });
    expect(stored!.createdAt).toBeInstanceOf(Date);
    await t.dataSource.transaction(async (tx) => {
      expect(await records.lockWithPdf(tx, tender.id)).toMatchObject({ recordSha256: sha('first'), pdf: null });
      await records.savePdf(tx, tender.id, { content: Buffer.from('%PDF'), sha256: sha('pdf') });
    });
    expect(await records.find(m, tender.id, false)).toMatchObject({ pdf: null, pdfSha256: sha('pdf') });
    expect((await records.find(m, tender.id, true))!.pdf).toEqual(Buffer.from('%PDF'));
    expect((await records.hallTender(m, tender.id))!.windowClosedAt).toEqual(closedAt);
  });
});
