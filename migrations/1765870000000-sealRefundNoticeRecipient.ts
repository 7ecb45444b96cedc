import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Sealed identities (issue 17), operator tier for notices: a refund paid before the deadline of a tender that seals
 * identities (a withdrawal) tells its bidder in the inbox. The platform cannot name the bidder when the refund is
 * paid (the sub-account owner is sealed to the identity key), so the withdrawal — the bidder's own request — seals the
 * recipient of that notice to the tender's identity key with its notice blind indexes
 * (`notice_recipient_sealed`: the notices module's PreSealedRecipient as JSON).
 */
export class SealRefundNoticeRecipient1765870000000 implements MigrationInterface {
  name = 'SealRefundNoticeRecipient1765870000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE bid_security_refunds ADD COLUMN notice_recipient_sealed jsonb NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE bid_security_refunds DROP COLUMN notice_recipient_sealed`);
  }
}
