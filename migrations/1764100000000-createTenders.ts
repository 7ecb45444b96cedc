import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** Tenders (招标项目). Later tender features (documents, amendments, objections, lots) add their own migrations. */
export class CreateTenders1764100000000 implements MigrationInterface {
  name = 'CreateTenders1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tenders (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        procuring_entity_id uuid NOT NULL REFERENCES organizations (id),
        created_by uuid NOT NULL REFERENCES users (id),
        title text NOT NULL,
        description text NOT NULL DEFAULT '',
        category text NOT NULL,
        regime text NOT NULL CHECK (regime IN ('ENGINEERING', 'GOV_PROCUREMENT')),
        method text NOT NULL CHECK (method IN ('OPEN', 'INVITED')),
        budget numeric(18,2) NOT NULL CHECK (budget > 0),
        price_ceiling numeric(18,2) NULL CHECK (price_ceiling > 0),
        bid_deadline timestamptz NOT NULL,
        bid_security_amount numeric(18,2) NOT NULL CHECK (bid_security_amount >= 0),
        decryption_mode text NOT NULL CHECK (decryption_mode IN ('BIDDER', 'ESCROW', 'BIDDER_WITH_ESCROW_FALLBACK')),
        decryption_window_minutes int NOT NULL CHECK (decryption_window_minutes > 0),
        evaluation_method text NOT NULL CHECK (evaluation_method IN ('LOWEST_EVALUATED_PRICE', 'COMPREHENSIVE_SCORING')),
        price_weight numeric(5,4) NULL CHECK (price_weight >= 0 AND price_weight <= 1),
        evaluation_factors jsonb NOT NULL DEFAULT '[]',
        panel_size int NOT NULL,
        panel_specialties jsonb NOT NULL DEFAULT '[]',
        status text NOT NULL DEFAULT 'DRAFT' CHECK (status IN
          ('DRAFT', 'PUBLISHED', 'OPENING', 'EVALUATION', 'PUBLICITY', 'AWARDED', 'CONTRACTED', 'FAILED', 'CANCELLED')),
        published_at timestamptz NULL,
        escrow_public_key text NULL,
        escrow_private_key_sealed text NULL,
        opened_at timestamptz NULL,
        decryption_window_ends_at timestamptz NULL,
        status_reason text NULL,
        version int NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX "IDX_TENDERS_PROCURING_ENTITY_ID" ON tenders (procuring_entity_id)`);
    await q.query(`CREATE INDEX "IDX_TENDERS_STATUS_DEADLINE" ON tenders (status, bid_deadline)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE tenders`);
  }
}
