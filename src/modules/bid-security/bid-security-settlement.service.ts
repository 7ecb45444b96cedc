import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor } from 'src/common/auth/actor';
import { DomainEventMap, OnEvent } from 'src/common/events/domain-events';
import { fromFen, toFen } from 'src/common/money/money';
import { ScheduledEventKind } from 'src/infra/queue/queue.constants';
import { AuditService, auditStream } from '../audit/audit.service';
import { securityAuditScope } from './bid-security-audit';
import { ScheduledEventEntity } from '../scheduling/scheduled-event.entity';
import { OnTimedEvent } from '../scheduling/scheduler.service';
import { AccountRow, BidSecurityStore, PaymentRow, TenderSnapshot } from './bid-security.store';
import { GuaranteeStore } from './guarantees/guarantee.store';
import { IdentityKeyService } from '../custody/identity-key.service';
import { LedgerAccount } from './ledger/ledger-accounts';
import { LedgerService } from './ledger/ledger.service';
import { allocateForfeiture } from './refund-allocation';
import { RefundPlanner } from './refund-planner.service';
import { RefundReason } from './refund-policy';
import { ExecuteRefund } from './use-cases/execute-refund.use-case';
import { SettlementRepository } from './settlement.repository';
import { NoticeRecipientSealer } from '../notifications/notice-recipient-sealer';

/** The audit actor of a bidder's own act before the opening of a tender that seals identities (as sealedBidderActor of the bids). */
const sealedActor = (actor: Actor): Actor => ({ userId: 'sealed-bidder', role: actor.role, organizationId: null, ip: '', requestId: actor.requestId });

/** Why a security is kept, with the article that allows it. */
export const FORFEITURE_GROUNDS = {
  BID_REVOKED: '招标投标法实施条例第三十五条；电子招标投标办法第三十一条（投标截止后撤销投标文件）',
  AWARDEE_DEFAULTED: '招标投标法实施条例第七十四条（中标人无正当理由不与招标人订立合同等）',
} as const;
export type ForfeitureGround = keyof typeof FORFEITURE_GROUNDS;

/** Why a guarantee is released or claimed: the same articles as the refund or forfeiture of cash. */
export const GUARANTEE_SETTLEMENT_GROUNDS = {
  WITHDRAWAL: '招标投标法实施条例第三十五条（投标截止前撤回）',
  VALIDITY_REFUSED: '招标投标法实施条例第二十五条（拒绝延长投标有效期，投标失效）',
  TERMINATION: '招标投标法实施条例第三十一条；政府采购货物和服务招标投标管理办法第二十九条（终止招标或招标失败）',
  NOT_AWARDED: '政府采购货物和服务招标投标管理办法第三十八条（未中标）',
  CONTRACT_SIGNED: '招标投标法实施条例第五十七条；政府采购货物和服务招标投标管理办法第三十八条（合同已签订）',
  BID_REVOKED: FORFEITURE_GROUNDS.BID_REVOKED,
  AWARDEE_DEFAULTED: FORFEITURE_GROUNDS.AWARDEE_DEFAULTED,
} as const;
export type GuaranteeSettlementReason = keyof typeof GUARANTEE_SETTLEMENT_GROUNDS;

/**
 * What happens to held security when the tender moves on. Listens to the domain events of the other modules, in
 * their transactions (the settlement commits or rolls back with the fact that caused it):
 * - BidWithdrawn → refund within 5 days (procurement: 5 working days) of the withdrawal (TBR Art. 35; MOF87 Art. 38);
 * - BidRevoked → forfeit (TBR Art. 35; EB20 Art. 31); AwardeeDefaulted → forfeit the awardee's (TBR Art. 74);
 * - TenderFailed / TenderCancelled → refund everyone with interest (TBR Art. 31; MOF87 Art. 29);
 * - AwardNoticeIssued → procurement: refund those not awarded within 5 working days (MOF87 Art. 38);
 * - ContractSigned → refund everyone still held, within 5 days with interest (TBR Art. 57; procurement: 5 working
 *   days, MOF87 Art. 38).
 * Every step is guarded by the account's status, so an event delivered twice changes nothing twice.
 */
