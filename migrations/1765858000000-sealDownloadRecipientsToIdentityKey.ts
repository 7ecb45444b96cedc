import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Sealed identities (issue 17), operator tier for downloads: the downloader to notify of an amendment or a
 * cancellation (EB20 Art. 22; TBL Art. 23) is sealed to the tender's escrowed identity key
 * (`recipient_identity_sealed`) with the notice blind indexes (`recipient_user_blind_index`,
 * `recipient_org_blind_index`) instead of the platform-tier `recipient_sealed` (legacy rows keep it and stay readable).
 * A notice made from such a row cannot be sent to the gateway before the deadline: it is `INBOX_ONLY`.
 */
export class SealDownloadRecipientsToIdentityKey1765858000000 implements MigrationInterface {
  name = 'SealDownloadRecipientsToIdentityKey1765858000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE tender_document_downloads
        ADD COLUMN recipient_identity_sealed text NULL,
        ADD COLUMN recipient_user_blind_index text NULL,
        ADD COLUMN recipient_org_blind_index text NULL`);
    await q.query(`ALTER TABLE notifications DROP CONSTRAINT IF EXISTS notifications_status_check`);
    await q.query(`ALTER TABLE notifications ADD CONSTRAINT notifications_status_check CHECK (status IN ('PENDING', 'SENT', 'FAILED', 'INBOX_ONLY'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE notifications SET status = 'SENT' WHERE status = 'INBOX_ONLY'`);
    await q.query(`ALTER TABLE notifications DROP CONSTRAINT IF EXISTS notifications_status_check`);
    await q.query(`ALTER TABLE notifications ADD CONSTRAINT notifications_status_check CHECK (status IN ('PENDING', 'SENT', 'FAILED'))`);
    await q.query(`
      ALTER TABLE tender_document_downloads
        DROP COLUMN recipient_identity_sealed,
        DROP COLUMN recipient_user_blind_index,
        DROP COLUMN recipient_org_blind_index`);
  }
}
