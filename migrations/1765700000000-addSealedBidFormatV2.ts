import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Sealed-bid format v2 (issue 13; docs/SEALED_BID_FORMAT.md "format v2"):
 * - tenders: the suites a tender accepts, its size limit for a bid file, and its GM-1 (SM2) escrow key pair beside
 *   the X25519 one;
 * - bids / bid_versions: format_version, suite, segment size and blob key; a v2 bid's file lives in the blob store
 *   (ciphertext is empty), `iv` holds its 7-byte nonce prefix, `ciphertext_sha256` its suite's file hash;
 * - bid_uploads / bid_upload_pieces: resumable uploads, each stored piece with its offset.
 */
export class AddSealedBidFormatV21765700000000 implements MigrationInterface {
  name = 'AddSealedBidFormatV21765700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE tenders
        ADD COLUMN accepted_suites text[] NOT NULL DEFAULT '{INTL-1,GM-1}' CHECK (accepted_suites <@ ARRAY['INTL-1','GM-1']::text[]),
        ADD COLUMN max_bid_file_bytes bigint NULL CHECK (max_bid_file_bytes IS NULL OR max_bid_file_bytes > 0),
        ADD COLUMN escrow_public_key_sm2 text NULL CHECK (escrow_public_key_sm2 IS NULL OR escrow_public_key_sm2 ~ '^04[0-9a-f]{128}$'),
        ADD COLUMN escrow_private_key_sm2_sealed text NULL`);
    for (const table of ['bids', 'bid_versions']) {
      await q.query(`
        ALTER TABLE ${table}
          ADD COLUMN format_version smallint NOT NULL DEFAULT 1 CHECK (format_version IN (1, 2)),
          ADD COLUMN suite text NULL CHECK (suite IN ('INTL-1', 'GM-1')),
          ADD COLUMN segment_size int NULL,
          ADD COLUMN blob_key text NULL,
          ADD CONSTRAINT ${table}_v2_fields_check CHECK (
            (format_version = 1 AND suite IS NULL AND blob_key IS NULL)
            OR (format_version = 2 AND suite IS NOT NULL AND segment_size IS NOT NULL AND blob_key IS NOT NULL))`);
    }
    // ciphertext_bytes stays int: the v2 ceiling (MAX_BID_FILE_BYTES, 600 MiB) is far below 2^31.
    await q.query(`ALTER TABLE bids DROP CONSTRAINT IF EXISTS bids_iv_check, DROP CONSTRAINT IF EXISTS bids_escrowed_key_check`);
    await q.query(`
      ALTER TABLE bids
        ADD CONSTRAINT bids_iv_check CHECK ((format_version = 1 AND octet_length(iv) = 12) OR (format_version = 2 AND octet_length(iv) = 7)),
        ADD CONSTRAINT bids_escrowed_key_check CHECK (
          escrowed_key IS NULL
          OR (coalesce(suite, 'INTL-1') = 'INTL-1' AND octet_length(escrowed_key) = 92)
          OR (suite = 'GM-1' AND octet_length(escrowed_key) = 113)),
        ADD CONSTRAINT bids_v2_no_inline_ciphertext CHECK (format_version = 1 OR octet_length(ciphertext) = 0)`);
    await q.query(`
      CREATE TABLE bid_uploads (
        id uuid PRIMARY KEY,
        tender_id uuid NOT NULL REFERENCES tenders(id),
        bidder_organization_id uuid NOT NULL,
        submitted_by uuid NOT NULL,
        status text NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'FINALIZED', 'REFUSED')),
        suite text NOT NULL CHECK (suite IN ('INTL-1', 'GM-1')),
        segment_size int NOT NULL,
        ciphertext_length bigint NOT NULL CHECK (ciphertext_length >= 16),
        ciphertext_hash char(64) NOT NULL CHECK (ciphertext_hash ~ '^[0-9a-f]{64}$'),
        nonce_prefix bytea NOT NULL CHECK (octet_length(nonce_prefix) = 7),
        key_commitment char(64) NOT NULL CHECK (key_commitment ~ '^[0-9a-f]{64}$'),
        escrowed_key bytea NULL,
        client jsonb NOT NULL,
        ip text NOT NULL,
        received_bytes bigint NOT NULL DEFAULT 0,
        bid_id uuid NULL,
        refused_reason text NULL,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        CHECK (received_bytes >= 0 AND received_bytes <= ciphertext_length)
      )`);
    await q.query(`CREATE INDEX "IDX_BID_UPLOADS_TENDER_BIDDER" ON bid_uploads (tender_id, bidder_organization_id)`);
    await q.query(`
      CREATE TABLE bid_upload_pieces (
        upload_id uuid NOT NULL REFERENCES bid_uploads(id) ON DELETE CASCADE,
        "offset" bigint NOT NULL CHECK ("offset" >= 0),
        length int NOT NULL CHECK (length > 0),
        blob_key text NOT NULL,
        PRIMARY KEY (upload_id, "offset")
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE bid_upload_pieces`);
    await q.query(`DROP TABLE bid_uploads`);
    await q.query(`ALTER TABLE bids DROP CONSTRAINT bids_v2_no_inline_ciphertext, DROP CONSTRAINT bids_iv_check, DROP CONSTRAINT bids_escrowed_key_check`);
    await q.query(`DELETE FROM bid_versions WHERE format_version = 2`);
    await q.query(`DELETE FROM bids WHERE format_version = 2`);
    for (const table of ['bids', 'bid_versions']) {
      await q.query(`ALTER TABLE ${table} DROP COLUMN format_version, DROP COLUMN suite, DROP COLUMN segment_size, DROP COLUMN blob_key`);
    }
    await q.query(`ALTER TABLE bids ADD CONSTRAINT bids_iv_check CHECK (octet_length(iv) = 12),
                   ADD CONSTRAINT bids_escrowed_key_check CHECK (escrowed_key IS NULL OR octet_length(escrowed_key) = 92)`);
    await q.query(`ALTER TABLE tenders DROP COLUMN accepted_suites, DROP COLUMN max_bid_file_bytes, DROP COLUMN escrow_public_key_sm2,
                   DROP COLUMN escrow_private_key_sm2_sealed`);
  }
}
