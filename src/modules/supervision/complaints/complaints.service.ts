import { Injectable } from '@nestjs/common';
import { createHash } from 'crypto';
import { EntityManager } from 'typeorm';
import { Actor, SYSTEM_ACTOR } from 'src/common/auth/actor';
import { DomainEventMap, DomainEvents, HandlerOrder, OnEvent } from 'src/common/events/domain-events';
import { ScheduledEventKind } from 'src/infra/queue/queue.constants';
import { Role } from 'src/common/auth/role.enum';
import { Page } from 'src/common/http/page-query.dto';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { canonicalJson } from 'src/modules/audit/canonical-json';
import { LegalCalendarService } from 'src/modules/tenders/legal-calendar/legal-calendar.service';
import { TenderSuspensionService } from 'src/modules/tenders/tender-suspension.service';
import { TenderStateMachine } from 'src/modules/tenders/tender-state-machine';
import { TenderEntity } from 'src/modules/tenders/tender.entity';
import { OBJECTOR_SEALED } from 'src/modules/tenders/tender-objection.entity';
import { IdentityKeyService } from 'src/modules/custody/identity-key.service';
import { TenderStatus } from 'src/modules/tenders/tender.enums';
import { TendersService } from 'src/modules/tenders/tenders.service';
import { sealedBidderActor } from 'src/modules/bids/bid-identity-sealer';
import { NotificationsService } from 'src/modules/notifications/notifications.service';
import { ScheduledEventEntity } from 'src/modules/scheduling/scheduled-event.entity';
import { OnTimedEvent, SchedulerService } from 'src/modules/scheduling/scheduler.service';
import { AuditService } from '../../audit/audit.service';
import { JurisdictionsService } from '../../jurisdictions/jurisdictions.service';
import { SupervisionException } from '../supervision.exception';
import { acceptDue, ComplaintRemedy, decideDue, filingDeadline, Regime, suspensionEnd } from './complaint-rules';
import { ComplaintQueryDto, ComplaintStatus, FileComplaintDto, HandleComplaintDto } from './dto/complaint.dto';
import { OrganizationsRepository } from 'src/modules/identity/organizations.repository';
import { ComplaintRecord, ComplaintsRepository, ComplaintWithRegime } from './complaints.repository';

export interface ComplaintView {
  id: string;
  tenderId: string;
  complainantOrganizationId: string;
  complainantName: string;
  stage: string;
  objectionId: string | null;
  text: string;
  /** When the 10 days (15 working days) started: the answer to the objection, the opening, or the stated day. */
  knownAt: string;
  filingDeadline: string;
  filedAt: string;
  /** 3 working days to accept or refuse (TBR Art. 61; procurement 5, MOF94). */
  acceptDueAt: string;
  /** 30 working days to decide (TBR Art. 61; GPL Art. 56), set once accepted. */
  decideDueAt: string | null;
  status: ComplaintStatus;
  refusalReason: string | null;
  acceptedAt: string | null;
  refusedAt: string | null;
  decision: 'UPHELD' | 'DISMISSED' | null;
  decisionText: string | null;
  decidedAt: string | null;
  /** Past its due time (by the database clock) and not yet handled, or handled late. */
  overdue: { accept: boolean; decide: boolean };
  /** A suspension of the tender ordered on acceptance (TBR Art. 62; GPL Art. 57): until the decision, procurement ≤ 30 days. */
  suspension: { orderedAt: string; endsAt: string | null; liftedAt: string | null } | null;
  /** What an upheld complaint changed: RE_EVALUATION or RE_TENDER. */
  remedy: ComplaintRemedy | null;
}

const FINAL: TenderStatus[] = [TenderStatus.DRAFT, TenderStatus.CONTRACTED, TenderStatus.FAILED, TenderStatus.CANCELLED];

const TRANSITIONS: Record<ComplaintStatus, ComplaintStatus[]> = { FILED: ['ACCEPTED', 'REFUSED'], ACCEPTED: ['DECIDED'], REFUSED: [], DECIDED: [] };
const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
type LegalCalendar = Awaited<ReturnType<LegalCalendarService['calendar']>>;

