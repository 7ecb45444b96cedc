import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Issue 16 (h16b), the procedures a trading centre runs every day:
 * - opening_objections: 开标异议, raised by a bidder at the opening, answered on the spot, recorded (TBR Art. 44;
 *   EB20 Art. 39);
 * - complaints: a suspension ordered on acceptance (TBR Art. 62; GPL Art. 57, procurement ≤ 30 days) and the remedy
 *   of an upheld complaint (re-evaluation, re-tender);
 * - tenders.retender_of_id: a re-tender (重新招标) of a FAILED tender is a new draft that keeps the link;
 * - notification_reads: the in-app inbox's read marks, per user (an organisation's message is read per user);
 * - agency_authorizations: 招标代理 — a procuring entity authorises an agent organisation for its tenders.
 */
export class AddDailyProcedures1765720000000 implements MigrationInterface {
  name = 'AddDailyProcedures1765720000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE opening_objections (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tender_id uuid NOT NULL REFERENCES tenders (id),
        organization_id uuid NOT NULL REFERENCES organizations (id),
        raised_by uuid NOT NULL REFERENCES users (id),
        text text NOT NULL,
        raised_at timestamptz NOT NULL,
        status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'ANSWERED')),
        answer text NULL,
        answered_by uuid NULL REFERENCES users (id),
        answered_at timestamptz NULL,
        request_sha256 char(64) NOT NULL
      )`);
    await q.query(`CREATE INDEX "IDX_OPENING_OBJECTIONS_TENDER_ID" ON opening_objections (tender_id, raised_at)`);
    await q.query(`CREATE UNIQUE INDEX "UQ_OPENING_OBJECTIONS_REQUEST" ON opening_objections (request_sha256)`);

    await q.query(`
      ALTER TABLE complaints
        ADD COLUMN suspension_ordered_at timestamptz NULL,
        ADD COLUMN suspension_ends_at timestamptz NULL,
        ADD COLUMN suspension_lifted_at timestamptz NULL,
        ADD COLUMN remedy text NULL CHECK (remedy IN ('RE_EVALUATION', 'RE_TENDER'))`);

    await q.query(`ALTER TABLE tenders ADD COLUMN retender_of_id uuid NULL REFERENCES tenders (id)`);
    // One re-tender per failed tender: a repeated request finds the same draft.
    await q.query(`CREATE UNIQUE INDEX "UQ_TENDERS_RETENDER_OF" ON tenders (retender_of_id) WHERE retender_of_id IS NOT NULL`);

    await q.query(`
      CREATE TABLE notification_reads (
        notification_id uuid NOT NULL REFERENCES notifications (id),
        user_id uuid NOT NULL REFERENCES users (id),
        read_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (notification_id, user_id)
      )`);
    await q.query(`CREATE INDEX "IDX_NOTIFICATIONS_RECIPIENT_USER" ON notifications (recipient_user_id, created_at DESC) WHERE recipient_user_id IS NOT NULL`);
    await q.query(`CREATE INDEX "IDX_NOTIFICATIONS_RECIPIENT_ORG" ON notifications (recipient_organization_id, created_at DESC) WHERE recipient_organization_id IS NOT NULL`);

    await q.query(`
      CREATE TABLE agency_authorizations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        procuring_entity_id uuid NOT NULL REFERENCES organizations (id),
        agent_organization_id uuid NOT NULL REFERENCES organizations (id),
        tender_id uuid NULL REFERENCES tenders (id),
        granted_by uuid NOT NULL REFERENCES users (id),
        granted_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        revoked_by uuid NULL REFERENCES users (id),
        revoked_at timestamptz NULL,
        CHECK (procuring_entity_id <> agent_organization_id)
      )`);
    await q.query(`
      CREATE UNIQUE INDEX "UQ_AGENCY_ACTIVE" ON agency_authorizations
        (procuring_entity_id, agent_organization_id, coalesce(tender_id, '00000000-0000-0000-0000-000000000000'::uuid))
        WHERE revoked_at IS NULL`);
    await q.query(`CREATE INDEX "IDX_AGENCY_AGENT" ON agency_authorizations (agent_organization_id) WHERE revoked_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE agency_authorizations`);
    await q.query(`DROP INDEX "IDX_NOTIFICATIONS_RECIPIENT_ORG"`);
    await q.query(`DROP INDEX "IDX_NOTIFICATIONS_RECIPIENT_USER"`);
    await q.query(`DROP TABLE notification_reads`);
    await q.query(`DROP INDEX "UQ_TENDERS_RETENDER_OF"`);
    await q.query(`ALTER TABLE tenders DROP COLUMN retender_of_id`);
    await q.query(`ALTER TABLE complaints DROP COLUMN suspension_ordered_at, DROP COLUMN suspension_ends_at, DROP COLUMN suspension_lifted_at, DROP COLUMN remedy`);
    await q.query(`DROP TABLE opening_objections`);
  }
}
