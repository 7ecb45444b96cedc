import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Transparency (issue 15): the yearbook figures select tenders by publication instant, awards by the instant of the
 * notice of award, penalties by the case's decision instant and count opened bids; and every tender gets a transaction number, the
 * serial part of its transaction code (交易标识码 = TRADING_CENTRE_CODE + the number), from which its OCDS ocid is
 * built. Existing tenders are numbered in order of creation.
 */
export class AddTransparencyIndexes1765300000000 implements MigrationInterface {
  name = 'AddTransparencyIndexes1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX "IDX_TENDERS_PUBLISHED_AT" ON tenders (published_at) INCLUDE (category, budget) WHERE published_at IS NOT NULL`);
    await q.query(`CREATE INDEX "IDX_AWARDS_NOTICE_ISSUED_AT" ON awards (notice_issued_at) INCLUDE (tender_id, price) WHERE status <> 'DEFAULTED'`);
    await q.query(`CREATE INDEX "IDX_SUPERVISION_CASES_DECIDED_AT" ON supervision_cases (decided_at) WHERE decided_at IS NOT NULL`);
    // The supervisors' opened-bid counts read only opened bids (never a sealed one): an index-only count per tender.
    await q.query(`CREATE INDEX "IDX_BIDS_OPENED_TENDER_ID" ON bids (tender_id) WHERE opened_at IS NOT NULL`);
    await q.query(`ALTER TABLE tenders ADD COLUMN transaction_no bigint NULL`);
    await q.query(`CREATE SEQUENCE tenders_transaction_no_seq OWNED BY tenders.transaction_no`);
    await q.query(`
      UPDATE tenders t SET transaction_no = n.no
      FROM (SELECT id, nextval('tenders_transaction_no_seq') AS no FROM (SELECT id FROM tenders ORDER BY created_at, id) o) n
      WHERE n.id = t.id`);
    await q.query(`ALTER TABLE tenders ALTER COLUMN transaction_no SET DEFAULT nextval('tenders_transaction_no_seq')`);
    await q.query(`ALTER TABLE tenders ALTER COLUMN transaction_no SET NOT NULL`);
    await q.query(`CREATE UNIQUE INDEX "UQ_TENDERS_TRANSACTION_NO" ON tenders (transaction_no)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "UQ_TENDERS_TRANSACTION_NO"`);
    await q.query(`ALTER TABLE tenders DROP COLUMN transaction_no`);
    await q.query(`DROP INDEX "IDX_BIDS_OPENED_TENDER_ID"`);
    await q.query(`DROP INDEX "IDX_SUPERVISION_CASES_DECIDED_AT"`);
    await q.query(`DROP INDEX "IDX_AWARDS_NOTICE_ISSUED_AT"`);
    await q.query(`DROP INDEX "IDX_TENDERS_PUBLISHED_AT"`);
  }
}
