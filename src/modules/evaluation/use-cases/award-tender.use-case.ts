import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor, SYSTEM_ACTOR } from 'src/common/auth/actor';
import { DomainEvents } from 'src/common/events/domain-events';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { ScheduledEventKind } from 'src/infra/queue/queue.constants';
import { AuditService } from '../../audit/audit.service';
import { ExpertDrawService } from '../../experts/draw/expert-draw.service';
import { PanelService } from '../../experts/panel.service';
import { ScheduledEventEntity } from '../../scheduling/scheduled-event.entity';
import { OnTimedEvent, SchedulerService } from '../../scheduling/scheduler.service';
import { LegalCalendarService } from '../../tenders/legal-calendar/legal-calendar.service';
import { TenderStateMachine } from '../../tenders/tender-state-machine';
import { TenderEntity } from '../../tenders/tender.entity';
import { TenderStatus } from '../../tenders/tender.enums';
import { TendersService } from '../../tenders/tenders.service';
import { AwardPeriods } from '../award-periods';
import { AwardEntity } from '../entities/award.entity';
import { AwardAnnouncementContent, CandidatePublicityEntity } from '../entities/candidate-publicity.entity';
import { EvaluationContext } from '../evaluation-context';
import { EvaluationException } from '../evaluation.exception';
import { EvaluationReportService } from '../report/evaluation-report.service';
import { DEFAULT_LOT_NO } from '../../tenders/tender-lots';
import { EvaluationLot, EvaluationLots } from '../evaluation-lots';
import { AwardsRepository } from '../awards.repository';
import { DeadlinesRepository } from '../deadlines.repository';
import { EvaluationReportEntity } from '../entities/evaluation-report.entity';
import { type EvaluationReportContent } from '../report/evaluation-report';
import { UseCase } from 'src/common/use-case';

export interface AwardCommand {
  tenderId: string;
  bidId: string;
  actor: Actor;
  /** The lot (标段); omitted (v1): lot 1 — a tender without lots is lot 1. */
  lotNo?: number;
}

export interface AwardView {
  tenderId: string;
  /** Only on a tender with lots. */
  lotNo?: number;
  bidId: string;
  awardeeOrganizationId: string;
  awardeeName: string;
  price: string;
  rank: number;
  score: string | null;
  status: 'NOTIFIED' | 'CONTRACTED' | 'DEFAULTED';
  noticeNo: string;
  noticeIssuedAt: string;
  contractDueAt: string;
  announcementEndsAt: string | null;
  contract: { signedAt: string; contractNo: string | null; amount: string | null; recordedAt: string } | null;
  defaultReason: string | null;
}

export function toAwardView(a: AwardEntity, lotted = a.lotNo !== DEFAULT_LOT_NO): AwardView {
  return {
    tenderId: a.tenderId,
    ...(lotted ? { lotNo: a.lotNo } : {}),
    bidId: a.bidId,
    awardeeOrganizationId: a.awardeeOrganizationId,
    awardeeName: a.awardeeName,
    price: a.price,
    rank: a.rank,
    score: a.score,
    status: a.status,
    noticeNo: a.noticeNo,
    noticeIssuedAt: new Date(a.noticeIssuedAt).toISOString(),
    contractDueAt: new Date(a.contractDueAt).toISOString(),
    announcementEndsAt: a.announcementEndsAt ? new Date(a.announcementEndsAt).toISOString() : null,
    contract: a.contractSignedAt
      ? { signedAt: new Date(a.contractSignedAt).toISOString(), contractNo: a.contractNo, amount: a.contractAmount, recordedAt: new Date(a.contractRecordedAt!).toISOString() }
      : null,
    defaultReason: a.defaultReason,
  };
}

/** A recommended candidate of the signed report (TBR Art. 53). */
type Candidate = EvaluationReportContent['candidates'][number];

/** The notice of award as issued: its number, instants and row id. */
interface IssuedNotice {
  id: string;
  noticeNo: string;
  issuedAt: Date;
  contractDueAt: Date;
  announcementEndsAt: Date | null;
}

/**
 * 定标 and the notice of award (中标通知书, TBL Art. 45; EB20 Art. 36):
 * - engineering: after the candidate publicity has ended with every objection answered (TBR Art. 54);
 * - procurement: from the signed report, with the 1-working-day award announcement that also lists the
 *   evaluators (MOF87 Art. 69); if the purchaser does not decide within 5 working days the rank-1 candidate is
 *   deemed chosen (MOF87 Art. 68, the AWARD_DECISION_DUE event).
 * A state-funded project awards the best-ranked candidate still standing (TBR Art. 55; MOF87 Art. 68). The award
 * reveals the draw's seed and announces AwardNoticeIssued.
 */
