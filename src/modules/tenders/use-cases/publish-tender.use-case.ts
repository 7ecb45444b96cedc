import { Injectable } from '@nestjs/common';
import { Actor } from 'src/common/auth/actor';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { ScheduledEventKind } from 'src/infra/queue/queue.constants';
import { SchedulerService } from '../../scheduling/scheduler.service';
import { EscrowKeyService } from '../escrow-key.service';
import { GmEscrowKeyService } from '../gm-escrow-key.service';
import { IdentityKeyService } from '../../custody/identity-key.service';
import { DrawSeedCustody } from '../../custody/draw-seed-custody';
import { TenderDocumentsService } from '../tender-documents.service';
import { PreTenderService } from '../pre-tender/pre-tender.service';
import { TenderPeriods } from '../tender-periods';
import { TenderStateMachine } from '../tender-state-machine';
import { TenderStatus } from '../tender.enums';
import { TenderException } from '../tender.exception';
import { TendersService, TenderView } from '../tenders.service';
import { UseCase } from 'src/common/use-case';
import { TendersRepository } from '../tenders.repository';

export interface PublishTenderCommand {
  tenderId: string;
  actor: Actor;
  note?: string;
}

/**
 * Publication (发布招标公告 / 发售招标文件): the draft becomes public, the statutory periods are checked against the
 * database clock, the escrow key pair is created and the BID_DEADLINE event planned — one transaction, with the
 * tender row locked, so two concurrent publications of one draft give one success and one 409 CONFLICT.
 */
@Injectable()
export class PublishTenderUseCase implements UseCase<PublishTenderCommand, TenderView> {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly tenders: TendersService,
    private readonly stateMachine: TenderStateMachine,
    private readonly periods: TenderPeriods,
    private readonly escrow: EscrowKeyService,
    private readonly gmEscrow: GmEscrowKeyService,
    private readonly identityKeys: IdentityKeyService,
    private readonly drawSeeds: DrawSeedCustody,
    private readonly scheduler: SchedulerService,
    private readonly documents: TenderDocumentsService,
    private readonly preTender: PreTenderService,
    private readonly tenderRows: TendersRepository,
  ) {}

  async execute(cmd: PublishTenderCommand): Promise<TenderView> {
    return this.tx.run(async (m) => {
      const tender = await this.tenders.lockForOwner(m, cmd.tenderId, cmd.actor);
      if (tender.status !== TenderStatus.DRAFT) throw TenderException.conflict(`The tender is already ${tender.status}`);
      const now = await this.tx.now(m);
      await this.periods.assertPublication(m, tender, now, (await this.documents.count(m, tender.id)) > 0);
      await this.stateMachine.transition(m, tender.id, TenderStatus.PUBLISHED, cmd.actor, {
        from: [TenderStatus.DRAFT],
        patch: { publishedAt: now },
        data: { bidDeadline: tender.bidDeadline.toISOString(), legalPeriods: this.periods.enforced ? 'enforced' : 'relaxed', ...(cmd.note ? { note: cmd.note } : {}) },
      });
      await this.escrow.createSealed(m, tender.id);
      await this.gmEscrow.createSealed(m, tender.id); // format v2, suite GM-1
      // Sealed identities until the opening (issue 17), and the expert draw's seed, committed before any beacon exists.
      await this.tenderRows.setIdentityPublicKey(m, tender.id, await this.identityKeys.create(m, tender.id, tender.bidDeadline));
      await this.tenderRows.setDrawSeedCommitment(m, tender.id, await this.drawSeeds.commit(m, tender.id, tender.bidDeadline));
      await this.scheduler.plan(m, { kind: ScheduledEventKind.BidDeadline, subjectId: tender.id, tenderId: tender.id, runAt: tender.bidDeadline });
      // 容缺预招标: each pending item's pledged date becomes a durable timed event.
      await this.preTender.planAtPublication(m, tender, now);
      return this.tenders.get(tender.id, cmd.actor, m);
    });
  }
}
