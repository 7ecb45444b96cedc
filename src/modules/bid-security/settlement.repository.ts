import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/** A guarantee settled (released or claimed) by `settleGuarantees`. */
export interface SettledGuaranteeRow {
  id: string;
  guaranteeNo: string;
  /** Null while the bidder's identity is sealed (issue 17). */
  bidderOrganizationId: string | null;
}

/** Which VALID guarantees of a tender to settle: a bidder's, everyone's but one, of one lot (each optional). */
export interface GuaranteeSelection {
  bidder: string | null;
  bidderBlindIndex: string | null;
  except: string | null;
  exceptBlindIndex: string | null;
  lotNo: number | null;
}

/** A refund planned with its legal period (regulations.md §1.4). */
export interface NewRefund {
  accountId: string | null;
  tenderId: string | null;
  reason: string;
  legalBasis: string;
  periodDays: number;
  periodUnit: string;
  periodStart: Date;
  dueAt: Date;
  withInterest: boolean;
  interestRate: string | null;
  principal: string;
}

/**
 * The settlement's statements on the bid-security tables (bid_guarantees, bid_security_accounts,
 * bid_security_payments, bid_security_refunds), beside BidSecurityStore, and one declared read model (bids).
 * Every method takes the caller's EntityManager (its transaction).
 */
@Injectable()
export class SettlementRepository {
  /**
   * Settles the selected VALID guarantees of the tender (locked in id order) with the outcome, reason and article;
   * returns them in id order.
   */
  async settleGuarantees(
    m: EntityManager,
    tenderId: string,
    who: GuaranteeSelection,
    outcome: 'RELEASED' | 'CLAIMED',
    reason: string,
    legalBasis: string,
  ): Promise<SettledGuaranteeRow[]> {
    const rows: Array<{ id: string; guarantee_no: string; bidder_organization_id: string | null }> = await m.query(
      `WITH settled AS (
         UPDATE bid_guarantees SET status = $2, settled_at = clock_timestamp(), settlement_reason = $3, legal_basis = $4
         WHERE id IN (SELECT id FROM bid_guarantees WHERE tender_id = $1 AND status = 'VALID'
                        AND ($5::uuid IS NULL OR bidder_organization_id = $5 OR bidder_blind_index = $8)
                        AND ($6::uuid IS NULL OR NOT (bidder_organization_id IS NOT DISTINCT FROM $6 OR bidder_blind_index IS NOT DISTINCT FROM $9))
                        AND ($7::int IS NULL OR lot_no = $7)
                      ORDER BY id FOR UPDATE)
         RETURNING id, guarantee_no, bidder_organization_id)
       SELECT * FROM settled ORDER BY id`,
      [tenderId, outcome, reason, legalBasis, who.bidder, who.except, who.lotNo, who.bidderBlindIndex, who.exceptBlindIndex],
    );
    return rows.map((g) => ({ id: g.id, guaranteeNo: g.guarantee_no, bidderOrganizationId: g.bidder_organization_id }));
  }

  /** HELD → REFUND_DUE, pointing at the refund planned for it. */
  async markRefundDue(m: EntityManager, accountId: string, refundId: string | null): Promise<void> {
    await m.query(`UPDATE bid_security_accounts SET status = 'REFUND_DUE', current_refund_id = $2, updated_at = now() WHERE id = $1`, [accountId, refundId]);
  }

  /** The part of a payment kept on forfeiture. */
  async setForfeitedAmount(m: EntityManager, paymentId: string, forfeited: string): Promise<void> {
    await m.query(`UPDATE bid_security_payments SET forfeited_amount = $2 WHERE id = $1`, [paymentId, forfeited]);
  }

  /** HELD → FORFEITED with its ground, now (database clock). */
  async markForfeited(m: EntityManager, accountId: string, ground: string): Promise<void> {
    await m.query(
      `UPDATE bid_security_accounts SET status = 'FORFEITED', forfeited_at = clock_timestamp(), forfeit_reason = $2, updated_at = now()
       WHERE id = $1`,
      [accountId, ground],
    );
  }

  /** Read model (bids): the lot of a bid, or null when there is no such bid. */
  async lotOfBid(m: EntityManager, bidId: string): Promise<number | null> {
    const [row]: Array<{ lot_no: number }> = await m.query(`SELECT lot_no FROM bids WHERE id::text = $1`, [bidId]);
    return row ? Number(row.lot_no) : null;
  }

  /** Plans a refund; returns its id and the database clock at planning. */
  async insertRefund(m: EntityManager, r: NewRefund): Promise<{ id: string; now: Date }> {
    const [row]: Array<{ id: string; now: Date }> = await m.query(
      `INSERT INTO bid_security_refunds (account_id, tender_id, reason, legal_basis, period_days, period_unit, period_start,
                                         due_at, with_interest, interest_rate, principal)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       RETURNING id, clock_timestamp() AS now`,
      [r.accountId, r.tenderId, r.reason, r.legalBasis, r.periodDays, r.periodUnit, r.periodStart, r.dueAt, r.withInterest, r.interestRate, r.principal],
    );
    return { id: row.id, now: row.now };
  }

  /**
   * The recipient of the refund's notice, sealed to the tender's identity key by the bidder's own request (a
   * withdrawal before the deadline, issue 17): the platform cannot name the bidder when the refund is paid.
   */
  async setRefundNoticeRecipient(m: EntityManager, refundId: string, recipient: { sealed: string; userIndex: string; orgIndex: string | null }): Promise<void> {
    await m.query(`UPDATE bid_security_refunds SET notice_recipient_sealed = $2 WHERE id = $1`, [refundId, JSON.stringify(recipient)]);
  }

  /** Earmarks the payments not earmarked yet for the refund; returns how many were. */
  async earmarkPayments(m: EntityManager, refundId: string, paymentIds: string[]): Promise<number> {
    // (An UPDATE … RETURNING through TypeORM answers [rows, count]: count in SQL instead.)
    const [{ n }]: Array<{ n: number }> = await m.query(
      `WITH e AS (UPDATE bid_security_payments SET refund_id = $1 WHERE id = ANY($2::uuid[]) AND refund_id IS NULL RETURNING id)
       SELECT count(*)::int AS n FROM e`,
      [refundId, paymentIds],
    );
    return n;
  }
}
