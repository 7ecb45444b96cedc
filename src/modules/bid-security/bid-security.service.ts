import { Injectable } from '@nestjs/common';
import { createHmac } from 'crypto';
import { EntityManager } from 'typeorm';
import { Actor, SYSTEM_ACTOR } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { ForbiddenException, NotFoundException } from 'src/common/errors/domain.exception';
import { BidSecurityGate } from 'src/common/ports/bid-security.gate';
import { fromFen, normalizeMoney, toFen } from 'src/common/money/money';
import { AppConfig } from 'src/infra/config/app-config';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { AuditService } from '../audit/audit.service';
import { IdentityKeyService } from '../custody/identity-key.service';
import { HandlerOrder, OnEvent } from 'src/common/events/domain-events';
import { securityAuditScope } from './bid-security-audit';
import { BidSecuritySealingRepository } from './bid-security-sealing.repository';
import { BidSecurityRecordsRepository, type PayerRecord } from './bid-security-records.repository';
import { AccountRow, BidSecurityStore, PaymentRow, RefundRow, TenderSnapshot } from './bid-security.store';
import { BidDeadlinePassedException, FormNotAcceptedException, SealedUntilOpeningException, TenderNotOpenForBidsException } from './bid-security.exception';
import { GuaranteeRow, GuaranteeStore, GuaranteeView, toGuaranteeView } from './guarantees/guarantee.store';
import { LegalCalendar } from '../tenders/legal-calendar/legal-calendar';
import { BIDDER_DEPOSIT_PREFIX, LedgerAccount } from './ledger/ledger-accounts';
import { AccountBalance, LedgerService, signedFen } from './ledger/ledger.service';
import { deriveVirtualAccountNo } from './virtual-account-number';
import { DEFAULT_LOT_NO } from '../tenders/tender-lots';
import { JurisdictionsService } from '../jurisdictions/jurisdictions.service';
import { OrganizationsRepository } from 'src/modules/identity/organizations.repository';

/** API.md: UNPAID | PAID | REFUND_DUE | REFUNDED | FORFEITED. */
export type BidSecurityStatus = 'UNPAID' | 'PAID' | 'REFUND_DUE' | 'REFUNDED' | 'FORFEITED';

export interface RefundView {
  refundId: string;
  reason: string;
  legalBasis: string;
  /** The legal deadline (24:00 CST of the period's last day). */
  dueAt: string;
  period: { days: number; unit: string; from: string };
  status: 'PLANNED' | 'SENT';
  principal: string;
  withInterest: boolean;
  interestRate: string | null;
  interest: string | null;
  executedAt: string | null;
  onTime: boolean | null;
}

export interface MyBidSecurityView {
  status: BidSecurityStatus;
  /** Paid in time (counted toward the security). */
  paidAmount: string;
  requiredAmount: string;
  virtualAccountNo: string | null;
  /** Counted payments still held by the platform. */
  heldAmount: string;
  /** Paid late or to a closed tender: returned, never counted. */
  returnedLateAmount: string;
  forfeitedAmount: string;
  refunds: RefundView[];
  /** 标段: the lot this security is for (1 for a tender without lots). */
  lotNo?: number;
  /** How the bid is secured: CASH, E_GUARANTEE (电子保函), or null when nothing is lodged. */
  form?: 'CASH' | 'E_GUARANTEE' | null;
  acceptedForms?: string[];
  /** The last day of the bid validity period; a guarantee must run through it (TBR Art. 26). */
  bidValidityEndsOn?: string;
  guarantees?: GuaranteeView[];
}

export interface PaymentView {
  txnId: string;
  amount: string;
  payerAccountNo: string;
  payerName: string;
  payerIsBasicAccount: boolean | null;
  paidAt: string;
  receivedAt: string;
  classification: string;
  forfeitedAmount: string;
  refundId: string | null;
}

export type { PayerRecord } from './bid-security-records.repository';

export interface ReconciliationView {
  tenderId: string;
  asOf: string;
  accounts: AccountBalance[];
  totals: { debits: string; credits: string; difference: string };
  checks: Array<{ name: string; ledger: string; records: string; difference: string }>;
  balanced: boolean;
}

