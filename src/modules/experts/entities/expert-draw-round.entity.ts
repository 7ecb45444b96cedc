import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { RecusalReason } from '../draw/recusal';

/** One recorded selection: the ordered candidate list, its hash, who was selected and who was excluded (and why). */
@Entity('expert_draw_rounds')
export class ExpertDrawRoundEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  drawId: string;

  /** 0 = the initial draw; 1, 2, ... = replacements (TBR Art. 48), one seat each. */
  @Column({ type: 'int' })
  round: number;

  @Column({ type: 'text' })
  specialty: string;

  @Column({ type: 'int' })
  seats: number;

  @Column({ type: 'text' })
  reason: 'INITIAL' | 'REPLACEMENT';

  @Column({ type: 'uuid', nullable: true })
  replacesMemberId: string | null;

  @Column({ type: 'uuid', array: true })
  candidateIds: string[];

  @Column({ type: 'char', length: 64 })
  candidatesSha256: string;

  @Column({ type: 'uuid', array: true })
  selectedIds: string[];

  @Column({ type: 'jsonb', default: [] })
  excluded: Array<{ expertId: string; reasons: RecusalReason[] }>;

  /** expert-draw-v2: candidates next in line passed over in this round, with the reason, who and why. */
  @Column({ type: 'jsonb', default: [] })
  skipped: Array<{ expertId: string; reason: string; by: string; note: string | null }>;

  @Column({ type: 'timestamptz' })
  createdAt: Date;
}
