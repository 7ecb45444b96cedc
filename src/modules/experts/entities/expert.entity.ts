import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn, VersionColumn } from 'typeorm';

export type ExpertStatus = 'ACTIVE' | 'DISABLED';

/** 评标专家: a profile in the expert pool (ExpertPool), linked to a user account with role EXPERT. */
@Entity('experts')
export class ExpertEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('UQ_EXPERTS_USER_ID', { unique: true })
  @Column({ type: 'uuid' })
  userId: string;

  @Column({ type: 'text' })
  name: string;

  /** Specialty codes of the pool's classification (e.g. "A08"); a tender draws by exact code. */
  @Column({ type: 'text', array: true })
  specialties: string[];

  @Column({ type: 'text' })
  region: string;

  /** 工作单位的统一社会信用代码: an expert employed by the procuring entity or a bidder is recused (TBL Art. 37). */
  @Column({ type: 'char', length: 18 })
  employerUscc: string;

  /** 职称: a senior title (高级职称) or, with a note, an equivalent professional level (TBL Art. 37). */
  @Column({ type: 'text' })
  title: string;

  @Column({ type: 'text', nullable: true })
  titleEquivalenceNote: string | null;

  @Column({ type: 'int' })
  yearsOfExperience: number;

  @Column({ type: 'text', default: 'ACTIVE' })
  status: ExpertStatus;

  @Column({ type: 'text', nullable: true })
  disabledReason: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  disabledAt: Date | null;

  /** Declared unavailability (e.g. travel); 'infinity' until the expert declares availability again. */
  @Column({ type: 'timestamptz', nullable: true })
  unavailableUntil: Date | null;

  @VersionColumn()
  version: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
