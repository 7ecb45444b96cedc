import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor, SYSTEM_ACTOR } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { ForbiddenException, NotFoundException } from 'src/common/errors/domain.exception';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { ScheduledEventKind } from 'src/infra/queue/queue.constants';
import { AuditService } from '../audit/audit.service';
import { JurisdictionsService } from '../jurisdictions/jurisdictions.service';
import { NotificationsService } from '../notifications/notifications.service';
import { ScheduledEventEntity } from '../scheduling/scheduled-event.entity';
import { OnTimedEvent, SchedulerService } from '../scheduling/scheduler.service';
import { IdentityKeyService } from '../custody/identity-key.service';
import { sealedBidderActor } from '../bids/bid-identity-sealer';
import { IDENTITY_TIER, IdentityOpener, isIdentitySealed, NoticeRecipientSealer, PreSealedRecipient } from '../notifications/notice-recipient-sealer';
import { OBJECTOR_SEALED, objectorAad, objectorIdentityAad, SealedObjector, TenderObjectionEntity } from './tender-objection.entity';
import { TenderSuspensionService } from './tender-suspension.service';
import { TenderPeriods } from './tender-periods';
import { TenderEntity } from './tender.entity';
import { TenderStatus } from './tender.enums';
import { TenderException } from './tender.exception';
import { TendersService } from './tenders.service';
import { TendersRepository } from './tenders.repository';
import { DomainEventMap, HandlerOrder, OnEvent } from 'src/common/events/domain-events';

export interface ObjectionView {
  id: string;
  tenderId: string;
  status: 'PENDING' | 'ANSWERED';
  text: string;
  filedAt: string;
  answerDueAt: string;
  overdue: boolean;
  answer: string | null;
  answeredAt: string | null;
  /**
   * The objector: shown to itself and to supervisors only — a prospective bidder is secret (TBL Art. 22). Absent for
   * the procuring entity. Before the deadline of a tender that seals identities it is sealed to the tender's identity
   * key (issue 17): null for the supervisors (the platform cannot read it either) until the deadline; the objector
   * itself still sees its own.
   */
  organizationId?: string | null;
  /** True while the objector is sealed to the identity key (opened at the deadline by k custodians). */
  objectorSealed?: boolean;
}

/** The objector's notices: to its organisation in clear, or to the recipient pre-sealed at filing (issue 17). */
interface ObjectorAddress {
  recipientOrganizationId?: string;
  sealedRecipient?: PreSealedRecipient;
  /** Appended to the dedupe key: `-recipient-<user blind index>` when pre-sealed (the notices name it at the deadline). */
  dedupeSuffix: string;
}

/**
 * 异议 to the tender documents (TBR Art. 22; EB20 Art. 39; procurement 质疑, GPL Arts. 52-53):
 * - filed by a bidder ≥ 10 days before the deadline (procurement: within 7 working days of the end of the documents'
 *   notice period), checked under enforced periods;
 * - answered by the procuring entity within 3 days (procurement: 7 working days); the OBJECTION_ANSWER_DUE event
 *   marks an unanswered objection overdue and tells the entity and the supervisors;
 * - the tender is SUSPENDED from the first pending objection until the last is answered: its BID_DEADLINE event is
 *   cancelled (no deadline passes meanwhile; the handler also refuses to open a suspended tender), and on the last
 *   answer the deadline moves later by the length of the suspension — whole days under enforced periods, so the
 *   opening keeps its time of day; exactly under relaxed — and the event is planned again.
 */
@Injectable()
export class TenderObjectionsService {
  private readonly logger = new Logger(TenderObjectionsService.name);

  constructor(
    private readonly tx: TransactionRunner,
    private readonly tenders: TendersService,
    private readonly periods: TenderPeriods,
    private readonly scheduler: SchedulerService,
    private readonly notifications: NotificationsService,
    private readonly audit: AuditService,
    private readonly suspension: TenderSuspensionService,
    private readonly jurisdictions: JurisdictionsService,
    private readonly identityKeys: IdentityKeyService,
    private readonly repository: TendersRepository,
    private readonly noticeSealer: NoticeRecipientSealer,
  ) {}

  @OnTimedEvent(ScheduledEventKind.ObjectionAnswerDue)
  async onObjectionAnswerDue(m: EntityManager, e: ScheduledEventEntity): Promise<void> {
    await this.onAnswerDue(m, e);
  }

  /** Sealed identities (issue 17): at the deadline the objectors are named in clear again. */
  /** A tender that ended before its deadline: opened at that deadline all the same (EndedTenderUnsealing). */
  @OnEvent('SealedIdentitiesDue', { order: HandlerOrder.UNSEAL })
  async onSealedIdentitiesDue(m: EntityManager, { tenderId }: DomainEventMap['SealedIdentitiesDue']): Promise<void> {
    await this.unsealTender(m, tenderId);
  }

