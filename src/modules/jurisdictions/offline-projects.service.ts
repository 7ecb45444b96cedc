import { Injectable } from '@nestjs/common';
import { createHash } from 'crypto';
import { Actor } from 'src/common/auth/actor';
import { ConflictException, ValidationFailedException } from 'src/common/errors/domain.exception';
import { Page } from 'src/common/http/page-query.dto';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { canonicalJson } from '../audit/canonical-json';
import { AuditService } from '../audit/audit.service';
import { checkSubClass, sectorOf } from '../tenders/business-classification';
import { OfflineProjectQueryDto, RegisterOfflineProjectDto } from './dto/offline-project.dto';
import { JurisdictionsService } from './jurisdictions.service';
import { OfflineProjectRow, OfflineProjectsRepository } from './offline-projects.repository';

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
    private readonly projects: OfflineProjectsRepository,
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
      if (dto.tradedOn > beijingDay(await this.tx.now(m))) {
        throw new ValidationFailedException([{ field: 'tradedOn', errors: ['tradedOn must not be in the future (北京时间)'] }]);
      }
      const body = { ...dto, jurisdiction: jurisdiction.code, contractAmount: dto.contractAmount ?? null };
      const requestSha256 = createHash('sha256').update(canonicalJson(body)).digest('hex');
      await this.projects.lockProjectNo(m, dto.projectNo);
      const existing = await this.projects.findByProjectNo(m, dto.projectNo);
      if (existing) {
        if (existing.requestSha256 !== requestSha256) throw new ConflictException(`Project ${dto.projectNo} is already registered with other particulars`);
        return { ...toView(existing), created: false };
      }
      const row = await this.projects.insert(m, {
        projectNo: dto.projectNo,
        title: dto.title,
        category: dto.category,
        subClass: dto.subClass,
        sector: sectorOf(dto.regime, dto.category, dto.subClass),
        regime: dto.regime,
        jurisdictionCode: jurisdiction.code,
        procuringEntityName: dto.procuringEntityName,
        budget: dto.budget,
        contractAmount: dto.contractAmount ?? null,
        tradedOn: dto.tradedOn,
        offlineReason: dto.offlineReason,
        registeredBy: actor.userId,
        requestSha256,
      });
      await this.audit.append(m, {
        actor,
        action: 'OFFLINE_PROJECT_REGISTERED',
        objectType: 'offline_project',
        objectId: row.id,
        data: { projectNo: dto.projectNo, category: dto.category, subClass: dto.subClass, jurisdiction: jurisdiction.code, tradedOn: dto.tradedOn },
      });
      return { ...toView(row), created: true };
    });
  }

  /** GET /offline-projects (ADMIN; SUPERVISOR within its scope). */
  async list(q: OfflineProjectQueryDto, actor: Actor): Promise<Page<OfflineProjectView>> {
    const m = this.tx.manager;
    const scope = await this.jurisdictions.scopeOf(m, actor);
    const { rows, total } = await this.projects.page(
      m,
      { from: q.from, to: q.to, scope: (alias, p) => this.jurisdictions.tenderCondition(scope, alias, p) },
      { limit: q.pageSize, offset: (q.page - 1) * q.pageSize },
    );
    return { items: rows.map(toView), total };
  }
}

/** The calendar day in Beijing (UTC+8, no daylight saving) of an instant. */
function beijingDay(at: Date): string {
  return new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

function toView(r: OfflineProjectRow): OfflineProjectView {
  return {
    id: r.id,
    projectNo: r.projectNo,
    title: r.title,
    category: r.category,
    subClass: r.subClass,
    sector: r.sector,
    regime: r.regime,
    jurisdiction: r.jurisdictionCode,
    procuringEntityName: r.procuringEntityName,
    budget: r.budget,
    contractAmount: r.contractAmount,
    tradedOn: r.tradedOn,
    offlineReason: r.offlineReason,
    offline: true,
    registeredAt: r.registeredAt.toISOString(),
  };
}
