import { Injectable } from '@nestjs/common';
import { Actor, SYSTEM_ACTOR } from 'src/common/auth/actor';
import { fromFen, toFen } from 'src/common/money/money';
import { AuditService } from '../../audit/audit.service';
import { NotificationsService } from '../../notifications/notifications.service';
import { securityAuditScope } from '../bid-security-audit';
import { BankAdapter } from '../bank/bank-adapter';
import { BidSecurityStore } from '../bid-security.store';
import { BidSecurityRecordsRepository } from '../bid-security-records.repository';
import { LedgerAccount } from '../ledger/ledger-accounts';
import { LedgerService } from '../ledger/ledger.service';
import { computeRefund } from '../refund-allocation';
import { IdentityKeyService } from '../../custody/identity-key.service';
import { InCallerTransaction, UseCase } from 'src/common/use-case';

/**
 * Pays a planned refund (the BID_SECURITY_REFUND timed event): in one transaction, with the refund row locked,
 * the refund journal is posted, one order per payer account goes to the bank adapter, and the refund is marked
 * SENT. A job that fires twice finds the refund SENT and does nothing; a bank failure rolls everything back and the
 * job is retried with the same idempotency keys.
 */
export interface ExecuteRefundCommand extends InCallerTransaction {
  refundId: string;
  actor?: Actor;
}

@Injectable()
export class ExecuteRefund implements UseCase<ExecuteRefundCommand, void> {
  constructor(
    private readonly store: BidSecurityStore,
    private readonly ledger: LedgerService,
    private readonly bank: BankAdapter,
    private readonly audit: AuditService,
    private readonly notifications: NotificationsService,
    private readonly identityKeys: IdentityKeyService,
    private readonly records: BidSecurityRecordsRepository,
  ) {}

  async execute({ manager: m, refundId, actor = SYSTEM_ACTOR }: ExecuteRefundCommand): Promise<void> {
    const refund = await this.store.refund(m, refundId, true);
    if (!refund || refund.status !== 'PLANNED') return;
    const account = refund.accountId ? await this.store.accountById(m, refund.accountId, true) : null;
    const tender = refund.tenderId ? await this.store.tender(m, refund.tenderId) : null;
    const payments = await this.store.paymentsOfRefund(m, refund.id);
    const refundAt = await this.records.now(m);

    const out = computeRefund(payments, { withInterest: refund.withInterest, annualRate: refund.interestRate, refundAt });
    if (toFen(out.principal) !== toFen(refund.principal)) {
      throw new Error(`refund ${refund.id}: the earmarked payments hold ${out.principal}, the refund says ${refund.principal}`);
    }
    const holding = account ? LedgerAccount.bidderDeposit(account.virtualAccountNo) : LedgerAccount.SuspenseUnmatched;
    const journalId = await this.ledger.post(m, {
      kind: 'REFUND',
      sourceType: 'refund',
      sourceId: refund.id,
      tenderId: refund.tenderId,
      lines: [
        { account: holding, debit: out.principal, memo: `退还 ${refund.reason}` },
        { account: LedgerAccount.InterestExpense, debit: out.interest, memo: '同期银行存款利息' },
        { account: LedgerAccount.BankEscrow, credit: fromFen(toFen(out.principal) + toFen(out.interest)), memo: '退款划出' },
      ],
    });

    const memo = `投标保证金退还${tender ? ` ${tender.title}` : ''}`.slice(0, 140);
    const sent: NonNullable<typeof refund.instructions> = [];
    for (const [n, i] of out.instructions.entries()) {
      const { bankReference } = await this.bank.sendRefund(m, {
        idempotencyKey: `${refund.id}-${n + 1}`,
        refundId: refund.id,
        tenderId: refund.tenderId,
        payeeAccountNo: i.payeeAccountNo,
        payeeName: i.payeeName,
        ...(i.originalTxnIds ? { originalTxnIds: i.originalTxnIds } : {}),
        principal: i.principal,
        interest: i.interest,
        amount: i.amount,
        memo,
      });
      sent.push({
        payeeAccountNo: i.payeeAccountNo,
        payeeName: i.payeeName,
        ...(i.originalTxnIds ? { originalTxnIds: i.originalTxnIds } : {}),
        principal: i.principal,
        interest: i.interest,
        amount: i.amount,
        bankReference,
      });
    }

    // Sealed identities (issue 17): before the deadline the payers are sealed to the tender's identity key, so the
    // orders name the bank's transactions only (原路退回) and are stored as they are. An order that names a payee
    // (a payment sealed in the platform tier before this change) is stored sealed in the platform tier until the deadline.
    const named = sent.some((i) => i.payeeAccountNo !== null);
    const sealed = named && refund.tenderId ? await this.identityKeys.sealsIdentities(m, refund.tenderId) : false;
    await this.records.markRefundSent(m, {
      refundId: refund.id,
      interest: out.interest,
      executedAt: refundAt,
      journalId,
      orders: sealed ? null : sent,
      ordersSealed: sealed ? this.store.sealRefundInstructions(refund.id, sent) : null,
    });
    if (account && account.status === 'REFUND_DUE' && account.currentRefundId === refund.id) {
      await this.records.markAccountRefunded(m, account.id);
    }
    const opened = tender?.opened ?? false;
    await this.audit.append(m, {
      actor,
      action: 'BID_SECURITY_REFUNDED',
      objectType: 'bid_security_refund',
      objectId: refund.id,
      ...securityAuditScope(refund.tenderId, refund.accountId),
      data: {
        reason: refund.reason,
        dueAt: refund.dueAt.toISOString(),
        onTime: refundAt < refund.dueAt, // the period ends at 24:00 of its last day
        ...(opened || !refund.tenderId ? { principal: out.principal, interest: out.interest, orders: sent.length, journalId } : {}),
      },
    });
    // The bidder is told its refund was paid. After the opening (or for no tender) in clear. Before, a message naming
    // the bidder and the tender would be one more place its bid shows (TBL Art. 22): only a refund whose recipient was
    // sealed to the identity key by the bidder's own withdrawal is told, to the inbox (issue 17, operator tier).
    const notice = {
      tenderId: refund.tenderId,
      topic: 'BID_SECURITY_REFUNDED',
      subject: '【投标保证金退还】',
      body: `投标保证金 ${out.principal} 元及利息 ${out.interest} 元已退还至基本账户（招标投标法实施条例第五十七条）。`,
      dedupeKey: `refund-${refund.id}-sent`,
    };
    if (account && (opened || !refund.tenderId)) {
      await this.notifications.enqueue(m, [{ recipientOrganizationId: account.bidderOrganizationId, ...notice }]);
    } else if (account && refund.tenderId && (await this.identityKeys.sealsIdentities(m, refund.tenderId))) {
      const sealedRecipient = await this.records.refundNoticeRecipient(m, refund.id);
      if (sealedRecipient) await this.notifications.enqueue(m, [{ ...notice, sealedRecipient }]);
    }
  }
}
