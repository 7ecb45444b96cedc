import { Column, Entity, PrimaryColumn, VersionColumn } from 'typeorm';

export type EvaluationStatus = 'IN_PROGRESS' | 'AWAITING_COMPETITION_DECISION' | 'COMPLETED' | 'FAILED';

/** 评标: one per tender, from the panel draw to the signed report. `round` grows when the result is re-examined. */
@Entity('evaluations')
export class EvaluationEntity {
  @PrimaryColumn({ type: 'uuid' })
  tenderId: string;

  @Column({ type: 'text' })
  status: EvaluationStatus;

  @Column({ type: 'int', default: 1 })
  round: number;

  @Column({ type: 'timestamptz' })
  startedAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  finishedAt: Date | null;

  @Column({ type: 'int', nullable: true })
  reportVersion: number | null;

  @Column({ type: 'text', nullable: true })
  failedReason: string | null;

  @VersionColumn()
  version: number;

  @Column({ type: 'timestamptz' })
  updatedAt: Date;
}