@Injectable()
export class BidSecuritySettlement {
  private readonly logger = new Logger(BidSecuritySettlement.name);

  constructor(
    private readonly store: BidSecurityStore,
    private readonly ledger: LedgerService,
    private readonly planner: RefundPlanner,
    private readonly executeRefund: ExecuteRefund,
    private readonly audit: AuditService,
    private readonly guarantees: GuaranteeStore,
    private readonly identityKeys: IdentityKeyService,
    private readonly settlements: SettlementRepository,
    private readonly noticeSealer: NoticeRecipientSealer,
  ) {}

  /** The tender ended without a contract (failed, cancelled): every security goes back, every guarantee is released. */
  private async terminate(m: EntityManager, tenderId: string, actor: Actor): Promise<void> {
    const tender = await this.requireTender(m, tenderId);
    for (const a of await this.store.accountsOfTender(m, tenderId)) {
      await this.settle(m, tender, a, RefundReason.TERMINATION, tender.now, actor);
    }
    await this.settleGuarantees(m, tender, {}, 'RELEASED', 'TERMINATION', actor);
  }

  @OnTimedEvent(ScheduledEventKind.BidSecurityRefund)
  async onBidSecurityRefund(m: EntityManager, event: ScheduledEventEntity): Promise<void> {
    await this.executeRefund.execute({ manager: m, refundId: event.subjectId });
  }

  @OnEvent('BidWithdrawn')
  async onBidWithdrawn(m: EntityManager, e: DomainEventMap['BidWithdrawn'], bidderActor: Actor): Promise<void> {
    const tender = await this.requireTender(m, e.tenderId);
    const lotNo = await this.lotOfBid(m, e);
    // Sealed identities (issue 17): a withdrawal before the deadline is the bidder's own act; its refund and release
    // events (sealed until the opening, but rows of a database dump) name no bidder, as BID_WITHDRAWN does not.
    const sealing = await this.identityKeys.sealsIdentities(m, e.tenderId);
    const actor = sealing ? sealedActor(bidderActor) : bidderActor;
    const account = await this.store.accountFor(m, e.tenderId, e.bidderOrganizationId, false, lotNo);
    const refundId = account ? await this.settle(m, tender, account, RefundReason.WITHDRAWAL, tender.now, actor) : null;
    // The refund is paid before the deadline, when the platform can no longer name the bidder: the notice's recipient
    // is sealed now, in the bidder's own request, to the tender's identity key (opened at the deadline by k custodians).
    const pub = refundId && sealing ? await this.noticeSealer.identityPublicKey(m, e.tenderId) : null;
    if (refundId && pub) {
      const who = { userId: bidderActor.userId, organizationId: e.bidderOrganizationId };
      await this.settlements.setRefundNoticeRecipient(m, refundId, await this.noticeSealer.sealToIdentity(pub, e.tenderId, who));
    }
    await this.settleGuarantees(m, tender, { bidder: e.bidderOrganizationId, lotNo }, 'RELEASED', 'WITHDRAWAL', actor);
  }

  @OnEvent('BidLapsed')
  async onBidLapsed(m: EntityManager, e: DomainEventMap['BidLapsed'], actor: Actor): Promise<void> {
    // TBR Art. 25 ¶2: a bidder who refuses to extend the bid validity gets its security back.
    const tender = await this.requireTender(m, e.tenderId);
    const lotNo = await this.lotOfBid(m, e);
    const account = await this.store.accountFor(m, e.tenderId, e.bidderOrganizationId, false, lotNo);
    if (account) await this.settle(m, tender, account, RefundReason.VALIDITY_REFUSED, tender.now, actor);
    await this.settleGuarantees(m, tender, { bidder: e.bidderOrganizationId, lotNo }, 'RELEASED', 'VALIDITY_REFUSED', actor);
  }

