import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Sealed identities (issue 17) for the last two places a prospective bidder of a tender was named before the deadline
 * (TBL Art. 22; EB20 Arts. 27/31):
 * - `notifications`: a notice tied to a tender that seals identities and sent to a bidder-side party (the downloaders
 *   told of an amendment or a cancellation, the objector told of the answer) names no recipient in clear:
 *   `recipient_sealed` holds user, organisation and dedupe key under a platform key (the delivery needs them before the
 *   deadline), `recipient_user_blind_index` / `recipient_org_blind_index` (HMAC of tender|id, keyed from
 *   SEALING_MASTER_KEY) let the inbox find its own messages, `dedupe_key` is a keyed digest. The read marks of such a
 *   notice (`notification_reads`) name no user either: `reader_blind_index` and `reader_sealed`.
 * - `complaints`: a complaint filed before the deadline names its complainant only sealed (`complainant_sealed`,
 *   platform tier: supervisors handling it read it through the API), found by `complainant_blind_index`.
 * At the deadline the notifications and supervision modules fill the columns in clear again.
 */
export class SealNoticeRecipientsAndComplainants1765820000000 implements MigrationInterface {
  name = 'SealNoticeRecipientsAndComplainants1765820000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE notifications
        ADD COLUMN recipient_user_blind_index text NULL,
        ADD COLUMN recipient_org_blind_index text NULL,
        ADD COLUMN recipient_sealed text NULL,
        ADD CONSTRAINT "CK_NOTIFICATIONS_CLEAR_OR_SEALED"
          CHECK (recipient_sealed IS NULL OR (recipient_user_id IS NULL AND recipient_organization_id IS NULL AND tender_id IS NOT NULL
                 AND (recipient_user_blind_index IS NOT NULL OR recipient_org_blind_index IS NOT NULL)))`);
    await q.query(`CREATE INDEX "IDX_NOTIFICATIONS_SEALED_TENDER" ON notifications (tender_id) WHERE recipient_sealed IS NOT NULL`);
    await q.query(`CREATE INDEX "IDX_NOTIFICATIONS_RECIPIENT_USER_BLIND" ON notifications (recipient_user_blind_index) WHERE recipient_user_blind_index IS NOT NULL`);
    await q.query(`CREATE INDEX "IDX_NOTIFICATIONS_RECIPIENT_ORG_BLIND" ON notifications (recipient_org_blind_index) WHERE recipient_org_blind_index IS NOT NULL`);

    await q.query(`ALTER TABLE notification_reads DROP CONSTRAINT notification_reads_pkey`);
    await q.query(`
      ALTER TABLE notification_reads
        ALTER COLUMN user_id DROP NOT NULL,
        ADD COLUMN reader_blind_index text NULL,
        ADD COLUMN reader_sealed text NULL,
        ADD CONSTRAINT "CK_NOTIFICATION_READS_CLEAR_OR_SEALED"
          CHECK ((user_id IS NOT NULL AND reader_blind_index IS NULL AND reader_sealed IS NULL)
              OR (user_id IS NULL AND reader_blind_index IS NOT NULL AND reader_sealed IS NOT NULL))`);
    await q.query(`CREATE UNIQUE INDEX "UQ_NOTIFICATION_READS_USER" ON notification_reads (notification_id, user_id)`);
    await q.query(`CREATE UNIQUE INDEX "UQ_NOTIFICATION_READS_READER_BLIND" ON notification_reads (notification_id, reader_blind_index)`);
    await q.query(`CREATE INDEX "IDX_NOTIFICATION_READS_SEALED" ON notification_reads (notification_id) WHERE reader_sealed IS NOT NULL`);

    await q.query(`
      ALTER TABLE complaints
        ALTER COLUMN complainant_organization_id DROP NOT NULL,
        ALTER COLUMN filed_by DROP NOT NULL,
        ADD COLUMN complainant_blind_index text NULL,
        ADD COLUMN complainant_sealed text NULL,
        ADD CONSTRAINT "CK_COMPLAINTS_CLEAR_OR_SEALED"
          CHECK ((complainant_organization_id IS NOT NULL AND filed_by IS NOT NULL) OR (complainant_blind_index IS NOT NULL AND complainant_sealed IS NOT NULL))`);
    await q.query(`CREATE INDEX "IDX_COMPLAINTS_TENDER_BLIND_INDEX" ON complaints (tender_id, complainant_blind_index) WHERE complainant_blind_index IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "IDX_COMPLAINTS_TENDER_BLIND_INDEX"`);
    await q.query(`DELETE FROM complaints WHERE complainant_organization_id IS NULL`);
    await q.query(`
      ALTER TABLE complaints
        DROP CONSTRAINT "CK_COMPLAINTS_CLEAR_OR_SEALED",
        DROP COLUMN complainant_sealed,
        DROP COLUMN complainant_blind_index,
        ALTER COLUMN filed_by SET NOT NULL,
        ALTER COLUMN complainant_organization_id SET NOT NULL`);

    await q.query(`DROP INDEX "IDX_NOTIFICATION_READS_SEALED"`);
    await q.query(`DROP INDEX "UQ_NOTIFICATION_READS_READER_BLIND"`);
    await q.query(`DROP INDEX "UQ_NOTIFICATION_READS_USER"`);
    await q.query(`DELETE FROM notification_reads WHERE user_id IS NULL`);
    await q.query(`
      ALTER TABLE notification_reads
        DROP CONSTRAINT "CK_NOTIFICATION_READS_CLEAR_OR_SEALED",
        DROP COLUMN reader_sealed,
        DROP COLUMN reader_blind_index,
        ALTER COLUMN user_id SET NOT NULL`);
    await q.query(`ALTER TABLE notification_reads ADD PRIMARY KEY (notification_id, user_id)`);

    await q.query(`DROP INDEX "IDX_NOTIFICATIONS_RECIPIENT_ORG_BLIND"`);
    await q.query(`DROP INDEX "IDX_NOTIFICATIONS_RECIPIENT_USER_BLIND"`);
    await q.query(`DROP INDEX "IDX_NOTIFICATIONS_SEALED_TENDER"`);
    await q.query(`DELETE FROM notification_reads WHERE notification_id IN (SELECT id FROM notifications WHERE recipient_sealed IS NOT NULL)`);
    await q.query(`DELETE FROM notifications WHERE recipient_sealed IS NOT NULL`);
    await q.query(`
      ALTER TABLE notifications
        DROP CONSTRAINT "CK_NOTIFICATIONS_CLEAR_OR_SEALED",
        DROP COLUMN recipient_sealed,
        DROP COLUMN recipient_org_blind_index,
        DROP COLUMN recipient_user_blind_index`);
  }
}
