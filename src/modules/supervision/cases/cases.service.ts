import { Injectable } from '@nestjs/common';
import { createHash } from 'crypto';
import { EntityManager } from 'typeorm';
import { Actor } from 'src/common/auth/actor';
import { canonicalJson } from 'src/modules/audit/canonical-json';
import { normalizeMoney } from 'src/common/money/money';
import { Page } from 'src/common/http/page-query.dto';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { AuditService } from '../../audit/audit.service';
import { FlagsService, FlagView } from '../flags/flags.service';
import { JurisdictionsService } from '../../jurisdictions/jurisdictions.service';
import { SupervisionException } from '../supervision.exception';
import { CaseQueryDto, CaseStatus, CreateCaseDto } from './dto/case.dto';
import { OrganizationsRepository } from 'src/modules/identity/organizations.repository';

export interface CaseSubjectView {
  organizationId?: string;
  expertId?: string;
  name: string;
}

export interface PenaltyView {
  id: string;
  organizationId: string | null;
  expertId: string | null;
  type: string;
  ground: string;
  fineAmount: string | null;
  fineBase: string | null;
  fineBaseSource: string | null;
  debarmentMonths: number | null;
  effectiveFrom: string | null;
  effectiveUntil: string | null;
  legalBasis: string;
}

export interface CaseView {
  id: string;
  tenderId: string;
  status: CaseStatus;
  flagCodes: string[];
  summary: string;
  /** The flags the case was opened on, as they stood then (flags are recomputed; the case keeps its evidence). */
  evidence: FlagView[];
  subjects: CaseSubjectView[];
  findings: string | null;
  penalties: PenaltyView[];
  openedBy: string;
  openedAt: string;
  investigatingAt: string | null;
  decidedAt: string | null;
  closedAt: string | null;
  version: number;
}

