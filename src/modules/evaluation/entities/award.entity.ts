import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { moneyTransformer } from 'src/common/money/money';

/** 中标 (Awardee) with its notice of award (中标通知书) and the contract record (TBL Arts. 45–46). */
@Entity('awards')
export class AwardEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  tenderId: string;

  /** The lot (标段); a tender without lots: 1. */
  @Column({ type: 'int', default: 1 })
  lotNo: number;

  @Column({ type: 'uuid' })
  bidId: string;

  @Column({ type: 'uuid' })
  awardeeOrganizationId: string;

  @Column({ type: 'text' })
  awardeeName: string;

  @Column({ type: 'numeric', precision: 18, scale: 2, transformer: moneyTransformer })
  price: string;

  @Column({ type: 'int' })
  rank: number;

  @Column({ type: 'text', nullable: true })
  score: string | null;

  @Column({ type: 'text' })
  status: 'NOTIFIED' | 'CONTRACTED' | 'DEFAULTED';

  @Column({ type: 'text' })
  noticeNo: string;

  @Column({ type: 'timestamptz' })
  noticeIssuedAt: Date;

  /** The last instant of the 30 days to sign (TBL Art. 46; GPL Art. 46). */
  @Column({ type: 'timestamptz' })
  contractDueAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  announcementEndsAt: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  contractSignedAt: Date | null;

  @Column({ type: 'text', nullable: true })
  contractNo: string | null;

  @Column({ type: 'numeric', precision: 18, scale: 2, nullable: true, transformer: moneyTransformer })
  contractAmount: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  contractRecordedAt: Date | null;

  @Column({ type: 'text', nullable: true })
  defaultReason: string | null;

  @Column({ type: 'timestamptz' })
  createdAt: Date;
}
