import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Regime } from 'src/common/law/regulations';
import { normalizeMoney } from 'src/common/money/money';
import { bidValidityEndsOn } from '../tenders/bid-validity';
import { DEFAULT_LOT_NO, lotTerms } from '../tenders/tender-lots';
import type { BidSecurityAccountStatus, PaymentClassification } from './bid-security.types';
import { HeldPayment } from './refund-allocation';
import { PeriodUnit, RefundReason } from './refund-policy';
import { IdentityKeyService } from '../custody/identity-key.service';
import { SYSTEM_ACTOR } from 'src/common/auth/actor';
import { BidSecuritySealingRepository } from './bid-security-sealing.repository';
import { BidSecurityAccountDbRow, BidSecurityPaymentDbRow, BidSecurityRefundDbRow, BidSecurityRowsRepository } from './bid-security-rows.repository';

/** What bid security needs to know of a tender, read with the database clock. */
export interface TenderSnapshot {
  id: string;
  title: string;
  status: string;
  regime: Regime;
  procuringEntityId: string;
  bidDeadline: Date;
  bidSecurityAmount: string;
  /** The accepted forms (GPR Art. 33): CASH and/or E_GUARANTEE. */
  bidSecurityForms: string[];
  /** The last day (CST) of the bid validity period (TBR Art. 25); a guarantee must stay valid through it (TBR Art. 26). */
  bidValidityEndsOn: string;
  /** The database clock when the row was read. */
  now: Date;
  /** PUBLISHED and before the deadline: sub-accounts are issued and payments count. */
  openForBids: boolean;
  /** The bids have been opened (or the tender ended after its deadline): who paid may be shown to the owner and supervisors. */
  opened: boolean;
}

export interface AccountRow {
  id: string;
  tenderId: string;
  lotNo: number;
  /** Null before the deadline of a tender that seals identities: sealed to the tender's identity key (issue 17). */
  bidderOrganizationId: string | null;
  /** The row names no owner (sealed until the deadline), whether or not the platform tier opened it here. */
  ownerSealed: boolean;
  /** Keyed digest of the bidder's basic account (TBR Art. 26), null for sub-accounts issued before it was kept. */
  basicAccountDigest: string | null;
  virtualAccountNo: string;
  status: BidSecurityAccountStatus;
  currentRefundId: string | null;
  forfeitedAt: Date | null;
  forfeitReason: string | null;
  createdAt: Date;
}

export interface PaymentRow extends HeldPayment {
  txnId: string;
  accountId: string | null;
  tenderId: string | null;
  bidderOrganizationId: string | null;
  virtualAccountNo: string;
  payerIsBasicAccount: boolean | null;
  paidAt: Date;
  receivedAt: Date;
  classification: PaymentClassification;
  counted: boolean;
  refundId: string | null;
}

export interface RefundRow {
  id: string;
  accountId: string | null;
  tenderId: string | null;
  reason: RefundReason;
  legalBasis: string;
  periodDays: number;
  periodUnit: PeriodUnit;
  periodStart: Date;
  dueAt: Date;
  withInterest: boolean;
  interestRate: string | null;
  principal: string;
  interest: string | null;
  status: 'PLANNED' | 'SENT';
  journalId: string | null;
  instructions: RefundOrder[] | null;
  executedAt: Date | null;
  createdAt: Date;
}

/**
 * One order of a refund as sent to the bank. Paid back "where the money came from" (原路退回) before the deadline of
 * a tender that seals identities: no payee (the platform cannot read it), the bank's own transactions instead; the
 * deadline fills the payee in clear.
 */
export interface RefundOrder {
  payeeAccountNo: string | null;
  payeeName: string | null;
  originalTxnIds?: string[];
  principal: string;
  interest: string;
  amount: string;
  bankReference: string;
}

const money = (v: string | null) => (v === null ? null : normalizeMoney(String(v)));

