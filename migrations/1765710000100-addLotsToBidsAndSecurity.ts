import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Issue 16 (h16a): 标段 / 采购包 (lots). A tender without lots is one lot, number 1, so every existing row is lot 1.
 * - tender_lots.bid_security_amount: the lot's own bid security (NULL: the tender's amount); status ACTIVE | FAILED
 *   (a lot with fewer than 3 bids at the deadline fails alone, TBL Art. 28).
 * - bids.lot_no and bid_security_accounts.lot_no: a bidder bids, and lodges security, per lot.
 */
export class AddLotsToBidsAndSecurity1765710000100 implements MigrationInterface {
  name = 'AddLotsToBidsAndSecurity1765710000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE tender_lots
        ADD COLUMN bid_security_amount numeric(18, 2) NULL CHECK (bid_security_amount >= 0),
        ADD COLUMN status text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'FAILED')),
        ADD COLUMN status_reason text NULL`);
    await q.query(`ALTER TABLE bids ADD COLUMN lot_no int NOT NULL DEFAULT 1 CHECK (lot_no >= 1)`);
    await q.query(`DROP INDEX "UQ_BIDS_TENDER_BIDDER"`);
    await q.query(`CREATE UNIQUE INDEX "UQ_BIDS_TENDER_LOT_BIDDER" ON bids (tender_id, lot_no, bidder_organization_id)`);
    await q.query(`ALTER TABLE bid_security_accounts ADD COLUMN lot_no int NOT NULL DEFAULT 1 CHECK (lot_no >= 1)`);
    await q.query(`DROP INDEX "UQ_BID_SECURITY_ACCOUNTS_TENDER_BIDDER"`);
    await q.query(`CREATE UNIQUE INDEX "UQ_BID_SECURITY_ACCOUNTS_TENDER_LOT_BIDDER" ON bid_security_accounts (tender_id, lot_no, bidder_organization_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "UQ_BID_SECURITY_ACCOUNTS_TENDER_LOT_BIDDER"`);
    await q.query(`CREATE UNIQUE INDEX "UQ_BID_SECURITY_ACCOUNTS_TENDER_BIDDER" ON bid_security_accounts (tender_id, bidder_organization_id)`);
    await q.query(`ALTER TABLE bid_security_accounts DROP COLUMN lot_no`);
    await q.query(`DROP INDEX "UQ_BIDS_TENDER_LOT_BIDDER"`);
    await q.query(`CREATE UNIQUE INDEX "UQ_BIDS_TENDER_BIDDER" ON bids (tender_id, bidder_organization_id)`);
    await q.query(`ALTER TABLE bids DROP COLUMN lot_no`);
    await q.query(`ALTER TABLE tender_lots DROP COLUMN status_reason, DROP COLUMN status, DROP COLUMN bid_security_amount`);
  }
}
