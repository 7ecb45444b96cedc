import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { SYSTEM_ACTOR } from 'src/common/auth/actor';
import { DomainEventMap, DomainEvents, OnEvent } from 'src/common/events/domain-events';
import { ScheduledEventKind } from 'src/infra/queue/queue.constants';
import { ScheduledEventEntity } from '../scheduling/scheduled-event.entity';
import { OnTimedEvent, SchedulerService } from '../scheduling/scheduler.service';
import { TendersRepository } from './tenders.repository';

/**
 * Sealed identities of a tender that ends before its bid deadline (issue 17; TBL Art. 22). A cancelled tender (TBR
 * Art. 31) or one failed by a complaint's remedy never reaches BidDeadlineReached, so what was sealed to its identity
 * key — downloaders, objectors, complainants, notice recipients — would stay sealed for good. At the original
 * deadline (when the custodians release the key, by their own clocks) a timed event announces SealedIdentitiesDue,
 * and each module opens its rows as it does at a deadline. Before it nothing changes: the ending itself names no
 * prospective bidder.
 */
@Injectable()
export class EndedTenderUnsealing {
  constructor(
    private readonly tenders: TendersRepository,
    private readonly scheduler: SchedulerService,
    private readonly events: DomainEvents,
  ) {}

  @OnEvent('TenderCancelled')
  async onTenderCancelled(m: EntityManager, { tenderId }: DomainEventMap['TenderCancelled']): Promise<void> {
    await this.planAtDeadline(m, tenderId);
  }

  @OnEvent('TenderFailed')
  async onTenderFailed(m: EntityManager, { tenderId }: DomainEventMap['TenderFailed']): Promise<void> {
    await this.planAtDeadline(m, tenderId);
  }

  private async planAtDeadline(m: EntityManager, tenderId: string): Promise<void> {
    // Null: published before sealed identities (nothing sealed to a key), or at/after the deadline (the deadline
    // event did or does it); the database clock decides.
    const deadline = await this.tenders.sealedUntil(m, tenderId);
    if (deadline) await this.scheduler.plan(m, { kind: ScheduledEventKind.SealedIdentitiesDue, subjectId: tenderId, tenderId, runAt: deadline });
  }

  /** Retried on every sweep while the custodians do not release (a handler that throws is retried). */
  @OnTimedEvent(ScheduledEventKind.SealedIdentitiesDue)
  async onDue(m: EntityManager, event: ScheduledEventEntity): Promise<void> {
    await this.events.emit(m, 'SealedIdentitiesDue', { tenderId: event.subjectId }, SYSTEM_ACTOR);
  }
}