/** Platform-tier sealing purposes and AADs of the bid-security identities (issue 17, sealed identities). */
export const OWNER_SEALED = 'bid-security-owner';
export const PAYER_SEALED = 'bid-security-payer';
export const ownerAad = (tenderId: string, virtualAccountNo: string) => `bid-security-owner|${tenderId}|${virtualAccountNo}`;
export const payerAad = (txnId: string) => `bid-security-payer|${txnId}`;
/** A refund's orders and a bank order's payee, paid before the deadline (a withdrawal, a late or excess payment). */
export const REFUND_SEALED = 'bid-security-refund';
export const refundAad = (refundId: string) => `bid-security-refund|${refundId}`;
export const PAYEE_SEALED = 'bid-security-payee';
export const payeeAad = (idempotencyKey: string) => `bid-security-payee|${idempotencyKey}`;
export interface SealedPayee {
  payeeAccountNo: string;
  payeeName: string;
}
export interface SealedPayer {
  payerAccountNo: string;
  payerName: string;
  organizationId: string | null;
}
/** The keyed digest of a bank account number (compared without spaces or dashes), per tender. */
const BASIC_ACCOUNT_DIGEST = 'bid-security-basic-account';
export const normalizeAccountNo = (s: string) => s.replace(/[\s-]/g, '');
/**
 * What the tender's identity key sealed (`IdentityKeyService.sealTo`: a JSON envelope) as opposed to the platform
 * tier of rows written before (`platformSeal`: not JSON). The first only k custodians open, from the deadline on.
 */
export const sealedToIdentityKey = (sealed: string) => sealed.startsWith('{');

/**
 * The rows of the bid-security tables (read by BidSecurityRowsRepository), in the caller's transaction. Rows are plain objects, never entities.
 * Before the deadline of a tender that seals identities (issue 17) the owner of a sub-account and the payer of a
 * payment are sealed to the tender's identity key: nobody — the operator with SEALING_MASTER_KEY included — reads
 * them before k custodians release the key at the deadline, so the rows read here carry NULL owner and payer until
 * `unsealTender` fills the columns. Rows sealed before (platform tier) are still opened here.
 */
@Injectable()
export class BidSecurityStore {
  constructor(
    private readonly identityKeys: IdentityKeyService,
    private readonly sealing: BidSecuritySealingRepository,
    private readonly rows: BidSecurityRowsRepository,
  ) {}

  blindIndex(tenderId: string, bidderOrganizationId: string): Promise<string> {
    return this.identityKeys.blindIndex('bid-security-account', tenderId, bidderOrganizationId);
  }

  /**
   * The blind index of a bank account on a tender: the basic-account check of TBR Art. 26 without the bidder. Asked of
   * the blind-index oracle (a guessed organisation's registered account is a guessed bidder, issue 17); legacy tenders
   * keep the former platform digest of `tender|account`.
   */
  basicAccountDigest(tenderId: string, accountNo: string): Promise<string> {
    return this.identityKeys.blindIndex(BASIC_ACCOUNT_DIGEST, tenderId, normalizeAccountNo(accountNo));
  }

  /** A sub-account row; an owner sealed in the platform tier (rows from before) is opened, one sealed to the identity key is not. */
  account(r: BidSecurityAccountDbRow): AccountRow {
    const a = toAccount(r);
    if (!a.bidderOrganizationId && r.owner_sealed && !sealedToIdentityKey(r.owner_sealed)) {
      a.bidderOrganizationId = this.identityKeys.platformOpen<{ organizationId: string }>(OWNER_SEALED, r.owner_sealed, ownerAad(a.tenderId, a.virtualAccountNo)).organizationId;
    }
    return a;
  }

  /** A payment row; a payer sealed in the platform tier is opened, one sealed to the identity key stays NULL. */
  payment(r: BidSecurityPaymentDbRow): PaymentRow {
    const p = toPayment(r);
    if (r.payer_sealed && p.payerAccountNo === null && !sealedToIdentityKey(r.payer_sealed)) {
      const s = this.identityKeys.platformOpen<SealedPayer>(PAYER_SEALED, r.payer_sealed, payerAad(p.txnId));
      p.payerAccountNo = s.payerAccountNo;
      p.payerName = s.payerName;
      p.bidderOrganizationId = p.bidderOrganizationId ?? s.organizationId;
    }
    return p;
  }

