import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/** What a notice about a tender needs to know of it. */
export interface NoticeTenderRow {
  title: string;
  procuringEntityId: string;
  bidDeadline: Date;
  /** The deadline has passed (database clock): the bidders may be named. */
  past: boolean;
}

/**
 * Whom the notices of NotificationListeners go to. Every statement is a read model over other modules' tables,
 * declared as such (tenders, bids, awards); none writes. Every method takes the caller's EntityManager (its transaction).
 */
@Injectable()
export class NoticeAudiencesRepository {
  /** Read model (tenders): the tender's title, procuring entity and whether its deadline has passed. */
  async tender(m: EntityManager, tenderId: string): Promise<NoticeTenderRow | null> {
    const [t]: Array<{ title: string; procuring_entity_id: string; bid_deadline: Date; past: boolean }> = await m.query(
      `SELECT title, procuring_entity_id, bid_deadline, bid_deadline <= clock_timestamp() AS past FROM tenders WHERE id = $1`,
      [tenderId],
    );
    return t ? { title: t.title, procuringEntityId: t.procuring_entity_id, bidDeadline: new Date(t.bid_deadline), past: t.past } : null;
  }

  /** Read model (bids): the organisations whose bids were received and not withdrawn (after the deadline only). */
  async receivedBidders(m: EntityManager, tenderId: string): Promise<string[]> {
    const bidders: Array<{ org: string }> = await m.query(`SELECT DISTINCT bidder_organization_id AS org FROM bids WHERE tender_id = $1 AND status <> 'WITHDRAWN'`, [tenderId]);
    return bidders.map((b) => b.org);
  }

  /** Read model (bids): the other opened bidders of the tender (of the lot, when given). */
  async otherOpenedBidders(m: EntityManager, tenderId: string, awardee: string, lotNo: number | null): Promise<string[]> {
    const others: Array<{ org: string }> = await m.query(
      `SELECT DISTINCT bidder_organization_id AS org FROM bids
       WHERE tender_id = $1 AND opened_at IS NOT NULL AND bidder_organization_id <> $2 AND ($3::int IS NULL OR lot_no = $3)`,
      [tenderId, awardee, lotNo],
    );
    return others.map((o) => o.org);
  }

  /** Read model (awards): how many awards the tender has had (a second award after a default is a new fact). */
  async awardCount(m: EntityManager, tenderId: string): Promise<number> {
    const [{ n }]: Array<{ n: number }> = await m.query(`SELECT count(*)::int AS n FROM awards WHERE tender_id = $1`, [tenderId]);
    return n;
  }
}
