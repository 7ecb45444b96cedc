import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Supervision (监督): collusion flags (串通投标监测) with their evidence and legal basis, supervision cases with
 * subjects and penalties (companies: fine, debarment; experts: disqualification), and complaints (投诉) with their
 * statutory clocks (TBR Arts. 60–61; GPL Arts. 55–56).
 */
export class CreateSupervision1764500000000 implements MigrationInterface {
  name = 'CreateSupervision1764500000000';

  async up(q: QueryRunner): Promise<void> {
    // scope TENDER: computed from one tender's data after its opening (replaced when recomputed);
    // scope HISTORY: computed over the award history (serial losers, rotation, rings, price-gap outliers).
    await q.query(`
      CREATE TABLE collusion_flags (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        scope text NOT NULL CHECK (scope IN ('TENDER', 'HISTORY')),
        tender_id uuid NULL REFERENCES tenders (id),
        tender_ids uuid[] NOT NULL DEFAULT '{}',
        code text NOT NULL,
        severity text NOT NULL CHECK (severity IN ('LOW', 'MEDIUM', 'HIGH')),
        bidder_ids uuid[] NOT NULL DEFAULT '{}',
        expert_ids uuid[] NOT NULL DEFAULT '{}',
        evidence jsonb NOT NULL DEFAULT '{}',
        legal_basis text NOT NULL,
        computed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        CHECK (scope = 'HISTORY' OR tender_id IS NOT NULL)
      )`);
    await q.query(`CREATE INDEX "IDX_COLLUSION_FLAGS_TENDER_ID" ON collusion_flags (tender_id, scope)`);
    await q.query(`CREATE INDEX "IDX_COLLUSION_FLAGS_TENDER_IDS" ON collusion_flags USING gin (tender_ids)`);
    await q.query(`CREATE INDEX "IDX_COLLUSION_FLAGS_BIDDER_IDS" ON collusion_flags USING gin (bidder_ids)`);
    await q.query(`CREATE INDEX "IDX_COLLUSION_FLAGS_CODE" ON collusion_flags (code, severity)`);
    await q.query(`CREATE INDEX "IDX_COLLUSION_FLAGS_COMPUTED_AT" ON collusion_flags (computed_at DESC, id)`);

    await q.query(`
      CREATE TABLE supervision_cases (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tender_id uuid NOT NULL REFERENCES tenders (id),
        status text NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'INVESTIGATING', 'DECIDED', 'CLOSED')),
        flag_codes text[] NOT NULL DEFAULT '{}',
        summary text NOT NULL,
        evidence jsonb NOT NULL DEFAULT '[]',
        findings text NULL,
        request_sha256 char(64) NOT NULL,
        opened_by uuid NOT NULL REFERENCES users (id),
        opened_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        investigating_at timestamptz NULL,
        decided_at timestamptz NULL,
        closed_at timestamptz NULL,
        decided_by uuid NULL REFERENCES users (id),
        version int NOT NULL DEFAULT 1,
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        CHECK (status NOT IN ('DECIDED') OR (findings IS NOT NULL AND decided_at IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX "IDX_SUPERVISION_CASES_TENDER_ID" ON supervision_cases (tender_id)`);
    await q.query(`CREATE INDEX "IDX_SUPERVISION_CASES_STATUS" ON supervision_cases (status, opened_at DESC)`);
    // A repeated POST (same tender, codes, subjects and summary) while the case is not closed is the same case.
    await q.query(`
      CREATE UNIQUE INDEX "UQ_SUPERVISION_CASES_REQUEST" ON supervision_cases (request_sha256) WHERE status <> 'CLOSED'`);

    await q.query(`
      CREATE TABLE supervision_case_subjects (
        case_id uuid NOT NULL REFERENCES supervision_cases (id) ON DELETE CASCADE,
        position int NOT NULL,
        organization_id uuid NULL REFERENCES organizations (id),
        expert_id uuid NULL REFERENCES experts (id),
        PRIMARY KEY (case_id, position),
        CHECK ((organization_id IS NULL) <> (expert_id IS NULL))
      )`);
    await q.query(`CREATE INDEX "IDX_SUPERVISION_CASE_SUBJECTS_ORG" ON supervision_case_subjects (organization_id)`);
    await q.query(`CREATE INDEX "IDX_SUPERVISION_CASE_SUBJECTS_EXPERT" ON supervision_case_subjects (expert_id)`);

    await q.query(`
      CREATE TABLE supervision_penalties (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        case_id uuid NOT NULL REFERENCES supervision_cases (id),
        position int NOT NULL,
        organization_id uuid NULL REFERENCES organizations (id),
        expert_id uuid NULL REFERENCES experts (id),
        type text NOT NULL CHECK (type IN ('WARNING', 'FINE', 'DEBARMENT', 'DISQUALIFICATION')),
        ground text NOT NULL,
        fine_amount numeric(18,2) NULL CHECK (fine_amount > 0),
        fine_base numeric(18,2) NULL,
        fine_base_source text NULL,
        debarment_months int NULL CHECK (debarment_months > 0),
        effective_from timestamptz NULL,
        effective_until timestamptz NULL,
        legal_basis text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        CHECK ((organization_id IS NULL) <> (expert_id IS NULL)),
        CHECK ((type = 'FINE') = (fine_amount IS NOT NULL)),
        CHECK ((type = 'DEBARMENT') = (debarment_months IS NOT NULL))
      )`);
    await q.query(`CREATE UNIQUE INDEX "UQ_SUPERVISION_PENALTIES_POSITION" ON supervision_penalties (case_id, position)`);
    // Debarred bidders: the bids module asks whether an organisation is debarred now (TBR Arts. 67–68; GPL Art. 77).
    await q.query(`
      CREATE INDEX "IDX_SUPERVISION_PENALTIES_DEBARMENT" ON supervision_penalties (organization_id, effective_until)
      WHERE type = 'DEBARMENT'`);

    await q.query(`
      CREATE TABLE complaints (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tender_id uuid NOT NULL REFERENCES tenders (id),
        complainant_organization_id uuid NOT NULL REFERENCES organizations (id),
        filed_by uuid NOT NULL REFERENCES users (id),
        stage text NOT NULL CHECK (stage IN ('DOCUMENTS', 'OPENING', 'RESULT', 'OTHER')),
        objection_id uuid NULL,
        text text NOT NULL,
        known_at timestamptz NOT NULL,
        filing_deadline timestamptz NOT NULL,
        filed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        accept_due_at timestamptz NOT NULL,
        decide_due_at timestamptz NULL,
        status text NOT NULL DEFAULT 'FILED' CHECK (status IN ('FILED', 'ACCEPTED', 'REFUSED', 'DECIDED')),
        refusal_reason text NULL,
        accepted_at timestamptz NULL,
        refused_at timestamptz NULL,
        decision text NULL CHECK (decision IN ('UPHELD', 'DISMISSED')),
        decision_text text NULL,
        decided_at timestamptz NULL,
        handled_by uuid NULL REFERENCES users (id),
        request_sha256 char(64) NOT NULL,
        version int NOT NULL DEFAULT 1
      )`);
    await q.query(`CREATE INDEX "IDX_COMPLAINTS_TENDER_ID" ON complaints (tender_id)`);
    await q.query(`CREATE INDEX "IDX_COMPLAINTS_STATUS" ON complaints (status, filed_at DESC)`);
    await q.query(`CREATE UNIQUE INDEX "UQ_COMPLAINTS_REQUEST" ON complaints (request_sha256)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE complaints`);
    await q.query(`DROP TABLE supervision_penalties`);
    await q.query(`DROP TABLE supervision_case_subjects`);
    await q.query(`DROP TABLE supervision_cases`);
    await q.query(`DROP TABLE collusion_flags`);
  }
}