export interface CaseRow {
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

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/**
 * Supervision cases (监督案件): opened by a supervisor on a tender, its flags and subjects (companies, experts);
 * worked OPEN → INVESTIGATING → DECIDED → CLOSED (UpdateCaseUseCase). Every change is audited on the tender's chain.
 */
@Injectable()
export class CasesService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly audit: AuditService,
    private readonly flags: FlagsService,
    private readonly jurisdictions: JurisdictionsService,
    private readonly organizations: OrganizationsRepository,
  ) {}

  /**
   * POST /supervision/cases. Idempotent: the same request (tender, codes, subjects, summary) while the case is not
   * closed returns the same case (`created: false`).
   */
  async open(dto: CreateCaseDto, actor: Actor): Promise<CaseView & { created: boolean }> {
    const subjects = dto.subjects.map((s, i) => {
      if ((s.organizationId === undefined) === (s.expertId === undefined)) {
        throw SupervisionException.invalid([{ field: `subjects.${i}`, errors: ['name exactly one of organizationId or expertId'] }]);
      }
      return s.organizationId ? { organizationId: s.organizationId } : { expertId: s.expertId! };
    });
    const key = (s: { organizationId?: string; expertId?: string }) => s.organizationId ?? `e:${s.expertId}`;
    if (new Set(subjects.map(key)).size !== subjects.length) {
      throw SupervisionException.invalid([{ field: 'subjects', errors: ['each subject once'] }]);
    }
    const flagCodes = [...dto.flagCodes].sort();
    const requestSha256 = createHash('sha256')
      .update(canonicalJson({ tenderId: dto.tenderId, flagCodes, subjects: [...subjects].sort((a, b) => (key(a) < key(b) ? -1 : 1)), summary: dto.summary.trim() }))
      .digest('hex');
    return this.tx.run(async (m) => {
      // A tender outside the supervisor's jurisdiction or trades is as unknown (TBR Art. 4 ¶2 (not in regulations.md; from the statute text)) — checked before the
      // idempotent replay, which would otherwise hand another county's case back.
      await this.jurisdictions.assertTenderInScope(m, actor, dto.tenderId);
      await m.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7))`, [`supervision-case:${requestSha256}`]);
      const [existing] = await m.query(`SELECT id FROM supervision_cases WHERE request_sha256 = $1 AND status <> 'CLOSED'`, [requestSha256]);
      if (existing) return { ...(await this.view(m, existing.id, actor)), created: false };
      await this.flags.head(m, dto.tenderId); // 404 for an unknown tender
      await this.assertSubjectsExist(m, subjects);
      // The case keeps the evidence of the flags it was opened on.
      const evidence = await this.flags.snapshot(m, dto.tenderId, flagCodes as FlagView['code'][], actor);
      const missing = flagCodes.filter((c) => !evidence.some((f) => f.code === c));
      if (missing.length) {
        throw SupervisionException.invalid([{ field: 'flagCodes', errors: [`the tender has no flag ${missing.join(', ')} (flags exist only after opening)`] }]);
      }
      const [row] = await m.query(
        `INSERT INTO supervision_cases (tender_id, flag_codes, summary, evidence, request_sha256, opened_by)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
        [dto.tenderId, flagCodes, dto.summary.trim(), JSON.stringify(evidence), requestSha256, actor.userId],
      );
      for (const [i, s] of subjects.entries()) {
        await m.query(`INSERT INTO supervision_case_subjects (case_id, position, organization_id, expert_id) VALUES ($1, $2, $3, $4)`, [
          row.id,
          i,
          s.organizationId ?? null,
          s.expertId ?? null,
        ]);
      }
      await this.audit.append(m, {
        actor,
        action: 'SUPERVISION_CASE_OPENED',
        objectType: 'supervision_case',
        objectId: row.id,
        tenderId: dto.tenderId,
        data: { flagCodes, subjects, flagIds: evidence.map((f) => f.id) },
      });
      return { ...(await this.view(m, row.id, actor)), created: true };
    });
  }

  async get(id: string, actor: Actor): Promise<CaseView> {
    return this.tx.run(async (m) => {
      const view = await this.view(m, id, actor);
      await this.jurisdictions.assertTenderInScope(m, actor, view.tenderId, 'The case');
      await this.audit.append(m, { actor, action: 'SUPERVISION_CASE_READ', objectType: 'supervision_case', objectId: id, tenderId: view.tenderId, data: {} });
      return view;
    });
  }

  async list(q: CaseQueryDto, actor: Actor | null = null): Promise<Page<CaseView>> {
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    if (q.status) where.push(`c.status = ${p(q.status)}`);
    if (q.tenderId) where.push(`c.tender_id = ${p(q.tenderId)}::uuid`);
    if (q.organizationId) where.push(`EXISTS (SELECT 1 FROM supervision_case_subjects s WHERE s.case_id = c.id AND s.organization_id = ${p(q.organizationId)}::uuid)`);
    const m = this.tx.manager;
    // A scoped supervisor lists the cases of its jurisdiction's (and trades') tenders only.
    const cond = this.jurisdictions.tenderCondition(await this.jurisdictions.scopeOf(m, actor), 'st', p);
    if (cond) where.push(`c.tender_id IN (SELECT st.id FROM tenders st WHERE ${cond})`);
    const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = await m.query(`SELECT count(*)::int AS total FROM supervision_cases c ${w}`, params);
    const rows: Array<{ id: string }> = await m.query(
      `SELECT c.id FROM supervision_cases c ${w} ORDER BY c.opened_at DESC, c.id LIMIT ${p(q.pageSize)} OFFSET ${p((q.page - 1) * q.pageSize)}`,
      params,
    );
    const items: CaseView[] = [];
    for (const r of rows) items.push(await this.view(m, r.id, actor));
    return { items, total };
  }

  /**
   * The debarment in force for an organisation now (TBR Arts. 67–68; GPL Art. 77), by the database clock, or null.
   * For the bids module to refuse a debarred bidder (not wired there yet: see the module's report).
   */
  async activeDebarment(m: EntityManager, organizationId: string): Promise<{ caseId: string; until: string; legalBasis: string } | null> {
    const [row] = await m.query(
      `SELECT p.case_id, p.effective_until, p.legal_basis FROM supervision_penalties p
       WHERE p.organization_id = $1 AND p.type = 'DEBARMENT' AND p.effective_from <= clock_timestamp() AND p.effective_until > clock_timestamp()
       ORDER BY p.effective_until DESC LIMIT 1`,
      [organizationId],
    );
    return row ? { caseId: row.case_id, until: new Date(row.effective_until).toISOString(), legalBasis: row.legal_basis } : null;
  }

  /** 404 when the case's tender is outside the supervisor's scope (as if the case did not exist). */
  async assertCaseInScope(m: EntityManager, id: string, actor: Actor): Promise<void> {
    const [row]: Array<{ tender_id: string }> = await m.query(`SELECT tender_id FROM supervision_cases WHERE id = $1`, [id]);
    if (!row) throw SupervisionException.notFound('The case');
    await this.jurisdictions.assertTenderInScope(m, actor, row.tender_id, 'The case');
  }

  async lock(m: EntityManager, id: string): Promise<CaseRow> {
    const [row]: CaseRow[] = await m.query(`SELECT * FROM supervision_cases WHERE id = $1 FOR UPDATE`, [id]);
    if (!row) throw SupervisionException.notFound('The case');
    return row;
  }

  /** `actor`: a scoped supervisor reads the history flags of the evidence restricted to its scope (FlagsService). */
  async view(m: EntityManager, id: string, actor: Actor | null = null): Promise<CaseView> {
    const [c]: CaseRow[] = await m.query(`SELECT * FROM supervision_cases WHERE id = $1`, [id]);
    if (!c) throw SupervisionException.notFound('The case');
    const subjects: Array<{ organization_id: string | null; expert_id: string | null; org_name: string | null; expert_name: string | null }> = await m.query(
      `SELECT s.organization_id, s.expert_id, o.name AS org_name, e.name AS expert_name
       FROM supervision_case_subjects s
       LEFT JOIN organizations o ON o.id = s.organization_id
       LEFT JOIN experts e ON e.id = s.expert_id
       WHERE s.case_id = $1 ORDER BY s.position`,
      [id],
    );
    const penalties: Array<Record<string, unknown>> = await m.query(
      `SELECT id, organization_id, expert_id, type, ground, fine_amount::text, fine_base::text, fine_base_source, debarment_months,
              effective_from, effective_until, legal_basis
       FROM supervision_penalties WHERE case_id = $1 ORDER BY position`,
      [id],
    );
    return {
      id: c.id,
      tenderId: c.tender_id,
      status: c.status,
      flagCodes: c.flag_codes,
      summary: c.summary,
      evidence: await this.flags.restrictViews(m, actor, c.evidence),
      subjects: subjects.map((s) => (s.organization_id ? { organizationId: s.organization_id, name: s.org_name ?? '' } : { expertId: s.expert_id!, name: s.expert_name ?? '' })),
      findings: c.findings,
      penalties: penalties.map((p) => ({
        id: p.id as string,
        organizationId: p.organization_id as string | null,
        expertId: p.expert_id as string | null,
        type: p.type as string,
        ground: p.ground as string,
        fineAmount: p.fine_amount === null ? null : normalizeMoney(p.fine_amount as string),
        fineBase: p.fine_base === null ? null : normalizeMoney(p.fine_base as string),
        fineBaseSource: p.fine_base_source as string | null,
        debarmentMonths: p.debarment_months as number | null,
        effectiveFrom: iso(p.effective_from as Date | null),
        effectiveUntil: iso(p.effective_until as Date | null),
        legalBasis: p.legal_basis as string,
      })),
      openedBy: c.opened_by,
      openedAt: iso(c.opened_at)!,
      investigatingAt: iso(c.investigating_at),
      decidedAt: iso(c.decided_at),
      closedAt: iso(c.closed_at),
      version: c.version,
    };
  }

  private async assertSubjectsExist(m: EntityManager, subjects: Array<{ organizationId?: string; expertId?: string }>): Promise<void> {
    const orgs = subjects.flatMap((s) => (s.organizationId ? [s.organizationId] : []));
    const experts = subjects.flatMap((s) => (s.expertId ? [s.expertId] : []));
    const foundOrgs = new Set((await this.organizations.findByIds(m, orgs)).keys());
    const foundExperts = new Set((await m.query(`SELECT id FROM experts WHERE id = ANY($1::uuid[])`, [experts])).map((r: { id: string }) => r.id));
    const errors = subjects.flatMap((s, i) =>
      (s.organizationId && !foundOrgs.has(s.organizationId)) || (s.expertId && !foundExperts.has(s.expertId))
        ? [{ field: `subjects.${i}`, errors: ['no such organisation or expert'] }]
        : [],
    );
    if (errors.length) throw SupervisionException.invalid(errors);
  }
}
