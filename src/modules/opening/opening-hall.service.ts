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
import { EntityManager } from 'typeorm';
import { TendersRepository } from '../tenders/tenders.repository';
import { HallBidRow, OpeningBidsRepository } from './opening-bids.repository';
import { HallTenderRow, OpeningRecordsRepository } from './opening-records.repository';

/** 开标大厅: decrypting during the window; 唱标 (announced) once the window has closed and the record is written. */
export type OpeningHallPhase = 'DECRYPTING' | 'ANNOUNCED';

export interface OpeningHallBid {
  /** Order of receipt, from 1 (as in the opening record). */
  seq: number;
  bidId: string;
  bidderName: string;
  /** 标段: present only on a tender with lots (as in the opening record), so a hall without lots is what it was. */
  lotNo?: number;
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
    private readonly records: OpeningRecordsRepository,
    private readonly bidRows: OpeningBidsRepository,
    private readonly tenders: TendersRepository,
  ) {}

  async view(tenderId: string, actor: Actor): Promise<OpeningHallView> {
    const m = this.tx.manager;
    const t = await this.records.hallTender(m, tenderId);
    if (!t || t.status === TenderStatus.DRAFT) throw new NotFoundException('The tender');
    // A county supervisor or sector regulator watches its own tenders' openings only: 404 outside (issue 19).
    await this.jurisdictions.assertTenderInScope(m, actor, tenderId);
    // Before the deadline's opening nothing is shown to anyone: not the count, not the bidders (TBL Art. 22).
    if (!t.openedAt) throw OpeningException.sealed();
    const rows = await this.bidRows.hallBids(m, tenderId);
    await this.assertParticipant(m, tenderId, t, rows, actor);
    return this.present(tenderId, t, rows, actor);
  }

  /** The bidders whose bids were opened, the procuring entity (or its agent) and supervisors (EB20 Art. 32). */
  private async assertParticipant(m: EntityManager, tenderId: string, t: HallTenderRow, rows: HallBidRow[], actor: Actor): Promise<void> {
    const participant =
      actor.role === Role.SUPERVISOR ||
      (actor.role === Role.PROCURING_ENTITY && (actor.organizationId === t.procuringEntityId || (await isAgentFor(this.tenders, m, actor, t.procuringEntityId, tenderId)))) ||
      (actor.role === Role.BIDDER && !!actor.organizationId && rows.some((r) => r.bidderOrganizationId === actor.organizationId));
    if (!participant) {
      throw new ForbiddenException('The opening hall is for the bidders of this tender, its procuring entity and supervisors');
    }
  }

  /** Prices are read out to everyone once the record is made; before, each bidder sees its own only. */
  private present(tenderId: string, t: HallTenderRow, rows: HallBidRow[], actor: Actor): OpeningHallView {
    const announced = t.windowClosedAt !== null;
    const bids = rows.map((r, i) => {
      const mine = actor.role === Role.BIDDER && r.bidderOrganizationId === actor.organizationId;
      return {
        seq: i + 1,
        bidId: r.id,
        bidderName: r.name,
        ...(r.hasLots ? { lotNo: r.lotNo } : {}),
        status: r.status,
        decryptedAt: r.decryptedAt ? new Date(r.decryptedAt).toISOString() : null,
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
      bidDeadline: new Date(t.bidDeadline).toISOString(),
      openedAt: new Date(t.openedAt!).toISOString(),
      decryptionMode: t.decryptionMode,
      decryptionWindowEndsAt: t.decryptionWindowEndsAt ? new Date(t.decryptionWindowEndsAt).toISOString() : null,
      windowClosedAt: t.windowClosedAt ? new Date(t.windowClosedAt).toISOString() : null,
      serverTime: new Date(t.serverTime).toISOString(),
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
