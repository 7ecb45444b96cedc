import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor } from 'src/common/auth/actor';
import { normalizeMoney } from 'src/common/money/money';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { DomainEvents } from 'src/common/events/domain-events';
import { AuditService } from '../../../audit/audit.service';
import { ExpertsService } from '../../../experts/experts.service';
import { SupervisionException } from '../../supervision.exception';
import { CasesService, CaseView } from '../cases.service';
import { CaseRecord, SupervisionCasesRepository } from '../supervision-cases.repository';
import { CaseStatus, UpdateCaseDto } from '../dto/case.dto';
import { CheckedPenalty, checkPenalties, FineBaseSource } from '../penalty-rules';
import { UseCase } from 'src/common/use-case';

/** The guarded transitions of a case. DECIDED is final but for closing; CLOSED is final. */
export const CASE_TRANSITIONS: Record<CaseStatus, CaseStatus[]> = {
  OPEN: ['INVESTIGATING', 'CLOSED'],
  INVESTIGATING: ['DECIDED', 'CLOSED'],
  DECIDED: ['CLOSED'],
  CLOSED: [],
};

interface Plan {
  kase: CaseRecord;
  to: CaseStatus;
  findings: string | null;
  penalties: CheckedPenalty[];
  /** Nothing to change: the same request again. */
  noop: boolean;
}

/**
 * PATCH /supervision/cases/{id} { status, findings, penalties }: moves a case along its guarded transitions, with
 * findings, and at DECIDED records the penalties (checked against the ranges of TBL Arts. 53–54, TBR Arts. 67–68,
 * GPL Art. 77). A disqualified expert is disabled in the pool through ExpertsService.disableIn (TBR Art. 71), which
 * also vacates its open panel seats. Repeating a request changes nothing.
 *
 * One transaction: the case row is locked and the request checked, the experts are disabled (with their audit events
 * and replacement draws), then the case is decided with its penalties and its audit event. Either all of it commits
 * or none of it: a decision that fails leaves no expert disabled.
 */
export interface UpdateCaseCommand {
  caseId: string;
  dto: UpdateCaseDto;
  actor: Actor;
}

