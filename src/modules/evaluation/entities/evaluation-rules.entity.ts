import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Evaluation terms of the tender document the tender's own fields do not carry, set by the procuring entity while
 * the tender is a DRAFT: whether curable deficiencies (容缺, regulations.md §3) may be supplied during evaluation
 * (off by default), and whether the project is state-funded (the rank-1 rule of TBR Art. 55; on by default).
 */
@Entity('evaluation_rules')
export class EvaluationRulesEntity {
  @PrimaryColumn({ type: 'uuid' })
  tenderId: string;

  @Column({ type: 'boolean', default: false })
  curableDeficiencies: boolean;

  @Column({ type: 'boolean', default: true })
  stateFunded: boolean;

  @Column({ type: 'timestamptz' })
  updatedAt: Date;
}
