import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Bid security (投标保证金): virtual sub-accounts per bidder and tender, the bank's payment notifications, refunds,
 * the refund instructions handed to the bank, and a double-entry ledger that is append-only and balances per
 * journal (checked by the database at commit).
 */
export class CreateBidSecurity1764200000000 implements MigrationInterface {
  name = 'CreateBidSecurity1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE bid_security_accounts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tender_id uuid NOT NULL REFERENCES tenders (id),
        bidder_organization_id uuid NOT NULL REFERENCES organizations (id),
        virtual_account_no text NOT NULL,
        status text NOT NULL DEFAULT 'HELD' CHECK (status IN ('HELD', 'REFUND_DUE', 'REFUNDED', 'FORFEITED')),
        current_refund_id uuid NULL,
        forfeited_at timestamptz NULL,
        forfeit_reason text NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX "UQ_BID_SECURITY_ACCOUNTS_TENDER_BIDDER" ON bid_security_accounts (tender_id, bidder_organization_id)`);
    await q.query(`CREATE UNIQUE INDEX "UQ_BID_SECURITY_ACCOUNTS_VIRTUAL_ACCOUNT_NO" ON bid_security_accounts (virtual_account_no)`);
    await q.query(`CREATE INDEX "IDX_BID_SECURITY_ACCOUNTS_BIDDER" ON bid_security_accounts (bidder_organization_id)`);

    await q.query(`
      CREATE TABLE bid_security_refunds (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        account_id uuid NULL REFERENCES bid_security_accounts (id),
        tender_id uuid NULL REFERENCES tenders (id),
        reason text NOT NULL CHECK (reason IN ('WITHDRAWAL', 'TERMINATION', 'NOT_AWARDED', 'CONTRACT_SIGNED',
          'SURPLUS_AFTER_FORFEITURE', 'LATE_PAYMENT', 'UNMATCHED_PAYMENT')),
        legal_basis text NOT NULL,
        period_days int NOT NULL CHECK (period_days >= 0),
        period_unit text NOT NULL CHECK (period_unit IN ('CALENDAR_DAYS', 'WORKING_DAYS')),
        period_start timestamptz NOT NULL,
        due_at timestamptz NOT NULL,
        with_interest boolean NOT NULL,
        interest_rate numeric(9,6) NULL,
        principal numeric(18,2) NOT NULL CHECK (principal > 0),
        interest numeric(18,2) NULL CHECK (interest >= 0),
        status text NOT NULL DEFAULT 'PLANNED' CHECK (status IN ('PLANNED', 'SENT')),
        journal_id uuid NULL,
        instructions jsonb NULL,
        executed_at timestamptz NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((status = 'SENT') = (executed_at IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX "IDX_BID_SECURITY_REFUNDS_ACCOUNT" ON bid_security_refunds (account_id)`);
    await q.query(`CREATE INDEX "IDX_BID_SECURITY_REFUNDS_TENDER" ON bid_security_refunds (tender_id)`);
    await q.query(`
      ALTER TABLE bid_security_accounts ADD CONSTRAINT "FK_BID_SECURITY_ACCOUNTS_CURRENT_REFUND"
      FOREIGN KEY (current_refund_id) REFERENCES bid_security_refunds (id)`);

    // One row per bank transaction: the unique txn_id makes a repeated notification change nothing.
    await q.query(`
      CREATE TABLE bid_security_payments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        txn_id text NOT NULL,
        body_sha256 char(64) NOT NULL,
        virtual_account_no text NOT NULL,
        account_id uuid NULL REFERENCES bid_security_accounts (id),
        tender_id uuid NULL REFERENCES tenders (id),
        bidder_organization_id uuid NULL REFERENCES organizations (id),
        amount numeric(18,2) NOT NULL CHECK (amount > 0),
        payer_account_no text NOT NULL,
        payer_name text NOT NULL,
        payer_is_basic_account boolean NULL,
        paid_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL,
        classification text NOT NULL CHECK (classification IN ('ACCEPTED', 'LATE', 'TENDER_CLOSED', 'UNMATCHED')),
        counted boolean GENERATED ALWAYS AS (classification = 'ACCEPTED') STORED,
        refund_id uuid NULL REFERENCES bid_security_refunds (id),
        forfeited_amount numeric(18,2) NOT NULL DEFAULT 0 CHECK (forfeited_amount >= 0 AND forfeited_amount <= amount),
        CHECK ((classification = 'UNMATCHED') = (account_id IS NULL))
      )`);
    await q.query(`CREATE UNIQUE INDEX "UQ_BID_SECURITY_PAYMENTS_TXN_ID" ON bid_security_payments (txn_id)`);
    await q.query(`CREATE INDEX "IDX_BID_SECURITY_PAYMENTS_ACCOUNT" ON bid_security_payments (account_id)`);
    await q.query(`CREATE INDEX "IDX_BID_SECURITY_PAYMENTS_TENDER" ON bid_security_payments (tender_id)`);
    await q.query(`CREATE INDEX "IDX_BID_SECURITY_PAYMENTS_PAYER_ACCOUNT" ON bid_security_payments (payer_account_no)`);
    await q.query(`CREATE INDEX "IDX_BID_SECURITY_PAYMENTS_REFUND" ON bid_security_payments (refund_id)`);

    // The file/ledger bank adapter's outbox: what the platform instructed the bank to pay, once per idempotency key.
    await q.query(`
      CREATE TABLE bank_refund_instructions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        idempotency_key text NOT NULL,
        refund_id uuid NOT NULL REFERENCES bid_security_refunds (id),
        tender_id uuid NULL REFERENCES tenders (id),
        payee_account_no text NOT NULL,
        payee_name text NOT NULL,
        principal numeric(18,2) NOT NULL CHECK (principal >= 0),
        interest numeric(18,2) NOT NULL CHECK (interest >= 0),
        amount numeric(18,2) NOT NULL CHECK (amount > 0 AND amount = principal + interest),
        memo text NOT NULL,
        status text NOT NULL DEFAULT 'QUEUED' CHECK (status IN ('QUEUED', 'SENT', 'CONFIRMED', 'FAILED')),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX "UQ_BANK_REFUND_INSTRUCTIONS_KEY" ON bank_refund_instructions (idempotency_key)`);
    await q.query(`CREATE INDEX "IDX_BANK_REFUND_INSTRUCTIONS_REFUND" ON bank_refund_instructions (refund_id)`);
    await q.query(`CREATE INDEX "IDX_BANK_REFUND_INSTRUCTIONS_TENDER" ON bank_refund_instructions (tender_id)`);

    // Double entry: every movement is a journal of ≥ 2 lines whose debits equal its credits; rows are never edited.
    await q.query(`
      CREATE TABLE ledger_entries (
        id bigserial PRIMARY KEY,
        journal_id uuid NOT NULL,
        line_no smallint NOT NULL CHECK (line_no >= 1),
        journal_kind text NOT NULL CHECK (journal_kind IN ('RECEIPT', 'REFUND', 'FORFEITURE')),
        source_type text NOT NULL,
        source_id uuid NOT NULL,
        account text NOT NULL,
        tender_id uuid NULL REFERENCES tenders (id),
        debit numeric(18,2) NOT NULL DEFAULT 0,
        credit numeric(18,2) NOT NULL DEFAULT 0,
        memo text NOT NULL DEFAULT '',
        posted_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        CHECK (debit >= 0 AND credit >= 0 AND (debit = 0) <> (credit = 0))
      )`);
    await q.query(`CREATE UNIQUE INDEX "UQ_LEDGER_ENTRIES_JOURNAL_LINE" ON ledger_entries (journal_id, line_no)`);
    // One journal per kind and source (a payment is received once, a refund paid once, an account forfeited once).
    await q.query(`CREATE UNIQUE INDEX "UQ_LEDGER_ENTRIES_SOURCE" ON ledger_entries (journal_kind, source_id) WHERE line_no = 1`);
    await q.query(`CREATE INDEX "IDX_LEDGER_ENTRIES_ACCOUNT" ON ledger_entries (account)`);
    await q.query(`CREATE INDEX "IDX_LEDGER_ENTRIES_TENDER" ON ledger_entries (tender_id)`);
    await q.query(`
      CREATE FUNCTION ledger_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'ledger_entries is append-only (% refused)', TG_OP;
      END $$`);
    await q.query(`
      CREATE TRIGGER ledger_entries_no_update_delete BEFORE UPDATE OR DELETE ON ledger_entries
      FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only()`);
    await q.query(`
      CREATE FUNCTION ledger_journal_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        diff numeric;
        lines int;
      BEGIN
        SELECT coalesce(sum(debit), 0) - coalesce(sum(credit), 0), count(*) INTO diff, lines
        FROM ledger_entries WHERE journal_id = NEW.journal_id;
        IF diff <> 0 OR lines < 2 THEN
          RAISE EXCEPTION 'ledger journal % does not balance (debits - credits = %, % lines)', NEW.journal_id, diff, lines;
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE CONSTRAINT TRIGGER ledger_entries_journal_balanced AFTER INSERT ON ledger_entries
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_journal_balanced()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER ledger_entries_journal_balanced ON ledger_entries`);
    await q.query(`DROP TRIGGER ledger_entries_no_update_delete ON ledger_entries`);
    await q.query(`DROP TABLE ledger_entries`);
    await q.query(`DROP FUNCTION ledger_journal_balanced()`);
    await q.query(`DROP FUNCTION ledger_entries_append_only()`);
    await q.query(`DROP TABLE bank_refund_instructions`);
    await q.query(`DROP TABLE bid_security_payments`);
    await q.query(`ALTER TABLE bid_security_accounts DROP CONSTRAINT "FK_BID_SECURITY_ACCOUNTS_CURRENT_REFUND"`);
    await q.query(`DROP TABLE bid_security_refunds`);
    await q.query(`DROP TABLE bid_security_accounts`);
  }
}
