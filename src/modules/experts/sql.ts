import { type EntityManager } from 'typeorm';

/**
 * Runs an UPDATE/DELETE ... RETURNING and gives its rows (TypeORM's query() answers [rows, rowCount] for those
 * commands, and the rows alone for the others).
 */
export async function updateReturning<T>(m: EntityManager, sql: string, params: unknown[]): Promise<T[]> {
  const res = await m.query(sql, params);
  return Array.isArray(res) && res.length === 2 && Array.isArray(res[0]) && typeof res[1] === 'number' ? (res[0] as T[]) : (res as T[]);
}
