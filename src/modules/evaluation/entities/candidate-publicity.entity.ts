import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * 中标候选人公示 (CandidatePublicity, engineering: ≥ 3 days, TBR Art. 54) or 中标结果公告 (AwardAnnouncement,
 * procurement: 1 working day, MOF87 Art. 69).
 */
@Entity('candidate_publicities')
export class CandidatePublicityEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  tenderId: string;

  /** The lot (标段); a tender without lots: 1. */
  @Column({ type: 'int', default: 1 })
  lotNo: number;

  @Column({ type: 'int' })
  reportVersion: number;

  @Column({ type: 'text' })
  kind: 'CANDIDATE_PUBLICITY' | 'AWARD_ANNOUNCEMENT';

  @Column({ type: 'timestamptz' })
  startsAt: Date;

  @Column({ type: 'timestamptz' })
  endsAt: Date;

  @Column({ type: 'text' })
  status: 'RUNNING' | 'ENDED' | 'WITHDRAWN';

  @Column({ type: 'jsonb' })
  content: Record<string, unknown>;

  @Column({ type: 'timestamptz' })
  createdAt: Date;
}
