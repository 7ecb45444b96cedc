import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The draw reads the candidates of a specialty in id order from a btree (specialty, expert_id) — an index-only
 * scan that returns the canonical list of docs/EXPERT_DRAW.md already sorted — instead of a GIN scan and a sort of
 * thousands of rows (bench/expert-draw.bench.ts: p99 ≤ 50 ms for 100,000 experts). Kept in step with
 * experts.specialties by a trigger, in the transaction that changes the profile.
 */
export class AddExpertSpecialtyIndex1764400000200 implements MigrationInterface {
  name = 'AddExpertSpecialtyIndex1764400000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE expert_specialties (
        specialty text NOT NULL,
        expert_id uuid NOT NULL REFERENCES experts (id),
        PRIMARY KEY (specialty, expert_id)
      )`);
    await q.query(`CREATE INDEX "IDX_EXPERT_SPECIALTIES_EXPERT_ID" ON expert_specialties (expert_id)`);
    await q.query(`INSERT INTO expert_specialties (specialty, expert_id) SELECT DISTINCT unnest(specialties), id FROM experts`);
    await q.query(`
      CREATE FUNCTION experts_sync_specialties() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM expert_specialties WHERE expert_id = NEW.id;
        INSERT INTO expert_specialties (specialty, expert_id) SELECT DISTINCT unnest(NEW.specialties), NEW.id;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER experts_sync_specialties AFTER INSERT OR UPDATE OF specialties ON experts
      FOR EACH ROW EXECUTE FUNCTION experts_sync_specialties()`);
    // A recorded candidate list (thousands of random UUIDs) does not compress: store it without trying.
    await q.query(`ALTER TABLE expert_draw_rounds ALTER COLUMN candidate_ids SET STORAGE EXTERNAL`);
    // The few experts left out of every draw, found without scanning the pool.
    await q.query(`CREATE INDEX "IDX_EXPERTS_INACTIVE" ON experts (id) WHERE status <> 'ACTIVE'`);
    await q.query(`CREATE INDEX "IDX_EXPERTS_UNAVAILABLE" ON experts (unavailable_until) WHERE unavailable_until IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE expert_draw_rounds ALTER COLUMN candidate_ids SET STORAGE EXTENDED`);
    await q.query(`DROP INDEX "IDX_EXPERTS_UNAVAILABLE"`);
    await q.query(`DROP INDEX "IDX_EXPERTS_INACTIVE"`);
    await q.query(`DROP TRIGGER experts_sync_specialties ON experts`);
    await q.query(`DROP FUNCTION experts_sync_specialties()`);
    await q.query(`DROP TABLE expert_specialties`);
  }
}
