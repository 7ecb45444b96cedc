import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { IdentityKeyService } from '../../custody/identity-key.service';
import { BidSecurityStore } from '../bid-security.store';
import { BankAdapter, RefundInstruction } from './bank-adapter';
import { BankRefundInstructionsRepository } from './bank-refund-instructions.repository';

/**
 * The file/ledger bank adapter: refund instructions become rows of bank_refund_instructions, once per key.
 * Sealed identities (issue 17): an order written before the deadline of a tender that seals identities stores the
 * payee (account and name) sealed under a platform key; the bid-security deadline hook fills them in clear. A bank
 * connector draining the outbox before the deadline opens them with `BidSecurityStore.openPayee`. An order whose payer
 * is sealed to the tender's identity key stores no payee at all but `original_txn_ids` (原路退回: the bank pays back
 * to the payer of its own transactions).
 */
@Injectable()
export class LedgerBankAdapter extends BankAdapter {
  constructor(
    private readonly store: BidSecurityStore,
    private readonly identityKeys: IdentityKeyService,
    private readonly instructions: BankRefundInstructionsRepository,
  ) {
    super();
  }

  async sendRefund(m: EntityManager, i: RefundInstruction): Promise<{ bankReference: string }> {
    // 原路退回 by transaction (payer sealed to the identity key): no payee to store, the bank knows its payers.
    const byTxn = i.payeeAccountNo === null;
    const sealed = !byTxn && i.tenderId ? await this.identityKeys.sealsIdentities(m, i.tenderId) : false;
    const inserted = await this.instructions.insertOnce(m, {
      idempotencyKey: i.idempotencyKey,
      refundId: i.refundId,
      tenderId: i.tenderId,
      payeeAccountNo: sealed ? null : i.payeeAccountNo,
      payeeName: sealed ? null : i.payeeName,
      principal: i.principal,
      interest: i.interest,
      amount: i.amount,
      memo: i.memo,
      payeeSealed: sealed ? this.store.sealPayee(i.idempotencyKey, { payeeAccountNo: i.payeeAccountNo!, payeeName: i.payeeName! }) : null,
      originalTxnIds: byTxn ? (i.originalTxnIds ?? []) : null,
    });
    if (inserted) return { bankReference: inserted };
    const existing = await this.instructions.idByKey(m, i.idempotencyKey);
    if (!existing) throw new Error(`bank refund instruction ${i.idempotencyKey} neither inserted nor found`);
    return { bankReference: existing };
  }
}
