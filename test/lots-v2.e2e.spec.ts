/**
 * 标段 (lots) meet sealed-bid format v2: a resumable upload is for one lot (`lotNo` at creation, default 1). Against
 * the real services: a v2 bid on lot 2 (the SDK's sealAndUploadV2 and `bid-seal upload --lot 2`), shown and
 * withdrawn per lot, replacing the bidder's bid on that lot only; a lot the tender does not have (404) stores nothing;
 * a lot without its security is refused at the finalisation (409 BID_SECURITY_MISSING, as v1 at its submission) and
 * the upload finalised once it is paid; and, after the deadline, the lot-2 v2 bids opened by their bidder and by escrow.
 */
import { spawn } from 'child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { randomBytes } from 'crypto';
import { type AddressInfo } from 'net';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { ScheduledEventKind } from 'src/infra/queue/queue.constants';
import { SchedulerService } from 'src/modules/scheduling/scheduler.service';
import { sealAndUploadV2, sealBidV2, type SuiteId } from 'src/sdk/v2';
import { nodeSuite } from 'src/sdk/v2/node';
import { sealAndSubmit } from './factories/bid.factory';
import { notification, pay, waitFor } from './factories/bid-security.factory';
import { registerParty, type TestParty } from './factories/identity.factory';
import { createPublishedTender, type TestTender } from './factories/tender.factory';
import { createTestApp, type TestApp } from './helpers/test-app';

const BIN = resolve(__dirname, '..', 'bin', 'bid-seal.js');
const SEG = 64 * 1024;

