import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DomainEventMap, DomainEvents, OnEvent } from 'src/common/events/domain-events';
import { NotificationInput, NotificationsService } from './notifications.service';
import { NoticeAudiencesRepository } from './notice-audiences.repository';

/**
 * Messages for facts other modules announce (DomainEvents), written in the announcer's transaction. Only facts from
 * the opening on name bidders: before the deadline no message to a bidder is written about a tender it bid on (the
 * bidders are secret, TBL Art. 22) — amendments and cancellations go to every prospective bidder alike.
 * - TenderFailed → the procuring entity, and the bidders whose bids were received (the deadline has passed);
 * - AwardNoticeIssued → the awardee (中标通知书) and every other opened bidder (中标结果通知, TBL Art. 45; EB20 Art. 36).
 */
@Injectable()
export class NotificationListeners {
  constructor(
    events: DomainEvents,
    private readonly notifications: NotificationsService,
    private readonly audiences: NoticeAudiencesRepository,
  ) {}

  @OnEvent('TenderFailed')
  async onTenderFailed(m: EntityManager, e: DomainEventMap['TenderFailed']): Promise<void> {
    await this.onFailed(m, e.tenderId, e.reason);
  }

  @OnEvent('AwardNoticeIssued')
  async onAwardNoticeIssued(m: EntityManager, e: DomainEventMap['AwardNoticeIssued']): Promise<void> {
    await this.onAward(m, e.tenderId, e.awardeeOrganizationId, e.lotNo);
  }

  private async onFailed(m: EntityManager, tenderId: string, reason: string): Promise<void> {
    const t = await this.audiences.tender(m, tenderId);
    if (!t) return;
    const items: NotificationInput[] = [
      {
        recipientOrganizationId: t.procuringEntityId,
        tenderId,
        topic: 'TENDER_FAILED',
        subject: `【招标失败】${t.title}`,
        body: `${reason}。可重新招标。`,
        dedupeKey: `tender-${tenderId}-failed-entity`,
      },
    ];
    if (t.past) {
      for (const org of await this.audiences.receivedBidders(m, tenderId)) {
        items.push({
          recipientOrganizationId: org,
          tenderId,
          topic: 'TENDER_FAILED',
          subject: `【招标失败】${t.title}`,
          body: `${reason}。投标保证金将依法退还。`,
          dedupeKey: `tender-${tenderId}-failed-${org}`,
        });
      }
    }
    await this.notifications.enqueue(m, items);
  }

  private async onAward(m: EntityManager, tenderId: string, awardee: string, lotNo?: number): Promise<void> {
    const t = await this.audiences.tender(m, tenderId);
    if (!t) return;
    // Lots: the award of a lot is notified to that lot's bidders (the subject names the lot).
    const others = await this.audiences.otherOpenedBidders(m, tenderId, awardee, lotNo ?? null);
    if (lotNo !== undefined) t.title = `${t.title}（第${lotNo}标段）`;
    // One notice per award: a second award after a default is a new fact with its own key.
    const n = await this.audiences.awardCount(m, tenderId);
    await this.notifications.enqueue(m, [
      {
        recipientOrganizationId: awardee,
        tenderId,
        topic: 'AWARD_NOTICE',
        subject: `【中标通知书】${t.title}`,
        body: '贵单位为本项目中标人，中标通知书已通过平台发出，请按期签订合同（招标投标法第四十五条、第四十六条）。',
        dedupeKey: `award-${tenderId}-${n}-awardee`,
      },
      ...others.map((org) => ({
        recipientOrganizationId: org,
        tenderId,
        topic: 'AWARD_RESULT',
        subject: `【中标结果通知】${t.title}`,
        body: '本项目中标结果已确定，贵单位未中标（招标投标法第四十五条）。',
        dedupeKey: `award-${tenderId}-${n}-result-${org}`,
      })),
    ]);
  }
}
