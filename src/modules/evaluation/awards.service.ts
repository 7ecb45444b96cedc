import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor, SYSTEM_ACTOR } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { DomainEventMap, DomainEvents, OnEvent } from 'src/common/events/domain-events';
import { ForbiddenException, NotFoundException } from 'src/common/errors/domain.exception';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { ScheduledEventKind } from 'src/infra/queue/queue.constants';
import { AuditService } from '../audit/audit.service';
import { BidsQueryService } from '../bids/bids-query.service';
import { ExpertDrawService } from '../experts/draw/expert-draw.service';
import { ScheduledEventEntity } from '../scheduling/scheduled-event.entity';
import { OnTimedEvent, SchedulerService } from '../scheduling/scheduler.service';
import { LegalCalendarService } from '../tenders/legal-calendar/legal-calendar.service';
import { TenderStateMachine } from '../tenders/tender-state-machine';
import { TenderStatus } from '../tenders/tender.enums';
import { TendersService } from '../tenders/tenders.service';
import { AwardPeriods } from './award-periods';
import { AnswerObjectionDto, AwardDefaultDto, ResultObjectionDto } from './dto/evaluation.dto';
import { AwardEntity } from './entities/award.entity';
import { CandidatePublicityEntity } from './entities/candidate-publicity.entity';
import { ResultObjectionEntity } from './entities/result-objection.entity';
import { EvaluationContext } from './evaluation-context';
import { EvaluationException } from './evaluation.exception';
import { EvaluationReportService } from './report/evaluation-report.service';
import { AwardView, toAwardView } from './use-cases/award-tender.use-case';
import { PublicityView, toPublicityView } from './use-cases/publish-candidates.use-case';
import { DEFAULT_LOT_NO } from '../tenders/tender-lots';
import { EvaluationLots } from './evaluation-lots';
import { AwardsRepository } from './awards.repository';
import { DeadlinesRepository } from './deadlines.repository';
import { EvaluationsRepository } from './evaluations.repository';

export interface ResultObjectionView {
  id: string;
  tenderId: string;
  objectorOrganizationId: string;
  text: string;
  filedAt: string;
  answerDueAt: string;
  status: 'PENDING' | 'ANSWERED';
  answer: string | null;
  upheld: boolean | null;
  answeredAt: string | null;
  answeredLate: boolean | null;
}

const toObjectionView = (o: ResultObjectionEntity): ResultObjectionView => ({
  id: o.id,
  tenderId: o.tenderId,
  objectorOrganizationId: o.objectorOrganizationId,
  text: o.text,
  filedAt: new Date(o.filedAt).toISOString(),
  answerDueAt: new Date(o.answerDueAt).toISOString(),
  status: o.status,
  answer: o.answer,
  upheld: o.upheld,
  answeredAt: o.answeredAt ? new Date(o.answeredAt).toISOString() : null,
  answeredLate: o.answeredAt ? new Date(o.answeredAt).getTime() > new Date(o.answerDueAt).getTime() : null,
});

/**
 * After the report: the public candidate notice, objections to the result (TBR Art. 54), the award record, the
 * awardee's default (TBR Arts. 55, 74) and each bidder's result notice.
 */
