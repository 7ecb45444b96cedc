import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Sealed identities (issue 17), operator tier for bid security: who asked for a sub-account and who paid are sealed
 * to the tender's escrowed identity key (k custodians, from the deadline on) instead of a key derived from
 * SEALING_MASTER_KEY. What the platform still needs before the deadline works without them:
 * - `bid_security_accounts.basic_account_digest`: a keyed digest of the bidder's basic account, taken when the
 *   authenticated bidder asks for its sub-account; a bank notification compares the payer account's digest with it
 *   (TBR Art. 26) instead of reading the bidder;
 * - `bank_refund_instructions.original_txn_ids`: an order that pays back "where the money came from" (原路退回) names
 *   the bank's own transactions instead of the payee (NULL payee, no `payee_sealed`); the bank knows its payers.
 */
export class SealBidSecurityToIdentityKey1765854000000 implements MigrationInterface {
  name = 'SealBidSecurityToIdentityKey1765854000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE bid_security_accounts ADD COLUMN basic_account_digest text NULL`);
    await q.query(`
      ALTER TABLE bank_refund_instructions
        DROP CONSTRAINT "CK_BANK_REFUND_INSTRUCTIONS_CLEAR_OR_SEALED",
        ADD COLUMN original_txn_ids text[] NULL,
        ADD CONSTRAINT "CK_BANK_REFUND_INSTRUCTIONS_CLEAR_OR_SEALED"
          CHECK ((payee_account_no IS NOT NULL AND payee_name IS NOT NULL) OR payee_sealed IS NOT NULL OR coalesce(cardinality(original_txn_ids), 0) > 0)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM bank_refund_instructions WHERE payee_account_no IS NULL AND payee_sealed IS NULL`);
    await q.query(`
      ALTER TABLE bank_refund_instructions
        DROP CONSTRAINT "CK_BANK_REFUND_INSTRUCTIONS_CLEAR_OR_SEALED",
        DROP COLUMN original_txn_ids,
        ADD CONSTRAINT "CK_BANK_REFUND_INSTRUCTIONS_CLEAR_OR_SEALED"
          CHECK ((payee_account_no IS NOT NULL AND payee_name IS NOT NULL) OR payee_sealed IS NOT NULL)`);
    await q.query(`ALTER TABLE bid_security_accounts DROP COLUMN basic_account_digest`);
  }
}
