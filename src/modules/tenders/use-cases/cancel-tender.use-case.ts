import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor } from 'src/common/auth/actor';
import { DomainEvents } from 'src/common/events/domain-events';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { ScheduledEventKind } from 'src/infra/queue/queue.constants';
import { NotificationsService } from '../../notifications/notifications.service';
import { SchedulerService } from '../../scheduling/scheduler.service';
import { TenderDocumentsService } from '../tender-documents.service';
import { TENDER_TRANSITIONS, TenderStateMachine } from '../tender-state-machine';
import { TenderEntity } from '../tender.entity';
import { TenderStatus } from '../tender.enums';
import { TenderException } from '../tender.exception';
import { TendersService, TenderView } from '../tenders.service';
import { TendersRepository } from '../tenders.repository';
import { UseCase } from 'src/common/use-case';

/** Events that stay planned when a tender is cancelled: money owed to bidders is still paid (TBR Arts. 31, 35). */
const SURVIVE_CANCELLATION: ScheduledEventKind[] = [ScheduledEventKind.BidSecurityRefund];

export interface CancelTenderCommand {
  tenderId: string;
  actor: Actor;
  reason: string;
}

/**
 * 终止招标 (TBR Art. 31; MOF87 Art. 29): the procuring entity cancels with a reason. Its pending timed events are
 * cancelled, `TenderCancelled` is announced (bid security refunds with interest, the panel released, the window close dropped...) and
 * every registered party that downloaded the documents is notified — all in one transaction.
 */
@Injectable()
export class CancelTenderUseCase implements UseCase<CancelTenderCommand, TenderView> {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly tenders: TendersService,
    private readonly stateMachine: TenderStateMachine,
    private readonly scheduler: SchedulerService,
    private readonly events: DomainEvents,
    private readonly documents: TenderDocumentsService,
    private readonly notifications: NotificationsService,
    private readonly repository: TendersRepository,
  ) {}

  async execute(cmd: CancelTenderCommand): Promise<TenderView> {
    return this.tx.run(async (m) => {
      const tender = await this.tenders.lockForOwner(m, cmd.tenderId, cmd.actor);
      // After the notice of award the procuring entity may not walk away (TBL Art. 45 ¶2); only a pre-tender whose
      // pledged approval was not supplied ends there, by the platform (PreTenderService).
      if (tender.status === TenderStatus.AWARDED) throw TenderException.conflict('An AWARDED tender cannot be cancelled by the procuring entity (TBL Art. 45)');
      await this.endLocked(m, tender, cmd.actor, cmd.reason);
      return this.tenders.get(tender.id, cmd.actor, m);
    });
  }

  /**
   * Ends a locked tender (its pending events locked first, see TendersService.lockForOwner) with a published reason:
   * the 终止招标 path shared by the owner's cancellation and the lawful end of a pre-tender whose pledge failed.
   */
  async endLocked(m: EntityManager, tender: TenderEntity, actor: Actor, reason: string, data: Record<string, unknown> = {}): Promise<void> {
    if (!TENDER_TRANSITIONS[tender.status].includes(TenderStatus.CANCELLED)) {
      throw TenderException.conflict(`A ${tender.status} tender cannot be cancelled`);
    }
    const pending = await this.repository.pendingEvents(m, tender.id);
    const toCancel = pending.filter((e) => !SURVIVE_CANCELLATION.includes(e.kind));
    for (const e of toCancel) await this.scheduler.cancel(m, e.kind, e.subjectId);
    await this.stateMachine.transition(m, tender.id, TenderStatus.CANCELLED, actor, {
      reason,
      patch: { suspendedAt: null },
      data: { cancelledEvents: toCancel.map((e) => e.kind), ...data },
    });
    await this.events.emit(m, 'TenderCancelled', { tenderId: tender.id, reason }, actor);
    const recipients = await this.documents.downloaders(m, tender.id);
    await this.notifications.enqueue(
      m,
      recipients.map((r) => ({
        recipientUserId: r.userId,
        recipientOrganizationId: r.organizationId,
        tenderId: tender.id,
        topic: 'TENDER_CANCELLED',
        subject: `【终止招标公告】${tender.title}`,
        body: `本次招标已终止。理由：${reason}\n已缴纳的投标保证金将连同同期存款利息退还（招标投标法实施条例第三十一条）。`,
        dedupeKey: `cancel-${tender.id}-${r.key}`,
        sealedRecipient: r.sealedRecipient,
      })),
    );
  }
}
