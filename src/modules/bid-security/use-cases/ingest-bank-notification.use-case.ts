import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { CryptoService } from 'src/infra/crypto/crypto.service';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { AuditService } from '../../audit/audit.service';
import { securityAuditScope } from '../bid-security-audit';
import type { PaymentClassification } from '../bid-security.types';
import { AccountRow, BidSecurityStore, normalizeAccountNo, PaymentRow, TenderSnapshot } from '../bid-security.store';
import { BidSecurityRecordsRepository } from '../bid-security-records.repository';
import { IdentityKeyService } from '../../custody/identity-key.service';
import { BankNotificationDto } from '../dto/bank-notification.dto';
import { LedgerAccount } from '../ledger/ledger-accounts';
import { LedgerService } from '../ledger/ledger.service';
import { RefundPlanner } from '../refund-planner.service';
import { RefundReason } from '../refund-policy';
import { UseCase } from 'src/common/use-case';
import { OrganizationsRepository } from 'src/modules/identity/organizations.repository';

export interface IngestBankNotificationCommand {
  /** The raw body the signature was checked over (kept as a SHA-256 for evidence). */
  rawBody: Buffer;
  notification: BankNotificationDto;
  /** The caller's IP, for the audit. */
  ip: string;
}

export type NotificationOutcome = PaymentClassification | 'DUPLICATE';

/** The bank as an actor in the audit log. */
const bankActor = (ip: string): Actor => ({ userId: 'bank', role: 'SYSTEM' as Role, organizationId: null, ip });

/**
 * Records one payment notified by the bank, whose signature the guard has already checked:
 * - idempotent by txnId under any concurrency: the unique index decides (INSERT … ON CONFLICT DO NOTHING), not a
 *   read-then-write; the losing copies answer DUPLICATE and change nothing;
 * - ACCEPTED when received (database clock) before the deadline of a tender open for bids: it counts toward the
 *   security (partial payments add up; a surplus is returned with the rest);
 * - LATE (at or after the deadline) and TENDER_CLOSED payments are recorded, never counted, and returned;
 * - a payment to an unknown sub-account goes to SUSPENSE_UNMATCHED and back to the payer;
 * - every payment is a RECEIPT journal (debit BANK_ESCROW) and an audit event; the payer's account and name are
 *   kept for the collusion flags (TBR Art. 40(6); TBR Art. 26 basic account).
 */
@Injectable()
export class IngestBankNotification implements UseCase<IngestBankNotificationCommand, { status: NotificationOutcome }> {
  private readonly logger = new Logger(IngestBankNotification.name);

  constructor(
    private readonly tx: TransactionRunner,
    private readonly store: BidSecurityStore,
    private readonly ledger: LedgerService,
    private readonly planner: RefundPlanner,
    private readonly audit: AuditService,
    private readonly crypto: CryptoService,
    private readonly organizations: OrganizationsRepository,
    private readonly identityKeys: IdentityKeyService,
    private readonly records: BidSecurityRecordsRepository,
  ) {}

  async execute(cmd: IngestBankNotificationCommand): Promise<{ status: NotificationOutcome }> {
    const n = cmd.notification;
    const bodySha256 = this.crypto.sha256Hex(cmd.rawBody);
    // Fast path for the bank's retries; the unique index below is what guarantees it.
    if (await this.isDuplicate(this.tx.manager, n.txnId, bodySha256)) return { status: 'DUPLICATE' };
    const status = await this.tx.run((m) => this.record(m, n, bodySha256, cmd.ip));
    if (status === 'DUPLICATE') await this.isDuplicate(this.tx.manager, n.txnId, bodySha256);
    return { status };
  }