  sealOwner(identityPublicKey: Buffer, tenderId: string, virtualAccountNo: string, organizationId: string): string {
    return this.identityKeys.sealTo(identityPublicKey, { organizationId }, ownerAad(tenderId, virtualAccountNo));
  }

  sealPayer(identityPublicKey: Buffer, txnId: string, payer: SealedPayer): string {
    return this.identityKeys.sealTo(identityPublicKey, payer, payerAad(txnId));
  }

  /** Refund orders that name a payee, written before the deadline (rows of before, a legacy account): platform tier. */
  sealRefundInstructions(refundId: string, instructions: RefundOrder[]): string {
    return this.identityKeys.platformSeal(REFUND_SEALED, instructions, refundAad(refundId));
  }

  sealPayee(idempotencyKey: string, payee: SealedPayee): string {
    return this.identityKeys.platformSeal(PAYEE_SEALED, payee, payeeAad(idempotencyKey));
  }

  openPayee(idempotencyKey: string, sealed: string): SealedPayee {
    return this.identityKeys.platformOpen<SealedPayee>(PAYEE_SEALED, sealed, payeeAad(idempotencyKey));
  }

  /** A refund row, its orders unsealed when still sealed. */
  refundRow(r: BidSecurityRefundDbRow): RefundRow {
    const x = toRefund(r);
    if (x.instructions === null && r.instructions_sealed) {
      x.instructions = this.identityKeys.platformOpen<RefundOrder[]>(REFUND_SEALED, r.instructions_sealed, refundAad(x.id));
    }
    return x;
  }

  /**
   * At the deadline: who asked for a sub-account, who paid and who was refunded, filled in clear (audited by the
   * caller). What was sealed to the identity key is opened with the key rebuilt from k custodians (audited).
   */
  async unsealTender(m: EntityManager, tenderId: string): Promise<{ accounts: number; payments: number; refunds?: number; bankOrders?: number }> {
    const accounts = await this.sealing.sealedAccounts(m, tenderId);
    const payments = await this.sealing.sealedPayments(m, tenderId);
    const fill = async (open: <T>(sealed: string, aad: string) => T) => {
      for (const a of accounts) {
        const aad = ownerAad(a.tenderId, a.virtualAccountNo);
        const owner = sealedToIdentityKey(a.ownerSealed)
          ? open<{ organizationId: string }>(a.ownerSealed, aad)
          : this.identityKeys.platformOpen<{ organizationId: string }>(OWNER_SEALED, a.ownerSealed, aad);
        await this.sealing.setAccountOwner(m, a.id, owner.organizationId);
      }
      for (const p of payments) {
        const aad = payerAad(p.txnId);
        const payer = sealedToIdentityKey(p.payerSealed) ? open<SealedPayer>(p.payerSealed, aad) : this.identityKeys.platformOpen<SealedPayer>(PAYER_SEALED, p.payerSealed, aad);
        // The payer seal of a payment to a sealed sub-account does not name the bidder: the (now clear) account does.
        await this.sealing.setPayer(m, p.id, { ...payer, organizationId: payer.organizationId ?? p.bidderOrganizationId });
      }
    };
    const identitySealed = accounts.some((a) => sealedToIdentityKey(a.ownerSealed)) || payments.some((p) => sealedToIdentityKey(p.payerSealed));
    if (identitySealed) await this.identityKeys.withOpener(m, tenderId, SYSTEM_ACTOR, fill);
    else
      await fill(() => {
        throw new Error('nothing is sealed to the identity key');
      });
    const refunds = await this.unsealRefunds(m, tenderId);
    return {
      accounts: accounts.length,
      payments: payments.length,
      ...(refunds.refunds || refunds.bankOrders ? refunds : {}),
    };
  }

