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
import { BidValidityExtensionsRepository, TenderValidityRow } from './bid-validity-extensions.repository';
import { TendersRepository } from '../../tenders/tenders.repository';

/** Tender statuses with opened bids whose validity still matters: after the opening, before the contract. */
const EXTENDABLE = ['OPENING', 'EVALUATION', 'PUBLICITY', 'AWARDED'];
/** Bids that are asked to extend: those still in the competition. */
const LIVE_BIDS = [BidStatus.OPENED, BidStatus.DECRYPTED];

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
    private readonly repo: BidValidityExtensionsRepository,
    private readonly tenderRows: TendersRepository,
  ) {}

  async request(tenderId: string, dto: RequestBidValidityExtensionDto, actor: Actor): Promise<ExtensionView> {
    if (!LegalCalendar.isValidDay(dto.extendTo)) throw new ValidationFailedException([{ field: 'extendTo', errors: ['extendTo is not a calendar day'] }]);
    return this.tx.run(async (m) => {
      const tender = await this.lockTender(m, tenderId, actor);
      if (tender.procuringEntityId !== actor.organizationId || actor.role !== Role.PROCURING_ENTITY) {
        throw new ForbiddenException('Only the procuring entity of this tender may ask for an extension');
      }
      if (!EXTENDABLE.includes(tender.status)) throw BidValidityException.notExtendable(tender.status);
      const now = await this.now(m);
      const endsOn = this.endsOn(tender);
      // TBR Art. 25: asked while the bids are still valid — through 24:00 CST of the last day, not after.
      if (now >= LegalCalendar.endOf(endsOn)) throw BidValidityException.expired(endsOn);
      const open = await this.repo.findOpen(m, tenderId, now);
      if (open) {
        // The same request again (a retry) answers the first one; another one waits for the answers.
        if (open.extendTo === dto.extendTo) return this.view(m, open.id, true);
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

      const extensionId = await this.repo.insert(m, { tenderId, previousEndsOn: endsOn, extendTo: dto.extendTo, reason: dto.reason, respondBy, requestedBy: actor.userId });
      await this.tenderRows.moveBidValidityEnd(m, tenderId, dto.extendTo);
      const asked = await this.repo.bidIdsWithStatus(m, tenderId, LIVE_BIDS);
      await this.audit.append(m, {
        actor,
        action: 'BID_VALIDITY_EXTENSION_REQUESTED',
        objectType: 'bid_validity_extension',
        objectId: extensionId,
        tenderId,
        data: { previousEndsOn: endsOn, extendTo: dto.extendTo, respondBy: respondBy.toISOString(), reason: dto.reason, bidsAsked: asked.length },
      });
      return this.view(m, extensionId, true);
    });
  }

  async respond(tenderId: string, extensionId: string, dto: RespondBidValidityExtensionDto, actor: Actor) {
    const org = actor.organizationId;
    if (actor.role !== Role.BIDDER || !org) throw new ForbiddenException('This is for bidders');
    return this.tx.run(async (m) => {
      await this.lockTender(m, tenderId, actor);
      const ext = await this.repo.lockExtension(m, extensionId, tenderId);
      if (!ext) throw new NotFoundException('The extension request');
      // Every bid of the bidder on the tender (one per lot): the request is the tender's, the answer covers them all.
      const bids = await this.repo.bidderBidsForUpdate(m, tenderId, org);
      if (!bids.length) throw new NotFoundException('Your bid');
      const priors = await this.repo.priorResponses(
        m,
        extensionId,
        bids.map((b) => b.id),
      );
      if (priors.length) {
        if (priors[0].decision !== dto.decision) throw new ConflictException(`You already answered ${priors[0].decision}; an answer cannot be changed`);
        return this.answer(
          bids.map((b) => b.id),
          extensionId,
          priors[0].decision,
          priors[0].respondedAt,
          ext.extendTo,
        );
      }
      const live = bids.filter((b) => LIVE_BIDS.includes(b.status));
      if (!live.length) throw new ConflictException(`Your bid is ${bids[0].status}: there is no validity left to extend`);
      const now = await this.now(m);
      if (now > ext.respondBy) throw BidValidityException.responseClosed(ext.respondBy.toISOString());
      // TBR Art. 25 ¶2 / Art. 26: a bidder who agrees extends its security's validity accordingly (each lot's).
      if (dto.decision === 'ACCEPT') {
        for (const b of live) {
          if (!(await this.security.coversThrough(m, tenderId, org, ext.extendTo, b.lotNo))) throw BidValidityException.securityTooShort(ext.extendTo);
        }
      }
      for (const b of live) {
        await this.repo.insertResponse(m, { extensionId, bidId: b.id, bidderOrganizationId: org, decision: dto.decision, respondedBy: actor.userId, respondedAt: now });
      }
      if (dto.decision === 'REFUSE') {
        // TBR Art. 25 ¶2: "投标人拒绝延长的，其投标失效，但投标人有权收回其投标保证金".
        await this.repo.markLapsed(
          m,
          live.map((b) => b.id),
          BidStatusReason.VALIDITY_EXTENSION_REFUSED,
        );
      }
      for (const b of live) {
        await this.audit.append(m, {
          actor,
          action: dto.decision === 'ACCEPT' ? 'BID_VALIDITY_EXTENSION_ACCEPTED' : 'BID_VALIDITY_EXTENSION_REFUSED',
          objectType: 'bid',
          objectId: b.id,
          tenderId,
          data: { extensionId, extendTo: ext.extendTo, decision: dto.decision, lotNo: b.lotNo, ...(dto.decision === 'REFUSE' ? { bidStatus: 'LAPSED' } : {}) },
        });
        if (dto.decision === 'REFUSE') {
          await this.events.emit(m, 'BidLapsed', { tenderId, bidId: b.id, bidderOrganizationId: org, lotNo: b.lotNo }, actor);
        }
      }
      return this.answer(
        live.map((b) => b.id),
        extensionId,
        dto.decision,
        now,
        ext.extendTo,
      );
    });
  }

  /** GET /tenders/{id}/bid-validity-extensions: owner, supervisors and administrators see every answer; a bidder with a bid, its own. */
  async list(tenderId: string, actor: Actor): Promise<{ tenderId: string; bidValidityEndsOn: string; items: ExtensionView[] }> {
    const m = this.tx.manager;
    const tender = await this.repo.findTender(m, tenderId);
    if (!tender || tender.status === 'DRAFT') throw new NotFoundException('The tender');
    // A county supervisor or sector regulator: its own tenders only, 404 outside (issue 19).
    await this.jurisdictions.assertTenderInScope(m, actor, tenderId);
    const full = actor.role === Role.SUPERVISOR || actor.role === Role.ADMIN || (actor.role === Role.PROCURING_ENTITY && actor.organizationId === tender.procuringEntityId);
    const ownBids = new Set<string>();
    if (!full) {
      const bids = actor.role === Role.BIDDER && actor.organizationId ? await this.repo.bidderBidIds(m, tenderId, actor.organizationId) : [];
      if (!bids.length) throw new ForbiddenException('Only the parties of this tender see its extension requests');
      bids.forEach((id) => ownBids.add(id));
    }
    const ids = await this.repo.idsOfTender(m, tenderId);
    const items: ExtensionView[] = [];
    for (const id of ids) {
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
    const e = await this.repo.findById(m, id);
    if (!e) throw new NotFoundException('The extension request'); // the caller has just read or written its id
    const responses = await this.repo.responses(m, id);
    const view: ExtensionView = {
      id: e.id,
      tenderId: e.tenderId,
      previousEndsOn: e.previousEndsOn,
      extendTo: e.extendTo,
      reason: e.reason,
      respondBy: e.respondBy.toISOString(),
      requestedAt: e.requestedAt.toISOString(),
      responses: responses.map((r) => ({ bidId: r.bidId, bidderOrganizationId: r.bidderOrganizationId, decision: r.decision, respondedAt: r.respondedAt.toISOString() })),
    };
    if (full) view.pendingBidIds = await this.repo.pendingBidIds(m, view.tenderId, LIVE_BIDS, id);
    return view;
  }

  private async lockTender(m: EntityManager, tenderId: string, actor: Actor): Promise<TenderValidityRow> {
    const tender = await this.repo.lockTender(m, tenderId);
    if (!tender || (tender.status === 'DRAFT' && tender.procuringEntityId !== actor.organizationId)) throw new NotFoundException('The tender');
    return tender;
  }

  private endsOn(t: TenderValidityRow): string {
    return bidValidityEndsOn({ bidDeadline: t.bidDeadline, bidValidityDays: t.bidValidityDays, bidValidityEndsOn: t.bidValidityEndsOn });
  }

  private now(m: EntityManager): Promise<Date> {
    return this.repo.now(m);
  }
}