/** Platform-tier purpose of the sealed complainant (issue 17): blind index, seal, keyed request digest. */
const COMPLAINANT_SEALED = 'complainant';
const complainantAad = (tenderId: string, blindIndex: string) => `complainant|${tenderId}|${blindIndex}`;
interface SealedComplainant {
  organizationId: string;
  userId: string;
  /** The plain request digest, put back at the deadline. */
  requestSha256: string;
}

/**
 * Complaints (投诉, TBR Arts. 60–61; GPL Arts. 55–56): filed by a bidder after its objection (where the law requires
 * one), accepted or refused by a supervisor, then decided; each deadline is computed with the legal calendar and shown.
 */
@Injectable()
export class ComplaintsService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly audit: AuditService,
    private readonly calendars: LegalCalendarService,
    private readonly tenders: TendersService,
    private readonly suspension: TenderSuspensionService,
    private readonly stateMachine: TenderStateMachine,
    private readonly scheduler: SchedulerService,
    private readonly events: DomainEvents,
    private readonly notifications: NotificationsService,
    private readonly jurisdictions: JurisdictionsService,
    private readonly identityKeys: IdentityKeyService,
    private readonly organizations: OrganizationsRepository,
    private readonly complaints: ComplaintsRepository,
  ) {}

  @OnTimedEvent(ScheduledEventKind.ComplaintSuspensionEnd)
  async onComplaintSuspensionEnd(m: EntityManager, e: ScheduledEventEntity): Promise<void> {
    await this.onSuspensionEnd(m, e);
  }

  /** Sealed identities (issue 17): at the deadline the complainants of the tender are named in clear again. */
  @OnEvent('BidDeadlineReached', { order: HandlerOrder.UNSEAL })
  async onBidDeadlineReached(m: EntityManager, { tenderId }: DomainEventMap['BidDeadlineReached']): Promise<void> {
    await this.unsealTender(m, tenderId);
  }

  /** The blind index of a complainant (key derived from SEALING_MASTER_KEY): finds its complaints while sealed. */
  private complainantBlindIndex(tenderId: string, organizationId: string): string {
    return this.identityKeys.blindIndex(COMPLAINANT_SEALED, tenderId, organizationId);
  }

  private complainant(c: Pick<ComplaintRecord, 'tenderId' | 'complainantOrganizationId' | 'filedBy' | 'complainantBlindIndex' | 'complainantSealed'>): SealedComplainant {
    if (c.complainantOrganizationId && !c.complainantSealed) return { organizationId: c.complainantOrganizationId, userId: c.filedBy!, requestSha256: '' };
    return this.identityKeys.platformOpen<SealedComplainant>(COMPLAINANT_SEALED, c.complainantSealed!, complainantAad(c.tenderId, c.complainantBlindIndex!));
  }

  /** At the deadline: the complainants filled in clear (and the plain request digest), audited (COMPLAINT_IDENTITIES_UNSEALED). */
  async unsealTender(m: EntityManager, tenderId: string): Promise<number> {
    const rows = await this.complaints.lockSealedOfTender(m, tenderId);
    const complainants: Array<{ complaintId: string; organizationId: string; userId: string }> = [];
    for (const c of rows) {
      const who = this.complainant({ ...c, complainantOrganizationId: null, filedBy: null });
      await this.complaints.unsealComplainant(m, c.id, who);
      complainants.push({ complaintId: c.id, organizationId: who.organizationId, userId: who.userId });
    }
    if (rows.length) {
      await this.audit.append(m, {
        actor: SYSTEM_ACTOR,
        action: 'COMPLAINT_IDENTITIES_UNSEALED',
        objectType: 'tender',
        objectId: tenderId,
        tenderId,
        data: { complaints: rows.length, complainants },
      });
    }
    return rows.length;
  }

  /** POST /tenders/{id}/complaints (BIDDER). The same request again returns the same complaint. */
  async file(tenderId: string, dto: FileComplaintDto, actor: Actor): Promise<ComplaintView & { created: boolean }> {
    if (!actor.organizationId) throw SupervisionException.forbidden('A complaint is filed by a bidder organisation');
    const orgId = actor.organizationId;
    if (dto.stage !== 'OTHER' && dto.knownAt !== undefined) {
      throw SupervisionException.invalid([{ field: 'knownAt', errors: ['knownAt is given for OTHER complaints only; the other stages count from the objection or the opening'] }]);
    }
    const text = dto.text.trim();
    const request = Buffer.from(canonicalJson({ tenderId, orgId, stage: dto.stage, knownAt: dto.knownAt ?? null, text }), 'utf8');
    const requestSha256 = createHash('sha256').update(request).digest('hex');
    // While sealed the row holds a keyed digest: the plain one could be tested against every organisation (the text
    // is in the row).
    const requestHmac = this.identityKeys.platformDigest(COMPLAINANT_SEALED, request);
    return this.tx.run(async (m) => {
      await this.complaints.lockRequest(m, requestSha256);
      const existing = await this.complaints.findByRequest(m, [requestSha256, requestHmac]);
      if (existing) return { ...(await this.view(m, existing)), created: false };
      const tender = await this.complaints.tenderForFiling(m, tenderId);
      if (!tender) throw SupervisionException.notFound('The tender');
      const now = await this.tx.now(m);
      const { knownAt, objectionId } = await this.startOfPeriod(m, tenderId, tender, orgId, dto, now);
      const cal = await this.calendars.calendar(m);
      const deadline = this.assertWithinFilingPeriod(cal, tender.regime, knownAt, now);
      const accept = acceptDue(cal, tender.regime, now);
      const id = await this.recordFiling(
        m,
        actor,
        { tenderId, orgId, dto, text, knownAt, objectionId, filingDeadline: deadline.at, now, acceptDueAt: accept.at },
        { requestSha256, requestHmac },
      );
      return { ...(await this.view(m, id)), created: true };
    });
  }

  /** Writes the complaint (its complainant sealed while the tender seals identities) and audits it (COMPLAINT_FILED). */
  private async recordFiling(
    m: EntityManager,
    actor: Actor,
    f: {
      tenderId: string;
      orgId: string;
      dto: FileComplaintDto;
      text: string;
      knownAt: Date;
      objectionId: string | null;
      filingDeadline: Date;
      now: Date;
      acceptDueAt: Date;
    },
    digests: { requestSha256: string; requestHmac: string },
  ): Promise<string> {
    const { tenderId, orgId, dto, text, knownAt, objectionId, now } = f;
    const { requestSha256, requestHmac } = digests;
    // Sealed identities (issue 17): a complaint filed before the deadline of a tender that seals identities (e.g.
    // about the documents) names its complainant only sealed — platform tier: the supervisors handling it read it
    // through the API; a dump does not (TBL Art. 22).
    const sealed = await this.identityKeys.sealsIdentities(m, tenderId);
    const blindIndex = sealed ? this.complainantBlindIndex(tenderId, orgId) : null;
    const id = await this.complaints.insert(m, {
      tenderId,
      complainantOrganizationId: sealed ? null : orgId,
      filedBy: sealed ? null : actor.userId,
      stage: dto.stage,
      objectionId,
      text,
      knownAt,
      filingDeadline: f.filingDeadline,
      filedAt: now,
      acceptDueAt: f.acceptDueAt,
      requestSha256: sealed ? requestHmac : requestSha256,
      complainantBlindIndex: blindIndex,
      complainantSealed: blindIndex
        ? this.identityKeys.platformSeal(
            COMPLAINANT_SEALED,
            { organizationId: orgId, userId: actor.userId, requestSha256 } satisfies SealedComplainant,
            complainantAad(tenderId, blindIndex),
          )
        : null,
    });
    await this.audit.append(m, {
      actor: sealed ? sealedBidderActor(actor) : actor, // the complainant is in the sealed row until the deadline
      action: 'COMPLAINT_FILED',
      objectType: 'complaint',
      objectId: id,
      tenderId,
      data: {
        stage: dto.stage,
        objectionId,
        knownAt: knownAt.toISOString(),
        filingDeadline: f.filingDeadline.toISOString(),
        acceptDueAt: f.acceptDueAt.toISOString(),
        textSha256: createHash('sha256').update(text).digest('hex'),
      },
    });
    return id;
  }

  /** TBR Art. 60 / GPL Art. 55: a maximum period, never relaxed (LEGAL_PERIODS=relaxed lifts minimum periods only). */
  private assertWithinFilingPeriod(cal: LegalCalendar, regime: Regime, knownAt: Date, now: Date): ReturnType<typeof filingDeadline> {
    const deadline = filingDeadline(cal, regime, knownAt);
    if (now.getTime() > deadline.at.getTime()) {
      throw SupervisionException.legalPeriod(
        `A complaint must be filed within ${deadline.days} ${deadline.unit === 'WORKING_DAYS' ? 'working days' : 'days'} (${deadline.article}); the period ended ${deadline.at.toISOString()}`,
        { rule: 'COMPLAINT_WITHIN_PERIOD', article: deadline.article, latest: deadline.at.toISOString(), knownAt: knownAt.toISOString() },
      );
    }
    return deadline;
  }

  /** PATCH /supervision/complaints/{id} (SUPERVISOR): FILED → ACCEPTED | REFUSED; ACCEPTED → DECIDED. */
  async handle(id: string, dto: HandleComplaintDto, actor: Actor): Promise<ComplaintView> {
    return this.tx.run(async (m) => {
      const c = await this.complaints.lockWithRegime(m, id);
      if (!c) throw SupervisionException.notFound('The complaint');
      // Only the supervisors of the tender's jurisdiction and trade handle it (TBR Art. 4 ¶2 (not in regulations.md; from the statute text); EB20 Art. 51).
      await this.jurisdictions.assertTenderInScope(m, actor, c.tenderId, 'The complaint');
      const status = c.status;
      if (dto.status === status) {
        if (isRepeat(c, dto)) return this.view(m, id);
        throw SupervisionException.conflict(`The complaint is already ${status}`);
      }
      if (!TRANSITIONS[status].includes(dto.status)) throw SupervisionException.transition(status, dto.status, TRANSITIONS[status]);
      const now = await this.tx.now(m);
      assertHandlingValid(dto);
      const tender = await this.tenderFor(m, c, dto);
      const late = await this.persistHandling(m, c, dto, tender, now, actor);
      await this.audit.append(m, {
        actor,
        action: `COMPLAINT_${dto.status}`,
        objectType: 'complaint',
        objectId: id,
        tenderId: c.tenderId,
        // A department acting after its statutory time is recorded as late, not refused: the act stands (TBR Art. 61).
        data: { from: status, to: dto.status, late, ...(dto.decision ? { decision: dto.decision } : {}), ...(dto.remedy ? { remedy: dto.remedy } : {}) },
      });
      if (dto.status === 'DECIDED') {
        // The decision ends the complaint's suspension (TBR Art. 62); then the remedy changes the tender.
        if (c.suspensionOrderedAt && !c.suspensionLiftedAt) await this.liftSuspension(m, c, tender!, now, actor, 'DECIDED');
        if (dto.remedy) await this.applyRemedy(m, c, tender!, dto.remedy, actor);
      }
      return this.view(m, id);
    });
  }

  /**
   * The tender, locked after its pending timed events (the order the scheduler takes them), when a suspension or a
   * remedy changes it, checked against its status before anything is written; null when nothing changes it.
   */
  private async tenderFor(m: EntityManager, c: ComplaintWithRegime, dto: HandleComplaintDto): Promise<TenderEntity | null> {
    const tender = dto.suspend || dto.remedy || c.suspensionOrderedAt ? await this.lockTender(m, c.tenderId) : null;
    if (dto.suspend && tender && FINAL.includes(tender.status)) {
      throw SupervisionException.conflict(`The tender is ${tender.status}: there is nothing to suspend`, { rule: 'SUSPEND_LIVE_TENDER', article: 'TBR Art. 62' });
    }
    if (dto.remedy === 'RE_EVALUATION' && tender!.status !== TenderStatus.PUBLICITY) {
      throw SupervisionException.conflict(`The tender is ${tender!.status}: a re-evaluation is ordered while the result is in publicity (or announced) and not yet awarded`, {
        rule: 'REMEDY_NOT_APPLICABLE',
        remedy: dto.remedy,
      });
    }
    if (dto.remedy === 'RE_TENDER' && FINAL.includes(tender!.status)) {
      throw SupervisionException.conflict(`The tender is ${tender!.status}: it cannot be re-tendered by decision`, { rule: 'REMEDY_NOT_APPLICABLE', remedy: dto.remedy });
    }
    return tender;
  }

  /** Writes the acceptance (and the suspension it orders), the refusal or the decision; returns whether it is late. */
  private async persistHandling(m: EntityManager, c: ComplaintWithRegime, dto: HandleComplaintDto, tender: TenderEntity | null, now: Date, actor: Actor): Promise<boolean> {
    if (dto.status === 'ACCEPTED') {
      const cal = await this.calendars.calendar(m);
      const due = decideDue(cal, c.regime, new Date(c.filedAt), now);
      await this.complaints.accept(m, c.id, now, due.at, actor.userId);
      if (dto.suspend) await this.orderSuspension(m, c, tender!, cal, now, actor);
      return now.getTime() > new Date(c.acceptDueAt).getTime();
    }
    if (dto.status === 'REFUSED') {
      await this.complaints.refuse(m, c.id, now, dto.reason!.trim(), actor.userId);
      return now.getTime() > new Date(c.acceptDueAt).getTime();
    }
    await this.complaints.decide(m, c.id, now, { decision: dto.decision!, text: dto.decisionText!.trim(), remedy: dto.remedy ?? null }, actor.userId);
    return c.decideDueAt !== null && now.getTime() > new Date(c.decideDueAt).getTime();
  }

  /** GET /tenders/{id}/complaints: supervisors see all, a bidder its own. */
  async ofTender(tenderId: string, actor: Actor): Promise<ComplaintView[]> {
    const m = this.tx.manager;
    if (!(await this.complaints.tenderExists(m, tenderId))) throw SupervisionException.notFound('The tender');
    await this.jurisdictions.assertTenderInScope(m, actor, tenderId);
    const own = actor.role === Role.BIDDER;
    // A bidder's own: in clear, or (before the deadline) found by its blind index.
    const org = actor.organizationId ?? '00000000-0000-0000-0000-000000000000';
    const ids = await this.complaints.idsOfTender(m, tenderId, own ? { organizationId: org, blindIndex: this.complainantBlindIndex(tenderId, org) } : null);
    return Promise.all(ids.map((id) => this.view(m, id)));
  }

  async list(q: ComplaintQueryDto, actor: Actor | null = null): Promise<Page<ComplaintView>> {
    const m = this.tx.manager;
    // A scoped supervisor lists the complaints of its jurisdiction's (and trades') tenders only.
    const scope = await this.jurisdictions.scopeOf(m, actor);
    const { total, ids } = await this.complaints.list(m, { status: q.status, tenderId: q.tenderId }, (alias, p) => this.jurisdictions.tenderCondition(scope, alias, p), {
      limit: q.pageSize,
      offset: (q.page - 1) * q.pageSize,
    });
    const items: ComplaintView[] = [];
    for (const id of ids) items.push(await this.view(m, id));
    return { items, total };
  }

  async get(id: string, actor: Actor | null = null): Promise<ComplaintView> {
    const view = await this.view(this.tx.manager, id);
    await this.jurisdictions.assertTenderInScope(this.tx.manager, actor, view.tenderId, 'The complaint');
    return view;
  }

  /** Where the filing period starts, after checking the objection the stage needs (complaint-rules.ts). */
  private async startOfPeriod(
    m: EntityManager,
    tenderId: string,
    tender: { regime: Regime; openedAt: Date | null },
    orgId: string,
    dto: FileComplaintDto,
    now: Date,
  ): Promise<{ knownAt: Date; objectionId: string | null }> {
    const procurement = tender.regime === 'GOV_PROCUREMENT';
    if (procurement && (dto.stage === 'OPENING' || dto.stage === 'RESULT')) {
      // GPL Art. 55: after the complainant's challenge (质疑) to the process (the opening) or to the award, 15 working
      // days from the end of its answer period.
      const subject = dto.stage === 'OPENING' ? 'PROCESS' : 'AWARD';
      const c = await this.complaints.latestChallenge(m, tenderId, orgId, subject, now);
      if (c) return { knownAt: new Date(c.answerDueAt), objectionId: c.id };
      if (dto.stage === 'OPENING') {
        throw SupervisionException.objectionRequired(
          'A procurement complaint about the process follows a challenge (质疑) to it, answered or past its answer period (GPL Art. 55)',
          {
            stage: dto.stage,
            article: 'GPL Art. 55',
          },
        );
      }
    }
    if (dto.stage === 'DOCUMENTS' || dto.stage === 'RESULT') {
      // The latest objection of the complainant that was answered, or whose answer period has run out. An objection to
      // the documents filed before the deadline of a tender that seals identities is found by its blind index (issue 17).
      const blindIndex = dto.stage === 'DOCUMENTS' ? this.identityKeys.blindIndex(OBJECTOR_SEALED, tenderId, orgId) : null;
      const o = await this.complaints.latestObjection(m, dto.stage, tenderId, orgId, now, blindIndex);
      if (!o) {
        throw SupervisionException.objectionRequired(
          procurement
            ? 'A procurement complaint follows a challenge (质疑) that was answered or went unanswered past its period (GPL Art. 55)'
            : `A complaint about the ${dto.stage === 'DOCUMENTS' ? 'tender documents' : 'evaluation result'} needs an objection (异议) first, answered or past its answer period (TBR Art. 60 ¶2)`,
          { stage: dto.stage, article: procurement ? 'GPL Art. 55' : 'TBR Art. 60' },
        );
      }
      // Engineering: the objection's time is not counted, the 10 days run from the answer (TBR Art. 60 ¶2).
      // Procurement: 15 working days after the answer period ends (GPL Art. 55 "答复期满后").
      const knownAt = procurement ? new Date(o.answerDueAt) : new Date(o.answeredAt ?? o.answerDueAt);
      return { knownAt, objectionId: o.id };
    }
    if (procurement) {
      throw SupervisionException.objectionRequired('A procurement complaint follows a challenge (质疑) on the documents or the result (GPL Art. 55)', {
        stage: dto.stage,
        article: 'GPL Art. 55',
      });
    }
    if (dto.stage === 'OPENING') {
      // TBR Art. 60 ¶2 with Art. 44: the complainant objected at the opening first (recorded on the platform); the
      // 10 days run from the answer given on the spot, or — none given — from the end of the opening (the record).
      const o = await this.complaints.latestOpeningObjection(m, tenderId, orgId);
      if (!o || !tender.openedAt) {
        throw SupervisionException.objectionRequired(
          'A complaint about the opening follows the complainant’s objection at the opening, answered or left unanswered when the opening ended (TBR Arts. 44, 60)',
          {
            stage: dto.stage,
            article: 'TBR Art. 44',
          },
        );
      }
      return { knownAt: new Date(o.answeredAt ?? o.closedAt!), objectionId: o.id };
    }
    if (!dto.knownAt) throw SupervisionException.invalid([{ field: 'knownAt', errors: ['OTHER complaints state when the complainant knew (TBR Art. 60)'] }]);
    const knownAt = new Date(dto.knownAt);
    if (knownAt.getTime() > now.getTime()) throw SupervisionException.invalid([{ field: 'knownAt', errors: ['knownAt cannot be in the future'] }]);
    return { knownAt, objectionId: null };
  }

  private async view(m: EntityManager, id: string): Promise<ComplaintView> {
    const c = await this.complaints.findWithNow(m, id);
    if (!c) throw SupervisionException.notFound('The complaint');
    // The API may name a sealed complainant (its callers are the complainant itself and supervisors); the table does not.
    const complainantOrganizationId = this.complainant(c).organizationId;
    const complainantName = (await this.organizations.findById(m, complainantOrganizationId))?.name ?? '';
    const now = new Date(c.now).getTime();
    const acceptedOrRefused = c.acceptedAt ?? c.refusedAt;
    return {
      id: c.id,
      tenderId: c.tenderId,
      complainantOrganizationId,
      complainantName,
      stage: c.stage,
      objectionId: c.objectionId,
      text: c.text,
      knownAt: iso(c.knownAt)!,
      filingDeadline: iso(c.filingDeadline)!,
      filedAt: iso(c.filedAt)!,
      acceptDueAt: iso(c.acceptDueAt)!,
      decideDueAt: iso(c.decideDueAt),
      status: c.status,
      refusalReason: c.refusalReason,
      acceptedAt: iso(c.acceptedAt),
      refusedAt: iso(c.refusedAt),
      decision: c.decision,
      decisionText: c.decisionText,
      decidedAt: iso(c.decidedAt),
      overdue: {
        accept: (acceptedOrRefused ? new Date(acceptedOrRefused).getTime() : now) > new Date(c.acceptDueAt).getTime(),
        decide: c.decideDueAt !== null && (c.decidedAt ? new Date(c.decidedAt).getTime() : now) > new Date(c.decideDueAt).getTime(),
      },
      suspension: c.suspensionOrderedAt ? { orderedAt: iso(c.suspensionOrderedAt)!, endsAt: iso(c.suspensionEndsAt), liftedAt: iso(c.suspensionLiftedAt) } : null,
      remedy: c.remedy,
    };
  }

  private async lockTender(m: EntityManager, tenderId: string): Promise<TenderEntity> {
    await this.tenders.lockPendingEvents(m, tenderId);
    return this.stateMachine.lock(m, tenderId);
  }

  /**
   * TBR Art. 62 (engineering: "必要时，行政监督部门可以责令暂停招标投标活动"); GPL Art. 57 (procurement: at most 30 days,
   * the COMPLAINT_SUSPENSION_END event lifts it then).
   */
  private async orderSuspension(m: EntityManager, c: ComplaintWithRegime, tender: TenderEntity, cal: LegalCalendar, now: Date, actor: Actor) {
    const end = suspensionEnd(cal, c.regime, now);
    await this.complaints.orderSuspension(m, c.id, now, end?.at ?? null);
    if (end) await this.scheduler.plan(m, { kind: ScheduledEventKind.ComplaintSuspensionEnd, subjectId: c.id, tenderId: tender.id, runAt: end.at });
    await this.suspension.suspend(
      m,
      tender,
      now,
      { reason: 'COMPLAINT_ACCEPTED', complaintId: c.id, article: end ? 'GPL Art. 57' : 'TBR Art. 62', endsAt: end?.at.toISOString() ?? null },
      actor,
    );
    await this.audit.append(m, {
      actor,
      action: 'COMPLAINT_SUSPENSION_ORDERED',
      objectType: 'complaint',
      objectId: c.id,
      tenderId: tender.id,
      data: { endsAt: end?.at.toISOString() ?? null, article: end ? 'GPL Art. 57' : 'TBR Art. 62' },
    });
    await this.notifications.enqueue(m, [
      {
        recipientOrganizationId: tender.procuringEntityId,
        tenderId: tender.id,
        topic: 'TENDER_SUSPENDED',
        subject: `【暂停招标投标活动】${tender.title}`,
        body: `行政监督部门受理投诉并责令暂停招标投标活动${end ? `，至迟于 ${end.at.toISOString()} 结束（政府采购法第五十七条）` : '，直至作出处理决定（招标投标法实施条例第六十二条）'}。`,
        dedupeKey: `complaint-${c.id}-suspension`,
      },
    ]);
  }

  private async liftSuspension(m: EntityManager, c: ComplaintWithRegime, tender: TenderEntity, now: Date, actor: Actor, why: 'DECIDED' | 'PERIOD_ENDED') {
    await this.complaints.liftSuspension(m, c.id, now);
    await this.scheduler.cancel(m, ScheduledEventKind.ComplaintSuspensionEnd, c.id);
    await this.audit.append(m, { actor, action: 'COMPLAINT_SUSPENSION_LIFTED', objectType: 'complaint', objectId: c.id, tenderId: tender.id, data: { why } });
    await this.suspension.resumeIfClear(m, tender, now);
  }

  /** An upheld complaint changes the tender (TBR Art. 62; MOF94): evaluate again, or fail it for a re-tender. */
  private async applyRemedy(m: EntityManager, c: ComplaintWithRegime, tender: TenderEntity, remedy: ComplaintRemedy, actor: Actor) {
    if (remedy === 'RE_EVALUATION') {
      await this.events.emit(m, 'ReEvaluationOrdered', { tenderId: tender.id, complaintId: c.id }, actor);
    } else {
      const reason = `a complaint was upheld: re-tender (TBR Art. 62) — complaint ${c.id}`;
      if (tender.status === TenderStatus.PUBLISHED) await this.scheduler.cancel(m, ScheduledEventKind.BidDeadline, tender.id);
      await this.stateMachine.transition(m, tender.id, TenderStatus.FAILED, actor, { reason, patch: { suspendedAt: null }, data: { complaintId: c.id } });
      await this.events.emit(m, 'TenderFailed', { tenderId: tender.id, reason }, actor);
    }
    await this.notifications.enqueue(m, [
      {
        recipientOrganizationId: tender.procuringEntityId,
        tenderId: tender.id,
        topic: 'COMPLAINT_UPHELD',
        subject: `【投诉处理决定】${tender.title}`,
        body: remedy === 'RE_EVALUATION' ? '投诉成立，责令评标委员会重新评审。' : '投诉成立，本次招标失败，须重新招标。',
        dedupeKey: `complaint-${c.id}-remedy`,
      },
    ]);
  }

  /** COMPLAINT_SUSPENSION_END: a procurement suspension reached its 30 days (GPL Art. 57) before the decision. */
  private async onSuspensionEnd(m: EntityManager, event: ScheduledEventEntity): Promise<void> {
    const c = await this.complaints.findWithRegime(m, event.subjectId);
    if (!c || !c.suspensionOrderedAt || c.suspensionLiftedAt) return;
    const tender = await this.stateMachine.lock(m, c.tenderId);
    await this.complaints.lock(m, c.id);
    await this.liftSuspension(m, c, tender, await this.tx.now(m), SYSTEM_ACTOR, 'PERIOD_ENDED');
  }
}