const MONEY_ZERO = '0.00';
const sumFen = (xs: string[]) => xs.reduce((s, x) => s + signedFen(x), 0n);

/**
 * Sub-accounts, statuses, the gate the sealed-bids module asks, and the after-opening views of who paid.
 * Before opening only the bidder itself learns anything about its own security (CQ Arts. 16, 42(7)).
 */
@Injectable()
export class BidSecurityService extends BidSecurityGate {
  private readonly accountKey: Buffer;

  constructor(
    private readonly tx: TransactionRunner,
    private readonly store: BidSecurityStore,
    private readonly ledger: LedgerService,
    private readonly audit: AuditService,
    private readonly guarantees: GuaranteeStore,
    private readonly identityKeys: IdentityKeyService,
    private readonly jurisdictions: JurisdictionsService,
    config: AppConfig,
    private readonly organizations: OrganizationsRepository,
    private readonly sealing: BidSecuritySealingRepository,
    private readonly records: BidSecurityRecordsRepository,
  ) {
    super();
    // A sub-key of the platform's master secret, used for nothing else.
    this.accountKey = createHmac('sha256', config.sealingMasterKey).update('bid-security-virtual-account-v1').digest();
  }

  /**
   * Sealed identities (issue 17): at the deadline who asked for a sub-account, who paid and whose electronic
   * guarantees the issuers notified are filled in clear.
   */
  @OnEvent('BidDeadlineReached', { order: HandlerOrder.UNSEAL })
  async unsealAtDeadline(m: EntityManager, { tenderId }: { tenderId: string }): Promise<void> {
    const n = { ...(await this.store.unsealTender(m, tenderId)), guarantees: await this.guarantees.unsealTender(m, tenderId) };
    if (n.accounts || n.payments || n.guarantees) {
      await this.audit.append(m, { actor: SYSTEM_ACTOR, action: 'BID_SECURITY_IDENTITIES_UNSEALED', objectType: 'tender', objectId: tenderId, tenderId, data: n });
    }
  }

  /**
   * BidSecurityGate: no security required, or the bidder holds it in a form the tender accepts (GPR Art. 33): cash of
   * at least the required amount paid in time, or a valid electronic guarantee of at least that amount in force from
   * the deadline's day through the end of the bid validity period (TBR Art. 26).
   */
  async isPaid(m: EntityManager, tenderId: string, bidderOrganizationId: string, lotNo = DEFAULT_LOT_NO): Promise<boolean> {
    const whole = await this.store.tender(m, tenderId);
    const tender = whole && (await this.store.forLot(m, whole, lotNo)); // per lot: the lot's own amount
    if (!tender) return false;
    if (toFen(tender.bidSecurityAmount) === 0n) return true;
    if (tender.bidSecurityForms.includes('CASH') && (await this.cashHeld(m, tender, bidderOrganizationId, lotNo))) return true;
    if (tender.bidSecurityForms.includes('E_GUARANTEE') && (await this.coveringGuarantees(m, tender, bidderOrganizationId, lotNo)).length) return true;
    return false;
  }

  async coversThrough(m: EntityManager, tenderId: string, bidderOrganizationId: string, day: string, lotNo = DEFAULT_LOT_NO): Promise<boolean> {
    const whole = await this.store.tender(m, tenderId);
    const tender = whole && (await this.store.forLot(m, whole, lotNo));
    if (!tender) return false;
    if (toFen(tender.bidSecurityAmount) === 0n) return true;
    if (await this.cashHeld(m, tender, bidderOrganizationId, lotNo)) return true;
    return (await this.coveringGuarantees(m, { ...tender, bidValidityEndsOn: day }, bidderOrganizationId, lotNo)).length > 0;
  }

  private async cashHeld(m: EntityManager, tender: TenderSnapshot, bidderOrganizationId: string, lotNo: number): Promise<boolean> {
    const account = await this.store.accountFor(m, tender.id, bidderOrganizationId, false, lotNo);
    if (!account || account.status !== 'HELD') return false;
    const held = await this.store.heldPayments(m, account.id);
    return sumFen(held.map((p) => p.amount)) >= toFen(tender.bidSecurityAmount);
  }

