import { Injectable } from '@nestjs/common';
import { Actor } from 'src/common/auth/actor';
import { DomainEvents } from 'src/common/events/domain-events';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { ScheduledEventKind } from 'src/infra/queue/queue.constants';
import { NotificationsService } from '../../notifications/notifications.service';
import { SchedulerService } from '../../scheduling/scheduler.service';
import { TenderDocumentsService } from '../tender-documents.service';
import { TenderLifecycleHooks } from '../tender-lifecycle.hooks';
import { TENDER_TRANSITIONS, TenderStateMachine } from '../tender-state-machine';
import { TenderStatus } from '../tender.enums';
import { TenderException } from '../tender.exception';
import { TendersService, TenderView } from '../tenders.service';

/** Events that stay planned when a tender is cancelled: money owed to bidders is still paid (TBR Arts. 31, 35). */
const SURVIVE_CANCELLATION: ScheduledEventKind[] = [ScheduledEventKind.BidSecurityRefund];

export interface CancelTenderCommand {
  tenderId: string;
  actor: Actor;
  reason: string;
}

/**
 * 终止招标 (TBR Art. 31; MOF87 Art. 29): the procuring entity cancels with a reason. Its pending timed events are
 * cancelled, the 'cancelled' hooks run (bid security refunds with interest...), `TenderCancelled` is emitted and
 * every registered party that downloaded the documents is notified — all in one transaction.
 */
@Injectable()
export class CancelTenderUseCase {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly tenders: TendersService,
    private readonly stateMachine: TenderStateMachine,
    private readonly scheduler: SchedulerService,
    private readonly hooks: TenderLifecycleHooks,
    private readonly events: DomainEvents,
    private readonly documents: TenderDocumentsService,
    private readonly notifications: NotificationsService,
  ) {}

  async execute(cmd: CancelTenderCommand): Promise<TenderView> {
    return this.tx.run(async (m) => {
      const tender = await this.tenders.lockForOwner(m, cmd.tenderId, cmd.actor);
      if (!TENDER_TRANSITIONS[tender.status].includes(TenderStatus.CANCELLED)) {
        throw TenderException.conflict(`A ${tender.status} tender cannot be cancelled`);
      }
      const pending: Array<{ kind: ScheduledEventKind; subject_id: string }> = await m.query(
        `SELECT kind, subject_id FROM scheduled_events WHERE (tender_id = $1 OR subject_id = $1) AND status = 'PENDING'`,
        [tender.id],
      );
      const toCancel = pending.filter((e) => !SURVIVE_CANCELLATION.includes(e.kind));
      for (const e of toCancel) await this.scheduler.cancel(m, e.kind, e.subject_id);
      const cancelled = await this.stateMachine.transition(m, tender.id, TenderStatus.CANCELLED, cmd.actor, {
        reason: cmd.reason,
        patch: { suspendedAt: null },
        data: { cancelledEvents: toCancel.map((e) => e.kind) },
      });
      await this.hooks.run('cancelled', m, cancelled);
      await this.events.emit(m, 'TenderCancelled', { tenderId: tender.id, reason: cmd.reason }, cmd.actor);
      const recipients = await this.documents.downloaders(m, tender.id);
      await this.notifications.enqueue(
        m,
        recipients.map((r) => ({
          recipientUserId: r.userId,
          recipientOrganizationId: r.organizationId,
          tenderId: tender.id,
          topic: 'TENDER_CANCELLED',
          subject: `【终止招标公告】${tender.title}`,
          body: `招标人终止了本次招标。理由：${cmd.reason}\n已缴纳的投标保证金将连同同期存款利息退还（招标投标法实施条例第三十一条）。`,
          dedupeKey: `cancel-${tender.id}-user-${r.userId}`,
        })),
      );
      return this.tenders.get(tender.id, cmd.actor, m);
    });
  }
}
