import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { moneyTransformer } from 'src/common/money/money';

/** A payment order the ledger bank adapter hands to the bank (an outbox a bank connector or file export drains). */
@Entity('bank_refund_instructions')
export class BankRefundInstructionEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text', unique: true })
  idempotencyKey: string;

  @Column({ type: 'uuid' })
  refundId: string;

  @Column({ type: 'uuid', nullable: true })
  tenderId: string | null;

  /** NULL while sealed (issue 17: an order written before the deadline of a tender that seals identities). */
  @Column({ type: 'text', nullable: true })
  payeeAccountNo: string | null;

  @Column({ type: 'text', nullable: true })
  payeeName: string | null;

  /** The payee (account and name) sealed under a platform key until the deadline; filled in clear then. */
  @Column({ type: 'text', nullable: true })
  payeeSealed: string | null;

  @Column({ type: 'numeric', precision: 18, scale: 2, transformer: moneyTransformer })
  principal: string;

  @Column({ type: 'numeric', precision: 18, scale: 2, transformer: moneyTransformer })
  interest: string;

  @Column({ type: 'numeric', precision: 18, scale: 2, transformer: moneyTransformer })
  amount: string;

  @Column({ type: 'text' })
  memo: string;

  @Column({ type: 'text', default: 'QUEUED' })
  status: 'QUEUED' | 'SENT' | 'CONFIRMED' | 'FAILED';

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