  private coveringGuarantees(m: EntityManager, tender: TenderSnapshot, bidderOrganizationId: string, lotNo: number) {
    return this.guarantees.covering(m, {
      tenderId: tender.id,
      bidderOrganizationId,
      lotNo,
      amount: tender.bidSecurityAmount,
      from: LegalCalendar.dayOf(tender.bidDeadline),
      through: tender.bidValidityEndsOn,
    });
  }

  /** GET /tenders/{id}/bid-security/guarantees: every electronic guarantee with its bidder; owner and supervisors, after opening. */
  async listGuarantees(tenderId: string, actor: Actor) {
    return this.tx.run(async (m) => {
      await this.afterOpening(m, tenderId, actor);
      const guarantees = await this.guarantees.ofTender(m, tenderId); // in clear, unsealed if the deadline hook has not run yet
      const byId = await this.organizations.findByIds(
        m,
        guarantees.flatMap((g) => (g.bidderOrganizationId ? [g.bidderOrganizationId] : [])),
      );
      const items = guarantees.map((g) => ({
        bidderOrganizationId: g.bidderOrganizationId,
        bidderName: (g.bidderOrganizationId && byId.get(g.bidderOrganizationId)?.name) || '',
        bidderUscc: (g.bidderOrganizationId && byId.get(g.bidderOrganizationId)?.uscc) || '',
        ...toGuaranteeView(g),
      }));
      await this.audit.append(m, {
        actor,
        action: 'BID_GUARANTEE_LIST_READ',
        objectType: 'tender',
        objectId: tenderId,
        tenderId,
        data: { guarantees: items.length },
      });
      return { tenderId, items };
    });
  }

  /** GET /tenders/{id}/bid-security/account: the bidder's sub-account, created on first request while bids are open. */
  async issueAccount(tenderId: string, actor: Actor, lotNo = DEFAULT_LOT_NO): Promise<{ virtualAccountNo: string; amount: string }> {
    const org = this.requireBidderOrg(actor);
    return this.tx.run(async (m) => {
      const tender = await this.lotOf(m, await this.visibleTender(m, tenderId), lotNo);
      const existing = await this.store.accountFor(m, tenderId, org, false, lotNo);
      // The tender states the accepted forms; procurement may accept guarantees only (GPR Art. 33).
      if (!existing && !tender.bidSecurityForms.includes('CASH')) throw new FormNotAcceptedException('CASH');
      if (existing) return { virtualAccountNo: existing.virtualAccountNo, amount: tender.bidSecurityAmount };
      if (!tender.openForBids) {
        throw tender.status === 'PUBLISHED' ? new BidDeadlinePassedException() : new TenderNotOpenForBidsException();
      }
      for (let attempt = 0; attempt < 4; attempt++) {
        // Lot 1 keeps the v1 number; another lot has a sub-account of its own.
        // Sealed identities (issue 17): who asked for a sub-account is sealed to the tender's identity key until the
        // deadline; the basic account (TBR Art. 26) is kept as a blind index, for the bank notifications to compare.
        const sealed = await this.identityKeys.sealsIdentities(m, tenderId);
        const pub = sealed ? Buffer.from((await this.identityKeys.publicKey(m, tenderId))!, 'base64') : null;
        const index = pub ? await this.store.blindIndex(tenderId, org) : null;
        // While sealed the number is derived from the oracle's blind index, not the organisation: the operator's key
        // alone no longer tells which guessed organisation a sub-account number belongs to.
        const no = deriveVirtualAccountNo(this.accountKey, lotNo === DEFAULT_LOT_NO ? tenderId : `${tenderId}#${lotNo}`, index ?? org, attempt);
        const basic = (await this.organizations.findById(m, org))?.basicAccountNo ?? null;
        const inserted = await this.sealing.insertAccount(m, {
          tenderId,
          lotNo,
          virtualAccountNo: no,
          bidderOrganizationId: pub ? null : org,
          bidderBlindIndex: index,
          ownerSealed: pub ? this.store.sealOwner(pub, tenderId, no, org) : null,
          basicAccountDigest: basic ? await this.store.basicAccountDigest(tenderId, basic) : null,
        });
        if (inserted) {
          // Sealed: a prospective bidder's identity is secret before opening (TBL Art. 22).
          await this.audit.append(m, {
            actor: sealed ? { userId: 'sealed-bidder', role: actor.role, organizationId: null, ip: '', requestId: actor.requestId } : actor,
            action: 'BID_SECURITY_ACCOUNT_ISSUED',
            objectType: 'bid_security_account',
            objectId: inserted,
            ...securityAuditScope(tenderId, inserted),
            data: {},
          });
          return { virtualAccountNo: no, amount: tender.bidSecurityAmount };
        }
        // A concurrent request of the same bidder won: return its row. Otherwise the number is taken: next attempt.
        const raced = await this.store.accountFor(m, tenderId, org, false, lotNo);
        if (raced) return { virtualAccountNo: raced.virtualAccountNo, amount: tender.bidSecurityAmount };
      }
      throw new Error('could not allocate a virtual sub-account number');
    });
  }

