import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 17, threshold escrow: tender secrets are split k-of-n among custodians (src/modules/custody). The platform's
 * own share lives here, sealed under SEALING_MASTER_KEY; the other custodians keep theirs outside this database.
 * - tenders.escrow_private_key_sealed stays for tenders published before (their key is still whole, sealed);
 * - expert_draws.seed_hex may be NULL: a v2 draw's seed is escrowed with the custodians until the award reveals it.
 */
export class AddThresholdEscrow1765730000000 implements MigrationInterface {
  name = 'AddThresholdEscrow1765730000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE escrow_custody_shares (
        tender_id uuid NOT NULL REFERENCES tenders (id),
        secret_id text NOT NULL CHECK (secret_id ~ '^[a-z0-9][a-z0-9-]{0,80}$'),
        custodian text NOT NULL,
        share_index int NOT NULL CHECK (share_index BETWEEN 1 AND 255),
        not_before timestamptz NOT NULL,
        sealed_share text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (tender_id, secret_id, custodian)
      )`);
    await q.query(`ALTER TABLE expert_draws ALTER COLUMN seed_hex DROP NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE escrow_custody_shares`);
  }
}