@Injectable()
export class AwardTenderUseCase implements UseCase<AwardCommand, AwardView> {
  private readonly logger = new Logger(AwardTenderUseCase.name);

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
    private readonly panels: PanelService,
    private readonly events: DomainEvents,
    private readonly awards: AwardsRepository,
    private readonly deadlines: DeadlinesRepository,
    private readonly lots: EvaluationLots,
  ) {}

  @OnTimedEvent(ScheduledEventKind.AwardDecisionDue)
  async onAwardDecisionDue(m: EntityManager, event: ScheduledEventEntity): Promise<void> {
    await this.onDecisionDue(m, event);
  }

  async execute(cmd: AwardCommand): Promise<AwardView> {
    return this.tx.run(async (m) => {
      const tender = await this.tenders.lockForOwner(m, cmd.tenderId, cmd.actor);
      // TBR Art. 62; GPL Art. 57: a suspension ordered by the supervisory department holds the award.
      if (tender.suspendedAt) throw EvaluationException.suspendedByOrder(tender.suspendedAt);
      return this.award(m, tender, await this.lots.one(m, tender, cmd.lotNo ?? DEFAULT_LOT_NO), cmd.bidId, cmd.actor, false);
    });
  }

  /** load → decide → persist → announce; a repeated award of the same bid returns the award. */
  private async award(m: EntityManager, tender: TenderEntity, lot: EvaluationLot, bidId: string, actor: Actor, deemed: boolean): Promise<AwardView> {
    const view = (a: AwardEntity) => toAwardView(a, lot.lotted);
    const repeated = await this.standingAward(m, tender, lot, bidId);
    if (repeated) return view(repeated);
    const report = await this.loadAwardableReport(m, tender, lot);
    const chosen = await this.decideAwardee(m, tender, lot, report, bidId);
    const notice = await this.persistNotice(m, tender, lot, chosen);
    if (notice.announcementEndsAt) await this.startAwardAnnouncement(m, tender, lot, report, chosen, notice, notice.announcementEndsAt, deemed);
    await this.announce(m, tender, lot, chosen, notice, actor, deemed);
    return view(await m.findOneByOrFail(AwardEntity, { id: notice.id }));
  }

  /** The lot's standing award of this bid (a repeated request); another bid's standing award is a conflict. */
  private async standingAward(m: EntityManager, tender: TenderEntity, lot: EvaluationLot, bidId: string): Promise<AwardEntity | null> {
    const active = await this.awards.standingOf(m, tender.id, lot.lotNo);
    if (!active.length) return null;
    if (active[0].bidId === bidId) return m.findOneByOrFail(AwardEntity, { id: active[0].id });
    throw EvaluationException.conflict(lot.lotted ? `Lot ${lot.lotNo} is already awarded` : 'The tender is already awarded');
  }

  /**
   * The signed report with candidates of a lot that may be awarded now: engineering, once its candidate publicity
   * has ended with every objection answered (TBR Art. 54) — the publicity is closed here if still running;
   * procurement, from the report on.
   */
  private async loadAwardableReport(m: EntityManager, tender: TenderEntity, lot: EvaluationLot): Promise<EvaluationReportEntity> {
    const lotNo = lot.lotNo;
    if (lot.status === 'FAILED') throw EvaluationException.notOpen(`Lot ${lotNo} has failed: it is not awarded`);
    const ev = await this.ctx.evaluation(m, tender.id);
    const report = await this.reports.latestEntity(tender.id, m, lotNo);
    if (ev.status !== 'COMPLETED' || !report || report.outcome !== 'CANDIDATES') throw EvaluationException.reportNotReady();

    if (tender.regime === 'ENGINEERING') {
      if (tender.status !== TenderStatus.PUBLICITY) throw EvaluationException.notOpen('Publish the candidates first (TBR Art. 54)');
      const publicity = await m.findOne(CandidatePublicityEntity, {
        where: { tenderId: tender.id, lotNo, kind: 'CANDIDATE_PUBLICITY', reportVersion: report.version },
        order: { createdAt: 'DESC' },
      });
      if (!publicity || publicity.status === 'WITHDRAWN') throw EvaluationException.notOpen('Publish the candidates first (TBR Art. 54)');
      if (!(await this.deadlines.hasPassed(m, publicity.endsAt))) throw EvaluationException.publicityNotEnded(new Date(publicity.endsAt));
      // TBR Art. 54 ¶2: the process is suspended until every objection to the result is answered.
      const pending = await this.awards.pendingObjectionIds(m, tender.id);
      if (pending.length) throw EvaluationException.suspended(pending);
      if (publicity.status === 'RUNNING') {
        await this.awards.endPublicity(m, publicity.id);
        await this.scheduler.cancel(m, ScheduledEventKind.PublicityEnd, publicity.id);
      }
    } else if (tender.status !== TenderStatus.EVALUATION && tender.status !== TenderStatus.PUBLICITY) {
      throw EvaluationException.notOpen(`The tender is ${tender.status}`);
    }
    return report;
  }

  /** The chosen bid must be a candidate still standing; a state-funded project takes the best-ranked one (TBR Art. 55). */
  private async decideAwardee(m: EntityManager, tender: TenderEntity, lot: EvaluationLot, report: EvaluationReportEntity, bidId: string): Promise<Candidate> {
    const candidates = report.content.candidates;
    const chosen = candidates.find((c) => c.bidId === bidId);
    if (!chosen) throw EvaluationException.notCandidate();
    const defaulted = await this.awards.defaultedBidIds(m, tender.id, lot.lotNo);
    if (defaulted.includes(bidId)) throw EvaluationException.conflict('This candidate has already declined or defaulted');
    const standing = candidates.filter((c) => !defaulted.includes(c.bidId));
    const rules = await this.ctx.rules(m, tender.id);
    if (rules.stateFunded) {
      // TBR Art. 55 (MOF87 Art. 68): a state-funded project awards the first candidate; if it declines, the next.
      const best = Math.min(...standing.map((c) => c.rank));
      if (chosen.rank !== best) {
        throw EvaluationException.rankRule(`A state-funded project awards the best-ranked candidate still standing (rank ${best}) (TBR Art. 55)`);
      }
    }
    return chosen;
  }

  /** The notice of award, numbered and dated by the database clock, with the contract's due date (TBL Art. 46). */
  private async persistNotice(m: EntityManager, tender: TenderEntity, lot: EvaluationLot, chosen: Candidate): Promise<IssuedNotice> {
    const now = await this.tx.now(m);
    const cal = await this.calendars.calendar(m);
    const contractDueAt = AwardPeriods.contractDue(cal, tender.regime, now);
    const announcementEndsAt = tender.regime === 'GOV_PROCUREMENT' ? AwardPeriods.announcementEnd(cal, now) : null;
    const n = await this.awards.nextNoticeSeq(m, tender.id);
    const noticeNo = `ZB-${now.toISOString().slice(0, 10).replace(/-/g, '')}-${tender.id.slice(0, 8).toUpperCase()}-${n}`;
    const id = await this.awards.insert(m, {
      tenderId: tender.id,
      lotNo: lot.lotNo,
      bidId: chosen.bidId,
      awardeeOrganizationId: chosen.bidderOrganizationId,
      awardeeName: chosen.bidderName,
      price: chosen.price,
      rank: chosen.rank,
      score: chosen.score,
      noticeNo,
      noticeIssuedAt: now,
      contractDueAt,
      announcementEndsAt,
    });
    return { id, noticeNo, issuedAt: now, contractDueAt, announcementEndsAt };
  }

  /** MOF87 Art. 69: the award announcement, with the tender document reference and the list of evaluators. */
  private async startAwardAnnouncement(
    m: EntityManager,
    tender: TenderEntity,
    lot: EvaluationLot,
    report: EvaluationReportEntity,
    chosen: Candidate,
    notice: IssuedNotice,
    endsAt: Date,
    deemed: boolean,
  ): Promise<void> {
    const members = (await this.panels.members(m, tender.id)).filter((x) => x.status === 'COMPLETED');
    const content: AwardAnnouncementContent = {
      title: tender.title,
      ...(lot.lotted ? { lot: { lotNo: lot.lotNo, title: lot.title } } : {}),
      awardee: { name: chosen.bidderName, price: chosen.price, score: chosen.score, rank: chosen.rank },
      evaluators: members.map((x) => x.name),
      noticeNo: notice.noticeNo,
      deemed,
    };
    const publicityId = await this.awards.insertAwardAnnouncement(m, {
      tenderId: tender.id,
      lotNo: lot.lotNo,
      reportVersion: report.version,
      startsAt: notice.issuedAt,
      endsAt,
      content,
    });
    await this.scheduler.plan(m, { kind: ScheduledEventKind.PublicityEnd, subjectId: publicityId, tenderId: tender.id, runAt: endsAt });
  }

  /** The tender is AWARDED once every lot that has not failed is awarded; the notice is audited and AwardNoticeIssued announced. */
  private async announce(m: EntityManager, tender: TenderEntity, lot: EvaluationLot, chosen: Candidate, notice: IssuedNotice, actor: Actor, deemed: boolean): Promise<void> {
    const { lotNo } = lot;
    const bidId = chosen.bidId;
    // Lots: the tender is AWARDED once every lot that has not failed is awarded (each lot is its own award).
    const awaiting = await this.lotsAwaitingAward(m, tender);
    if (!awaiting.length) {
      await this.stateMachine.transition(m, tender.id, TenderStatus.AWARDED, actor, {
        from: tender.regime === 'ENGINEERING' ? [TenderStatus.PUBLICITY] : [TenderStatus.EVALUATION, TenderStatus.PUBLICITY],
        data: { bidId, awardeeOrganizationId: chosen.bidderOrganizationId, rank: chosen.rank, deemed, ...(lot.lotted ? { lotNo } : {}) },
      });
      await this.scheduler.cancel(m, ScheduledEventKind.AwardDecisionDue, tender.id);
      await this.draws.revealSeed(m, tender.id, actor);
    }
    await this.audit.append(m, {
      actor,
      action: 'NOTICE_OF_AWARD_ISSUED',
      objectType: 'award',
      objectId: notice.id,
      tenderId: tender.id,
      data: {
        bidId,
        awardeeOrganizationId: chosen.bidderOrganizationId,
        awardeeName: chosen.bidderName,
        price: chosen.price,
        rank: chosen.rank,
        noticeNo: notice.noticeNo,
        contractDueAt: notice.contractDueAt.toISOString(),
        announcementEndsAt: notice.announcementEndsAt?.toISOString() ?? null,
        deemed,
        ...(lot.lotted ? { lotNo } : {}),
      },
    });
    await this.events.emit(m, 'AwardNoticeIssued', { tenderId: tender.id, awardeeOrganizationId: chosen.bidderOrganizationId, bidId, ...(lot.lotted ? { lotNo } : {}) }, actor);
  }

  /** The lots that have not failed and have no standing award yet (a tender without lots: lot 1 until awarded). */
  private async lotsAwaitingAward(m: EntityManager, tender: TenderEntity): Promise<EvaluationLot[]> {
    const awarded = await this.awards.awardedLotNos(m, tender.id);
    return (await this.lots.all(m, tender)).filter((l) => l.status === 'ACTIVE' && !awarded.includes(l.lotNo));
  }

  /**
   * AWARD_DECISION_DUE (procurement): 5 working days after the report without a decision, the rank-1 candidate
   * is deemed chosen (MOF87 Art. 68). Never by lot: with several candidates sharing rank 1 nothing is deemed.
   */
  private async onDecisionDue(m: EntityManager, event: ScheduledEventEntity): Promise<void> {
    const tender = await this.stateMachine.lock(m, event.subjectId);
    if (tender.regime !== 'GOV_PROCUREMENT' || tender.status !== TenderStatus.EVALUATION) return;
    // Lots: each lot still awaiting its award is decided on its own report.
    for (const lot of await this.lotsAwaitingAward(m, tender)) {
      const report = await this.reports.latestEntity(tender.id, m, lot.lotNo);
      if (!report || report.outcome !== 'CANDIDATES') continue;
      const firsts = report.content.candidates.filter((c) => c.rank === 1);
      if (firsts.length !== 1) {
        await this.audit.append(m, {
          actor: SYSTEM_ACTOR,
          action: 'AWARD_DECISION_OVERDUE',
          objectType: 'tender',
          objectId: tender.id,
          tenderId: tender.id,
          data: { reason: `${firsts.length} candidates share rank 1: none is deemed chosen (O1117 (二): no lot)`, ...(lot.lotted ? { lotNo: lot.lotNo } : {}) },
        });
        continue;
      }
      this.logger.log(`tender ${tender.id} lot ${lot.lotNo}: no decision within 5 working days, rank 1 deemed chosen (MOF87 Art. 68)`);
      await this.award(m, tender, lot, firsts[0].bidId, SYSTEM_ACTOR, true);
    }
  }
}
