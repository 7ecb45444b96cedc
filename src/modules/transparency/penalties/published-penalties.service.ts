import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ValidationFailedException } from 'src/common/errors/domain.exception';
import { Page } from 'src/common/http/page-query.dto';
import { normalizeMoney } from 'src/common/money/money';
import { PenaltyQueryDto } from './dto/penalty-query.dto';

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
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async list(q: PenaltyQueryDto): Promise<Page<PublishedPenaltyView>> {
    if (q.from && q.to && q.from > q.to) throw new ValidationFailedException([{ field: 'from', errors: ['from must not be after to'] }]);
    const where = `c.status IN ('DECIDED', 'CLOSED') AND c.decided_at IS NOT NULL
      AND ($1::date IS NULL OR c.decided_at >= ($1::date)::timestamp AT TIME ZONE 'Asia/Shanghai')
      AND ($2::date IS NULL OR c.decided_at < (($2::date) + 1)::timestamp AT TIME ZONE 'Asia/Shanghai')`;
    const params = [q.from ?? null, q.to ?? null];
    const [{ total }]: Array<{ total: number }> = await this.dataSource.query(
      `SELECT count(*)::int AS total FROM supervision_penalties p JOIN supervision_cases c ON c.id = p.case_id WHERE ${where}`,
      params,
    );
    const rows: Array<Record<string, any>> = await this.dataSource.query(
      `SELECT p.id, p.type, p.ground, p.legal_basis, p.fine_amount::text AS fine_amount, p.debarment_months, p.effective_from, p.effective_until,
              c.decided_at, t.id AS tender_id, t.title AS tender_title,
              o.name AS org_name, o.uscc AS org_uscc, e.name AS expert_name, p.organization_id
       FROM supervision_penalties p
       JOIN supervision_cases c ON c.id = p.case_id
       JOIN tenders t ON t.id = c.tender_id
       LEFT JOIN organizations o ON o.id = p.organization_id
       LEFT JOIN experts e ON e.id = p.expert_id
       WHERE ${where}
       ORDER BY c.decided_at DESC, p.case_id, p.position
       LIMIT $3 OFFSET $4`,
      [...params, q.pageSize, (q.page - 1) * q.pageSize],
    );
    return {
      total,
      items: rows.map((r) => ({
        id: r.id,
        subject: r.organization_id ? { kind: 'ORGANIZATION' as const, name: r.org_name, uscc: r.org_uscc } : { kind: 'EXPERT' as const, name: r.expert_name, uscc: null },
        type: r.type,
        typeName: TYPE_NAME[r.type] ?? r.type,
        ground: r.ground,
        groundName: GROUND_NAME[r.ground] ?? r.ground,
        legalBasis: r.legal_basis,
        fineAmount: r.fine_amount === null ? null : normalizeMoney(r.fine_amount),
        debarmentMonths: r.debarment_months,
        effectiveFrom: r.effective_from ? new Date(r.effective_from).toISOString() : null,
        effectiveUntil: r.effective_until ? new Date(r.effective_until).toISOString() : null,
        decidedAt: new Date(r.decided_at).toISOString(),
        tender: { id: r.tender_id, title: r.tender_title },
      })),
    };
  }
}
