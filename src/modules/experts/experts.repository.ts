import { Injectable } from '@nestjs/common';
import { type EntityManager } from 'typeorm';
import { ExpertEntity } from './entities/expert.entity';

/**
 * Runs an UPDATE/DELETE ... RETURNING and gives its rows (TypeORM's query() answers [rows, rowCount] for those
 * commands, and the rows alone for the others). For this module's repositories.
 */
export async function updateReturning<T>(m: EntityManager, sql: string, params: unknown[]): Promise<T[]> {
  const res = await m.query(sql, params);
  return Array.isArray(res) && res.length === 2 && Array.isArray(res[0]) && typeof res[1] === 'number' ? (res[0] as T[]) : (res as T[]);
}

/** A conflict of interest an expert declared (or an administrator declared for it), not withdrawn. */
export interface ExpertConflictRow {
  id: string;
  expertId: string;
  uscc: string;
  reason: string;
  declaredBy: 'ADMIN' | 'EXPERT';
  createdAt: Date;
}

/** Owns the expert pool: `experts` and `expert_conflicts`. Every method takes the caller's EntityManager (its transaction). */
@Injectable()
export class ExpertsRepository {
  /** One page of the pool, by registration, optionally of one specialty or status, and the total. */
  async page(m: EntityManager, q: { specialty?: string; status?: string; page: number; pageSize: number }): Promise<[ExpertEntity[], number]> {
    const qb = m.createQueryBuilder(ExpertEntity, 'e');
    if (q.specialty) qb.andWhere('e.specialties @> ARRAY[:specialty]::text[]', { specialty: q.specialty });
    if (q.status) qb.andWhere('e.status = :status', { status: q.status });
    return qb
      .orderBy('e.created_at', 'ASC')
      .addOrderBy('e.id', 'ASC')
      .skip((q.page - 1) * q.pageSize)
      .take(q.pageSize)
      .getManyAndCount();
  }

  /** Disabled now (database clock), with the reason and who disabled it (`<role>:<userId>`). */
  async disable(m: EntityManager, expertId: string, reason: string, disabledBy: string): Promise<void> {
    await m.query(
      `UPDATE experts SET status = 'DISABLED', disabled_reason = $2, disabled_at = clock_timestamp(), version = version + 1,
                            updated_at = clock_timestamp(), disabled_by = $3
         WHERE id = $1`,
      [expertId, reason, disabledBy],
    );
  }

  /** `until`: null (available), an ISO instant, or 'infinity' (unavailable until further notice). */
  async setUnavailableUntil(m: EntityManager, expertId: string, until: string | null): Promise<void> {
    await m.query(`UPDATE experts SET unavailable_until = $2::timestamptz, updated_at = clock_timestamp() WHERE id = $1`, [expertId, until]);
  }

  /** Whether each expert is available now (database clock). */
  async availableNow(m: EntityManager, expertIds: string[]): Promise<Map<string, boolean>> {
    const flags: Array<{ id: string; available: boolean }> = await m.query(
      `SELECT id, NOT coalesce(unavailable_until > clock_timestamp(), false) AS available FROM experts WHERE id = ANY($1::uuid[])`,
      [expertIds],
    );
    return new Map(flags.map((f) => [f.id, f.available]));
  }

  async hasActiveConflict(m: EntityManager, expertId: string, uscc: string): Promise<boolean> {
    const dup: unknown[] = await m.query(`SELECT 1 FROM expert_conflicts WHERE expert_id = $1 AND uscc = $2 AND withdrawn_at IS NULL`, [expertId, uscc]);
    return dup.length > 0;
  }

  /** Withdrawn now, never deleted; returns the organisation's code, or null when there was no such open conflict. */
  async withdrawConflict(m: EntityManager, expertId: string, conflictId: string): Promise<{ uscc: string } | null> {
    const res = await updateReturning<{ uscc: string }>(
      m,
      `UPDATE expert_conflicts SET withdrawn_at = clock_timestamp() WHERE id = $1 AND expert_id = $2 AND withdrawn_at IS NULL RETURNING uscc`,
      [conflictId, expertId],
    );
    return res[0] ?? null;
  }

  /** The open conflicts of these experts, in the order declared. */
  async activeConflicts(m: EntityManager, expertIds: string[]): Promise<ExpertConflictRow[]> {
    const rows: Array<{ id: string; expert_id: string; uscc: string; reason: string; declared_by: 'ADMIN' | 'EXPERT'; created_at: Date }> = await m.query(
      `SELECT id, expert_id, uscc, reason, declared_by, created_at FROM expert_conflicts
         WHERE expert_id = ANY($1::uuid[]) AND withdrawn_at IS NULL ORDER BY created_at, id`,
      [expertIds],
    );
    return rows.map((c) => ({ id: c.id, expertId: c.expert_id, uscc: c.uscc, reason: c.reason, declaredBy: c.declared_by, createdAt: c.created_at }));
  }
}
