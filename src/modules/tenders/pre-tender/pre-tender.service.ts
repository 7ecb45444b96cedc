import { Injectable } from '@nestjs/common';
import { createHash } from 'crypto';
import { EntityManager } from 'typeorm';
import { Actor, SYSTEM_ACTOR } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { ConflictException, NotFoundException } from 'src/common/errors/domain.exception';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { ScheduledEventKind } from 'src/infra/queue/queue.constants';
import { AuditService } from '../../audit/audit.service';
import { JurisdictionsService } from '../../jurisdictions/jurisdictions.service';
import { ScheduledEventEntity } from '../../scheduling/scheduled-event.entity';
import { OnTimedEvent, SchedulerService } from '../../scheduling/scheduler.service';
import { RejectApprovalDto, SupplyApprovalDto } from '../dto/pre-tender.dto';
import { TenderEntity } from '../tender.entity';
import { TenderStatus } from '../tender.enums';
import { TenderException } from '../tender.exception';
import { TendersService } from '../tenders.service';
import { CancelTenderUseCase } from '../use-cases/cancel-tender.use-case';
import { decodePreTenderDocument } from './pre-tender-document';
import { PendingApprovalView, toItemView } from './pre-tender.views';
import { PendingApprovalRow, PreTenderRepository } from './pre-tender.repository';

/** Statuses in which nothing of a pre-tender moves any more. */
const CLOSED: TenderStatus[] = [TenderStatus.CANCELLED, TenderStatus.FAILED, TenderStatus.CONTRACTED];

/**
 * 容缺预招标 (the seed's own reform): a tender published before every approval is in hand, on the procuring entity's
 * written pledge (承诺书) to supply each missing item by its date.
 * - publication plans one PENDING_APPROVAL_DUE event per item (scheduled_events: durable, re-planned at start-up);
 * - the procuring entity supplies an item before its date (on the database clock); a supervisor of the tender's
 *   jurisdiction and trade accepts it, or rejects it with a reason (the item is pending again until its date);
 * - evaluation and award go ahead; the contract waits until every item is ACCEPTED (RecordContractUseCase);
 * - an item still unsupplied at its date (or rejected after it) ends the tender lawfully: 终止招标 with the reason
 *   published, the bid securities refunded with interest (TBR Art. 31; the cancellation path).
 * Every step is audited.
 */