@Injectable()
export class UpdateCaseUseCase implements UseCase<UpdateCaseCommand, CaseView> {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly audit: AuditService,
    private readonly cases: CasesService,
    private readonly experts: ExpertsService,
    private readonly events: DomainEvents,
    private readonly repo: SupervisionCasesRepository,
  ) {}

  async execute({ caseId: id, dto, actor }: UpdateCaseCommand): Promise<CaseView> {
    return this.tx.run(async (m) => {
      await this.cases.assertCaseInScope(m, id, actor);
      const plan = await this.plan(m, id, dto);
      if (plan.noop) return this.cases.view(m, id, actor);
      for (const p of plan.penalties) {
        // TBR Art. 71: an evaluator disqualified by the decision is taken out of the pool, in the decision's transaction.
        if (p.type === 'DISQUALIFICATION' && p.expertId) {
          await this.experts.disableIn(m, p.expertId, `监督案件 ${id} 处理决定：取消评标专家资格 (${p.legalBasis})`, actor);
        }
      }
      await this.apply(m, plan, actor);
      return this.cases.view(m, id, actor);
    });
  }

  private async plan(m: EntityManager, id: string, dto: UpdateCaseDto): Promise<Plan> {
    const kase = await this.cases.lock(m, id);
    const to = dto.status ?? kase.status;
    const findings = dto.findings?.trim() ?? kase.findings;
    const penalties = dto.penalties ?? [];
    if (to === kase.status) {
      // Same status: a repeated request, or new findings while the case is still being worked.
      if (kase.status === 'DECIDED' || kase.status === 'CLOSED') {
        const same = dto.findings === undefined || dto.findings.trim() === kase.findings;
        const samePenalties = dto.penalties === undefined || (await this.samePenalties(m, id, penalties));
        if (same && samePenalties) return { kase, to, findings, penalties: [], noop: true };
        throw SupervisionException.conflict(`The case is ${kase.status}: its findings and penalties no longer change`);
      }
      if (penalties.length) throw SupervisionException.invalid([{ field: 'penalties', errors: ['penalties are decided with status DECIDED'] }]);
      return { kase, to, findings, penalties: [], noop: findings === kase.findings };
    }
    if (!CASE_TRANSITIONS[kase.status].includes(to)) throw SupervisionException.transition(kase.status, to, CASE_TRANSITIONS[kase.status]);
    if ((to === 'DECIDED' || (to === 'CLOSED' && kase.status !== 'DECIDED')) && !findings) {
      throw SupervisionException.invalid([{ field: 'findings', errors: [`findings are required to ${to === 'DECIDED' ? 'decide' : 'close'} a case`] }]);
    }
    if (to !== 'DECIDED' && penalties.length) throw SupervisionException.invalid([{ field: 'penalties', errors: ['penalties are decided with status DECIDED'] }]);
    let checked: CheckedPenalty[] = [];
    if (to === 'DECIDED') {
      const ctx = await this.context(m, kase);
      const result = checkPenalties(penalties, ctx);
      if (result.errors.length) throw SupervisionException.invalid(result.errors);
      checked = result.checked;
    }
    return { kase, to, findings, penalties: checked, noop: false };
  }

  /** Persists the transition and the penalties, then announces them. */
  private async apply(m: EntityManager, plan: Plan, actor: Actor): Promise<void> {
    const { kase, to } = plan;
    const stamp = to === 'INVESTIGATING' ? 'investigating_at' : to === 'DECIDED' ? 'decided_at' : to === 'CLOSED' ? 'closed_at' : null;
    await this.repo.updateStatus(m, kase, to, plan.findings, stamp, actor.userId);
    // A debarment runs from the decision, by the database clock, for whole months.
    await this.repo.insertPenalties(m, kase.id, plan.penalties);
    await this.announce(m, plan, actor);
  }

  /** The audit event of the change; a closed case also announces SupervisionCaseClosed. */
  private async announce(m: EntityManager, plan: Plan, actor: Actor): Promise<void> {
    const { kase, to } = plan;
    await this.audit.append(m, {
      actor,
      action: `SUPERVISION_CASE_${to}`,
      objectType: 'supervision_case',
      objectId: kase.id,
      tenderId: kase.tenderId,
      data: {
        from: kase.status,
        to,
        ...(plan.findings !== kase.findings ? { findings: plan.findings } : {}),
        ...(plan.penalties.length
          ? {
              penalties: plan.penalties.map((p) => ({
                organizationId: p.organizationId ?? null,
                expertId: p.expertId ?? null,
                type: p.type,
                ground: p.ground,
                fineAmount: p.fineAmount ?? null,
                debarmentMonths: p.debarmentMonths ?? null,
                legalBasis: p.legalBasis,
              })),
            }
          : {}),
      },
    });
    // A closed case labels its tender (collusion found or cleared): the market's learning screen is retrained.
    if (to === 'CLOSED' && kase.status !== 'CLOSED') await this.events.emit(m, 'SupervisionCaseClosed', { caseId: kase.id, tenderId: kase.tenderId }, actor);
  }

  /** The regime, the fine base (合同金额 → 中标价 → 预算) and the case's subjects. */
  private async context(m: EntityManager, kase: CaseRecord) {
    const t = await this.repo.fineBaseAmounts(m, kase.tenderId);
    const [fineBase, fineBaseSource]: [string, FineBaseSource] = t.contractAmount
      ? [t.contractAmount, 'CONTRACT_AMOUNT']
      : t.awardPrice
        ? [t.awardPrice, 'AWARD_PRICE']
        : [t.budget, 'BUDGET'];
    const subjects = await this.repo.subjects(m, kase.id);
    return {
      regime: t.regime,
      fineBase: normalizeMoney(fineBase),
      fineBaseSource,
      organizationIds: new Set(subjects.flatMap((s) => (s.organizationId ? [s.organizationId] : []))),
      expertIds: new Set(subjects.flatMap((s) => (s.expertId ? [s.expertId] : []))),
    };
  }

  private async samePenalties(m: EntityManager, caseId: string, penalties: UpdateCaseDto['penalties'] & object): Promise<boolean> {
    const rows = await this.repo.penaltyFingerprints(m, caseId);
    const norm = (x: { o: string | null; e: string | null; t: string; g: string; f: string | null; d: number | null }) => JSON.stringify(x);
    const stored = rows.map((r) =>
      norm({ o: r.organizationId, e: r.expertId, t: r.type, g: r.ground, f: r.fineAmount === null ? null : normalizeMoney(r.fineAmount), d: r.debarmentMonths }),
    );
    const asked = penalties.map((p) =>
      norm({ o: p.organizationId ?? null, e: p.expertId ?? null, t: p.type, g: p.ground, f: p.fineAmount ? normalizeMoney(p.fineAmount) : null, d: p.debarmentMonths ?? null }),
    );
    return stored.length === asked.length && stored.every((s, i) => s === asked[i]);
  }
}
