import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { BankAdapter, RefundInstruction } from './bank-adapter';

/** The file/ledger bank adapter: refund instructions become rows of bank_refund_instructions, once per key. */
@Injectable()
export class LedgerBankAdapter extends BankAdapter {
  async sendRefund(m: EntityManager, i: RefundInstruction): Promise<{ bankReference: string }> {
    const inserted: Array<{ id: string }> = await m.query(
      `INSERT INTO bank_refund_instructions
         (idempotency_key, refund_id, tender_id, payee_account_no, payee_name, principal, interest, amount, memo)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (idempotency_key) DO NOTHING
       RETURNING id`,
      [i.idempotencyKey, i.refundId, i.tenderId, i.payeeAccountNo, i.payeeName, i.principal, i.interest, i.amount, i.memo],
    );
    if (inserted.length) return { bankReference: inserted[0].id };
    const [existing]: Array<{ id: string }> = await m.query(
      `SELECT id FROM bank_refund_instructions WHERE idempotency_key = $1`,
      [i.idempotencyKey],
    );
    return { bankReference: existing.id };
  }
}