  @OnEvent('BidRevoked')
  async onBidRevoked(m: EntityManager, e: DomainEventMap['BidRevoked'], actor: Actor): Promise<void> {
    const tender = await this.requireTender(m, e.tenderId);
    const lotNo = await this.lotOfBid(m, e);
    const account = await this.store.accountFor(m, e.tenderId, e.bidderOrganizationId, false, lotNo);
    if (account) await this.forfeit(m, tender, account, 'BID_REVOKED', actor);
    await this.settleGuarantees(m, tender, { bidder: e.bidderOrganizationId, lotNo }, 'CLAIMED', 'BID_REVOKED', actor);
  }

  @OnEvent('AwardeeDefaulted')
  async onAwardeeDefaulted(m: EntityManager, e: DomainEventMap['AwardeeDefaulted'], actor: Actor): Promise<void> {
    const tender = await this.requireTender(m, e.tenderId);
    // Lots: only the security of the defaulted lot is kept (`lotNo`); without it (no lots), every account of the awardee.
    const accounts = (await this.store.accountsOfTender(m, e.tenderId)).filter(
      (a) => a.bidderOrganizationId === e.awardeeOrganizationId && (e.lotNo === undefined || a.lotNo === e.lotNo),
    );
    for (const account of accounts) {
      await this.forfeit(m, tender, account, 'AWARDEE_DEFAULTED', actor);
    }
    await this.settleGuarantees(m, tender, { bidder: e.awardeeOrganizationId, lotNo: e.lotNo }, 'CLAIMED', 'AWARDEE_DEFAULTED', actor);
  }

  @OnEvent('TenderFailed')
  async onTenderFailed(m: EntityManager, e: DomainEventMap['TenderFailed'], actor: Actor): Promise<void> {
    await this.terminate(m, e.tenderId, actor);
  }

  @OnEvent('LotFailed')
  async onLotFailed(m: EntityManager, e: DomainEventMap['LotFailed'], actor: Actor): Promise<void> {
    // 标段流标 (TBL Art. 28): a lot with fewer than 3 bids fails alone; its securities go back as on termination.
    const tender = await this.requireTender(m, e.tenderId);
    for (const a of (await this.store.accountsOfTender(m, e.tenderId)).filter((x) => x.lotNo === e.lotNo)) {
      await this.settle(m, tender, a, RefundReason.TERMINATION, tender.now, actor);
    }
    await this.settleGuarantees(m, tender, { lotNo: e.lotNo }, 'RELEASED', 'TERMINATION', actor);
  }

  @OnEvent('TenderCancelled')
  async onTenderCancelled(m: EntityManager, e: DomainEventMap['TenderCancelled'], actor: Actor): Promise<void> {
    await this.terminate(m, e.tenderId, actor);
  }

  @OnEvent('AwardNoticeIssued')
  async onAwardNoticeIssued(m: EntityManager, e: DomainEventMap['AwardNoticeIssued'], actor: Actor): Promise<void> {
    const tender = await this.requireTender(m, e.tenderId);
    // Engineering: the unsuccessful bidders are refunded with the awardee after the contract (TBR Art. 57).
    if (tender.regime !== 'GOV_PROCUREMENT') return;
    // Lots: the award of a lot refunds that lot's unsuccessful bidders (`lotNo`); the awardee's other lots wait for theirs.
    for (const a of await this.store.accountsOfTender(m, e.tenderId)) {
      if (a.bidderOrganizationId === e.awardeeOrganizationId) continue;
      if (e.lotNo !== undefined && a.lotNo !== e.lotNo) continue;
      await this.settle(m, tender, a, RefundReason.NOT_AWARDED, tender.now, actor);
    }
    await this.settleGuarantees(m, tender, { except: e.awardeeOrganizationId, lotNo: e.lotNo }, 'RELEASED', 'NOT_AWARDED', actor);
  }

