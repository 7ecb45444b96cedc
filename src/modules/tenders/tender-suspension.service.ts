import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor, SYSTEM_ACTOR } from 'src/common/auth/actor';
import { ScheduledEventKind } from 'src/infra/queue/queue.constants';
import { AuditService } from '../audit/audit.service';
import { SchedulerService } from '../scheduling/scheduler.service';
import { TenderPeriods } from './tender-periods';
import { EscrowKeyService } from './escrow-key.service';
import { TenderEntity } from './tender.entity';
import { TenderStatus } from './tender.enums';
import { SuspensionCauses, TendersRepository } from './tenders.repository';

const DAY_MS = 86_400_000;

/**
 * 暂停招标投标活动: one suspension per tender (tenders.suspended_at) with several possible causes — an unanswered
 * objection to the documents (TBR Art. 22) or to the result (TBR Art. 54), a suspension ordered by the supervisory
 * department on accepting a complaint (TBR Art. 62; GPL Art. 57), an unanswered procurement challenge to the award
 * (no contract meanwhile: regulations.md row 97). The tender resumes only when no cause remains.
 * While PUBLISHED its BID_DEADLINE event is cancelled, and on resuming the deadline moves later by the length of the
 * suspension (whole days under enforced periods, so the opening keeps its time of day); later, a suspended tender
 * cannot be awarded or contracted (AwardTenderUseCase, RecordContractUseCase).
 */
@Injectable()
export class TenderSuspensionService {
  constructor(
    private readonly scheduler: SchedulerService,
    private readonly audit: AuditService,
    private readonly periods: TenderPeriods,
    private readonly escrowKeys: EscrowKeyService,
    private readonly tenders: TendersRepository,
  ) {}

  /** Suspends the (locked) tender if it is not suspended yet; the cause is recorded. */
  async suspend(m: EntityManager, tender: TenderEntity, now: Date, cause: Record<string, unknown>, actor: Actor = SYSTEM_ACTOR): Promise<void> {
    if (tender.suspendedAt) return;
    if (tender.status === TenderStatus.PUBLISHED) await this.scheduler.cancel(m, ScheduledEventKind.BidDeadline, tender.id);
    await m.update(TenderEntity, { id: tender.id }, { suspendedAt: now });
    tender.suspendedAt = now;
    await this.audit.append(m, {
      actor,
      action: 'TENDER_SUSPENDED',
      objectType: 'tender',
      objectId: tender.id,
      tenderId: tender.id,
      data: { ...cause, bidDeadline: tender.bidDeadline.toISOString() },
    });
  }

  /** The causes still holding the tender: pending document objections and complaints with an active suspension. */
  async causes(m: EntityManager, tenderId: string): Promise<SuspensionCauses> {
    return this.tenders.suspensionCauses(m, tenderId);
  }

  /** Resumes the (locked) tender when no cause remains; returns whether it resumed. */
  async resumeIfClear(m: EntityManager, tender: TenderEntity, now: Date, actor: Actor = SYSTEM_ACTOR): Promise<boolean> {
    if (!tender.suspendedAt) return false;
    const c = await this.causes(m, tender.id);
    if (c.objections > 0 || c.complaints > 0 || c.challenges > 0) return false;
    const suspendedAt = tender.suspendedAt;
    const data: Record<string, unknown> = { suspendedAt: suspendedAt.toISOString() };
    if (tender.status === TenderStatus.PUBLISHED) {
      const suspendedMs = now.getTime() - suspendedAt.getTime();
      const extendMs = this.periods.enforced ? Math.max(1, Math.ceil(suspendedMs / DAY_MS)) * DAY_MS : Math.ceil(suspendedMs / 1000) * 1000;
      const bidDeadline = new Date(tender.bidDeadline.getTime() + extendMs);
      await m.update(TenderEntity, { id: tender.id }, { suspendedAt: null, bidDeadline });
      await this.escrowKeys.rescheduleRelease(m, tender.id, bidDeadline, 'SUSPENSION', actor); // no custodian releases a share before it (issue 17)
      await this.scheduler.plan(m, { kind: ScheduledEventKind.BidDeadline, subjectId: tender.id, tenderId: tender.id, runAt: bidDeadline });
      Object.assign(data, { previousBidDeadline: tender.bidDeadline.toISOString(), bidDeadline: bidDeadline.toISOString() });
      tender.bidDeadline = bidDeadline;
    } else {
      await m.update(TenderEntity, { id: tender.id }, { suspendedAt: null });
    }
    tender.suspendedAt = null;
    await this.audit.append(m, { actor, action: 'TENDER_RESUMED', objectType: 'tender', objectId: tender.id, tenderId: tender.id, data });
    return true;
  }
}
