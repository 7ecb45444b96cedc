import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The blind-index oracle (issue 17, "impossible to cheat quietly"): sealed identities are indexed under a key only the
 * oracle holds (a custodian), no longer under one derived from SEALING_MASTER_KEY.
 * - `blind_index_legacy_tenders`: the tenders published before this migration — their rows (bids, sub-accounts and
 *   their basic-account digests, guarantees, objections, complaints, notices) were indexed under the old platform
 *   derivation and keep it, so they are still found; filled here once, never by the code. A draft is published later
 *   and uses the oracle.
 * - `blind_index_lookups`: how many ids the platform itself asked the oracle to index, per tender and purpose (counted
 *   outside the caller's transaction), published at the deadline next to the oracle's own count.
 */
export class AddBlindIndexOracle1765897000000 implements MigrationInterface {
  name = 'AddBlindIndexOracle1765897000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE blind_index_legacy_tenders (tender_id uuid PRIMARY KEY REFERENCES tenders(id) ON DELETE CASCADE)`);
    await q.query(`INSERT INTO blind_index_legacy_tenders (tender_id) SELECT id FROM tenders WHERE status <> 'DRAFT' OR identity_public_key IS NOT NULL`);
    await q.query(`
      CREATE TABLE blind_index_lookups (
        tender_id uuid NOT NULL,
        purpose text NOT NULL,
        lookups bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (tender_id, purpose)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE blind_index_lookups`);
    await q.query(`DROP TABLE blind_index_legacy_tenders`);
  }
}
