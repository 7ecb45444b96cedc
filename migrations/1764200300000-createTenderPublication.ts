import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Tender publication: lots (标段), documents (招标文件) with versions and secret download records, amendments and
 * clarifications (澄清/修改), objections to the documents (异议), the notifications outbox, the suspension of a
 * tender while an objection is unanswered, and the legal calendar (statutory holidays and make-up working days).
 */
export class CreateTenderPublication1764200300000 implements MigrationInterface {
  name = 'CreateTenderPublication1764200300000';

  async up(q: QueryRunner): Promise<void> {
    // TBR Art. 22: the tender is suspended from an objection until it is answered.
    await q.query(`ALTER TABLE tenders ADD COLUMN suspended_at timestamptz NULL`);

    await q.query(`
      CREATE TABLE tender_lots (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tender_id uuid NOT NULL REFERENCES tenders (id) ON DELETE CASCADE,
        lot_no int NOT NULL CHECK (lot_no > 0),
        title text NOT NULL,
        budget numeric(18,2) NOT NULL CHECK (budget > 0),
        CONSTRAINT "UQ_TENDER_LOTS_NO" UNIQUE (tender_id, lot_no)
      )`);

    await q.query(`
      CREATE TABLE tender_amendments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tender_id uuid NOT NULL REFERENCES tenders (id),
        seq int NOT NULL CHECK (seq > 0),
        kind text NOT NULL CHECK (kind IN ('AMENDMENT', 'CLARIFICATION')),
        text text NOT NULL,
        previous_bid_deadline timestamptz NOT NULL,
        bid_deadline timestamptz NOT NULL,
        created_by uuid NOT NULL REFERENCES users (id),
        published_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        CONSTRAINT "UQ_TENDER_AMENDMENTS_SEQ" UNIQUE (tender_id, seq)
      )`);

    await q.query(`
      CREATE TABLE tender_documents (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tender_id uuid NOT NULL REFERENCES tenders (id),
        name text NOT NULL,
        version int NOT NULL CHECK (version > 0),
        content_type text NOT NULL,
        size_bytes int NOT NULL CHECK (size_bytes > 0),
        sha256 char(64) NOT NULL,
        content bytea NOT NULL,
        amendment_id uuid NULL REFERENCES tender_amendments (id),
        uploaded_by uuid NOT NULL REFERENCES users (id),
        uploaded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        CONSTRAINT "UQ_TENDER_DOCUMENTS_VERSION" UNIQUE (tender_id, name, version)
      )`);

    // Who obtained the documents is secret before opening (TBL Art. 22): readable by supervisors only.
    await q.query(`
      CREATE TABLE tender_document_downloads (
        id bigserial PRIMARY KEY,
        tender_id uuid NOT NULL REFERENCES tenders (id),
        document_id uuid NOT NULL REFERENCES tender_documents (id),
        user_id uuid NULL REFERENCES users (id),
        organization_id uuid NULL REFERENCES organizations (id),
        ip text NOT NULL,
        downloaded_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query(`CREATE INDEX "IDX_TENDER_DOCUMENT_DOWNLOADS_TENDER_ID" ON tender_document_downloads (tender_id)`);

    await q.query(`
      CREATE TABLE tender_objections (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tender_id uuid NOT NULL REFERENCES tenders (id),
        organization_id uuid NOT NULL REFERENCES organizations (id),
        filed_by uuid NOT NULL REFERENCES users (id),
        text text NOT NULL,
        status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'ANSWERED')),
        filed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        answer_due_at timestamptz NOT NULL,
        answer text NULL,
        answered_by uuid NULL REFERENCES users (id),
        answered_at timestamptz NULL,
        overdue boolean NOT NULL DEFAULT false
      )`);
    await q.query(`CREATE INDEX "IDX_TENDER_OBJECTIONS_TENDER_ID" ON tender_objections (tender_id, status)`);

    // The outbox a real e-mail/SMS sender drains (EB20 Art. 22: downloaders are notified of clarifications).
    await q.query(`
      CREATE TABLE notifications (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        recipient_user_id uuid NULL REFERENCES users (id),
        recipient_organization_id uuid NULL REFERENCES organizations (id),
        tender_id uuid NULL REFERENCES tenders (id),
        topic text NOT NULL,
        subject text NOT NULL,
        body text NOT NULL,
        dedupe_key text NOT NULL,
        status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'SENT', 'FAILED')),
        attempts int NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        sent_at timestamptz NULL,
        CONSTRAINT "UQ_NOTIFICATIONS_DEDUPE" UNIQUE (dedupe_key)
      )`);
    await q.query(`CREATE INDEX "IDX_NOTIFICATIONS_PENDING" ON notifications (status, created_at)`);

    // The legal calendar: statutory holidays and make-up working days (调休上班), per year, loaded by the operator.
    await q.query(`
      CREATE TABLE legal_holidays (
        day date PRIMARY KEY,
        year int NOT NULL,
        kind text NOT NULL CHECK (kind IN ('HOLIDAY', 'WORKDAY')),
        name text NOT NULL DEFAULT '',
        CHECK (year = extract(year FROM day))
      )`);
    await q.query(`CREATE INDEX "IDX_LEGAL_HOLIDAYS_YEAR" ON legal_holidays (year)`);
    await q.query(`CREATE TABLE legal_holiday_years (year int PRIMARY KEY, source text NOT NULL, loaded_at timestamptz NOT NULL DEFAULT now())`);

    // 2026: 国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04), verified against the Xinhua text reprinted by
    // gmw.cn (politics.gmw.cn/2025-11/04/content_38391083.htm). Every date below is from that notice.
    const h = (from: string, to: string, name: string) => `SELECT d::date, '${name}' FROM generate_series('${from}'::date, '${to}'::date, '1 day') d`;
    await q.query(`
      INSERT INTO legal_holidays (day, year, kind, name)
      SELECT day, 2026, 'HOLIDAY', name FROM (
        ${h('2026-01-01', '2026-01-03', '元旦')} UNION ALL
        ${h('2026-02-15', '2026-02-23', '春节')} UNION ALL
        ${h('2026-04-04', '2026-04-06', '清明节')} UNION ALL
        ${h('2026-05-01', '2026-05-05', '劳动节')} UNION ALL
        ${h('2026-06-19', '2026-06-21', '端午节')} UNION ALL
        ${h('2026-09-25', '2026-09-27', '中秋节')} UNION ALL
        ${h('2026-10-01', '2026-10-07', '国庆节')}
      ) AS x(day, name)`);
    await q.query(`
      INSERT INTO legal_holidays (day, year, kind, name) VALUES
        ('2026-01-04', 2026, 'WORKDAY', '元旦调休上班'),
        ('2026-02-14', 2026, 'WORKDAY', '春节调休上班'),
        ('2026-02-28', 2026, 'WORKDAY', '春节调休上班'),
        ('2026-05-09', 2026, 'WORKDAY', '劳动节调休上班'),
        ('2026-09-20', 2026, 'WORKDAY', '国庆节调休上班'),
        ('2026-10-10', 2026, 'WORKDAY', '国庆节调休上班')`);
    await q.query(`INSERT INTO legal_holiday_years (year, source) VALUES (2026, '国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04)')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE legal_holiday_years`);
    await q.query(`DROP TABLE legal_holidays`);
    await q.query(`DROP TABLE notifications`);
    await q.query(`DROP TABLE tender_objections`);
    await q.query(`DROP TABLE tender_document_downloads`);
    await q.query(`DROP TABLE tender_documents`);
    await q.query(`DROP TABLE tender_amendments`);
    await q.query(`DROP TABLE tender_lots`);
    await q.query(`ALTER TABLE tenders DROP COLUMN suspended_at`);
  }
}