  /** GET /tenders/{id}/bid-security/mine: the bidder's own status (the only view of it before opening). */
  async mine(tenderId: string, actor: Actor, lotNo = DEFAULT_LOT_NO): Promise<MyBidSecurityView> {
    const org = this.requireBidderOrg(actor);
    const m = this.tx.manager;
    const tender = await this.lotOf(m, await this.visibleTender(m, tenderId), lotNo);
    const account = await this.store.accountFor(m, tenderId, org, false, lotNo);
    const guarantees = await this.guarantees.ofBidder(m, tenderId, org, lotNo);
    let view: MyBidSecurityView;
    if (!account) {
      view = {
        status: toFen(tender.bidSecurityAmount) === 0n ? 'PAID' : 'UNPAID',
        paidAmount: MONEY_ZERO,
        requiredAmount: tender.bidSecurityAmount,
        virtualAccountNo: null,
        heldAmount: MONEY_ZERO,
        returnedLateAmount: MONEY_ZERO,
        forfeitedAmount: MONEY_ZERO,
        refunds: [],
      };
    } else {
      const payments = await this.store.paymentsOfAccount(m, account.id);
      const refunds = await this.store.refundsOfAccount(m, account.id);
      view = this.statusView(tender, account, payments, refunds);
    }
    return this.withGuarantees(m, tender, org, view, guarantees, lotNo);
  }

  /** The tender as lot `lotNo` sees it (its own amount); NOT_FOUND for a lot the tender does not have. */
  private async lotOf(m: EntityManager, tender: TenderSnapshot, lotNo: number): Promise<TenderSnapshot> {
    const lot = await this.store.forLot(m, tender, lotNo);
    if (!lot) throw new NotFoundException(`Lot ${lotNo} of the tender`);
    return lot;
  }

  /**
   * Adds the bidder's electronic guarantees and the form that secures its bid. Lodged by guarantee only: VALID and
   * covering → PAID, RELEASED → REFUNDED, CLAIMED → FORFEITED (the cash words of API.md for the same outcomes).
   */
  private async withGuarantees(m: EntityManager, tender: TenderSnapshot, org: string, view: MyBidSecurityView, guarantees: GuaranteeRow[], lotNo: number) {
    const cashPaid = view.status === 'PAID' && view.virtualAccountNo !== null;
    const covering = tender.bidSecurityForms.includes('E_GUARANTEE') ? await this.coveringGuarantees(m, tender, org, lotNo) : [];
    let status = view.status;
    if (!cashPaid && view.virtualAccountNo === null && guarantees.length) {
      if (covering.length) status = 'PAID';
      else if (guarantees.some((g) => g.status === 'CLAIMED')) status = 'FORFEITED';
      else if (guarantees.every((g) => g.status === 'RELEASED')) status = 'REFUNDED';
    } else if (view.status === 'UNPAID' && covering.length) {
      status = 'PAID';
    }
    return {
      ...view,
      status,
      form: cashPaid ? ('CASH' as const) : covering.length || guarantees.length ? ('E_GUARANTEE' as const) : null,
      acceptedForms: tender.bidSecurityForms,
      bidValidityEndsOn: tender.bidValidityEndsOn,
      guarantees: guarantees.map(toGuaranteeView),
    };
  }

