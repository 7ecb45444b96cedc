import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Sector } from '../tenders/business-classification';

export interface JurisdictionRow {
  code: string;
  name: string;
  level: 'CITY' | 'COUNTY';
  parentCode: string | null;
}

export interface SupervisorScopeRow {
  userId: string;
  jurisdictionCode: string;
  /** null: every trade. */
  sectors: Sector[] | null;
}

/**
 * Owns `jurisdictions` and `supervisor_scopes`. Two statements are read models over other modules' tables, declared
 * as such: `supervisorsOf` (users, tenders) and `tenderMatches` (tenders), both filtering by a scope this module owns.
 * Every method takes the caller's EntityManager (its transaction).
 */
@Injectable()
export class JurisdictionsRepository {
  /** One seeding of the jurisdiction list at a time (several processes start together). */
  async lockForSeeding(m: EntityManager): Promise<void> {
    await m.query(`SELECT pg_advisory_xact_lock(hashtextextended('jurisdictions', 7))`);
  }

  /** Adds a jurisdiction unless its code exists (idempotent). */
  async insertMissing(m: EntityManager, j: JurisdictionRow, position: number): Promise<void> {
    await m.query(`INSERT INTO jurisdictions (code, name, level, parent_code, position) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (code) DO NOTHING`, [
      j.code,
      j.name,
      j.level,
      j.parentCode,
      position,
    ]);
  }

  /** Every jurisdiction, the city first, then the counties in their order. */
  async list(m: EntityManager): Promise<JurisdictionRow[]> {
    const rows: Array<{ code: string; name: string; level: 'CITY' | 'COUNTY'; parent_code: string | null }> = await m.query(
      `SELECT code, name, level, parent_code FROM jurisdictions ORDER BY position, code`,
    );
    return rows.map((r) => ({ code: r.code, name: r.name, level: r.level, parentCode: r.parent_code }));
  }

  async scopeOf(m: EntityManager, userId: string): Promise<SupervisorScopeRow | null> {
    const [r]: Array<{ jurisdiction_code: string; sectors: Sector[] | null }> = await m.query(`SELECT jurisdiction_code, sectors FROM supervisor_scopes WHERE user_id = $1`, [
      userId,
    ]);
    return r ? { userId, jurisdictionCode: r.jurisdiction_code, sectors: r.sectors } : null;
  }

  /** Sets or replaces a supervisor's scope, recording who changed it (database clock). */
  async upsertScope(m: EntityManager, scope: SupervisorScopeRow, updatedBy: string): Promise<void> {
    await m.query(
      `INSERT INTO supervisor_scopes (user_id, jurisdiction_code, sectors, updated_by) VALUES ($1, $2, $3, $4)
       ON CONFLICT (user_id) DO UPDATE SET jurisdiction_code = EXCLUDED.jurisdiction_code, sectors = EXCLUDED.sectors,
                                           updated_by = EXCLUDED.updated_by, updated_at = clock_timestamp()`,
      [scope.userId, scope.jurisdictionCode, scope.sectors, updatedBy],
    );
  }

  /** Read model (users, tenders): the active supervisors whose scope covers the tender; no scope row = the whole city. */
  async supervisorsOf(m: EntityManager, tenderId: string): Promise<Array<{ id: string }>> {
    return m.query(
      `SELECT u.id FROM users u
         LEFT JOIN supervisor_scopes s ON s.user_id = u.id
         JOIN tenders t ON t.id = $1
         LEFT JOIN jurisdictions j ON j.code = s.jurisdiction_code
       WHERE u.role = 'SUPERVISOR' AND NOT u.disabled
         AND (s.user_id IS NULL
              OR ((j.level = 'CITY' OR s.jurisdiction_code = t.jurisdiction_code) AND (s.sectors IS NULL OR t.sector = ANY(s.sectors))))
       ORDER BY u.id`,
      [tenderId],
    );
  }

  /** Read model (tenders): whether the tender satisfies a condition on the alias `t` (see tenderCondition). */
  async tenderMatches(m: EntityManager, tenderId: string, condition: (alias: string, p: (v: unknown) => string) => string): Promise<boolean> {
    const params: unknown[] = [tenderId];
    const cond = condition('t', (v) => `$${params.push(v)}`);
    const rows = await m.query(`SELECT 1 FROM tenders t WHERE t.id = $1 AND ${cond}`, params);
    return rows.length === 1;
  }
}
