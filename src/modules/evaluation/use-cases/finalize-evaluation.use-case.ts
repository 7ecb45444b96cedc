import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { Actor } from 'src/common/auth/actor';
import { DomainEvents } from 'src/common/events/domain-events';
import { ScheduledEventKind } from 'src/infra/queue/queue.constants';
import { AuditService } from '../../audit/audit.service';
import { BidsQueryService } from '../../bids/bids-query.service';
import { ExpertDrawService } from '../../experts/draw/expert-draw.service';
import { checkPanelComposition } from '../../experts/draw/panel-composition';
import { PanelService } from '../../experts/panel.service';
import { IdentityService } from '../../identity/identity.service';
import { SchedulerService } from '../../scheduling/scheduler.service';
import { LegalCalendarService } from '../../tenders/legal-calendar/legal-calendar.service';
import { TenderStateMachine } from '../../tenders/tender-state-machine';
import { TenderStatus } from '../../tenders/tender.enums';
import { AwardPeriods } from '../award-periods';
import { BidderClarificationRequestEntity } from '../entities/bidder-clarification-request.entity';
import { EvaluationSignatureEntity } from '../entities/evaluation-signature.entity';
import { EvaluationVerdictEntity } from '../entities/evaluation-verdict.entity';
import { EvaluationContext } from '../evaluation-context';
import { buildEvaluationReport, EvaluationReportContent, ReportInput, reportSha256 } from '../report/evaluation-report';
import { qualificationReview } from '../qualification/post-qualification';
import { evaluate, EvaluationOutcome, EvaluationTerms, MemberVerdict, RejectionGround } from '../scoring/evaluation-engine';
import { EvaluationLot, EvaluationLots, lotEvaluationTerms } from '../evaluation-lots';
import { EvaluationsRepository } from '../evaluations.repository';
import { EvaluationEntity } from '../entities/evaluation.entity';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { TenderEntity } from '../../tenders/tender.entity';
import { OpenedBidView } from '../../bids/bids-query.service';
import { PanelMemberEntity } from '../../experts/entities/panel-member.entity';
import { InCallerTransaction, UseCase } from 'src/common/use-case';
import { TendersRepository } from '../../tenders/tenders.repository';

export type FinalizeResult = 'PANEL_INCOMPLETE' | 'AWAITING_SIGNATURES' | 'AWAITING_COMPETITION_DECISION' | 'COMPLETED' | 'FAILED' | 'NOT_RUNNING';

/**
 * Closes the evaluation once every seat of the committee is taken and every sitting member has signed: the
 * committee's conclusion (scoring/evaluation-engine.ts), the report (评标报告, PB12 Arts. 42–43) with its hash,
 * the seats COMPLETED. With 1–2 valid bids in an engineering tender the members first decide whether competition
 * is lacking (PB12 Art. 27). A failed evaluation (all rejected, procurement with fewer than 3) moves the tender to
 * FAILED and announces TenderFailed (re-tender; the securities are refunded). Runs in the caller's transaction.
 */
export interface FinalizeEvaluationCommand extends InCallerTransaction {
  tenderId: string;
  actor: Actor;
}

/** What the finalisation works on: the running evaluation, its locked tender, the committee and its signatures. */
interface FinalizeState {
  tenderId: string;
  ev: EvaluationEntity;
  tender: TenderEntity;
  members: PanelMemberEntity[];
  sittingIds: string[];
  signatures: EvaluationSignatureEntity[];
}

/** One lot's competition: its opened bids, the verdicts on them, its terms and the committee's conclusion. */
interface LotRun {
  lot: EvaluationLot;
  opened: OpenedBidView[];
  verdicts: MemberVerdict[];
  terms: EvaluationTerms;
  outcome: EvaluationOutcome;
}

/** A lot's signed report: failed or with candidates, and its hash. */
interface LotResult {
  run: LotRun;
  failed: boolean;
  reason: string | null;
  sha256: string;
}

