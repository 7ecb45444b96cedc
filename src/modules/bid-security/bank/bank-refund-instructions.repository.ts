import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/**
 * A refund order for the bank, as the ledger adapter writes it: the payee in clear, or sealed (then both are null), or
 * none at all for 原路退回 by transaction (`originalTxnIds`: the bank pays back its own transactions).
 */
export interface NewBankRefundInstruction {
  idempotencyKey: string;
  refundId: string;
  tenderId: string | null;
  payeeAccountNo: string | null;
  payeeName: string | null;
  principal: string;
  interest: string;
  amount: string;
  memo: string;
  payeeSealed: string | null;
  originalTxnIds: string[] | null;
}

/** Owns `bank_refund_instructions` (the outbox a bank connector drains). Every method takes the caller's EntityManager. */
@Injectable()
export class BankRefundInstructionsRepository {
  /** Inserts the order unless one with its idempotency key exists; returns the new row's id, or null when it existed. */
  async insertOnce(m: EntityManager, i: NewBankRefundInstruction): Promise<string | null> {
    const inserted: Array<{ id: string }> = await m.query(
      `INSERT INTO bank_refund_instructions
         (idempotency_key, refund_id, tender_id, payee_account_no, payee_name, principal, interest, amount, memo, payee_sealed, original_txn_ids)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (idempotency_key) DO NOTHING
       RETURNING id`,
      [i.idempotencyKey, i.refundId, i.tenderId, i.payeeAccountNo, i.payeeName, i.principal, i.interest, i.amount, i.memo, i.payeeSealed, i.originalTxnIds],
    );
    return inserted.length ? inserted[0].id : null;
  }

  /** The id of the order with this idempotency key, or null. */
  async idByKey(m: EntityManager, idempotencyKey: string): Promise<string | null> {
    const [existing]: Array<{ id: string }> = await m.query(`SELECT id FROM bank_refund_instructions WHERE idempotency_key = $1`, [idempotencyKey]);
    return existing?.id ?? null;
  }
}