/** The same request again on a complaint already in the asked status (nothing to change). */
function isRepeat(c: ComplaintRecord, dto: HandleComplaintDto): boolean {
  const status = c.status;
  return (
    (status === 'REFUSED' && (dto.reason === undefined || dto.reason.trim() === c.refusalReason)) ||
    (status === 'ACCEPTED' && dto.reason === undefined && (dto.suspend === undefined || dto.suspend === (c.suspensionOrderedAt !== null))) ||
    (status === 'DECIDED' &&
      (dto.decision === undefined || dto.decision === c.decision) &&
      (dto.decisionText === undefined || dto.decisionText.trim() === c.decisionText) &&
      (dto.remedy === undefined || dto.remedy === c.remedy))
  );
}

/** What each transition needs, and only it (TBR Arts. 61–62). */
function assertHandlingValid(dto: HandleComplaintDto): void {
  const errors: Array<{ field: string; errors: string[] }> = [];
  if (dto.status === 'REFUSED' && !dto.reason) errors.push({ field: 'reason', errors: ['a refusal states its reason (TBR Art. 61)'] });
  if (dto.status === 'DECIDED' && !dto.decision) errors.push({ field: 'decision', errors: ['UPHELD or DISMISSED'] });
  if (dto.status === 'DECIDED' && !dto.decisionText) errors.push({ field: 'decisionText', errors: ['the decision (处理决定) is written'] });
  if (dto.status !== 'DECIDED' && (dto.decision || dto.decisionText)) errors.push({ field: 'decision', errors: ['decision belongs to DECIDED'] });
  if (dto.suspend !== undefined && dto.status !== 'ACCEPTED') errors.push({ field: 'suspend', errors: ['a suspension is ordered on acceptance (TBR Art. 62)'] });
  if (dto.remedy !== undefined && !(dto.status === 'DECIDED' && dto.decision === 'UPHELD')) errors.push({ field: 'remedy', errors: ['a remedy follows an UPHELD decision'] });
  if (errors.length) throw SupervisionException.invalid(errors);
}