type CompetitionDecision = ReportInput['competitionDecision'];

@Injectable()
export class FinalizeEvaluationUseCase implements UseCase<FinalizeEvaluationCommand, FinalizeResult> {
  constructor(
    private readonly ctx: EvaluationContext,
    private readonly panels: PanelService,
    private readonly draws: ExpertDrawService,
    private readonly bids: BidsQueryService,
    private readonly identity: IdentityService,
    private readonly audit: AuditService,
    private readonly stateMachine: TenderStateMachine,
    private readonly events: DomainEvents,
    private readonly scheduler: SchedulerService,
    private readonly calendars: LegalCalendarService,
    private readonly tx: TransactionRunner,
    private readonly evaluations: EvaluationsRepository,
    private readonly tenderRows: TendersRepository,
    private readonly lots: EvaluationLots,
  ) {}

  /** load → decide (each lot's outcome, the committee's decision on competition) → persist (the reports) → announce. */
  async execute({ manager: m, tenderId, actor }: FinalizeEvaluationCommand): Promise<FinalizeResult> {
    const state = await this.load(m, tenderId);
    if (typeof state === 'string') return state;
    const runs = await this.evaluateLots(m, state);
    const competition = await this.decideCompetition(m, state, runs, actor);
    if (competition === 'AWAITING_COMPETITION_DECISION') return competition;
    const now = await this.tx.now(m);
    const version = (state.ev.reportVersion ?? 0) + 1;
    const results = await this.persistReports(m, state, runs, competition.decision, version, now, actor);
    return this.announce(m, state, results, version, now, actor);
  }

  /** The running evaluation, its tender, and the committee once every seat is taken and every sitting member has signed. */
  private async load(m: EntityManager, tenderId: string): Promise<FinalizeState | 'NOT_RUNNING' | 'PANEL_INCOMPLETE' | 'AWAITING_SIGNATURES'> {
    const ev = await this.ctx.evaluation(m, tenderId, true);
    if (ev.status !== 'IN_PROGRESS' && ev.status !== 'AWAITING_COMPETITION_DECISION') return 'NOT_RUNNING';
    const tender = await this.stateMachine.lock(m, tenderId);
    if (tender.status !== TenderStatus.EVALUATION) return 'NOT_RUNNING';

    const members = await this.panels.members(m, tenderId);
    const { expertSeats } = checkPanelComposition({
      regime: tender.regime,
      budget: tender.budget,
      panelSize: tender.panelSize,
      panelSpecialties: tender.panelSpecialties ?? [],
    });
    const sitting = members.filter((x) => x.status === 'ACCEPTED');
    if (sitting.length < expertSeats || members.some((x) => x.status === 'INVITED')) return 'PANEL_INCOMPLETE';
    const sittingIds = sitting.map((x) => x.id);
    const signatures = await m.find(EvaluationSignatureEntity, { where: { tenderId, round: ev.round, void: false, memberId: In(sittingIds) } });
    if (signatures.length < sitting.length) return 'AWAITING_SIGNATURES';
    return { tenderId, ev, tender, members, sittingIds, signatures };
  }

  /**
   * Lots (标段): one committee for every lot, but each lot is its own competition — its bids only, its budget and
   * ceiling — with its own report, candidates and award. A lot that failed at the deadline (TBL Art. 28) is skipped.
   * A tender without lots is lot 1 with the tender's terms: exactly as before.
   */
  private async evaluateLots(m: EntityManager, { tenderId, tender, sittingIds }: FinalizeState): Promise<LotRun[]> {
    const opened = await this.bids.openedBids(tenderId, m);
    const verdictRows = await m.find(EvaluationVerdictEntity, { where: { tenderId, void: false, memberId: In(sittingIds) } });
    const verdicts: MemberVerdict[] = verdictRows.map((v) => ({
      memberId: v.memberId,
      bidId: v.bidId,
      qualified: v.qualified,
      reasons: v.reasons,
      grounds: v.grounds as RejectionGround[],
      factorScores: v.factorScores,
    }));
    const lotOf = await this.lots.ofBids(m, tenderId);
    const lots = (await this.lots.all(m, tender)).filter((l) => l.status === 'ACTIVE');
    return lots.map((lot) => {
      const lotOpened = lot.lotted ? opened.filter((b) => lotOf.get(b.bidId) === lot.lotNo) : opened;
      const lotVerdicts = lot.lotted ? verdicts.filter((v) => lotOf.get(v.bidId) === lot.lotNo) : verdicts;
      const terms = lotEvaluationTerms(this.ctx.terms(tender), lot);
      return { lot, opened: lotOpened, verdicts: lotVerdicts, terms, outcome: evaluate(terms, lotOpened, lotVerdicts, sittingIds) };
    });
  }

