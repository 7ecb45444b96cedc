import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/** A row of `offline_projects` (线下交易项目登记), as the statistics and the admin screens read it. */
export interface OfflineProjectRow {
  id: string;
  projectNo: string;
  title: string;
  category: string;
  subClass: string;
  sector: string;
  regime: string;
  jurisdictionCode: string;
  procuringEntityName: string;
  budget: string;
  contractAmount: string | null;
  /** YYYY-MM-DD (the date it was traded, Beijing). */
  tradedOn: string;
  offlineReason: string;
  registeredBy: string;
  registeredAt: Date;
  requestSha256: string;
}

export type NewOfflineProject = Omit<OfflineProjectRow, 'id' | 'registeredAt'>;

export interface OfflineProjectFilter {
  from?: string;
  to?: string;
  /** A condition on the alias `t` built by JurisdictionsService.tenderCondition (the supervisor's scope), or null. */
  scope?: (alias: string, p: (v: unknown) => string) => string | null;
}

const COLUMNS = `t.id, t.project_no, t.title, t.category, t.sub_class, t.sector, t.regime, t.jurisdiction_code, t.procuring_entity_name,
  t.budget::text AS budget, t.contract_amount::text AS contract_amount, to_char(t.traded_on, 'YYYY-MM-DD') AS traded_on, t.offline_reason,
  t.registered_by, t.registered_at, t.request_sha256`;

interface DbRow {
  id: string;
  project_no: string;
  title: string;
  category: string;
  sub_class: string;
  sector: string;
  regime: string;
  jurisdiction_code: string;
  procuring_entity_name: string;
  budget: string;
  contract_amount: string | null;
  traded_on: string;
  offline_reason: string;
  registered_by: string;
  registered_at: Date;
  request_sha256: string;
}

const toRow = (r: DbRow): OfflineProjectRow => ({
  id: r.id,
  projectNo: r.project_no,
  title: r.title,
  category: r.category,
  subClass: r.sub_class,
  sector: r.sector,
  regime: r.regime,
  jurisdictionCode: r.jurisdiction_code,
  procuringEntityName: r.procuring_entity_name,
  budget: r.budget,
  contractAmount: r.contract_amount,
  tradedOn: r.traded_on,
  offlineReason: r.offline_reason,
  registeredBy: r.registered_by,
  registeredAt: new Date(r.registered_at),
  requestSha256: r.request_sha256,
});

/** Owns `offline_projects`. Every statement takes the caller's EntityManager (its transaction). */
@Injectable()
export class OfflineProjectsRepository {
  /** One registration of a project number at a time (the idempotent POST compares the request it finds). */
  async lockProjectNo(m: EntityManager, projectNo: string): Promise<void> {
    await m.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7))`, [`offline-project:${projectNo}`]);
  }

  async findByProjectNo(m: EntityManager, projectNo: string): Promise<OfflineProjectRow | null> {
    const [r]: DbRow[] = await m.query(`SELECT ${COLUMNS} FROM offline_projects t WHERE t.project_no = $1`, [projectNo]);
    return r ? toRow(r) : null;
  }

  async findById(m: EntityManager, id: string): Promise<OfflineProjectRow | null> {
    const [r]: DbRow[] = await m.query(`SELECT ${COLUMNS} FROM offline_projects t WHERE t.id = $1`, [id]);
    return r ? toRow(r) : null;
  }

  async insert(m: EntityManager, p: NewOfflineProject): Promise<OfflineProjectRow> {
    const [r]: DbRow[] = await m.query(
      `INSERT INTO offline_projects AS t (project_no, title, category, sub_class, sector, regime, jurisdiction_code, procuring_entity_name, budget,
                                          contract_amount, traded_on, offline_reason, registered_by, request_sha256)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING ${COLUMNS}`,
      [
        p.projectNo,
        p.title,
        p.category,
        p.subClass,
        p.sector,
        p.regime,
        p.jurisdictionCode,
        p.procuringEntityName,
        p.budget,
        p.contractAmount,
        p.tradedOn,
        p.offlineReason,
        p.registeredBy,
        p.requestSha256,
      ],
    );
    return toRow(r);
  }

  /** A page, newest trade first, and the total under the same filter. */
  async page(m: EntityManager, filter: OfflineProjectFilter, page: { limit: number; offset: number }): Promise<{ rows: OfflineProjectRow[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    if (filter.from) where.push(`t.traded_on >= ${p(filter.from)}::date`);
    if (filter.to) where.push(`t.traded_on <= ${p(filter.to)}::date`);
    const scope = filter.scope?.('t', p);
    if (scope) where.push(scope);
    const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }]: Array<{ total: number }> = await m.query(`SELECT count(*)::int AS total FROM offline_projects t ${w}`, params);
    const rows: DbRow[] = await m.query(
      `SELECT ${COLUMNS} FROM offline_projects t ${w} ORDER BY t.traded_on DESC, t.project_no LIMIT ${p(page.limit)} OFFSET ${p(page.offset)}`,
      params,
    );
    return { rows: rows.map(toRow), total };
  }
}
