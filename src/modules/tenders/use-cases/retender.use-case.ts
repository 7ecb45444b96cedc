import { Injectable } from '@nestjs/common';
import { Actor } from 'src/common/auth/actor';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { assertDeadlineWithinPlatformBound } from '../tender-periods';
import { AuditService } from '../../audit/audit.service';
import { TenderLotEntity } from '../tender-lot.entity';
import { TenderEntity } from '../tender.entity';
import { TenderStatus } from '../tender.enums';
import { TenderException } from '../tender.exception';
import { TendersService, TenderView } from '../tenders.service';
import { TendersRepository } from '../tenders.repository';
import { UseCase } from 'src/common/use-case';

export interface RetenderCommand {
  tenderId: string;
  bidDeadline: string;
  title?: string;
  actor: Actor;
}

/**
 * 重新招标 (TBL Art. 28, TBR Arts. 19, 44, 55, 62; PB12 Art. 27: fewer than 3 bids, every bid rejected, an upheld
 * complaint...): a FAILED tender is tendered again as a new DRAFT of the same procuring entity with the same terms
 * (category, regime, method, budget, ceiling, security, decryption, evaluation, panel, lots) and a new deadline,
 * linked to the failed one (`retenderOfId`, audited on both). The documents are uploaded again (they may need the
 * change that made the tender fail) and every publication rule is checked again when the draft is published.
 * One re-tender per failed tender: the same request again returns the same draft (200).
 */
@Injectable()
export class RetenderUseCase implements UseCase<RetenderCommand, { created: boolean; tender: TenderView }> {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly tenders: TendersService,
    private readonly audit: AuditService,
    private readonly repository: TendersRepository,
  ) {}

  async execute(cmd: RetenderCommand): Promise<{ created: boolean; tender: TenderView }> {
    return this.tx.run(async (m) => {
      const failed = await this.tenders.lockForOwner(m, cmd.tenderId, cmd.actor);
      const existing = await m.findOneBy(TenderEntity, { retenderOfId: failed.id });
      if (existing) return { created: false, tender: await this.tenders.get(existing.id, cmd.actor, m) };
      if (failed.status !== TenderStatus.FAILED) {
        throw TenderException.conflict(`The tender is ${failed.status}: only a FAILED tender is re-tendered (a live one is amended or cancelled)`);
      }
      const now = await this.tx.now(m);
      const deadline = new Date(cmd.bidDeadline);
      if (deadline.getTime() <= now.getTime()) throw TenderException.invalid([{ field: 'bidDeadline', errors: ['bidDeadline must be in the future'] }]);
      assertDeadlineWithinPlatformBound(deadline, now, 'bidDeadline');
      const draft = await m.save(
        TenderEntity,
        m.create(TenderEntity, {
          procuringEntityId: failed.procuringEntityId,
          createdBy: cmd.actor.userId,
          title: cmd.title?.trim() || `${failed.title}（重新招标）`,
          description: failed.description,
          category: failed.category,
          regime: failed.regime,
          jurisdictionCode: failed.jurisdictionCode,
          subClass: failed.subClass,
          sector: failed.sector,
          method: failed.method,
          budget: failed.budget,
          priceCeiling: failed.priceCeiling,
          bidDeadline: deadline,
          bidSecurityAmount: failed.bidSecurityAmount,
          bidSecurityForms: failed.bidSecurityForms,
          bidValidityDays: failed.bidValidityDays,
          decryptionMode: failed.decryptionMode,
          decryptionWindowMinutes: failed.decryptionWindowMinutes,
          acceptedSuites: failed.acceptedSuites,
          maxBidFileBytes: failed.maxBidFileBytes,
          evaluationMethod: failed.evaluationMethod,
          priceWeight: failed.priceWeight,
          evaluationFactors: failed.evaluationFactors,
          panelSize: failed.panelSize,
          panelSpecialties: failed.panelSpecialties,
          qualificationCriteria: failed.qualificationCriteria,
          status: TenderStatus.DRAFT,
          retenderOfId: failed.id,
        }),
      );
      const lots = await m.find(TenderLotEntity, { where: { tenderId: failed.id }, order: { lotNo: 'ASC' } });
      if (lots.length) {
        await m.save(
          TenderLotEntity,
          lots.map((l) => m.create(TenderLotEntity, { tenderId: draft.id, lotNo: l.lotNo, title: l.title, budget: l.budget, bidSecurityAmount: l.bidSecurityAmount })),
        );
      }
      if (failed.method === 'INVITED') {
        await this.repository.copyInvitations(m, draft.id, failed.id);
      }
      await this.audit.append(m, {
        actor: cmd.actor,
        action: 'TENDER_CREATED',
        objectType: 'tender',
        objectId: draft.id,
        tenderId: draft.id,
        data: { title: draft.title, regime: draft.regime, category: draft.category, budget: draft.budget, bidDeadline: deadline.toISOString(), retenderOf: failed.id },
      });
      await this.audit.append(m, {
        actor: cmd.actor,
        action: 'TENDER_RETENDERED',
        objectType: 'tender',
        objectId: failed.id,
        tenderId: failed.id,
        data: { retender: draft.id, failedReason: failed.statusReason },
      });
      return { created: true, tender: await this.tenders.get(draft.id, cmd.actor, m) };
    });
  }
}
