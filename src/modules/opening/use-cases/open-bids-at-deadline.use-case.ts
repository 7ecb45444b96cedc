import { NotificationsService } from '../../notifications/notifications.service';
import { Injectable, Logger } from '@nestjs/common';
import { SYSTEM_ACTOR } from 'src/common/auth/actor';
import { DomainEvents } from 'src/common/events/domain-events';
import { MIN_BIDS_TO_OPEN } from 'src/common/law/regulations';
import { runAfterCommit } from 'src/infra/database/after-commit';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { MetricsService } from 'src/infra/metrics/metrics.service';
import { ScheduledEventKind } from 'src/infra/queue/queue.constants';
import { AuditService } from '../../audit/audit.service';
import { BidLifecycleService } from '../../bids/bid-lifecycle.service';
import { BidIdentitySealer } from '../../bids/bid-identity-sealer';
import { SchedulerService } from '../../scheduling/scheduler.service';
import { TenderStatus } from '../../tenders/tender.enums';
import { TenderStateMachine } from '../../tenders/tender-state-machine';
import { TendersRepository } from '../../tenders/tenders.repository';
import { decryptionWindowEnd } from '../decryption-rules';
import { InCallerTransaction, UseCase } from 'src/common/use-case';

export const FEWER_THAN_MIN_BIDS = `FEWER_THAN_${MIN_BIDS_TO_OPEN}_BIDS`;

/**
 * 开标 at the bid deadline (TBL Art. 34; EB20 Art. 29), run on BidDeadlineReached (the tenders module's BID_DEADLINE
 * event), in its transaction, with the tender locked FOR UPDATE and still PUBLISHED. The lock waits for
 * every submission in flight (they hold FOR SHARE), so the bids counted here are exactly those received before the
 * deadline. Fewer than 3 → FAILED, nothing decrypted; otherwise every bid is extracted, the tender is OPENING and
 * the decryption window's close is planned.
 */
export interface OpenBidsAtDeadlineCommand extends InCallerTransaction {
  tenderId: string;
}

@Injectable()
export class OpenBidsAtDeadlineUseCase implements UseCase<OpenBidsAtDeadlineCommand, void> {
  private readonly logger = new Logger(OpenBidsAtDeadlineUseCase.name);

  constructor(
    private readonly tx: TransactionRunner,
    private readonly audit: AuditService,
    private readonly events: DomainEvents,
    private readonly bids: BidLifecycleService,
    private readonly stateMachine: TenderStateMachine,
    private readonly scheduler: SchedulerService,
    private readonly metrics: MetricsService,
    private readonly notifications: NotificationsService,
    private readonly identities: BidIdentitySealer,
    private readonly tenderRows: TendersRepository,
  ) {}

