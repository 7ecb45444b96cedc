import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * 串通投标监测 learning screen: one row per trained version of a market's model (a market = a tender category under
 * one regime), trained on the market's closed supervision cases (label 1 = collusion found, 0 = cleared). The
 * newest version of a market is the one the flags use. `training_sha256` identifies the labelled set: retraining
 * on the same labels adds no version (the retraining job is idempotent).
 */
export class CreateCollusionScreenModels1765400000000 implements MigrationInterface {
  name = 'CreateCollusionScreenModels1765400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE collusion_screen_models (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        regime text NOT NULL,
        category text NOT NULL,
        version integer NOT NULL CHECK (version >= 1),
        training_sha256 text NOT NULL,
        training_size integer NOT NULL,
        positives integer NOT NULL,
        cv_auc double precision NOT NULL,
        selected text NOT NULL,
        threshold double precision NOT NULL,
        feature_names text[] NOT NULL,
        model jsonb NOT NULL,
        trigger_case_id uuid NULL REFERENCES supervision_cases (id),
        trained_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query(`CREATE UNIQUE INDEX "UQ_COLLUSION_SCREEN_MODELS_VERSION" ON collusion_screen_models (regime, category, version)`);
    await q.query(`CREATE UNIQUE INDEX "UQ_COLLUSION_SCREEN_MODELS_TRAINING" ON collusion_screen_models (regime, category, training_sha256)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE collusion_screen_models`);
  }
}
