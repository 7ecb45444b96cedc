import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { normalizeMoney } from 'src/common/money/money';
import type { PaymentClassification } from './bid-security.types';
import { PaymentRow, RefundOrder, toPayment } from './bid-security.store';
import type { BidSecurityPaymentDbRow } from './bid-security-rows.repository';

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

/** A sub-account owner as the after-opening list names it. */
export interface AccountOwnerRow {
  id: string;
  name: string;
  uscc: string;
  basicAccountNo: string;
}

/** The record side of a tender's reconciliation (decimal strings). */
export interface ReconciliationTotals {
  received: string;
  paidOut: string;
  stillHeld: string;
  forfeited: string;
  interest: string;
}

/** What the collusion flags read (TBR Art. 40(6); TBR Art. 26): one row per matched payment. */
export interface PayerRecord {
  bidderOrganizationId: string;
  virtualAccountNo: string;
  txnId: string;
  amount: string;
  payerAccountNo: string;
  payerName: string;
  basicAccountNo: string;
  payerIsBasicAccount: boolean;
  paidAt: string;
  classification: string;
}

/** A payment to no known sub-account, and whether it went back. */
export interface UnmatchedPaymentRow {
  txnId: string;
  virtualAccountNo: string;
  amount: string;
  payerAccountNo: string;
  payerName: string;
  paidAt: Date;
  receivedAt: Date;
  refundStatus: string | null;
  dueAt: Date | null;
  executedAt: Date | null;
}

