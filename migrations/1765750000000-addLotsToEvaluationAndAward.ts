import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Issue 16 (h16c): evaluation, candidates, publicity, award and contract per lot (标段). The panel and its sitting are
 * the tender's (one committee for every lot); the signed report, the candidate publicity and the award are per lot.
 * A tender without lots is one lot, number 1, so every existing row is lot 1.
 */
export class AddLotsToEvaluationAndAward1765750000000 implements MigrationInterface {
  name = 'AddLotsToEvaluationAndAward1765750000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE evaluation_reports ADD COLUMN lot_no int NOT NULL DEFAULT 1 CHECK (lot_no >= 1)`);
    await q.query(`DROP INDEX "UQ_EVALUATION_REPORTS_TENDER_VERSION"`);
    await q.query(`CREATE UNIQUE INDEX "UQ_EVALUATION_REPORTS_TENDER_LOT_VERSION" ON evaluation_reports (tender_id, lot_no, version)`);
    await q.query(`ALTER TABLE candidate_publicities ADD COLUMN lot_no int NOT NULL DEFAULT 1 CHECK (lot_no >= 1)`);
    await q.query(`DROP INDEX "UQ_CANDIDATE_PUBLICITIES_RUNNING"`);
    await q.query(`CREATE UNIQUE INDEX "UQ_CANDIDATE_PUBLICITIES_LOT_RUNNING" ON candidate_publicities (tender_id, lot_no) WHERE status = 'RUNNING'`);
    await q.query(`ALTER TABLE awards ADD COLUMN lot_no int NOT NULL DEFAULT 1 CHECK (lot_no >= 1)`);
    await q.query(`DROP INDEX "UQ_AWARDS_TENDER_ACTIVE"`);
    await q.query(`CREATE UNIQUE INDEX "UQ_AWARDS_TENDER_LOT_ACTIVE" ON awards (tender_id, lot_no) WHERE status <> 'DEFAULTED'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "UQ_AWARDS_TENDER_LOT_ACTIVE"`);
    await q.query(`CREATE UNIQUE INDEX "UQ_AWARDS_TENDER_ACTIVE" ON awards (tender_id) WHERE status <> 'DEFAULTED'`);
    await q.query(`ALTER TABLE awards DROP COLUMN lot_no`);
    await q.query(`DROP INDEX "UQ_CANDIDATE_PUBLICITIES_LOT_RUNNING"`);
    await q.query(`CREATE UNIQUE INDEX "UQ_CANDIDATE_PUBLICITIES_RUNNING" ON candidate_publicities (tender_id) WHERE status = 'RUNNING'`);
    await q.query(`ALTER TABLE candidate_publicities DROP COLUMN lot_no`);
    await q.query(`DROP INDEX "UQ_EVALUATION_REPORTS_TENDER_LOT_VERSION"`);
    await q.query(`CREATE UNIQUE INDEX "UQ_EVALUATION_REPORTS_TENDER_VERSION" ON evaluation_reports (tender_id, version)`);
    await q.query(`ALTER TABLE evaluation_reports DROP COLUMN lot_no`);
  }
}
