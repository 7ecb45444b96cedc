import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Issue 16 (h16a): non-cash bid security and the bid validity period.
 * - tenders.bid_security_forms: the forms of bid security the tender accepts (CASH through the virtual sub-account,
 *   E_GUARANTEE: an electronic letter of guarantee of a bank, guarantor or insurer). Procurement may not require
 *   cash (GPR Art. 33).
 * - tenders.bid_validity_days / bid_validity_ends_on: 投标有效期, counted from the bid deadline (TBR Art. 25); the
 *   end day is set by an extension request (NULL: the deadline's day + bid_validity_days).
 * - bid_guarantees: 电子保函, registered by the issuer's signed notification; VALID → RELEASED | CLAIMED.
 * - bid_validity_extensions / bid_validity_extension_responses: the tenderer's request to extend and each
 *   bidder's answer (TBR Art. 25); bids.status LAPSED for a bidder who refuses.
 */
export class AddElectronicGuaranteesAndBidValidity1765710000000 implements MigrationInterface {
  name = 'AddElectronicGuaranteesAndBidValidity1765710000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE tenders
        ADD COLUMN bid_security_forms text[] NOT NULL DEFAULT '{CASH,E_GUARANTEE}'
          CHECK (cardinality(bid_security_forms) >= 1 AND bid_security_forms <@ ARRAY['CASH', 'E_GUARANTEE']::text[]),
        ADD COLUMN bid_validity_days int NOT NULL DEFAULT 90 CHECK (bid_validity_days BETWEEN 1 AND 366),
        ADD COLUMN bid_validity_ends_on date NULL`);

    await q.query(`
      CREATE TABLE bid_guarantees (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        guarantee_no text NOT NULL,
        issuer_uscc text NOT NULL,
        issuer_type text NOT NULL CHECK (issuer_type IN ('BANK', 'GUARANTOR', 'INSURER')),
        issuer_name text NOT NULL,
        tender_id uuid NOT NULL REFERENCES tenders (id),
        lot_no int NOT NULL DEFAULT 1 CHECK (lot_no >= 1),
        bidder_organization_id uuid NOT NULL REFERENCES organizations (id),
        amount numeric(18, 2) NOT NULL CHECK (amount > 0),
        valid_from date NOT NULL,
        valid_until date NOT NULL CHECK (valid_until >= valid_from),
        issued_at timestamptz NOT NULL,
        body_sha256 char(64) NOT NULL,
        status text NOT NULL DEFAULT 'VALID' CHECK (status IN ('VALID', 'RELEASED', 'CLAIMED')),
        received_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        extended_at timestamptz NULL,
        settled_at timestamptz NULL,
        settlement_reason text NULL,
        legal_basis text NULL
      )`);
    await q.query(`CREATE UNIQUE INDEX "UQ_BID_GUARANTEES_NO" ON bid_guarantees (issuer_uscc, guarantee_no)`);
    await q.query(`CREATE INDEX "IDX_BID_GUARANTEES_TENDER_BIDDER" ON bid_guarantees (tender_id, bidder_organization_id, lot_no)`);

    await q.query(`
      CREATE TABLE bid_validity_extensions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tender_id uuid NOT NULL REFERENCES tenders (id),
        previous_ends_on date NOT NULL,
        extend_to date NOT NULL CHECK (extend_to > previous_ends_on),
        reason text NOT NULL,
        respond_by timestamptz NOT NULL,
        requested_by uuid NOT NULL,
        requested_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query(`CREATE INDEX "IDX_BID_VALIDITY_EXTENSIONS_TENDER" ON bid_validity_extensions (tender_id, requested_at)`);
    await q.query(`
      CREATE TABLE bid_validity_extension_responses (
        extension_id uuid NOT NULL REFERENCES bid_validity_extensions (id),
        bid_id uuid NOT NULL REFERENCES bids (id),
        bidder_organization_id uuid NOT NULL,
        decision text NOT NULL CHECK (decision IN ('ACCEPT', 'REFUSE')),
        responded_by uuid NOT NULL,
        responded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (extension_id, bid_id)
      )`);

    await q.query(`ALTER TABLE bid_security_refunds DROP CONSTRAINT bid_security_refunds_reason_check`);
    await q.query(`ALTER TABLE bid_security_refunds ADD CONSTRAINT bid_security_refunds_reason_check CHECK (reason IN ('WITHDRAWAL',
      'TERMINATION', 'NOT_AWARDED', 'CONTRACT_SIGNED', 'SURPLUS_AFTER_FORFEITURE', 'LATE_PAYMENT', 'UNMATCHED_PAYMENT', 'VALIDITY_REFUSED'))`);
    await q.query(`ALTER TABLE bids DROP CONSTRAINT bids_status_check`);
    await q.query(`ALTER TABLE bids ADD CONSTRAINT bids_status_check CHECK (status IN ('SUBMITTED', 'WITHDRAWN', 'OPENED', 'DECRYPTED', 'REVOKED', 'LAPSED'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE bids SET status = 'WITHDRAWN' WHERE status = 'LAPSED'`);
    await q.query(`ALTER TABLE bids DROP CONSTRAINT bids_status_check`);
    await q.query(`ALTER TABLE bids ADD CONSTRAINT bids_status_check CHECK (status IN ('SUBMITTED', 'WITHDRAWN', 'OPENED', 'DECRYPTED', 'REVOKED'))`);
    await q.query(`ALTER TABLE bid_security_refunds DROP CONSTRAINT bid_security_refunds_reason_check`);
    await q.query(`ALTER TABLE bid_security_refunds ADD CONSTRAINT bid_security_refunds_reason_check CHECK (reason IN ('WITHDRAWAL',
      'TERMINATION', 'NOT_AWARDED', 'CONTRACT_SIGNED', 'SURPLUS_AFTER_FORFEITURE', 'LATE_PAYMENT', 'UNMATCHED_PAYMENT')) NOT VALID`);
    await q.query(`DROP TABLE bid_validity_extension_responses`);
    await q.query(`DROP TABLE bid_validity_extensions`);
    await q.query(`DROP TABLE bid_guarantees`);
    await q.query(`ALTER TABLE tenders DROP COLUMN bid_validity_ends_on, DROP COLUMN bid_validity_days, DROP COLUMN bid_security_forms`);
  }
}