describe('lots (标段) — format v2 uploads per lot (e2e)', () => {
  let t: TestApp;
  let base: string;
  let dir: string;
  beforeAll(async () => {
    t = await createTestApp({ env: { LEGAL_PERIODS: 'relaxed', BLOB_STORE_DIR: mkdtempSync(join(tmpdir(), 'lots-v2-blobs-')) } });
    await new Promise<void>((r) => t.app.getHttpServer().listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    dir = mkdtempSync(join(tmpdir(), 'lots-v2-cli-'));
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const lots = (lot2Security?: string) => [
    { title: '第一标段：K0+000~K5+200', budget: '20000000.00' },
    { title: '第二标段：K5+200~K9+800', budget: '20000000.00', ...(lot2Security ? { bidSecurityAmount: lot2Security } : {}) },
  ];
  const sealingOf = async (tender: TestTender) => (await t.http().get(`/api/v1/tenders/${tender.id}`)).body.sealing as { escrowPublicKey: string; escrowPublicKeySm2: string };
  const escrowKey = (s: { escrowPublicKey: string; escrowPublicKeySm2: string }, suite: SuiteId) =>
    Buffer.from(suite === 'GM-1' ? s.escrowPublicKeySm2 : s.escrowPublicKey, suite === 'GM-1' ? 'hex' : 'base64');

  /** Seals a v2 bid file with the SDK (in memory: small files). */
  async function sealFile(tender: TestTender, who: TestParty, suite: SuiteId, price: string, size = 150_000) {
    const segments: Buffer[] = [];
    const data = randomBytes(size);
    const sealed = await sealBidV2({
      suite: nodeSuite(suite),
      tenderId: tender.id,
      bidderOrganizationId: who.organizationId!,
      bid: { price, currency: 'CNY', durationDays: 180 },
      attachments: [{ name: '投标文件.pdf', size: data.length, content: [data] }],
      escrowPublicKey: escrowKey(await sealingOf(tender), suite),
      segmentSize: SEG,
      write: (s) => void segments.push(Buffer.from(s)),
    });
    return { sealed, file: Buffer.concat(segments), data };
  }

  /** Create (with `lotNo` unless undefined), one PATCH, finalise: over HTTP as any client would. */
  async function uploadV2(tender: TestTender, who: TestParty, lotNo: number | undefined, suite: SuiteId = 'INTL-1', price = '9000000.00') {
    const { sealed, file, data } = await sealFile(tender, who, suite, price);
    const url = (p = '') => `/api/v1/tenders/${tender.id}/bid-uploads${p}`;
    const created = await t
      .http()
      .post(url())
      .set(who.auth)
      .send({ ...sealed.envelope, client: { deviceId: `dev-${who.username}` }, ...(lotNo === undefined ? {} : { lotNo }) });
    if (created.status !== 201) return { created, sealed, data };
    const id = created.body.uploadId as string;
    await t
      .http()
      .patch(url(`/${id}`))
      .set(who.auth)
      .set('Upload-Offset', '0')
      .set('Content-Type', 'application/offset+octet-stream')
      .send(file)
      .expect(204);
    const fin = await t
      .http()
      .post(url(`/${id}/finalize`))
      .set(who.auth);
    return { created, fin, sealed, data };
  }

  const uploadRows = async (tenderId: string) => (await t.dataSource.query(`SELECT count(*)::int AS n FROM bid_uploads WHERE tender_id = $1`, [tenderId]))[0].n as number;

  it('a v2 bid on lot 2: its own security at the finalisation, 404 for a lot the tender lacks, mine and withdrawal per lot, the bid on lot 1 untouched', async () => {
    const tender = await createPublishedTender(t, { deadlineInMs: 60 * 60_000, extra: { lots: lots('100000.00') } });
    const a = await registerParty(t);
    const lotPath = (lotNo: number, rest: string) => `/api/v1/tenders/${tender.id}/lots/${lotNo}/${rest}`;
    const account = async (lotNo: number) => (await t.http().get(lotPath(lotNo, 'bid-security/account')).set(a.auth).expect(200)).body;

    // A lot the tender does not have: 404 as the v1 lot route; a lot number out of range: 400. Nothing stored.
    const none = await uploadV2(tender, a, 3);
    expect([none.created.status, none.created.body.code]).toEqual([404, 'NOT_FOUND']);
    for (const bad of [0, 1.5, '2', 51]) {
      const r = await uploadV2(tender, a, bad as number);
      expect([r.created.status, r.created.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    }
    expect(await uploadRows(tender.id)).toBe(0);

    // Lot 1's security is paid, lot 2's not: finalising a lot-2 upload (the submission moment) is refused with v1's
    // code and stores no bid; the upload stays open and is finalised once lot 2's security is in.
    const lot1 = await account(1);
    await pay(t, notification({ virtualAccountNo: lot1.virtualAccountNo, amount: lot1.amount }));
    const unpaid = await uploadV2(tender, a, 2);
    expect(unpaid.created.body).toMatchObject({ status: 'OPEN', lotNo: 2 });
    expect([unpaid.fin!.status, unpaid.fin!.body.code]).toEqual([409, 'BID_SECURITY_MISSING']);
    expect((await t.dataSource.query(`SELECT count(*)::int AS n FROM bids WHERE tender_id = $1`, [tender.id]))[0].n).toBe(0);
    expect((await t.http().get(lotPath(2, 'bids/mine')).set(a.auth)).status).toBe(404);
    const lot2 = await account(2);
    expect(lot2.amount).toBe('100000.00');
    await pay(t, notification({ virtualAccountNo: lot2.virtualAccountNo, amount: '100000.00' }));
    const paid = await t.http().post(`/api/v1/tenders/${tender.id}/bid-uploads/${unpaid.created.body.uploadId}/finalize`).set(a.auth);
    expect(paid.status).toBe(201);
    expect(paid.body).toMatchObject({ version: 1, lotNo: 2 });

    // Lot 1: a v1 bid. Lot 2: a v2 bid through the SDK's upload client (the console's and the CLI's).
    const v1 = await sealAndSubmit(t, tender, a, '19000000.00');
    expect(v1.status).toBe(201);
    const data = Buffer.alloc(300_000, 0x33);
    const s = await sealingOf(tender);
    const done = await sealAndUploadV2({
      suite: nodeSuite('GM-1'),
      tenderId: tender.id,
      bidderOrganizationId: a.organizationId!,
      bid: { price: '9000000.00', currency: 'CNY' },
      attachments: () => [{ name: '投标文件.pdf', size: data.length, content: [data] }],
      escrowPublicKey: escrowKey(s, 'GM-1'),
      client: { deviceId: `dev-${a.username}` },
      lotNo: 2,
      transport: { url: `${base}/api/v1/tenders/${tender.id}/bid-uploads`, headers: () => ({ Authorization: `Bearer ${a.token}` }) },
      segmentSize: SEG,
      pieceSize: 128 * 1024,
    });
    expect(done.receipt).toMatchObject({ bidId: paid.body.bidId, formatVersion: 2, suite: 'GM-1', version: 2, lotNo: 2 });
    expect(done.receipt.bidId).not.toBe(v1.body.bidId);
    const status = await t.http().get(`/api/v1/tenders/${tender.id}/bid-uploads/${done.uploadId}`).set(a.auth).expect(200);
    expect(status.body).toMatchObject({ status: 'FINALIZED', lotNo: 2 });

    // Each lot shows its own bid: lot 2 the v2 one, with its envelope (as lot 1's mine does for a v2 bid).
    const mine2 = (await t.http().get(lotPath(2, 'bids/mine')).set(a.auth).expect(200)).body;
    expect(mine2).toMatchObject({ bidId: done.receipt.bidId, version: 2, lotNo: 2, formatVersion: 2, suite: 'GM-1', status: 'SUBMITTED' });
    expect(mine2.envelope).toEqual({
      segmentSize: SEG,
      ciphertextLength: done.envelope.ciphertextLength,
      noncePrefix: done.envelope.noncePrefix,
      escrowedKey: done.envelope.escrowedKey,
    });
    const mine1 = (await t.http().get(`/api/v1/tenders/${tender.id}/bids/mine`).set(a.auth).expect(200)).body;
    expect(mine1).toMatchObject({ bidId: v1.body.bidId, version: 1, lotNo: 1, status: 'SUBMITTED' });
    expect(mine1.formatVersion).toBeUndefined();

    // Another v2 upload to lot 2 replaces the lot-2 bid only (version 3); lot 1 keeps its v1 bid.
    const again = await uploadV2(tender, a, 2, 'INTL-1', '8900000.00');
    expect(again.fin!.status).toBe(201);
    expect(again.fin!.body).toMatchObject({ bidId: done.receipt.bidId, version: 3, lotNo: 2 });
    expect((await t.http().get(`/api/v1/tenders/${tender.id}/bids/mine`).set(a.auth).expect(200)).body).toMatchObject({ bidId: v1.body.bidId, version: 1 });
    // A v2 upload without lotNo is for lot 1: it replaces the lot-1 bid, not lot 2's.
    const lot1v2 = await uploadV2(tender, a, undefined);
    expect([lot1v2.created.body.lotNo, lot1v2.fin!.status]).toEqual([1, 201]);
    expect(lot1v2.fin!.body).toMatchObject({ bidId: v1.body.bidId, version: 2, lotNo: 1 });
    expect((await t.http().get(lotPath(2, 'bids/mine')).set(a.auth).expect(200)).body).toMatchObject({ bidId: done.receipt.bidId, version: 3 });
    const rows: Array<{ lot_no: number; version: number; format_version: number }> = await t.dataSource.query(
      `SELECT lot_no, version, format_version FROM bids WHERE tender_id = $1 ORDER BY lot_no`,
      [tender.id],
    );
    expect(rows).toEqual([
      { lot_no: 1, version: 2, format_version: 2 },
      { lot_no: 2, version: 3, format_version: 2 },
    ]);
    // Sealed as a v1 lot bid is: the upload rows name no bidder before the opening; the lot is in clear, as bids.lot_no.
    const uploads: Array<{ lot_no: number; bidder_organization_id: string | null }> = await t.dataSource.query(
      `SELECT lot_no, bidder_organization_id FROM bid_uploads WHERE tender_id = $1 ORDER BY created_at`,
      [tender.id],
    );
    expect(uploads.map((u) => u.lot_no)).toEqual([2, 2, 2, 1]);
    expect(uploads.every((u) => u.bidder_organization_id === null)).toBe(true);
    // The lot of each version is in its BID_SUBMITTED event (the hash-chained record), v1 and v2 alike.
    const events: Array<{ bid_id: string; lot_no: number; version: number }> = await t.dataSource.query(
      `SELECT data->>'bidId' AS bid_id, (data->>'lotNo')::int AS lot_no, (data->>'version')::int AS version
       FROM audit_events WHERE tender_id = $1 AND action = 'BID_SUBMITTED' ORDER BY id`,
      [tender.id],
    );
    expect(events.filter((e) => e.bid_id === done.receipt.bidId).map((e) => e.lot_no)).toEqual([2, 2, 2]);
    expect(events.filter((e) => e.bid_id === v1.body.bidId).map((e) => [e.version, e.lot_no])).toEqual([
      [1, 1],
      [2, 1],
    ]);

    // Withdrawal per lot: lot 2's v2 bid goes, lot 1's stays.
    await t.http().delete(lotPath(2, 'bids/mine')).set(a.auth).expect(200);
    expect((await t.http().get(lotPath(2, 'bids/mine')).set(a.auth).expect(200)).body.status).toBe('WITHDRAWN');
    expect((await t.http().get(lotPath(1, 'bids/mine')).set(a.auth).expect(200)).body.status).toBe('SUBMITTED');
  });

  it('a tender without lots is lot 1 only: lotNo 2 → 404 and nothing stored, lotNo 1 as before', async () => {
    const tender = await createPublishedTender(t, { deadlineInMs: 60 * 60_000, bidSecurityAmount: '0.00' });
    const a = await registerParty(t);
    const two = await uploadV2(tender, a, 2);
    expect([two.created.status, two.created.body.code]).toEqual([404, 'NOT_FOUND']);
    expect(await uploadRows(tender.id)).toBe(0);
    const one = await uploadV2(tender, a, 1);
    expect(one.fin!.status).toBe(201);
    expect((await t.http().get(`/api/v1/tenders/${tender.id}/bids/mine`).set(a.auth).expect(200)).body).toMatchObject({ bidId: one.fin!.body.bidId, formatVersion: 2 });
  });

  it('bid-seal upload --lot 2 bids lot 2', async () => {
    const tender = await createPublishedTender(t, { deadlineInMs: 60 * 60_000, bidSecurityAmount: '0.00', extra: { lots: lots() } });
    const a = await registerParty(t);
    const { sealed, file } = await sealFile(tender, a, 'GM-1', '9100000.00');
    writeFileSync(join(dir, 'bid.sealed'), file);
    writeFileSync(join(dir, 'env.json'), JSON.stringify({ ...sealed.envelope, client: { deviceId: 'cli' } }));
    const cli = (...args: string[]) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
        const p = spawn(process.execPath, [BIN, ...args], { cwd: dir });
        let stdout = '';
        let stderr = '';
        p.stdout.on('data', (d) => (stdout += d));
        p.stderr.on('data', (d) => (stderr += d));
        p.on('close', (code) => done({ status: code, stdout, stderr }));
      });
    const common = ['upload', '--url', base, '--token', a.token!, '--tender', tender.id, '--file', 'bid.sealed', '--envelope', 'env.json'];
    const bad = await cli(...common, '--lot', '0');
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/--lot must be a lot number/);
    const missing = await cli(...common, '--lot', '3');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/404/);
    const r = await cli(...common, '--lot', '2', '--receipt-out', 'receipt.json');
    expect(r.status).toBe(0);
    const receipt = JSON.parse(readFileSync(join(dir, 'receipt.json'), 'utf8'));
    expect(receipt).toMatchObject({ formatVersion: 2, lotNo: 2 });
    expect((await t.http().get(`/api/v1/tenders/${tender.id}/lots/2/bids/mine`).set(a.auth).expect(200)).body.bidId).toBe(receipt.bidId);
    expect((await t.http().get(`/api/v1/tenders/${tender.id}/lots/1/bids/mine`).set(a.auth)).status).toBe(404);
  }, 120_000);

  it('after the deadline the lot-2 v2 bids open: one decrypted by its bidder, the others by escrow (lot 1 fails alone)', async () => {
    const tender = await createPublishedTender(t, {
      deadlineInMs: 12_000,
      bidSecurityAmount: '0.00',
      decryptionMode: 'BIDDER_WITH_ESCROW_FALLBACK',
      windowMinutes: 30,
      extra: { lots: lots() },
    });
    const parties = [await registerParty(t), await registerParty(t), await registerParty(t)];
    const suites: SuiteId[] = ['INTL-1', 'GM-1', 'INTL-1'];
    const bids: Array<{ bidId: string; key: Uint8Array; data: Buffer }> = [];
    for (let i = 0; i < 3; i++) {
      const r = await uploadV2(tender, parties[i], 2, suites[i], `${9000000 + i}.00`);
      expect(r.fin!.status).toBe(201);
      bids.push({ bidId: r.fin!.body.bidId, key: r.sealed.key, data: r.data });
    }
    const status = async () => (await t.dataSource.query(`SELECT status FROM tenders WHERE id = $1`, [tender.id]))[0].status as string;
    await waitFor(async () => (await status()) === 'OPENING', 40_000, 'the opening');
    const view = (await t.http().get(`/api/v1/tenders/${tender.id}`)).body;
    expect(view.lots.map((l: { status: string }) => l.status)).toEqual(['FAILED', 'ACTIVE']);
    // The opening hall names each opened bid's lot (a tender with lots only).
    const hall = (await t.http().get(`/api/v1/tenders/${tender.id}/opening-hall`).set(parties[0].auth).expect(200)).body;
    expect(hall.bids.map((b: { lotNo: number; mine: boolean }) => [b.lotNo, b.mine])).toEqual([
      [2, true],
      [2, false],
      [2, false],
    ]);

    // The first bidder reveals its key for its lot-2 bid.
    const dec = await t
      .http()
      .post(`/api/v1/tenders/${tender.id}/bids/${bids[0].bidId}/decryption`)
      .set(parties[0].auth)
      .send({ key: Buffer.from(bids[0].key).toString('base64') });
    expect(dec.status).toBe(200);
    expect(dec.body).toMatchObject({ price: '9000000.00', status: 'DECRYPTED' });
    // The window closes: escrow opens the other two (INTL-1 and GM-1).
    await t.dataSource.transaction(async (m) => {
      await m.query(`UPDATE tenders SET decryption_window_ends_at = clock_timestamp() WHERE id = $1`, [tender.id]);
      await t.app.get(SchedulerService).plan(m, { kind: ScheduledEventKind.DecryptionWindowClose, subjectId: tender.id, tenderId: tender.id, runAt: new Date() });
    });
    await waitFor(async () => (await status()) !== 'OPENING', 40_000, 'the window to close');
    const rows: Array<{ id: string; lot_no: number; status: string; decrypted_by: string; price: string; bidder_organization_id: string }> = await t.dataSource.query(
      `SELECT id, lot_no, status, decrypted_by, price, bidder_organization_id FROM bids WHERE tender_id = $1`,
      [tender.id],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(bids.map((b) => byId.get(b.bidId)!.decrypted_by)).toEqual(['BIDDER', 'ESCROW', 'ESCROW']);
    expect(bids.map((b) => byId.get(b.bidId)!.price)).toEqual(['9000000.00', '9000001.00', '9000002.00']);
    expect(bids.map((b) => byId.get(b.bidId)!.lot_no)).toEqual([2, 2, 2]);
    expect(bids.map((b) => byId.get(b.bidId)!.bidder_organization_id)).toEqual(parties.map((p) => p.organizationId));
    // The opening named the uploads again.
    const named: Array<{ lot_no: number; bidder_organization_id: string }> = await t.dataSource.query(
      `SELECT lot_no, bidder_organization_id FROM bid_uploads WHERE tender_id = $1 ORDER BY created_at`,
      [tender.id],
    );
    expect(named).toEqual(parties.map((p) => ({ lot_no: 2, bidder_organization_id: p.organizationId })));
    const record = await t.http().get(`/api/v1/tenders/${tender.id}/opening-record`).set(parties[0].auth);
    expect(record.status).toBe(200);
    expect(record.body.bids.map((b: { lotNo: number }) => b.lotNo)).toEqual([2, 2, 2]);
  }, 120_000);
});
