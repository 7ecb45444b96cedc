import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The expert pool (评标专家库), the verifiable random draw (ExpertDraw) with its recorded rounds, and the panel
 * seats (assignments) of each tender's evaluation committee (EvaluationCommittee).
 */
export class CreateExpertPool1764400000000 implements MigrationInterface {
  name = 'CreateExpertPool1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE experts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id),
        name text NOT NULL,
        specialties text[] NOT NULL CHECK (cardinality(specialties) BETWEEN 1 AND 20),
        region text NOT NULL,
        employer_uscc char(18) NOT NULL,
        title text NOT NULL,
        title_equivalence_note text NULL,
        years_of_experience int NOT NULL CHECK (years_of_experience >= 0),
        status text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'DISABLED')),
        disabled_reason text NULL,
        disabled_at timestamptz NULL,
        unavailable_until timestamptz NULL,
        version int NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX "UQ_EXPERTS_USER_ID" ON experts (user_id)`);
    await q.query(`CREATE INDEX "IDX_EXPERTS_SPECIALTIES" ON experts USING gin (specialties)`);
    await q.query(`CREATE INDEX "IDX_EXPERTS_EMPLOYER_USCC" ON experts (employer_uscc)`);

    await q.query(`
      CREATE TABLE expert_conflicts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        expert_id uuid NOT NULL REFERENCES experts (id),
        uscc char(18) NOT NULL,
        reason text NOT NULL,
        declared_by text NOT NULL CHECK (declared_by IN ('ADMIN', 'EXPERT')),
        created_at timestamptz NOT NULL DEFAULT now(),
        withdrawn_at timestamptz NULL
      )`);
    await q.query(`CREATE INDEX "IDX_EXPERT_CONFLICTS_EXPERT_ID" ON expert_conflicts (expert_id)`);
    await q.query(`CREATE INDEX "IDX_EXPERT_CONFLICTS_USCC" ON expert_conflicts (uscc) WHERE withdrawn_at IS NULL`);
    await q.query(`
      CREATE UNIQUE INDEX "UQ_EXPERT_CONFLICTS_ACTIVE" ON expert_conflicts (expert_id, uscc) WHERE withdrawn_at IS NULL`);

    await q.query(`
      CREATE TABLE expert_draws (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tender_id uuid NOT NULL REFERENCES tenders (id),
        procuring_entity_id uuid NOT NULL,
        algorithm text NOT NULL,
        seed_hex char(64) NOT NULL,
        seed_commitment char(64) NOT NULL,
        status text NOT NULL CHECK (status IN ('COMMITTED', 'DRAWN', 'INSUFFICIENT_EXPERTS', 'INVALID_COMPOSITION', 'RELEASED')),
        conflict_usccs jsonb NULL,
        recent_service_days int NULL,
        committed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        drawn_at timestamptz NULL,
        seed_revealed_at timestamptz NULL,
        last_error text NULL,
        version int NOT NULL DEFAULT 1
      )`);
    await q.query(`CREATE UNIQUE INDEX "UQ_EXPERT_DRAWS_TENDER_ID" ON expert_draws (tender_id)`);

    await q.query(`
      CREATE TABLE expert_draw_rounds (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        draw_id uuid NOT NULL REFERENCES expert_draws (id),
        round int NOT NULL CHECK (round >= 0),
        specialty text NOT NULL,
        seats int NOT NULL CHECK (seats > 0),
        reason text NOT NULL CHECK (reason IN ('INITIAL', 'REPLACEMENT')),
        replaces_member_id uuid NULL,
        candidate_ids uuid[] NOT NULL,
        candidates_sha256 char(64) NOT NULL,
        selected_ids uuid[] NOT NULL,
        excluded jsonb NOT NULL DEFAULT '[]',
        created_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query(`CREATE UNIQUE INDEX "UQ_EXPERT_DRAW_ROUNDS" ON expert_draw_rounds (draw_id, round, specialty)`);

    await q.query(`
      CREATE TABLE panel_members (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        draw_id uuid NOT NULL REFERENCES expert_draws (id),
        tender_id uuid NOT NULL REFERENCES tenders (id),
        procuring_entity_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('EXPERT', 'ENTITY_REP')),
        expert_id uuid NULL REFERENCES experts (id),
        user_id uuid NOT NULL REFERENCES users (id),
        name text NOT NULL,
        specialty text NULL,
        round int NOT NULL DEFAULT 0,
        status text NOT NULL CHECK (status IN
          ('INVITED', 'ACCEPTED', 'DECLINED', 'TIMED_OUT', 'REPLACED', 'RELEASED', 'COMPLETED')),
        respond_by timestamptz NULL,
        responded_at timestamptz NULL,
        decline_reason text NULL,
        replaced_by uuid NULL,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        CHECK ((kind = 'EXPERT') = (expert_id IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX "IDX_PANEL_MEMBERS_TENDER_ID" ON panel_members (tender_id)`);
    await q.query(`CREATE INDEX "IDX_PANEL_MEMBERS_USER_ID" ON panel_members (user_id)`);
    // Recusal look-ups: experts busy on a panel, experts who recently served a procuring entity.
    await q.query(`CREATE INDEX "IDX_PANEL_MEMBERS_BUSY" ON panel_members (expert_id) WHERE status IN ('INVITED', 'ACCEPTED')`);
    await q.query(`
      CREATE INDEX "IDX_PANEL_MEMBERS_SERVED" ON panel_members (procuring_entity_id, responded_at)
      WHERE status IN ('ACCEPTED', 'COMPLETED')`);
    // An expert sits at most once on a tender's panel (every selected expert leaves the candidate lists).
    await q.query(`CREATE UNIQUE INDEX "UQ_PANEL_MEMBERS_DRAW_EXPERT" ON panel_members (draw_id, expert_id) WHERE expert_id IS NOT NULL`);
    await q.query(`CREATE UNIQUE INDEX "UQ_PANEL_MEMBERS_DRAW_USER" ON panel_members (draw_id, user_id) WHERE kind = 'ENTITY_REP'`);

    await q.query(`
      CREATE TABLE expert_draw_alerts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tender_id uuid NOT NULL REFERENCES tenders (id),
        draw_id uuid NOT NULL REFERENCES expert_draws (id),
        kind text NOT NULL CHECK (kind IN ('INSUFFICIENT_EXPERTS', 'INVALID_COMPOSITION')),
        details jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        resolved_at timestamptz NULL
      )`);
    await q.query(`CREATE INDEX "IDX_EXPERT_DRAW_ALERTS_OPEN" ON expert_draw_alerts (created_at) WHERE resolved_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE expert_draw_alerts`);
    await q.query(`DROP TABLE panel_members`);
    await q.query(`DROP TABLE expert_draw_rounds`);
    await q.query(`DROP TABLE expert_draws`);
    await q.query(`DROP TABLE expert_conflicts`);
    await q.query(`DROP TABLE experts`);
  }
}
