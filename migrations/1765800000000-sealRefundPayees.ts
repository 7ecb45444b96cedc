import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Sealed identities (issue 17) for refunds paid before the deadline (a withdrawal, a late or excess payment): the
 * payee's account and name (the bidder's basic account) are stored sealed under a platform key derived from
 * SEALING_MASTER_KEY — `bid_security_refunds.instructions_sealed` (with `instructions` NULL) and
 * `bank_refund_instructions.payee_sealed` (with `payee_account_no`/`payee_name` NULL) — the same mechanism as the
 * payers (`bid_security_payments.payer_sealed`). The bank itself still receives the order in clear. At the deadline
 * the bid-security hook fills the columns in clear again.
 */
export class SealRefundPayees1765800000000 implements MigrationInterface {
  name = 'SealRefundPayees1765800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE bid_security_refunds ADD COLUMN instructions_sealed text NULL`);
    await q.query(`
      ALTER TABLE bank_refund_instructions
        ALTER COLUMN payee_account_no DROP NOT NULL,
        ALTER COLUMN payee_name DROP NOT NULL,
        ADD COLUMN payee_sealed text NULL,
        ADD CONSTRAINT "CK_BANK_REFUND_INSTRUCTIONS_CLEAR_OR_SEALED"
          CHECK ((payee_account_no IS NOT NULL AND payee_name IS NOT NULL) OR payee_sealed IS NOT NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM bank_refund_instructions WHERE payee_account_no IS NULL`);
    await q.query(`
      ALTER TABLE bank_refund_instructions
        DROP CONSTRAINT "CK_BANK_REFUND_INSTRUCTIONS_CLEAR_OR_SEALED",
        DROP COLUMN payee_sealed,
        ALTER COLUMN payee_name SET NOT NULL,
        ALTER COLUMN payee_account_no SET NOT NULL`);
    await q.query(`ALTER TABLE bid_security_refunds DROP COLUMN instructions_sealed`);
  }
}
