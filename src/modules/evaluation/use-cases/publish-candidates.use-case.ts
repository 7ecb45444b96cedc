import { Injectable } from '@nestjs/common';
import { Actor } from 'src/common/auth/actor';
import { ValidationFailedException } from 'src/common/errors/domain.exception';
import { AppConfig } from 'src/infra/config/app-config';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { ScheduledEventKind } from 'src/infra/queue/queue.constants';
import { AuditService } from '../../audit/audit.service';
import { SchedulerService } from '../../scheduling/scheduler.service';
import { LegalCalendarService } from '../../tenders/legal-calendar/legal-calendar.service';
import { TenderStateMachine } from '../../tenders/tender-state-machine';
import { TenderStatus } from '../../tenders/tender.enums';
import { TendersService } from '../../tenders/tenders.service';
import { AwardPeriods } from '../award-periods';
import { CandidatePublicityContent, CandidatePublicityEntity, PublicityContent } from '../entities/candidate-publicity.entity';
import { EvaluationContext } from '../evaluation-context';
import { EvaluationException } from '../evaluation.exception';
import { EvaluationReportService } from '../report/evaluation-report.service';
import { DEFAULT_LOT_NO } from '../../tenders/tender-lots';
import { EvaluationLot, EvaluationLots } from '../evaluation-lots';
import { EntityManager } from 'typeorm';
import { TenderEntity } from '../../tenders/tender.entity';
import { EvaluationReportEntity } from '../entities/evaluation-report.entity';
import { AwardsRepository } from '../awards.repository';
import { UseCase } from 'src/common/use-case';

export interface PublishCandidatesCommand {
  tenderId: string;
  endsAt?: string;
  actor: Actor;
  /** The lot (标段); omitted (v1): lot 1 — a tender without lots is lot 1. */
  lotNo?: number;
}

export interface PublicityView {
  id: string;
  tenderId: string;
  /** Only on a tender with lots. */
  lotNo?: number;
  kind: 'CANDIDATE_PUBLICITY' | 'AWARD_ANNOUNCEMENT';
  status: 'RUNNING' | 'ENDED' | 'WITHDRAWN';
  startsAt: string;
  endsAt: string;
  reportVersion: number;
  content: PublicityContent;
}

export function toPublicityView(p: CandidatePublicityEntity): PublicityView {
  return {
    id: p.id,
    tenderId: p.tenderId,
    ...(p.content.lot ? { lotNo: p.lotNo } : {}),
    kind: p.kind,
    status: p.status,
    startsAt: new Date(p.startsAt).toISOString(),
    endsAt: new Date(p.endsAt).toISOString(),
    reportVersion: p.reportVersion,
    content: p.content,
  };
}

/** The publicity's period by the database clock, and whether it comes later than the law asks. */
interface PublicityPeriod {
  now: Date;
  endsAt: Date;
  /** Published within 3 days of the report (TBR Art. 54). */
  due: Date;
  late: boolean;
}

/**
 * 中标候选人公示 (engineering): the procuring entity publishes the candidates of the signed report on the platform
 * for at least 3 days (TBR Art. 54; EB20 Art. 35) — under LEGAL_PERIODS=relaxed, until any later instant. The
 * notice says how to object. Procurement has no publicity: its award announcement comes with the award.
 */