  /**
   * Refunds paid before the deadline (a withdrawal, a cancellation, a late or excess payment): their orders and the
   * bank's outbox, after the payers (an order paid back by transaction takes its payee from the now clear payment).
   */
  private async unsealRefunds(m: EntityManager, tenderId: string): Promise<{ refunds: number; bankOrders: number }> {
    const payees = new Map<string, SealedPayee | null>();
    const payeeOf = async (txnIds: string[] | null | undefined): Promise<SealedPayee | null> => {
      const txnId = txnIds?.[0];
      if (!txnId) return null;
      if (!payees.has(txnId)) payees.set(txnId, await this.sealing.payerOfTransaction(m, txnId));
      return payees.get(txnId)!;
    };
    const refunds = await this.sealing.refundsWithoutPayees(m, tenderId);
    for (const r of refunds) {
      const stored = r.instructions ?? this.identityKeys.platformOpen<RefundOrder[]>(REFUND_SEALED, r.instructionsSealed!, refundAad(r.id));
      const orders: RefundOrder[] = [];
      for (const o of stored) {
        const payee = o.payeeAccountNo === null ? await payeeOf(o.originalTxnIds) : null;
        orders.push(payee ? { ...o, ...payee } : o);
      }
      await this.sealing.setRefundOrders(m, r.id, orders);
    }
    const orders = await this.sealing.bankOrdersWithoutPayees(m, tenderId);
    for (const o of orders) {
      const payee = o.payeeSealed ? this.openPayee(o.idempotencyKey, o.payeeSealed) : await payeeOf(o.originalTxnIds);
      if (payee) await this.sealing.setBankOrderPayee(m, o.id, payee);
    }
    return { refunds: refunds.length, bankOrders: orders.length };
  }

  /** The tender, with the database clock at the moment of reading. */
  async tender(m: EntityManager, tenderId: string): Promise<TenderSnapshot | null> {
    const r = await this.rows.tender(m, tenderId);
    if (!r) return null;
    const now = new Date(r.now);
    const bidDeadline = new Date(r.bid_deadline);
    const status = r.status;
    return {
      id: r.id,
      title: r.title,
      status,
      regime: r.regime as Regime,
      procuringEntityId: r.procuring_entity_id,
      bidDeadline,
      bidSecurityAmount: normalizeMoney(r.bid_security_amount),
      bidSecurityForms: r.bid_security_forms ?? ['CASH', 'E_GUARANTEE'],
      bidValidityEndsOn: bidValidityEndsOn({
        bidDeadline,
        bidValidityDays: Number(r.bid_validity_days),
        bidValidityEndsOn: r.bid_validity_ends_on ?? null,
      }),
      now,
      openForBids: status === 'PUBLISHED' && now < bidDeadline,
      opened: status !== 'DRAFT' && status !== 'PUBLISHED' && now >= bidDeadline,
    };
  }

  /**
   * The tender as one of its lots (标段) sees it: the lot's own bid security in `bidSecurityAmount`. A tender without
   * lots is lot 1 with the tender's amount. Null when the tender has no such lot.
   */
  async forLot(m: EntityManager, tender: TenderSnapshot, lotNo: number): Promise<TenderSnapshot | null> {
    const lot = await lotTerms(m, tender.id, lotNo);
    return lot ? { ...tender, bidSecurityAmount: lot.bidSecurityAmount } : null;
  }

  async accountFor(m: EntityManager, tenderId: string, bidderOrganizationId: string, lock = false, lotNo = DEFAULT_LOT_NO): Promise<AccountRow | null> {
    const r = await this.rows.accountFor(m, { tenderId, bidderOrganizationId, bidderBlindIndex: await this.blindIndex(tenderId, bidderOrganizationId), lotNo }, lock);
    return r ? this.account(r) : null;
  }

  async accountById(m: EntityManager, id: string, lock = false): Promise<AccountRow | null> {
    const r = await this.rows.accountById(m, id, lock);
    return r ? this.account(r) : null;
  }

  /** Every sub-account of a tender, locked in id order (the order every settlement takes them in). */
  async accountsOfTender(m: EntityManager, tenderId: string, lock = false): Promise<AccountRow[]> {
    return (await this.rows.accountsOfTender(m, tenderId, lock)).map((r) => this.account(r));
  }

