import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Lots (标段, issue 16) meet sealed identities (issue 17): a bidder has one bid and one security sub-account per
 * lot, so the blind-index uniqueness is per (tender, lot, bidder) like the clear one it stands in for.
 */
export class BlindIndexPerLot1765780000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "UQ_BIDS_TENDER_BLIND_INDEX"`);
    await q.query(`CREATE UNIQUE INDEX "UQ_BIDS_TENDER_LOT_BLIND_INDEX" ON bids (tender_id, lot_no, bidder_blind_index)`);
    await q.query(`DROP INDEX "UQ_BID_SECURITY_ACCOUNTS_TENDER_BLIND_INDEX"`);
    await q.query(`CREATE UNIQUE INDEX "UQ_BID_SECURITY_ACCOUNTS_TENDER_LOT_BLIND_INDEX" ON bid_security_accounts (tender_id, lot_no, bidder_blind_index)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "UQ_BID_SECURITY_ACCOUNTS_TENDER_LOT_BLIND_INDEX"`);
    await q.query(`CREATE UNIQUE INDEX "UQ_BID_SECURITY_ACCOUNTS_TENDER_BLIND_INDEX" ON bid_security_accounts (tender_id, bidder_blind_index)`);
    await q.query(`DROP INDEX "UQ_BIDS_TENDER_LOT_BLIND_INDEX"`);
    await q.query(`CREATE UNIQUE INDEX "UQ_BIDS_TENDER_BLIND_INDEX" ON bids (tender_id, bidder_blind_index)`);
  }
}