  @OnEvent('BidDeadlineReached', { order: HandlerOrder.UNSEAL })
  async onBidDeadlineReached(m: EntityManager, { tenderId }: DomainEventMap['BidDeadlineReached']): Promise<void> {
    await this.unsealTender(m, tenderId);
  }

  /** The blind index of an objector (asked of the blind-index oracle, issue 17): finds its objections while sealed. */
  objectorBlindIndex(tenderId: string, organizationId: string): Promise<string> {
    return this.identityKeys.blindIndex(OBJECTOR_SEALED, tenderId, organizationId);
  }

  /**
   * The objector of a row: in clear, or a legacy platform-tier seal opened. Null while sealed to the identity key
   * (operator tier, issue 17): nobody on the platform can name it before the deadline.
   */
  private objector(o: TenderObjectionEntity): SealedObjector | null {
    if (o.organizationId && o.filedBy) return { organizationId: o.organizationId, userId: o.filedBy };
    if (!o.objectorSealed || isIdentitySealed(o.objectorSealed)) return null;
    return this.identityKeys.platformOpen<SealedObjector>(OBJECTOR_SEALED, o.objectorSealed, objectorAad(o.tenderId, o.objectorBlindIndex!));
  }

  /** Where the objector's notices go: the pre-sealed recipient while the row is sealed to the identity key, else in clear. */
  private objectorAddress(o: TenderObjectionEntity): ObjectorAddress {
    if (!o.organizationId && o.objectorRecipientSealed && o.objectorRecipientUserIndex) {
      return {
        sealedRecipient: { sealed: o.objectorRecipientSealed, userIndex: o.objectorRecipientUserIndex, orgIndex: o.objectorRecipientOrgIndex },
        dedupeSuffix: `-recipient-${o.objectorRecipientUserIndex}`,
      };
    }
    return { recipientOrganizationId: this.objector(o)!.organizationId, dedupeSuffix: '' };
  }

  /**
   * At the deadline: the objectors filled in clear, audited (OBJECTION_IDENTITIES_UNSEALED). Rows sealed to the
   * identity key are opened with the key rebuilt from k custodians (audited by custody), only when there are any; a
   * legacy platform-tier row is opened as before.
   */
  async unsealTender(m: EntityManager, tenderId: string): Promise<number> {
    const rows = await this.repository.lockSealedObjections(m, tenderId);
    if (!rows.length) return 0;
    const objectors: Array<{ objectionId: string } & SealedObjector> = [];
    const fill = async (open: IdentityOpener | null) => {
      for (const o of rows) {
        const who = isIdentitySealed(o.objectorSealed)
          ? open!<SealedObjector>(o.objectorSealed!.slice(IDENTITY_TIER.length), objectorIdentityAad(tenderId, o.objectorBlindIndex!))
          : this.objector(o)!;
        await m.update(
          TenderObjectionEntity,
          { id: o.id },
          { organizationId: who.organizationId, filedBy: who.userId, objectorRecipientSealed: null, objectorRecipientUserIndex: null, objectorRecipientOrgIndex: null },
        );
        objectors.push({ objectionId: o.id, organizationId: who.organizationId, userId: who.userId });
      }
    };
    if (rows.some((o) => isIdentitySealed(o.objectorSealed))) await this.identityKeys.withOpener(m, tenderId, SYSTEM_ACTOR, fill);
    else await fill(null);
    await this.audit.append(m, {
      actor: SYSTEM_ACTOR,
      action: 'OBJECTION_IDENTITIES_UNSEALED',
      objectType: 'tender',
      objectId: tenderId,
      tenderId,
      data: { objections: rows.length, objectors },
    });
    return rows.length;
  }

