import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The v1 receipt extension (docs/SEALED_BID_FORMAT.md §5.1): the SHA-256 and Ed25519 signature of the canonical
 * envelope of every stored field of a bid version (iv and escrowed key included), kept with the bid and each
 * version. Null for bids received before the extension.
 */
export class AddBidEnvelopeSignature1765200000100 implements MigrationInterface {
  name = 'AddBidEnvelopeSignature1765200000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE bids ADD COLUMN envelope_sha256 text, ADD COLUMN envelope_signature text`);
    await q.query(`ALTER TABLE bid_versions ADD COLUMN envelope_sha256 text, ADD COLUMN envelope_signature text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE bid_versions DROP COLUMN envelope_sha256, DROP COLUMN envelope_signature`);
    await q.query(`ALTER TABLE bids DROP COLUMN envelope_sha256, DROP COLUMN envelope_signature`);
  }
}
