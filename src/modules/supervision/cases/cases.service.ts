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
import { CaseRecord, PenaltyRecord, SupervisionCasesRepository } from './supervision-cases.repository';

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
    private readonly cases: SupervisionCasesRepository,
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
      await this.cases.lockRequest(m, requestSha256);
      const existing = await this.cases.findOpenByRequest(m, requestSha256);
      if (existing) return { ...(await this.view(m, existing, actor)), created: false };
      await this.flags.head(m, dto.tenderId); // 404 for an unknown tender
      await this.assertSubjectsExist(m, subjects);
      const evidence = await this.evidenceOf(m, dto.tenderId, flagCodes, actor);
      const id = await this.cases.insert(
        m,
        { tenderId: dto.tenderId, flagCodes, summary: dto.summary.trim(), evidence, requestSha256, openedBy: actor.userId },
        subjects.map((s) => ({ organizationId: s.organizationId ?? null, expertId: s.expertId ?? null })),
      );
      await this.audit.append(m, {
        actor,
        action: 'SUPERVISION_CASE_OPENED',
        objectType: 'supervision_case',
        objectId: id,
        tenderId: dto.tenderId,
        data: { flagCodes, subjects, flagIds: evidence.map((f) => f.id) },
      });
      return { ...(await this.view(m, id, actor)), created: true };
    });
  }

  /** The case keeps the evidence of the flags it was opened on; each code must be a flag of the tender. */
  private async evidenceOf(m: EntityManager, tenderId: string, flagCodes: string[], actor: Actor): Promise<FlagView[]> {
    const evidence = await this.flags.snapshot(m, tenderId, flagCodes as FlagView['code'][], actor);
    const missing = flagCodes.filter((c) => !evidence.some((f) => f.code === c));
    if (missing.length) {
      throw SupervisionException.invalid([{ field: 'flagCodes', errors: [`the tender has no flag ${missing.join(', ')} (flags exist only after opening)`] }]);
    }
    return evidence;
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
    const m = this.tx.manager;
    // A scoped supervisor lists the cases of its jurisdiction's (and trades') tenders only.
    const scope = await this.jurisdictions.scopeOf(m, actor);
    const { total, ids } = await this.cases.list(
      m,
      { status: q.status, tenderId: q.tenderId, organizationId: q.organizationId },
      (alias, p) => this.jurisdictions.tenderCondition(scope, alias, p),
      { limit: q.pageSize, offset: (q.page - 1) * q.pageSize },
    );
    const items: CaseView[] = [];
    for (const id of ids) items.push(await this.view(m, id, actor));
    return { items, total };
  }

  /**
   * The debarment in force for an organisation now (TBR Arts. 67–68; GPL Art. 77), by the database clock, or null.
   * For the bids module to refuse a debarred bidder (not wired there yet: see the module's report).
   */
  async activeDebarment(m: EntityManager, organizationId: string): Promise<{ caseId: string; until: string; legalBasis: string } | null> {
    const row = await this.cases.activeDebarment(m, organizationId);
    return row ? { caseId: row.caseId, until: new Date(row.effectiveUntil).toISOString(), legalBasis: row.legalBasis } : null;
  }

  /** 404 when the case's tender is outside the supervisor's scope (as if the case did not exist). */
  async assertCaseInScope(m: EntityManager, id: string, actor: Actor): Promise<void> {
    const tenderId = await this.cases.tenderOf(m, id);
    if (!tenderId) throw SupervisionException.notFound('The case');
    await this.jurisdictions.assertTenderInScope(m, actor, tenderId, 'The case');
  }

  async lock(m: EntityManager, id: string): Promise<CaseRecord> {
    const row = await this.cases.lock(m, id);
    if (!row) throw SupervisionException.notFound('The case');
    return row;
  }

  /** `actor`: a scoped supervisor reads the history flags of the evidence restricted to its scope (FlagsService). */
  async view(m: EntityManager, id: string, actor: Actor | null = null): Promise<CaseView> {
    const c = await this.cases.find(m, id);
    if (!c) throw SupervisionException.notFound('The case');
    const subjects = await this.cases.subjectsWithNames(m, id);
    const penalties = await this.cases.penalties(m, id);
    return {
      id: c.id,
      tenderId: c.tenderId,
      status: c.status,
      flagCodes: c.flagCodes,
      summary: c.summary,
      evidence: await this.flags.restrictViews(m, actor, c.evidence),
      subjects: subjects.map((s) =>
        s.organizationId ? { organizationId: s.organizationId, name: s.organizationName ?? '' } : { expertId: s.expertId!, name: s.expertName ?? '' },
      ),
      findings: c.findings,
      penalties: penalties.map(penaltyView),
      openedBy: c.openedBy,
      openedAt: iso(c.openedAt)!,
      investigatingAt: iso(c.investigatingAt),
      decidedAt: iso(c.decidedAt),
      closedAt: iso(c.closedAt),
      version: c.version,
    };
  }

  private async assertSubjectsExist(m: EntityManager, subjects: Array<{ organizationId?: string; expertId?: string }>): Promise<void> {
    const orgs = subjects.flatMap((s) => (s.organizationId ? [s.organizationId] : []));
    const experts = subjects.flatMap((s) => (s.expertId ? [s.expertId] : []));
    const foundOrgs = new Set((await this.organizations.findByIds(m, orgs)).keys());
    const foundExperts = await this.cases.existingExperts(m, experts);
    const errors = subjects.flatMap((s, i) =>
      (s.organizationId && !foundOrgs.has(s.organizationId)) || (s.expertId && !foundExperts.has(s.expertId))
        ? [{ field: `subjects.${i}`, errors: ['no such organisation or expert'] }]
        : [],
    );
    if (errors.length) throw SupervisionException.invalid(errors);
  }
}

function penaltyView(p: PenaltyRecord): PenaltyView {
  return {
    id: p.id,
    organizationId: p.organizationId,
    expertId: p.expertId,
    type: p.type,
    ground: p.ground,
    fineAmount: p.fineAmount === null ? null : normalizeMoney(p.fineAmount),
    fineBase: p.fineBase === null ? null : normalizeMoney(p.fineBase),
    fineBaseSource: p.fineBaseSource,
    debarmentMonths: p.debarmentMonths,
    effectiveFrom: iso(p.effectiveFrom),
    effectiveUntil: iso(p.effectiveUntil),
    legalBasis: p.legalBasis,
  };
}
