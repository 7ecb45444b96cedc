import { Injectable } from '@nestjs/common';
import { createHash } from 'crypto';
import { EntityManager } from 'typeorm';
import { Actor } from 'src/common/auth/actor';
import { ConflictException, ValidationFailedException } from 'src/common/errors/domain.exception';
import { Page } from 'src/common/http/page-query.dto';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { canonicalJson } from '../audit/canonical-json';
import { AuditService } from '../audit/audit.service';
import { checkSubClass, sectorOf } from '../tenders/business-classification';
import { OfflineProjectQueryDto, RegisterOfflineProjectDto } from './dto/offline-project.dto';
import { JurisdictionsService } from './jurisdictions.service';

export interface OfflineProjectView {
  id: string;
  projectNo: string;
  title: string;
  category: string;
  subClass: string;
  sector: string;
  regime: string;
  jurisdiction: string;
  procuringEntityName: string;
  budget: string;
  contractAmount: string | null;
  tradedOn: string;
  offlineReason: string;
  /** Always true: these rows are never tenders and carry no bid. */
  offline: true;
  registeredAt: string;
}

/**
 * Offline projects (线下交易项目登记): registered at the trading centre but traded outside the platform, so that the
 * electronic share (电子化交易率) can be computed at all. They only feed the statistics; they are never mixed with
 * tenders or bids.
 */
@Injectable()
export class OfflineProjectsService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly audit: AuditService,
    private readonly jurisdictions: JurisdictionsService,
  ) {}

  /** POST /offline-projects (ADMIN). The same request again returns the same row (200); another body under the same number: 409. */
  async register(dto: RegisterOfflineProjectDto, actor: Actor): Promise<OfflineProjectView & { created: boolean }> {
    const errors: Array<{ field: string; errors: string[] }> = [];
    const sub = checkSubClass(dto.category, dto.subClass);
    if (sub.length) errors.push({ field: 'subClass', errors: sub });
    if (errors.length) throw new ValidationFailedException(errors);
    return this.tx.run(async (m) => {
      const jurisdiction = dto.jurisdiction ? await this.jurisdictions.get(m, dto.jurisdiction) : await this.jurisdictions.city(m);
      if (!jurisdiction) throw new ValidationFailedException([{ field: 'jurisdiction', errors: [`unknown jurisdiction ${dto.jurisdiction}; see GET /jurisdictions`] }]);
      const [{ future }] = await m.query(`SELECT $1::date > (now() AT TIME ZONE 'Asia/Shanghai')::date AS future`, [dto.tradedOn]);
      if (future) throw new ValidationFailedException([{ field: 'tradedOn', errors: ['tradedOn must not be in the future (北京时间)'] }]);
      const body = { ...dto, jurisdiction: jurisdiction.code, contractAmount: dto.contractAmount ?? null };
      const requestSha256 = createHash('sha256').update(canonicalJson(body)).digest('hex');
      await m.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7))`, [`offline-project:${dto.projectNo}`]);
      const [existing]: Array<{ id: string; request_sha256: string }> = await m.query(
        `SELECT id, request_sha256 FROM offline_projects WHERE project_no = $1`,
        [dto.projectNo],
      );
      if (existing) {
        if (existing.request_sha256 !== requestSha256) throw new ConflictException(`Project ${dto.projectNo} is already registered with other particulars`);
        return { ...(await this.view(m, existing.id)), created: false };
      }
      const [row] = await m.query(
        `INSERT INTO offline_projects (project_no, title, category, sub_class, sector, regime, jurisdiction_code, procuring_entity_name, budget,
                                       contract_amount, traded_on, offline_reason, registered_by, request_sha256)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
        [
          dto.projectNo, dto.title, dto.category, dto.subClass, sectorOf(dto.regime, dto.category, dto.subClass), dto.regime, jurisdiction.code,
          dto.procuringEntityName, dto.budget, dto.contractAmount ?? null, dto.tradedOn, dto.offlineReason, actor.userId, requestSha256,
        ],
      );
      await this.audit.append(m, {
        actor,
        action: 'OFFLINE_PROJECT_REGISTERED',
        objectType: 'offline_project',
        objectId: row.id,
        data: { projectNo: dto.projectNo, category: dto.category, subClass: dto.subClass, jurisdiction: jurisdiction.code, tradedOn: dto.tradedOn },
      });
      return { ...(await this.view(m, row.id)), created: true };
    });
  }

  /** GET /offline-projects (ADMIN; SUPERVISOR within its scope). */
  async list(q: OfflineProjectQueryDto, actor: Actor): Promise<Page<OfflineProjectView>> {
    const m = this.tx.manager;
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    if (q.from) where.push(`t.traded_on >= ${p(q.from)}::date`);
    if (q.to) where.push(`t.traded_on <= ${p(q.to)}::date`);
    const cond = this.jurisdictions.tenderCondition(await this.jurisdictions.scopeOf(m, actor), 't', p);
    if (cond) where.push(cond);
    const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = await m.query(`SELECT count(*)::int AS total FROM offline_projects t ${w}`, params);
    const rows: Array<{ id: string }> = await m.query(
      `SELECT t.id FROM offline_projects t ${w} ORDER BY t.traded_on DESC, t.project_no LIMIT ${p(q.pageSize)} OFFSET ${p((q.page - 1) * q.pageSize)}`,
      params,
    );
    const items: OfflineProjectView[] = [];
    for (const r of rows) items.push(await this.view(m, r.id));
    return { items, total };
  }

  private async view(m: EntityManager, id: string): Promise<OfflineProjectView> {
    const [r] = await m.query(`SELECT *, to_char(traded_on, 'YYYY-MM-DD') AS day FROM offline_projects WHERE id = $1`, [id]);
    return {
      id: r.id,
      projectNo: r.project_no,
      title: r.title,
      category: r.category,
      subClass: r.sub_class,
      sector: r.sector,
      regime: r.regime,
      jurisdiction: r.jurisdiction_code,
      procuringEntityName: r.procuring_entity_name,
      budget: r.budget,
      contractAmount: r.contract_amount,
      tradedOn: r.day,
      offlineReason: r.offline_reason,
      offline: true,
      registeredAt: new Date(r.registered_at).toISOString(),
    };
  }
}
