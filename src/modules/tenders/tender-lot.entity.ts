import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { moneyTransformer } from 'src/common/money/money';

/** 标段 / 采购包: a lot of a tender (glossary §4 #8 `Lot`). */
@Entity('tender_lots')
@Index('UQ_TENDER_LOTS_NO', ['tenderId', 'lotNo'], { unique: true })
export class TenderLotEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  tenderId: string;

  @Column({ type: 'int' })
  lotNo: number;

  @Column({ type: 'text' })
  title: string;

  @Column({ type: 'numeric', precision: 18, scale: 2, transformer: moneyTransformer })
  budget: string;

  /** The lot's bid security; NULL: the tender's bidSecurityAmount pro rata to the budget (≤ 2% of the lot's budget, TBR Art. 26; GPR Art. 33). */
  @Column({ type: 'numeric', precision: 18, scale: 2, nullable: true, transformer: moneyTransformer })
  bidSecurityAmount: string | null;

  /** ACTIVE, or FAILED when fewer than 3 bids were received for it at the deadline (TBL Art. 28; TBR Art. 44). */
  @Column({ type: 'text', default: 'ACTIVE' })
  status: 'ACTIVE' | 'FAILED';

  @Column({ type: 'text', nullable: true })
  statusReason: string | null;
}