@Injectable()
export class PublishCandidatesUseCase implements UseCase<PublishCandidatesCommand, PublicityView> {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly audit: AuditService,
    private readonly tenders: TendersService,
    private readonly stateMachine: TenderStateMachine,
    private readonly scheduler: SchedulerService,
    private readonly calendars: LegalCalendarService,
    private readonly config: AppConfig,
    private readonly ctx: EvaluationContext,
    private readonly reports: EvaluationReportService,
    private readonly awards: AwardsRepository,
    private readonly lots: EvaluationLots,
  ) {}

  /** load → decide (the period) → persist (the publicity, PUBLICITY) → announce; a repeated request returns the publicity. */
  async execute(cmd: PublishCandidatesCommand): Promise<PublicityView> {
    return this.tx.run(async (m) => {
      const tender = await this.tenders.lockForOwner(m, cmd.tenderId, cmd.actor);
      if (tender.regime === 'GOV_PROCUREMENT') throw EvaluationException.publicityNotApplicable();
      const lot = await this.lots.one(m, tender, cmd.lotNo ?? DEFAULT_LOT_NO);
      const loaded = await this.load(m, tender, lot);
      if ('published' in loaded) return toPublicityView(loaded.published);
      const period = await this.decidePeriod(m, loaded.report, cmd);
      const publicityId = await this.persist(m, tender, lot, loaded.report, period, cmd);
      await this.announce(m, tender, lot, loaded.report, period, publicityId, cmd);
      return toPublicityView(await m.findOneByOrFail(CandidatePublicityEntity, { id: publicityId }));
    });
  }

  /** The lot's signed report with candidates, or its publicity when already published (running, or ended on a lot). */
  private async load(m: EntityManager, tender: TenderEntity, lot: EvaluationLot): Promise<{ published: CandidatePublicityEntity } | { report: EvaluationReportEntity }> {
    const lotNo = lot.lotNo;
    const running = await m.findOneBy(CandidatePublicityEntity, { tenderId: tender.id, lotNo, status: 'RUNNING', kind: 'CANDIDATE_PUBLICITY' });
    if (tender.status === TenderStatus.PUBLICITY && running) return { published: running }; // a repeated request
    // Lots: each lot publishes its own candidates; the tender is in PUBLICITY from the first lot's publicity on.
    const open = tender.status === TenderStatus.EVALUATION || (lot.lotted && tender.status === TenderStatus.PUBLICITY);
    if (!open) throw EvaluationException.notOpen(`The tender is ${tender.status}`);
    if (lot.status === 'FAILED') throw EvaluationException.notOpen(`Lot ${lotNo} has failed: it has no candidates`);
    const ev = await this.ctx.evaluation(m, tender.id);
    const report = await this.reports.latestEntity(tender.id, m, lotNo);
    if (ev.status !== 'COMPLETED' || !report || report.outcome !== 'CANDIDATES') throw EvaluationException.reportNotReady();
    if (lot.lotted) {
      const done = await m.findOne(CandidatePublicityEntity, {
        where: { tenderId: tender.id, lotNo, kind: 'CANDIDATE_PUBLICITY', reportVersion: report.version, status: 'ENDED' },
        order: { createdAt: 'DESC' },
      });
      if (done) return { published: done }; // this lot's candidates were published already
    }
    return { report };
  }

  /**
   * From now (database clock) to `endsAt` (default: the 3-day minimum, TBR Art. 54, lifted under
   * LEGAL_PERIODS=relaxed); whether the publication is late (published within 3 days of the report).
   */
  private async decidePeriod(m: EntityManager, report: EvaluationReportEntity, cmd: PublishCandidatesCommand): Promise<PublicityPeriod> {
    const now = await this.tx.now(m);
    const cal = await this.calendars.calendar(m);
    const minimumEnd = AwardPeriods.publicityMinimumEnd(cal, now);
    const endsAt = cmd.endsAt ? new Date(cmd.endsAt) : minimumEnd;
    if (endsAt.getTime() < now.getTime()) {
      throw new ValidationFailedException([{ field: 'endsAt', errors: ['endsAt must not be in the past'] }]);
    }
    // TBR Art. 54: the publicity lasts at least 3 days (a minimum period: lifted under LEGAL_PERIODS=relaxed).
    if (this.config.legalPeriodsEnforced && endsAt.getTime() < minimumEnd.getTime()) {
      throw EvaluationException.legalPeriod('The candidate publicity lasts at least 3 days (TBR Art. 54)', {
        rule: 'MIN_CANDIDATE_PUBLICITY_DAYS',
        article: 'TBR Art. 54',
        earliest: minimumEnd.toISOString(),
      });
    }
    // TBR Art. 54: published within 3 days of receiving the report; a late publication is recorded, not refused.
    const due = AwardPeriods.publicationDue(cal, new Date(report.createdAt));
    return { now, endsAt, due, late: now.getTime() > due.getTime() };
  }

  /** The publicity, RUNNING until `endsAt` (PUBLICITY_END planned); the tender enters PUBLICITY with its first one. */
  private async persist(
    m: EntityManager,
    tender: TenderEntity,
    lot: EvaluationLot,
    report: EvaluationReportEntity,
    { now, endsAt }: PublicityPeriod,
    cmd: PublishCandidatesCommand,
  ): Promise<string> {
    const lotNo = lot.lotNo;
    const c = report.content;
    const content: CandidatePublicityContent = {
      title: tender.title,
      ...(lot.lotted ? { lot: { lotNo, title: lot.title } } : {}),
      candidates: c.candidates.map((x) => ({ rank: x.rank, bidderName: x.bidderName, price: x.price, score: x.score })),
      // O1117 (五) encourages publishing why bids were rejected.
      rejectedBids: c.rejectedBids.map((x) => ({ bidderName: x.bidderName, grounds: x.groundsText, reasons: x.reasons })),
      objections: {
        how: `POST /api/v1/tenders/${tender.id}/result-objections before the publicity ends`,
        answerWithinDays: 3,
        basis: '投标人或者其他利害关系人对评标结果有异议的，应当在中标候选人公示期间提出；招标人应当自收到异议之日起3日内作出答复（招标投标法实施条例第五十四条）',
      },
    };
    const publicityId = await this.awards.insertCandidatePublicity(m, { tenderId: tender.id, lotNo, reportVersion: report.version, startsAt: now, endsAt, content });
    if (tender.status === TenderStatus.EVALUATION) {
      await this.stateMachine.transition(m, tender.id, TenderStatus.PUBLICITY, cmd.actor, {
        from: [TenderStatus.EVALUATION],
        data: { publicityId, endsAt: endsAt.toISOString(), ...(lot.lotted ? { lotNo } : {}) },
      });
    }
    await this.scheduler.plan(m, { kind: ScheduledEventKind.PublicityEnd, subjectId: publicityId, tenderId: tender.id, runAt: endsAt });
    return publicityId;
  }

  private async announce(
    m: EntityManager,
    tender: TenderEntity,
    lot: EvaluationLot,
    report: EvaluationReportEntity,
    { now, endsAt, due, late }: PublicityPeriod,
    publicityId: string,
    cmd: PublishCandidatesCommand,
  ): Promise<void> {
    await this.audit.append(m, {
      actor: cmd.actor,
      action: 'CANDIDATE_PUBLICITY_STARTED',
      objectType: 'candidate_publicity',
      objectId: publicityId,
      tenderId: tender.id,
      data: {
        ...(lot.lotted ? { lotNo: lot.lotNo } : {}),
        reportVersion: report.version,
        startsAt: now.toISOString(),
        endsAt: endsAt.toISOString(),
        publicationDue: due.toISOString(),
        late,
      },
    });
  }
}
