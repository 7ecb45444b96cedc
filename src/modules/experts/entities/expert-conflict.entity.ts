import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A declared conflict of interest (回避事由) with an organisation, by its USCC: a close relative there, an
 * economic interest, a recent employment (TBL Art. 37; PB12 Art. 12; GPR Art. 9). The expert is recused from
 * every tender where that organisation is the procuring entity or a bidder. Withdrawn, never deleted.
 */
@Entity('expert_conflicts')
export class ExpertConflictEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('IDX_EXPERT_CONFLICTS_EXPERT_ID')
  @Column({ type: 'uuid' })
  expertId: string;

  @Column({ type: 'char', length: 18 })
  uscc: string;

  @Column({ type: 'text' })
  reason: string;

  @Column({ type: 'text' })
  declaredBy: 'ADMIN' | 'EXPERT';

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  withdrawnAt: Date | null;
}