  async file(tenderId: string, text: string, actor: Actor): Promise<ObjectionView> {
    const org = actor.organizationId;
    if (!org) throw new ForbiddenException('Only a bidder may raise an objection');
    return this.tx.run(async (m) => {
      const tender = await this.tenders.lockVisible(m, tenderId, actor);
      if (tender.status !== TenderStatus.PUBLISHED) throw TenderException.conflict(`The tender is ${tender.status}: objections to its documents are closed`);
      const now = await this.tx.now(m);
      await this.periods.assertObjection(m, tender, now);
      const answerDueAt = await this.periods.answerDueAt(m, tender, now);
      // Sealed identities (issue 17; TBL Art. 22): the objector is a prospective bidder; before the deadline of a tender
      // that seals identities the row names it only sealed to the tender's identity key (operator tier: the platform
      // cannot open it), and its answer goes to a recipient pre-sealed to the same key (inbox only until the deadline).
      const sealed = await this.identityKeys.sealsIdentities(m, tenderId);
      const pub = sealed ? await this.identityKeys.publicKey(m, tenderId) : null;
      const blindIndex = pub ? await this.objectorBlindIndex(tenderId, org) : null;
      const recipient = pub ? await this.noticeSealer.sealToIdentity(pub, tenderId, { userId: actor.userId, organizationId: org }) : null;
      const objection = await m.save(
        TenderObjectionEntity,
        m.create(TenderObjectionEntity, {
          tenderId,
          organizationId: pub ? null : org,
          filedBy: pub ? null : actor.userId,
          objectorBlindIndex: blindIndex,
          objectorSealed:
            pub && blindIndex
              ? IDENTITY_TIER +
                this.identityKeys.sealTo(
                  Buffer.from(pub, 'base64'),
                  { organizationId: org, userId: actor.userId } satisfies SealedObjector,
                  objectorIdentityAad(tenderId, blindIndex),
                )
              : null,
          objectorRecipientSealed: recipient?.sealed ?? null,
          objectorRecipientUserIndex: recipient?.userIndex ?? null,
          objectorRecipientOrgIndex: recipient?.orgIndex ?? null,
          text,
          status: 'PENDING',
          filedAt: now,
          answerDueAt,
        }),
      );
      await this.scheduler.plan(m, { kind: ScheduledEventKind.ObjectionAnswerDue, subjectId: objection.id, tenderId, runAt: answerDueAt });
      await this.audit.append(m, {
        actor: pub ? sealedBidderActor(actor) : actor, // the objector is in the sealed row until the deadline
        action: 'OBJECTION_FILED',
        objectType: 'tender_objection',
        objectId: objection.id,
        tenderId,
        data: { answerDueAt: answerDueAt.toISOString() },
      });
      // TBR Art. 22: "作出答复前，应当暂停招标投标活动".
      await this.suspension.suspend(m, tender, now, { reason: 'OBJECTION_PENDING', objectionId: objection.id });
      await this.notifications.enqueue(m, [
        {
          recipientOrganizationId: tender.procuringEntityId,
          tenderId,
          topic: 'OBJECTION_FILED',
          subject: `【异议】${tender.title}`,
          body: `收到对招标文件的异议，请于 ${answerDueAt.toISOString()} 前答复；答复前招标投标活动暂停（招标投标法实施条例第二十二条）。\n\n${text}`,
          dedupeKey: `objection-${objection.id}-filed`,
        },
      ]);
      return this.toView(objection, { objector: true, own: org });
    });
  }

  async answer(tenderId: string, objectionId: string, answer: string, actor: Actor): Promise<ObjectionView> {
    return this.tx.run(async (m) => {
      const tender = await this.tenders.lockForOwner(m, tenderId, actor);
      const objection = await m.findOne(TenderObjectionEntity, { where: { id: objectionId, tenderId }, lock: { mode: 'pessimistic_write' } });
      if (!objection) throw new NotFoundException('The objection');
      if (objection.status !== 'PENDING') throw TenderException.conflict('The objection is already answered');
      const now = await this.tx.now(m);
      Object.assign(objection, { status: 'ANSWERED', answer, answeredBy: actor.userId, answeredAt: now });
      await m.save(TenderObjectionEntity, objection);
      await this.scheduler.cancel(m, ScheduledEventKind.ObjectionAnswerDue, objection.id);
      await this.audit.append(m, {
        actor,
        action: 'OBJECTION_ANSWERED',
        objectType: 'tender_objection',
        objectId: objection.id,
        tenderId,
        data: { late: now.getTime() > objection.answerDueAt.getTime() },
      });
      // To the objector: pre-sealed to the identity key while the row is (never from a clear id before the deadline).
      const { dedupeSuffix, ...to } = this.objectorAddress(objection);
      await this.notifications.enqueue(m, [
        {
          ...to,
          tenderId,
          topic: 'OBJECTION_ANSWERED',
          subject: `【异议答复】${tender.title}`,
          body: answer,
          dedupeKey: `objection-${objection.id}-answered${dedupeSuffix}`,
        },
      ]);
      // The last answer lifts the suspension — unless a complaint's suspension still holds it (TBR Art. 62).
      if (tender.status === TenderStatus.PUBLISHED) await this.suspension.resumeIfClear(m, tender, now);
      return this.toView(objection, { objector: false });
    });
  }

