import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { PaymentClassification } from './bid-security.types';
import { PaymentRow, RefundOrder, toPayment } from './bid-security.store';

/** One payment as the bank notified it, with what the platform decided (sealed: payer and bidder NULL, `payerSealed`). */
export interface NewPaymentRow {
  txnId: string;
  bodySha256: string;
  virtualAccountNo: string;
  accountId: string | null;
  tenderId: string | null;
  bidderOrganizationId: string | null;
  amount: string;
  payerAccountNo: string | null;
  payerName: string | null;
  payerIsBasicAccount: boolean | null;
  paidAt: Date;
  /** Null: the database clock at the insert. */
  receivedAt: Date | null;
  classification: PaymentClassification;
  payerSealed: string | null;
}

/**
 * The statements of the bank-notification and refund-execution use cases on bid_security_accounts,
 * bid_security_payments and bid_security_refunds. One is a read model over another module's table, declared as such:
 * `lockTenderShared` (tenders). Every method takes the caller's EntityManager (its transaction).
 */
@Injectable()
export class BidSecurityRecordsRepository {
  /** The sub-account a bank notification is for, by its virtual account number. */
  async accountByVirtualAccountNo(m: EntityManager, virtualAccountNo: string): Promise<{ id: string; tenderId: string } | null> {
    const [known]: Array<{ id: string; tender_id: string }> = await m.query(`SELECT id, tender_id FROM bid_security_accounts WHERE virtual_account_no = $1`, [virtualAccountNo]);
    return known ? { id: known.id, tenderId: known.tender_id } : null;
  }

  /** Read model (tenders): the tender's share lock, so that a payment and the deadline transition do not interleave. */
  async lockTenderShared(m: EntityManager, tenderId: string): Promise<void> {
    await m.query(`SELECT 1 FROM tenders WHERE id = $1 FOR SHARE`, [tenderId]);
  }

  /** Paying again after a withdrawal, while bids are still open: the account holds security again. */
  async holdAgain(m: EntityManager, accountId: string): Promise<void> {
    await m.query(`UPDATE bid_security_accounts SET status = 'HELD', current_refund_id = NULL, updated_at = now() WHERE id = $1`, [accountId]);
  }

  /** Inserts the payment once per bank transaction: null when the txnId is known (a copy won the unique index). */
  async insertPayment(m: EntityManager, p: NewPaymentRow): Promise<PaymentRow | null> {
    const rows: Array<Record<string, unknown>> = await m.query(
      `INSERT INTO bid_security_payments (txn_id, body_sha256, virtual_account_no, account_id, tender_id, bidder_organization_id,
                                          amount, payer_account_no, payer_name, payer_is_basic_account, paid_at, received_at,
                                          classification, payer_sealed)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, coalesce($12, clock_timestamp()), $13, $14)
       ON CONFLICT (txn_id) DO NOTHING
       RETURNING *`,
      [
        p.txnId,
        p.bodySha256,
        p.virtualAccountNo,
        p.accountId,
        p.tenderId,
        p.bidderOrganizationId,
        p.amount,
        p.payerAccountNo,
        p.payerName,
        p.payerIsBasicAccount,
        p.paidAt,
        p.receivedAt,
        p.classification,
        p.payerSealed,
      ],
    );
    return rows.length ? toPayment(rows[0]) : null;
  }

  /** The SHA-256 of the body a bank transaction was first notified with, or null when unknown. */
  async bodyDigestOfTransaction(m: EntityManager, txnId: string): Promise<string | null> {
    const [row]: Array<{ body_sha256: string }> = await m.query(`SELECT body_sha256 FROM bid_security_payments WHERE txn_id = $1`, [txnId]);
    return row?.body_sha256 ?? null;
  }

  /** The database clock (the only clock that decides). */
  async now(m: EntityManager): Promise<Date> {
    const [{ now }]: Array<{ now: Date }> = await m.query(`SELECT clock_timestamp() AS now`);
    return new Date(now);
  }

  /** A refund paid: its orders stored in clear (`orders`) or sealed in the platform tier (`ordersSealed`). */
  async markRefundSent(
    m: EntityManager,
    r: { refundId: string; interest: string; executedAt: Date; journalId: string; orders: RefundOrder[] | null; ordersSealed: string | null },
  ): Promise<void> {
    await m.query(
      `UPDATE bid_security_refunds SET status = 'SENT', interest = $2, executed_at = $3, journal_id = $4, instructions = $5,
              instructions_sealed = $6
       WHERE id = $1`,
      [r.refundId, r.interest, r.executedAt, r.journalId, r.orders === null ? null : JSON.stringify(r.orders), r.ordersSealed],
    );
  }

  async markAccountRefunded(m: EntityManager, accountId: string): Promise<void> {
    await m.query(`UPDATE bid_security_accounts SET status = 'REFUNDED', updated_at = now() WHERE id = $1`, [accountId]);
  }
}