  @OnEvent('ContractSigned')
  async onContractSigned(m: EntityManager, e: DomainEventMap['ContractSigned'], actor: Actor): Promise<void> {
    const tender = await this.requireTender(m, e.tenderId);
    // The period runs from the signature (TBR Art. 57 "书面合同签订后5日内"); a date in the future cannot be.
    const signedAt = new Date(e.signedAt);
    const start = Number.isNaN(signedAt.getTime()) || signedAt > tender.now ? tender.now : signedAt;
    // Lots: the contract of a lot refunds the securities of that lot (`lotNo`); without lots, every account.
    for (const a of await this.store.accountsOfTender(m, e.tenderId)) {
      if (e.lotNo !== undefined && a.lotNo !== e.lotNo) continue;
      await this.settle(m, tender, a, RefundReason.CONTRACT_SIGNED, start, actor);
    }
    await this.settleGuarantees(m, tender, { lotNo: e.lotNo }, 'RELEASED', 'CONTRACT_SIGNED', actor);
  }

  /**
   * 电子保函 are released (解除保证责任) when cash would be refunded and claimed (索赔) when cash would be forfeited, on
   * the same grounds and articles. Only a VALID guarantee changes, so an event delivered twice changes nothing twice.
   * No money moves on the platform: the issuer reads the outcome from the platform (release / claim notice).
   */
  async settleGuarantees(
    m: EntityManager,
    tender: TenderSnapshot,
    who: { bidder?: string; except?: string; lotNo?: number },
    outcome: 'RELEASED' | 'CLAIMED',
    reason: GuaranteeSettlementReason,
    actor: Actor,
  ): Promise<number> {
    const basis = GUARANTEE_SETTLEMENT_GROUNDS[reason];
    // Sealed identities (issue 17): before the deadline a guarantee's bidder is found by its blind index (a withdrawal).
    const index = async (org?: string) => (org ? await this.guarantees.blindIndex(tender.id, org) : null);
    const rows = await this.settlements.settleGuarantees(
      m,
      tender.id,
      { bidder: who.bidder ?? null, bidderBlindIndex: await index(who.bidder), except: who.except ?? null, exceptBlindIndex: await index(who.except), lotNo: who.lotNo ?? null },
      outcome,
      reason,
      basis,
    );
    for (const g of rows) {
      await this.audit.append(m, {
        actor,
        action: outcome === 'RELEASED' ? 'BID_GUARANTEE_RELEASED' : 'BID_GUARANTEE_CLAIMED',
        objectType: 'bid_guarantee',
        objectId: g.id,
        stream: auditStream('bid-guarantee', g.id),
        sealedUntilOpeningOf: tender.id,
        data: { guaranteeNo: g.guaranteeNo, reason, legalBasis: basis, ...(tender.opened ? { bidderOrganizationId: g.bidderOrganizationId } : {}) },
      });
    }
    return rows.length;
  }

  /**
   * Makes a held account REFUND_DUE: its held payments are earmarked for one refund due by the legal deadline.
   * Nothing happens to an account that is already settled or holds nothing.
   */
  async settle(m: EntityManager, tender: TenderSnapshot, account: AccountRow, reason: RefundReason, periodStart: Date, actor: Actor): Promise<string | null> {
    const locked = await this.store.accountById(m, account.id, true);
    if (!locked || locked.status !== 'HELD') return null;
    const held = await this.store.heldPayments(m, locked.id, true);
    if (held.length === 0) return null;
    const refundId = await this.planner.plan(m, {
      accountId: locked.id,
      tenderId: tender.id,
      regime: tender.regime,
      reason,
      periodStart,
      payments: held,
      actor,
      tenderOpened: tender.opened,
    });
    await this.settlements.markRefundDue(m, locked.id, refundId);
    return refundId;
  }

