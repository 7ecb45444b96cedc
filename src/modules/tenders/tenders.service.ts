import { MAX_BID_FILE_BYTES } from 'src/sdk/v2/constants';
import { Injectable, Logger } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { Actor, SYSTEM_ACTOR } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { ForbiddenException, NotFoundException } from 'src/common/errors/domain.exception';
import { Page } from 'src/common/http/page-query.dto';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { ScheduledEventKind } from 'src/infra/queue/queue.constants';
import { ScheduledEventEntity } from '../scheduling/scheduled-event.entity';
import { OnTimedEvent, SchedulerService } from '../scheduling/scheduler.service';
import { AuditService } from '../audit/audit.service';
import { CreateTenderDto } from './dto/create-tender.dto';
import { TenderQueryDto } from './dto/tender-query.dto';
import { checkTenderTerms, lotSecurityShare } from './tender-rules';
import { TenderStateMachine } from './tender-state-machine';
import { TenderLotEntity } from './tender-lot.entity';
import { TenderEntity } from './tender.entity';
import { TenderStatus } from './tender.enums';
import { assertDeadlineWithinPlatformBound } from './tender-periods';
import { bidValidityEndsOn, DEFAULT_BID_VALIDITY_DAYS } from './bid-validity';
import { TenderException } from './tender.exception';
import { checkSubClass, sectorOf } from './business-classification';
import { CITY_CODE, JURISDICTION_NAMES } from './jurisdiction-names';
import { checkPreTenderTerms, storePreTender } from './pre-tender/pre-tender.rules';
import { loadPreTenderViews, PreTenderView } from './pre-tender/pre-tender.views';
import { QualificationCriterion } from './tender.enums';
import { POST_QUALIFICATION_RULE } from '../evaluation/qualification/post-qualification';
import { DomainEvents } from 'src/common/events/domain-events';
import { OrganizationsRepository } from 'src/modules/identity/organizations.repository';
import { TendersRepository } from './tenders.repository';
import { PreTenderRepository } from './pre-tender/pre-tender.repository';

/** TBL Art. 17; GPL Art. 34: at least three bidders are invited. */
export const MIN_INVITED_BIDDERS = 3;

export interface TenderView {
  id: string;
  status: TenderStatus;
  title: string;
  description: string;
  category: string;
  regime: string;
  /** The sub-class of business and its sector regulator (issue 19). */
  subClass: string | null;
  sector: string | null;
  /** The city (CITY) or a county / district (COUNTY), GB/T 2260 code. */
  jurisdiction: { code: string; name: string | null; level: string | null };
  method: string;
  budget: string;
  priceCeiling: string | null;
  bidDeadline: string;
  bidSecurityAmount: string;
  /** The accepted forms of bid security (GPR Art. 33). */
  bidSecurityForms: string[];
  /** 投标有效期 (TBR Art. 25): days from the deadline and the last day (CST), moved by an extension request. */
  bidValidity: { days: number; endsOn: string; extended: boolean };
  decryption: { mode: string; windowMinutes: number };
  evaluation: { method: string; priceWeight: string | null; factors: Array<{ code: string; name: string; maxScore: number }> };
  panel: { size: number; specialties: Array<{ code: string; count: number }> };
  /** 标段: empty for a tender without lots (one lot, number 1). */
  lots: Array<{ lotNo: number; title: string; budget: string; bidSecurityAmount: string; status: string }>;
  /** 容缺预招标: the notice of what is pending, the pledge and each item's date and status; null for an ordinary tender. */
  preTender: PreTenderView | null;
  /** 资格后审: the published qualification criteria (empty: a yes/no qualification vote). */
  qualificationCriteria: QualificationCriterion[];
  /** The published rule the panel's conclusion follows (资格后审), when criteria are published. */
  qualificationRule: string | null;
  procuringEntityId: string;
  publishedAt: string | null;
  suspended: boolean;
  suspendedAt: string | null;
  statusReason: string | null;
  /** 重新招标: the FAILED tender this one re-tenders, or null. */
  retenderOfId: string | null;
  openedAt: string | null;
  decryptionWindowEndsAt: string | null;
  /** v1 as before; format v2 adds the accepted suites, the SM2 escrow key and the size limit (additive fields). */
  sealing: { version: 'v1'; escrowPublicKey: string | null; acceptedSuites: string[]; escrowPublicKeySm2: string | null; maxBidFileBytes: number };
  createdAt: string;
  updatedAt: string;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/** "0.3000" → "0.30": a weight with at least two decimals and no trailing zeros beyond them. */
export function normalizeWeight(w: string | null): string | null {
  if (w === null || w === undefined) return null;
  const [i, f = ''] = String(w).split('.');
  return `${i}.${f.replace(/0+$/, '').padEnd(2, '0')}`;
}

/**
 * Tenders (招标项目): drafting, reading, ownership and the BID_DEADLINE timed event. Publication, amendments,
 * objections and cancellation are use-cases (use-cases/); documents live in TenderDocumentsService.
 */
@Injectable()
export class TendersService {
  private readonly logger = new Logger(TendersService.name);

