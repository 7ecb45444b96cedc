import { Injectable } from '@nestjs/common';
import { ScheduledEventKind } from 'src/infra/queue/queue.constants';
import { SchedulerService } from '../scheduling/scheduler.service';
import { TenderLifecycleHooks } from '../tenders/tender-lifecycle.hooks';
import { CloseDecryptionWindowUseCase } from './use-cases/close-decryption-window.use-case';
import { OpenBidsAtDeadlineUseCase } from './use-cases/open-bids-at-deadline.use-case';

/**
 * Wires the opening into the tender's timeline: the 'bidDeadline' hook (run by the tenders module's BID_DEADLINE
 * event) opens the bids, and this module's own DECRYPTION_WINDOW_CLOSE event finishes the opening; the 'cancelled' hook
 * drops a pending window close.
 */
@Injectable()
export class OpeningService {
  constructor(
    hooks: TenderLifecycleHooks,
    scheduler: SchedulerService,
    openAtDeadline: OpenBidsAtDeadlineUseCase,
    closeWindow: CloseDecryptionWindowUseCase,
  ) {
    hooks.on('bidDeadline', (m, tender) => openAtDeadline.execute(m, tender));
    scheduler.handle(ScheduledEventKind.DecryptionWindowClose, (m, event) => closeWindow.execute(m, event.subjectId));
    // A tender cancelled during its opening needs no window close (the handler would find it CANCELLED anyway).
    hooks.on('cancelled', (m, tender) => scheduler.cancel(m, ScheduledEventKind.DecryptionWindowClose, tender.id));
  }
}
