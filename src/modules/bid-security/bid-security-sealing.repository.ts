import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { RefundOrder } from './bid-security.store';

/** A sub-account to open for the bidder (sealed identities, issue 17: no owner in clear while the tender seals them). */
export interface NewAccountRow {
  tenderId: string;
  lotNo: number;
  virtualAccountNo: string;
  bidderOrganizationId: string | null;
  bidderBlindIndex: string | null;
  ownerSealed: string | null;
  /** Keyed digest of the bidder's basic account (TBR Art. 26), compared with the payer's by the bank notifications. */
  basicAccountDigest: string | null;
}

export interface SealedAccountRow {
  id: string;
  tenderId: string;
  virtualAccountNo: string;
  ownerSealed: string;
}

export interface SealedPaymentRow {
  id: string;
  txnId: string;
  /** The bidder, when the payment was sealed in the platform tier with it (rows written before). */
  bidderOrganizationId: string | null;
  payerSealed: string;
}

export interface SealedRefundRow {
  id: string;
  instructions: RefundOrder[] | null;
  instructionsSealed: string | null;
}

export interface SealedBankOrderRow {
  id: string;
  idempotencyKey: string;
  payeeSealed: string | null;
  originalTxnIds: string[] | null;
}

export interface Payee {
  payeeAccountNo: string;
  payeeName: string;
}

/**
 * The statements that write and unseal the sealed identities of bid security (issue 17): the sub-account's owner and
 * basic-account digest, the payers, the refunds' orders and the bank outbox's payees. Every method takes the caller's
 * EntityManager (its transaction); the unsealing ones lock what they return (the deadline holds the tender's lock).
 */
@Injectable()
export class BidSecuritySealingRepository {
  /** A new sub-account; null when its number (or the bidder's account on the lot) exists already. */
  async insertAccount(m: EntityManager, a: NewAccountRow): Promise<string | null> {
    const inserted: Array<{ id: string }> = await m.query(
      `INSERT INTO bid_security_accounts (tender_id, bidder_organization_id, virtual_account_no, lot_no, bidder_blind_index, owner_sealed, basic_account_digest)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING id`,
      [a.tenderId, a.bidderOrganizationId, a.virtualAccountNo, a.lotNo, a.bidderBlindIndex, a.ownerSealed, a.basicAccountDigest],
    );
    return inserted[0]?.id ?? null;
  }

  async sealedAccounts(m: EntityManager, tenderId: string): Promise<SealedAccountRow[]> {
    const rows: Array<{ id: string; tender_id: string; virtual_account_no: string; owner_sealed: string }> = await m.query(
      `SELECT id, tender_id, virtual_account_no, owner_sealed FROM bid_security_accounts
       WHERE tender_id = $1 AND bidder_organization_id IS NULL AND owner_sealed IS NOT NULL ORDER BY id FOR UPDATE`,
      [tenderId],
    );
    return rows.map((r) => ({ id: r.id, tenderId: r.tender_id, virtualAccountNo: r.virtual_account_no, ownerSealed: r.owner_sealed }));
  }

  async setAccountOwner(m: EntityManager, accountId: string, organizationId: string): Promise<void> {
    await m.query(`UPDATE bid_security_accounts SET bidder_organization_id = $2 WHERE id = $1`, [accountId, organizationId]);
  }

  async sealedPayments(m: EntityManager, tenderId: string): Promise<SealedPaymentRow[]> {
    const rows: Array<{ id: string; txn_id: string; bidder_organization_id: string | null; payer_sealed: string }> = await m.query(
      `SELECT id, txn_id, bidder_organization_id, payer_sealed FROM bid_security_payments
       WHERE tender_id = $1 AND payer_account_no IS NULL AND payer_sealed IS NOT NULL ORDER BY id FOR UPDATE`,
      [tenderId],
    );
    return rows.map((r) => ({ id: r.id, txnId: r.txn_id, bidderOrganizationId: r.bidder_organization_id, payerSealed: r.payer_sealed }));
  }

  /**
   * The payer in clear, and the bidder: the one the seal named (rows sealed in the platform tier), else the owner of
   * the sub-account it was paid to (unsealed first, in the same transaction).
   */
  async setPayer(m: EntityManager, paymentId: string, payer: { payerAccountNo: string; payerName: string; organizationId: string | null }): Promise<void> {
    await m.query(
      `UPDATE bid_security_payments p SET payer_account_no = $2, payer_name = $3,
              bidder_organization_id = coalesce($4::uuid, (SELECT a.bidder_organization_id FROM bid_security_accounts a WHERE a.id = p.account_id))
       WHERE id = $1`,
      [paymentId, payer.payerAccountNo, payer.payerName, payer.organizationId],
    );
  }

  /** Refunds paid before the deadline whose orders name no payee in clear: sealed (platform tier) or by transaction (原路退回). */
  async refundsWithoutPayees(m: EntityManager, tenderId: string): Promise<SealedRefundRow[]> {
    const rows: Array<{ id: string; instructions: RefundOrder[] | null; instructions_sealed: string | null }> = await m.query(
      `SELECT id, instructions, instructions_sealed FROM bid_security_refunds
       WHERE tender_id = $1 AND ((instructions IS NULL AND instructions_sealed IS NOT NULL) OR jsonb_path_exists(instructions, '$[*] ? (@.payeeAccountNo == null)'))
       ORDER BY id FOR UPDATE`,
      [tenderId],
    );
    return rows.map((r) => ({ id: r.id, instructions: r.instructions, instructionsSealed: r.instructions_sealed }));
  }

  async setRefundOrders(m: EntityManager, refundId: string, orders: RefundOrder[]): Promise<void> {
    await m.query(`UPDATE bid_security_refunds SET instructions = $2, instructions_sealed = NULL WHERE id = $1`, [refundId, JSON.stringify(orders)]);
  }

  /** Who paid a bank transaction (in clear once unsealed; null when unknown or still sealed). */
  async payerOfTransaction(m: EntityManager, txnId: string): Promise<Payee | null> {
    const [p]: Array<{ payer_account_no: string | null; payer_name: string | null }> = await m.query(
      `SELECT payer_account_no, payer_name FROM bid_security_payments WHERE txn_id = $1`,
      [txnId],
    );
    return p?.payer_account_no && p.payer_name ? { payeeAccountNo: p.payer_account_no, payeeName: p.payer_name } : null;
  }

  async bankOrdersWithoutPayees(m: EntityManager, tenderId: string): Promise<SealedBankOrderRow[]> {
    const rows: Array<{ id: string; idempotency_key: string; payee_sealed: string | null; original_txn_ids: string[] | null }> = await m.query(
      `SELECT id, idempotency_key, payee_sealed, original_txn_ids FROM bank_refund_instructions
       WHERE tender_id = $1 AND payee_account_no IS NULL AND (payee_sealed IS NOT NULL OR original_txn_ids IS NOT NULL) ORDER BY id FOR UPDATE`,
      [tenderId],
    );
    return rows.map((r) => ({ id: r.id, idempotencyKey: r.idempotency_key, payeeSealed: r.payee_sealed, originalTxnIds: r.original_txn_ids }));
  }

  async setBankOrderPayee(m: EntityManager, orderId: string, payee: Payee): Promise<void> {
    await m.query(`UPDATE bank_refund_instructions SET payee_account_no = $2, payee_name = $3, payee_sealed = NULL WHERE id = $1`, [
      orderId,
      payee.payeeAccountNo,
      payee.payeeName,
    ]);
  }
}
