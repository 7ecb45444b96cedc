import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Sealed identities (issue 17) for objections to the tender documents (异议, TBR Art. 22): the objector is a
 * prospective bidder, secret until the opening (TBL Art. 22). Before the deadline of a tender that seals identities an
 * objection row names no organisation and no user: `objector_blind_index` (HMAC keyed from SEALING_MASTER_KEY) finds
 * the objector's own objections, `objector_sealed` holds organisation and user under a platform key (the answer is sent
 * to the objector before the deadline). At the deadline the tenders module fills the columns in clear again.
 */
export class SealTenderObjectors1765800000100 implements MigrationInterface {
  name = 'SealTenderObjectors1765800000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE tender_objections
        ALTER COLUMN organization_id DROP NOT NULL,
        ALTER COLUMN filed_by DROP NOT NULL,
        ADD COLUMN objector_blind_index text NULL,
        ADD COLUMN objector_sealed text NULL,
        ADD CONSTRAINT "CK_TENDER_OBJECTIONS_CLEAR_OR_SEALED"
          CHECK ((organization_id IS NOT NULL AND filed_by IS NOT NULL) OR (objector_blind_index IS NOT NULL AND objector_sealed IS NOT NULL))`);
    await q.query(`CREATE INDEX "IDX_TENDER_OBJECTIONS_TENDER_BLIND_INDEX" ON tender_objections (tender_id, objector_blind_index)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "IDX_TENDER_OBJECTIONS_TENDER_BLIND_INDEX"`);
    await q.query(`DELETE FROM tender_objections WHERE organization_id IS NULL`);
    await q.query(`
      ALTER TABLE tender_objections
        DROP CONSTRAINT "CK_TENDER_OBJECTIONS_CLEAR_OR_SEALED",
        DROP COLUMN objector_sealed,
        DROP COLUMN objector_blind_index,
        ALTER COLUMN filed_by SET NOT NULL,
        ALTER COLUMN organization_id SET NOT NULL`);
  }
}
