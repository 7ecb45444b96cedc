import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ValidationFailedException } from 'src/common/errors/domain.exception';
import { Page } from 'src/common/http/page-query.dto';
import { normalizeMoney } from 'src/common/money/money';
import { PenaltyQueryDto } from './dto/penalty-query.dto';
import { PublishedPenaltiesRepository } from './published-penalties.repository';

export interface PublishedPenaltyView {
  id: string;
  /** Who: a company (with its unified social credit code) or an evaluation expert. */
  subject: { kind: 'ORGANIZATION' | 'EXPERT'; name: string; uscc: string | null };
  type: string;
  typeName: string;
  ground: string;
  groundName: string;
  /** The article the penalty rests on, as decided. */
  legalBasis: string;
  fineAmount: string | null;
  debarmentMonths: number | null;
  /** The period the penalty runs (a debarment's months); null for a warning or fine. */
  effectiveFrom: string | null;
  effectiveUntil: string | null;
  decidedAt: string;
  tender: { id: string; title: string };
}

const TYPE_NAME: Record<string, string> = { WARNING: '警告', FINE: '罚款', DEBARMENT: '取消投标资格（禁止参加依法必须进行招标的项目）', DISQUALIFICATION: '取消评标专家资格' };
const GROUND_NAME: Record<string, string> = { COLLUSION: '串通投标', BIDDING_UNDER_ANOTHER_NAME: '以他人名义投标', EVALUATOR_MISCONDUCT: '评标专家违法违规' };

/**
 * 不良行为记录公告: the final penalties of supervision cases — decided (DECIDED, or CLOSED after a decision) — as
 * trading centres publish them: who, what, the ground, the article, the period (TBR Art. 78: administrative
 * decisions against bidders and evaluators are published; O1117 (二十)). An open or investigating case publishes
 * nothing, and neither does a case closed without a decision.
 */
@Injectable()
export class PublishedPenaltiesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly penalties: PublishedPenaltiesRepository,
  ) {}

  async list(q: PenaltyQueryDto): Promise<Page<PublishedPenaltyView>> {
    if (q.from && q.to && q.from > q.to) throw new ValidationFailedException([{ field: 'from', errors: ['from must not be after to'] }]);
    const m = this.dataSource.manager;
    const period = { from: q.from ?? null, to: q.to ?? null };
    const total = await this.penalties.count(m, period);
    const rows = await this.penalties.page(m, period, q.pageSize, (q.page - 1) * q.pageSize);
    return {
      total,
      items: rows.map((r) => ({
        id: r.id,
        subject: r.organizationId
          ? { kind: 'ORGANIZATION' as const, name: r.organizationName ?? '', uscc: r.organizationUscc }
          : { kind: 'EXPERT' as const, name: r.expertName ?? '', uscc: null },
        type: r.type,
        typeName: TYPE_NAME[r.type] ?? r.type,
        ground: r.ground,
        groundName: GROUND_NAME[r.ground] ?? r.ground,
        legalBasis: r.legalBasis,
        fineAmount: r.fineAmount === null ? null : normalizeMoney(r.fineAmount),
        debarmentMonths: r.debarmentMonths,
        effectiveFrom: r.effectiveFrom ? new Date(r.effectiveFrom).toISOString() : null,
        effectiveUntil: r.effectiveUntil ? new Date(r.effectiveUntil).toISOString() : null,
        decidedAt: new Date(r.decidedAt).toISOString(),
        tender: { id: r.tenderId, title: r.tenderTitle },
      })),
    };
  }
}
