import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { FlagView } from '../flags/flags.service';
import type { TenderScopeCondition } from '../flags/collusion-flags.repository';
import type { CaseStatus } from './dto/case.dto';
import type { CheckedPenalty } from './penalty-rules';

/** A supervision case as stored. */
export interface CaseRecord {
  id: string;
  tenderId: string;
  status: CaseStatus;
  flagCodes: string[];
  summary: string;
  /** The flags the case was opened on, as they stood then. */
  evidence: FlagView[];
  findings: string | null;
  openedBy: string;
  openedAt: Date;
  investigatingAt: Date | null;
  decidedAt: Date | null;
  closedAt: Date | null;
  version: number;
}

export interface NewCase {
  tenderId: string;
  flagCodes: string[];
  summary: string;
  evidence: FlagView[];
  requestSha256: string;
  openedBy: string;
}

/** A subject of a case: a company or an expert (exactly one set). */
export interface CaseSubjectRef {
  organizationId: string | null;
  expertId: string | null;
}

/** A subject with its name (organisation's or expert's). */
export interface CaseSubjectRecord extends CaseSubjectRef {
  organizationName: string | null;
  expertName: string | null;
}

/** A penalty as decided; amounts as stored decimal strings. */
export interface PenaltyRecord {
  id: string;
  organizationId: string | null;
  expertId: string | null;
  type: string;
  ground: string;
  fineAmount: string | null;
  fineBase: string | null;
  fineBaseSource: string | null;
  debarmentMonths: number | null;
  effectiveFrom: Date | null;
  effectiveUntil: Date | null;
  legalBasis: string;
}

/** What a repeated decision is compared on. */
export type PenaltyFingerprint = Pick<PenaltyRecord, 'organizationId' | 'expertId' | 'type' | 'ground' | 'fineAmount' | 'debarmentMonths'>;

/** The filter of GET /supervision/cases (each field optional). */
export interface CaseFilter {
  status?: string;
  tenderId?: string;
  organizationId?: string;
}

/** The tender's regime and the amounts a fine is based on (合同金额 → 中标价 → 预算), as decimal strings. */
export interface FineBaseAmounts {
  regime: 'ENGINEERING' | 'GOV_PROCUREMENT';
  budget: string;
  contractAmount: string | null;
  awardPrice: string | null;
}

interface CaseRow {
  id: string;
  tender_id: string;
  status: CaseStatus;
  flag_codes: string[];
  summary: string;
  evidence: FlagView[];
  findings: string | null;
  opened_by: string;
  opened_at: Date;
  investigating_at: Date | null;
  decided_at: Date | null;
  closed_at: Date | null;
  version: number;
}

const toRecord = (c: CaseRow): CaseRecord => ({
  id: c.id,
  tenderId: c.tender_id,
  status: c.status,
  flagCodes: c.flag_codes,
  summary: c.summary,
  evidence: c.evidence,
  findings: c.findings,
  openedBy: c.opened_by,
  openedAt: c.opened_at,
  investigatingAt: c.investigating_at,
  decidedAt: c.decided_at,
  closedAt: c.closed_at,
  version: c.version,
});

/**
 * Owns `supervision_cases`, `supervision_case_subjects` and `supervision_penalties`. Three statements are read models
 * over other modules' tables, declared as such: `subjectsWithNames` (organizations, experts), `existingExperts`
 * (experts) and `fineBaseAmounts` (tenders, awards). Every method takes the caller's EntityManager (its transaction).
 */
