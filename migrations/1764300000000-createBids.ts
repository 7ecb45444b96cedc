import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Sealed electronic bids (电子投标文件, API.md "Sealed bids" format v1), their submission history, and the platform's
 * own keys (the Ed25519 receipt key, stored sealed). At opening the price, duration and attachment names and hashes
 * are stored on the bid with the revealed key; attachment contents stay in the ciphertext (re-opened on demand).
 *
 * Sealing at rest: before opening a bid row holds only ciphertext, iv, key commitment and the escrowed key — no
 * price, plaintext or key. A CHECK constraint refuses any plaintext column on a bid that has not been opened.
 */
export class CreateBids1764300000000 implements MigrationInterface {
  name = 'CreateBids1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE bids (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tender_id uuid NOT NULL REFERENCES tenders (id),
        bidder_organization_id uuid NOT NULL REFERENCES organizations (id),
        submitted_by uuid NOT NULL REFERENCES users (id),
        version int NOT NULL CHECK (version >= 1),
        status text NOT NULL CHECK (status IN ('SUBMITTED', 'WITHDRAWN', 'OPENED', 'DECRYPTED', 'REVOKED')),
        ciphertext bytea NOT NULL,
        iv bytea NOT NULL CHECK (octet_length(iv) = 12),
        key_commitment char(64) NOT NULL CHECK (key_commitment ~ '^[0-9a-f]{64}$'),
        escrowed_key bytea NULL CHECK (escrowed_key IS NULL OR octet_length(escrowed_key) = 92),
        ciphertext_sha256 char(64) NOT NULL,
        ciphertext_bytes int NOT NULL,
        received_at timestamptz NOT NULL,
        signature text NOT NULL,
        ip text NOT NULL,
        device_id text NOT NULL,
        mac_addresses text[] NOT NULL DEFAULT '{}',
        tool_version text NULL,
        document_author text NULL,
        withdrawn_at timestamptz NULL,
        opened_at timestamptz NULL,
        decrypted_at timestamptz NULL,
        decrypted_by text NULL CHECK (decrypted_by IN ('BIDDER', 'ESCROW')),
        revealed_key bytea NULL,
        price numeric(18,2) NULL CHECK (price >= 0),
        duration_days int NULL,
        attachments jsonb NULL,
        status_reason text NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        -- Sealed means sealed (EB20 Art. 27 ¶2): nothing of the content or key before the bid is opened.
        CONSTRAINT "CK_BIDS_SEALED_UNTIL_OPENED" CHECK (
          opened_at IS NOT NULL OR (price IS NULL AND duration_days IS NULL AND attachments IS NULL
                                    AND revealed_key IS NULL AND decrypted_at IS NULL)
        ),
        CONSTRAINT "CK_BIDS_DECRYPTED_HAS_PRICE" CHECK ((status = 'DECRYPTED') = (price IS NOT NULL))
      )`);
    // One bid per bidder and tender (TBR Art. 51(4)); a resubmission replaces it (version + 1).
    await q.query(`CREATE UNIQUE INDEX "UQ_BIDS_TENDER_BIDDER" ON bids (tender_id, bidder_organization_id)`);
    await q.query(`CREATE INDEX "IDX_BIDS_TENDER_STATUS" ON bids (tender_id, status)`);
    await q.query(`CREATE INDEX "IDX_BIDS_BIDDER_ORGANIZATION_ID" ON bids (bidder_organization_id)`);

    await q.query(`
      CREATE TABLE bid_versions (
        bid_id uuid NOT NULL REFERENCES bids (id) ON DELETE CASCADE,
        version int NOT NULL,
        tender_id uuid NOT NULL REFERENCES tenders (id),
        bidder_organization_id uuid NOT NULL REFERENCES organizations (id),
        submitted_by uuid NOT NULL REFERENCES users (id),
        received_at timestamptz NOT NULL,
        ciphertext_sha256 char(64) NOT NULL,
        ciphertext_bytes int NOT NULL,
        key_commitment char(64) NOT NULL,
        has_escrowed_key boolean NOT NULL,
        signature text NOT NULL,
        ip text NOT NULL,
        device_id text NOT NULL,
        mac_addresses text[] NOT NULL DEFAULT '{}',
        tool_version text NULL,
        document_author text NULL,
        PRIMARY KEY (bid_id, version)
      )`);
    await q.query(`CREATE INDEX "IDX_BID_VERSIONS_TENDER_ID" ON bid_versions (tender_id)`);

    await q.query(`
      CREATE TABLE platform_keys (
        name text PRIMARY KEY,
        algorithm text NOT NULL,
        public_key_pem text NOT NULL,
        private_key_sealed text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE platform_keys`);
    await q.query(`DROP TABLE bid_versions`);
    await q.query(`DROP TABLE bids`);
  }
}
