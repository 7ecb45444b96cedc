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
import { CandidatePublicityEntity } from '../entities/candidate-publicity.entity';
import { EvaluationContext } from '../evaluation-context';
import { EvaluationException } from '../evaluation.exception';
import { EvaluationReportService } from '../report/evaluation-report.service';
import { DEFAULT_LOT_NO } from '../../tenders/tender-lots';
import { EvaluationLot, evaluationLot, evaluationLots } from '../evaluation-lots';
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

interface Candidate {
  rank: number;
  bidId: string;
  bidderOrganizationId: string;
  bidderName: string;
  price: string;
  score: string | null;
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
      return this.award(m, tender, await evaluationLot(m, tender, cmd.lotNo ?? DEFAULT_LOT_NO), cmd.bidId, cmd.actor, false);
    });
  }

  private async award(m: EntityManager, tender: TenderEntity, lot: EvaluationLot, bidId: string, actor: Actor, deemed: boolean): Promise<AwardView> {
    const lotNo = lot.lotNo;
    const view = (a: AwardEntity) => toAwardView(a, lot.lotted);
    const active = await m.query(`SELECT id, bid_id FROM awards WHERE tender_id = $1 AND lot_no = $2 AND status <> 'DEFAULTED'`, [tender.id, lotNo]);
    if (active.length) {
      if (active[0].bid_id === bidId) return view(await m.findOneByOrFail(AwardEntity, { id: active[0].id })); // repeated
      throw EvaluationException.conflict(lot.lotted ? `Lot ${lotNo} is already awarded` : 'The tender is already awarded');
    }
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
      const [{ ended }] = await m.query(`SELECT $1::timestamptz <= clock_timestamp() AS ended`, [publicity.endsAt]);
      if (!ended) throw EvaluationException.publicityNotEnded(new Date(publicity.endsAt));
      // TBR Art. 54 ¶2: the process is suspended until every objection to the result is answered.
      const pending: Array<{ id: string }> = await m.query(`SELECT id FROM result_objections WHERE tender_id = $1 AND status = 'PENDING'`, [tender.id]);
      if (pending.length) throw EvaluationException.suspended(pending.map((p) => p.id));
      if (publicity.status === 'RUNNING') {
        await m.query(`UPDATE candidate_publicities SET status = 'ENDED' WHERE id = $1`, [publicity.id]);
        await this.scheduler.cancel(m, ScheduledEventKind.PublicityEnd, publicity.id);
      }
    } else if (tender.status !== TenderStatus.EVALUATION && tender.status !== TenderStatus.PUBLICITY) {
      throw EvaluationException.notOpen(`The tender is ${tender.status}`);
    }

    const candidates = (report.content as { candidates: Candidate[] }).candidates;
    const chosen = candidates.find((c) => c.bidId === bidId);
    if (!chosen) throw EvaluationException.notCandidate();
    const defaulted: Array<{ bid_id: string }> = await m.query(`SELECT bid_id FROM awards WHERE tender_id = $1 AND lot_no = $2 AND status = 'DEFAULTED'`, [tender.id, lotNo]);
    if (defaulted.some((d) => d.bid_id === bidId)) throw EvaluationException.conflict('This candidate has already declined or defaulted');
    const standing = candidates.filter((c) => !defaulted.some((d) => d.bid_id === c.bidId));
    const rules = await this.ctx.rules(m, tender.id);
    if (rules.stateFunded) {
      // TBR Art. 55 (MOF87 Art. 68): a state-funded project awards the first candidate; if it declines, the next.
      const best = Math.min(...standing.map((c) => c.rank));
      if (chosen.rank !== best) {
        throw EvaluationException.rankRule(`A state-funded project awards the best-ranked candidate still standing (rank ${best}) (TBR Art. 55)`);
      }
    }

    const [{ now }]: Array<{ now: Date }> = await m.query(`SELECT clock_timestamp() AS now`);
    const cal = await this.calendars.calendar(m);
    const contractDue = AwardPeriods.contractDue(cal, tender.regime, new Date(now));
    const announcementEnds = tender.regime === 'GOV_PROCUREMENT' ? AwardPeriods.announcementEnd(cal, new Date(now)) : null;
    const [{ n }] = await m.query(`SELECT count(*)::int + 1 AS n FROM awards WHERE tender_id = $1`, [tender.id]);
    const noticeNo = `ZB-${new Date(now).toISOString().slice(0, 10).replace(/-/g, '')}-${tender.id.slice(0, 8).toUpperCase()}-${n}`;
    const [row]: Array<{ id: string }> = await m.query(
      `INSERT INTO awards (tender_id, bid_id, awardee_organization_id, awardee_name, price, rank, score, status, notice_no, notice_issued_at,
                           contract_due_at, announcement_ends_at, lot_no)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'NOTIFIED', $8, $9, $10, $11, $12) RETURNING id`,
      [tender.id, bidId, chosen.bidderOrganizationId, chosen.bidderName, chosen.price, chosen.rank, chosen.score, noticeNo, now, contractDue, announcementEnds, lotNo],
    );

    if (announcementEnds) {
      // MOF87 Art. 69: the award announcement, with the tender document reference and the list of evaluators.
      const members = (await this.panels.members(m, tender.id)).filter((x) => x.status === 'COMPLETED');
      const content = {
        title: tender.title,
        ...(lot.lotted ? { lot: { lotNo, title: lot.title } } : {}),
        awardee: { name: chosen.bidderName, price: chosen.price, score: chosen.score, rank: chosen.rank },
        evaluators: members.map((x) => x.name),
        noticeNo,
        deemed,
      };
      const [pub]: Array<{ id: string }> = await m.query(
        `INSERT INTO candidate_publicities (tender_id, lot_no, report_version, kind, starts_at, ends_at, status, content)
         VALUES ($1, $2, $3, 'AWARD_ANNOUNCEMENT', $4, $5, 'RUNNING', $6) RETURNING id`,
        [tender.id, lotNo, report.version, now, announcementEnds, JSON.stringify(content)],
      );
      await this.scheduler.plan(m, { kind: ScheduledEventKind.PublicityEnd, subjectId: pub.id, tenderId: tender.id, runAt: announcementEnds });
    }
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
      objectId: row.id,
      tenderId: tender.id,
      data: {
        bidId,
        awardeeOrganizationId: chosen.bidderOrganizationId,
        awardeeName: chosen.bidderName,
        price: chosen.price,
        rank: chosen.rank,
        noticeNo,
        contractDueAt: contractDue.toISOString(),
        announcementEndsAt: announcementEnds?.toISOString() ?? null,
        deemed,
        ...(lot.lotted ? { lotNo } : {}),
      },
    });
    await this.events.emit(m, 'AwardNoticeIssued', { tenderId: tender.id, awardeeOrganizationId: chosen.bidderOrganizationId, bidId, ...(lot.lotted ? { lotNo } : {}) }, actor);
    return view(await m.findOneByOrFail(AwardEntity, { id: row.id }));
  }

  /** The lots that have not failed and have no standing award yet (a tender without lots: lot 1 until awarded). */
  private async lotsAwaitingAward(m: EntityManager, tender: TenderEntity): Promise<EvaluationLot[]> {
    const awarded: Array<{ lot_no: number }> = await m.query(`SELECT DISTINCT lot_no FROM awards WHERE tender_id = $1 AND status <> 'DEFAULTED'`, [tender.id]);
    return (await evaluationLots(m, tender)).filter((l) => l.status === 'ACTIVE' && !awarded.some((a) => Number(a.lot_no) === l.lotNo));
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
      const firsts = (report.content as { candidates: Candidate[] }).candidates.filter((c) => c.rank === 1);
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