  constructor(
    private readonly tx: TransactionRunner,
    private readonly audit: AuditService,
    private readonly stateMachine: TenderStateMachine,
    private readonly scheduler: SchedulerService,
    private readonly events: DomainEvents,
    private readonly organizations: OrganizationsRepository,
    private readonly repository: TendersRepository,
    private readonly preTenders: PreTenderRepository,
  ) {}

  /** POST /tenders: a draft, checked against the caps, panel sizes and weights of the law (400 when broken). */
  async create(dto: CreateTenderDto, actor: Actor): Promise<TenderView> {
    if (!actor.organizationId) throw new ForbiddenException('Only a procuring entity may draft a tender');
    const invited = this.checkDraftTerms(dto);
    return this.tx.run(async (m) => {
      const { jurisdictionCode, invitees } = await this.resolveDraftParties(m, dto, invited);
      const deadline = await this.checkDraftDates(m, dto);
      const { tender, lots } = await this.persistDraft(m, dto, actor, jurisdictionCode, deadline, invitees);
      await this.auditDraft(m, dto, actor, tender, deadline, invitees.length);
      const saved = await m.findOneByOrFail(TenderEntity, { id: tender.id });
      return this.toView(saved, lots, (await loadPreTenderViews(this.preTenders, m, [saved.id])).get(saved.id) ?? null);
    });
  }

  /** The terms of the law (400 when broken); returns the distinct invited bidders (USCC). */
  private checkDraftTerms(dto: CreateTenderDto): string[] {
    const terms = {
      ...dto,
      evaluation: { ...dto.evaluation, priceWeight: dto.evaluation.priceWeight ?? null, factors: dto.evaluation.factors ?? null },
    };
    const violations = checkTenderTerms(terms);
    const invited = [...new Set(dto.invitedBidders ?? [])];
    // TBL Art. 17 / GPL Art. 34: an invited tender names at least 3 bidders; an open tender names none.
    if (dto.method === 'INVITED' && invited.length < MIN_INVITED_BIDDERS) {
      violations.push({ field: 'invitedBidders', errors: [`an INVITED tender must invite at least ${MIN_INVITED_BIDDERS} distinct bidders (TBL Art. 17; GPL Art. 34)`] });
    }
    if (dto.method === 'OPEN' && invited.length) {
      violations.push({ field: 'invitedBidders', errors: ['an OPEN tender takes bids from anyone: invitedBidders is for INVITED tenders only'] });
    }
    violations.push(...checkPreTenderTerms(dto));
    const subClassErrors = checkSubClass(dto.category, dto.subClass);
    if (subClassErrors.length) violations.push({ field: 'subClass', errors: subClassErrors });
    if (violations.length) throw TenderException.invalid(violations);
    return invited;
  }

