import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { moneyTransformer } from 'src/common/money/money';
import { PeriodUnit, RefundReason } from './refund-policy';

export type RefundStatus = 'PLANNED' | 'SENT';

/**
 * A refund of held money: planned when the law makes it due (with its legal deadline `dueAt`), executed by the
 * BID_SECURITY_REFUND timed event through the bank adapter and the ledger.
 */
@Entity('bid_security_refunds')
export class BidSecurityRefundEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Null for a payment to an unknown sub-account. */
  @Index('IDX_BID_SECURITY_REFUNDS_ACCOUNT')
  @Column({ type: 'uuid', nullable: true })
  accountId: string | null;

  @Column({ type: 'uuid', nullable: true })
  tenderId: string | null;

  @Column({ type: 'text' })
  reason: RefundReason;

  @Column({ type: 'text' })
  legalBasis: string;

  @Column({ type: 'int' })
  periodDays: number;

  @Column({ type: 'text' })
  periodUnit: PeriodUnit;

  /** The event the period runs from (withdrawal, notice of award, contract signature...). */
  @Column({ type: 'timestamptz' })
  periodStart: Date;

  /** The legal deadline: 24:00 CST of the period's last day (民法典 Arts. 201, 203). */
  @Column({ type: 'timestamptz' })
  dueAt: Date;

  @Column({ type: 'boolean' })
  withInterest: boolean;

  @Column({ type: 'numeric', precision: 9, scale: 6, nullable: true })
  interestRate: string | null;

  @Column({ type: 'numeric', precision: 18, scale: 2, transformer: moneyTransformer })
  principal: string;

  @Column({ type: 'numeric', precision: 18, scale: 2, nullable: true, transformer: moneyTransformer })
  interest: string | null;

  @Column({ type: 'text', default: 'PLANNED' })
  status: RefundStatus;

  @Column({ type: 'uuid', nullable: true })
  journalId: string | null;

  /** What was sent to the bank: one order per payer account, with the bank's reference. */
  @Column({ type: 'jsonb', nullable: true })
  instructions: Array<{ payeeAccountNo: string; payeeName: string; principal: string; interest: string; amount: string; bankReference: string }> | null;

  /** `instructions` sealed under a platform key when sent before the deadline of a tender that seals identities (issue 17). */
  @Column({ type: 'text', nullable: true })
  instructionsSealed: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  executedAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
