/**
 * Blob-store hygiene of format v2 bid files (BidBlobHygieneService, the BID_BLOB_HYGIENE timed event), against the
 * real PostgreSQL and Redis, on the filesystem blob store and on S3 (s3rver): uploads never finalised (too old, or
 * open when the tender's deadline passed) and the files of replaced bid versions are deleted from the store and
 * marked in the database, audited in their sealed streams; the versions keep their hashes; the current file and a
 * recent upload are untouched. The run is a scheduled_events row: Redis losing its job loses nothing, and the event
 * firing twice changes nothing twice.
 */
import { randomBytes } from 'crypto';
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Role } from 'src/common/auth/role.enum';
import { BlobStore } from 'src/infra/blob-store/blob-store';
import { startTestS3 } from 'src/infra/blob-store/__tests__/test-s3';
import { JobQueue } from 'src/infra/queue/job-queue.service';
import { QueueName, ScheduledEventKind } from 'src/infra/queue/queue.constants';
import { BidBlobHygieneService } from 'src/modules/bids/uploads/bid-blob-hygiene.service';
import { SchedulerService } from 'src/modules/scheduling/scheduler.service';
import { sealBidV2, type SuiteId } from 'src/sdk/v2';
import { nodeSuite } from 'src/sdk/v2/node';
import { sealAndSubmit } from './factories/bid.factory';
import { registerParty, type TestParty } from './factories/identity.factory';
import { createPublishedTender, type TestTender } from './factories/tender.factory';
import { eventually } from './helpers/chaos';
import { createTestApp, type TestApp } from './helpers/test-app';

