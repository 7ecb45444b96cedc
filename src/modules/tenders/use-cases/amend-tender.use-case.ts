import { Injectable } from '@nestjs/common';
import { Actor } from 'src/common/auth/actor';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { ScheduledEventKind } from 'src/infra/queue/queue.constants';
import { AuditService } from '../../audit/audit.service';
import { EscrowKeyService } from '../escrow-key.service';
import { NotificationsService } from '../../notifications/notifications.service';
import { SchedulerService } from '../../scheduling/scheduler.service';
import { CreateAmendmentDto } from '../dto/amendment.dto';
import { TenderAmendmentEntity } from '../tender-amendment.entity';
import { TenderDocumentsService, TenderDocumentView } from '../tender-documents.service';
import { TenderPeriods } from '../tender-periods';
import { TenderEntity } from '../tender.entity';
import { TenderStatus } from '../tender.enums';
import { TenderException } from '../tender.exception';
import { TendersService } from '../tenders.service';
import { TendersRepository } from '../tenders.repository';
import { UseCase } from 'src/common/use-case';

export interface AmendmentView {
  id: string;
  tenderId: string;
  seq: number;
  kind: 'AMENDMENT' | 'CLARIFICATION';
  text: string;
  previousBidDeadline: string;
  bidDeadline: string;
  deadlineMoved: boolean;
  publishedAt: string;
  documents: TenderDocumentView[];
}

export interface AmendTenderCommand {
  tenderId: string;
  actor: Actor;
  dto: CreateAmendmentDto;
}

/**
 * 澄清 / 修改 (TBL Art. 23; TBR Art. 21; GPR Art. 31; MOF87 Art. 27; EB20 Art. 22): published on the tender and
 * pushed to every registered party that downloaded the documents. Under enforced periods an amendment less than
 * 15 days before the deadline must move the deadline to 15 days after it or later, or it is refused with 422
 * LEGAL_PERIOD_VIOLATION; moving the deadline moves the BID_DEADLINE event in the same transaction.
 */
@Injectable()
export class AmendTenderUseCase implements UseCase<AmendTenderCommand, AmendmentView> {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly tenders: TendersService,
    private readonly documents: TenderDocumentsService,
    private readonly periods: TenderPeriods,
    private readonly scheduler: SchedulerService,
    private readonly notifications: NotificationsService,
    private readonly audit: AuditService,
    private readonly escrowKeys: EscrowKeyService,
    private readonly repository: TendersRepository,
  ) {}

  async execute(cmd: AmendTenderCommand): Promise<AmendmentView> {
    return this.tx.run(async (m) => {
      const tender = await this.tenders.lockForOwner(m, cmd.tenderId, cmd.actor);
      if (tender.status !== TenderStatus.PUBLISHED) {
        throw TenderException.conflict(`Only a published tender before its deadline can be amended; this one is ${tender.status}`);
      }
      const now = await this.tx.now(m);
      if (tender.bidDeadline.getTime() <= now.getTime()) throw TenderException.conflict('The bid deadline has passed');
      const newDeadline = cmd.dto.bidDeadline ? new Date(cmd.dto.bidDeadline) : null;
      await this.periods.assertAmendment(m, tender, now, newDeadline);

      const previous = tender.bidDeadline;
      const moved = !!newDeadline && newDeadline.getTime() !== previous.getTime();
      if (moved) {
        await m.update(TenderEntity, { id: tender.id }, { bidDeadline: newDeadline! });
        await this.escrowKeys.rescheduleRelease(m, tender.id, newDeadline!, 'AMENDMENT', cmd.actor); // the custodians' release instant
        // A suspended tender has no pending deadline event: answering the objection plans it (TBR Art. 22).
        if (!tender.suspendedAt) {
          await this.scheduler.plan(m, { kind: ScheduledEventKind.BidDeadline, subjectId: tender.id, tenderId: tender.id, runAt: newDeadline! });
        }
      }
      const seq = await this.repository.nextAmendmentSeq(m, tender.id);
      const amendment = await m.save(
        TenderAmendmentEntity,
        m.create(TenderAmendmentEntity, {
          tenderId: tender.id,
          seq,
          kind: cmd.dto.kind ?? 'AMENDMENT',
          text: cmd.dto.text,
          previousBidDeadline: previous,
          bidDeadline: newDeadline ?? previous,
          createdBy: cmd.actor.userId,
          publishedAt: now,
        }),
      );
      const docs = [];
      for (const d of cmd.dto.documents ?? []) docs.push(await this.documents.store(m, tender, d, cmd.actor, amendment.id));

      await this.audit.append(m, {
        actor: cmd.actor,
        action: 'TENDER_AMENDED',
        objectType: 'tender_amendment',
        objectId: amendment.id,
        tenderId: tender.id,
        data: {
          seq,
          kind: amendment.kind,
          previousBidDeadline: previous.toISOString(),
          bidDeadline: amendment.bidDeadline.toISOString(),
          documents: docs.map((d) => ({ name: d.name, version: d.version, sha256: d.sha256 })),
        },
      });
      // EB20 Art. 22: every party that downloaded the documents is notified effectively.
      const recipients = await this.documents.downloaders(m, tender.id);
      const label = amendment.kind === 'CLARIFICATION' ? '澄清' : '修改';
      await this.notifications.enqueue(
        m,
        recipients.map((r) => ({
          recipientUserId: r.userId,
          recipientOrganizationId: r.organizationId,
          tenderId: tender.id,
          topic: 'TENDER_AMENDED',
          subject: `【招标文件${label}】${tender.title}（第${seq}号）`,
          body:
            `${cmd.dto.text}\n\n` + (moved ? `投标截止时间由 ${previous.toISOString()} 变更为 ${newDeadline!.toISOString()}。` : `投标截止时间不变：${previous.toISOString()}。`),
          dedupeKey: `amendment-${amendment.id}-${r.key}`,
          sealedRecipient: r.sealedRecipient,
        })),
      );
      return this.toView(
        amendment,
        docs.map((d) => this.documents.toView(d, true)),
      );
    });
  }

  /** GET /tenders/{id}/amendments: public once the tender is. */
  async list(tenderId: string, actor: Actor | null): Promise<{ items: AmendmentView[] }> {
    await this.tenders.findVisible(this.tx.manager, tenderId, actor);
    const rows = await this.tx.manager.find(TenderAmendmentEntity, { where: { tenderId }, order: { seq: 'ASC' } });
    const docs = await this.documents.list(tenderId, actor);
    return {
      items: rows.map((a) =>
        this.toView(
          a,
          docs.items.filter((d) => d.amendmentId === a.id),
        ),
      ),
    };
  }

  private toView(a: TenderAmendmentEntity, documents: TenderDocumentView[]): AmendmentView {
    return {
      id: a.id,
      tenderId: a.tenderId,
      seq: a.seq,
      kind: a.kind,
      text: a.text,
      previousBidDeadline: new Date(a.previousBidDeadline).toISOString(),
      bidDeadline: new Date(a.bidDeadline).toISOString(),
      deadlineMoved: new Date(a.previousBidDeadline).getTime() !== new Date(a.bidDeadline).getTime(),
      publishedAt: new Date(a.publishedAt).toISOString(),
      documents,
    };
  }
}
