import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { BidStatus, BidStatusReason } from '../bid.enums';

/** The tender's fields the extension rules read (read model of `tenders`). */
export interface TenderValidityRow {
  id: string;
  status: string;
  procuringEntityId: string;
  bidDeadline: Date;
  bidValidityDays: number;
  /** ISO day, null while the validity end follows from the deadline and the days. */
  bidValidityEndsOn: string | null;
}

export interface ExtensionRow {
  id: string;
  tenderId: string;
  /** ISO days. */
  previousEndsOn: string;
  extendTo: string;
  reason: string;
  respondBy: Date;
  requestedAt: Date;
}

export interface ExtensionResponseRow {
  bidId: string;
  bidderOrganizationId: string;
  decision: 'ACCEPT' | 'REFUSE';
  respondedAt: Date;
}

export interface NewExtensionRow {
  tenderId: string;
  previousEndsOn: string;
  extendTo: string;
  reason: string;
  respondBy: Date;
  requestedBy: string;
}

/** A bid of the bidder asked to extend, locked FOR UPDATE. */
export interface BidderBidRow {
  id: string;
  status: BidStatus;
  lotNo: number;
}

interface TenderValidityDbRow {
  id: string;
  status: string;
  procuring_entity_id: string;
  bid_deadline: Date;
  bid_validity_days: number;
  bid_validity_ends_on: string | null;
}

const toTender = (t: TenderValidityDbRow): TenderValidityRow => ({
  id: t.id,
  status: t.status,
  procuringEntityId: t.procuring_entity_id,
  bidDeadline: new Date(t.bid_deadline),
  bidValidityDays: Number(t.bid_validity_days),
  bidValidityEndsOn: t.bid_validity_ends_on,
});

/**
 * Owns `bid_validity_extensions` and `bid_validity_extension_responses` (TBR Art. 25 ¶2), with the reads and the one
 * change of `bids` the extension makes. Declared over the tenders module's `tenders`: two read models (`findTender`,
 * `lockTender`); the tender's own validity end is moved by `TendersRepository.moveBidValidityEnd`. Every method takes the caller's EntityManager (its
 * transaction).
 */
@Injectable()
export class BidValidityExtensionsRepository {
  /** Read model (tenders): the tender's validity terms; null when there is no such tender. */
  async findTender(m: EntityManager, tenderId: string): Promise<TenderValidityRow | null> {
    const [tender]: TenderValidityDbRow[] = await m.query(
      `SELECT id, status, procuring_entity_id, bid_deadline, bid_validity_days, bid_validity_ends_on::text AS bid_validity_ends_on FROM tenders WHERE id = $1`,
      [tenderId],
    );
    return tender ? toTender(tender) : null;
  }

  /** Read model (tenders): the same, locked FOR UPDATE (every change of the extension takes the tender's lock first). */
  async lockTender(m: EntityManager, tenderId: string): Promise<TenderValidityRow | null> {
    const [tender]: TenderValidityDbRow[] = await m.query(
      `SELECT id, status, procuring_entity_id, bid_deadline, bid_validity_days, bid_validity_ends_on::text AS bid_validity_ends_on
       FROM tenders WHERE id = $1 FOR UPDATE`,
      [tenderId],
    );
    return tender ? toTender(tender) : null;
  }

  /** The database clock. */
  async now(m: EntityManager): Promise<Date> {
    const [{ now }]: Array<{ now: Date }> = await m.query(`SELECT clock_timestamp() AS now`);
    return new Date(now);
  }

  /** The latest request of the tender still open for answers at `now`, if any. */
  async findOpen(m: EntityManager, tenderId: string, now: Date): Promise<{ id: string; extendTo: string } | null> {
    const open: Array<{ id: string; extend_to: string }> = await m.query(
      `SELECT id, extend_to::text AS extend_to FROM bid_validity_extensions WHERE tender_id = $1 AND respond_by > $2
         ORDER BY requested_at DESC LIMIT 1`,
      [tenderId, now],
    );
    return open.length ? { id: open[0].id, extendTo: open[0].extend_to } : null;
  }

