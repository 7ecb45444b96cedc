import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Lots (标段) for format v2 uploads: an upload is for one lot of its tender, as a v1 lot bid is
 * (`POST /tenders/{id}/bid-uploads` `{ lotNo }`, default 1: a tender without lots is one lot). The lot is kept in
 * clear, as `bids.lot_no` is; the bidder stays sealed (blind index, sealed submitter) on a tender that seals
 * identities. Every existing upload was for lot 1.
 */
export class AddLotNoToBidUploads1765910000000 implements MigrationInterface {
  name = 'AddLotNoToBidUploads1765910000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE bid_uploads ADD COLUMN lot_no int NOT NULL DEFAULT 1 CHECK (lot_no >= 1)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE bid_uploads DROP COLUMN lot_no`);
  }
}