  private async record(m: EntityManager, n: BankNotificationDto, bodySha256: string, ip: string): Promise<NotificationOutcome> {
    const actor = bankActor(ip);
    const found = await this.records.accountByVirtualAccountNo(m, n.virtualAccountNo);
    const known = found ? { id: found.id, tender_id: found.tenderId } : null;

    if (!known) {
      const payment = await this.insert(m, n, bodySha256, { classification: 'UNMATCHED' });
      if (!payment) return 'DUPLICATE';
      await this.ledger.post(m, {
        kind: 'RECEIPT',
        sourceType: 'payment',
        sourceId: payment.id,
        tenderId: null,
        lines: [
          { account: LedgerAccount.BankEscrow, debit: payment.amount, memo: `来款 ${n.txnId}` },
          { account: LedgerAccount.SuspenseUnmatched, credit: payment.amount, memo: `无法识别的子账号 ${n.virtualAccountNo}` },
        ],
      });
      await this.planner.plan(m, {
        accountId: null,
        tenderId: null,
        regime: 'ENGINEERING',
        reason: RefundReason.UNMATCHED_PAYMENT,
        periodStart: payment.receivedAt,
        payments: [payment],
        actor,
        tenderOpened: false,
      });
      await this.auditPayment(m, actor, payment, null);
      this.logger.warn({ msg: 'bank payment to an unknown sub-account, held in suspense', txnId: n.txnId });
      return 'UNMATCHED';
    }

    // Lock order everywhere: the tender (share), then the account; the clock is read after both locks, so a payment
    // and the deadline transition (which locks the tender for update) cannot interleave.
    await this.records.lockTenderShared(m, known.tender_id);
    const account = (await this.store.accountById(m, known.id, true))!; // the owner is NULL while sealed to the identity key (issue 17)
    const locked = {
      status: account.status as string,
      virtual_account_no: account.virtualAccountNo,
      bidder_organization_id: account.bidderOrganizationId,
      sealed: account.ownerSealed, // who paid stays sealed until the deadline, like who asked
    };
    const payerIsBasicAccount = await this.paidFromBasicAccount(m, known.tender_id, account, n.payerAccountNo);
    const tender = (await this.store.tender(m, known.tender_id)) as TenderSnapshot;
    const receivedAt = tender.now;
    const timely = receivedAt < tender.bidDeadline;
    // The deadline is the instant bids close (TBL Art. 28): money that arrives at or after it is not security.
    const classification: PaymentClassification = tender.status === 'PUBLISHED' ? (timely ? 'ACCEPTED' : 'LATE') : timely ? 'TENDER_CLOSED' : 'LATE';
    const payment = await this.insert(m, n, bodySha256, {
      classification,
      accountId: known.id,
      tenderId: tender.id,
      bidderOrganizationId: locked.bidder_organization_id ?? undefined,
      sealed: locked.sealed,
      payerIsBasicAccount,
      receivedAt,
    });
    if (!payment) return 'DUPLICATE';

    await this.ledger.post(m, {
      kind: 'RECEIPT',
      sourceType: 'payment',
      sourceId: payment.id,
      tenderId: tender.id,
      lines: [
        { account: LedgerAccount.BankEscrow, debit: payment.amount, memo: `来款 ${n.txnId}` },
        { account: LedgerAccount.bidderDeposit(locked.virtual_account_no), credit: payment.amount, memo: classification },
      ],
    });

    if (classification === 'ACCEPTED') {
      // Paying again after a withdrawal, while bids are still open: the account holds security again; the earlier
      // refund still pays back the payments it earmarked.
      if (locked.status === 'REFUND_DUE' || locked.status === 'REFUNDED') {
        await this.records.holdAgain(m, known.id);
      }
    } else {
      await this.planner.plan(m, {
        accountId: known.id,
        tenderId: tender.id,
        regime: tender.regime,
        reason: RefundReason.LATE_PAYMENT,
        periodStart: receivedAt,
        payments: [payment],
        actor,
        tenderOpened: tender.opened,
      });
    }
    // Last: the audit append holds its stream (the account's) until commit.
    await this.auditPayment(m, actor, payment, tender);
    return classification;
  }

