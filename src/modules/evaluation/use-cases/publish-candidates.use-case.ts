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
import { EvaluationLots } from '../evaluation-lots';
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

  async execute(cmd: PublishCandidatesCommand): Promise<PublicityView> {
    return this.tx.run(async (m) => {
      const tender = await this.tenders.lockForOwner(m, cmd.tenderId, cmd.actor);
      if (tender.regime === 'GOV_PROCUREMENT') throw EvaluationException.publicityNotApplicable();
      const lotNo = cmd.lotNo ?? DEFAULT_LOT_NO;
      const lot = await this.lots.one(m, tender, lotNo);
      const running = await m.findOneBy(CandidatePublicityEntity, { tenderId: tender.id, lotNo, status: 'RUNNING', kind: 'CANDIDATE_PUBLICITY' });
      if (tender.status === TenderStatus.PUBLICITY && running) return toPublicityView(running); // a repeated request
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
        if (done) return toPublicityView(done); // this lot's candidates were published already
      }

      const now = await this.tx.now(m);
      const cal = await this.calendars.calendar(m);
      const minimumEnd = AwardPeriods.publicityMinimumEnd(cal, now);
      const endsAt = cmd.endsAt ? new Date(cmd.endsAt) : minimumEnd;
      if (endsAt.getTime() < new Date(now).getTime()) {
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
      const late = new Date(now).getTime() > due.getTime();
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
      await this.audit.append(m, {
        actor: cmd.actor,
        action: 'CANDIDATE_PUBLICITY_STARTED',
        objectType: 'candidate_publicity',
        objectId: publicityId,
        tenderId: tender.id,
        data: {
          ...(lot.lotted ? { lotNo } : {}),
          reportVersion: report.version,
          startsAt: new Date(now).toISOString(),
          endsAt: endsAt.toISOString(),
          publicationDue: due.toISOString(),
          late,
        },
      });
      return toPublicityView(await m.findOneByOrFail(CandidatePublicityEntity, { id: publicityId }));
    });
  }
}
