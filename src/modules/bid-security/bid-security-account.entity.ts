import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** Where the money of one bidder's security for one tender stands. UNPAID/PAID are derived from the payments. */
export type BidSecurityAccountStatus = 'HELD' | 'REFUND_DUE' | 'REFUNDED' | 'FORFEITED';

/** 投标保证金虚拟子账号: the sub-account of one bidder for one tender. */
@Entity('bid_security_accounts')
@Index('UQ_BID_SECURITY_ACCOUNTS_TENDER_LOT_BIDDER', ['tenderId', 'lotNo', 'bidderOrganizationId'], { unique: true })
export class BidSecurityAccountEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  tenderId: string;

  @Column({ type: 'uuid' })
  bidderOrganizationId: string;

  /** 标段: the lot secured; 1 for a tender without lots. */
  @Column({ type: 'int', default: 1 })
  lotNo: number;

  @Index('UQ_BID_SECURITY_ACCOUNTS_VIRTUAL_ACCOUNT_NO', { unique: true })
  @Column({ type: 'text' })
  virtualAccountNo: string;

  @Column({ type: 'text', default: 'HELD' })
  status: BidSecurityAccountStatus;

  /** The refund that made the account REFUND_DUE (and then REFUNDED). */
  @Column({ type: 'uuid', nullable: true })
  currentRefundId: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  forfeitedAt: Date | null;

  @Column({ type: 'text', nullable: true })
  forfeitReason: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