  /** GET /tenders/{id}/objections: the owner sees every objection without the objector; a bidder its own; supervisors all. */
  async list(tenderId: string, actor: Actor): Promise<{ items: ObjectionView[] }> {
    return this.tx.run(async (m) => {
      const tender = await this.tenders.findVisible(m, tenderId, actor);
      let where: Record<string, string> | Array<Record<string, string>> = { tenderId };
      let withObjector = true;
      let own: string | undefined;
      if (actor.role === Role.BIDDER) {
        const org = actor.organizationId ?? '00000000-0000-0000-0000-000000000000';
        own = org;
        // Its own objections, in clear or (before the deadline) found by the blind index.
        where = [
          { tenderId, organizationId: org },
          { tenderId, objectorBlindIndex: await this.objectorBlindIndex(tenderId, org) },
        ];
      } else if (actor.role === Role.PROCURING_ENTITY) {
        if (!this.tenders.isOwner(tender, actor)) throw new ForbiddenException('Only the procuring entity of this tender may read its objections');
        withObjector = false;
      } else if (actor.role !== Role.SUPERVISOR) {
        throw new ForbiddenException();
      } else {
        await this.jurisdictions.assertTenderInScope(m, actor, tenderId);
      }
      const rows = await m.find(TenderObjectionEntity, { where, order: { filedAt: 'ASC' } });
      if (actor.role === Role.SUPERVISOR) {
        await this.audit.append(m, { actor, action: 'OBJECTIONS_READ', objectType: 'tender', objectId: tenderId, tenderId, data: {} });
      }
      return { items: rows.map((o) => this.toView(o, { objector: withObjector, own })) };
    });
  }

  /** OBJECTION_ANSWER_DUE: the answer is late (TBR Art. 22: 3 days); the tender stays suspended until answered. */
  private async onAnswerDue(m: EntityManager, event: ScheduledEventEntity): Promise<void> {
    const objection = await m.findOne(TenderObjectionEntity, { where: { id: event.subjectId }, lock: { mode: 'pessimistic_write' } });
    if (!objection || objection.status !== 'PENDING' || objection.overdue) return;
    objection.overdue = true;
    await m.save(TenderObjectionEntity, objection);
    await this.audit.append(m, {
      actor: SYSTEM_ACTOR,
      action: 'OBJECTION_ANSWER_OVERDUE',
      objectType: 'tender_objection',
      objectId: objection.id,
      tenderId: objection.tenderId,
      data: { answerDueAt: objection.answerDueAt.toISOString() },
    });
    const tender = await m.findOneByOrFail(TenderEntity, { id: objection.tenderId });
    // The supervisors of the tender's jurisdiction and trade (issue 19), every unscoped (city) supervisor included.
    const supervisors = await this.jurisdictions.supervisorsOf(m, tender.id);
    await this.notifications.enqueue(m, [
      {
        recipientOrganizationId: tender.procuringEntityId,
        tenderId: tender.id,
        topic: 'OBJECTION_ANSWER_OVERDUE',
        subject: `【异议答复逾期】${tender.title}`,
        body: `异议答复期限 ${objection.answerDueAt.toISOString()} 已过，招标投标活动继续暂停，直至答复（招标投标法实施条例第二十二条）。`,
        dedupeKey: `objection-${objection.id}-overdue-entity`,
      },
      ...supervisors.map((s) => ({
        recipientUserId: s.id,
        tenderId: tender.id,
        topic: 'OBJECTION_ANSWER_OVERDUE',
        subject: `【异议答复逾期】${tender.title}`,
        body: `招标人未在期限 ${objection.answerDueAt.toISOString()} 内答复异议（招标投标法实施条例第二十二条）。`,
        dedupeKey: `objection-${objection.id}-overdue-supervisor-${s.id}`,
      })),
    ]);
    this.logger.warn(`objection ${objection.id} on tender ${tender.id} is overdue`);
  }

  /**
   * `objector`: whether the caller may see the objector (itself or a supervisor); `own`: the caller is the objector
   * (its own row, found by organisation or blind index), so a row sealed to the identity key names it to itself.
   */
  private toView(o: TenderObjectionEntity, show: { objector: boolean; own?: string }): ObjectionView {
    const objectorSealed = !o.organizationId && isIdentitySealed(o.objectorSealed);
    return {
      id: o.id,
      tenderId: o.tenderId,
      status: o.status,
      text: o.text,
      filedAt: new Date(o.filedAt).toISOString(),
      answerDueAt: new Date(o.answerDueAt).toISOString(),
      overdue: o.overdue,
      answer: o.answer,
      answeredAt: o.answeredAt ? new Date(o.answeredAt).toISOString() : null,
      ...(show.objector ? { organizationId: objectorSealed ? (show.own ?? null) : this.objector(o)!.organizationId, objectorSealed } : {}),
    };
  }
}