/**
 * The statements of the bank-notification and refund-execution use cases and of the after-opening views on
 * bid_security_accounts, bid_security_payments and bid_security_refunds. Some are read models over other modules'
 * tables, declared as such: `lockTenderShared` (tenders), `accountOwners` and `payerRecords` (organizations). Every
 * method takes the caller's EntityManager (its transaction).
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
    const rows: BidSecurityPaymentDbRow[] = await m.query(
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

  /** The refund notice's recipient sealed to the identity key at the withdrawal (issue 17), or null. */
  async refundNoticeRecipient(m: EntityManager, refundId: string): Promise<{ sealed: string; userIndex: string; orgIndex: string | null } | null> {
    const [row]: Array<{ notice_recipient_sealed: { sealed: string; userIndex: string; orgIndex: string | null } | null }> = await m.query(
      `SELECT notice_recipient_sealed FROM bid_security_refunds WHERE id = $1`,
      [refundId],
    );
    return row?.notice_recipient_sealed ?? null;
  }

  async markAccountRefunded(m: EntityManager, accountId: string): Promise<void> {
    await m.query(`UPDATE bid_security_accounts SET status = 'REFUNDED', updated_at = now() WHERE id = $1`, [accountId]);
  }

  /** Read model (organizations): the named owners of the tender's sub-accounts (after the opening). */
  async accountOwners(m: EntityManager, tenderId: string): Promise<AccountOwnerRow[]> {
    const orgs: Array<{ id: string; name: string; uscc: string; basic_account_no: string }> = await m.query(
      `SELECT o.id, o.name, o.uscc, o.basic_account_no FROM organizations o
         JOIN bid_security_accounts a ON a.bidder_organization_id = o.id WHERE a.tender_id = $1`,
      [tenderId],
    );
    return orgs.map((o) => ({ id: o.id, name: o.name, uscc: o.uscc, basicAccountNo: o.basic_account_no }));
  }

  /** What the records say a tender's ledger should hold. */
  async reconciliationTotals(m: EntityManager, tenderId: string): Promise<ReconciliationTotals> {
    const [rec]: Array<Record<string, string>> = await m.query(
      `SELECT
         (SELECT coalesce(sum(amount), 0)::text FROM bid_security_payments WHERE tender_id = $1) AS received,
         (SELECT coalesce(sum(principal + coalesce(interest, 0)), 0)::text FROM bid_security_refunds
            WHERE tender_id = $1 AND status = 'SENT') AS paid_out,
         (SELECT coalesce(sum(p.amount - p.forfeited_amount), 0)::text FROM bid_security_payments p
            LEFT JOIN bid_security_refunds r ON r.id = p.refund_id
            WHERE p.tender_id = $1 AND (r.id IS NULL OR r.status = 'PLANNED')) AS still_held,
         (SELECT coalesce(sum(forfeited_amount), 0)::text FROM bid_security_payments WHERE tender_id = $1) AS forfeited,
         (SELECT coalesce(sum(interest), 0)::text FROM bid_security_refunds WHERE tender_id = $1 AND status = 'SENT') AS interest`,
      [tenderId],
    );
    return { received: rec.received, paidOut: rec.paid_out, stillHeld: rec.still_held, forfeited: rec.forfeited, interest: rec.interest };
  }

  /** Read model (organizations): the payer of every matched payment, with the bidder's registered basic account. */
  async payerRecords(m: EntityManager, tenderId: string): Promise<PayerRecord[]> {
    const rows: Array<Record<string, unknown>> = await m.query(
      `SELECT p.bidder_organization_id, p.virtual_account_no, p.txn_id, p.amount::text AS amount, p.payer_account_no,
              p.payer_name, o.basic_account_no, p.payer_is_basic_account, p.paid_at, p.classification
       FROM bid_security_payments p JOIN organizations o ON o.id = p.bidder_organization_id
       WHERE p.tender_id = $1 ORDER BY p.received_at, p.id`,
      [tenderId],
    );
    return rows.map((r) => ({
      bidderOrganizationId: r.bidder_organization_id as string,
      virtualAccountNo: r.virtual_account_no as string,
      txnId: r.txn_id as string,
      amount: normalizeMoney(r.amount as string),
      payerAccountNo: r.payer_account_no as string,
      payerName: r.payer_name as string,
      basicAccountNo: r.basic_account_no as string,
      payerIsBasicAccount: r.payer_is_basic_account as boolean,
      paidAt: new Date(r.paid_at as string).toISOString(),
      classification: r.classification as string,
    }));
  }

  /** Money to unknown sub-accounts received and not yet returned (decimal string). */
  async unmatchedHeld(m: EntityManager): Promise<string> {
    const [{ held }]: Array<{ held: string }> = await m.query(
      `SELECT coalesce(sum(p.amount), 0)::text AS held FROM bid_security_payments p
       LEFT JOIN bid_security_refunds r ON r.id = p.refund_id
       WHERE p.classification = 'UNMATCHED' AND (r.id IS NULL OR r.status = 'PLANNED')`,
    );
    return held;
  }

  async countUnmatched(m: EntityManager): Promise<number> {
    const [{ total }]: Array<{ total: number }> = await m.query(`SELECT count(*)::int AS total FROM bid_security_payments WHERE classification = 'UNMATCHED'`);
    return total;
  }

  /** A page of the payments to unknown sub-accounts, newest first, with their return. */
  async unmatchedPage(m: EntityManager, page: number, pageSize: number): Promise<UnmatchedPaymentRow[]> {
    const rows: Array<Record<string, unknown>> = await m.query(
      `SELECT p.*, r.status AS refund_status, r.due_at, r.executed_at FROM bid_security_payments p
       LEFT JOIN bid_security_refunds r ON r.id = p.refund_id
       WHERE p.classification = 'UNMATCHED' ORDER BY p.received_at DESC, p.id LIMIT $1 OFFSET $2`,
      [pageSize, (page - 1) * pageSize],
    );
    return rows.map((r) => ({
      txnId: r.txn_id as string,
      virtualAccountNo: r.virtual_account_no as string,
      amount: normalizeMoney(String(r.amount)),
      payerAccountNo: r.payer_account_no as string,
      payerName: r.payer_name as string,
      paidAt: new Date(r.paid_at as string),
      receivedAt: new Date(r.received_at as string),
      refundStatus: (r.refund_status as string | null) ?? null,
      dueAt: r.due_at ? new Date(r.due_at as string) : null,
      executedAt: r.executed_at ? new Date(r.executed_at as string) : null,
    }));
  }
}
