import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** 投标邀请书: the bidders invited to an INVITED tender (TBL Art. 17: at least 3). */
export class CreateTenderInvitations1764700000000 implements MigrationInterface {
  name = 'CreateTenderInvitations1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tender_invitations (
        tender_id uuid NOT NULL REFERENCES tenders (id),
        organization_id uuid NOT NULL REFERENCES organizations (id),
        invited_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (tender_id, organization_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE tender_invitations`);
  }
}
