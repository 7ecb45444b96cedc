import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/**
 * The blind-index oracle's two tables (issue 17): the legacy tenders (indexed under the old platform derivation, fixed
 * by the migration) and the platform's own count of the lookups it asked for.
 */
@Injectable()
export class BlindIndexRepository {
  /** The tenders whose rows keep the legacy platform derivation (published before the oracle). */
  async legacyTenders(m: EntityManager): Promise<string[]> {
    const rows: Array<{ id: string }> = await m.query(`SELECT tender_id AS id FROM blind_index_legacy_tenders`);
    return rows.map((r) => r.id);
  }

  /** Adds `n` lookups to the platform's count of (tender, purpose). */
  async count(m: EntityManager, rows: Array<{ tenderId: string; purpose: string; n: number }>): Promise<void> {
    if (rows.length === 0) return;
    await m.query(
      `INSERT INTO blind_index_lookups (tender_id, purpose, lookups)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[])
       ON CONFLICT (tender_id, purpose) DO UPDATE SET lookups = blind_index_lookups.lookups + EXCLUDED.lookups`,
      [rows.map((r) => r.tenderId), rows.map((r) => r.purpose), rows.map((r) => r.n)],
    );
  }

  /** The platform's count of a tender's lookups, by purpose. */
  async counted(m: EntityManager, tenderId: string): Promise<Record<string, number>> {
    const rows: Array<{ purpose: string; n: string }> = await m.query(`SELECT purpose, lookups AS n FROM blind_index_lookups WHERE tender_id = $1 ORDER BY purpose`, [tenderId]);
    return Object.fromEntries(rows.map((r) => [r.purpose, Number(r.n)]));
  }
}
