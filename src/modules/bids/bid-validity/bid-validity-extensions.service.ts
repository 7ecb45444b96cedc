import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { ConflictException, ForbiddenException, NotFoundException, ValidationFailedException } from 'src/common/errors/domain.exception';
import { DomainEvents } from 'src/common/events/domain-events';
import { BidSecurityGate } from 'src/common/ports/bid-security.gate';
import { PLATFORM_RULES } from 'src/common/law/regulations';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { AuditService } from '../../audit/audit.service';
import { JurisdictionsService } from '../../jurisdictions/jurisdictions.service';
import { bidValidityEndsOn } from '../../tenders/bid-validity';
import { LegalCalendar } from '../../tenders/legal-calendar/legal-calendar';
import { BidStatus, BidStatusReason } from '../bid.enums';
import { RequestBidValidityExtensionDto, RespondBidValidityExtensionDto } from './bid-validity.dto';
import { BidValidityException } from './bid-validity.exception';

/** Tender statuses with opened bids whose validity still matters: after the opening, before the contract. */
const EXTENDABLE = ['OPENING', 'EVALUATION', 'PUBLICITY', 'AWARDED'];
/** Bids that are asked to extend: those still in the competition. */
const LIVE_BIDS = [BidStatus.OPENED, BidStatus.DECRYPTED];

interface TenderRow {
  id: string;
  status: string;
  procuring_entity_id: string;
  bid_deadline: Date;
  bid_validity_days: number;
  bid_validity_ends_on: string | null;
}

export interface ExtensionView {
  id: string;
  tenderId: string;
  previousEndsOn: string;
  extendTo: string;
  reason: string;
  respondBy: string;
  requestedAt: string;
  responses: Array<{ bidId: string; bidderOrganizationId: string; decision: 'ACCEPT' | 'REFUSE'; respondedAt: string }>;
  /** Bids asked and not yet answered (owner and supervisors only). */
  pendingBidIds?: string[];
}

/**
 * 投标有效期延长 (TBR Art. 25 ¶2): "出现特殊情况需要延长投标有效期的，招标人以书面形式通知所有投标人延长投标有效期。投标人同意
 * 延长的，不得要求或被允许修改其投标文件的实质性内容，但应当相应延长其投标保证金的有效期；投标人拒绝延长的，其投标失效，但投标人有权
 * 收回其投标保证金。" The request moves the tender's validity end; each bidder with a live bid accepts (its security
 * must run to the new day, TBR Art. 26) or refuses (the bid LAPSES, the security is returned: BidLapsed). The bid
 * itself cannot change: no endpoint alters an opened bid.
 */
