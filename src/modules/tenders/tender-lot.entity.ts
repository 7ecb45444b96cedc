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
}
