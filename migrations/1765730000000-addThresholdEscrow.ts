import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Issue 17, threshold escrow: tender secrets are split k-of-n among custodians (src/modules/custody). The platform's
 * own share lives here, sealed under SEALING_MASTER_KEY; the other custodians keep theirs outside this database.
 * - tenders.escrow_private_key_sealed stays for tenders published before (their key is still whole, sealed);
 * - expert_draws.seed_hex may be NULL: a v2 draw's seed is escrowed with the custodians until the award reveals it.
 * Sealed identities (src/modules/bids/bid-identity-sealer.ts):
 * - tenders.identity_public_key: the tender's identity key (its private key escrowed like the escrow key);
 * - bids / bid_versions: before the opening the bidder, user, IP and device columns are NULL; `sealed_identity`
 *   holds them encrypted, `bidder_blind_index` keeps one bid per bidder and tender. The opening fills them in clear.
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

    await q.query(`ALTER TABLE tenders ADD COLUMN identity_public_key text NULL`);
    // The expert draw's seed, committed at publication (its shares with the custodians until the deadline).
    await q.query(`ALTER TABLE tenders ADD COLUMN draw_seed_commitment char(64) NULL`);
    for (const table of ['bids', 'bid_versions']) {
      await q.query(`
        ALTER TABLE ${table}
          ALTER COLUMN bidder_organization_id DROP NOT NULL,
          ALTER COLUMN submitted_by DROP NOT NULL,
          ALTER COLUMN ip DROP NOT NULL,
          ALTER COLUMN device_id DROP NOT NULL,
          ADD COLUMN bidder_blind_index char(64) NULL,
          ADD COLUMN sealed_identity text NULL,
          ADD CONSTRAINT "CK_${table.toUpperCase()}_IDENTITY_CLEAR_OR_SEALED" CHECK (
            (bidder_organization_id IS NOT NULL AND submitted_by IS NOT NULL AND ip IS NOT NULL AND device_id IS NOT NULL)
            OR (sealed_identity IS NOT NULL AND bidder_blind_index IS NOT NULL))`);
    }
    // One bid per bidder and tender while sealed (TBR Art. 51(4)); UQ_BIDS_TENDER_BIDDER keeps it once in clear.
    await q.query(`CREATE UNIQUE INDEX "UQ_BIDS_TENDER_BLIND_INDEX" ON bids (tender_id, bidder_blind_index)`);
    await q.query(`CREATE INDEX "IDX_BIDS_SEALED_TENDER" ON bids (tender_id) WHERE bidder_organization_id IS NULL`);
    // Who downloaded the tender documents (TBL Art. 22): sealed to the identity key until the deadline; the users to
    // notify of an amendment in `recipient_sealed` (platform tier, EB20 Art. 22 needs them before the deadline).
    await q.query(`
      ALTER TABLE tender_document_downloads
        ALTER COLUMN ip DROP NOT NULL,
        ADD COLUMN sealed_identity text NULL,
        ADD COLUMN recipient_sealed text NULL,
        ADD CONSTRAINT "CK_TENDER_DOCUMENT_DOWNLOADS_CLEAR_OR_SEALED" CHECK (ip IS NOT NULL OR sealed_identity IS NOT NULL)`);
    // Bid security (platform tier: the bank notifications and refunds need them before the deadline): who asked for
    // a sub-account and who paid, sealed until the deadline; a blind index keeps one sub-account per bidder.
    await q.query(`
      ALTER TABLE bid_security_accounts
        ALTER COLUMN bidder_organization_id DROP NOT NULL,
        ADD COLUMN bidder_blind_index char(64) NULL,
        ADD COLUMN owner_sealed text NULL,
        ADD CONSTRAINT "CK_BID_SECURITY_ACCOUNTS_CLEAR_OR_SEALED" CHECK (
          bidder_organization_id IS NOT NULL OR (owner_sealed IS NOT NULL AND bidder_blind_index IS NOT NULL))`);
    await q.query(`CREATE UNIQUE INDEX "UQ_BID_SECURITY_ACCOUNTS_TENDER_BLIND_INDEX" ON bid_security_accounts (tender_id, bidder_blind_index)`);
    await q.query(`
      ALTER TABLE bid_security_payments
        ALTER COLUMN payer_account_no DROP NOT NULL,
        ALTER COLUMN payer_name DROP NOT NULL,
        ADD COLUMN payer_sealed text NULL,
        ADD CONSTRAINT "CK_BID_SECURITY_PAYMENTS_CLEAR_OR_SEALED" CHECK (
          (payer_account_no IS NOT NULL AND payer_name IS NOT NULL) OR payer_sealed IS NOT NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE bid_security_payments DROP CONSTRAINT "CK_BID_SECURITY_PAYMENTS_CLEAR_OR_SEALED", DROP COLUMN payer_sealed`);
    await q.query(`DROP INDEX "UQ_BID_SECURITY_ACCOUNTS_TENDER_BLIND_INDEX"`);
    await q.query(`ALTER TABLE bid_security_accounts DROP CONSTRAINT "CK_BID_SECURITY_ACCOUNTS_CLEAR_OR_SEALED", DROP COLUMN bidder_blind_index, DROP COLUMN owner_sealed`);
    await q.query(
      `ALTER TABLE tender_document_downloads DROP CONSTRAINT "CK_TENDER_DOCUMENT_DOWNLOADS_CLEAR_OR_SEALED", DROP COLUMN sealed_identity, DROP COLUMN recipient_sealed`,
    );
    await q.query(`DROP INDEX "IDX_BIDS_SEALED_TENDER"`);
    await q.query(`DROP INDEX "UQ_BIDS_TENDER_BLIND_INDEX"`);
    for (const table of ['bids', 'bid_versions']) {
      await q.query(`ALTER TABLE ${table} DROP CONSTRAINT "CK_${table.toUpperCase()}_IDENTITY_CLEAR_OR_SEALED", DROP COLUMN bidder_blind_index, DROP COLUMN sealed_identity`);
    }
    await q.query(`ALTER TABLE tenders DROP COLUMN identity_public_key, DROP COLUMN draw_seed_commitment`);
    await q.query(`DROP TABLE escrow_custody_shares`);
  }
}