  /** The jurisdiction (the city by default) and the invited bidders, each known (400 otherwise). */
  private async resolveDraftParties(
    m: EntityManager,
    dto: CreateTenderDto,
    invited: string[],
  ): Promise<{ jurisdictionCode: string; invitees: Array<{ id: string; uscc: string }> }> {
    const jurisdictionCode = await this.repository.jurisdictionCode(m, dto.jurisdiction);
    if (!jurisdictionCode) throw TenderException.invalid([{ field: 'jurisdiction', errors: [`unknown jurisdiction ${dto.jurisdiction}; see GET /jurisdictions`] }]);
    const invitees = await this.organizations.findManyByUscc(m, invited, 'BIDDER');
    if (invitees.length !== invited.length) {
      const known = new Set(invitees.map((o) => o.uscc));
      throw TenderException.invalid([{ field: 'invitedBidders', errors: [`not registered bidders: ${invited.filter((u) => !known.has(u)).join(', ')}`] }]);
    }
    return { jurisdictionCode, invitees };
  }

  /** The pledged dates and the bid deadline are ahead, by the database clock; returns the deadline. */
  private async checkDraftDates(m: EntityManager, dto: CreateTenderDto): Promise<Date> {
    const now = await this.tx.now(m);
    // 容缺预招标: each pending item's date is in the future when pledged.
    const lateItems = (dto.preTender?.pendingApprovals ?? []).flatMap((a, i) =>
      new Date(a.dueAt).getTime() <= now.getTime() ? [{ field: `preTender.pendingApprovals.${i}.dueAt`, errors: ['dueAt must be in the future'] }] : [],
    );
    if (lateItems.length) throw TenderException.invalid(lateItems);
    const deadline = new Date(dto.bidDeadline);
    if (deadline.getTime() <= now.getTime()) {
      throw TenderException.invalid([{ field: 'bidDeadline', errors: ['bidDeadline must be in the future'] }]);
    }
    assertDeadlineWithinPlatformBound(deadline, now, 'bidDeadline');
    return deadline;
  }

  /** The draft, its lots, its pre-tender pledge and items, and its invitations. */
  private async persistDraft(
    m: EntityManager,
    dto: CreateTenderDto,
    actor: Actor,
    jurisdictionCode: string,
    deadline: Date,
    invitees: Array<{ id: string }>,
  ): Promise<{ tender: TenderEntity; lots: TenderLotEntity[] }> {
    const tender = await m.save(
      TenderEntity,
      m.create(TenderEntity, {
        procuringEntityId: actor.organizationId!,
        createdBy: actor.userId,
        title: dto.title,
        description: dto.description ?? '',
        category: dto.category,
        regime: dto.regime,
        jurisdictionCode,
        subClass: dto.subClass ?? null,
        sector: sectorOf(dto.regime, dto.category, dto.subClass),
        method: dto.method,
        budget: dto.budget,
        priceCeiling: dto.priceCeiling ?? null,
        bidDeadline: deadline,
        bidSecurityAmount: dto.bidSecurityAmount,
        bidSecurityForms: dto.bidSecurityForms ?? ['CASH', 'E_GUARANTEE'],
        bidValidityDays: dto.bidValidityDays ?? DEFAULT_BID_VALIDITY_DAYS,
        decryptionMode: dto.decryption.mode,
        decryptionWindowMinutes: dto.decryption.windowMinutes,
        acceptedSuites: dto.sealing?.acceptedSuites ?? ['INTL-1', 'GM-1'],
        maxBidFileBytes: dto.sealing?.maxBidFileBytes ?? null,
        evaluationMethod: dto.evaluation.method,
        priceWeight: dto.evaluation.priceWeight ?? null,
        evaluationFactors: dto.evaluation.factors?.map((f) => ({ code: f.code, name: f.name, maxScore: f.maxScore })) ?? [],
        panelSize: dto.panel.size,
        panelSpecialties: dto.panel.specialties.map((s) => ({ code: s.code, count: s.count })),
        preTender: !!dto.preTender,
        qualificationCriteria: (dto.qualificationCriteria ?? []).map((c) => ({ code: c.code, type: c.type, requirement: c.requirement, evidence: c.evidence })),
        status: TenderStatus.DRAFT,
      }),
    );
    const lots = (dto.lots ?? []).map((l, i) =>
      m.create(TenderLotEntity, { tenderId: tender.id, lotNo: i + 1, title: l.title, budget: l.budget, bidSecurityAmount: l.bidSecurityAmount ?? null }),
    );
    if (lots.length) await m.save(TenderLotEntity, lots);
    if (dto.preTender) await storePreTender(this.preTenders, m, tender.id, dto.preTender);
    for (const o of invitees) {
      await this.repository.insertInvitation(m, tender.id, o.id);
    }
    return { tender, lots };
  }

