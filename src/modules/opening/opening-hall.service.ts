import { Injectable } from '@nestjs/common';
import { Actor } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { ForbiddenException, NotFoundException } from 'src/common/errors/domain.exception';
import { normalizeMoney } from 'src/common/money/money';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { BidStatus } from '../bids/bid.enums';
import { TenderStatus } from '../tenders/tender.enums';
import { OpeningException } from './opening.exception';
import { isAgentFor } from './opening-participants';
import { JurisdictionsService } from '../jurisdictions/jurisdictions.service';

/** 开标大厅: decrypting during the window; 唱标 (announced) once the window has closed and the record is written. */
export type OpeningHallPhase = 'DECRYPTING' | 'ANNOUNCED';

export interface OpeningHallBid {
  /** Order of receipt, from 1 (as in the opening record). */
  seq: number;
  bidId: string;
  bidderName: string;
  /** OPENED = 待解密, DECRYPTED = 已解密, WITHDRAWN = 已撤回, REVOKED = 已撤销. */
  status: BidStatus;
  decryptedAt: string | null;
  /** Only at 唱标 (phase ANNOUNCED) — or earlier to the bid's own bidder, who revealed it. */
  price: string | null;
  /** The caller's own bid. */
  mine: boolean;
}

export interface OpeningHallView {
  tenderId: string;
  title: string;
  status: TenderStatus;
  phase: OpeningHallPhase;
  bidDeadline: string;
  openedAt: string;
  decryptionMode: string;
  decryptionWindowEndsAt: string | null;
  /** When the window actually closed (early when every bid was decrypted); null while decrypting. */
  windowClosedAt: string | null;
  /** The database's clock at the time of this answer: the one clock that decides (API.md "Conventions"). */
  serverTime: string;
  bids: OpeningHallBid[];
  summary: { received: number; pending: number; decrypted: number; withdrawn: number; revoked: number };
}

/**
 * The live state of the opening (开标大厅) for its participants — the bidders whose bids were opened, the procuring
 * entity, supervisors — from the deadline on: who bid and which bids are decrypted, as they happen (EB20 Art. 30:
 * online decryption; the platform shows the opening to the participants). Nothing sealed: before the opening this
 * answers 403 SEALED_UNTIL_OPENING to everyone; prices appear only at 唱标, when the window has closed and the
 * opening record is written (EB20 Art. 32) — except a bidder's own price, which it has just revealed itself.
 * Read-only and audit-free on purpose: polled every second by every participant's page, it shows nothing that is
 * not already the participants' (the record, written at the close, is the audited document).
 */
@Injectable()
export class OpeningHallService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly jurisdictions: JurisdictionsService,
  ) {}

  async view(tenderId: string, actor: Actor): Promise<OpeningHallView> {
    const m = this.tx.manager;
    const tenders: Array<{
      title: string;
      status: TenderStatus;
      procuring_entity_id: string;
      bid_deadline: Date;
      opened_at: Date | null;
      decryption_mode: string;
      decryption_window_ends_at: Date | null;
      window_closed_at: Date | null;
      server_time: Date;
    }> = await m.query(
      `SELECT t.title, t.status, t.procuring_entity_id, t.bid_deadline, t.opened_at, t.decryption_mode,
              t.decryption_window_ends_at, r.window_closed_at, clock_timestamp() AS server_time
       FROM tenders t LEFT JOIN opening_records r ON r.tender_id = t.id
       WHERE t.id = $1`,
      [tenderId],
    );
    const t = tenders[0];
    if (!t || t.status === TenderStatus.DRAFT) throw new NotFoundException('The tender');
    // A county supervisor or sector regulator watches its own tenders' openings only: 404 outside (issue 19).
    await this.jurisdictions.assertTenderInScope(m, actor, tenderId);
    // Before the deadline's opening nothing is shown to anyone: not the count, not the bidders (TBL Art. 22).
    if (!t.opened_at) throw OpeningException.sealed();
    const rows: Array<{
      id: string;
      bidder_organization_id: string;
      name: string;
      status: BidStatus;
      decrypted_at: Date | null;
      price: string | null;
    }> = await m.query(
      `SELECT b.id, b.bidder_organization_id, o.name, b.status, b.decrypted_at, b.price
       FROM bids b JOIN organizations o ON o.id = b.bidder_organization_id
       WHERE b.tender_id = $1 AND b.opened_at IS NOT NULL
       ORDER BY b.received_at, b.id`,
      [tenderId],
    );
    const participant =
      actor.role === Role.SUPERVISOR ||
      (actor.role === Role.PROCURING_ENTITY && (actor.organizationId === t.procuring_entity_id || (await isAgentFor(m, actor, t.procuring_entity_id, tenderId)))) ||
      (actor.role === Role.BIDDER && !!actor.organizationId && rows.some((r) => r.bidder_organization_id === actor.organizationId));
    if (!participant) {
      throw new ForbiddenException('The opening hall is for the bidders of this tender, its procuring entity and supervisors');
    }
    const announced = t.window_closed_at !== null;
    const bids = rows.map((r, i) => {
      const mine = actor.role === Role.BIDDER && r.bidder_organization_id === actor.organizationId;
      return {
        seq: i + 1,
        bidId: r.id,
        bidderName: r.name,
        status: r.status,
        decryptedAt: r.decrypted_at ? new Date(r.decrypted_at).toISOString() : null,
        price: r.price !== null && (announced || mine) ? normalizeMoney(r.price) : null,
        mine,
      };
    });
    const count = (s: BidStatus) => rows.filter((r) => r.status === s).length;
    return {
      tenderId,
      title: t.title,
      status: t.status,
      phase: announced ? 'ANNOUNCED' : 'DECRYPTING',
      bidDeadline: new Date(t.bid_deadline).toISOString(),
      openedAt: new Date(t.opened_at).toISOString(),
      decryptionMode: t.decryption_mode,
      decryptionWindowEndsAt: t.decryption_window_ends_at ? new Date(t.decryption_window_ends_at).toISOString() : null,
      windowClosedAt: t.window_closed_at ? new Date(t.window_closed_at).toISOString() : null,
      serverTime: new Date(t.server_time).toISOString(),
      bids,
      summary: {
        received: rows.length,
        pending: count(BidStatus.OPENED),
        decrypted: count(BidStatus.DECRYPTED),
        withdrawn: count(BidStatus.WITHDRAWN),
        revoked: count(BidStatus.REVOKED),
      },
    };
  }
}
