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
import { IDENTITY_TIER, IdentityOpener, isIdentitySealed, NoticeRecipientSealer, PreSealedRecipient } from 'src/modules/notifications/notice-recipient-sealer';
import { ScheduledEventEntity } from 'src/modules/scheduling/scheduled-event.entity';
import { OnTimedEvent, SchedulerService } from 'src/modules/scheduling/scheduler.service';
import { AuditService } from '../../audit/audit.service';
import { JurisdictionsService } from '../../jurisdictions/jurisdictions.service';
import { SupervisionException } from '../supervision.exception';
import { acceptDue, ComplaintRemedy, decideDue, filingDeadline, Regime, suspensionEnd } from './complaint-rules';
import { ComplaintQueryDto, ComplaintStatus, FileComplaintDto, HandleComplaintDto } from './dto/complaint.dto';
import { OrganizationsRepository } from 'src/modules/identity/organizations.repository';
import { ComplainantStanding, ComplaintRecord, ComplaintsRepository, ComplaintWithRegime } from './complaints.repository';

export interface ComplaintView {
  id: string;
  tenderId: string;
  /**
   * The complainant. Before the deadline of a tender that seals identities it is sealed to the tender's identity key
   * (issue 17; TBL Art. 22): null (and `complainantSealed` true) for the supervisors — nobody on the platform can
   * read it until the deadline; the complainant itself still sees its own.
   */
  complainantOrganizationId: string | null;
  complainantName: string | null;
  /** True while the complainant is sealed to the identity key (named at the deadline, after k custodians release). */
  complainantSealed: boolean;
  /**
   * While sealed: what the platform attested of the complainant at filing, by blind index — it downloaded the
   * documents; it is the objector of `objectorOf` (the objection the complaint follows). Null when in clear.
   */
  complainantStanding: ComplainantStanding | null;
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

/** Purpose of the complainant's blind index, keyed request digest and (legacy rows) platform-tier seal (issue 17). */
const COMPLAINANT_SEALED = 'complainant';
/** The oracle's purpose for a sealed complaint's request digest (the same request again finds the complaint). */
const COMPLAINT_REQUEST = 'complaint-request';
const complainantAad = (tenderId: string, blindIndex: string) => `complainant|${tenderId}|${blindIndex}`;
/** The complainant sealed to the tender's identity key (operator tier), bound to its tender and blind index. */
const complainantIdentityAad = (tenderId: string, blindIndex: string) => `complainant-identity|${tenderId}|${blindIndex}`;
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
    private readonly noticeSealer: NoticeRecipientSealer,
  ) {}

  @OnTimedEvent(ScheduledEventKind.ComplaintSuspensionEnd)
  async onComplaintSuspensionEnd(m: EntityManager, e: ScheduledEventEntity): Promise<void> {
    await this.onSuspensionEnd(m, e);
  }

  /** Sealed identities (issue 17): at the deadline the complainants of the tender are named in clear again. */
  /** A tender that ended before its deadline: opened at that deadline all the same (EndedTenderUnsealing). */
  @OnEvent('SealedIdentitiesDue', { order: HandlerOrder.UNSEAL })
  async onSealedIdentitiesDue(m: EntityManager, { tenderId }: DomainEventMap['SealedIdentitiesDue']): Promise<void> {
    await this.unsealTender(m, tenderId);
  }

  @OnEvent('BidDeadlineReached', { order: HandlerOrder.UNSEAL })
  async onBidDeadlineReached(m: EntityManager, { tenderId }: DomainEventMap['BidDeadlineReached']): Promise<void> {
    await this.unsealTender(m, tenderId);
  }

  /** The blind index of a complainant (asked of the blind-index oracle, issue 17): finds its complaints while sealed. */
  private complainantBlindIndex(tenderId: string, organizationId: string): Promise<string> {
    return this.identityKeys.blindIndex(COMPLAINANT_SEALED, tenderId, organizationId);
  }

  /**
   * The complainant of a row: in clear, or a legacy platform-tier seal opened. Null while sealed to the identity key
   * (operator tier, issue 17): nobody on the platform can name it before the deadline.
   */
  private complainant(c: Pick<ComplaintRecord, 'tenderId' | 'complainantOrganizationId' | 'filedBy' | 'complainantBlindIndex' | 'complainantSealed'>): SealedComplainant | null {
    if (c.complainantOrganizationId && !c.complainantSealed) return { organizationId: c.complainantOrganizationId, userId: c.filedBy!, requestSha256: '' };
    if (!c.complainantSealed || isIdentitySealed(c.complainantSealed)) return null;
    return this.identityKeys.platformOpen<SealedComplainant>(COMPLAINANT_SEALED, c.complainantSealed, complainantAad(c.tenderId, c.complainantBlindIndex!));
  }

  /** Where the complainant's notices go: the recipient pre-sealed at filing while the row is sealed, else in clear. */
  private complainantAddress(c: ComplaintRecord): { recipientOrganizationId?: string; sealedRecipient?: PreSealedRecipient; dedupeSuffix: string } {
    if (!c.complainantOrganizationId && c.complainantRecipientSealed && c.complainantRecipientUserIndex) {
      return {
        sealedRecipient: { sealed: c.complainantRecipientSealed, userIndex: c.complainantRecipientUserIndex, orgIndex: c.complainantRecipientOrgIndex },
        dedupeSuffix: `-recipient-${c.complainantRecipientUserIndex}`,
      };
    }
    return { recipientOrganizationId: this.complainant(c)!.organizationId, dedupeSuffix: '' };
  }

  /**
   * At the deadline: the complainants filled in clear (and the plain request digest), audited
   * (COMPLAINT_IDENTITIES_UNSEALED). Rows sealed to the identity key are opened with the key rebuilt from k custodians
   * (audited by custody), only when there are any; a legacy platform-tier row is opened as before.
   */
  async unsealTender(m: EntityManager, tenderId: string): Promise<number> {
    const rows = await this.complaints.lockSealedOfTender(m, tenderId);
    if (!rows.length) return 0;
    const complainants: Array<{ complaintId: string; organizationId: string; userId: string }> = [];
    const fill = async (open: IdentityOpener | null) => {
      for (const c of rows) {
        const who = isIdentitySealed(c.complainantSealed)
          ? open!<SealedComplainant>(c.complainantSealed.slice(IDENTITY_TIER.length), complainantIdentityAad(tenderId, c.complainantBlindIndex))
          : this.complainant({ ...c, complainantOrganizationId: null, filedBy: null })!;
        await this.complaints.unsealComplainant(m, c.id, who);
        complainants.push({ complaintId: c.id, organizationId: who.organizationId, userId: who.userId });
      }
    };
    if (rows.some((c) => isIdentitySealed(c.complainantSealed))) await this.identityKeys.withOpener(m, tenderId, SYSTEM_ACTOR, fill);
    else await fill(null);
    await this.audit.append(m, {
      actor: SYSTEM_ACTOR,
      action: 'COMPLAINT_IDENTITIES_UNSEALED',
      objectType: 'tender',
      objectId: tenderId,
      tenderId,
      data: { complaints: rows.length, complainants },
    });
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
    // is in the row). Keyed by the blind-index oracle (issue 17), not a platform key, so that a guess is a logged
    // lookup, not an offline test; a row written before under the platform key is still found.
    const requestHmac = await this.identityKeys.blindIndex(COMPLAINT_REQUEST, tenderId, requestSha256);
    const legacyRequestHmac = this.identityKeys.platformDigest(COMPLAINANT_SEALED, request);
    return this.tx.run(async (m) => {
      await this.complaints.lockRequest(m, requestSha256);
      const existing = await this.complaints.findByRequest(m, [requestSha256, requestHmac, legacyRequestHmac]);
      if (existing) return { ...(await this.view(m, existing, orgId)), created: false };
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
      return { ...(await this.view(m, id, orgId)), created: true };
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
    // Sealed identities (issue 17; TBL Art. 22): a complaint filed before the deadline of a tender that seals identities
    // (e.g. about the documents, after the objection) names its complainant only sealed to the tender's identity key —
    // operator tier: nobody on the platform reads it before the deadline; the supervisors handling it see its content
    // and the standing the platform attests here by blind index (it downloaded the documents, it is the objector of
    // the objection it follows). Its notices go to a recipient pre-sealed to the same key (inbox only until then).
    const sealed = await this.identityKeys.sealsIdentities(m, tenderId);
    const pub = sealed ? await this.identityKeys.publicKey(m, tenderId) : null;
    const blindIndex = pub ? await this.complainantBlindIndex(tenderId, orgId) : null;
    const recipient = pub ? await this.noticeSealer.sealToIdentity(pub, tenderId, { userId: actor.userId, organizationId: orgId }) : null;
    const standing: ComplainantStanding | null = pub
      ? {
          downloadedDocuments: await this.complaints.downloadedDocuments(m, tenderId, orgId, await this.noticeSealer.orgIndex(tenderId, orgId)),
          objectorOf: objectionId,
        }
      : null;
    const id = await this.complaints.insert(m, {
      tenderId,
      complainantOrganizationId: pub ? null : orgId,
      filedBy: pub ? null : actor.userId,
      stage: dto.stage,
      objectionId,
      text,
      knownAt,
      filingDeadline: f.filingDeadline,
      filedAt: now,
      acceptDueAt: f.acceptDueAt,
      requestSha256: pub ? requestHmac : requestSha256,
      complainantBlindIndex: blindIndex,
      complainantSealed:
        pub && blindIndex
          ? IDENTITY_TIER +
            this.identityKeys.sealTo(
              Buffer.from(pub, 'base64'),
              { organizationId: orgId, userId: actor.userId, requestSha256 } satisfies SealedComplainant,
              complainantIdentityAad(tenderId, blindIndex),
            )
          : null,
      complainantRecipientSealed: recipient?.sealed ?? null,
      complainantRecipientUserIndex: recipient?.userIndex ?? null,
      complainantRecipientOrgIndex: recipient?.orgIndex ?? null,
      complainantStanding: standing,
    });
    await this.audit.append(m, {
      actor: pub ? sealedBidderActor(actor) : actor, // the complainant is in the sealed row until the deadline
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
        await this.notifyDecision(m, c, dto);
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

  /**
   * The decision (处理决定) is notified to the complainant in writing (GPL Art. 56; TBR Art. 61): to its organisation
   * in clear, or — sealed before the deadline (issue 17) — to the recipient pre-sealed at filing (inbox only until the
   * deadline, never from a clear id).
   */
  private async notifyDecision(m: EntityManager, c: ComplaintRecord, dto: HandleComplaintDto): Promise<void> {
    const title = (await this.complaints.tenderTitle(m, c.tenderId)) ?? '';
    const { dedupeSuffix, ...to } = this.complainantAddress(c);
    await this.notifications.enqueue(m, [
      {
        ...to,
        tenderId: c.tenderId,
        topic: 'COMPLAINT_DECIDED',
        subject: `【投诉处理决定】${title}`,
        body: `${dto.decision === 'UPHELD' ? '投诉成立' : '投诉不成立，予以驳回'}。\n\n${dto.decisionText!.trim()}`,
        dedupeKey: `complaint-${c.id}-decided${dedupeSuffix}`,
      },
    ]);
  }

  /** GET /tenders/{id}/complaints: supervisors see all, a bidder its own. */
  async ofTender(tenderId: string, actor: Actor): Promise<ComplaintView[]> {
    const m = this.tx.manager;
    if (!(await this.complaints.tenderExists(m, tenderId))) throw SupervisionException.notFound('The tender');
    await this.jurisdictions.assertTenderInScope(m, actor, tenderId);
    const own = actor.role === Role.BIDDER;
    // A bidder's own: in clear, or (before the deadline) found by its blind index.
    const org = actor.organizationId ?? '00000000-0000-0000-0000-000000000000';
    const ids = await this.complaints.idsOfTender(m, tenderId, own ? { organizationId: org, blindIndex: await this.complainantBlindIndex(tenderId, org) } : null);
    return Promise.all(ids.map((id) => this.view(m, id, own ? org : undefined)));
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
      const blindIndex = dto.stage === 'DOCUMENTS' ? await this.identityKeys.blindIndex(OBJECTOR_SEALED, tenderId, orgId) : null;
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

  /** `own`: the caller is the complainant (its own row, found by organisation or blind index), so a sealed row names it to itself. */
  private async view(m: EntityManager, id: string, own?: string): Promise<ComplaintView> {
    const c = await this.complaints.findWithNow(m, id);
    if (!c) throw SupervisionException.notFound('The complaint');
    // Sealed to the identity key (issue 17): the platform cannot name the complainant before the deadline — null for
    // the supervisors, with the standing attested at filing; the complainant itself knows who it is. A legacy
    // platform-tier row is opened as before.
    const complainantSealed = !c.complainantOrganizationId && isIdentitySealed(c.complainantSealed);
    const complainantOrganizationId = complainantSealed ? (own ?? null) : this.complainant(c)!.organizationId;
    const complainantName = complainantOrganizationId ? ((await this.organizations.findById(m, complainantOrganizationId))?.name ?? '') : null;
    const now = new Date(c.now).getTime();
    const acceptedOrRefused = c.acceptedAt ?? c.refusedAt;
    return {
      id: c.id,
      tenderId: c.tenderId,
      complainantOrganizationId,
      complainantName,
      complainantSealed,
      complainantStanding: complainantSealed ? c.complainantStanding : null,
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