  statusView(tender: TenderSnapshot, account: AccountRow, payments: PaymentRow[], refunds: RefundRow[]): MyBidSecurityView {
    const counted = payments.filter((p) => p.counted);
    const held = counted.filter((p) => p.refundId === null && toFen(p.forfeitedAmount) === 0n);
    const heldFen = sumFen(held.map((p) => p.amount));
    const status: BidSecurityStatus = account.status === 'HELD' ? (heldFen >= toFen(tender.bidSecurityAmount) ? 'PAID' : 'UNPAID') : account.status;
    return {
      status,
      paidAmount: fromFen(sumFen(counted.map((p) => p.amount))),
      requiredAmount: tender.bidSecurityAmount,
      virtualAccountNo: account.virtualAccountNo,
      heldAmount: fromFen(heldFen),
      returnedLateAmount: fromFen(sumFen(payments.filter((p) => !p.counted).map((p) => p.amount))),
      forfeitedAmount: fromFen(sumFen(payments.map((p) => p.forfeitedAmount))),
      refunds: refunds.map(toRefundView),
    };
  }

  /** GET /tenders/{id}/bid-security: every sub-account with its payments; owner and supervisors, after opening. */
  async list(tenderId: string, actor: Actor) {
    return this.tx.run(async (m) => {
      const tender = await this.afterOpening(m, tenderId, actor);
      const orgs = await this.records.accountOwners(m, tenderId);
      const byId = new Map(orgs.map((o) => [o.id, o]));
      const items = [];
      for (const account of await this.store.accountsOfTender(m, tenderId)) {
        const payments = await this.store.paymentsOfAccount(m, account.id);
        const refunds = await this.store.refundsOfAccount(m, account.id);
        const org = account.bidderOrganizationId ? byId.get(account.bidderOrganizationId) : undefined;
        const lot = (await this.store.forLot(m, tender, account.lotNo)) ?? tender;
        items.push({
          lotNo: account.lotNo,
          bidderOrganizationId: account.bidderOrganizationId,
          bidderName: org?.name ?? '',
          bidderUscc: org?.uscc ?? '',
          basicAccountNo: org?.basicAccountNo ?? '',
          ...this.statusView(lot, account, payments, refunds),
          payments: payments.map(toPaymentView),
        });
      }
      items.sort((a, b) => a.lotNo - b.lotNo || a.bidderName.localeCompare(b.bidderName, 'zh-CN'));
      await this.audit.append(m, {
        actor,
        action: 'BID_SECURITY_LIST_READ',
        objectType: 'tender',
        objectId: tenderId,
        tenderId,
        data: { accounts: items.length },
      });
      return { tenderId, requiredAmount: tender.bidSecurityAmount, items };
    });
  }

  /**
   * GET /tenders/{id}/bid-security/reconciliation: the tender's ledger against its records. Every difference must be
   * 0.00: debits = credits; escrow receipts = the bank's notifications; escrow payments out = refunds sent; what
   * the ledger owes bidders = what the payments say is still held; forfeited and interest agree.
   */
  async reconciliation(tenderId: string, actor: Actor): Promise<ReconciliationView> {
    return this.tx.run(async (m) => {
      await this.afterOpening(m, tenderId, actor);
      const view = await this.reconcile(m, tenderId);
      await this.audit.append(m, {
        actor,
        action: 'BID_SECURITY_RECONCILIATION_READ',
        objectType: 'tender',
        objectId: tenderId,
        tenderId,
        data: { balanced: view.balanced },
      });
      return view;
    });
  }