  async execute({ manager: m, tenderId }: OpenBidsAtDeadlineCommand): Promise<void> {
    // Already locked FOR UPDATE by this transaction (TendersService.onBidDeadline): a plain read sees the row.
    const tender = await this.tenderRows.findById(m, tenderId);
    if (!tender) throw new Error(`tender ${tenderId} not found at its deadline`);
    if (tender.status !== TenderStatus.PUBLISHED) return; // already handled: a second run changes nothing
    const now = await this.tx.now(m);
    // Sealed identities (issue 17): who bid is unsealed first, with k custodians' shares of the identity key, so
    // that the opening (and everything after it) reads the bidders in clear. A failed tender is unsealed too: its
    // bidders get their security back and supervisors may need to know who they were.
    await this.identities.unsealTender(m, tender.id);
    const received = await this.bids.countSubmitted(m, tender.id);
    await runAfterCommit(m, () => this.metrics.bidsReceived.inc(received)); // delayed to the deadline (issue 17)

    // 标段: each lot is a competition of its own. A lot with fewer than 3 bids fails alone and is not opened (TBL Art.
    // 28; TBR Art. 44 "投标人少于3个的，不得开标" applies per lot); the tender fails only when every lot does.
    const byLot = await this.bids.countSubmittedByLot(m, tender.id);
    let openLots: number[] | null = null;
    if (byLot.size) {
      openLots = [...byLot].filter(([, n]) => n >= MIN_BIDS_TO_OPEN).map(([lotNo]) => lotNo);
      if (openLots.length) {
        for (const [lotNo, n] of byLot) {
          if (n >= MIN_BIDS_TO_OPEN) continue;
          await this.tenderRows.markLotFailed(m, tender.id, lotNo, FEWER_THAN_MIN_BIDS);
          await this.audit.append(m, {
            actor: SYSTEM_ACTOR,
            action: 'LOT_FAILED',
            objectType: 'tender',
            objectId: tender.id,
            tenderId: tender.id,
            data: { lotNo, bidsReceived: n, minimum: MIN_BIDS_TO_OPEN, article: 'TBL Art. 28; TBR Art. 44' },
          });
          await this.events.emit(m, 'LotFailed', { tenderId: tender.id, lotNo, reason: FEWER_THAN_MIN_BIDS }, SYSTEM_ACTOR);
        }
      }
    }

    // TBL Art. 28, TBR Art. 44, MOF87 Art. 41: fewer than 3 bidders → do not open; re-tender. Never relaxed.
    if (received < MIN_BIDS_TO_OPEN || (openLots !== null && openLots.length === 0)) {
      await this.stateMachine.transition(m, tender.id, TenderStatus.FAILED, SYSTEM_ACTOR, {
        from: [TenderStatus.PUBLISHED],
        reason: FEWER_THAN_MIN_BIDS,
        data: { bidsReceived: received, minimum: MIN_BIDS_TO_OPEN, article: 'TBL Art. 28; TBR Art. 44' },
      });
      await this.events.emit(m, 'TenderFailed', { tenderId: tender.id, reason: FEWER_THAN_MIN_BIDS }, SYSTEM_ACTOR);
      this.logger.log(`tender ${tender.id}: ${received} bid(s) at the deadline, fewer than ${MIN_BIDS_TO_OPEN}: FAILED, not opened`);
      await runAfterCommit(m, () => this.metrics.openings.inc({ outcome: TenderStatus.FAILED }));
      return;
    }

    const opened = await this.bids.markOpened(m, tender.id, now, openLots);
    const windowEndsAt = decryptionWindowEnd(tender.decryptionMode, now, tender.decryptionWindowMinutes);
    await this.stateMachine.transition(m, tender.id, TenderStatus.OPENING, SYSTEM_ACTOR, {
      from: [TenderStatus.PUBLISHED],
      patch: { openedAt: now, decryptionWindowEndsAt: windowEndsAt },
      data: { bids: opened.length, openedAt: now.toISOString(), decryptionWindowEndsAt: windowEndsAt.toISOString() },
    });
    await this.audit.append(m, {
      actor: SYSTEM_ACTOR,
      action: 'BIDS_OPENED',
      objectType: 'tender',
      objectId: tender.id,
      tenderId: tender.id,
      data: { bids: opened, ...(openLots ? { lots: openLots } : {}) },
    });
    await this.scheduler.plan(m, {
      kind: ScheduledEventKind.DecryptionWindowClose,
      subjectId: tender.id,
      tenderId: tender.id,
      runAt: windowEndsAt,
    });
    // From the deadline on the bidders are no secret (TBL Art. 36): each opened bidder is told to decrypt in the
    // window (EB20 Art. 30), the procuring entity that the opening began.
    await this.notifications.enqueue(m, [
      {
        recipientOrganizationId: tender.procuringEntityId,
        tenderId: tender.id,
        topic: 'TENDER_OPENED',
        subject: `【开标】${tender.title}`,
        body: `投标截止，已开标：共 ${opened.length} 份投标文件，解密截止时间 ${windowEndsAt.toISOString()}。`,
        dedupeKey: `tender-${tender.id}-opened-entity`,
      },
      ...[...new Set(opened.map((b) => b.bidderOrganizationId))].map((org) => ({
        recipientOrganizationId: org,
        tenderId: tender.id,
        topic: 'DECRYPTION_WINDOW_OPEN',
        subject: `【请解密投标文件】${tender.title}`,
        body: `已开标，请于 ${windowEndsAt.toISOString()} 前在线解密投标文件；因投标人原因未解密的，视为撤销投标文件（电子招标投标办法第三十一条）。`,
        dedupeKey: `tender-${tender.id}-decrypt-${org}`,
      })),
    ]);
    await runAfterCommit(m, () => this.metrics.openings.inc({ outcome: TenderStatus.OPENING }));
  }
}