  private async auditDraft(m: EntityManager, dto: CreateTenderDto, actor: Actor, tender: TenderEntity, deadline: Date, invited: number): Promise<void> {
    await this.audit.append(m, {
      actor,
      action: 'TENDER_CREATED',
      objectType: 'tender',
      objectId: tender.id,
      tenderId: tender.id,
      data: {
        title: tender.title,
        regime: tender.regime,
        category: tender.category,
        subClass: tender.subClass,
        sector: tender.sector,
        jurisdiction: tender.jurisdictionCode,
        budget: tender.budget,
        bidDeadline: deadline.toISOString(),
        invited,
        ...(dto.preTender
          ? { preTender: { pendingApprovals: dto.preTender.pendingApprovals.map((a) => ({ kind: a.kind, name: a.name, dueAt: new Date(a.dueAt).toISOString() })) } }
          : {}),
        ...(dto.qualificationCriteria?.length ? { qualificationCriteria: dto.qualificationCriteria.map((c) => c.code) } : {}),
      },
    });
  }

  /** GET /tenders/{id}: public once published; a draft only to its procuring entity (others: 404). */
  async get(id: string, actor: Actor | null, manager: EntityManager = this.tx.manager): Promise<TenderView> {
    const tender = await this.findVisible(manager, id, actor);
    const lots = await manager.find(TenderLotEntity, { where: { tenderId: id }, order: { lotNo: 'ASC' } });
    const pre = tender.preTender ? ((await loadPreTenderViews(this.preTenders, manager, [id])).get(id) ?? null) : null;
    return this.toView(tender, lots, pre);
  }

  /** GET /tenders: the published tenders (every status but DRAFT); `mine=true` lists the caller's own, drafts included. */
  async list(q: TenderQueryDto, actor: Actor | null): Promise<Page<TenderView>> {
    if (q.mine && (!actor?.organizationId || actor.role !== Role.PROCURING_ENTITY)) {
      throw new ForbiddenException('mine=true is for procuring entities');
    }
    const [rows, total] = await this.repository.page(this.tx.manager, {
      mineOf: q.mine ? actor!.organizationId! : null,
      status: q.status,
      regime: q.regime,
      category: q.category,
      jurisdiction: q.jurisdiction,
      subClass: q.subClass,
      q: q.q,
      page: q.page,
      pageSize: q.pageSize,
    });
    const lots = rows.length ? await this.tx.manager.find(TenderLotEntity, { where: { tenderId: In(rows.map((r) => r.id)) }, order: { lotNo: 'ASC' } }) : [];
    const pre = await loadPreTenderViews(
      this.preTenders,
      this.tx.manager,
      rows.filter((r) => r.preTender).map((r) => r.id),
    );
    return {
      items: rows.map((t) =>
        this.toView(
          t,
          lots.filter((l) => l.tenderId === t.id),
          pre.get(t.id) ?? null,
        ),
      ),
      total,
    };
  }