@Injectable()
export class BidValidityExtensionsService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly audit: AuditService,
    private readonly events: DomainEvents,
    private readonly security: BidSecurityGate,
    private readonly jurisdictions: JurisdictionsService,
  ) {}

  async request(tenderId: string, dto: RequestBidValidityExtensionDto, actor: Actor): Promise<ExtensionView> {
    if (!LegalCalendar.isValidDay(dto.extendTo)) throw new ValidationFailedException([{ field: 'extendTo', errors: ['extendTo is not a calendar day'] }]);
    return this.tx.run(async (m) => {
      const tender = await this.lockTender(m, tenderId, actor);
      if (tender.procuring_entity_id !== actor.organizationId || actor.role !== Role.PROCURING_ENTITY) {
        throw new ForbiddenException('Only the procuring entity of this tender may ask for an extension');
      }
      if (!EXTENDABLE.includes(tender.status)) throw BidValidityException.notExtendable(tender.status);
      const now = await this.now(m);
      const endsOn = this.endsOn(tender);
      // TBR Art. 25: asked while the bids are still valid — through 24:00 CST of the last day, not after.
      if (now >= LegalCalendar.endOf(endsOn)) throw BidValidityException.expired(endsOn);
      const open: Array<{ id: string; extend_to: string }> = await m.query(
        `SELECT id, extend_to::text AS extend_to FROM bid_validity_extensions WHERE tender_id = $1 AND respond_by > $2
         ORDER BY requested_at DESC LIMIT 1`,
        [tenderId, now],
      );
      if (open.length) {
        // The same request again (a retry) answers the first one; another one waits for the answers.
        if (open[0].extend_to === dto.extendTo) return this.view(m, open[0].id, true);
        throw new ConflictException('An extension request is still open for answers: wait until its respondBy');
      }
      const bad: Array<{ field: string; errors: string[] }> = [];
      if (dto.extendTo <= endsOn) bad.push({ field: 'extendTo', errors: [`must be after the current last day ${endsOn}`] });
      if (dto.extendTo > LegalCalendar.addDays(endsOn, PLATFORM_RULES.maxDeadlineAheadDays)) {
        bad.push({ field: 'extendTo', errors: [`must be at most ${PLATFORM_RULES.maxDeadlineAheadDays} days after the current last day`] });
      }
      const latest = LegalCalendar.endOf(endsOn);
      const respondBy = dto.respondBy ? new Date(dto.respondBy) : latest;
      if (respondBy <= now) bad.push({ field: 'respondBy', errors: ['must be in the future'] });
      if (respondBy > latest) bad.push({ field: 'respondBy', errors: [`must be before the current validity period ends (${latest.toISOString()})`] });
      if (bad.length) throw new ValidationFailedException(bad);

      const [row]: Array<{ id: string }> = await m.query(
        `INSERT INTO bid_validity_extensions (tender_id, previous_ends_on, extend_to, reason, respond_by, requested_by)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
        [tenderId, endsOn, dto.extendTo, dto.reason, respondBy, actor.userId],
      );
      await m.query(`UPDATE tenders SET bid_validity_ends_on = $2, updated_at = now() WHERE id = $1`, [tenderId, dto.extendTo]);
      const asked: Array<{ id: string }> = await m.query(`SELECT id FROM bids WHERE tender_id = $1 AND status = ANY($2) ORDER BY id`, [tenderId, LIVE_BIDS]);
      await this.audit.append(m, {
        actor,
        action: 'BID_VALIDITY_EXTENSION_REQUESTED',
        objectType: 'bid_validity_extension',
        objectId: row.id,
        tenderId,
        data: { previousEndsOn: endsOn, extendTo: dto.extendTo, respondBy: respondBy.toISOString(), reason: dto.reason, bidsAsked: asked.length },
      });
      return this.view(m, row.id, true);
    });
  }

  async respond(tenderId: string, extensionId: string, dto: RespondBidValidityExtensionDto, actor: Actor) {
    const org = actor.organizationId;
    if (actor.role !== Role.BIDDER || !org) throw new ForbiddenException('This is for bidders');
    return this.tx.run(async (m) => {
      await this.lockTender(m, tenderId, actor);
      const [ext]: Array<{ id: string; extend_to: string; respond_by: Date }> = await m.query(
        `SELECT id, extend_to::text AS extend_to, respond_by FROM bid_validity_extensions WHERE id = $1 AND tender_id = $2 FOR UPDATE`,
        [extensionId, tenderId],
      );
      if (!ext) throw new NotFoundException('The extension request');
      // Every bid of the bidder on the tender (one per lot): the request is the tender's, the answer covers them all.
      const bids: Array<{ id: string; status: string; lot_no: number }> = await m.query(
        `SELECT id, status, lot_no FROM bids WHERE tender_id = $1 AND bidder_organization_id = $2 ORDER BY lot_no FOR UPDATE`,
        [tenderId, org],
      );
      if (!bids.length) throw new NotFoundException('Your bid');
      const priors: Array<{ decision: 'ACCEPT' | 'REFUSE'; responded_at: Date }> = await m.query(
        `SELECT decision, responded_at FROM bid_validity_extension_responses WHERE extension_id = $1 AND bid_id = ANY($2::uuid[])
         ORDER BY responded_at`,
        [extensionId, bids.map((b) => b.id)],
      );
      if (priors.length) {
        if (priors[0].decision !== dto.decision) throw new ConflictException(`You already answered ${priors[0].decision}; an answer cannot be changed`);
        return this.answer(
          bids.map((b) => b.id),
          extensionId,
          priors[0].decision,
          priors[0].responded_at,
          ext.extend_to,
        );
      }
      const live = bids.filter((b) => LIVE_BIDS.includes(b.status as BidStatus));
      if (!live.length) throw new ConflictException(`Your bid is ${bids[0].status}: there is no validity left to extend`);
      const now = await this.now(m);
      if (now > new Date(ext.respond_by)) throw BidValidityException.responseClosed(new Date(ext.respond_by).toISOString());
      // TBR Art. 25 ¶2 / Art. 26: a bidder who agrees extends its security's validity accordingly (each lot's).
      if (dto.decision === 'ACCEPT') {
        for (const b of live) {
          if (!(await this.security.coversThrough(m, tenderId, org, ext.extend_to, Number(b.lot_no)))) throw BidValidityException.securityTooShort(ext.extend_to);
        }
      }
      for (const b of live) {
        await m.query(
          `INSERT INTO bid_validity_extension_responses (extension_id, bid_id, bidder_organization_id, decision, responded_by, responded_at)
           VALUES ($1, $2, $3, $4, $5, $6)`,
          [extensionId, b.id, org, dto.decision, actor.userId, now],
        );
      }
      if (dto.decision === 'REFUSE') {
        // TBR Art. 25 ¶2: "投标人拒绝延长的，其投标失效，但投标人有权收回其投标保证金".
        await m.query(`UPDATE bids SET status = 'LAPSED', status_reason = $2, updated_at = clock_timestamp() WHERE id = ANY($1::uuid[])`, [
          live.map((b) => b.id),
          BidStatusReason.VALIDITY_EXTENSION_REFUSED,
        ]);
      }
      for (const b of live) {
        await this.audit.append(m, {
          actor,
          action: dto.decision === 'ACCEPT' ? 'BID_VALIDITY_EXTENSION_ACCEPTED' : 'BID_VALIDITY_EXTENSION_REFUSED',
          objectType: 'bid',
          objectId: b.id,
          tenderId,
          data: { extensionId, extendTo: ext.extend_to, decision: dto.decision, lotNo: Number(b.lot_no), ...(dto.decision === 'REFUSE' ? { bidStatus: 'LAPSED' } : {}) },
        });
        if (dto.decision === 'REFUSE') {
          await this.events.emit(m, 'BidLapsed', { tenderId, bidId: b.id, bidderOrganizationId: org, lotNo: Number(b.lot_no) }, actor);
        }
      }
      return this.answer(
        live.map((b) => b.id),
        extensionId,
        dto.decision,
        now,
        ext.extend_to,
      );
    });
  }

  /** GET /tenders/{id}/bid-validity-extensions: owner, supervisors and administrators see every answer; a bidder with a bid, its own. */
  async list(tenderId: string, actor: Actor): Promise<{ tenderId: string; bidValidityEndsOn: string; items: ExtensionView[] }> {
    const m = this.tx.manager;
    const [tender]: TenderRow[] = await m.query(
      `SELECT id, status, procuring_entity_id, bid_deadline, bid_validity_days, bid_validity_ends_on::text AS bid_validity_ends_on FROM tenders WHERE id = $1`,
      [tenderId],
    );
    if (!tender || tender.status === 'DRAFT') throw new NotFoundException('The tender');
    // A county supervisor or sector regulator: its own tenders only, 404 outside (issue 19).
    await this.jurisdictions.assertTenderInScope(m, actor, tenderId);
    const full = actor.role === Role.SUPERVISOR || actor.role === Role.ADMIN || (actor.role === Role.PROCURING_ENTITY && actor.organizationId === tender.procuring_entity_id);
    const ownBids = new Set<string>();
    if (!full) {
      const bids: Array<{ id: string }> =
        actor.role === Role.BIDDER && actor.organizationId
          ? await m.query(`SELECT id FROM bids WHERE tender_id = $1 AND bidder_organization_id = $2`, [tenderId, actor.organizationId])
          : [];
      if (!bids.length) throw new ForbiddenException('Only the parties of this tender see its extension requests');
      bids.forEach((b) => ownBids.add(b.id));
    }
    const ids: Array<{ id: string }> = await m.query(`SELECT id FROM bid_validity_extensions WHERE tender_id = $1 ORDER BY requested_at, id`, [tenderId]);
    const items: ExtensionView[] = [];
    for (const { id } of ids) {
      const v = await this.view(m, id, full);
      items.push(full ? v : { ...v, responses: v.responses.filter((r) => ownBids.has(r.bidId)) });
    }
    return { tenderId, bidValidityEndsOn: this.endsOn(tender), items };
  }

  private answer(bidIds: string[], extensionId: string, decision: 'ACCEPT' | 'REFUSE', at: Date, extendTo: string) {
    return {
      extensionId,
      bidId: bidIds[0],
      /** Every bid of the bidder the answer covers (one per lot). */
      bidIds,
      decision,
      respondedAt: new Date(at).toISOString(),
      bidStatus: decision === 'REFUSE' ? BidStatus.LAPSED : undefined,
      bidValidUntil: decision === 'ACCEPT' ? extendTo : null,
    };
  }

  private async view(m: EntityManager, id: string, full: boolean): Promise<ExtensionView> {
    const [e]: Array<Record<string, unknown>> = await m.query(
      `SELECT id, tender_id, previous_ends_on::text AS previous_ends_on, extend_to::text AS extend_to, reason, respond_by, requested_at
       FROM bid_validity_extensions WHERE id = $1`,
      [id],
    );
    const responses: Array<Record<string, unknown>> = await m.query(
      `SELECT bid_id, bidder_organization_id, decision, responded_at FROM bid_validity_extension_responses WHERE extension_id = $1 ORDER BY responded_at, bid_id`,
      [id],
    );
    const view: ExtensionView = {
      id: e.id as string,
      tenderId: e.tender_id as string,
      previousEndsOn: e.previous_ends_on as string,
      extendTo: e.extend_to as string,
      reason: e.reason as string,
      respondBy: new Date(e.respond_by as string).toISOString(),
      requestedAt: new Date(e.requested_at as string).toISOString(),
      responses: responses.map((r) => ({
        bidId: r.bid_id as string,
        bidderOrganizationId: r.bidder_organization_id as string,
        decision: r.decision as 'ACCEPT' | 'REFUSE',
        respondedAt: new Date(r.responded_at as string).toISOString(),
      })),
    };
    if (full) {
      const pending: Array<{ id: string }> = await m.query(
        `SELECT b.id FROM bids b WHERE b.tender_id = $1 AND b.status = ANY($2)
           AND NOT EXISTS (SELECT 1 FROM bid_validity_extension_responses r WHERE r.extension_id = $3 AND r.bid_id = b.id)
         ORDER BY b.id`,
        [view.tenderId, LIVE_BIDS, id],
      );
      view.pendingBidIds = pending.map((p) => p.id);
    }
    return view;
  }

  private async lockTender(m: EntityManager, tenderId: string, actor: Actor): Promise<TenderRow> {
    const [tender]: TenderRow[] = await m.query(
      `SELECT id, status, procuring_entity_id, bid_deadline, bid_validity_days, bid_validity_ends_on::text AS bid_validity_ends_on
       FROM tenders WHERE id = $1 FOR UPDATE`,
      [tenderId],
    );
    if (!tender || (tender.status === 'DRAFT' && tender.procuring_entity_id !== actor.organizationId)) throw new NotFoundException('The tender');
    return tender;
  }

  private endsOn(t: TenderRow): string {
    return bidValidityEndsOn({ bidDeadline: new Date(t.bid_deadline), bidValidityDays: Number(t.bid_validity_days), bidValidityEndsOn: t.bid_validity_ends_on });
  }

  private async now(m: EntityManager): Promise<Date> {
    const [{ now }]: Array<{ now: Date }> = await m.query(`SELECT clock_timestamp() AS now`);
    return new Date(now);
  }
}
