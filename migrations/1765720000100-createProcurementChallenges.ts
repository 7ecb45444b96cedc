import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * 质疑 (procurement challenges, GPL Arts. 52–54; GPR Arts. 52–54) to the procurement process (a step that ended: the
 * opening) and to the award, each with its filing window and the purchaser's 7-working-day answer clock. Challenges
 * to the procurement documents stay in tender_objections (TBR Art. 22 / GPL Art. 52, one table for both regimes).
 */
export class CreateProcurementChallenges1765720000100 implements MigrationInterface {
  name = 'CreateProcurementChallenges1765720000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE procurement_challenges (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tender_id uuid NOT NULL REFERENCES tenders (id),
        organization_id uuid NOT NULL REFERENCES organizations (id),
        filed_by uuid NOT NULL REFERENCES users (id),
        subject text NOT NULL CHECK (subject IN ('PROCESS', 'AWARD')),
        text text NOT NULL,
        filed_at timestamptz NOT NULL,
        filing_deadline timestamptz NOT NULL,
        answer_due_at timestamptz NOT NULL,
        status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'ANSWERED')),
        answer text NULL,
        upheld boolean NULL,
        answered_by uuid NULL REFERENCES users (id),
        answered_at timestamptz NULL,
        request_sha256 char(64) NOT NULL
      )`);
    await q.query(`CREATE INDEX "IDX_PROCUREMENT_CHALLENGES_TENDER" ON procurement_challenges (tender_id, status)`);
    await q.query(`CREATE UNIQUE INDEX "UQ_PROCUREMENT_CHALLENGES_REQUEST" ON procurement_challenges (request_sha256)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE procurement_challenges`);
  }
}
