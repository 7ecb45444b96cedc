import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Sealed audit events (TBL Art. 22; API.md "Sealed bids"): an event sealed until the opening of a tender carries
 * that tender in `sealed_tender_id` and is hidden from GET /audit and from the totals of GET /audit/verify until
 * the tender is opened. Sealed events live in named streams of their own (`bid:<id>`, `bid-security:<id>`), never
 * in a tender's stream or the platform's, whose visible sequence numbers would otherwise count them.
 * Adding a NULL column rewrites no row, so the append-only trigger is not involved and existing hashes stand.
 */
export class AddAuditSealing1764600000000 implements MigrationInterface {
  name = 'AddAuditSealing1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_events ADD COLUMN sealed_tender_id uuid NULL`);
    await q.query(`
      ALTER TABLE audit_events ADD CONSTRAINT "CHK_AUDIT_SEALED_STREAM" CHECK (
        sealed_tender_id IS NULL
        OR (tender_id = sealed_tender_id AND stream <> 'platform' AND stream <> sealed_tender_id::text)
      )`);
    await q.query(`CREATE INDEX "IDX_AUDIT_SEALED_TENDER_ID" ON audit_events (sealed_tender_id) WHERE sealed_tender_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    // Rows written sealed keep "sealedUntilOpeningOf" in their hash: after this, they no longer verify.
    await q.query(`DROP INDEX "IDX_AUDIT_SEALED_TENDER_ID"`);
    await q.query(`ALTER TABLE audit_events DROP CONSTRAINT "CHK_AUDIT_SEALED_STREAM"`);
    await q.query(`ALTER TABLE audit_events DROP COLUMN sealed_tender_id`);
  }
}
