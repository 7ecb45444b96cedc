import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Sealed identities (issue 17) for format v2 uploads (issue 13): before the deadline an upload names no bidder. The
 * bidder is found by its blind index (as for bids); who uploaded, from where and with which tool is kept in
 * `sealed_client`, encrypted under a key the platform derives from SEALING_MASTER_KEY (it needs them to build the
 * bid's sealed identity at finalisation). At the opening the uploads that became bids are named again.
 */
export class SealBidUploadIdentities1765780000100 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE bid_uploads
        ALTER COLUMN bidder_organization_id DROP NOT NULL,
        ALTER COLUMN submitted_by DROP NOT NULL,
        ALTER COLUMN client DROP NOT NULL,
        ALTER COLUMN ip DROP NOT NULL,
        ADD COLUMN bidder_blind_index text NULL,
        ADD COLUMN sealed_client text NULL,
        ADD CONSTRAINT "CK_BID_UPLOADS_CLEAR_OR_SEALED" CHECK (
          (bidder_organization_id IS NOT NULL AND submitted_by IS NOT NULL AND client IS NOT NULL AND ip IS NOT NULL)
          OR (bidder_blind_index IS NOT NULL AND sealed_client IS NOT NULL))`);
    await q.query(`CREATE INDEX "IDX_BID_UPLOADS_TENDER_BLIND_INDEX" ON bid_uploads (tender_id, bidder_blind_index)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "IDX_BID_UPLOADS_TENDER_BLIND_INDEX"`);
    await q.query(`DELETE FROM bid_uploads WHERE bidder_organization_id IS NULL`);
    await q.query(`
      ALTER TABLE bid_uploads
        DROP CONSTRAINT "CK_BID_UPLOADS_CLEAR_OR_SEALED",
        DROP COLUMN sealed_client,
        DROP COLUMN bidder_blind_index,
        ALTER COLUMN ip SET NOT NULL,
        ALTER COLUMN client SET NOT NULL,
        ALTER COLUMN submitted_by SET NOT NULL,
        ALTER COLUMN bidder_organization_id SET NOT NULL`);
  }
}