@Injectable()
export class PreTenderService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly audit: AuditService,
    private readonly tenders: TendersService,
    private readonly scheduler: SchedulerService,
    private readonly cancellation: CancelTenderUseCase,
    private readonly jurisdictions: JurisdictionsService,
    private readonly items: PreTenderRepository,
  ) {}

  @OnTimedEvent(ScheduledEventKind.PendingApprovalDue)
  async onPendingApprovalDue(m: EntityManager, event: ScheduledEventEntity): Promise<void> {
    await this.onDue(m, event);
  }

  /** At publication (in its transaction): every item's date is still ahead, and its due event is planned. */
  async planAtPublication(m: EntityManager, tender: TenderEntity, now: Date): Promise<void> {
    if (!tender.preTender) return;
    const items = await this.items.itemsOf(m, tender.id);
    const late = items.filter((i) => new Date(i.dueAt).getTime() <= now.getTime() && i.status === 'PENDING');
    if (late.length) {
      throw TenderException.legalPeriod(`The pledged date of ${late.map((i) => i.name).join('、')} has passed: a pre-tender cannot be published after it`, {
        rule: 'PRE_TENDER_ITEM_DUE_AHEAD',
        article: 'TBR Art. 31',
        items: late.map((i) => i.id),
      });
    }
    for (const i of items) {
      if (i.status === 'PENDING') await this.scheduler.plan(m, { kind: ScheduledEventKind.PendingApprovalDue, subjectId: i.id, tenderId: tender.id, runAt: new Date(i.dueAt) });
    }
  }

  /** GET /tenders/{id}/pending-approvals (public, like the notice): the items and their status. */
  async list(tenderId: string, actor: Actor | null): Promise<PendingApprovalView[]> {
    const m = this.tx.manager;
    const tender = await this.tenders.findVisible(m, tenderId, actor);
    if (!tender.preTender) return [];
    return (await this.items.itemsOf(m, tenderId)).map(toItemView);
  }

  /** POST …/supply (the procuring entity): before the item's date, on the database clock. Idempotent by content. */
  async supply(tenderId: string, itemId: string, dto: SupplyApprovalDto, actor: Actor): Promise<PendingApprovalView> {
    const content = decodePreTenderDocument(dto.document.contentBase64, 'document.contentBase64');
    const sha256 = createHash('sha256').update(content).digest('hex');
    return this.tx.run(async (m) => {
      const tender = await this.tenders.lockForOwner(m, tenderId, actor);
      const item = await this.lockItem(m, tender, itemId);
      if (item.status === 'SUPPLIED' || item.status === 'ACCEPTED') {
        if (item.suppliedDocumentSha256 === sha256) return this.view(m, itemId);
        throw new ConflictException(`The item is already ${item.status}`);
      }
      if (CLOSED.includes(tender.status) || item.status === 'OVERDUE') throw TenderException.conflict(`The tender is ${tender.status}: nothing more is supplied`);
      if (tender.status === TenderStatus.DRAFT) throw TenderException.conflict('Publish the pre-tender first; before that, change the draft');
      // The pledge's date is the limit: at or after it the item is late (the due event ends the tender).
      const { late, now } = await this.items.clockAgainst(m, item.dueAt);
      if (late) {
        throw TenderException.legalPeriod(`${item.name} was pledged by ${new Date(item.dueAt).toISOString()}; it is too late to supply it`, {
          rule: 'PRE_TENDER_SUPPLY_BY_DUE_DATE',
          article: 'TBR Art. 31',
          latest: new Date(item.dueAt).toISOString(),
        });
      }
      await this.items.markSupplied(m, itemId, {
        documentNo: dto.documentNo ?? null,
        documentName: dto.document.name,
        content,
        sha256,
        suppliedAt: now,
        suppliedBy: actor.userId,
      });
      await this.audit.append(m, {
        actor,
        action: 'PRE_TENDER_ITEM_SUPPLIED',
        objectType: 'pending_approval',
        objectId: itemId,
        tenderId,
        data: { kind: item.kind, name: item.name, documentNo: dto.documentNo ?? null, sha256, dueAt: new Date(item.dueAt).toISOString() },
      });
      return this.view(m, itemId);
    });
  }

  /** POST …/accept (SUPERVISOR of the tender's jurisdiction and trade): SUPPLIED → ACCEPTED. Idempotent. */
  async accept(tenderId: string, itemId: string, actor: Actor): Promise<PendingApprovalView> {
    return this.tx.run(async (m) => {
      const tender = await this.lockForSupervisor(m, tenderId, actor);
      const item = await this.lockItem(m, tender, itemId);
      if (item.status === 'ACCEPTED') return this.view(m, itemId);
      if (item.status !== 'SUPPLIED') throw new ConflictException(`Only a SUPPLIED item is accepted; this one is ${item.status}`);
      if (CLOSED.includes(tender.status)) throw TenderException.conflict(`The tender is ${tender.status}`);
      await this.items.markAccepted(m, itemId, actor.userId);
      await this.audit.append(m, {
        actor,
        action: 'PRE_TENDER_ITEM_ACCEPTED',
        objectType: 'pending_approval',
        objectId: itemId,
        tenderId,
        data: { kind: item.kind, name: item.name },
      });
      return this.view(m, itemId);
    });
  }

  /**
   * POST …/reject (SUPERVISOR): SUPPLIED → PENDING with the reason; the procuring entity may supply again before the
   * date. Rejected at or after the date, nothing valid was supplied in time: the tender ends at once.
   */
  async reject(tenderId: string, itemId: string, dto: RejectApprovalDto, actor: Actor): Promise<PendingApprovalView> {
    return this.tx.run(async (m) => {
      const tender = await this.lockForSupervisor(m, tenderId, actor);
      const item = await this.lockItem(m, tender, itemId);
      if (item.status !== 'SUPPLIED') throw new ConflictException(`Only a SUPPLIED item is rejected; this one is ${item.status}`);
      if (CLOSED.includes(tender.status)) throw TenderException.conflict(`The tender is ${tender.status}`);
      const late = await this.items.isLate(m, item.dueAt);
      await this.items.markRejected(m, itemId, late ? 'OVERDUE' : 'PENDING', dto.reason);
      await this.audit.append(m, {
        actor,
        action: 'PRE_TENDER_ITEM_REJECTED',
        objectType: 'pending_approval',
        objectId: itemId,
        tenderId,
        data: { kind: item.kind, reason: dto.reason, late },
      });
      if (late) await this.end(m, tender, item, `监督部门退回「${item.name}」（${dto.reason}），且已过承诺期限`);
      return this.view(m, itemId);
    });
  }

  /**
   * PENDING_APPROVAL_DUE: the pledged date of an item has come. Unsupplied (PENDING), the tender ends; supplied or
   * accepted, nothing happens. Runs once, in the scheduler's transaction, with the event row locked.
   */
  private async onDue(m: EntityManager, event: ScheduledEventEntity): Promise<void> {
    const tender = await m.findOne(TenderEntity, { where: { id: event.tenderId! }, lock: { mode: 'pessimistic_write' } });
    if (!tender) return;
    const item = await this.items.lockItem(m, event.subjectId);
    if (!item || CLOSED.includes(tender.status)) return;
    const due = await this.items.isDue(m, item.dueAt);
    if (!due) throw new Error(`pending-approval event of ${item.id} ran before its date ${new Date(item.dueAt).toISOString()}`);
    if (item.status !== 'PENDING') {
      await this.audit.append(m, {
        actor: SYSTEM_ACTOR,
        action: 'PRE_TENDER_ITEM_DUE_MET',
        objectType: 'pending_approval',
        objectId: item.id,
        tenderId: tender.id,
        data: { status: item.status },
      });
      return;
    }
    await this.items.markOverdue(m, item.id);
    await this.end(m, tender, item, `承诺事项「${item.name}」未在承诺期限前补齐`);
  }

  /** The lawful end (终止招标, TBR Art. 31): the cancellation path, by the platform, with the reason published. */
  private async end(m: EntityManager, tender: TenderEntity, item: PendingApprovalRow, why: string): Promise<void> {
    const reason = `容缺预招标：${why}（承诺期限 ${new Date(item.dueAt).toISOString()}），依法终止招标；投标保证金连同同期存款利息退还（招标投标法实施条例第三十一条）。`;
    await this.audit.append(m, {
      actor: SYSTEM_ACTOR,
      action: 'PRE_TENDER_PLEDGE_FAILED',
      objectType: 'pending_approval',
      objectId: item.id,
      tenderId: tender.id,
      data: { kind: item.kind, name: item.name, dueAt: new Date(item.dueAt).toISOString(), status: tender.status },
    });
    await this.cancellation.endLocked(m, tender, SYSTEM_ACTOR, reason, { preTenderItem: item.id });
  }

  private async lockForSupervisor(m: EntityManager, tenderId: string, actor: Actor): Promise<TenderEntity> {
    if (actor.role !== Role.SUPERVISOR) throw new NotFoundException('The tender');
    const tender = await this.tenders.lockVisible(m, tenderId, actor);
    // The regulator of the tender's jurisdiction and trade confirms the approval (TBR Art. 4 ¶2 (not in regulations.md; from the statute text)).
    await this.jurisdictions.assertTenderInScope(m, actor, tenderId);
    return tender;
  }

  private async lockItem(m: EntityManager, tender: TenderEntity, itemId: string): Promise<PendingApprovalRow> {
    const item = await this.items.lockItemOf(m, tender.id, itemId);
    if (!item) throw new NotFoundException('The pending approval');
    return item;
  }

  private async view(m: EntityManager, itemId: string): Promise<PendingApprovalView> {
    const row = await this.items.item(m, itemId);
    return toItemView(row!);
  }
}