const SEG = 64 * 1024;
const SUITE: SuiteId = 'INTL-1';

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
])('bid blob hygiene on the %s', (_name, store) => {
  let t: TestApp;
  let stop: () => Promise<void>;
  let a: TestParty;
  let b: TestParty;
  let tender: TestTender;
  let closed: TestTender;
  let blobs: BlobStore;
  let hygiene: BidBlobHygieneService;
  let scheduler: SchedulerService;

  const escrowKey = async (x: TestTender) => (await t.http().get(`/api/v1/tenders/${x.id}`)).body.sealing.escrowPublicKey as string;

  /** A v2 upload of `bidder`: `sent` bytes of the file stored (all by default), finalised when asked. */
  async function upload(x: TestTender, bidder: TestParty, opts: { sent?: number; finalize?: boolean } = {}) {
    const segments: Buffer[] = [];
    const data = randomBytes(150_000);
    const sealed = await sealBidV2({
      suite: nodeSuite(SUITE),
      tenderId: x.id,
      bidderOrganizationId: bidder.organizationId!,
      bid: { price: '12345678.90', currency: 'CNY', durationDays: 180 },
      attachments: [{ name: '投标文件.pdf', size: data.length, content: [data] }],
      escrowPublicKey: Buffer.from(await escrowKey(x), 'base64'),
      segmentSize: SEG,
      write: (s) => void segments.push(Buffer.from(s)),
    });
    const file = Buffer.concat(segments);
    const url = (p = '') => `/api/v1/tenders/${x.id}/bid-uploads${p}`;
    const created = await t
      .http()
      .post(url())
      .set(bidder.auth)
      .send({ ...sealed.envelope, client: { deviceId: `dev-${bidder.username}` } });
    expect(created.status).toBe(201);
    const id = created.body.uploadId as string;
    const sent = opts.sent ?? file.length;
    for (let off = 0; off < sent; off += 60_000) {
      const piece = file.subarray(off, Math.min(sent, off + 60_000));
      const r = await t
        .http()
        .patch(url(`/${id}`))
        .set(bidder.auth)
        .set('Upload-Offset', String(off))
        .set('Content-Type', 'application/offset+octet-stream')
        .send(piece);
      expect(r.status).toBe(204);
    }
    let receipt: { bidId: string; version: number } | null = null;
    if (opts.finalize) {
      const fin = await t
        .http()
        .post(url(`/${id}/finalize`))
        .set(bidder.auth);
      expect(fin.status).toBe(201);
      receipt = fin.body;
    }
    const keys = (await t.dataSource.query(`SELECT blob_key FROM bid_upload_pieces WHERE upload_id = $1 ORDER BY "offset"`, [id])).map(
      (r: { blob_key: string }) => r.blob_key,
    ) as string[];
    expect(keys.length).toBeGreaterThan(0);
    return { id, keys, receipt, hash: sealed.envelope.ciphertextHash };
  }
  const present = async (keys: string[]) => (await Promise.all(keys.map((k) => blobs.size(k)))).map((s) => s !== null);
  const uploadRow = async (id: string) =>
    (
      await t.dataSource.query(
        `SELECT status, abandoned_reason, blobs_deleted_at IS NOT NULL AS deleted, (SELECT count(*)::int FROM bid_upload_pieces WHERE upload_id = $1) AS pieces FROM bid_uploads WHERE id = $1`,
        [id],
      )
    )[0];
  const pendingRuns = async () =>
    t.dataSource.query(`SELECT id, run_at FROM scheduled_events WHERE kind = $1 AND status = 'PENDING'`, [ScheduledEventKind.BidBlobHygiene]) as Promise<
      Array<{ id: string; run_at: Date }>
    >;

  beforeAll(async () => {
    const s = await store();
    stop = s.stop;
    t = await createTestApp({ env: { LEGAL_PERIODS: 'relaxed', SWEEP_INTERVAL_MS: '200', BID_UPLOAD_MAX_AGE_HOURS: '24', ...s.env } });
    blobs = t.app.get(BlobStore);
    hygiene = t.app.get(BidBlobHygieneService);
    scheduler = t.app.get(SchedulerService);
    a = await registerParty(t, { role: Role.BIDDER });
    b = await registerParty(t, { role: Role.BIDDER });
    tender = await createPublishedTender(t, { deadlineInMs: 60 * 60_000, bidSecurityAmount: '0.00', decryptionMode: 'BIDDER_WITH_ESCROW_FALLBACK' });
    closed = await createPublishedTender(t, { deadlineInMs: 60 * 60_000, bidSecurityAmount: '0.00', decryptionMode: 'BIDDER_WITH_ESCROW_FALLBACK' });
  });
  afterAll(async () => {
    await t.close();
    await stop();
  });

  it('a worker plans one run at start-up, and only one however often asked', async () => {
    const runs = await eventually(async () => ((await pendingRuns()).length ? pendingRuns() : null), 10_000, 'the planned hygiene run');
    expect(runs).toHaveLength(1);
    expect(await hygiene.ensurePlanned()).toBe(false);
    expect(await Promise.all([hygiene.ensurePlanned(), hygiene.ensurePlanned()])).toEqual([false, false]);
    expect(await pendingRuns()).toHaveLength(1);
  });

  it('deletes abandoned uploads and replaced files (after Redis lost the job), keeps the rest; firing twice changes nothing twice', async () => {
    const expired = await upload(tender, a, { sent: 60_000 });
    await t.dataSource.query(`UPDATE bid_uploads SET updated_at = clock_timestamp() - interval '25 hours' WHERE id = $1`, [expired.id]);
    const atDeadline = await upload(closed, b, { sent: 120_000 });
    const recent = await upload(tender, a, { sent: 60_000 });
    const first = await upload(tender, b, { finalize: true });
    const second = await upload(tender, b, { finalize: true });
    expect(second.receipt).toMatchObject({ bidId: first.receipt!.bidId, version: 2 });
    // the deadline of the other tender passes (database clock) with b's upload incomplete
    await t.dataSource.query(`UPDATE tenders SET bid_deadline = clock_timestamp() - interval '1 second' WHERE id = $1`, [closed.id]);

    // Redis loses the job; the run is overdue: the in-process sweeper runs it from the database.
    const [run] = await pendingRuns();
    await t.app.get(JobQueue).queue(QueueName.TimedEvents).obliterate({ force: true });
    await t.dataSource.query(`UPDATE scheduled_events SET run_at = clock_timestamp() - interval '10 seconds' WHERE id = $1`, [run.id]);
    await eventually(async () => (await t.dataSource.query(`SELECT status FROM scheduled_events WHERE id = $1`, [run.id]))[0].status === 'DONE', 30_000, 'the hygiene run');

    expect(await uploadRow(expired.id)).toEqual({ status: 'ABANDONED', abandoned_reason: 'EXPIRED', deleted: true, pieces: 0 });
    expect(await uploadRow(atDeadline.id)).toEqual({ status: 'ABANDONED', abandoned_reason: 'DEADLINE_PASSED', deleted: true, pieces: 0 });
    expect(await present(expired.keys)).toEqual(expired.keys.map(() => false));
    expect(await present(atDeadline.keys)).toEqual(atDeadline.keys.map(() => false));
    // a recent upload and the current bid file are untouched
    expect(await uploadRow(recent.id)).toEqual({ status: 'OPEN', abandoned_reason: null, deleted: false, pieces: recent.keys.length });
    expect(await present(recent.keys)).toEqual(recent.keys.map(() => true));
    expect(await present(second.keys)).toEqual(second.keys.map(() => true));
    // the replaced version's file is gone; its record stays (hash, receipt fields)
    expect(await present(first.keys)).toEqual(first.keys.map(() => false));
    expect(await uploadRow(first.id)).toEqual({ status: 'FINALIZED', abandoned_reason: null, deleted: true, pieces: 0 });
    const versions = await t.dataSource.query(
      `SELECT version, ciphertext_sha256, envelope_signature IS NOT NULL AS signed, blob_deleted_at IS NOT NULL AS deleted FROM bid_versions WHERE bid_id = $1 ORDER BY version`,
      [first.receipt!.bidId],
    );
    expect(versions).toEqual([
      { version: 1, ciphertext_sha256: first.hash, signed: true, deleted: true },
      { version: 2, ciphertext_sha256: second.hash, signed: true, deleted: false },
    ]);
    // audited in the sealed streams of the upload and of the bid, by the system
    const events = await t.dataSource.query(
      `SELECT object_id, action, stream, sealed_tender_id, actor_id, data->>'reason' AS reason, data->>'version' AS version FROM audit_events
       WHERE action IN ('BID_UPLOAD_ABANDONED', 'BID_VERSION_FILE_DELETED') ORDER BY id`,
    );
    expect(events).toEqual(
      expect.arrayContaining([
        { object_id: expired.id, action: 'BID_UPLOAD_ABANDONED', stream: `bid:${expired.id}`, sealed_tender_id: tender.id, actor_id: 'system', reason: 'EXPIRED', version: null },
        {
          object_id: atDeadline.id,
          action: 'BID_UPLOAD_ABANDONED',
          stream: `bid:${atDeadline.id}`,
          sealed_tender_id: closed.id,
          actor_id: 'system',
          reason: 'DEADLINE_PASSED',
          version: null,
        },
        {
          object_id: first.receipt!.bidId,
          action: 'BID_VERSION_FILE_DELETED',
          stream: `bid:${first.receipt!.bidId}`,
          sealed_tender_id: tender.id,
          actor_id: 'system',
          reason: null,
          version: '1',
        },
      ]),
    );
    expect(events).toHaveLength(3);
    const verdict = await t.app.get((await import('src/modules/audit/audit.service')).AuditService).verify();
    expect(verdict.valid).toBe(true);

    // the next run is planned (one), at the configured interval
    const next = await pendingRuns();
    expect(next).toHaveLength(1);
    expect(new Date(next[0].run_at).getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);
    // the same event firing again, and another run, change nothing
    await scheduler.run(run.id);
    const again = await t.dataSource.transaction((m) => hygiene.runOnce(m));
    expect(again).toEqual({ abandoned: { deadlinePassed: 0, expired: 0 }, supersededFiles: 0, blobsDeleted: 0, more: false });
    expect(await pendingRuns()).toHaveLength(1);
    expect((await t.dataSource.query(`SELECT count(*)::int AS n FROM audit_events WHERE action IN ('BID_UPLOAD_ABANDONED', 'BID_VERSION_FILE_DELETED')`))[0].n).toBe(3);
    // an abandoned upload cannot be continued or finalised
    const fin = await t.http().post(`/api/v1/tenders/${tender.id}/bid-uploads/${expired.id}/finalize`).set(a.auth);
    expect(fin.status).toBe(409);
  });

  it('a v1 submission replacing a v2 bid makes the v2 file superseded', async () => {
    const bidId = (await t.dataSource.query(`SELECT id FROM bids WHERE tender_id = $1 AND format_version = 2`, [tender.id]))[0].id as string;
    const keys = (await t.dataSource.query(`SELECT p.blob_key FROM bids b JOIN bid_upload_pieces p ON 'uploads/' || p.upload_id = b.blob_key WHERE b.id = $1`, [bidId])).map(
      (r: { blob_key: string }) => r.blob_key,
    ) as string[];
    expect(await present(keys)).toEqual(keys.map(() => true));
    const v1 = await sealAndSubmit(t, { id: tender.id, escrowPublicKey: await escrowKey(tender) }, b, '100.00');
    expect(v1.status).toBe(201);
    expect(v1.body).toMatchObject({ bidId, version: 3 });
    const r = await t.dataSource.transaction((m) => hygiene.runOnce(m));
    expect(r).toMatchObject({ supersededFiles: 1, blobsDeleted: keys.length });
    expect(await present(keys)).toEqual(keys.map(() => false));
    const [v2] = await t.dataSource.query(`SELECT blob_deleted_at IS NOT NULL AS deleted FROM bid_versions WHERE bid_id = $1 AND version = 2`, [bidId]);
    expect(v2.deleted).toBe(true);
  });
});