  /**
   * With 1–2 valid bids (engineering) in some lot, each member decides whether competition lacks (PB12 Art. 27):
   * until all have, the evaluation awaits them; then the majority decides.
   */
  private async decideCompetition(
    m: EntityManager,
    { tenderId, ev, signatures }: FinalizeState,
    runs: LotRun[],
    actor: Actor,
  ): Promise<{ decision: CompetitionDecision } | 'AWAITING_COMPETITION_DECISION'> {
    const undecided = runs.filter((r) => r.outcome.competition.status === 'PANEL_DECISION_REQUIRED');
    if (!undecided.length) return { decision: null };
    const decided = signatures.filter((s) => s.competitionDecision);
    if (decided.length < signatures.length) {
      if (ev.status !== 'AWAITING_COMPETITION_DECISION') {
        await this.evaluations.awaitCompetitionDecision(m, tenderId);
        await this.audit.append(m, {
          actor,
          action: 'EVALUATION_COMPETITION_DECISION_REQUIRED',
          objectType: 'evaluation',
          objectId: tenderId,
          tenderId,
          data: {
            validBids: undecided[0].outcome.validCount,
            basis: undecided[0].outcome.competition.basis,
            ...(undecided[0].lot.lotted ? { lots: undecided.map((r) => ({ lotNo: r.lot.lotNo, validBids: r.outcome.validCount })) } : {}),
          },
        });
      }
      return 'AWAITING_COMPETITION_DECISION';
    }
    const rejectAll = decided.filter((s) => s.competitionDecision === 'REJECT_ALL').length;
    return {
      decision: {
        // PB12 Art. 27: the committee "may" reject all — by majority of its members.
        decision: rejectAll * 2 > decided.length ? 'REJECT_ALL' : 'CONTINUE',
        votes: { rejectAll, continue: decided.length - rejectAll },
        reasons: decided.map((s) => ({ memberId: s.memberId, decision: s.competitionDecision!, reason: s.competitionReason ?? '' })),
      },
    };
  }

  /** Each lot's signed report (PB12 Arts. 42–43) with its hash; the evaluation ends, the seats are COMPLETED. */
  private async persistReports(
    m: EntityManager,
    state: FinalizeState,
    runs: LotRun[],
    competitionDecision: CompetitionDecision,
    version: number,
    now: Date,
    actor: Actor,
  ): Promise<LotResult[]> {
    const { tenderId, tender, members, signatures } = state;
    const results: LotResult[] = [];
    for (const run of runs) {
      // The members' decision on competition (one per member) applies to each lot that lacks competition.
      const lotDecision = run.outcome.competition.status === 'PANEL_DECISION_REQUIRED' ? competitionDecision : null;
      const failed = run.outcome.competition.status === 'FAILED' || lotDecision?.decision === 'REJECT_ALL';
      const input = await this.reportInput(m, tender, members, run.opened, run.outcome, run.verdicts, signatures, lotDecision, version, now, run.terms);
      const built = buildEvaluationReport(input);
      const content: EvaluationReportContent = run.lot.lotted ? { ...built, lot: { lotNo: run.lot.lotNo, title: run.lot.title, budget: run.lot.budget } } : built;
      const sha256 = reportSha256(content);
      await this.evaluations.insertReport(m, { tenderId, lotNo: run.lot.lotNo, version, outcome: failed ? 'FAILED' : 'CANDIDATES', content, sha256 });
      results.push({ run, failed, reason: failed ? (content.failure?.reason ?? null) : null, sha256 });
    }
    const allFailed = results.every((r) => r.failed);
    await this.evaluations.finish(m, tenderId, {
      status: allFailed ? 'FAILED' : 'COMPLETED',
      reportVersion: version,
      failedReason: allFailed ? (results[0]?.reason ?? null) : null,
    });
    await this.draws.complete(m, tenderId, actor);
    return results;
  }

