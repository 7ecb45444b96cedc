import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { RefundOrder } from './bid-security.store';

/**
 * A bid_security_accounts row as stored (`SELECT *`): BidSecurityStore maps it, opening an owner sealed in the
 * platform tier (issue 17).
 */
export interface BidSecurityAccountDbRow {
  id: string;
  tender_id: string;
  lot_no: number;
  /** NULL while the owner is sealed (`owner_sealed`). */
  bidder_organization_id: string | null;
  bidder_blind_index: string | null;
  owner_sealed: string | null;
  basic_account_digest: string | null;
  virtual_account_no: string;
  status: string;
  current_refund_id: string | null;
  forfeited_at: Date | string | null;
  forfeit_reason: string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

/** A bid_security_payments row as stored (`SELECT *`); numerics are decimal strings. */
export interface BidSecurityPaymentDbRow {
  id: string;
  txn_id: string;
  body_sha256: string;
  virtual_account_no: string;
  account_id: string | null;
  tender_id: string | null;
  bidder_organization_id: string | null;
  amount: string;
  /** NULL while the payer is sealed (`payer_sealed`). */
  payer_account_no: string | null;
  payer_name: string | null;
  payer_is_basic_account: boolean | null;
  paid_at: Date | string;
  received_at: Date | string;
  classification: string;
  counted: boolean;
  refund_id: string | null;
  forfeited_amount: string;
  payer_sealed: string | null;
}

/** A bid_security_refunds row as stored (`SELECT *`); numerics are decimal strings. */
export interface BidSecurityRefundDbRow {
  id: string;
  account_id: string | null;
  tender_id: string | null;
  reason: string;
  legal_basis: string;
  period_days: number;
  period_unit: string;
  period_start: Date | string;
  due_at: Date | string;
  with_interest: boolean;
  interest_rate: string | null;
  principal: string;
  interest: string | null;
  status: string;
  journal_id: string | null;
  /** NULL while the orders are sealed (`instructions_sealed`). */
  instructions: RefundOrder[] | null;
  instructions_sealed: string | null;
  executed_at: Date | string | null;
  created_at: Date | string;
}

/** What bid security reads of a tender (tenders), with the database clock at the moment of reading. */
export interface BidSecurityTenderDbRow {
  id: string;
  title: string;
  status: string;
  regime: string;
  procuring_entity_id: string;
  bid_deadline: Date | string;
  bid_security_amount: string;
  bid_security_forms: string[] | null;
  bid_validity_days: number;
  /** 'YYYY-MM-DD', or NULL when computed from the deadline and `bid_validity_days`. */
  bid_validity_ends_on: string | null;
  now: Date | string;
}

/**
 * The reads of BidSecurityStore on bid_security_accounts, bid_security_payments and bid_security_refunds, returned
 * as stored (the store maps them and opens what the platform tier sealed). One is a read model over another module's
 * table, declared as such: `tender` (tenders). `lock` adds `FOR UPDATE`. Every method takes the caller's
 * EntityManager (its transaction).
 */
@Injectable()
export class BidSecurityRowsRepository {
  /** Read model (tenders): what bid security needs of the tender, with the database clock; null when there is no such tender. */
  async tender(m: EntityManager, tenderId: string): Promise<BidSecurityTenderDbRow | null> {
    const rows: BidSecurityTenderDbRow[] = await m.query(
      `SELECT id, title, status, regime, procuring_entity_id, bid_deadline, bid_security_amount::text AS bid_security_amount,
              bid_security_forms, bid_validity_days, bid_validity_ends_on::text AS bid_validity_ends_on, clock_timestamp() AS now
       FROM tenders WHERE id = $1`,
      [tenderId],
    );
    return rows[0] ?? null;
  }

  /** The bidder's sub-account for a lot, found by the bidder in clear or by its blind index while sealed. */
  async accountFor(
    m: EntityManager,
    q: { tenderId: string; bidderOrganizationId: string; bidderBlindIndex: string; lotNo: number },
    lock = false,
  ): Promise<BidSecurityAccountDbRow | null> {
    const rows: BidSecurityAccountDbRow[] = await m.query(
      `SELECT * FROM bid_security_accounts WHERE tender_id = $1 AND (bidder_organization_id = $2 OR bidder_blind_index = $3) AND lot_no = $4 ${lock ? 'FOR UPDATE' : ''}`,
      [q.tenderId, q.bidderOrganizationId, q.bidderBlindIndex, q.lotNo],
    );
    return rows[0] ?? null;
  }

  async accountById(m: EntityManager, id: string, lock = false): Promise<BidSecurityAccountDbRow | null> {
    const rows: BidSecurityAccountDbRow[] = await m.query(`SELECT * FROM bid_security_accounts WHERE id = $1 ${lock ? 'FOR UPDATE' : ''}`, [id]);
    return rows[0] ?? null;
  }

  /** Every sub-account of a tender, in id order (the order every settlement locks them in). */
  async accountsOfTender(m: EntityManager, tenderId: string, lock = false): Promise<BidSecurityAccountDbRow[]> {
    return m.query(`SELECT * FROM bid_security_accounts WHERE tender_id = $1 ORDER BY id ${lock ? 'FOR UPDATE' : ''}`, [tenderId]);
  }

  async paymentsOfAccount(m: EntityManager, accountId: string): Promise<BidSecurityPaymentDbRow[]> {
    return m.query(`SELECT * FROM bid_security_payments WHERE account_id = $1 ORDER BY received_at, id`, [accountId]);
  }

  /** Counted payments not yet earmarked for a refund or forfeited: the security the account holds. */
  async heldPayments(m: EntityManager, accountId: string, lock = false): Promise<BidSecurityPaymentDbRow[]> {
    return m.query(
      `SELECT * FROM bid_security_payments
       WHERE account_id = $1 AND counted AND refund_id IS NULL AND forfeited_amount = 0
       ORDER BY received_at, id ${lock ? 'FOR UPDATE' : ''}`,
      [accountId],
    );
  }

  async paymentsOfRefund(m: EntityManager, refundId: string): Promise<BidSecurityPaymentDbRow[]> {
    return m.query(`SELECT * FROM bid_security_payments WHERE refund_id = $1 ORDER BY received_at, id`, [refundId]);
  }

  async refund(m: EntityManager, id: string, lock = false): Promise<BidSecurityRefundDbRow | null> {
    const rows: BidSecurityRefundDbRow[] = await m.query(`SELECT * FROM bid_security_refunds WHERE id = $1 ${lock ? 'FOR UPDATE' : ''}`, [id]);
    return rows[0] ?? null;
  }

  async refundsOfAccount(m: EntityManager, accountId: string): Promise<BidSecurityRefundDbRow[]> {
    return m.query(`SELECT * FROM bid_security_refunds WHERE account_id = $1 ORDER BY created_at, id`, [accountId]);
  }
}
