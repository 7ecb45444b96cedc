import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One member's conclusion on one bid (评审意见): qualified or not with reasons, and its factor scores. */
@Entity('evaluation_verdicts')
export class EvaluationVerdictEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  tenderId: string;

  @Column({ type: 'uuid' })
  memberId: string;

  @Column({ type: 'uuid' })
  bidId: string;

  @Column({ type: 'boolean' })
  qualified: boolean;

  @Column({ type: 'text', array: true, default: '{}' })
  reasons: string[];

  @Column({ type: 'text', array: true, default: '{}' })
  grounds: string[];

  /** Factor code → points as a decimal string ("12.50"). */
  @Column({ type: 'jsonb', nullable: true })
  factorScores: Record<string, string> | null;

  /** Set when the member signs: the verdict no longer changes (MOF87 Art. 64). */
  @Column({ type: 'timestamptz', nullable: true })
  lockedAt: Date | null;

  /** The member was replaced: its conclusions are void (TBR Art. 48). */
  @Column({ type: 'boolean', default: false })
  void: boolean;

  @Column({ type: 'timestamptz' })
  createdAt: Date;

  @Column({ type: 'timestamptz' })
  updatedAt: Date;
}