  /**
   * TBR Art. 26: security is paid from the bidder's basic account. The sub-account keeps a keyed digest of it, taken
   * when the authenticated bidder asked for the sub-account: comparing digests needs no bidder (sealed, issue 17).
   * Sub-accounts issued before keep the clear comparison with the owner's registered account.
   */
  private async paidFromBasicAccount(m: EntityManager, tenderId: string, account: AccountRow, payerAccountNo: string): Promise<boolean> {
    if (account.basicAccountDigest) return (await this.store.basicAccountDigest(tenderId, payerAccountNo)) === account.basicAccountDigest;
    const basic = account.bidderOrganizationId ? (await this.organizations.findById(m, account.bidderOrganizationId))?.basicAccountNo : null;
    return !!basic && normalizeAccountNo(payerAccountNo) === normalizeAccountNo(basic);
  }

  private async insert(
    m: EntityManager,
    n: BankNotificationDto,
    bodySha256: string,
    p: {
      classification: PaymentClassification;
      accountId?: string;
      tenderId?: string;
      bidderOrganizationId?: string;
      /** Store the payer and the bidder sealed to the tender's identity key until the deadline. */
      sealed?: boolean;
      payerIsBasicAccount?: boolean;
      receivedAt?: Date;
    },
  ): Promise<PaymentRow | null> {
    return this.records.insertPayment(m, {
      txnId: n.txnId,
      bodySha256,
      virtualAccountNo: n.virtualAccountNo,
      accountId: p.accountId ?? null,
      tenderId: p.tenderId ?? null,
      bidderOrganizationId: p.sealed ? null : (p.bidderOrganizationId ?? null),
      amount: n.amount,
      payerAccountNo: p.sealed ? null : n.payerAccountNo,
      payerName: p.sealed ? null : n.payerName,
      payerIsBasicAccount: p.payerIsBasicAccount ?? null,
      paidAt: new Date(n.paidAt),
      receivedAt: p.receivedAt ?? null,
      classification: p.classification,
      payerSealed: p.sealed ? await this.sealPayer(m, p.tenderId!, n, p.bidderOrganizationId ?? null) : null,
    });
  }

  /** Sealed to the tender's identity key: the platform itself cannot read it back before k custodians release the key. */
  private async sealPayer(m: EntityManager, tenderId: string, n: BankNotificationDto, organizationId: string | null): Promise<string> {
    const pub = await this.identityKeys.publicKey(m, tenderId);
    return this.store.sealPayer(Buffer.from(pub!, 'base64'), n.txnId, { payerAccountNo: n.payerAccountNo, payerName: n.payerName, organizationId });
  }

  /**
   * In the account's stream, sealed until the opening (who paid is secret); written before the opening, the event
   * itself names no bidder and no amount either.
   */
  private async auditPayment(m: EntityManager, actor: Actor, p: PaymentRow, tender: TenderSnapshot | null): Promise<void> {
    const opened = tender?.opened ?? false;
    await this.audit.append(m, {
      actor,
      action: 'BID_SECURITY_PAYMENT_RECEIVED',
      objectType: 'bid_security_payment',
      objectId: p.id,
      ...securityAuditScope(tender?.id ?? null, p.accountId),
      data: {
        txnId: p.txnId,
        classification: p.classification,
        ...(opened || !tender ? { amount: p.amount, accountId: p.accountId, bidderOrganizationId: p.bidderOrganizationId, payerIsBasicAccount: p.payerIsBasicAccount } : {}),
      },
    });
  }

  private async isDuplicate(m: EntityManager, txnId: string, bodySha256: string): Promise<boolean> {
    const stored = await this.records.bodyDigestOfTransaction(m, txnId);
    if (stored === null) return false;
    if (stored !== bodySha256) {
      // A signed notification reusing a txnId with other content: nothing changes, but someone must look.
      this.logger.warn({ msg: 'bank notification repeats a txnId with a different body; ignored', txnId });
    }
    return true;
  }
}
