import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * expert-draw-v2 (issue 17, "an unsteerable draw"; docs/EXPERT_DRAW.md):
 * - expert_draw_lists: the candidate list of each specialty, frozen and committed with the seed before any
 *   selection (append-only: a re-freeze after a failed initial draw is a new generation, never an overwrite);
 * - expert_draws.beacon / beacon_sha256: the signed opening audit head mixed into the draw key;
 * - expert_draw_rounds.skipped: the candidates next in line passed over in a round, each with reason, who and why;
 * - expert_draw_alerts.kind POOL_CHANGED: a change to the expert pool while a tender of the specialty is under
 *   evaluation, shown to supervisors (GET /experts/draw-alerts) with who made it.
 */
export class AddUnsteerableExpertDraw1765600000000 implements MigrationInterface {
  name = 'AddUnsteerableExpertDraw1765600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE expert_draws ADD COLUMN beacon jsonb NULL, ADD COLUMN beacon_sha256 char(64) NULL`);
    // Who disabled an expert: named where a v2 round passes a disabled candidate over.
    await q.query(`ALTER TABLE experts ADD COLUMN disabled_by text NULL`);
    await q.query(`
      CREATE TABLE expert_draw_lists (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        draw_id uuid NOT NULL REFERENCES expert_draws (id),
        generation int NOT NULL DEFAULT 0 CHECK (generation >= 0),
        specialty text NOT NULL,
        candidate_ids uuid[] NOT NULL,
        candidates_sha256 char(64) NOT NULL,
        excluded jsonb NOT NULL DEFAULT '[]',
        created_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query(`CREATE UNIQUE INDEX "UQ_EXPERT_DRAW_LISTS" ON expert_draw_lists (draw_id, specialty, generation)`);
    await q.query(`ALTER TABLE expert_draw_lists ALTER COLUMN candidate_ids SET STORAGE EXTERNAL`);
    await q.query(`
      CREATE FUNCTION expert_draw_lists_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'expert_draw_lists is append-only (% refused)', TG_OP;
      END $$`);
    await q.query(`
      CREATE TRIGGER expert_draw_lists_no_update_delete BEFORE UPDATE OR DELETE ON expert_draw_lists
      FOR EACH ROW EXECUTE FUNCTION expert_draw_lists_append_only()`);
    await q.query(`ALTER TABLE expert_draw_rounds ADD COLUMN skipped jsonb NOT NULL DEFAULT '[]'`);
    await q.query(`ALTER TABLE expert_draw_alerts DROP CONSTRAINT expert_draw_alerts_kind_check`);
    await q.query(`
      ALTER TABLE expert_draw_alerts ADD CONSTRAINT expert_draw_alerts_kind_check
      CHECK (kind IN ('INSUFFICIENT_EXPERTS', 'INVALID_COMPOSITION', 'POOL_CHANGED'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM expert_draw_alerts WHERE kind = 'POOL_CHANGED'`);
    await q.query(`ALTER TABLE expert_draw_alerts DROP CONSTRAINT expert_draw_alerts_kind_check`);
    await q.query(`
      ALTER TABLE expert_draw_alerts ADD CONSTRAINT expert_draw_alerts_kind_check
      CHECK (kind IN ('INSUFFICIENT_EXPERTS', 'INVALID_COMPOSITION'))`);
    await q.query(`ALTER TABLE expert_draw_rounds DROP COLUMN skipped`);
    await q.query(`DROP TABLE expert_draw_lists`);
    await q.query(`DROP FUNCTION expert_draw_lists_append_only()`);
    await q.query(`ALTER TABLE experts DROP COLUMN disabled_by`);
    await q.query(`ALTER TABLE expert_draws DROP COLUMN beacon, DROP COLUMN beacon_sha256`);
  }
}
