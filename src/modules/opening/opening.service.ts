import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DomainEventMap, OnEvent } from 'src/common/events/domain-events';
import { ScheduledEventKind } from 'src/infra/queue/queue.constants';
import { ScheduledEventEntity } from '../scheduling/scheduled-event.entity';
import { OnTimedEvent, SchedulerService } from '../scheduling/scheduler.service';
import { CloseDecryptionWindowUseCase } from './use-cases/close-decryption-window.use-case';
import { OpenBidsAtDeadlineUseCase } from './use-cases/open-bids-at-deadline.use-case';

/**
 * Wires the opening into the tender's timeline: BidDeadlineReached (announced by the tenders module's BID_DEADLINE
 * timed event) opens the bids, and this module's own DECRYPTION_WINDOW_CLOSE event finishes the opening;
 * TenderCancelled drops a pending window close.
 */
@Injectable()
export class OpeningService {
  constructor(
    private readonly scheduler: SchedulerService,
    private readonly openAtDeadline: OpenBidsAtDeadlineUseCase,
    private readonly closeWindow: CloseDecryptionWindowUseCase,
  ) {}

  /** The opening (TBL Art. 34): after the identities are unsealed, before the audit heads are signed. */
  @OnEvent('BidDeadlineReached')
  async onBidDeadlineReached(m: EntityManager, { tenderId }: DomainEventMap['BidDeadlineReached']): Promise<void> {
    await this.openAtDeadline.execute({ manager: m, tenderId });
  }

  @OnTimedEvent(ScheduledEventKind.DecryptionWindowClose)
  async onDecryptionWindowClose(m: EntityManager, event: ScheduledEventEntity): Promise<void> {
    await this.closeWindow.execute({ manager: m, tenderId: event.subjectId });
  }

  /** A tender cancelled during its opening needs no window close (the handler would find it CANCELLED anyway). */
  @OnEvent('TenderCancelled')
  async onTenderCancelled(m: EntityManager, { tenderId }: DomainEventMap['TenderCancelled']): Promise<void> {
    await this.scheduler.cancel(m, ScheduledEventKind.DecryptionWindowClose, tenderId);
  }
}
