import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** Identity, the hash-chained audit log, and timed events. */
export class CreateFoundation1764000000000 implements MigrationInterface {
  name = 'CreateFoundation1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pgcrypto`);

    await q.query(`
      CREATE TABLE organizations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        uscc char(18) NOT NULL,
        kind text NOT NULL CHECK (kind IN ('BIDDER', 'PROCURING_ENTITY')),
        legal_representative text NOT NULL,
        basic_account_bank text NOT NULL,
        basic_account_no text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX "UQ_ORGANIZATIONS_USCC" ON organizations (uscc)`);
    await q.query(`CREATE INDEX "IDX_ORGANIZATIONS_LEGAL_REP" ON organizations (legal_representative)`);

    await q.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        username text NOT NULL,
        password_hash text NOT NULL,
        role text NOT NULL CHECK (role IN ('ADMIN', 'PROCURING_ENTITY', 'BIDDER', 'EXPERT', 'SUPERVISOR')),
        organization_id uuid NULL REFERENCES organizations (id),
        disabled boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX "UQ_USERS_USERNAME" ON users (username)`);
    await q.query(`CREATE INDEX "IDX_USERS_ORGANIZATION_ID" ON users (organization_id)`);

    await q.query(`
      CREATE TABLE audit_events (
        id bigserial PRIMARY KEY,
        stream text NOT NULL,
        stream_seq int NOT NULL,
        prev_hash char(64) NOT NULL,
        hash char(64) NOT NULL,
        occurred_at timestamptz NOT NULL,
        actor_id text NOT NULL,
        actor_role text NOT NULL,
        ip text NOT NULL,
        action text NOT NULL,
        object_type text NOT NULL,
        object_id text NOT NULL,
        tender_id uuid NULL,
        data jsonb NOT NULL DEFAULT '{}'
      )`);
    await q.query(`CREATE UNIQUE INDEX "UQ_AUDIT_STREAM_SEQ" ON audit_events (stream, stream_seq)`);
    await q.query(`CREATE INDEX "IDX_AUDIT_TENDER_ID" ON audit_events (tender_id)`);
    // Append-only: the application can neither edit nor delete an audit row.
    await q.query(`
      CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP;
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events
      FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()`);

    await q.query(`
      CREATE TABLE scheduled_events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind text NOT NULL,
        subject_id uuid NOT NULL,
        tender_id uuid NULL,
        run_at timestamptz NOT NULL,
        status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'DONE', 'CANCELLED')),
        runs int NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        done_at timestamptz NULL,
        lateness_ms int NULL
      )`);
    await q.query(`CREATE INDEX "IDX_SCHEDULED_EVENTS_DUE" ON scheduled_events (status, run_at)`);
    await q.query(`CREATE INDEX "IDX_SCHEDULED_EVENTS_TENDER_ID" ON scheduled_events (tender_id)`);
    // At most one pending event of a kind per subject: planning again moves it.
    await q.query(`
      CREATE UNIQUE INDEX "UQ_SCHEDULED_EVENTS_PENDING" ON scheduled_events (kind, subject_id)
      WHERE status = 'PENDING'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE scheduled_events`);
    await q.query(`DROP TRIGGER audit_events_no_update_delete ON audit_events`);
    await q.query(`DROP FUNCTION audit_events_append_only()`);
    await q.query(`DROP TABLE audit_events`);
    await q.query(`DROP TABLE users`);
    await q.query(`DROP TABLE organizations`);
  }
}
