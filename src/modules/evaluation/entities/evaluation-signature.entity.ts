import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A member's signature of the evaluation (评标报告签字), with a written dissent if any (PB12 Art. 43). */
@Entity('evaluation_signatures')
export class EvaluationSignatureEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  tenderId: string;

  @Column({ type: 'uuid' })
  memberId: string;

  @Column({ type: 'int' })
  round: number;

  @Column({ type: 'timestamptz' })
  signedAt: Date;

  @Column({ type: 'text', nullable: true })
  dissent: string | null;

  /** With fewer than 3 valid bids (engineering): does competition lack, so that all bids are rejected (PB12 Art. 27)? */
  @Column({ type: 'text', nullable: true })
  competitionDecision: 'REJECT_ALL' | 'CONTINUE' | null;

  @Column({ type: 'text', nullable: true })
  competitionReason: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  decidedAt: Date | null;

  @Column({ type: 'boolean', default: false })
  void: boolean;
}
