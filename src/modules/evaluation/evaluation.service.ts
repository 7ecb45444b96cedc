import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { ForbiddenException, NotFoundException, ValidationFailedException } from 'src/common/errors/domain.exception';
import { compareMoney } from 'src/common/money/money';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { AuditService } from '../audit/audit.service';
import { BidsQueryService } from '../bids/bids-query.service';
import { checkPanelComposition } from '../experts/draw/panel-composition';
import { PanelService } from '../experts/panel.service';
import { TenderStatus } from '../tenders/tender.enums';
import { TendersService } from '../tenders/tenders.service';
import { CompetitionDecisionDto, EvaluationRulesDto, ScoreDto, SignDto } from './dto/evaluation.dto';
import { EvaluationSignatureEntity } from './entities/evaluation-signature.entity';
import { EvaluationVerdictEntity } from './entities/evaluation-verdict.entity';
import { EvaluationContext } from './evaluation-context';
import { EvaluationException } from './evaluation.exception';
import { checkVerdict, RejectionGround } from './scoring/evaluation-engine';
import { checkFindings, CriterionFinding } from './qualification/post-qualification';
import { FinalizeEvaluationUseCase, FinalizeResult } from './use-cases/finalize-evaluation.use-case';
import { DEFAULT_LOT_NO } from '../tenders/tender-lots';
import { EvaluationLots, lotEvaluationTerms } from './evaluation-lots';
import { EvaluationsRepository } from './evaluations.repository';
import { ClarificationsRepository } from './clarifications.repository';
import { DomainEventMap, OnEvent } from 'src/common/events/domain-events';

export interface VerdictView {
  bidId: string;
  qualified: boolean;
  reasons: string[];
  grounds: string[];
  factorScores: Record<string, number> | null;
  locked: boolean;
  updatedAt: string;
}

export interface EvaluationStatusView {
  tenderId: string;
  status: string;
  round: number;
  seats: number;
  sitting: number;
  invited: number;
  signed: number;
  reportVersion: number | null;
  finishedAt: string | null;
}

/**
 * The committee's work: reading the opened bids, each member's independent verdicts (qualification with reasons,
 * factor scores within the published maxima), signing — which locks the member's verdicts (MOF87 Art. 64) — and
 * the decision on insufficient competition. The last signature closes the evaluation (FinalizeEvaluationUseCase).
 */