@Injectable()
export class AwardsService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly audit: AuditService,
    private readonly tenders: TendersService,
    private readonly stateMachine: TenderStateMachine,
    private readonly scheduler: SchedulerService,
    private readonly calendars: LegalCalendarService,
    private readonly ctx: EvaluationContext,
    private readonly reports: EvaluationReportService,
    private readonly draws: ExpertDrawService,
    private readonly bids: BidsQueryService,
    private readonly events: DomainEvents,
    private readonly awards: AwardsRepository,
    private readonly evaluations: EvaluationsRepository,
    private readonly deadlines: DeadlinesRepository,
    private readonly lots: EvaluationLots,
  ) {}

  /** An upheld complaint's remedy (supervision module): the committee examines again, as after an upheld objection. */
  @OnEvent('ReEvaluationOrdered')
  async onReEvaluationOrdered(m: EntityManager, e: DomainEventMap['ReEvaluationOrdered'], actor: Actor): Promise<void> {
    await this.reopenEvaluation(m, e.tenderId, actor, { complaintId: e.complaintId }, 'a complaint was upheld: the committee evaluates again (TBR Art. 62)');
  }

  /**
   * GET /tenders/{id}/candidates (public): the candidate publicity, or the procurement award announcement; of lot
   * `lotNo` (GET /tenders/{id}/lots/{lotNo}/candidates; v1 and a tender without lots: lot 1).
   */
  async publicity(tenderId: string, lotNo = DEFAULT_LOT_NO): Promise<PublicityView> {
    const m = this.tx.manager;
    await this.lots.one(m, await this.ctx.tender(m, tenderId), lotNo);
    const p = await m.findOne(CandidatePublicityEntity, { where: { tenderId, lotNo }, order: { createdAt: 'DESC' } });
    if (!p || p.status === 'WITHDRAWN') throw new NotFoundException('The candidate publicity');
    return toPublicityView(p);
  }

  /** POST /tenders/{id}/result-objections (a bidder of the tender, during the publicity, TBR Art. 54). */
  async fileObjection(tenderId: string, dto: ResultObjectionDto, actor: Actor): Promise<ResultObjectionView> {
    return this.tx.run(async (m) => {
      const tender = await this.ctx.tender(m, tenderId);
      const bidders = await this.bids.bidderOrganizationIds(tenderId, m);
      if (!actor.organizationId || !bidders.includes(actor.organizationId)) throw new ForbiddenException('Only a bidder of this tender may object to its result');
      const publicity = await m.findOne(CandidatePublicityEntity, {
        where: { tenderId, kind: 'CANDIDATE_PUBLICITY', status: 'RUNNING' },
        lock: { mode: 'pessimistic_write' },
      });
      const open = publicity ? await this.deadlines.isFuture(m, publicity.endsAt) : false;
      if (!publicity || !open || tender.status !== TenderStatus.PUBLICITY) {
        throw EvaluationException.legalPeriod('An objection to the result is raised during the candidate publicity (TBR Art. 54)', {
          rule: 'RESULT_OBJECTION_DURING_PUBLICITY',
          article: 'TBR Art. 54',
          ...(publicity ? { latest: new Date(publicity.endsAt).toISOString() } : {}),
        });
      }
      const now = await this.tx.now(m);
      const answerDue = AwardPeriods.objectionAnswerDue(await this.calendars.calendar(m), now);
      const id = await this.awards.insertObjection(m, {
        tenderId,
        publicityId: publicity.id,
        objectorUserId: actor.userId,
        objectorOrganizationId: actor.organizationId,
        text: dto.text,
        filedAt: now,
        answerDueAt: answerDue,
      });
      await this.audit.append(m, {
        actor,
        action: 'RESULT_OBJECTION_FILED',
        objectType: 'result_objection',
        objectId: id,
        tenderId,
        data: { answerDueAt: answerDue.toISOString() },
      });
      return toObjectionView(await m.findOneByOrFail(ResultObjectionEntity, { id }));
    });
  }

  /** GET /tenders/{id}/result-objections: the owner and supervisors see all, a bidder its own. */
  async objections(tenderId: string, actor: Actor): Promise<ResultObjectionView[]> {
    const m = this.tx.manager;
    const tender = await this.ctx.tender(m, tenderId);
    await this.ctx.assertInScope(m, tender, actor);
    const where: Record<string, string> = { tenderId };
    if (actor.role === Role.BIDDER && actor.organizationId) where.objectorOrganizationId = actor.organizationId;
    else if (actor.role !== Role.SUPERVISOR && !(await this.ctx.owns(m, tender, actor))) throw new ForbiddenException('Not your tender');
    return (await m.find(ResultObjectionEntity, { where, order: { filedAt: 'ASC' } })).map(toObjectionView);
  }

  /**
   * POST /tenders/{id}/result-objections/{oid}/answer (owner): answered within 3 days (TBR Art. 54; a late answer is
   * recorded). Upheld: the publicity is withdrawn and the original committee examines again (the tender goes back
   * to EVALUATION; its members re-sign a new report version).
   */
  async answerObjection(tenderId: string, objectionId: string, dto: AnswerObjectionDto, actor: Actor): Promise<ResultObjectionView> {
    return this.tx.run(async (m) => {
      const tender = await this.tenders.lockForOwner(m, tenderId, actor);
      const o = await m.findOne(ResultObjectionEntity, { where: { id: objectionId, tenderId }, lock: { mode: 'pessimistic_write' } });
      if (!o) throw new NotFoundException('The objection');
      if (o.status === 'ANSWERED') {
        if (o.answer === dto.answer && o.upheld === dto.upheld) return toObjectionView(o); // repeated
        throw EvaluationException.conflict('The objection is already answered');
      }
      await this.awards.answerObjection(m, o.id, { answer: dto.answer, upheld: dto.upheld, answeredBy: actor.userId });
      const late = await this.deadlines.isPast(m, o.answerDueAt);
      await this.audit.append(m, {
        actor,
        action: 'RESULT_OBJECTION_ANSWERED',
        objectType: 'result_objection',
        objectId: o.id,
        tenderId,
        data: { upheld: dto.upheld, answeredLate: late, answerDueAt: new Date(o.answerDueAt).toISOString() },
      });
      if (dto.upheld && tender.status === TenderStatus.PUBLICITY) await this.reopenEvaluation(m, tenderId, actor, { objectionId: o.id });
      return toObjectionView(await m.findOneByOrFail(ResultObjectionEntity, { id: o.id }));
    });
  }

  /** GET /tenders/{id}/award (public once awarded); GET /tenders/{id}/lots/{lotNo}/award: the lot's (v1: lot 1). */
  async award(tenderId: string, lotNo = DEFAULT_LOT_NO): Promise<AwardView> {
    const m = this.tx.manager;
    const lot = await this.lots.one(m, await this.ctx.tender(m, tenderId), lotNo);
    const a = await m.findOne(AwardEntity, { where: { tenderId, lotNo }, order: { createdAt: 'DESC' } });
    if (!a) throw new NotFoundException('The award');
    return toAwardView(a, lot.lotted);
  }

  /**
   * GET /tenders/{id}/lots/results: each lot's status in the award (public): failed, candidates, awarded, contracted;
   * `publicity`: the lot's public notice (candidates, or the procurement award announcement) as GET …/candidates
   * serves it, null when that answers 404 — so a page asks for a lot's notice only when there is one.
   */
  async lotResults(tenderId: string) {
    const m = this.tx.manager;
    const tender = await this.ctx.tender(m, tenderId);
    const awards = await m.find(AwardEntity, { where: { tenderId }, order: { createdAt: 'ASC' } });
    const notices = await m.find(CandidatePublicityEntity, { where: { tenderId }, order: { createdAt: 'ASC' } });
    return Promise.all(
      (await this.lots.all(m, tender)).map(async (lot) => {
        const a = awards.filter((x) => x.lotNo === lot.lotNo && x.status !== 'DEFAULTED').pop();
        const report = await this.reports.latestEntity(tenderId, m, lot.lotNo);
        const p = notices.filter((x) => x.lotNo === lot.lotNo).pop();
        return {
          lotNo: lot.lotNo,
          title: lot.title,
          budget: lot.budget,
          status: lot.status === 'FAILED' ? 'FAILED' : a ? a.status : report ? `REPORT_${report.outcome}` : 'IN_EVALUATION',
          award: a ? { bidId: a.bidId, awardeeName: a.awardeeName, price: a.price, noticeNo: a.noticeNo } : null,
          publicity: p && p.status !== 'WITHDRAWN' ? { kind: p.kind, status: p.status, endsAt: new Date(p.endsAt).toISOString() } : null,
        };
      }),
    );
  }

  /**
   * GET /tenders/{id}/result-notice (a bidder): its own result — the notice of award, or the result notice with,
   * under comprehensive scoring, its own score and rank (EB20 Art. 36; MOF87 Art. 69).
   */
  async resultNotice(tenderId: string, actor: Actor, lotNo = DEFAULT_LOT_NO) {
    const m = this.tx.manager;
    const lot = await this.lots.one(m, await this.ctx.tender(m, tenderId), lotNo);
    const a = await m.findOne(AwardEntity, { where: { tenderId, lotNo }, order: { createdAt: 'DESC' } });
    if (!a || a.status === 'DEFAULTED') throw new NotFoundException('The result notice');
    const lotOf = await this.lots.ofBids(m, tenderId);
    const mine = (await this.bids.openedBids(tenderId, m)).find((b) => b.bidderOrganizationId === actor.organizationId && lotOf.get(b.bidId) === lotNo);
    if (!mine) throw new NotFoundException('Your bid');
    const report = await this.reports.latestEntity(tenderId, m, lotNo);
    const row = report?.content.scoreTable?.find((r) => r.bidId === mine.bidId);
    const rejected = report?.content.rejectedBids?.find((r) => r.bidId === mine.bidId);
    return {
      tenderId,
      ...(lot.lotted ? { lotNo } : {}),
      bidId: mine.bidId,
      kind: a.bidId === mine.bidId ? 'NOTICE_OF_AWARD' : 'RESULT_NOTICE',
      awarded: a.bidId === mine.bidId,
      awardee: { name: a.awardeeName, price: a.price },
      noticeNo: a.noticeNo,
      issuedAt: new Date(a.noticeIssuedAt).toISOString(),
      contractDueAt: a.bidId === mine.bidId ? new Date(a.contractDueAt).toISOString() : undefined,
      ownRank: row?.rank ?? null,
      // lowest evaluated price: the score table has no total score
      ownScore: (row && 'totalScore' in row ? row.totalScore : null) ?? null,
      rejection: rejected ? { grounds: rejected.groundsText, reasons: rejected.reasons } : null,
    };
  }

  /**
   * POST /tenders/{id}/award/default (owner): the awardee refused to sign or to give performance security —
   * AwardeeDefaulted (its security may be forfeited, TBR Art. 74); then the next candidate in rank, or a new
   * tender (TBR Art. 55).
   */
  async recordDefault(tenderId: string, dto: AwardDefaultDto, actor: Actor): Promise<AwardView> {
    return this.tx.run(async (m) => {
      const tender = await this.tenders.lockForOwner(m, tenderId, actor);
      // v1: lot 1 (a tender without lots is lot 1). A default on another lot is not built yet.
      const lot = await this.lots.one(m, tender, DEFAULT_LOT_NO);
      const a = await m.findOne(AwardEntity, { where: { tenderId, lotNo: lot.lotNo, status: 'NOTIFIED' }, lock: { mode: 'pessimistic_write' } });
      if (!a || tender.status !== TenderStatus.AWARDED) throw EvaluationException.notOpen('No notice of award is outstanding');
      await this.awards.markDefaulted(m, a.id, dto.reason);
      await this.audit.append(m, { actor, action: 'AWARDEE_DEFAULTED', objectType: 'award', objectId: a.id, tenderId, data: { reason: dto.reason, next: dto.next } });
      await this.events.emit(
        m,
        'AwardeeDefaulted',
        { tenderId, awardeeOrganizationId: a.awardeeOrganizationId, reason: dto.reason, ...(lot.lotted ? { lotNo: lot.lotNo } : {}) },
        actor,
      );
      const report = await this.reports.latestEntity(tenderId, m, lot.lotNo);
      const defaulted = await this.awards.defaultedBidIds(m, tenderId, lot.lotNo);
      const remaining = (report?.content.candidates ?? []).filter((c) => !defaulted.includes(c.bidId));
      if (dto.next === 'NEXT_CANDIDATE' && remaining.length) {
        await this.stateMachine.transition(m, tenderId, TenderStatus.PUBLICITY, actor, {
          from: [TenderStatus.AWARDED],
          reason: 'the awardee defaulted: the next candidate in rank may be awarded (TBR Art. 55)',
        });
      } else {
        const reason = 'the awardee defaulted and no candidate is taken: re-tender (TBR Art. 55)';
        await this.stateMachine.transition(m, tenderId, TenderStatus.FAILED, actor, { from: [TenderStatus.AWARDED], reason });
        await this.events.emit(m, 'TenderFailed', { tenderId, reason }, actor);
      }
      return toAwardView(await m.findOneByOrFail(AwardEntity, { id: a.id }), lot.lotted);
    });
  }

  private async reopenEvaluation(
    m: EntityManager,
    tenderId: string,
    actor: Actor,
    cause: { objectionId: string } | { complaintId: string },
    reason = 'an objection to the result was upheld: the committee examines again (TBR Art. 54)',
  ): Promise<void> {
    // Lots: the committee examines every lot again; each lot's running publicity is withdrawn.
    for (const running of await m.findBy(CandidatePublicityEntity, { tenderId, status: 'RUNNING' })) {
      await this.awards.withdrawPublicity(m, running.id);
      await this.scheduler.cancel(m, ScheduledEventKind.PublicityEnd, running.id);
    }
    await this.stateMachine.transition(m, tenderId, TenderStatus.EVALUATION, actor, {
      from: [TenderStatus.PUBLICITY],
      reason,
      data: cause,
    });
    await this.evaluations.reopen(m, tenderId);
    await this.evaluations.unlockVerdicts(m, tenderId);
    await this.draws.reopen(m, tenderId, actor);
    await this.audit.append(m, { actor, action: 'EVALUATION_REOPENED', objectType: 'evaluation', objectId: tenderId, tenderId, data: cause });
  }

  /** PUBLICITY_END: the publicity (or award announcement) is over; recorded once. */
  @OnTimedEvent(ScheduledEventKind.PublicityEnd)
  async onPublicityEnd(m: EntityManager, event: ScheduledEventEntity): Promise<void> {
    const p = await m.findOne(CandidatePublicityEntity, { where: { id: event.subjectId }, lock: { mode: 'pessimistic_write' } });
    if (!p || p.status !== 'RUNNING') return;
    await this.awards.endPublicity(m, p.id);
    await this.audit.append(m, {
      actor: SYSTEM_ACTOR,
      action: p.kind === 'CANDIDATE_PUBLICITY' ? 'CANDIDATE_PUBLICITY_ENDED' : 'AWARD_ANNOUNCEMENT_ENDED',
      objectType: 'candidate_publicity',
      objectId: p.id,
      tenderId: p.tenderId,
      data: { endsAt: new Date(p.endsAt).toISOString() },
    });
  }
}
