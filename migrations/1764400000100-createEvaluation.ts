import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Evaluation (评标): the members' verdicts and signatures, clarification requests to bidders, the evaluation
 * report (评标报告) with its versions, candidate publicity (中标候选人公示) or the procurement award announcement,
 * objections to the result, the award with its notice (中标通知书) and the contract record.
 */
export class CreateEvaluation1764400000100 implements MigrationInterface {
  name = 'CreateEvaluation1764400000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE evaluation_rules (
        tender_id uuid PRIMARY KEY REFERENCES tenders (id),
        curable_deficiencies boolean NOT NULL DEFAULT false,
        state_funded boolean NOT NULL DEFAULT true,
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);

    await q.query(`
      CREATE TABLE evaluations (
        tender_id uuid PRIMARY KEY REFERENCES tenders (id),
        status text NOT NULL CHECK (status IN ('IN_PROGRESS', 'AWAITING_COMPETITION_DECISION', 'COMPLETED', 'FAILED')),
        round int NOT NULL DEFAULT 1,
        started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        finished_at timestamptz NULL,
        report_version int NULL,
        failed_reason text NULL,
        version int NOT NULL DEFAULT 1,
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);

    await q.query(`
      CREATE TABLE evaluation_verdicts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tender_id uuid NOT NULL REFERENCES tenders (id),
        member_id uuid NOT NULL REFERENCES panel_members (id),
        bid_id uuid NOT NULL,
        qualified boolean NOT NULL,
        reasons text[] NOT NULL DEFAULT '{}',
        grounds text[] NOT NULL DEFAULT '{}',
        factor_scores jsonb NULL,
        locked_at timestamptz NULL,
        void boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query(`CREATE UNIQUE INDEX "UQ_EVALUATION_VERDICTS_MEMBER_BID" ON evaluation_verdicts (member_id, bid_id)`);
    await q.query(`CREATE INDEX "IDX_EVALUATION_VERDICTS_TENDER_ID" ON evaluation_verdicts (tender_id)`);

    await q.query(`
      CREATE TABLE evaluation_signatures (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tender_id uuid NOT NULL REFERENCES tenders (id),
        member_id uuid NOT NULL REFERENCES panel_members (id),
        round int NOT NULL,
        signed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        dissent text NULL,
        competition_decision text NULL CHECK (competition_decision IN ('REJECT_ALL', 'CONTINUE')),
        competition_reason text NULL,
        decided_at timestamptz NULL,
        void boolean NOT NULL DEFAULT false
      )`);
    await q.query(`CREATE UNIQUE INDEX "UQ_EVALUATION_SIGNATURES_MEMBER_ROUND" ON evaluation_signatures (member_id, round)`);
    await q.query(`CREATE INDEX "IDX_EVALUATION_SIGNATURES_TENDER_ID" ON evaluation_signatures (tender_id)`);

    await q.query(`
      CREATE TABLE bidder_clarification_requests (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tender_id uuid NOT NULL REFERENCES tenders (id),
        bid_id uuid NOT NULL,
        bidder_organization_id uuid NOT NULL,
        requested_by uuid NOT NULL REFERENCES panel_members (id),
        kind text NOT NULL CHECK (kind IN ('MINOR_DEVIATION', 'CURABLE_DEFICIENCY', 'ABNORMALLY_LOW_PRICE', 'AMBIGUITY')),
        item text NOT NULL,
        question text NOT NULL,
        legal_basis text NOT NULL,
        deadline timestamptz NOT NULL,
        status text NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'ANSWERED')),
        response_text text NULL,
        response_attachments jsonb NULL,
        responded_at timestamptz NULL,
        responded_by uuid NULL,
        panel_decision text NULL CHECK (panel_decision IN ('ACCEPTED', 'NOT_ACCEPTED')),
        panel_decision_note text NULL,
        decided_by uuid NULL,
        decided_at timestamptz NULL,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query(`CREATE INDEX "IDX_CLARIFICATION_REQUESTS_TENDER_ID" ON bidder_clarification_requests (tender_id)`);

    await q.query(`
      CREATE TABLE evaluation_reports (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tender_id uuid NOT NULL REFERENCES tenders (id),
        version int NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('CANDIDATES', 'FAILED')),
        content jsonb NOT NULL,
        sha256 char(64) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query(`CREATE UNIQUE INDEX "UQ_EVALUATION_REPORTS_TENDER_VERSION" ON evaluation_reports (tender_id, version)`);

    await q.query(`
      CREATE TABLE candidate_publicities (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tender_id uuid NOT NULL REFERENCES tenders (id),
        report_version int NOT NULL,
        kind text NOT NULL CHECK (kind IN ('CANDIDATE_PUBLICITY', 'AWARD_ANNOUNCEMENT')),
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL CHECK (ends_at >= starts_at),
        status text NOT NULL CHECK (status IN ('RUNNING', 'ENDED', 'WITHDRAWN')),
        content jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query(`CREATE INDEX "IDX_CANDIDATE_PUBLICITIES_TENDER_ID" ON candidate_publicities (tender_id)`);
    await q.query(`CREATE UNIQUE INDEX "UQ_CANDIDATE_PUBLICITIES_RUNNING" ON candidate_publicities (tender_id) WHERE status = 'RUNNING'`);

    await q.query(`
      CREATE TABLE result_objections (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tender_id uuid NOT NULL REFERENCES tenders (id),
        publicity_id uuid NOT NULL REFERENCES candidate_publicities (id),
        objector_user_id uuid NOT NULL,
        objector_organization_id uuid NOT NULL,
        text text NOT NULL,
        filed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        answer_due_at timestamptz NOT NULL,
        status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'ANSWERED')),
        answer text NULL,
        upheld boolean NULL,
        answered_at timestamptz NULL,
        answered_by uuid NULL
      )`);
    await q.query(`CREATE INDEX "IDX_RESULT_OBJECTIONS_TENDER_ID" ON result_objections (tender_id)`);

    await q.query(`
      CREATE TABLE awards (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tender_id uuid NOT NULL REFERENCES tenders (id),
        bid_id uuid NOT NULL,
        awardee_organization_id uuid NOT NULL,
        awardee_name text NOT NULL,
        price numeric(18,2) NOT NULL CHECK (price > 0),
        rank int NOT NULL,
        score text NULL,
        status text NOT NULL CHECK (status IN ('NOTIFIED', 'CONTRACTED', 'DEFAULTED')),
        notice_no text NOT NULL,
        notice_issued_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        contract_due_at timestamptz NOT NULL,
        announcement_ends_at timestamptz NULL,
        contract_signed_at timestamptz NULL,
        contract_no text NULL,
        contract_amount numeric(18,2) NULL,
        contract_recorded_at timestamptz NULL,
        default_reason text NULL,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query(`CREATE INDEX "IDX_AWARDS_TENDER_ID" ON awards (tender_id)`);
    await q.query(`CREATE UNIQUE INDEX "UQ_AWARDS_TENDER_ACTIVE" ON awards (tender_id) WHERE status <> 'DEFAULTED'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE awards`);
    await q.query(`DROP TABLE result_objections`);
    await q.query(`DROP TABLE candidate_publicities`);
    await q.query(`DROP TABLE evaluation_reports`);
    await q.query(`DROP TABLE bidder_clarification_requests`);
    await q.query(`DROP TABLE evaluation_signatures`);
    await q.query(`DROP TABLE evaluation_verdicts`);
    await q.query(`DROP TABLE evaluations`);
    await q.query(`DROP TABLE evaluation_rules`);
  }
}
