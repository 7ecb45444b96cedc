import { Injectable } from '@nestjs/common';
import { Actor } from 'src/common/auth/actor';
import { NotFoundException } from 'src/common/errors/domain.exception';
import { DomainEvents } from 'src/common/events/domain-events';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { AuditService } from '../../audit/audit.service';
import { BidStatus, BidStatusReason } from '../bid.enums';
import { BidWithdrawalView } from '../bid-views';
import { bidAuditScope } from '../bid-audit';
import { BidIdentitySealer, sealedBidderActor } from '../bid-identity-sealer';
import { BidsRepository } from '../bids.repository';
import { assertSubmissionOpen, lockTenderForBids } from './submit-bid.use-case';
import { UseCase } from 'src/common/use-case';

export interface WithdrawBidCommand {
  tenderId: string;
  actor: Actor;
  lotNo?: number;
}

/**
 * 撤回: the bidder withdraws its bid before the deadline (TBL Art. 29; EB20 Art. 27). Its bid security is refunded
 * within 5 days (TBR Art. 35) by the bid-security module, which listens to BidWithdrawn. Withdrawing twice returns
 * the first withdrawal. The ciphertext is kept, sealed, as the record of what was received; it is never opened.
 */
@Injectable()
export class WithdrawBidUseCase implements UseCase<WithdrawBidCommand, BidWithdrawalView> {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly audit: AuditService,
    private readonly events: DomainEvents,
    private readonly identities: BidIdentitySealer,
    private readonly bids: BidsRepository,
  ) {}

  async execute(cmd: WithdrawBidCommand): Promise<BidWithdrawalView> {
    const { tenderId, actor } = cmd;
    const lotNo = cmd.lotNo ?? 1;
    const organizationId = actor.organizationId;
    if (!organizationId) throw new NotFoundException('Your bid');
    return this.tx.run(async (m) => {
      const { tender, now } = await lockTenderForBids(this.bids, m, tenderId);
      assertSubmissionOpen(tender, now, { forWithdrawal: true });
      await this.bids.lockBidderSlot(m, tenderId, organizationId, lotNo); // see SubmitBidUseCase: no interleaving with a resubmission
      const sealing = await this.identities.contextOf(tender, organizationId); // sealed identities (issue 17)
      const bid = await this.bids.findForWithdrawal(m, tenderId, organizationId, lotNo, sealing?.blindIndex ?? null);
      if (!bid) throw new NotFoundException('Your bid');
      if (bid.status === BidStatus.WITHDRAWN) {
        return { bidId: bid.id, status: BidStatus.WITHDRAWN, withdrawnAt: new Date(bid.withdrawnAt!).toISOString() };
      }
      await this.bids.markWithdrawn(m, bid.id, now, BidStatusReason.WITHDRAWN_BY_BIDDER);
      await this.audit.append(m, {
        actor: sealing ? sealedBidderActor(actor) : actor,
        action: 'BID_WITHDRAWN',
        objectType: 'bid',
        objectId: bid.id,
        ...bidAuditScope(tenderId, bid.id), // sealed, in the bid's stream (see SubmitBidUseCase)
        data: { bidId: bid.id, version: bid.version, reason: BidStatusReason.WITHDRAWN_BY_BIDDER },
      });
      await this.events.emit(m, 'BidWithdrawn', { tenderId, bidId: bid.id, bidderOrganizationId: organizationId, lotNo }, actor);
      return { bidId: bid.id, status: BidStatus.WITHDRAWN, withdrawnAt: now.toISOString() };
    });
  }
}
