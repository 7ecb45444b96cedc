import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Signed audit heads: at every opening and daily, the head (last sequence number and hash) of every audit stream,
 * signed with the platform's Ed25519 key. GET /audit/verify checks them, so a cut-off tail or a deleted stream
 * shows even though the chain that is left is internally consistent. Append-only.
 */
export class CreateAuditHeads1765200000200 implements MigrationInterface {
  name = 'CreateAuditHeads1765200000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_heads (
        id bigserial PRIMARY KEY,
        signed_at timestamptz NOT NULL,
        reason text NOT NULL CHECK (reason IN ('OPENING', 'DAILY')),
        tender_id uuid NULL,
        heads jsonb NOT NULL,
        heads_sha256 text NOT NULL,
        signature text NOT NULL
      )`);
    await q.query(`CREATE INDEX "IDX_AUDIT_HEADS_SIGNED_AT" ON audit_heads (reason, signed_at)`);
    await q.query(`
      CREATE FUNCTION audit_heads_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_heads is append-only (% refused)', TG_OP;
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_heads_no_update_delete BEFORE UPDATE OR DELETE ON audit_heads
      FOR EACH ROW EXECUTE FUNCTION audit_heads_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER audit_heads_no_update_delete ON audit_heads`);
    await q.query(`DROP FUNCTION audit_heads_append_only()`);
    await q.query(`DROP TABLE audit_heads`);
  }
}
