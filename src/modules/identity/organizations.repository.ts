import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Role } from 'src/common/auth/role.enum';
import { OrganizationEntity } from './organization.entity';

/** What other modules may know of an organisation (the register of 主体信息 the identity module owns). */
export interface OrganizationSummary {
  id: string;
  name: string;
  /** 统一社会信用代码. */
  uscc: string;
  /** The 基本账户 bid security must come from and is refunded to (TBR Art. 26). */
  basicAccountNo: string;
  kind: 'BIDDER' | 'PROCURING_ENTITY';
}

interface OrganizationDbRow {
  id: string;
  name: string;
  uscc: string;
  basic_account_no: string;
  kind: string;
}

const toSummary = (r: OrganizationDbRow): OrganizationSummary => ({
  id: r.id,
  name: r.name,
  uscc: r.uscc,
  basicAccountNo: r.basic_account_no,
  kind: r.kind as OrganizationSummary['kind'],
});
const COLUMNS = 'id, name, uscc, basic_account_no, kind';

/**
 * Owns the identity module's `organizations` table for the rest of the platform: other modules read organisations
 * through this (exported, like the module) instead of their own SQL on the table. Every method takes the caller's
 * EntityManager (its transaction).
 */
@Injectable()
export class OrganizationsRepository {
  async findById(m: EntityManager, id: string): Promise<OrganizationSummary | null> {
    const [r]: OrganizationDbRow[] = await m.query(`SELECT ${COLUMNS} FROM organizations WHERE id = $1`, [id]);
    return r ? toSummary(r) : null;
  }

  /** The organisations of these ids that exist (any order; unknown ids are left out). */
  async findByIds(m: EntityManager, ids: readonly string[]): Promise<Map<string, OrganizationSummary>> {
    const unique = [...new Set(ids)];
    if (!unique.length) return new Map();
    const rows: OrganizationDbRow[] = await m.query(`SELECT ${COLUMNS} FROM organizations WHERE id = ANY($1::uuid[])`, [unique]);
    return new Map(rows.map((r) => [r.id, toSummary(r)]));
  }

  /** By 统一社会信用代码; `kind` narrows to bidders or procuring entities. */
  async findByUscc(m: EntityManager, uscc: string, kind?: 'BIDDER' | 'PROCURING_ENTITY'): Promise<OrganizationSummary | null> {
    const [r]: OrganizationDbRow[] = kind
      ? await m.query(`SELECT ${COLUMNS} FROM organizations WHERE uscc = $1 AND kind = $2`, [uscc, kind])
      : await m.query(`SELECT ${COLUMNS} FROM organizations WHERE uscc = $1`, [uscc]);
    return r ? toSummary(r) : null;
  }

  /** The registered organisations among these codes, of one kind. */
  async findManyByUscc(m: EntityManager, usccs: readonly string[], kind: 'BIDDER' | 'PROCURING_ENTITY'): Promise<OrganizationSummary[]> {
    if (!usccs.length) return [];
    const rows: OrganizationDbRow[] = await m.query(`SELECT ${COLUMNS} FROM organizations WHERE uscc = ANY($1::text[]) AND kind = $2`, [[...usccs], kind]);
    return rows.map(toSummary);
  }

  /** The full registrations (for their owners and administrators) of these ids; unknown ids are left out. */
  async findEntitiesByIds(m: EntityManager, ids: readonly string[]): Promise<OrganizationEntity[]> {
    if (!ids.length) return [];
    return m.createQueryBuilder(OrganizationEntity, 'o').where('o.id IN (:...ids)', { ids }).getMany();
  }
}

/** What other modules may know of a user account. */
export interface UserSummary {
  id: string;
  role: Role;
  organizationId: string | null;
  disabled: boolean;
}

/** Owns `users` for the rest of the platform (see OrganizationsRepository). */
@Injectable()
export class UsersRepository {
  /** `lock`: FOR UPDATE, so that the role cannot change until the caller's transaction ends. */
  async findById(m: EntityManager, id: string, opts: { lock?: boolean } = {}): Promise<UserSummary | null> {
    const [r]: Array<{ id: string; role: Role; organization_id: string | null; disabled: boolean }> = await m.query(
      `SELECT id, role, organization_id, disabled FROM users WHERE id = $1${opts.lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return r ? { id: r.id, role: r.role, organizationId: r.organization_id, disabled: r.disabled } : null;
  }

  async findByIds(m: EntityManager, ids: readonly string[]): Promise<UserSummary[]> {
    const unique = [...new Set(ids)];
    if (!unique.length) return [];
    const rows: Array<{ id: string; role: Role; organization_id: string | null; disabled: boolean }> = await m.query(
      `SELECT id, role, organization_id, disabled FROM users WHERE id = ANY($1::uuid[])`,
      [unique],
    );
    return rows.map((r) => ({ id: r.id, role: r.role, organizationId: r.organization_id, disabled: r.disabled }));
  }

  /** One bootstrap of the first administrator at a time (several processes start together). */
  async lockAdminBootstrap(m: EntityManager): Promise<void> {
    await m.query(`SELECT pg_advisory_xact_lock(hashtextextended('bootstrap-admin', 7))`);
  }

  async anyWithRole(m: EntityManager, role: Role): Promise<boolean> {
    const rows: unknown[] = await m.query(`SELECT 1 FROM users WHERE role = $1 LIMIT 1`, [role]);
    return rows.length > 0;
  }

  async usernameTaken(m: EntityManager, username: string): Promise<boolean> {
    const rows: unknown[] = await m.query(`SELECT 1 FROM users WHERE username = $1`, [username]);
    return rows.length > 0;
  }

  /**
   * GET /admin/users: every account (newest first), filtered by role and by part of the username or organisation
   * name (`q`: LIKE wildcards in it are matched literally), and their total.
   */
  async listForAdmin(m: EntityManager, q: { role?: Role; q?: string; page: number; pageSize: number }): Promise<{ total: number; items: AdminUserRow[] }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    if (q.role) where.push(`u.role = ${p(q.role)}`);
    if (q.q) {
      const like = p(`%${q.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      where.push(`(u.username ILIKE ${like} OR o.name ILIKE ${like})`);
    }
    const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const from = `FROM users u LEFT JOIN organizations o ON o.id = u.organization_id ${w}`;
    const [{ total }]: Array<{ total: number }> = await m.query(`SELECT count(*)::int AS total ${from}`, params);
    const rows: Array<{ id: string; username: string; role: Role; organization_id: string | null; name: string | null; disabled: boolean; created_at: Date }> = await m.query(
      `SELECT u.id, u.username, u.role, u.organization_id, o.name, u.disabled, u.created_at ${from}
         ORDER BY u.created_at DESC, u.id LIMIT ${p(q.pageSize)} OFFSET ${p((q.page - 1) * q.pageSize)}`,
      params,
    );
    return {
      total,
      items: rows.map((r) => ({
        id: r.id,
        username: r.username,
        role: r.role,
        organizationId: r.organization_id,
        organizationName: r.name,
        disabled: r.disabled,
        createdAt: new Date(r.created_at),
      })),
    };
  }
}

/** An account as the administrators' list shows it. */
export interface AdminUserRow {
  id: string;
  username: string;
  role: Role;
  organizationId: string | null;
  organizationName: string | null;
  disabled: boolean;
  createdAt: Date;
}
