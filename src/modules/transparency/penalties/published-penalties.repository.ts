import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/** One final penalty with its case's decision day, its tender and its subject (a company or an expert). */
export interface PublishedPenaltyRow {
  id: string;
  type: string;
  ground: string;
  legalBasis: string;
  /** Decimal string as stored (numeric). */
  fineAmount: string | null;
  debarmentMonths: number | null;
  effectiveFrom: Date | null;
  effectiveUntil: Date | null;
  decidedAt: Date;
  tenderId: string;
  tenderTitle: string;
  /** Set for a company; null for an expert. */
  organizationId: string | null;
  organizationName: string | null;
  organizationUscc: string | null;
  expertName: string | null;
}

/** Decided between these 北京时间 days (either bound may be open). */
export interface DecidedPeriod {
  from: string | null;
  to: string | null;
}

const WHERE = `c.status IN ('DECIDED', 'CLOSED') AND c.decided_at IS NOT NULL
      AND ($1::date IS NULL OR c.decided_at >= ($1::date)::timestamp AT TIME ZONE 'Asia/Shanghai')
      AND ($2::date IS NULL OR c.decided_at < (($2::date) + 1)::timestamp AT TIME ZONE 'Asia/Shanghai')`;

/**
 * Read model (supervision_penalties, supervision_cases, tenders, organizations, experts): the final penalties of
 * supervision cases — decided (DECIDED, or CLOSED after a decision) — for the public list (TBR Art. 78). Every
 * method takes the caller's EntityManager.
 */
@Injectable()
export class PublishedPenaltiesRepository {
  async count(m: EntityManager, period: DecidedPeriod): Promise<number> {
    const [{ total }]: Array<{ total: number }> = await m.query(
      `SELECT count(*)::int AS total FROM supervision_penalties p JOIN supervision_cases c ON c.id = p.case_id WHERE ${WHERE}`,
      [period.from, period.to],
    );
    return total;
  }

  /** One page, the latest decisions first (a case's penalties in their order). */
  async page(m: EntityManager, period: DecidedPeriod, limit: number, offset: number): Promise<PublishedPenaltyRow[]> {
    const rows: Array<{
      id: string;
      type: string;
      ground: string;
      legal_basis: string;
      fine_amount: string | null;
      debarment_months: number | null;
      effective_from: Date | null;
      effective_until: Date | null;
      decided_at: Date;
      tender_id: string;
      tender_title: string;
      org_name: string | null;
      org_uscc: string | null;
      expert_name: string | null;
      organization_id: string | null;
    }> = await m.query(
      `SELECT p.id, p.type, p.ground, p.legal_basis, p.fine_amount::text AS fine_amount, p.debarment_months, p.effective_from, p.effective_until,
              c.decided_at, t.id AS tender_id, t.title AS tender_title,
              o.name AS org_name, o.uscc AS org_uscc, e.name AS expert_name, p.organization_id
       FROM supervision_penalties p
       JOIN supervision_cases c ON c.id = p.case_id
       JOIN tenders t ON t.id = c.tender_id
       LEFT JOIN organizations o ON o.id = p.organization_id
       LEFT JOIN experts e ON e.id = p.expert_id
       WHERE ${WHERE}
       ORDER BY c.decided_at DESC, p.case_id, p.position
       LIMIT $3 OFFSET $4`,
      [period.from, period.to, limit, offset],
    );
    return rows.map((r) => ({
      id: r.id,
      type: r.type,
      ground: r.ground,
      legalBasis: r.legal_basis,
      fineAmount: r.fine_amount,
      debarmentMonths: r.debarment_months,
      effectiveFrom: r.effective_from,
      effectiveUntil: r.effective_until,
      decidedAt: r.decided_at,
      tenderId: r.tender_id,
      tenderTitle: r.tender_title,
      organizationId: r.organization_id,
      organizationName: r.org_name,
      organizationUscc: r.org_uscc,
      expertName: r.expert_name,
    }));
  }
}
