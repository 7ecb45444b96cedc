import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { moneyTransformer } from 'src/common/money/money';

/**
 * ACCEPTED: received (by the database clock) before the deadline of a tender open for bids: counts as security.
 * LATE: received at or after the deadline; TENDER_CLOSED: the tender no longer takes bids. Both are returned.
 * UNMATCHED: to a sub-account the platform never issued; held in suspense and returned to the payer.
 */
export type PaymentClassification = 'ACCEPTED' | 'LATE' | 'TENDER_CLOSED' | 'UNMATCHED';

/**
 * One bank transaction, as notified by the bank (POST /bank/notifications), unique by txnId. The payer's account
 * number and name are kept for the collusion flags (TBR Art. 40(6): securities of different bidders paid from the
 * same account; TBR Art. 26: from the bidder's basic account).
 */
@Entity('bid_security_payments')
export class BidSecurityPaymentEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('UQ_BID_SECURITY_PAYMENTS_TXN_ID', { unique: true })
  @Column({ type: 'text' })
  txnId: string;

  /** SHA-256 of the notification's raw body, as signed by the bank (evidence). */
  @Column({ type: 'char', length: 64 })
  bodySha256: string;

  @Column({ type: 'text' })
  virtualAccountNo: string;

  @Column({ type: 'uuid', nullable: true })
  accountId: string | null;

  @Column({ type: 'uuid', nullable: true })
  tenderId: string | null;

  @Column({ type: 'uuid', nullable: true })
  bidderOrganizationId: string | null;

  @Column({ type: 'numeric', precision: 18, scale: 2, transformer: moneyTransformer })
  amount: string;

  @Column({ type: 'text' })
  payerAccountNo: string;

  @Column({ type: 'text' })
  payerName: string;

  /** Whether the payer account is the bidder's registered 基本账户 (null when the sub-account is unknown). */
  @Column({ type: 'boolean', nullable: true })
  payerIsBasicAccount: boolean | null;

  /** The bank's booking time. */
  @Column({ type: 'timestamptz' })
  paidAt: Date;

  /** When the platform received the notification: the database clock that decides lateness. */
  @Column({ type: 'timestamptz' })
  receivedAt: Date;

  @Column({ type: 'text' })
  classification: PaymentClassification;

  /** classification = ACCEPTED (a generated column). */
  @Column({ type: 'boolean', insert: false, update: false })
  counted: boolean;

  /** The refund this payment goes back with (set when the refund is planned). */
  @Column({ type: 'uuid', nullable: true })
  refundId: string | null;

  /** What was kept of it by a forfeiture. */
  @Column({ type: 'numeric', precision: 18, scale: 2, default: 0, transformer: moneyTransformer })
  forfeitedAmount: string;
}
