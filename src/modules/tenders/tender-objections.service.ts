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
import { OBJECTOR_SEALED, objectorAad, SealedObjector, TenderObjectionEntity } from './tender-objection.entity';
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
  /** The objector: shown to itself and to supervisors only — a prospective bidder is secret (TBL Art. 22). */
  organizationId?: string;
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
  ) {}

  @OnTimedEvent(ScheduledEventKind.ObjectionAnswerDue)
  async onObjectionAnswerDue(m: EntityManager, e: ScheduledEventEntity): Promise<void> {
    await this.onAnswerDue(m, e);
  }

  /** Sealed identities (issue 17): at the deadline the objectors are named in clear again. */
  @OnEvent('BidDeadlineReached', { order: HandlerOrder.UNSEAL })
  async onBidDeadlineReached(m: EntityManager, { tenderId }: DomainEventMap['BidDeadlineReached']): Promise<void> {
    await this.unsealTender(m, tenderId);
  }

  /** The blind index of an objector (key derived from SEALING_MASTER_KEY): finds its objections while sealed. */
  objectorBlindIndex(tenderId: string, organizationId: string): string {
    return this.identityKeys.blindIndex(OBJECTOR_SEALED, tenderId, organizationId);
  }

  /** The objector of a row, unsealed when it is still sealed. */
  private objector(o: TenderObjectionEntity): SealedObjector {
    if (o.organizationId && o.filedBy) return { organizationId: o.organizationId, userId: o.filedBy };
    return this.identityKeys.platformOpen<SealedObjector>(OBJECTOR_SEALED, o.objectorSealed!, objectorAad(o.tenderId, o.objectorBlindIndex!));
  }

  /** At the deadline: the objectors filled in clear, audited (OBJECTION_IDENTITIES_UNSEALED). */
  async unsealTender(m: EntityManager, tenderId: string): Promise<number> {
    const rows = await this.repository.lockSealedObjections(m, tenderId);
    for (const o of rows) {
      const who = this.objector(o);
      await m.update(TenderObjectionEntity, { id: o.id }, { organizationId: who.organizationId, filedBy: who.userId });
    }
    if (rows.length) {
      await this.audit.append(m, {
        actor: SYSTEM_ACTOR,
        action: 'OBJECTION_IDENTITIES_UNSEALED',
        objectType: 'tender',
        objectId: tenderId,
        tenderId,
        data: { objections: rows.length, objectors: rows.map((o) => ({ objectionId: o.id, ...this.objector(o) })) },
      });
    }
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
      // Sealed identities (issue 17): the objector is a prospective bidder; before the deadline of a tender that seals
      // identities the row names it only sealed (platform tier: its answer is sent to it before the deadline).
      const sealed = await this.identityKeys.sealsIdentities(m, tenderId);
      const blindIndex = sealed ? this.objectorBlindIndex(tenderId, org) : null;
      const objection = await m.save(
        TenderObjectionEntity,
        m.create(TenderObjectionEntity, {
          tenderId,
          organizationId: sealed ? null : org,
          filedBy: sealed ? null : actor.userId,
          objectorBlindIndex: blindIndex,
          objectorSealed: blindIndex
            ? this.identityKeys.platformSeal(OBJECTOR_SEALED, { organizationId: org, userId: actor.userId } satisfies SealedObjector, objectorAad(tenderId, blindIndex))
            : null,
          text,
          status: 'PENDING',
          filedAt: now,
          answerDueAt,
        }),
      );
      await this.scheduler.plan(m, { kind: ScheduledEventKind.ObjectionAnswerDue, subjectId: objection.id, tenderId, runAt: answerDueAt });
      await this.audit.append(m, {
        actor: sealed ? sealedBidderActor(actor) : actor, // the objector is in the sealed row until the deadline
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
      return this.toView(objection, true);
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
      await this.notifications.enqueue(m, [
        {
          recipientOrganizationId: this.objector(objection).organizationId,
          tenderId,
          topic: 'OBJECTION_ANSWERED',
          subject: `【异议答复】${tender.title}`,
          body: answer,
          dedupeKey: `objection-${objection.id}-answered`,
        },
      ]);
      // The last answer lifts the suspension — unless a complaint's suspension still holds it (TBR Art. 62).
      if (tender.status === TenderStatus.PUBLISHED) await this.suspension.resumeIfClear(m, tender, now);
      return this.toView(objection, true);
    });
  }

  /** GET /tenders/{id}/objections: the owner sees every objection without the objector; a bidder its own; supervisors all. */
  async list(tenderId: string, actor: Actor): Promise<{ items: ObjectionView[] }> {
    return this.tx.run(async (m) => {
      const tender = await this.tenders.findVisible(m, tenderId, actor);
      let where: Record<string, string> | Array<Record<string, string>> = { tenderId };
      let withObjector = true;
      if (actor.role === Role.BIDDER) {
        const org = actor.organizationId ?? '00000000-0000-0000-0000-000000000000';
        // Its own objections, in clear or (before the deadline) found by the blind index.
        where = [
          { tenderId, organizationId: org },
          { tenderId, objectorBlindIndex: this.objectorBlindIndex(tenderId, org) },
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
      return { items: rows.map((o) => this.toView(o, withObjector)) };
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

  private toView(o: TenderObjectionEntity, withObjector: boolean): ObjectionView {
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
      ...(withObjector ? { organizationId: this.objector(o).organizationId } : {}),
    };
  }
}
