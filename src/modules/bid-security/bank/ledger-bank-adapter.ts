import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { IdentityKeyService } from '../../custody/identity-key.service';
import { BidSecurityStore } from '../bid-security.store';
import { BankAdapter, RefundInstruction } from './bank-adapter';

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
  ) {
    super();
  }

  async sendRefund(m: EntityManager, i: RefundInstruction): Promise<{ bankReference: string }> {
    // 原路退回 by transaction (payer sealed to the identity key): no payee to store, the bank knows its payers.
    const byTxn = i.payeeAccountNo === null;
    const sealed = !byTxn && i.tenderId ? await this.identityKeys.sealsIdentities(m, i.tenderId) : false;
    const inserted: Array<{ id: string }> = await m.query(
      `INSERT INTO bank_refund_instructions
         (idempotency_key, refund_id, tender_id, payee_account_no, payee_name, principal, interest, amount, memo, payee_sealed, original_txn_ids)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (idempotency_key) DO NOTHING
       RETURNING id`,
      [
        i.idempotencyKey,
        i.refundId,
        i.tenderId,
        sealed ? null : i.payeeAccountNo,
        sealed ? null : i.payeeName,
        i.principal,
        i.interest,
        i.amount,
        i.memo,
        sealed ? this.store.sealPayee(i.idempotencyKey, { payeeAccountNo: i.payeeAccountNo!, payeeName: i.payeeName! }) : null,
        byTxn ? (i.originalTxnIds ?? []) : null,
      ],
    );
    if (inserted.length) return { bankReference: inserted[0].id };
    const [existing]: Array<{ id: string }> = await m.query(`SELECT id FROM bank_refund_instructions WHERE idempotency_key = $1`, [i.idempotencyKey]);
    return { bankReference: existing.id };
  }
}