  /**
   * The reports are audited; a failed evaluation fails the tender (TenderFailed), a failed lot alone fails that lot
   * (LotFailed); procurement plans the deemed award (MOF87 Art. 68).
   */
  private async announce(m: EntityManager, { tenderId, tender }: FinalizeState, results: LotResult[], version: number, now: Date, actor: Actor): Promise<FinalizeResult> {
    for (const { failed, run, sha256 } of results) {
      await this.audit.append(m, {
        actor,
        action: 'EVALUATION_REPORT_SIGNED',
        objectType: 'evaluation_report',
        objectId: tenderId,
        tenderId,
        data: {
          ...(run.lot.lotted ? { lotNo: run.lot.lotNo } : {}),
          version,
          sha256,
          outcome: failed ? 'FAILED' : 'CANDIDATES',
          validBids: run.outcome.validCount,
          candidates: failed ? [] : run.outcome.candidates.map((c) => ({ rank: c.rank, bidId: c.bidId })),
        },
      });
    }
    if (results.every((r) => r.failed)) {
      const reason = results[0]?.reason ?? 'every lot failed at evaluation';
      await this.stateMachine.transition(m, tenderId, TenderStatus.FAILED, actor, { from: [TenderStatus.EVALUATION], reason });
      await this.events.emit(m, 'TenderFailed', { tenderId, reason }, actor);
      return 'FAILED';
    }
    for (const r of results.filter((x) => x.failed)) {
      // A lot whose bids are all rejected (or lack competition) fails alone at evaluation: its securities go back
      // (TBL Art. 42; GPL Art. 36; MOF87 Art. 29), the other lots go on to their award.
      await this.tenderRows.markLotFailed(m, tenderId, r.run.lot.lotNo, r.reason);
      await this.audit.append(m, {
        actor,
        action: 'LOT_FAILED',
        objectType: 'tender',
        objectId: tenderId,
        tenderId,
        data: { lotNo: r.run.lot.lotNo, reason: r.reason, stage: 'EVALUATION' },
      });
      await this.events.emit(m, 'LotFailed', { tenderId, lotNo: r.run.lot.lotNo, reason: r.reason ?? 'failed at evaluation' }, actor);
    }
    if (tender.regime === 'GOV_PROCUREMENT') {
      // MOF87 Art. 68: without a decision within 5 working days, the rank-1 candidate is deemed chosen.
      const cal = await this.calendars.calendar(m);
      await this.scheduler.plan(m, {
        kind: ScheduledEventKind.AwardDecisionDue,
        subjectId: tenderId,
        tenderId,
        runAt: AwardPeriods.awardDecisionDue(cal, now),
      });
    }
    return 'COMPLETED';
  }

