import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Sealed identities (issue 17), operator tier for objectors (异议, TBR Art. 22) and complainants (投诉, TBR Art. 60):
 * before the deadline of a tender that seals identities the filer is sealed to the tender's escrowed identity key
 * (`objector_sealed` / `complainant_sealed` prefixed `identity:`; legacy platform-tier rows keep theirs and stay
 * readable), with the recipient of the filer's notices pre-sealed to the same key and its notice blind indexes
 * (`*_recipient_sealed`, `*_recipient_user_index`, `*_recipient_org_index`). `complainant_standing` is what the
 * platform attested of a sealed complainant at filing (it downloaded the documents; it is the objector of the
 * complaint's objection), shown to the supervisors instead of its name until the deadline.
 */
export class SealObjectorsAndComplainantsToIdentityKey1765880000000 implements MigrationInterface {
  name = 'SealObjectorsAndComplainantsToIdentityKey1765880000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE tender_objections
        ADD COLUMN objector_recipient_sealed text NULL,
        ADD COLUMN objector_recipient_user_index text NULL,
        ADD COLUMN objector_recipient_org_index text NULL`);
    await q.query(`
      ALTER TABLE complaints
        ADD COLUMN complainant_recipient_sealed text NULL,
        ADD COLUMN complainant_recipient_user_index text NULL,
        ADD COLUMN complainant_recipient_org_index text NULL,
        ADD COLUMN complainant_standing jsonb NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE complaints
        DROP COLUMN complainant_recipient_sealed,
        DROP COLUMN complainant_recipient_user_index,
        DROP COLUMN complainant_recipient_org_index,
        DROP COLUMN complainant_standing`);
    await q.query(`
      ALTER TABLE tender_objections
        DROP COLUMN objector_recipient_sealed,
        DROP COLUMN objector_recipient_user_index,
        DROP COLUMN objector_recipient_org_index`);
  }
}
