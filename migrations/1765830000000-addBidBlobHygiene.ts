import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Blob-store hygiene for format v2 bid files (BidBlobHygieneService):
 * - an upload never finalised — older than BID_UPLOAD_MAX_AGE_HOURS, or open when its tender's deadline passed (an
 *   incomplete upload at the deadline is not a bid) — becomes ABANDONED: its pieces are deleted from the blob store,
 *   its piece rows removed, `blobs_deleted_at` set;
 * - the file of a bid version replaced by a later one (TBL Art. 29: the later one is the bid) is deleted from the
 *   blob store: `bid_versions.blob_deleted_at` (its hashes and receipt fields stay) and the upload's
 *   `blobs_deleted_at`.
 */
export class AddBidBlobHygiene1765830000000 implements MigrationInterface {
  name = 'AddBidBlobHygiene1765830000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE bid_uploads DROP CONSTRAINT IF EXISTS bid_uploads_status_check`);
    await q.query(`
      ALTER TABLE bid_uploads
        ADD CONSTRAINT bid_uploads_status_check CHECK (status IN ('OPEN', 'FINALIZED', 'REFUSED', 'ABANDONED')),
        ADD COLUMN abandoned_reason text NULL CHECK (abandoned_reason IN ('DEADLINE_PASSED', 'EXPIRED')),
        ADD COLUMN blobs_deleted_at timestamptz NULL,
        ADD CONSTRAINT "CK_BID_UPLOADS_ABANDONED_REASON" CHECK ((status = 'ABANDONED') = (abandoned_reason IS NOT NULL))`);
    await q.query(`CREATE INDEX "IDX_BID_UPLOADS_OPEN" ON bid_uploads (updated_at) WHERE status = 'OPEN'`);
    await q.query(`ALTER TABLE bid_versions ADD COLUMN blob_deleted_at timestamptz NULL`);
    await q.query(`
      CREATE INDEX "IDX_BID_VERSIONS_V2_FILE_KEPT" ON bid_versions (bid_id, version)
      WHERE format_version = 2 AND blob_deleted_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "IDX_BID_VERSIONS_V2_FILE_KEPT"`);
    await q.query(`ALTER TABLE bid_versions DROP COLUMN blob_deleted_at`);
    await q.query(`DROP INDEX "IDX_BID_UPLOADS_OPEN"`);
    await q.query(`UPDATE bid_uploads SET status = 'REFUSED', refused_reason = 'ABANDONED' WHERE status = 'ABANDONED'`);
    await q.query(`
      ALTER TABLE bid_uploads
        DROP CONSTRAINT "CK_BID_UPLOADS_ABANDONED_REASON",
        DROP COLUMN blobs_deleted_at,
        DROP COLUMN abandoned_reason,
        DROP CONSTRAINT bid_uploads_status_check,
        ADD CONSTRAINT bid_uploads_status_check CHECK (status IN ('OPEN', 'FINALIZED', 'REFUSED'))`);
  }
}