  /** The reconciliation itself, without access checks (tests and the benchmark call it). */
  async reconcile(m: EntityManager, tenderId: string): Promise<ReconciliationView> {
    const accounts = await this.ledger.balances(m, { tenderId });
    const get = (name: string) => accounts.find((a) => a.account === name);
    const debits = sumFen(accounts.map((a) => a.debits));
    const credits = sumFen(accounts.map((a) => a.credits));
    const rec = await this.records.reconciliationTotals(m, tenderId);
    const deposits = accounts.filter((a) => a.account.startsWith(BIDDER_DEPOSIT_PREFIX));
    const check = (name: string, ledgerFen: bigint, records: string) => {
      const r = toFen(normalizeMoney(records));
      return { name, ledger: fromFen(ledgerFen), records: fromFen(r), difference: fromFen(ledgerFen - r) };
    };
    const escrow = get(LedgerAccount.BankEscrow);
    const checks = [
      check('bank receipts (BANK_ESCROW debits vs bank notifications)', escrow ? toFen(escrow.debits) : 0n, rec.received),
      check('payments out (BANK_ESCROW credits vs refunds sent)', escrow ? toFen(escrow.credits) : 0n, rec.paidOut),
      check('owed to bidders (BIDDER_DEPOSIT balances vs payments still held)', -sumFen(deposits.map((a) => a.balance)), rec.stillHeld),
      check('forfeited (FORFEITED_SECURITY vs payments kept)', -signedFen(get(LedgerAccount.ForfeitedSecurity)?.balance ?? MONEY_ZERO), rec.forfeited),
      check('interest (INTEREST_EXPENSE vs interest paid)', signedFen(get(LedgerAccount.InterestExpense)?.balance ?? MONEY_ZERO), rec.interest),
    ];
    const now = await this.records.now(m);
    return {
      tenderId,
      asOf: now.toISOString(),
      accounts,
      totals: { debits: fromFen(debits), credits: fromFen(credits), difference: fromFen(debits - credits) },
      checks,
      balanced: debits === credits && checks.every((c) => c.difference === MONEY_ZERO),
    };
  }

  /**
   * For the collusion flags (supervision module), after opening: the payer of every matched payment, with whether it
   * came from the bidder's registered basic account. Same payer account for two bidders: TBR Art. 40(6).
   */
  async payerRecords(m: EntityManager, tenderId: string): Promise<PayerRecord[]> {
    return this.records.payerRecords(m, tenderId);
  }

  /** Money to unknown sub-accounts: SUSPENSE_UNMATCHED must equal what was received and not yet returned. */
  async reconcileSuspense(m: EntityManager): Promise<{ ledger: string; records: string; difference: string }> {
    const [bal] = await this.ledger.balances(m, { accountPrefix: LedgerAccount.SuspenseUnmatched });
    const held = await this.records.unmatchedHeld(m);
    const ledgerFen = bal ? -signedFen(bal.balance) : 0n;
    const recordsFen = toFen(normalizeMoney(held));
    return { ledger: fromFen(ledgerFen), records: fromFen(recordsFen), difference: fromFen(ledgerFen - recordsFen) };
  }

  /** GET /bank/unmatched-payments: money to sub-accounts nobody was issued, and whether it went back. */
  async unmatched(page: number, pageSize: number) {
    const m = this.tx.manager;
    const total = await this.records.countUnmatched(m);
    const rows = await this.records.unmatchedPage(m, page, pageSize);
    return {
      total,
      items: rows.map((r) => ({
        txnId: r.txnId,
        virtualAccountNo: r.virtualAccountNo,
        amount: r.amount,
        payerAccountNo: r.payerAccountNo,
        payerName: r.payerName,
        paidAt: r.paidAt.toISOString(),
        receivedAt: r.receivedAt.toISOString(),
        returnStatus: r.refundStatus ?? 'NOT_PLANNED',
        returnDueAt: r.dueAt?.toISOString() ?? null,
        returnedAt: r.executedAt?.toISOString() ?? null,
      })),
    };
  }

  /** The tender as a bidder may see it: a draft does not exist for anyone but its owner. */
  async visibleTender(m: EntityManager, tenderId: string): Promise<TenderSnapshot> {
    const tender = await this.store.tender(m, tenderId);
    if (!tender || tender.status === 'DRAFT') throw new NotFoundException('The tender');
    return tender;
  }

  /** The owner (procuring entity), supervisors and administrators, once the bids are opened. */
  async afterOpening(m: EntityManager, tenderId: string, actor: Actor): Promise<TenderSnapshot> {
    const tender = await this.visibleTender(m, tenderId);
    const allowed = actor.role === Role.SUPERVISOR || actor.role === Role.ADMIN || (actor.role === Role.PROCURING_ENTITY && actor.organizationId === tender.procuringEntityId);
    if (!allowed) throw new ForbiddenException('Only the procuring entity of this tender and supervisors see its bid security');
    // A county supervisor or sector regulator sees its own tenders' bid security only: 404 outside (issue 19).
    await this.jurisdictions.assertTenderInScope(m, actor, tenderId);
    if (!tender.opened) throw new SealedUntilOpeningException();
    // A tender that ended before its deadline (cancelled) never had the deadline hook: who paid is named from the
    // deadline on all the same (the custodians release the identity key from then on, by their own clocks).
    await this.unsealAtDeadline(m, { tenderId });
    return tender;
  }