  async insert(m: EntityManager, e: NewExtensionRow): Promise<string> {
    const [row]: Array<{ id: string }> = await m.query(
      `INSERT INTO bid_validity_extensions (tender_id, previous_ends_on, extend_to, reason, respond_by, requested_by)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [e.tenderId, e.previousEndsOn, e.extendTo, e.reason, e.respondBy, e.requestedBy],
    );
    return row.id;
  }

  /** The request of the tender, locked FOR UPDATE (answers to it are serialised); null when not the tender's. */
  async lockExtension(m: EntityManager, extensionId: string, tenderId: string): Promise<{ id: string; extendTo: string; respondBy: Date } | null> {
    const [ext]: Array<{ id: string; extend_to: string; respond_by: Date }> = await m.query(
      `SELECT id, extend_to::text AS extend_to, respond_by FROM bid_validity_extensions WHERE id = $1 AND tender_id = $2 FOR UPDATE`,
      [extensionId, tenderId],
    );
    return ext ? { id: ext.id, extendTo: ext.extend_to, respondBy: new Date(ext.respond_by) } : null;
  }

  async findById(m: EntityManager, id: string): Promise<ExtensionRow | null> {
    const [e]: Array<{ id: string; tender_id: string; previous_ends_on: string; extend_to: string; reason: string; respond_by: Date; requested_at: Date }> = await m.query(
      `SELECT id, tender_id, previous_ends_on::text AS previous_ends_on, extend_to::text AS extend_to, reason, respond_by, requested_at
       FROM bid_validity_extensions WHERE id = $1`,
      [id],
    );
    if (!e) return null;
    return {
      id: e.id,
      tenderId: e.tender_id,
      previousEndsOn: e.previous_ends_on,
      extendTo: e.extend_to,
      reason: e.reason,
      respondBy: new Date(e.respond_by),
      requestedAt: new Date(e.requested_at),
    };
  }

  /** The tender's requests, oldest first. */
  async idsOfTender(m: EntityManager, tenderId: string): Promise<string[]> {
    const ids: Array<{ id: string }> = await m.query(`SELECT id FROM bid_validity_extensions WHERE tender_id = $1 ORDER BY requested_at, id`, [tenderId]);
    return ids.map((r) => r.id);
  }

  /** The answers to a request, in order. */
  async responses(m: EntityManager, extensionId: string): Promise<ExtensionResponseRow[]> {
    const rows: Array<{ bid_id: string; bidder_organization_id: string; decision: 'ACCEPT' | 'REFUSE'; responded_at: Date }> = await m.query(
      `SELECT bid_id, bidder_organization_id, decision, responded_at FROM bid_validity_extension_responses WHERE extension_id = $1 ORDER BY responded_at, bid_id`,
      [extensionId],
    );
    return rows.map((r) => ({ bidId: r.bid_id, bidderOrganizationId: r.bidder_organization_id, decision: r.decision, respondedAt: new Date(r.responded_at) }));
  }

  /** The earlier answers given for these bids, first answer first. */
  async priorResponses(m: EntityManager, extensionId: string, bidIds: string[]): Promise<Array<{ decision: 'ACCEPT' | 'REFUSE'; respondedAt: Date }>> {
    const priors: Array<{ decision: 'ACCEPT' | 'REFUSE'; responded_at: Date }> = await m.query(
      `SELECT decision, responded_at FROM bid_validity_extension_responses WHERE extension_id = $1 AND bid_id = ANY($2::uuid[])
         ORDER BY responded_at`,
      [extensionId, bidIds],
    );
    return priors.map((p) => ({ decision: p.decision, respondedAt: new Date(p.responded_at) }));
  }

  async insertResponse(
    m: EntityManager,
    r: { extensionId: string; bidId: string; bidderOrganizationId: string; decision: 'ACCEPT' | 'REFUSE'; respondedBy: string; respondedAt: Date },
  ): Promise<void> {
    await m.query(
      `INSERT INTO bid_validity_extension_responses (extension_id, bid_id, bidder_organization_id, decision, responded_by, responded_at)
           VALUES ($1, $2, $3, $4, $5, $6)`,
      [r.extensionId, r.bidId, r.bidderOrganizationId, r.decision, r.respondedBy, r.respondedAt],
    );
  }

  // ——— the tender's bids ———

  /** The ids of the tender's bids in one of `statuses`, in id order. */
  async bidIdsWithStatus(m: EntityManager, tenderId: string, statuses: BidStatus[]): Promise<string[]> {
    const asked: Array<{ id: string }> = await m.query(`SELECT id FROM bids WHERE tender_id = $1 AND status = ANY($2) ORDER BY id`, [tenderId, statuses]);
    return asked.map((r) => r.id);
  }

  /** The tender's bids in one of `statuses` that have not answered the request, in id order. */
  async pendingBidIds(m: EntityManager, tenderId: string, statuses: BidStatus[], extensionId: string): Promise<string[]> {
    const pending: Array<{ id: string }> = await m.query(
      `SELECT b.id FROM bids b WHERE b.tender_id = $1 AND b.status = ANY($2)
           AND NOT EXISTS (SELECT 1 FROM bid_validity_extension_responses r WHERE r.extension_id = $3 AND r.bid_id = b.id)
         ORDER BY b.id`,
      [tenderId, statuses, extensionId],
    );
    return pending.map((p) => p.id);
  }

  /** Every bid of the bidder on the tender (one per lot), in lot order, locked FOR UPDATE. */
  async bidderBidsForUpdate(m: EntityManager, tenderId: string, organizationId: string): Promise<BidderBidRow[]> {
    const bids: Array<{ id: string; status: BidStatus; lot_no: number }> = await m.query(
      `SELECT id, status, lot_no FROM bids WHERE tender_id = $1 AND bidder_organization_id = $2 ORDER BY lot_no FOR UPDATE`,
      [tenderId, organizationId],
    );
    return bids.map((b) => ({ id: b.id, status: b.status, lotNo: Number(b.lot_no) }));
  }

  /** The ids of the bidder's bids on the tender (after the opening, when bids name their bidder). */
  async bidderBidIds(m: EntityManager, tenderId: string, organizationId: string): Promise<string[]> {
    const bids: Array<{ id: string }> = await m.query(`SELECT id FROM bids WHERE tender_id = $1 AND bidder_organization_id = $2`, [tenderId, organizationId]);
    return bids.map((b) => b.id);
  }

  /** TBR Art. 25 ¶2: the bids of a bidder who refuses to extend lapse. */
  async markLapsed(m: EntityManager, bidIds: string[], reason: BidStatusReason): Promise<void> {
    await m.query(`UPDATE bids SET status = 'LAPSED', status_reason = $2, updated_at = clock_timestamp() WHERE id = ANY($1::uuid[])`, [bidIds, reason]);
  }
}