  private async reportInput(
    m: EntityManager,
    tender: Awaited<ReturnType<TenderStateMachine['lock']>>,
    members: Awaited<ReturnType<PanelService['members']>>,
    opened: Awaited<ReturnType<BidsQueryService['openedBids']>>,
    outcome: ReturnType<typeof evaluate>,
    verdicts: MemberVerdict[],
    signatures: EvaluationSignatureEntity[],
    competitionDecision: ReportInput['competitionDecision'],
    version: number,
    now: Date,
    terms = this.ctx.terms(tender),
  ): Promise<ReportInput> {
    const entity = await this.identity.getOrganization(tender.procuringEntityId);
    const draw = await this.draws.drawOf(m, tender.id);
    const experts = await this.panels.experts(
      m,
      members.map((x) => x.expertId).filter((x): x is string => !!x),
    );
    const titles = new Map(experts.map((e) => [e.id, e.title]));
    const names = new Map(members.map((x) => [x.id, x.name]));
    const bidderOf = new Map(opened.map((b) => [b.bidId, b.bidderName]));
    const clarifications = (await m.find(BidderClarificationRequestEntity, { where: { tenderId: tender.id }, order: { createdAt: 'ASC' } })).filter((c) => bidderOf.has(c.bidId));
    const published = tender.qualificationCriteria ?? [];
    const sittingMembers = members.filter((x) => x.status === 'ACCEPTED' || x.status === 'COMPLETED');
    const findings = published.length ? await this.evaluations.findingsOfTender(m, tender.id) : [];
    const review = published.length
      ? qualificationReview({
          criteria: published,
          bids: opened.filter((b) => b.status === 'DECRYPTED').map((b) => ({ bidId: b.bidId, bidderName: b.bidderName })),
          members: sittingMembers.map((x) => ({ memberId: x.id, name: x.name })),
          findings: findings.filter((f) => bidderOf.has(f.bidId)).map((f) => ({ memberId: f.memberId, bidId: f.bidId, code: f.criterionCode, met: f.met, reason: f.reason })),
        })
      : null;
    return {
      qualificationReview: review,
      version,
      generatedAt: now.toISOString(),
      tender: {
        id: tender.id,
        title: tender.title,
        category: tender.category,
        regime: tender.regime,
        method: tender.method,
        budget: terms.budget,
        priceCeiling: terms.priceCeiling,
        bidDeadline: new Date(tender.bidDeadline).toISOString(),
        openedAt: tender.openedAt ? new Date(tender.openedAt).toISOString() : null,
        procuringEntity: { id: entity.id, name: entity.name, uscc: entity.uscc },
      },
      terms,
      draw: draw ? { drawId: draw.id, algorithm: draw.algorithm, seedCommitment: draw.seedCommitment } : null,
      panelSize: tender.panelSize,
      members: members.map((x) => ({
        memberId: x.id,
        expertId: x.expertId,
        name: x.name,
        specialty: x.specialty,
        title: x.expertId ? (titles.get(x.expertId) ?? null) : null,
        // the report is written as the members sign: sitting members are COMPLETED from now on
        status: x.status === 'ACCEPTED' ? 'COMPLETED' : x.status,
        replacedBy: x.replacedBy,
        declineReason: x.declineReason,
      })),
      openingRecord: opened.map((b) => ({ bidId: b.bidId, bidderName: b.bidderName, price: b.price, status: b.status, receivedAt: b.receivedAt })),
      outcome,
      verdicts,
      clarifications: clarifications.map((c) => ({
        id: c.id,
        bidId: c.bidId,
        bidderName: bidderOf.get(c.bidId) ?? '',
        kind: c.kind,
        item: c.item,
        question: c.question,
        legalBasis: c.legalBasis,
        deadline: new Date(c.deadline).toISOString(),
        requestedBy: names.get(c.requestedBy) ?? '',
        response: c.responseText,
        attachments: c.responseAttachments ?? [],
        respondedAt: c.respondedAt ? new Date(c.respondedAt).toISOString() : null,
        panelDecision: c.panelDecision,
        panelDecisionNote: c.panelDecisionNote,
      })),
      signatures: signatures
        .sort((a, b) => new Date(a.signedAt).getTime() - new Date(b.signedAt).getTime())
        .map((s) => ({ memberId: s.memberId, name: names.get(s.memberId) ?? '', signedAt: new Date(s.signedAt).toISOString(), dissent: s.dissent })),
      competitionDecision,
    };
  }
}
