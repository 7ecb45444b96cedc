import { Injectable } from '@nestjs/common';
import { Actor } from 'src/common/auth/actor';
import { DomainEvents } from 'src/common/events/domain-events';
import { ValidationFailedException } from 'src/common/errors/domain.exception';
import { compareMoney } from 'src/common/money/money';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { AuditService } from '../../audit/audit.service';
import { LegalCalendarService } from '../../tenders/legal-calendar/legal-calendar.service';
import { TenderStateMachine } from '../../tenders/tender-state-machine';
import { TenderStatus } from '../../tenders/tender.enums';
import { TendersService } from '../../tenders/tenders.service';
import { AwardPeriods } from '../award-periods';
import { AwardEntity } from '../entities/award.entity';
import { EvaluationException } from '../evaluation.exception';
import { AwardView, toAwardView } from './award-tender.use-case';
import { DEFAULT_LOT_NO } from '../../tenders/tender-lots';
import { EvaluationLot, EvaluationLots } from '../evaluation-lots';
import { EntityManager } from 'typeorm';
import { TenderEntity } from '../../tenders/tender.entity';
import { AwardsRepository } from '../awards.repository';
import { DeadlinesRepository } from '../deadlines.repository';
import { UseCase } from 'src/common/use-case';

export interface RecordContractCommand {
  tenderId: string;
  /** Omitted: now, by the database clock (the only clock that decides). */
  signedAt?: string;
  contractNo?: string;
  amount?: string;
  actor: Actor;
  /** The lot (标段); omitted (v1): lot 1 — a tender without lots is lot 1. */
  lotNo?: number;
}

/**
 * The contract record (TBL Art. 46; GPL Art. 46): signed within 30 days of the notice of award — a maximum, held
 * in every LEGAL_PERIODS mode — at the winning price (TBR Art. 57). The tender is CONTRACTED and ContractSigned
 * is announced: the bid securities become REFUND_DUE (TBR Art. 57; MOF87 Art. 38). Idempotent.
 */