@Injectable()
export class SupervisionCasesRepository {
  /** One opening of the same request at a time. */
  async lockRequest(m: EntityManager, requestSha256: string): Promise<void> {
    await m.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7))`, [`supervision-case:${requestSha256}`]);
  }

  /** The case not yet closed that this request opened, or null. */
  async findOpenByRequest(m: EntityManager, requestSha256: string): Promise<string | null> {
    const [existing]: Array<{ id: string }> = await m.query(`SELECT id FROM supervision_cases WHERE request_sha256 = $1 AND status <> 'CLOSED'`, [requestSha256]);
    return existing ? existing.id : null;
  }

  /** Opens a case with its subjects (in their order); returns its id. */
  async insert(m: EntityManager, c: NewCase, subjects: CaseSubjectRef[]): Promise<string> {
    const [row]: Array<{ id: string }> = await m.query(
      `INSERT INTO supervision_cases (tender_id, flag_codes, summary, evidence, request_sha256, opened_by)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [c.tenderId, c.flagCodes, c.summary, JSON.stringify(c.evidence), c.requestSha256, c.openedBy],
    );
    for (const [i, s] of subjects.entries()) {
      await m.query(`INSERT INTO supervision_case_subjects (case_id, position, organization_id, expert_id) VALUES ($1, $2, $3, $4)`, [row.id, i, s.organizationId, s.expertId]);
    }
    return row.id;
  }

  /** Read model (tenders, for the scope): the cases matching the filter within the scope (`scopeCondition` on alias `st`), newest first: a page of ids and the total. */
  async list(m: EntityManager, filter: CaseFilter, scopeCondition: TenderScopeCondition, page: { limit: number; offset: number }): Promise<{ total: number; ids: string[] }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    if (filter.status) where.push(`c.status = ${p(filter.status)}`);
    if (filter.tenderId) where.push(`c.tender_id = ${p(filter.tenderId)}::uuid`);
    if (filter.organizationId) where.push(`EXISTS (SELECT 1 FROM supervision_case_subjects s WHERE s.case_id = c.id AND s.organization_id = ${p(filter.organizationId)}::uuid)`);
    const cond = scopeCondition('st', p);
    if (cond) where.push(`c.tender_id IN (SELECT st.id FROM tenders st WHERE ${cond})`);
    const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }]: Array<{ total: number }> = await m.query(`SELECT count(*)::int AS total FROM supervision_cases c ${w}`, params);
    const rows: Array<{ id: string }> = await m.query(
      `SELECT c.id FROM supervision_cases c ${w} ORDER BY c.opened_at DESC, c.id LIMIT ${p(page.limit)} OFFSET ${p(page.offset)}`,
      params,
    );
    return { total, ids: rows.map((r) => r.id) };
  }

  /** The debarment of the organisation in force now (database clock), the longest-running first, or null. */
  async activeDebarment(m: EntityManager, organizationId: string): Promise<{ caseId: string; effectiveUntil: Date; legalBasis: string } | null> {
    const [row]: Array<{ case_id: string; effective_until: Date; legal_basis: string }> = await m.query(
      `SELECT p.case_id, p.effective_until, p.legal_basis FROM supervision_penalties p
       WHERE p.organization_id = $1 AND p.type = 'DEBARMENT' AND p.effective_from <= clock_timestamp() AND p.effective_until > clock_timestamp()
       ORDER BY p.effective_until DESC LIMIT 1`,
      [organizationId],
    );
    return row ? { caseId: row.case_id, effectiveUntil: row.effective_until, legalBasis: row.legal_basis } : null;
  }

  /** The case's tender, or null for an unknown case. */
  async tenderOf(m: EntityManager, id: string): Promise<string | null> {
    const [row]: Array<{ tender_id: string }> = await m.query(`SELECT tender_id FROM supervision_cases WHERE id = $1`, [id]);
    return row ? row.tender_id : null;
  }

  /** The case, locked (FOR UPDATE), or null. */
  async lock(m: EntityManager, id: string): Promise<CaseRecord | null> {
    const [row]: CaseRow[] = await m.query(`SELECT * FROM supervision_cases WHERE id = $1 FOR UPDATE`, [id]);
    return row ? toRecord(row) : null;
  }

  async find(m: EntityManager, id: string): Promise<CaseRecord | null> {
    const [c]: CaseRow[] = await m.query(`SELECT * FROM supervision_cases WHERE id = $1`, [id]);
    return c ? toRecord(c) : null;
  }

  /** Read model (organizations, experts): the case's subjects in their order, with their names. */
  async subjectsWithNames(m: EntityManager, caseId: string): Promise<CaseSubjectRecord[]> {
    const rows: Array<{ organization_id: string | null; expert_id: string | null; org_name: string | null; expert_name: string | null }> = await m.query(
      `SELECT s.organization_id, s.expert_id, o.name AS org_name, e.name AS expert_name
       FROM supervision_case_subjects s
       LEFT JOIN organizations o ON o.id = s.organization_id
       LEFT JOIN experts e ON e.id = s.expert_id
       WHERE s.case_id = $1 ORDER BY s.position`,
      [caseId],
    );
    return rows.map((s) => ({ organizationId: s.organization_id, expertId: s.expert_id, organizationName: s.org_name, expertName: s.expert_name }));
  }

  /** The case's subjects (any order). */
  async subjects(m: EntityManager, caseId: string): Promise<CaseSubjectRef[]> {
    const rows: Array<{ organization_id: string | null; expert_id: string | null }> = await m.query(
      `SELECT organization_id, expert_id FROM supervision_case_subjects WHERE case_id = $1`,
      [caseId],
    );
    return rows.map((s) => ({ organizationId: s.organization_id, expertId: s.expert_id }));
  }

  /** The case's penalties in their order. */
  async penalties(m: EntityManager, caseId: string): Promise<PenaltyRecord[]> {
    const rows: Array<{
      id: string;
      organization_id: string | null;
      expert_id: string | null;
      type: string;
      ground: string;
      fine_amount: string | null;
      fine_base: string | null;
      fine_base_source: string | null;
      debarment_months: number | null;
      effective_from: Date | null;
      effective_until: Date | null;
      legal_basis: string;
    }> = await m.query(
      `SELECT id, organization_id, expert_id, type, ground, fine_amount::text, fine_base::text, fine_base_source, debarment_months,
              effective_from, effective_until, legal_basis
       FROM supervision_penalties WHERE case_id = $1 ORDER BY position`,
      [caseId],
    );
    return rows.map((p) => ({
      id: p.id,
      organizationId: p.organization_id,
      expertId: p.expert_id,
      type: p.type,
      ground: p.ground,
      fineAmount: p.fine_amount,
      fineBase: p.fine_base,
      fineBaseSource: p.fine_base_source,
      debarmentMonths: p.debarment_months,
      effectiveFrom: p.effective_from,
      effectiveUntil: p.effective_until,
      legalBasis: p.legal_basis,
    }));
  }

  /** The case's penalties in their order, by what a repeated decision is compared on. */
  async penaltyFingerprints(m: EntityManager, caseId: string): Promise<PenaltyFingerprint[]> {
    const rows: Array<{ organization_id: string | null; expert_id: string | null; type: string; ground: string; fine_amount: string | null; debarment_months: number | null }> =
      await m.query(`SELECT organization_id, expert_id, type, ground, fine_amount::text, debarment_months FROM supervision_penalties WHERE case_id = $1 ORDER BY position`, [
        caseId,
      ]);
    return rows.map((r) => ({
      organizationId: r.organization_id,
      expertId: r.expert_id,
      type: r.type,
      ground: r.ground,
      fineAmount: r.fine_amount,
      debarmentMonths: r.debarment_months,
    }));
  }

  /** Read model (experts): which of these experts exist. */
  async existingExperts(m: EntityManager, expertIds: string[]): Promise<Set<string>> {
    const rows: Array<{ id: string }> = await m.query(`SELECT id FROM experts WHERE id = ANY($1::uuid[])`, [expertIds]);
    return new Set(rows.map((r) => r.id));
  }

  /** Read model (tenders, awards): the tender's regime, budget, and its active award's contract amount and price. */
  async fineBaseAmounts(m: EntityManager, tenderId: string): Promise<FineBaseAmounts> {
    const [t]: Array<{ regime: 'ENGINEERING' | 'GOV_PROCUREMENT'; budget: string; contract_amount: string | null; price: string | null }> = await m.query(
      `SELECT t.regime, t.budget::text, a.contract_amount::text, a.price::text
       FROM tenders t LEFT JOIN awards a ON a.tender_id = t.id AND a.status <> 'DEFAULTED'
       WHERE t.id = $1`,
      [tenderId],
    );
    return { regime: t.regime, budget: t.budget, contractAmount: t.contract_amount, awardPrice: t.price };
  }

  /**
   * Moves the case to `to` with its findings (database clock); `stamp` is the column of the status entered (when it
   * changes), `decidedBy` is recorded on DECIDED.
   */
  async updateStatus(
    m: EntityManager,
    kase: { id: string; status: CaseStatus },
    to: CaseStatus,
    findings: string | null,
    stamp: 'investigating_at' | 'decided_at' | 'closed_at' | null,
    decidedBy: string,
  ): Promise<void> {
    await m.query(
      `UPDATE supervision_cases SET status = $2, findings = $3, version = version + 1, updated_at = clock_timestamp()
              ${stamp && to !== kase.status ? `, ${stamp} = clock_timestamp()` : ''}
              ${to === 'DECIDED' ? ', decided_by = $4' : ''}
       WHERE id = $1`,
      to === 'DECIDED' ? [kase.id, to, findings, decidedBy] : [kase.id, to, findings],
    );
  }

  /** Records the decided penalties in their order; a debarment runs from the decision, by the database clock, for whole months. */
  async insertPenalties(m: EntityManager, caseId: string, penalties: CheckedPenalty[]): Promise<void> {
    for (const [i, p] of penalties.entries()) {
      await m.query(
        `INSERT INTO supervision_penalties (case_id, position, organization_id, expert_id, type, ground, fine_amount, fine_base, fine_base_source,
                                            debarment_months, effective_from, effective_until, legal_basis)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, clock_timestamp(),
                 CASE WHEN $10::int IS NULL THEN NULL ELSE clock_timestamp() + make_interval(months => $10::int) END, $11)`,
        [caseId, i, p.organizationId ?? null, p.expertId ?? null, p.type, p.ground, p.fineAmount ?? null, p.fineBase, p.fineBaseSource, p.debarmentMonths ?? null, p.legalBasis],
      );
    }
  }
}
