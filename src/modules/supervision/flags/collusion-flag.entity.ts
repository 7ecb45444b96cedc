import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { FlagCode, Severity } from './engine';

/**
 * 串通投标监测: one flag with its evidence and legal basis. scope TENDER rows are computed from one tender after its
 * opening and replaced when it is recomputed; scope HISTORY rows come from the award history (serial losers,
 * rotation, rings, R024/R058) and are replaced together.
 */
@Entity('collusion_flags')
@Index('IDX_COLLUSION_FLAGS_TENDER_ID', ['tenderId', 'scope'])
export class CollusionFlagEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  scope: 'TENDER' | 'HISTORY';

  @Column({ type: 'uuid', nullable: true })
  tenderId: string | null;

  @Column({ type: 'uuid', array: true, default: '{}' })
  tenderIds: string[];

  @Column({ type: 'text' })
  code: FlagCode;

  @Column({ type: 'text' })
  severity: Severity;

  /** Organisation ids of the bidders named. */
  @Column({ type: 'uuid', array: true, default: '{}' })
  bidderIds: string[];

  @Column({ type: 'uuid', array: true, default: '{}' })
  expertIds: string[];

  @Column({ type: 'jsonb', default: {} })
  evidence: Record<string, unknown>;

  /** e.g. "招标投标法实施条例 第四十条第（六）项 (TBR Art. 40(6))" */
  @Column({ type: 'text' })
  legalBasis: string;

  @Column({ type: 'timestamptz' })
  computedAt: Date;
}
