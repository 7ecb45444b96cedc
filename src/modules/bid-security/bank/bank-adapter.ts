import { type EntityManager } from 'typeorm';

/** One payment order: pay `amount` to the account the money came from. */
export interface RefundInstruction {
  /** Stable across retries: the bank must execute an order with a key it has seen once only. */
  idempotencyKey: string;
  refundId: string;
  tenderId: string | null;
  /**
   * Null when the platform cannot read the payer (sealed to the tender's identity key before the deadline, issue 17):
   * the order then names the bank's own transactions (`originalTxnIds`) and the bank pays back to their payer (原路退回).
   */
  payeeAccountNo: string | null;
  payeeName: string | null;
  originalTxnIds?: string[];
  principal: string;
  interest: string;
  amount: string;
  /** The remittance note, e.g. 投标保证金退还 <tender title>. */
  memo: string;
}

/**
 * The bank, seen from the platform: where refund instructions go. The default implementation writes them to the
 * bank_refund_instructions table (an outbox a bank connector or a daily file export drains) in the caller's
 * transaction, so an instruction exists exactly when the ledger says the money went. A real bank's API plugs in
 * behind this class; it must honour the idempotency key, because a refund whose transaction rolls back after the
 * call is retried with the same key. Tests replace it with a fake: it is the outside world.
 */
export abstract class BankAdapter {
  abstract sendRefund(manager: EntityManager, instruction: RefundInstruction): Promise<{ bankReference: string }>;
}