  /** The tender as the caller may see it: a draft exists only for its procuring entity (NOT_FOUND for others). */
  async findVisible(m: EntityManager, id: string, actor: Actor | null): Promise<TenderEntity> {
    const tender = await m.findOneBy(TenderEntity, { id });
    if (!tender || (tender.status === TenderStatus.DRAFT && !(await this.actsForOwner(m, tender, actor)))) throw new NotFoundException('The tender');
    return tender;
  }

  /**
   * Locks the tender for a change by its procuring entity: NOT_FOUND when the caller may not see it, FORBIDDEN when
   * it is public but not theirs. Locks the tender's pending timed events first, in the order an event handler takes
   * them (event, then tender), so a change at the deadline and the deadline itself cannot deadlock.
   */
  async lockForOwner(m: EntityManager, id: string, actor: Actor): Promise<TenderEntity> {
    await this.lockPendingEvents(m, id);
    const tender = await m.findOne(TenderEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
    const owner = !!tender && (await this.actsForOwner(m, tender, actor));
    if (!tender || (tender.status === TenderStatus.DRAFT && !owner)) throw new NotFoundException('The tender');
    if (!owner) throw new ForbiddenException('Only the procuring entity of this tender (or its authorised agent) may do this');
    return tender;
  }

  /** Locks the tender (after its pending events) for a change by any party that may see it; NOT_FOUND otherwise. */
  async lockVisible(m: EntityManager, id: string, actor: Actor | null): Promise<TenderEntity> {
    await this.lockPendingEvents(m, id);
    const tender = await m.findOne(TenderEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!tender || (tender.status === TenderStatus.DRAFT && !(await this.actsForOwner(m, tender, actor)))) throw new NotFoundException('The tender');
    return tender;
  }

  /** Locks the tender's pending timed events (in id order), as the scheduler does before a handler locks the tender. */
  async lockPendingEvents(m: EntityManager, tenderId: string): Promise<void> {
    await this.repository.lockPendingEvents(m, tenderId);
  }

  /** The tender's procuring entity — or, once actsForOwner found its authorisation, its agent acting for it. */
  isOwner(tender: TenderEntity, actor: Actor | null): boolean {
    return (
      !!actor &&
      actor.role === Role.PROCURING_ENTITY &&
      !!actor.organizationId &&
      (actor.organizationId === tender.procuringEntityId || actor.onBehalfOf === tender.procuringEntityId)
    );
  }

  /**
   * The procuring entity itself, or a user of a tendering agent (招标代理机构) it authorised for this tender or for all
   * its tenders (TBL Arts. 13, 15: the agent acts within the entity's authorisation). For an agent, marks the actor
   * `onBehalfOf` the entity: every audit event it then writes records "agent X for entity Y".
   */
  async actsForOwner(m: EntityManager, tender: TenderEntity, actor: Actor | null): Promise<boolean> {
    if (this.isOwner(tender, actor)) return true;
    if (!actor || actor.role !== Role.PROCURING_ENTITY || !actor.organizationId) return false;
    if (!(await this.repository.agentAuthorized(m, actor.organizationId, tender.procuringEntityId, tender.id))) return false;
    actor.onBehalfOf = tender.procuringEntityId;
    return true;
  }

  /**
   * The BID_DEADLINE event (投标截止 = 开标, TBL Art. 34): runs in the scheduler's transaction with the event row
   * locked. The tender is locked; if it is still PUBLISHED and not suspended, BidDeadlineReached is announced (the
   * opening module closes submissions and moves it to OPENING or FAILED). Anything else is a no-op, so an event
   * that fires twice or late changes nothing twice.
   */
  @OnTimedEvent(ScheduledEventKind.BidDeadline)
  async onBidDeadline(m: EntityManager, event: ScheduledEventEntity): Promise<void> {
    const tender = await m.findOne(TenderEntity, { where: { id: event.subjectId }, lock: { mode: 'pessimistic_write' } });
    if (!tender || tender.status !== TenderStatus.PUBLISHED) return;
    if (tender.suspendedAt) {
      // TBR Art. 22: suspended until the objection is answered; answering re-plans the deadline (see AnswerObjection).
      this.logger.warn(`bid deadline of suspended tender ${tender.id} reached: nothing done until the objection is answered`);
      return;
    }
    if (!(await this.repository.isDue(m, tender.bidDeadline))) {
      // The deadline and its event always move together; a mismatch means a change is in flight: retry later.
      throw new Error(`bid deadline event of tender ${tender.id} ran before the tender's deadline ${tender.bidDeadline.toISOString()}`);
    }
    await this.audit.append(m, {
      actor: SYSTEM_ACTOR,
      action: 'BID_DEADLINE_REACHED',
      objectType: 'tender',
      objectId: tender.id,
      tenderId: tender.id,
      data: { bidDeadline: tender.bidDeadline.toISOString(), handlers: this.events.handlersOf('BidDeadlineReached').length },
    });
    await this.events.emit(m, 'BidDeadlineReached', { tenderId: tender.id }, SYSTEM_ACTOR);
  }

  toView(t: TenderEntity, lots: TenderLotEntity[] = [], preTender: PreTenderView | null = null): TenderView {
    return {
      id: t.id,
      status: t.status,
      title: t.title,
      description: t.description,
      category: t.category,
      regime: t.regime,
      subClass: t.subClass ?? null,
      sector: t.sector ?? null,
      jurisdiction: { code: t.jurisdictionCode, name: JURISDICTION_NAMES[t.jurisdictionCode] ?? null, level: t.jurisdictionCode === CITY_CODE ? 'CITY' : 'COUNTY' },
      method: t.method,
      budget: t.budget,
      priceCeiling: t.priceCeiling,
      bidDeadline: new Date(t.bidDeadline).toISOString(),
      bidSecurityAmount: t.bidSecurityAmount,
      bidSecurityForms: t.bidSecurityForms ?? ['CASH', 'E_GUARANTEE'],
      bidValidity: { days: t.bidValidityDays, endsOn: bidValidityEndsOn(t), extended: t.bidValidityEndsOn !== null },
      decryption: { mode: t.decryptionMode, windowMinutes: t.decryptionWindowMinutes },
      evaluation: { method: t.evaluationMethod, priceWeight: normalizeWeight(t.priceWeight), factors: t.evaluationFactors ?? [] },
      panel: { size: t.panelSize, specialties: t.panelSpecialties ?? [] },
      lots: lots.map((l) => ({
        lotNo: l.lotNo,
        title: l.title,
        budget: l.budget,
        bidSecurityAmount: l.bidSecurityAmount ?? lotSecurityShare(t.bidSecurityAmount, l.budget, t.budget),
        status: l.status,
      })),
      preTender,
      qualificationCriteria: t.qualificationCriteria ?? [],
      qualificationRule: t.qualificationCriteria?.length ? POST_QUALIFICATION_RULE : null,
      procuringEntityId: t.procuringEntityId,
      publishedAt: iso(t.publishedAt),
      suspended: !!t.suspendedAt,
      suspendedAt: iso(t.suspendedAt),
      statusReason: t.statusReason,
      retenderOfId: t.retenderOfId ?? null,
      openedAt: iso(t.openedAt),
      decryptionWindowEndsAt: iso(t.decryptionWindowEndsAt),
      sealing: {
        version: 'v1',
        escrowPublicKey: t.escrowPublicKey,
        acceptedSuites: t.acceptedSuites ?? ['INTL-1', 'GM-1'],
        escrowPublicKeySm2: t.escrowPublicKeySm2 ?? null,
        maxBidFileBytes: Math.min(t.maxBidFileBytes ?? MAX_BID_FILE_BYTES, MAX_BID_FILE_BYTES),
      },
      createdAt: new Date(t.createdAt).toISOString(),
      updatedAt: new Date(t.updatedAt).toISOString(),
    };
  }
}