@Injectable()
export class RecordContractUseCase implements UseCase<RecordContractCommand, AwardView> {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly audit: AuditService,
    private readonly tenders: TendersService,
    private readonly stateMachine: TenderStateMachine,
    private readonly calendars: LegalCalendarService,
    private readonly events: DomainEvents,
    private readonly awards: AwardsRepository,
    private readonly deadlines: DeadlinesRepository,
    private readonly lots: EvaluationLots,
  ) {}

  /** load → decide (may the contract be recorded, and at which instant) → persist → announce. Idempotent. */
  async execute(cmd: RecordContractCommand): Promise<AwardView> {
    return this.tx.run(async (m) => {
      const tender = await this.tenders.lockForOwner(m, cmd.tenderId, cmd.actor);
      const lot = await this.lots.one(m, tender, cmd.lotNo ?? DEFAULT_LOT_NO);
      const view = (a: AwardEntity) => toAwardView(a, lot.lotted);
      const recorded = await this.recordedContract(m, tender, lot, cmd);
      if (recorded) return view(recorded);
      const notified = await this.loadOutstandingNotice(m, tender, lot);
      const { signedAt, due } = await this.decideSigning(m, tender, notified, cmd);
      await this.persist(m, tender, notified, signedAt, cmd);
      await this.announce(m, tender, lot, notified, signedAt, due, cmd);
      return view(await m.findOneByOrFail(AwardEntity, { id: notified.id }));
    });
  }

  /** The lot's contract already recorded: a repeated request returns it, another signing instant is a conflict. */
  private async recordedContract(m: EntityManager, tender: TenderEntity, lot: EvaluationLot, cmd: RecordContractCommand): Promise<AwardEntity | null> {
    const award = await m.findOne(AwardEntity, { where: { tenderId: tender.id, lotNo: lot.lotNo, status: 'CONTRACTED' } });
    if (!award) return null;
    const repeated = cmd.signedAt === undefined || new Date(award.contractSignedAt!).getTime() === new Date(cmd.signedAt).getTime();
    if (repeated) return award;
    throw EvaluationException.conflict('The contract is already recorded');
  }

  /** The lot's notice of award awaiting its contract (locked), with every pledged approval accepted. */
  private async loadOutstandingNotice(m: EntityManager, tender: TenderEntity, lot: EvaluationLot): Promise<AwardEntity> {
    // GPL Art. 57; MOF94 Art. 10 / TBR Art. 62: no contract is signed while the tender is suspended.
    if (tender.suspendedAt) throw EvaluationException.suspendedByOrder(tender.suspendedAt);
    const notified = await m.findOne(AwardEntity, { where: { tenderId: tender.id, lotNo: lot.lotNo, status: 'NOTIFIED' }, lock: { mode: 'pessimistic_write' } });
    // Lots: a lot's contract follows its own notice of award, while other lots may still be in evaluation or publicity.
    const statusOpen = lot.lotted ? [TenderStatus.EVALUATION, TenderStatus.PUBLICITY, TenderStatus.AWARDED].includes(tender.status) : tender.status === TenderStatus.AWARDED;
    if (!notified || !statusOpen) throw EvaluationException.notOpen('No notice of award is outstanding');
    // 容缺预招标: evaluation and award may go ahead, the contract waits until every pledged approval is accepted.
    const outstanding = tender.preTender ? await this.awards.outstandingApprovals(m, tender.id) : [];
    if (outstanding.length) {
      throw EvaluationException.pendingApprovals(
        `The contract waits until every pledged approval is supplied and accepted: ${outstanding.map((o) => `${o.name} (${o.status})`).join('、')}`,
        outstanding.map((o) => ({ id: o.id, name: o.name, status: o.status, dueAt: new Date(o.dueAt).toISOString() })),
      );
    }
    return notified;
  }

  /** The signing instant (omitted: now, database clock): not in the future, after the notice, within 30 days; at the winning price. */
  private async decideSigning(m: EntityManager, tender: TenderEntity, notified: AwardEntity, cmd: RecordContractCommand): Promise<{ signedAt: Date; due: Date }> {
    const signedAt: Date = cmd.signedAt !== undefined ? new Date(cmd.signedAt) : await this.tx.now(m);
    const future = await this.deadlines.isFuture(m, signedAt);
    if (future) throw new ValidationFailedException([{ field: 'signedAt', errors: ['signedAt must not be in the future'] }]);
    if (signedAt.getTime() < new Date(notified.noticeIssuedAt).getTime()) {
      throw new ValidationFailedException([{ field: 'signedAt', errors: ['the contract follows the notice of award (TBL Art. 46)'] }]);
    }
    // TBL Art. 46 (GPL Art. 46): within 30 days of the notice, counted by the legal calendar from the notice instant.
    const due = AwardPeriods.contractDue(await this.calendars.calendar(m), tender.regime, new Date(notified.noticeIssuedAt));
    if (signedAt.getTime() > due.getTime()) {
      throw EvaluationException.legalPeriod('The contract must be signed within 30 days of the notice of award (TBL Art. 46)', {
        rule: 'CONTRACT_WITHIN_DAYS',
        article: tender.regime === 'ENGINEERING' ? 'TBL Art. 46' : 'GPL Art. 46',
        latest: due.toISOString(),
      });
    }
    if (cmd.amount && compareMoney(cmd.amount, notified.price) !== 0) {
      throw EvaluationException.mismatch(`The contract amount must be the winning price ${notified.price} (TBR Art. 57)`);
    }
    return { signedAt, due };
  }

  /** The contract record; the tender is CONTRACTED once every lot that has not failed has its contract. */
  private async persist(m: EntityManager, tender: TenderEntity, notified: AwardEntity, signedAt: Date, cmd: RecordContractCommand): Promise<void> {
    await this.awards.recordContract(m, notified.id, { signedAt, contractNo: cmd.contractNo ?? null, amount: cmd.amount ?? notified.price });
    const awaiting = await this.awards.lotsAwaitingContract(m, tender.id);
    if (awaiting === 0) await this.stateMachine.transition(m, tender.id, TenderStatus.CONTRACTED, cmd.actor, { from: [TenderStatus.AWARDED] });
  }

  /** Audited, and ContractSigned announced: the bid securities become REFUND_DUE (TBR Art. 57; MOF87 Art. 38). */
  private async announce(m: EntityManager, tender: TenderEntity, lot: EvaluationLot, notified: AwardEntity, signedAt: Date, due: Date, cmd: RecordContractCommand): Promise<void> {
    const lotNo = lot.lotNo;
    await this.audit.append(m, {
      actor: cmd.actor,
      action: 'CONTRACT_RECORDED',
      objectType: 'award',
      objectId: notified.id,
      tenderId: tender.id,
      data: {
        ...(lot.lotted ? { lotNo } : {}),
        signedAt: signedAt.toISOString(),
        contractNo: cmd.contractNo ?? null,
        amount: cmd.amount ?? notified.price,
        due: due.toISOString(),
      },
    });
    await this.events.emit(
      m,
      'ContractSigned',
      { tenderId: tender.id, awardeeOrganizationId: notified.awardeeOrganizationId, signedAt: signedAt.toISOString(), ...(lot.lotted ? { lotNo } : {}) },
      cmd.actor,
    );
  }
}
