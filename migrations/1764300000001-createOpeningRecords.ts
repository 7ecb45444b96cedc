import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** Bid opening (开标): each decryption attempt, and the opening record (开标记录) as JSON and PDF with their hashes. */
export class CreateOpeningRecords1764300000001 implements MigrationInterface {
  name = 'CreateOpeningRecords1764300000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE decryption_attempts (
        id bigserial PRIMARY KEY,
        bid_id uuid NOT NULL REFERENCES bids (id),
        tender_id uuid NOT NULL REFERENCES tenders (id),
        attempted_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        method text NOT NULL CHECK (method IN ('BIDDER', 'ESCROW')),
        outcome text NOT NULL,
        actor_id text NOT NULL,
        ip text NOT NULL DEFAULT ''
      )`);
    await q.query(`CREATE INDEX "IDX_DECRYPTION_ATTEMPTS_BID_ID" ON decryption_attempts (bid_id)`);
    await q.query(`CREATE INDEX "IDX_DECRYPTION_ATTEMPTS_TENDER_ID" ON decryption_attempts (tender_id)`);

    await q.query(`
      CREATE TABLE opening_records (
        tender_id uuid PRIMARY KEY REFERENCES tenders (id),
        record jsonb NOT NULL,
        record_sha256 char(64) NOT NULL,
        -- The PDF is rendered from the record right after the opening commits (or on first request).
        pdf bytea NULL,
        pdf_sha256 char(64) NULL,
        window_closed_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE opening_records`);
    await q.query(`DROP TABLE decryption_attempts`);
  }
}