  /**
   * Keeps the security (at most the required amount, from the earliest payments) and plans the refund of anything
   * paid beyond it. Only a held account can be forfeited.
   */
  async forfeit(m: EntityManager, tender: TenderSnapshot, account: AccountRow, ground: ForfeitureGround, actor: Actor): Promise<boolean> {
    const locked = await this.store.accountById(m, account.id, true);
    if (!locked || locked.status !== 'HELD') return false;
    const held = await this.store.heldPayments(m, locked.id, true);
    if (held.length === 0) return false;
    const { forfeitedById, kept } = await this.keepSecurity(m, tender, locked, held, ground);
    await this.settlements.markForfeited(m, locked.id, ground);
    const refundId = await this.refundSurplus(m, tender, locked, held, forfeitedById, actor);
    await this.audit.append(m, {
      actor,
      action: 'BID_SECURITY_FORFEITED',
      objectType: 'bid_security_account',
      objectId: locked.id,
      ...securityAuditScope(tender.id, locked.id),
      data: {
        ground,
        legalBasis: FORFEITURE_GROUNDS[ground],
        ...(tender.opened ? { bidderOrganizationId: locked.bidderOrganizationId, forfeited: fromFen(kept), surplusRefundId: refundId } : {}),
      },
    });
    this.logger.log(`bid security forfeited (${ground}) on tender ${tender.id}`);
    return true;
  }

  /** Keeps at most the security of the account's own lot, from the earliest payments, and posts it to the ledger. */
  private async keepSecurity(
    m: EntityManager,
    tender: TenderSnapshot,
    locked: AccountRow,
    held: PaymentRow[],
    ground: ForfeitureGround,
  ): Promise<{ forfeitedById: Map<string, string>; kept: bigint }> {
    const lot = (await this.store.forLot(m, tender, locked.lotNo)) ?? tender;
    const allocation = allocateForfeiture(held, lot.bidSecurityAmount);
    let kept = 0n;
    for (const a of allocation) {
      if (toFen(a.forfeited) === 0n) continue;
      kept += toFen(a.forfeited);
      await this.settlements.setForfeitedAmount(m, a.id, a.forfeited);
    }
    if (kept > 0n) {
      await this.ledger.post(m, {
        kind: 'FORFEITURE',
        sourceType: 'account',
        sourceId: locked.id,
        tenderId: tender.id,
        lines: [
          { account: LedgerAccount.bidderDeposit(locked.virtualAccountNo), debit: fromFen(kept), memo: `不予退还 ${ground}` },
          { account: LedgerAccount.ForfeitedSecurity, credit: fromFen(kept), memo: FORFEITURE_GROUNDS[ground] },
        ],
      });
    }
    return { forfeitedById: new Map(allocation.map((a) => [a.id, a.forfeited])), kept };
  }

  /** Plans the refund of anything paid beyond what is kept; null when nothing is left. */
  private async refundSurplus(
    m: EntityManager,
    tender: TenderSnapshot,
    locked: AccountRow,
    held: PaymentRow[],
    forfeitedById: Map<string, string>,
    actor: Actor,
  ): Promise<string | null> {
    const surplus = held.map((p) => ({ ...p, forfeitedAmount: forfeitedById.get(p.id) ?? p.forfeitedAmount })).filter((p) => toFen(p.amount) > toFen(p.forfeitedAmount));
    if (!surplus.length) return null;
    return this.planner.plan(m, {
      accountId: locked.id,
      tenderId: tender.id,
      regime: tender.regime,
      reason: RefundReason.SURPLUS_AFTER_FORFEITURE,
      periodStart: tender.now,
      payments: surplus,
      actor,
      tenderOpened: tender.opened,
    });
  }

  /** The lot of the bid an event is about: the payload's, else the bid's row, else 1. */
  private async lotOfBid(m: EntityManager, e: { bidId: string; lotNo?: number }): Promise<number> {
    if (e.lotNo) return e.lotNo;
    return (await this.settlements.lotOfBid(m, e.bidId)) ?? 1;
  }

  private async requireTender(m: EntityManager, tenderId: string): Promise<TenderSnapshot> {
    const tender = await this.store.tender(m, tenderId);
    if (!tender) throw new Error(`tender ${tenderId} not found`);
    return tender;
  }
}
