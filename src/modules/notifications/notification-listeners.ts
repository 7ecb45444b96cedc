import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DomainEventMap, DomainEvents, OnEvent } from 'src/common/events/domain-events';
import { NotificationInput, NotificationsService } from './notifications.service';

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
  ) {}

  @OnEvent('TenderFailed')
  async onTenderFailed(m: EntityManager, e: DomainEventMap['TenderFailed']): Promise<void> {
    await this.onFailed(m, e.tenderId, e.reason);
  }

  @OnEvent('AwardNoticeIssued')
  async onAwardNoticeIssued(m: EntityManager, e: DomainEventMap['AwardNoticeIssued']): Promise<void> {
    await this.onAward(m, e.tenderId, e.awardeeOrganizationId, e.lotNo);
  }

  private async tender(m: EntityManager, tenderId: string): Promise<{ title: string; procuring_entity_id: string; bid_deadline: Date; past: boolean } | null> {
    const [t] = await m.query(`SELECT title, procuring_entity_id, bid_deadline, bid_deadline <= clock_timestamp() AS past FROM tenders WHERE id = $1`, [tenderId]);
    return t ?? null;
  }

  private async onFailed(m: EntityManager, tenderId: string, reason: string): Promise<void> {
    const t = await this.tender(m, tenderId);
    if (!t) return;
    const items: NotificationInput[] = [
      {
        recipientOrganizationId: t.procuring_entity_id,
        tenderId,
        topic: 'TENDER_FAILED',
        subject: `【招标失败】${t.title}`,
        body: `${reason}。可重新招标。`,
        dedupeKey: `tender-${tenderId}-failed-entity`,
      },
    ];
    if (t.past) {
      const bidders: Array<{ org: string }> = await m.query(`SELECT DISTINCT bidder_organization_id AS org FROM bids WHERE tender_id = $1 AND status <> 'WITHDRAWN'`, [tenderId]);
      for (const b of bidders) {
        items.push({
          recipientOrganizationId: b.org,
          tenderId,
          topic: 'TENDER_FAILED',
          subject: `【招标失败】${t.title}`,
          body: `${reason}。投标保证金将依法退还。`,
          dedupeKey: `tender-${tenderId}-failed-${b.org}`,
        });
      }
    }
    await this.notifications.enqueue(m, items);
  }

  private async onAward(m: EntityManager, tenderId: string, awardee: string, lotNo?: number): Promise<void> {
    const t = await this.tender(m, tenderId);
    if (!t) return;
    // Lots: the award of a lot is notified to that lot's bidders (the subject names the lot).
    const others: Array<{ org: string }> = await m.query(
      `SELECT DISTINCT bidder_organization_id AS org FROM bids
       WHERE tender_id = $1 AND opened_at IS NOT NULL AND bidder_organization_id <> $2 AND ($3::int IS NULL OR lot_no = $3)`,
      [tenderId, awardee, lotNo ?? null],
    );
    if (lotNo !== undefined) t.title = `${t.title}（第${lotNo}标段）`;
    // One notice per award: a second award after a default is a new fact with its own key.
    const [{ n }] = await m.query(`SELECT count(*)::int AS n FROM awards WHERE tender_id = $1`, [tenderId]);
    await this.notifications.enqueue(m, [
      {
        recipientOrganizationId: awardee,
        tenderId,
        topic: 'AWARD_NOTICE',
        subject: `【中标通知书】${t.title}`,
        body: '贵单位为本项目中标人，中标通知书已通过平台发出，请按期签订合同（招标投标法第四十五条、第四十六条）。',
        dedupeKey: `award-${tenderId}-${n}-awardee`,
      },
      ...others.map((o) => ({
        recipientOrganizationId: o.org,
        tenderId,
        topic: 'AWARD_RESULT',
        subject: `【中标结果通知】${t.title}`,
        body: '本项目中标结果已确定，贵单位未中标（招标投标法第四十五条）。',
        dedupeKey: `award-${tenderId}-${n}-result-${o.org}`,
      })),
    ]);
  }
}