@Injectable()
export class EvaluationService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly audit: AuditService,
    private readonly ctx: EvaluationContext,
    private readonly panels: PanelService,
    private readonly bids: BidsQueryService,
    private readonly finalize: FinalizeEvaluationUseCase,
    private readonly tenders: TendersService,
    private readonly evaluations: EvaluationsRepository,
    private readonly clarifications: ClarificationsRepository,
    private readonly lots: EvaluationLots,
  ) {}

  @OnEvent('TenderEnteredEvaluation')
  async onTenderEnteredEvaluation(m: EntityManager, { tenderId }: DomainEventMap['TenderEnteredEvaluation']): Promise<void> {
    await this.start(m, tenderId);
  }

  /**
   * A sitting member left the committee (recused, penalised): its verdicts and signature are void, its replacement
   * evaluates again (TBR Art. 48). A pending decision on competition waits for the new member.
   */
  @OnEvent('PanelMemberLeft')
  async onPanelMemberLeft(m: EntityManager, { tenderId, memberId }: DomainEventMap['PanelMemberLeft'], actor: Actor): Promise<void> {
    await this.evaluations.voidConclusionsOf(m, tenderId, memberId);
    await this.audit.append(m, {
      actor,
      action: 'EVALUATION_CONCLUSIONS_VOID',
      objectType: 'panel_member',
      objectId: memberId,
      tenderId,
      data: { reason: 'the member left the committee (TBR Art. 48)' },
    });
  }

  /** The tender entered EVALUATION (in the opening's transaction). Idempotent. */
  async start(m: EntityManager, tenderId: string): Promise<void> {
    await this.evaluations.start(m, tenderId);
  }

  /**
   * GET /tenders/{id}/evaluation/bids: the opened bids as the committee evaluates them (audited read). One committee
   * evaluates every lot (标段): on a tender with lots each bid names its `lotNo`, and its ceiling is its lot's
   * (evaluation-lots.ts). `lotNo` (GET /tenders/{id}/lots/{lotNo}/evaluation/bids): that lot's bids only.
   */
  async panelBids(tenderId: string, actor: Actor, lotNo?: number) {
    return this.tx.run(async (m) => {
      const { tender, member } = await this.ctx.sitting(m, tenderId, actor, false);
      const lots = await this.lots.all(m, tender);
      if (lotNo !== undefined && !lots.some((l) => l.lotNo === lotNo)) throw new NotFoundException('The lot');
      const lotOf = await this.lots.ofBids(m, tenderId);
      const lotted = lots[0].lotted;
      const ceilingOf = new Map(lots.map((l) => [l.lotNo, lotEvaluationTerms(this.ctx.terms(tender), l).priceCeiling]));
      const opened = (await this.bids.openedBids(tenderId, m)).filter((b) => lotNo === undefined || (lotOf.get(b.bidId) ?? DEFAULT_LOT_NO) === lotNo);
      await this.audit.append(m, {
        actor,
        action: 'EVALUATION_BIDS_READ',
        objectType: 'tender',
        objectId: tenderId,
        tenderId,
        data: { memberId: member.id, ...(lotNo !== undefined ? { lotNo } : {}) },
      });
      return opened.map((b) => {
        const bidLot = lotOf.get(b.bidId) ?? DEFAULT_LOT_NO;
        const ceiling = ceilingOf.get(bidLot) ?? tender.priceCeiling;
        return {
          bidId: b.bidId,
          ...(lotted ? { lotNo: bidLot } : {}),
          bidderName: b.bidderName,
          price: b.price,
          ...(b.durationDays !== null ? { durationDays: b.durationDays } : {}),
          attachments: b.attachments,
          status: b.status,
          evaluated: b.status === 'DECRYPTED' && b.price !== null,
          // TBR Art. 51(5): a price above the ceiling is rejected whatever the verdicts
          aboveCeiling: b.price !== null && ceiling !== null && compareMoney(b.price, ceiling) > 0,
        };
      });
    });
  }

  /** POST /tenders/{id}/evaluation/scores: records (or corrects, before signing) the member's verdict on one bid. */
  async score(tenderId: string, dto: ScoreDto, actor: Actor): Promise<VerdictView> {
    return this.tx.run(async (m) => {
      const { tender, evaluation, member } = await this.ctx.sitting(m, tenderId, actor, true);
      if (await this.hasSigned(m, member.id, evaluation.round)) throw EvaluationException.locked();
      const opened = await this.bids.openedBids(tenderId, m);
      const bid = opened.find((b) => b.bidId === dto.bidId);
      if (!bid) throw new NotFoundException('The bid');
      if (bid.status !== 'DECRYPTED') throw EvaluationException.notOpen(`The bid is ${bid.status}: it is not evaluated (EB20 Art. 31)`);
      const factorScores = dto.factorScores ? Object.fromEntries(Object.entries(dto.factorScores).map(([k, v]) => [k, String(v)])) : null;
      // 资格后审 with published criteria (TBR Arts. 20, 49): every criterion found, and qualified follows the findings.
      const published = tender.qualificationCriteria ?? [];
      const criteriaProblems = checkFindings(published, dto.criteria);
      if (criteriaProblems.length) throw EvaluationException.criteria('The findings must cover exactly the published qualification criteria', criteriaProblems);
      const notMet = (dto.criteria ?? []).filter((f) => !f.met);
      if (dto.qualified && notMet.length) {
        throw new ValidationFailedException([
          { field: 'qualified', errors: [`criteria not met (${notMet.map((f) => f.code).join(', ')}): the bid is not qualified (TBR Art. 51(3))`] },
        ]);
      }
      const verdict = {
        qualified: dto.qualified,
        reasons: dto.reasons ?? notMet.map((f) => `${f.code}：${f.reason}`),
        grounds: dto.grounds ?? (notMet.length ? [RejectionGround.QUALIFICATION_NOT_MET] : []),
        factorScores,
      };
      const problems = checkVerdict(this.ctx.terms(tender), verdict);
      if (problems.length) throw new ValidationFailedException(problems);
      const findingsChanged = published.length ? await this.storeFindings(m, tenderId, member.id, dto.bidId, dto.criteria!) : false;
      const existing = await m.findOneBy(EvaluationVerdictEntity, { memberId: member.id, bidId: dto.bidId });
      const same =
        existing &&
        !existing.void &&
        existing.qualified === verdict.qualified &&
        JSON.stringify(existing.reasons) === JSON.stringify(verdict.reasons) &&
        JSON.stringify(existing.grounds) === JSON.stringify(verdict.grounds) &&
        JSON.stringify(existing.factorScores) === JSON.stringify(verdict.factorScores);
      if (!same || findingsChanged) {
        await this.evaluations.upsertVerdict(m, { tenderId, memberId: member.id, bidId: dto.bidId, ...verdict });
        await this.audit.append(m, {
          actor,
          action: existing ? 'EVALUATION_VERDICT_CORRECTED' : 'EVALUATION_VERDICT_RECORDED',
          objectType: 'evaluation_verdict',
          objectId: `${member.id}:${dto.bidId}`,
          tenderId,
          data: { memberId: member.id, bidId: dto.bidId, ...verdict, ...(published.length ? { criteria: dto.criteria } : {}) },
        });
      }
      return toView(await m.findOneByOrFail(EvaluationVerdictEntity, { memberId: member.id, bidId: dto.bidId }));
    });
  }

  /** Upserts a member's criterion findings on a bid; true when anything changed. */
  private async storeFindings(m: EntityManager, tenderId: string, memberId: string, bidId: string, findings: CriterionFinding[]): Promise<boolean> {
    const before = await this.evaluations.findingsOn(m, tenderId, memberId, bidId);
    const same = before.length === findings.length && findings.every((f) => before.some((b) => b.criterionCode === f.code && b.met === f.met && b.reason === f.reason));
    if (same) return false;
    for (const f of findings) {
      await this.evaluations.upsertFinding(m, tenderId, { memberId, bidId, criterionCode: f.code, met: f.met, reason: f.reason });
    }
    return true;
  }

  /** GET /tenders/{id}/evaluation/scores/mine: the member's own verdicts (each member scores independently). */
  async mine(tenderId: string, actor: Actor): Promise<{ signed: boolean; signedAt: string | null; verdicts: VerdictView[] }> {
    const m = this.tx.manager;
    const { member, evaluation } = await this.ctx.sitting(m, tenderId, actor, false);
    const rows = await m.find(EvaluationVerdictEntity, { where: { memberId: member.id, void: false }, order: { createdAt: 'ASC' } });
    const sig = await m.findOneBy(EvaluationSignatureEntity, { memberId: member.id, round: evaluation.round, void: false });
    return { signed: !!sig, signedAt: sig ? new Date(sig.signedAt).toISOString() : null, verdicts: rows.map(toView) };
  }

  /**
   * POST /tenders/{id}/evaluation/sign: every evaluated bid needs the member's verdict and no clarification may be
   * awaiting its answer; the verdicts lock. Idempotent. The last signature closes the evaluation.
   */
  async sign(tenderId: string, dto: SignDto, actor: Actor): Promise<EvaluationStatusView & { result: FinalizeResult | 'ALREADY_SIGNED' }> {
    const result = await this.tx.run(async (m) => {
      const { evaluation, member } = await this.ctx.sitting(m, tenderId, actor, true);
      if (await this.hasSigned(m, member.id, evaluation.round)) return 'ALREADY_SIGNED' as const;
      const opened = (await this.bids.openedBids(tenderId, m)).filter((b) => b.status === 'DECRYPTED' && b.price !== null);
      const mine = await m.find(EvaluationVerdictEntity, { where: { memberId: member.id, void: false } });
      const missing = opened.filter((b) => !mine.some((v) => v.bidId === b.bidId)).map((b) => b.bidId);
      if (missing.length) throw EvaluationException.incomplete(missing);
      const pending = await this.clarifications.pendingIds(m, tenderId);
      if (pending.length) throw EvaluationException.clarificationPending(pending);
      await this.evaluations.insertSignature(m, { tenderId, memberId: member.id, round: evaluation.round, dissent: dto.dissent ?? null });
      await this.evaluations.lockVerdictsOf(m, member.id);
      await this.audit.append(m, {
        actor,
        action: 'EVALUATION_SIGNED',
        objectType: 'panel_member',
        objectId: member.id,
        tenderId,
        data: { round: evaluation.round, verdicts: mine.length, dissent: dto.dissent ?? null },
      });
      return this.finalize.execute({ manager: m, tenderId, actor });
    });
    return { ...(await this.status(tenderId, actor)), result };
  }

  /** POST /tenders/{id}/evaluation/competition-decision: with 1–2 valid bids (engineering), each member's decision (PB12 Art. 27). */
  async decideCompetition(tenderId: string, dto: CompetitionDecisionDto, actor: Actor): Promise<EvaluationStatusView & { result: FinalizeResult }> {
    const result = await this.tx.run(async (m) => {
      const tender = await this.ctx.tender(m, tenderId);
      const member = actor.role === Role.EXPERT ? await this.panels.sittingMember(m, tenderId, actor.userId) : null;
      if (!member || member.status !== 'ACCEPTED') throw new ForbiddenException('Only the experts sitting on this tender’s committee may do this');
      const ev = await this.ctx.evaluation(m, tenderId, true);
      if (tender.status !== TenderStatus.EVALUATION || ev.status !== 'AWAITING_COMPETITION_DECISION') {
        throw EvaluationException.notOpen('No decision on competition is awaited: there are 3 or more valid bids, or the evaluation is over');
      }
      const sig = await m.findOneBy(EvaluationSignatureEntity, { memberId: member.id, round: ev.round, void: false });
      if (!sig) throw EvaluationException.notOpen('Sign your verdicts first');
      await this.evaluations.recordCompetitionDecision(m, sig.id, dto.decision, dto.reason);
      await this.audit.append(m, {
        actor,
        action: 'EVALUATION_COMPETITION_DECIDED',
        objectType: 'panel_member',
        objectId: member.id,
        tenderId,
        data: { decision: dto.decision, reason: dto.reason },
      });
      return this.finalize.execute({ manager: m, tenderId, actor });
    });
    return { ...(await this.status(tenderId, actor)), result };
  }

  /** GET /tenders/{id}/evaluation: progress (not the verdicts) for the committee, the owner and supervisors. */
  async status(tenderId: string, actor: Actor): Promise<EvaluationStatusView> {
    const m = this.tx.manager;
    const tender = await this.ctx.tender(m, tenderId);
    await this.ctx.assertInScope(m, tender, actor);
    const isMember = actor.role === Role.EXPERT && !!(await this.panels.sittingMember(m, tenderId, actor.userId));
    if (!isMember && actor.role !== Role.SUPERVISOR && !(await this.ctx.owns(m, tender, actor))) throw new ForbiddenException('Not your tender');
    const ev = await this.ctx.evaluation(m, tenderId);
    const members = await this.panels.members(m, tenderId);
    const sittingIds = members.filter((x) => x.status === 'ACCEPTED' || x.status === 'COMPLETED').map((x) => x.id);
    const signed = await this.evaluations.countSignatures(m, tenderId, ev.round, sittingIds);
    return {
      tenderId,
      status: ev.status,
      round: ev.round,
      seats: checkPanelComposition({ regime: tender.regime, budget: tender.budget, panelSize: tender.panelSize, panelSpecialties: tender.panelSpecialties ?? [] }).expertSeats,
      sitting: sittingIds.length,
      invited: members.filter((x) => x.status === 'INVITED').length,
      signed,
      reportVersion: ev.reportVersion,
      finishedAt: ev.finishedAt ? new Date(ev.finishedAt).toISOString() : null,
    };
  }

  /** GET /tenders/{id}/evaluation/rules (public: part of the tender document). */
  async rules(tenderId: string, actor: Actor | null) {
    const m = this.tx.manager;
    await this.tenders.findVisible(m, tenderId, actor);
    return { tenderId, ...(await this.ctx.rules(m, tenderId)) };
  }

  /** PUT /tenders/{id}/evaluation/rules (owner, DRAFT only: a term of the tender document). */
  async setRules(tenderId: string, dto: EvaluationRulesDto, actor: Actor) {
    return this.tx.run(async (m) => {
      const tender = await this.tenders.lockForOwner(m, tenderId, actor);
      if (tender.status !== TenderStatus.DRAFT) {
        throw EvaluationException.conflict('The evaluation terms are part of the tender document: they change only while the tender is a DRAFT');
      }
      const current = await this.ctx.rules(m, tenderId);
      const next = { curableDeficiencies: dto.curableDeficiencies ?? current.curableDeficiencies, stateFunded: dto.stateFunded ?? current.stateFunded };
      await this.evaluations.upsertRules(m, tenderId, next);
      await this.audit.append(m, { actor, action: 'EVALUATION_RULES_SET', objectType: 'tender', objectId: tenderId, tenderId, data: next });
      return { tenderId, ...next };
    });
  }

  private async hasSigned(m: EntityManager, memberId: string, round: number): Promise<boolean> {
    return !!(await m.findOneBy(EvaluationSignatureEntity, { memberId, round, void: false }));
  }
}

function toView(v: EvaluationVerdictEntity): VerdictView {
  return {
    bidId: v.bidId,
    qualified: v.qualified,
    reasons: v.reasons,
    grounds: v.grounds,
    factorScores: v.factorScores ? Object.fromEntries(Object.entries(v.factorScores).map(([k, x]) => [k, Number(x)])) : null,
    locked: !!v.lockedAt,
    updatedAt: new Date(v.updatedAt).toISOString(),
  };
}