  requireBidderOrg(actor: Actor): string {
    if (actor.role !== Role.BIDDER || !actor.organizationId) throw new ForbiddenException('This is for bidders');
    return actor.organizationId;
  }

  /** The sub-account of the caller, with payments and refunds (for the PDF documents). */
  async ownRecords(tenderId: string, actor: Actor) {
    const org = this.requireBidderOrg(actor);
    const m = this.tx.manager;
    const tender = await this.visibleTender(m, tenderId);
    const account = await this.store.accountFor(m, tenderId, org);
    const found = await this.organizations.findById(m, org);
    if (!found) throw new NotFoundException('Your organisation');
    const bidder = { name: found.name, uscc: found.uscc, basic_account_no: found.basicAccountNo };
    const payments = this.payersForBidder(account ? await this.store.paymentsOfAccount(m, account.id) : [], bidder);
    const refunds = this.payeesForBidder(account ? await this.store.refundsOfAccount(m, account.id) : [], payments);
    const status = account ? this.statusView(tender, account, payments, refunds) : null;
    return { tender, account, bidder, payments, refunds, status };
  }

  /**
   * Before the deadline the payers are sealed to the tender's identity key (issue 17). In the bidder's own request
   * a payment from its basic account (the keyed digests matched, TBR Art. 26) is shown with that account, read from
   * its registration; a payment from another account stays unnamed until the opening.
   */
  private payersForBidder(payments: PaymentRow[], bidder: { name: string; basic_account_no: string | null }): PaymentRow[] {
    return payments.map((p) =>
      p.payerAccountNo === null && p.payerIsBasicAccount && bidder.basic_account_no ? { ...p, payerAccountNo: bidder.basic_account_no, payerName: bidder.name } : p,
    );
  }

  /** The same for the orders of its refunds paid back by transaction (原路退回) before the deadline. */
  private payeesForBidder(refunds: RefundRow[], payments: PaymentRow[]): RefundRow[] {
    const byTxn = new Map(payments.filter((p) => p.payerAccountNo !== null).map((p) => [p.txnId, p]));
    return refunds.map((r) => ({
      ...r,
      instructions:
        r.instructions?.map((o) => {
          const from = o.payeeAccountNo === null ? (o.originalTxnIds ?? []).map((t) => byTxn.get(t)) : [];
          const payer = from[0];
          return payer && from.every((x) => x && x.payerAccountNo === payer.payerAccountNo) ? { ...o, payeeAccountNo: payer.payerAccountNo, payeeName: payer.payerName } : o;
        }) ?? null,
    }));
  }
}

export function toRefundView(r: RefundRow): RefundView {
  return {
    refundId: r.id,
    reason: r.reason,
    legalBasis: r.legalBasis,
    dueAt: r.dueAt.toISOString(),
    period: { days: r.periodDays, unit: r.periodUnit, from: r.periodStart.toISOString() },
    status: r.status,
    principal: r.principal,
    withInterest: r.withInterest,
    interestRate: r.interestRate,
    interest: r.interest,
    executedAt: r.executedAt?.toISOString() ?? null,
    onTime: r.executedAt ? r.executedAt < r.dueAt : null,
  };
}

export function toPaymentView(p: PaymentRow): PaymentView {
  return {
    txnId: p.txnId,
    amount: p.amount,
    // In clear from the opening on (the only time these views are shown).
    payerAccountNo: p.payerAccountNo ?? '',
    payerName: p.payerName ?? '',
    payerIsBasicAccount: p.payerIsBasicAccount,
    paidAt: p.paidAt.toISOString(),
    receivedAt: p.receivedAt.toISOString(),
    classification: p.classification,
    forfeitedAmount: p.forfeitedAmount,
    refundId: p.refundId,
  };
}