  async paymentsOfAccount(m: EntityManager, accountId: string): Promise<PaymentRow[]> {
    return (await this.rows.paymentsOfAccount(m, accountId)).map((r) => this.payment(r));
  }

  /** Counted payments not yet earmarked for a refund or forfeited: the security the account holds. */
  async heldPayments(m: EntityManager, accountId: string, lock = false): Promise<PaymentRow[]> {
    return (await this.rows.heldPayments(m, accountId, lock)).map((r) => this.payment(r));
  }

  async paymentsOfRefund(m: EntityManager, refundId: string): Promise<PaymentRow[]> {
    return (await this.rows.paymentsOfRefund(m, refundId)).map((r) => this.payment(r));
  }

  async refund(m: EntityManager, id: string, lock = false): Promise<RefundRow | null> {
    const r = await this.rows.refund(m, id, lock);
    return r ? this.refundRow(r) : null;
  }

  async refundsOfAccount(m: EntityManager, accountId: string): Promise<RefundRow[]> {
    return (await this.rows.refundsOfAccount(m, accountId)).map((r) => this.refundRow(r));
  }
}

function toAccount(r: BidSecurityAccountDbRow): AccountRow {
  return {
    id: r.id,
    tenderId: r.tender_id,
    lotNo: Number(r.lot_no ?? DEFAULT_LOT_NO),
    bidderOrganizationId: r.bidder_organization_id ?? null,
    ownerSealed: r.bidder_organization_id === null,
    basicAccountDigest: r.basic_account_digest ?? null,
    virtualAccountNo: r.virtual_account_no,
    status: r.status as BidSecurityAccountStatus,
    currentRefundId: r.current_refund_id ?? null,
    forfeitedAt: r.forfeited_at ? new Date(r.forfeited_at) : null,
    forfeitReason: r.forfeit_reason ?? null,
    createdAt: new Date(r.created_at),
  };
}

export function toPayment(r: BidSecurityPaymentDbRow): PaymentRow {
  const paidAt = new Date(r.paid_at);
  const receivedAt = new Date(r.received_at);
  return {
    id: r.id,
    txnId: r.txn_id,
    accountId: r.account_id ?? null,
    tenderId: r.tender_id ?? null,
    bidderOrganizationId: r.bidder_organization_id ?? null,
    virtualAccountNo: r.virtual_account_no,
    amount: normalizeMoney(String(r.amount)),
    forfeitedAmount: normalizeMoney(String(r.forfeited_amount)),
    payerAccountNo: r.payer_account_no ?? null,
    payerName: r.payer_name ?? null,
    payerIsBasicAccount: r.payer_is_basic_account ?? null,
    paidAt,
    receivedAt,
    // Interest runs from when the money arrived; a booking time later than our receipt cannot be right.
    heldFrom: paidAt < receivedAt ? paidAt : receivedAt,
    classification: r.classification as PaymentClassification,
    counted: r.counted,
    refundId: r.refund_id ?? null,
  };
}

function toRefund(r: BidSecurityRefundDbRow): RefundRow {
  return {
    id: r.id,
    accountId: r.account_id ?? null,
    tenderId: r.tender_id ?? null,
    reason: r.reason as RefundReason,
    legalBasis: r.legal_basis,
    periodDays: Number(r.period_days),
    periodUnit: r.period_unit as PeriodUnit,
    periodStart: new Date(r.period_start),
    dueAt: new Date(r.due_at),
    withInterest: r.with_interest,
    interestRate: r.interest_rate === null ? null : String(r.interest_rate),
    principal: normalizeMoney(String(r.principal)),
    interest: money(r.interest),
    status: r.status as RefundRow['status'],
    journalId: r.journal_id ?? null,
    instructions: r.instructions ?? null,
    executedAt: r.executed_at ? new Date(r.executed_at) : null,
    createdAt: new Date(r.created_at),
  };
}
