import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Issue 19, the seed's own reforms:
 * - 容缺预招标: a tender published before every approval is in hand, on the procuring entity's written pledge
 *   (承诺书, tender_pre_tender_pledges) to supply each missing item (tender_pending_approvals) by its date. Evaluation
 *   and award go ahead; the contract waits until every item is ACCEPTED; an item not supplied by its date ends the
 *   tender (cancellation with refunds and interest).
 * - 资格后审 with criteria: tenders.qualification_criteria (published with the tender) and each panel member's
 *   met / not met per criterion per bid with its reason (qualification_findings).
 */
export class CreatePreTenderAndQualificationCriteria1765740000100 implements MigrationInterface {
  name = 'CreatePreTenderAndQualificationCriteria1765740000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tenders ADD COLUMN pre_tender boolean NOT NULL DEFAULT false`);
    await q.query(`ALTER TABLE tenders ADD COLUMN qualification_criteria jsonb NOT NULL DEFAULT '[]'`);
    await q.query(`
      CREATE TABLE tender_pre_tender_pledges (
        tender_id uuid PRIMARY KEY REFERENCES tenders (id),
        document_name text NOT NULL,
        content bytea NOT NULL,
        sha256 char(64) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query(`
      CREATE TABLE tender_pending_approvals (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tender_id uuid NOT NULL REFERENCES tenders (id),
        position int NOT NULL CHECK (position > 0),
        kind text NOT NULL,
        name text NOT NULL,
        due_at timestamptz NOT NULL,
        status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'SUPPLIED', 'ACCEPTED', 'OVERDUE')),
        document_no text NULL,
        supplied_document_name text NULL,
        supplied_document bytea NULL,
        supplied_document_sha256 char(64) NULL,
        supplied_at timestamptz NULL,
        supplied_by uuid NULL,
        accepted_at timestamptz NULL,
        accepted_by uuid NULL,
        rejection_reason text NULL,
        rejected_at timestamptz NULL,
        version int NOT NULL DEFAULT 1
      )`);
    await q.query(`CREATE UNIQUE INDEX "UQ_TENDER_PENDING_APPROVALS_POSITION" ON tender_pending_approvals (tender_id, position)`);
    await q.query(`
      CREATE TABLE qualification_findings (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tender_id uuid NOT NULL REFERENCES tenders (id),
        bid_id uuid NOT NULL REFERENCES bids (id),
        member_id uuid NOT NULL,
        criterion_code text NOT NULL,
        met boolean NOT NULL,
        reason text NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query(`CREATE UNIQUE INDEX "UQ_QUALIFICATION_FINDINGS" ON qualification_findings (tender_id, bid_id, member_id, criterion_code)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE qualification_findings`);
    await q.query(`DROP TABLE tender_pending_approvals`);
    await q.query(`DROP TABLE tender_pre_tender_pledges`);
    await q.query(`ALTER TABLE tenders DROP COLUMN qualification_criteria, DROP COLUMN pre_tender`);
  }
}
